//! What the session has cost so far, and the optional budget that stops a run before it would
//! pass it.

use easel_contract::price::Cost;
use leptos::prelude::*;

use crate::components::field::{invalid, problem_id, FormField};

/// The running total and the budget field; `problem` is the budget's, or why a run was not sent.
#[component]
pub fn SpendingPanel(
    /// Spent on finished images, and the most the calls still out may add.
    #[prop(into)]
    spending: Signal<(Cost, Cost)>,
    /// The budget as typed.
    #[prop(into)]
    budget_text: Signal<String>,
    /// Writes the budget as typed.
    set_budget_text: SignalSetter<String>,
    /// What is wrong with the budget, or why the run was not sent.
    #[prop(into)]
    problem: Signal<Option<String>>,
) -> impl IntoView {
    let total = move || {
        let (spent, pending) = spending.get();
        if pending == Cost::default() {
            format!("Spent this session: {spent}")
        } else {
            format!("Spent this session: {spent}, and up to {pending} more on its way")
        }
    };
    view! {
        <section class="panel spending" aria-labelledby="spending-heading">
            <h2 id="spending-heading">"Cost"</h2>
            <p class="total" aria-live="polite">{total}</p>
            <FormField id="budget" label="Budget for this session (USD)" problem>
                <input
                    id="budget"
                    type="text"
                    inputmode="decimal"
                    autocomplete="off"
                    placeholder="No limit"
                    prop:value=move || budget_text.get()
                    on:input:target=move |event| set_budget_text.set(event.target().value())
                    aria-invalid=invalid(problem)
                    aria-describedby=format!("budget-hint {}", problem_id("budget"))
                />
                <p id="budget-hint" class="hint">
                    "A run that could take the session past it is not sent. Costs are estimates from public prices; \
                     gpt-image's are counted from the tokens each answer reports."
                </p>
            </FormField>
        </section>
    }
}
