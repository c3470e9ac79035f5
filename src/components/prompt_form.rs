//! The prompt and the model's options, with the Generate button.

use std::fmt::Display;

use easel_contract::request::{Field, Size};
use leptos::prelude::*;

use crate::studio_form::StudioForm;

/// The prompt box, one select per option the model offers, and Generate.
#[component]
pub fn PromptForm(
    /// What the user has chosen.
    form: RwSignal<StudioForm>,
    /// Whether to show problems yet.
    #[prop(into)]
    show_problems: Signal<bool>,
    /// Called when the user asks to generate.
    on_generate: impl Fn() + 'static,
) -> impl IntoView {
    let model = form.with_untracked(|form| form.model);
    let prompt_problem = Memo::new(move |_| {
        let problems = form.with(StudioForm::plan).err()?;
        problems.iter().find(|problem| problem.field() == Field::Prompt).map(ToString::to_string)
    });
    let shown_problem = move || show_problems.get().then(|| prompt_problem.get()).flatten();
    let count = move || form.with(|form| form.prompt.chars().count());

    view! {
        <form
            class="panel prompt-form"
            novalidate
            on:submit=move |event| {
                event.prevent_default();
                on_generate();
            }
        >
            <div class="field">
                <label for="prompt">"Prompt"</label>
                <textarea
                    id="prompt"
                    rows="5"
                    placeholder="A lighthouse on a cliff at dawn, watercolour"
                    prop:value=move || form.with(|form| form.prompt.clone())
                    on:input:target=move |event| form.update(|form| form.prompt = event.target().value())
                    aria-invalid=move || shown_problem().is_some().then_some("true")
                    aria-describedby="prompt-count prompt-problem"
                ></textarea>
                <p id="prompt-count" class="hint count">{count} " / " {model.max_prompt_chars} " characters"</p>
                <p id="prompt-problem" class="problem" role="alert">{shown_problem}</p>
            </div>
            <div class="options">
                <OptionSelect id="size" label="Size" values=model.offered_sizes() form
                    read=|form| Some(form.size) write=|form, value| form.size = value describe=describe_size />
                <OptionSelect id="quality" label="Quality" values=model.qualities form
                    read=|form| Some(form.quality) write=|form, value| form.quality = value describe=|q| q.label().to_owned() />
                <OptionSelect id="style" label="Style" values=model.styles form
                    read=|form| form.style write=|form, value| form.style = Some(value)
                    describe=|s| s.label().to_owned() />
                <OptionSelect id="response-format" label="Response format" values=model.response_formats form
                    read=|form| form.response_format write=|form, value| form.response_format = Some(value)
                    describe=|r| r.label().to_owned() />
            </div>
            <button type="submit" class="generate">"Generate"</button>
        </form>
    }
}

/// A labelled select over the values a model offers for one option; each option's value is the
/// API's own spelling. A model that takes no such option shows no select.
#[component]
fn OptionSelect<T>(
    id: &'static str,
    label: &'static str,
    values: &'static [T],
    form: RwSignal<StudioForm>,
    read: fn(&StudioForm) -> Option<T>,
    write: fn(&mut StudioForm, T),
    describe: fn(&T) -> String,
) -> impl IntoView
where
    T: Copy + PartialEq + Display + Send + Sync + 'static,
{
    (!values.is_empty()).then(|| view! {
        <div class="field">
            <label for=id>{label}</label>
            <select
                id=id
                on:change:target=move |event| {
                    let chosen = event.target().value();
                    if let Some(value) = values.iter().find(|value| value.to_string() == chosen) {
                        form.update(|form| write(form, *value));
                    }
                }
            >
                {values
                    .iter()
                    .map(|value| {
                        let value = *value;
                        view! {
                            <option value=value.to_string() selected=move || form.with(|form| read(form) == Some(value))>
                                {describe(&value)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    })
}

/// A size as a person reads it: "1792 × 1024", or "Auto".
fn describe_size(size: &Size) -> String {
    match size {
        Size::Auto => "Auto".to_owned(),
        Size::Exact(dimensions) => format!("{} × {}", dimensions.width, dimensions.height),
    }
}
