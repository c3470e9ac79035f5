//! The studio: a connection, a prompt with its options, and the grid of results.

use std::time::Duration;

use easel_contract::endpoint::{ApiPath, Auth, Connection, DEFAULT_API_VERSION};
use easel_contract::model::DALL_E_3;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::connection_panel::ConnectionPanel;
use crate::components::prompt_form::PromptForm;
use crate::components::result_grid::ResultGrid;
use crate::components::show_as_code::ShowAsCode;
use crate::engine::{now_ms, Engine};
use crate::studio_form::StudioForm;
use crate::tiles::Job;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let connection = RwSignal::new(local_endpoint());
    let form = RwSignal::new(StudioForm::new(&DALL_E_3));
    // Problems are shown once the user has tried to generate, not while they start typing.
    let show_problems = RwSignal::new(false);
    let engine = Engine::new(Signal::derive(move || form.with(|form| usize::from(form.at_once).max(1))));
    // What the form and the connection mean, derived once for every part that reads them.
    let plan = Memo::new(move |_| form.with(StudioForm::plan));
    let target = Memo::new(move |_| connection.with(Connection::target));

    // The clock that elapsed times and countdowns read.
    let now = RwSignal::new(now_ms());
    if let Ok(clock) = set_interval_with_handle(move || now.set(now_ms()), Duration::from_millis(250)) {
        on_cleanup(move || clock.clear());
    }
    // Escape is the shortcut of the visible "Cancel all" button.
    let escape = window_event_listener(ev::keydown, move |event| {
        if event.key() == "Escape" && !event.default_prevented() {
            engine.cancel_all();
        }
    });
    on_cleanup(move || escape.remove());

    let submit = move || {
        show_problems.set(true);
        let (Ok(target), Ok(plan), None) =
            (target.get_untracked(), plan.get_untracked(), form.with_untracked(StudioForm::at_once_problem))
        else {
            return;
        };
        let prompt = form.with_untracked(|form| form.prompt.clone());
        engine.run(&prompt, plan.requests.into_iter().map(|request| Job { target: target.clone(), request }).collect());
    };

    view! {
        <header class="masthead">
            <h1>"Easel"</h1>
            <p>"Image generation with Azure OpenAI"</p>
        </header>
        // Results follow the prompt in the page's order, so on a phone they are right below it.
        <main class="studio">
            <PromptForm
                form
                plan
                show_problems
                on_generate=submit
                on_switch_model=move |model| connection.update(|connection| form.update(|form| form.switch_model(model, connection)))
            />
            <ResultGrid engine now on_use_prompt=move |text| use_as_prompt(form, text) />
            <ConnectionPanel connection target show_problems />
            <ShowAsCode plan target />
        </main>
    }
}

/// Puts `text` in the prompt box and moves the focus there, ready to edit.
fn use_as_prompt(form: RwSignal<StudioForm>, text: String) {
    form.update(|form| form.prompt = text);
    if let Some(prompt) = document().get_element_by_id("prompt") {
        let _ = prompt.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

/// The companion server that served this page also answers as Azure does, and accepts any key.
fn local_endpoint() -> Connection {
    Connection {
        endpoint: window().location().origin().unwrap_or_default(),
        deployment: DALL_E_3.name.to_owned(),
        api_version: DEFAULT_API_VERSION.to_owned(),
        path: ApiPath::Deployments,
        auth: Auth::ApiKey("local".to_owned()),
    }
}
