//! The results: a tile per image asked for, from queued to done, failed or cancelled.

use easel_contract::failure::CallError;
use easel_contract::response::{Reported, LINK_LIFETIME};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::api::{Generated, Picture};
use crate::browser::engine::Engine;
use crate::browser::keeper::{Keeper, Keeping};
use crate::components::lightbox::{Lightbox, LightboxItem, Source};
use crate::state::file_name::download_name;
use crate::state::interrupted::{runs, Pending};
use crate::state::spending::OverBudget;
use crate::state::tiles::{Tile, TileId, TileState};
use crate::state::word_diff::{word_diff, Change};

/// The grid of tiles, newest run first, with a status line screen readers announce and the
/// "Cancel all" button while anything is still to settle.
#[component]
pub fn ResultGrid(
    /// Runs the tiles; the grid reads them and cancels through it.
    engine: Engine,
    /// Where keeping each finished image stands.
    keeper: Keeper,
    /// What an earlier page left generating when it was closed.
    #[prop(into)]
    interrupted: Signal<Vec<Pending>>,
    /// The page's clock, in milliseconds, for elapsed times and countdowns.
    #[prop(into)]
    now: Signal<u64>,
    /// Puts a revised prompt in the prompt box.
    #[prop(into)]
    on_use_prompt: Callback<String>,
) -> impl IntoView {
    let tiles = engine.tiles;
    let pending = Memo::new(move |_| tiles.with(|tiles| tiles.pending()));
    let status = move || {
        tiles.with(|tiles| match (tiles.pending(), tiles.list().is_empty()) {
            (0, true) => String::new(),
            (0, false) => tiles.outcome(),
            _ => tiles.progress(),
        })
    };
    let lightbox = RwSignal::new(None::<String>);
    // Why the last "Again" was not sent, until the next one is.
    let refused = RwSignal::new(None::<OverBudget>);
    let finished = Signal::derive(move || {
        tiles.with(|tiles| {
            tiles
                .list()
                .iter()
                .filter_map(|tile| match &tile.state {
                    TileState::Done(image) => Some(LightboxItem {
                        key: tile.id.to_string(),
                        source: Source::Url(
                            shown_src(keeper, tile.id, &image.picture)
                                .unwrap_or_else(|| image.picture.src().to_owned()),
                        ),
                        alt: tile.prompt().to_owned(),
                        caption: image.revised_prompt.clone().unwrap_or_else(|| tile.prompt().to_owned()),
                    }),
                    _ => None,
                })
                .collect()
        })
    });

    view! {
        <section class="results" aria-labelledby="results-heading">
            <h2 id="results-heading" class="visually-hidden">"Results"</h2>
            <div class="status-bar">
                <p class="status" role="status" aria-live="polite">{status}</p>
                <p class="problem" role="alert">{move || refused.get().map(|refused| refused.to_string())}</p>
                <p class="problem space" role="status">{move || keeper.space.get().and_then(|space| space.warning())}</p>
                <Show when=move || { pending.get() > 0 }>
                    <button type="button" class="cancel-all" aria-keyshortcuts="Escape" on:click=move |_| engine.cancel_all()>
                        "Cancel all (Esc)"
                    </button>
                </Show>
            </div>
            {move || interrupted_view(interrupted.get(), on_use_prompt)}
            <Show when=move || tiles.with(|tiles| tiles.list().is_empty())>
                <p class="empty">"Your images will appear here. Write a prompt and press Generate."</p>
            </Show>
            <ul class="grid">
                // Keyed by state as well as id, so a tile is drawn anew when its state changes.
                <For
                    each=move || tiles.with(|tiles| tiles.list().to_vec())
                    key=|tile| (tile.id, std::mem::discriminant(&tile.state))
                    let:tile
                >
                    <li>{tile_view(tile, engine, keeper, now, on_use_prompt, lightbox.write_only(), refused.write_only())}</li>
                </For>
            </ul>
            <Lightbox items=finished open=lightbox keeper />
        </section>
    }
}

fn tile_view(
    tile: Tile<Generated>,
    engine: Engine,
    keeper: Keeper,
    now: Signal<u64>,
    on_use_prompt: Callback<String>,
    lightbox: WriteSignal<Option<String>>,
    refused: WriteSignal<Option<OverBudget>>,
) -> AnyView {
    let prompt = tile.prompt().to_owned();
    let Tile { id, index, state, job, .. } = tile;
    let caption = |label: &'static str, class: &'static str, text: String| {
        view! { <figcaption><span class="label">{label}</span><span class=class>{text}</span></figcaption> }
    };
    let cancel = move || {
        view! {
            <button type="button" class="cancel" aria-label="Cancel this image" on:click=move |_| engine.cancel(id)>
                "Cancel"
            </button>
        }
    };
    let seconds_since = move |since: u64| move || now.get().saturating_sub(since) / 1000;
    match state {
        TileState::Queued => view! {
            <figure class="tile queued" aria-busy="true">
                <div class="placeholder">"Queued: waiting for a free slot"</div>
                {caption("Prompt", "prompt", prompt)}
                {cancel()}
            </figure>
        }
        .into_any(),
        TileState::Running { since_ms } => view! {
            <figure class="tile running" aria-busy="true">
                <div class="placeholder">
                    <span class="spinner" aria-hidden="true"></span>
                    "Generating… " {seconds_since(since_ms)} " s"
                </div>
                {caption("Prompt", "prompt", prompt)}
                {cancel()}
            </figure>
        }
        .into_any(),
        TileState::Waiting { until_ms, after } => {
            let left = move || until_ms.saturating_sub(now.get()).div_ceil(1000);
            view! {
                <figure class="tile waiting" aria-busy="true">
                    <div class="failure waiting-note">
                        <p class="what">{after.failure.message()}</p>
                        <p class="next">"Trying again in " {left} " s."</p>
                    </div>
                    {caption("Prompt", "prompt", prompt)}
                    {cancel()}
                </figure>
            }
            .into_any()
        }
        TileState::Done(Generated { picture, revised_prompt, created, format, reported, .. }) => {
            let src = Memo::new(move |_| shown_src(keeper, id, &picture));
            let alt = prompt.clone();
            let file_name = download_name(&prompt, created, index, format);
            let shown_prompt = revised_prompt.clone().unwrap_or_else(|| prompt.clone());
            let copied = RwSignal::new("");
            let copy = move |text: String| {
                spawn_local(async move {
                    let clipboard = window().navigator().clipboard();
                    let done = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await;
                    copied.set(if done.is_ok() { "Copied." } else { "Could not copy: select the text and copy it." });
                });
            };
            // gpt-image keeps the prompt as written; DALL-E 3 always rewrites it.
            let (caption, reuse) = match revised_prompt {
                Some(revised) => {
                    let reuse = revised.clone();
                    let button = view! {
                        <button type="button" class="action" on:click=move |_| on_use_prompt.run(reuse.clone())>
                            "Use as prompt"
                        </button>
                    };
                    let changes = changes_view(&prompt, &revised);
                    let caption = view! {
                        <figcaption>
                            <span class="label">"Revised prompt"</span>
                            <span class="revised-prompt">{revised}</span>
                            {changes}
                        </figcaption>
                    };
                    (caption.into_any(), Some(button))
                }
                None => (caption("Prompt", "prompt", prompt.clone()).into_any(), None),
            };
            view! {
                <figure class="tile done">
                    <button type="button" class="thumb" aria-label="View larger" on:click=move |_| lightbox.set(Some(id.to_string()))>
                        // `elementtiming` tells the keeper (and the benchmark) when the image is painted.
                        {move || match src.get() {
                            Some(src) => view! { <img src=src alt=alt.clone() elementtiming="result-image" /> }.into_any(),
                            None => view! { <span class="placeholder">"Fetching the image…"</span> }.into_any(),
                        }}
                    </button>
                    {caption}
                    {reported_view(reported)}
                    <p class=move || keeping_class(keeper, id) role="status">
                        {move || keeping_text(keeper, id, created, now.get())}
                    </p>
                    <div class="actions">
                        <a class="action" href=move || src.get() download=file_name>"Download"</a>
                        {reuse}
                        <button type="button" class="action" on:click=move |_| copy(shown_prompt.clone())>"Copy prompt"</button>
                        <button type="button" class="action" title="The same request again"
                            on:click=move |_| refused.set(engine.run(vec![job.clone()]).err())>
                            "Again"
                        </button>
                        <span class="copied" role="status">{move || copied.get()}</span>
                    </div>
                </figure>
            }
            .into_any()
        }
        TileState::Failed(CallError { failure, details }) => {
            let more = details.summary().map(|summary| {
                view! {
                    <details class="failure-details">
                        <summary>"Details"</summary>
                        <p>{summary}</p>
                        {details.message.map(|message| view! { <p class="service-message">{message}</p> })}
                    </details>
                }
            });
            view! {
                <figure class="tile failed">
                    <div class="failure" role="alert">
                        <p class="what">{failure.message()}</p>
                        <p class="next">{failure.next_step()}</p>
                        {more}
                    </div>
                    {caption("Prompt", "prompt", prompt)}
                </figure>
            }
            .into_any()
        }
        TileState::Cancelled => view! {
            <figure class="tile cancelled">
                <div class="placeholder">"Cancelled"</div>
                {caption("Prompt", "prompt", prompt)}
            </figure>
        }
        .into_any(),
    }
}

/// What the service changed in the prompt, word by word, one click away.
fn changes_view(sent: &str, revised: &str) -> impl IntoView {
    let changes = word_diff(sent, revised);
    let words = changes
        .into_iter()
        .enumerate()
        .map(|(place, change)| {
            let gap = if place == 0 { "" } else { " " };
            match change {
                Change::Same(text) => (gap, view! { <span>{text}</span> }.into_any()),
                Change::Added(text) => (gap, view! { <ins>{text}</ins> }.into_any()),
                Change::Removed(text) => (gap, view! { <del>{text}</del> }.into_any()),
            }
        })
        .collect_view();
    view! {
        <details class="changes">
            <summary>"What changed"</summary>
            <p class="diff">{words}</p>
        </details>
    }
}

/// The parameters the service reports using, beside those asked for; a difference stands out.
fn reported_view(reported: Vec<Reported>) -> Option<impl IntoView> {
    (!reported.is_empty()).then(|| {
        let rows = reported
            .into_iter()
            .map(|row| {
                let differs = row.differs();
                let made = if differs { format!("{} (asked {})", row.reported, row.asked) } else { row.reported };
                view! {
                    <div class:differs=differs>
                        <dt>{row.field.label()}</dt>
                        <dd>{made}</dd>
                    </div>
                }
            })
            .collect_view();
        view! { <dl class="reported" aria-label="What the service reports it made">{rows}</dl> }
    })
}

/// The class of tile `id`'s keeping line, by where keeping its image stands.
fn keeping_class(keeper: Keeper, id: TileId) -> &'static str {
    match keeper.keeping.with(|keeping| keeping.get(&id).cloned()) {
        Some(Keeping::Kept(_)) => "keeping kept",
        Some(Keeping::Failed(_) | Keeping::LinkOnly) => "keeping not-kept",
        None | Some(Keeping::Saving) => "keeping",
    }
}

/// Where tile `id`'s image is shown from: its bytes, when the answer carried them or the keeper
/// has fetched them; the link itself only once fetching it has failed. Until then, nothing: the
/// image is on its way, and asking for the link as well would fetch it twice.
fn shown_src(keeper: Keeper, id: TileId, picture: &Picture) -> Option<String> {
    match picture {
        Picture::Bytes(bytes) => Some(bytes.as_str().to_owned()),
        Picture::Link(link) => {
            keeper.copies.with(|copies| copies.get(&id).map(|copy| copy.as_str().to_owned())).or_else(|| {
                let failed = keeper
                    .keeping
                    .with(|keeping| matches!(keeping.get(&id), Some(Keeping::LinkOnly | Keeping::Failed(_))));
                failed.then(|| link.clone())
            })
        }
    }
}

/// Where keeping tile `id`'s image stands, in words.
fn keeping_text(keeper: Keeper, id: TileId, created: i64, now_ms: u64) -> String {
    match keeper.keeping.with(|keeping| keeping.get(&id).cloned()) {
        None | Some(Keeping::Saving) => "Keeping it on this device…".to_owned(),
        Some(Keeping::Kept(_)) => "Kept on this device.".to_owned(),
        Some(Keeping::Failed(problem)) => problem.to_string(),
        Some(Keeping::LinkOnly) => {
            let left = (created + LINK_LIFETIME.as_secs() as i64 - (now_ms / 1000) as i64).max(0);
            format!(
                "Not kept: the image host does not let this page read the image. Its link works for {} h {} min \
                 more: download it before then.",
                left / 3600,
                left % 3600 / 60
            )
        }
    }
}

/// What an earlier page was still generating when it was closed or reloaded.
fn interrupted_view(interrupted: Vec<Pending>, on_use_prompt: Callback<String>) -> Option<impl IntoView> {
    (!interrupted.is_empty()).then(|| {
        let shown = RwSignal::new(true);
        let items: Vec<(String, String)> = runs(&interrupted).into_iter().map(|run| (run.line(), run.prompt)).collect();
        view! {
            <Show when=move || shown.get()>
                <div class="interrupted" role="status">
                    <p>"Interrupted: the page was closed or reloaded before these were made and kept. Everything \
                        that had finished is in the gallery."</p>
                    <ul>
                        {items
                            .iter()
                            .map(|(line, prompt)| {
                                let prompt = prompt.clone();
                                view! {
                                    <li>
                                        {line.clone()}
                                        <button type="button" class="action" aria-label=format!("Use \"{prompt}\" as the prompt")
                                            on:click=move |_| on_use_prompt.run(prompt.clone())>
                                            "Use as prompt"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    <button type="button" class="action" on:click=move |_| shown.set(false)>"Dismiss"</button>
                </div>
            </Show>
        }
    })
}
