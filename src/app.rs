//! The studio: a connection, a prompt with its options, and the grid of results.

use std::time::Duration;

use easel_contract::failure::GENERATION_TIMEOUT;
use easel_contract::profiles::{ConfigError, RuntimeConfig};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::browser::clock;
use crate::browser::engine::Engine;
use crate::browser::image_store::{ImageStore, Left, StoreError};
use crate::browser::keeper::{keep_made, Keeper};
use crate::browser::local_store;
use crate::browser::other_pages;
use crate::components::connection_panel::ConnectionPanel;
use crate::components::gallery_view::GalleryView;
use crate::components::prompt_form::PromptForm;
use crate::components::result_grid::ResultGrid;
use crate::components::show_as_code::ShowAsCode;
use crate::components::spending_panel::SpendingPanel;
use crate::hooks::{use_clock, use_escape, use_hash};
use crate::state::connections::Connections;
use crate::state::dropped::{settings_in, DropProblem, Dropped};
use crate::state::interrupted::Pending;
use crate::state::studio::Studio;

/// Opens the device's store of kept images for `keeper`'s page (or says why the browser refuses
/// one), and takes over what pages that are gone left: at once for those gone already, and for
/// pages open beside this one, when they go.
async fn open_store(keeper: Keeper, interrupted: RwSignal<Vec<Pending>>) -> Result<ImageStore, StoreError> {
    let page = keeper.page();
    // Held before anything is read, so a page opened after this one never takes this one's notes.
    let open = match other_pages::hold_for_life(page).await {
        true => other_pages::open_now().await,
        false => None,
    };
    let store = ImageStore::open().await?;
    let (gone, still_open) = store.take_interrupted(open.as_ref()).await.unwrap_or_default();
    take_over(&store, gone, keeper, interrupted).await;
    for other in still_open.into_iter().filter(|other| *other != page) {
        let store = store.clone();
        other_pages::when_gone(other, move || {
            spawn_local(async move {
                let left = store.take_interrupted_of(other).await.unwrap_or_default();
                take_over(&store, left, keeper, interrupted).await;
            })
        });
    }
    Ok(store)
}

/// Keeps the images a gone page made but had not kept (so they are not asked for, and paid
/// for, again), and lists its other calls as interrupted.
async fn take_over(store: &ImageStore, left: Left, keeper: Keeper, interrupted: RwSignal<Vec<Pending>>) {
    interrupted.update(|interrupted| interrupted.extend(left.unfinished));
    if keep_made(store, left.made).await > 0 {
        keeper.changed();
    }
}

/// The whole app, offering `team`'s connection profiles besides the user's own, keeping images in
/// `store`, and telling what an earlier page `interrupted`.
#[component]
pub fn App(team: Result<RuntimeConfig, ConfigError>) -> impl IntoView {
    let today = clock::today();
    let origin = window().location().origin().unwrap_or_default();
    let team_problem = team.as_ref().err().map(ToString::to_string);
    let fetch_through = team.as_ref().is_ok_and(|team| team.fetch_through);
    let call_timeout = team.as_ref().map_or(GENERATION_TIMEOUT, RuntimeConfig::call_timeout);
    let connections = Connections::new(&team.unwrap_or_default(), &origin, local_store::load_connections(), today);
    let kept = local_store::load_form();
    let studio = Studio::new(connections, kept.as_ref());
    // The prompt brought back from the last visit, marked as kept until it is edited.
    let kept_prompt = kept.and(Some(studio.form.prompt.clone())).filter(|prompt| !prompt.is_empty());
    let studio = RwSignal::new(studio);
    // Each kept value is written when it changes, not at every change of the studio.
    let saved = Memo::new(move |_| studio.with(|studio| studio.connections().saved()));
    Effect::new(move |_| saved.with(local_store::save_connections));
    let kept_form = Memo::new(move |_| studio.with(Studio::kept));
    Effect::new(move |_| kept_form.with(local_store::save_form));
    // Problems are shown once the user has tried to generate, not while they start typing.
    let show_problems = RwSignal::new(false);
    let keeper = Keeper::new(fetch_through);
    // Opened after the first render, never before it: a store that is slow to open (another tab
    // holding an older version, say) must not keep the studio from appearing.
    let interrupted = RwSignal::new(Vec::<Pending>::new());
    spawn_local(async move {
        keeper.open(open_store(keeper, interrupted).await);
    });
    let (budget_text, set_budget_text) =
        create_slice(studio, |studio| studio.budget.clone(), |studio, text| studio.budget = text);
    let budget = Memo::new(move |_| studio.with(Studio::budget));
    let engine = Engine::new(
        Signal::derive(move || studio.with(|studio| usize::from(studio.form.at_once).max(1))),
        budget.into(),
        call_timeout,
        keeper,
    );
    // What the form and the connection mean, derived once for every part that reads them.
    let plan = Memo::new(move |_| studio.with(Studio::plan));
    let target = Memo::new(move |_| studio.with(Studio::target));
    let spending = Memo::new(move |_| engine.tiles.with(|tiles| tiles.spending(|image| image.cost)));
    // The budget's problem, or why the planned run would not be sent: the engine's own check.
    let budget_problem = Memo::new(move |_| {
        if let Err(problem) = budget.get() {
            return Err(problem.to_string());
        }
        match plan.with(|plan| plan.as_ref().ok().map(|plan| plan.estimate)) {
            Some(estimate) => engine.budget_allows(estimate).map_err(|over| over.to_string()),
            None => Ok(()),
        }
    });

    // The clock that elapsed times and countdowns read.
    let now = use_clock(Duration::from_millis(250));
    // Escape is the shortcut of the visible "Cancel all" button.
    use_escape(move || engine.cancel_all());

    let submit = move || {
        show_problems.set(true);
        // What is wrong is shown beside each field; a run over the budget is not sent, and the
        // spending panel already says why.
        if let Ok(jobs) = studio.with_untracked(Studio::submit) {
            let _ = engine.run(jobs);
        }
    };

    // The panels under the form (the connection, "show as code") are drawn just after the first
    // frame: a cold page then compiles and runs only the form's and the results' code before it
    // takes a prompt (`./dev bench render`). Both sit below the fold.
    let below_drawn = RwSignal::new(false);
    request_animation_frame(move || set_timeout(move || below_drawn.set(true), Duration::ZERO));

    // What dropping a file on the studio did.
    let dropped = RwSignal::new(None::<Dropped>);

    // The page shown follows the address's fragment, so a reload and the Back button keep it.
    let hash = use_hash();
    let gallery_shown = Memo::new(move |_| hash.with(|hash| hash == "#gallery"));

    view! {
        <header class="masthead">
            <h1>"Easel"</h1>
            <p>"Image generation with Azure OpenAI"</p>
            <nav aria-label="Pages">
                <a href="#studio" aria-current=move || (!gallery_shown.get()).then_some("page")>"Studio"</a>
                <a href="#gallery" aria-current=move || gallery_shown.get().then_some("page")>"Gallery"</a>
            </nav>
        </header>
        // The studio stays mounted behind the gallery, so a run goes on while the user looks back.
        // Results follow the prompt in the page's order, so on a phone they are right below it.
        <main
            class="studio"
            hidden=move || gallery_shown.get()
            on:dragover=move |event: web_sys::DragEvent| event.prevent_default()
            on:drop=move |event: web_sys::DragEvent| {
                event.prevent_default();
                let file = event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0));
                if let Some(file) = file {
                    spawn_local(async move {
                        let name = file.name();
                        let outcome = match JsFuture::from(file.array_buffer()).await {
                            Ok(buffer) => settings_in(&name, &js_sys::Uint8Array::new(&buffer).to_vec()),
                            Err(_) => Err(DropProblem::Unreadable(name.clone())),
                        };
                        dropped.set(Some(match outcome {
                            Ok((model, request)) => {
                                studio.update(|studio| studio.restore(model, &request));
                                Dropped::Restored(name)
                            }
                            Err(problem) => Dropped::Refused(problem),
                        }));
                    });
                }
            }
        >
            <PromptForm studio kept_prompt dropped plan show_problems on_generate=submit today />
            <SpendingPanel spending budget_text set_budget_text
                problem=Signal::derive(move || show_problems.get().then(|| budget_problem.get().err())?) />
            <ResultGrid engine keeper now interrupted on_use_prompt=move |text| use_as_prompt(studio, text) />
            {move || below_drawn.get().then(|| {
                let team_problem = team_problem.clone();
                view! {
                    <ConnectionPanel studio target show_problems team_problem today />
                    <ShowAsCode plan target />
                }
            })}
        </main>
        <Show when=move || gallery_shown.get()>
            <main class="gallery-page">
                <GalleryView keeper />
            </main>
        </Show>
    }
}

/// Puts `text` in the prompt box and moves the focus there, ready to edit.
fn use_as_prompt(studio: RwSignal<Studio>, text: String) {
    studio.update(|studio| studio.form.prompt = text);
    if let Some(prompt) = document().get_element_by_id("prompt") {
        let _ = prompt.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}
