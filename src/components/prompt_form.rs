//! The prompt and the model's options, with the Generate button.

use std::fmt::Display;

use easel_contract::calendar::Date;
use easel_contract::model::{ModelProfile, MODELS};
use easel_contract::price::Estimate;
use easel_contract::request::{Field, Plan, RequestError, MAX_IMAGES_PER_RUN, MAX_OUTPUT_COMPRESSION};
use easel_contract::wire::Size;
use leptos::prelude::*;

use crate::components::field::{invalid, problem_id, FormField};
use crate::state::dropped::Dropped;
use crate::state::studio::Studio;
use crate::state::studio_form::{takes_custom_size, StudioForm, TypedSize};

/// The prompt box, one select per option the model offers, and Generate.
#[component]
pub fn PromptForm(
    /// What the user has chosen; the form writes its prompt and options, and the model.
    studio: RwSignal<Studio>,
    /// The prompt this device kept from the user's last visit, if any: marked while it is unchanged.
    kept_prompt: Option<String>,
    /// The requests the form makes, or its problems.
    #[prop(into)]
    plan: Signal<Result<Plan, Vec<RequestError>>>,
    /// Whether to show problems yet.
    #[prop(into)]
    show_problems: Signal<bool>,
    /// Called when the user asks to generate (the button, or Ctrl/Cmd+Enter).
    #[prop(into)]
    on_generate: Callback<()>,
    /// Today, for the model's retirement notice.
    today: Date,
    /// What dropping a file on the studio did, if the user dropped one.
    #[prop(into)]
    dropped: Signal<Option<Dropped>>,
) -> impl IntoView {
    let form = FormSignal(studio);
    let model = Memo::new(move |_| studio.with(Studio::model));
    let notice = move || studio.with(|studio| studio.lifecycle_notice(today));
    // A field's problem, once the user has tried to generate.
    let problem_of = move |field: Field| {
        Signal::derive(move || {
            show_problems.get().then(|| {
                plan.with(|plan| plan.as_ref().err()?.iter().find(|p| p.field() == field).map(ToString::to_string))
            })?
        })
    };
    let prompt_problem = problem_of(Field::Prompt);
    let images_problem = problem_of(Field::Images);
    let size_problems = SizeProblems {
        size: problem_of(Field::Size),
        width: problem_of(Field::Width),
        height: problem_of(Field::Height),
    };
    let compression_problem = problem_of(Field::OutputCompression);
    let shows_compression = Memo::new(move |_| form.with(StudioForm::shows_compression));
    let count = move || form.with(|form| form.prompt.chars().count());
    let prompt_kept =
        Memo::new(move |_| kept_prompt.as_deref().is_some_and(|kept| form.with(|form| form.prompt == kept)));
    let at_once_problem =
        Signal::derive(move || show_problems.get().then(|| form.with(StudioForm::at_once_problem))?);
    let estimate = move || {
        plan.with(|plan| match plan.as_ref().map(|plan| plan.estimate) {
            Ok(Estimate::Exact(cost)) => format!("Estimated cost: {cost}"),
            Ok(Estimate::AtMost(cost)) => format!("Estimated cost: up to {cost}"),
            _ => String::new(),
        })
    };

    view! {
        <form
            class="panel prompt-form"
            novalidate
            aria-describedby="dropped"
            on:submit=move |event| {
                event.prevent_default();
                on_generate.run(());
            }
            on:keydown=move |event| {
                if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
                    event.prevent_default();
                    on_generate.run(());
                }
            }
        >
            <p id="dropped" role="status" class=move || match dropped.get() {
                Some(Dropped::Refused(_)) => "dropped problem",
                _ => "dropped",
            }>
                {move || dropped.get().map(|dropped| dropped.to_string())}
            </p>
            <div class="field">
                <label for="model">"Model"</label>
                <select
                    id="model"
                    aria-describedby="model-notice"
                    on:change:target=move |event| {
                        if let Some(chosen) = ModelProfile::by_name(&event.target().value()) {
                            studio.update(|studio| studio.switch_model(chosen));
                        }
                    }
                >
                    {MODELS
                        .iter()
                        .map(|profile| {
                            view! {
                                <option value=profile.name prop:selected=move || model.get().name == profile.name>
                                    {profile.name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p id="model-notice" class="notice">{notice}</p>
            </div>
            <FormField id="prompt" label="Prompt" problem=prompt_problem>
                <textarea
                    id="prompt"
                    rows="5"
                    placeholder="A lighthouse on a cliff at dawn, watercolour"
                    prop:value=move || form.with(|form| form.prompt.clone())
                    on:input:target=move |event| form.update(|form| form.prompt = event.target().value())
                    aria-invalid=invalid(prompt_problem)
                    // A description is read even while hidden, so the line is named only while shown.
                    aria-describedby=move || match prompt_kept.get() {
                        true => "prompt-kept prompt-count prompt-problem",
                        false => "prompt-count prompt-problem",
                    }
                ></textarea>
                <Show when=move || prompt_kept.get()>
                    <p id="prompt-kept" class="hint kept">"Kept on this device from your last visit."</p>
                </Show>
                <p id="prompt-count" class="hint count">{count} " / " {move || model.get().max_prompt_chars} " characters"</p>
            </FormField>
            // Drawn anew for each model: its own options, each at the API's default.
            {move || {
                let model = model.get();
                view! {
                    <div class="options">
                        <SizeFields model form problems=size_problems />
                        <OptionSelect id="quality" label="Quality" values=model.qualities form
                            read=|form| Some(form.quality) write=|form, value| form.quality = value
                            describe=|q| q.label().to_owned() />
                        <OptionSelect id="style" label="Style" values=model.styles form
                            read=|form| form.style write=|form, value| form.style = Some(value)
                            describe=|s| s.label().to_owned() />
                        <OptionSelect id="response-format" label="Response format" values=model.response_formats form
                            read=|form| form.response_format write=|form, value| form.response_format = Some(value)
                            describe=|r| r.label().to_owned() />
                        <OptionSelect id="output-format" label="File format" values=model.output_formats form
                            read=|form| form.output_format write=|form, value| form.output_format = Some(value)
                            describe=|f| f.label().to_owned() />
                        <Show when=move || shows_compression.get()>
                            <CompressionField form problem=compression_problem />
                        </Show>
                        <OptionSelect id="background" label="Background" values=model.backgrounds form
                            read=|form| form.background write=|form, value| form.background = Some(value)
                            describe=|b| b.label().to_owned() />
                    </div>
                }
            }}
            <div class="options">
                <NumberField id="images" label="Images" form problem=images_problem
                    read=|form| form.images write=|form, value| form.images = value />
                <NumberField id="at-once" label="At once" form problem=at_once_problem
                    read=|form| form.at_once write=|form, value| form.at_once = value />
            </div>
            <button type="submit" class="generate" aria-keyshortcuts="Control+Enter Meta+Enter">"Generate"</button>
            <p class="hint estimate">{estimate}</p>
        </form>
    }
}

/// A labelled count from 1 to [`MAX_IMAGES_PER_RUN`]; what the user types is kept (an entry that
/// is not a number reads as 0) and its problem shown beside it.
#[component]
fn NumberField(
    id: &'static str,
    label: &'static str,
    form: FormSignal,
    problem: Signal<Option<String>>,
    read: fn(&StudioForm) -> u8,
    write: fn(&mut StudioForm, u8),
) -> impl IntoView {
    view! {
        <FormField id label problem>
            <input
                id=id
                type="number"
                min="1"
                max=MAX_IMAGES_PER_RUN
                prop:value=move || form.with(|form| read(form).to_string())
                on:input:target=move |event| {
                    let value = event.target().value().trim().parse().unwrap_or(0);
                    form.update(|form| write(form, value));
                }
                aria-invalid=invalid(problem)
                aria-describedby=problem_id(id)
            />
        </FormField>
    }
}

/// Where the size's problems are shown: the whole size's under the select, each typed edge's
/// beside its field.
#[derive(Clone, Copy)]
struct SizeProblems {
    size: Signal<Option<String>>,
    width: Signal<Option<String>>,
    height: Signal<Option<String>>,
}

/// The size select over the model's sizes (each option's value the API's spelling) and, for a
/// model that takes free sizes, "Custom…", which opens a field for the width and the height.
#[component]
fn SizeFields(model: &'static ModelProfile, form: FormSignal, problems: SizeProblems) -> impl IntoView {
    const CUSTOM: &str = "custom";
    let values = model.offered_sizes();
    let takes_custom = takes_custom_size(model);
    let is_custom = Memo::new(move |_| form.with(|form| form.custom_size.is_some()));
    let size_problem = problems.size;
    view! {
        <FormField id="size" label="Size" problem=size_problem>
            <select
                id="size"
                aria-describedby=problem_id("size")
                on:change:target=move |event| {
                    let chosen = event.target().value();
                    if chosen == CUSTOM {
                        form.update(|form| form.choose_custom_size(model));
                    } else if let Some(size) = values.iter().find(|size| size.to_string() == chosen) {
                        form.update(|form| form.choose_size(*size));
                    }
                }
            >
                {values
                    .iter()
                    .map(|size| {
                        let size = *size;
                        view! {
                            <option
                                value=size.to_string()
                                prop:selected=move || form.with(|form| form.custom_size.is_none() && form.size == size)
                            >
                                {describe_size(&size)}
                            </option>
                        }
                    })
                    .collect_view()}
                {takes_custom.then(|| view! {
                    <option value=CUSTOM prop:selected=move || is_custom.get()>"Custom…"</option>
                })}
            </select>
        </FormField>
        <Show when=move || is_custom.get()>
            <EdgeField id="width" label="Width" form problem=problems.width size_problem
                read=|typed| &typed.width write=|typed, text| typed.width = text />
            <EdgeField id="height" label="Height" form problem=problems.height size_problem
                read=|typed| &typed.height write=|typed, text| typed.height = text />
        </Show>
    }
}

/// One edge of a custom size in pixels. It is a text field that asks for digits, not a number
/// field: a number field hides text that is not a number from the page (its value reads as
/// empty), so what was typed could be neither kept nor explained. The whole size's problem, shown
/// under the select, marks it invalid as well.
#[component]
fn EdgeField(
    id: &'static str,
    label: &'static str,
    form: FormSignal,
    problem: Signal<Option<String>>,
    size_problem: Signal<Option<String>>,
    read: fn(&TypedSize) -> &String,
    write: fn(&mut TypedSize, String),
) -> impl IntoView {
    let either_problem = Signal::derive(move || problem.get().or_else(|| size_problem.get()));
    view! {
        <FormField id label problem>
            <input
                id=id
                type="text"
                inputmode="numeric"
                autocomplete="off"
                prop:value=move || form.with(|form| form.custom_size.as_ref().map(read).cloned().unwrap_or_default())
                on:input:target=move |event| {
                    let text = event.target().value();
                    form.update(|form| {
                        if let Some(typed) = form.custom_size.as_mut() {
                            write(typed, text);
                        }
                    });
                }
                aria-invalid=invalid(either_problem)
                aria-describedby=format!("{} {}", problem_id(id), problem_id("size"))
            />
        </FormField>
    }
}

/// The compression of a JPEG, kept as typed (a text field for digits, as [`EdgeField`] is).
#[component]
fn CompressionField(form: FormSignal, problem: Signal<Option<String>>) -> impl IntoView {
    view! {
        <FormField id="compression" label="Compression" problem>
            <input
                id="compression"
                type="text"
                inputmode="numeric"
                autocomplete="off"
                prop:value=move || form.with(|form| form.compression.clone().unwrap_or_default())
                on:input:target=move |event| form.update(|form| form.compression = Some(event.target().value()))
                aria-invalid=invalid(problem)
                aria-describedby=format!("compression-hint {}", problem_id("compression"))
            />
            <p id="compression-hint" class="hint">
                {format!("{MAX_OUTPUT_COMPRESSION} is the best quality, the largest file")}
            </p>
        </FormField>
    }
}

/// A labelled select over the values a model offers for one option; each option's value is the
/// API's own spelling. A model that takes no such option shows no select.
#[component]
fn OptionSelect<T>(
    id: &'static str,
    label: &'static str,
    values: &'static [T],
    form: FormSignal,
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
                            <option value=value.to_string() prop:selected=move || form.with(|form| read(form) == Some(value))>
                                {describe(&value)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    })
}

/// The studio's form, read and written as if it were a signal of its own: the form's controls
/// reach nothing else of the studio (the model, above all, changes only through the studio).
#[derive(Clone, Copy)]
struct FormSignal(RwSignal<Studio>);

impl FormSignal {
    fn with<T>(self, read: impl FnOnce(&StudioForm) -> T) -> T {
        self.0.with(|studio| read(&studio.form))
    }

    fn update(self, write: impl FnOnce(&mut StudioForm)) {
        self.0.update(|studio| write(&mut studio.form));
    }
}

/// A size as a person reads it: "1792 × 1024", or "Auto".
fn describe_size(size: &Size) -> String {
    match size {
        Size::Auto => "Auto".to_owned(),
        Size::Exact(dimensions) => format!("{} × {}", dimensions.width, dimensions.height),
    }
}
