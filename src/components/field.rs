//! A labelled control with its problem beside it: the one shape of every form field.

use leptos::prelude::*;

/// The label, the control (and any hint) given as children, and the problem, announced when it
/// appears. The control refers to the problem with [`problem_id`] and [`invalid`].
#[component]
pub fn FormField(
    /// The control's id, which the label points at.
    id: &'static str,
    /// What the label says.
    label: &'static str,
    /// The problem to show, if any.
    problem: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {children()}
            <p id=problem_id(id) class="problem" role="alert">{move || problem.get()}</p>
        </div>
    }
}

/// The id of the problem line of the field whose control is `id`, for `aria-describedby`.
pub fn problem_id(id: &str) -> String {
    format!("{id}-problem")
}

/// `aria-invalid` for a control whose problem is `problem`.
pub fn invalid(problem: Signal<Option<String>>) -> impl Fn() -> Option<&'static str> {
    move || problem.with(Option::is_some).then_some("true")
}
