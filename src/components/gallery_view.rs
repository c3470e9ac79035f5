//! The gallery: every kept image, searched, filtered and sorted, in a grid that draws only the
//! rows on screen (so thousands of images cost what one screenful does), with favourites,
//! selection, delete with undo, and the lightbox.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::Blob;

use crate::browser::image_store::StoreError;
use crate::browser::keeper::{Keeper, Storage};
use crate::browser::object_url::ObjectUrl;
use crate::components::archive_panel::ArchivePanel;
use crate::components::lightbox::{Lightbox, LightboxItem, Source};
use crate::state::gallery::{choices, records_of, with_favourite_toggled, ImageRecord, Order, Query};
use crate::state::gallery_grid::Grid;
use crate::state::undo::Undos;

/// The bytes of a deleted image that could be read, held (by the browser, not wasm) until its
/// undo expires, so Undo puts back exactly what was there.
#[derive(Clone)]
struct Kept {
    image: Option<Blob>,
    thumb: Option<Blob>,
}

/// How long "Undo" is offered after a delete.
const UNDO_FOR: Duration = Duration::from_secs(12);

/// The gallery page.
#[component]
pub fn GalleryView(keeper: Keeper) -> impl IntoView {
    let records = RwSignal::new(Vec::<ImageRecord>::new());
    // Until the store is first read, the gallery says nothing of its contents: not "0 images",
    // nor that nothing is kept.
    let read = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    // Read again whenever the keeper writes. A storage problem is said only once the store is
    // known to be refused (it is still opening on a page loaded straight onto the gallery), and
    // cleared by the next good read.
    Effect::new(move |_| {
        keeper.changes.track();
        let store = match keeper.storage() {
            Storage::Opening => return,
            Storage::Refused(refused) => {
                read.set(true);
                problem.set(Some(match refused {
                    StoreError::Unavailable(why) => format!(
                        "This browser gives Easel no storage ({why}), so nothing is kept: download the images you want."
                    ),
                    full @ StoreError::Full => full.to_string(),
                }));
                return;
            }
            Storage::Open(store) => store,
        };
        spawn_local(async move {
            match store.records().await {
                Ok(kept) => {
                    records.set(kept);
                    read.set(true);
                    problem.set(None);
                }
                Err(error) => problem.set(Some(error.to_string())),
            }
        });
    });
    let query = RwSignal::new(Query::default());
    let shown = Memo::new(move |_| {
        records.with(|records| query.with(|query| query.apply(records).into_iter().cloned().collect::<Vec<_>>()))
    });
    let selected = RwSignal::new(HashSet::<String>::new());
    // Every delete offers its own undo until its own time is up.
    let undos = RwSignal::new(Undos::<Kept>::default());
    let lightbox = RwSignal::new(None::<String>);
    let items = Signal::derive(move || {
        shown.with(|shown| {
            shown
                .iter()
                .map(|record| LightboxItem {
                    key: record.id.clone(),
                    source: Source::Kept(record.id.clone()),
                    alt: record.prompt().to_owned(),
                    caption: record.revised_prompt.clone().unwrap_or_else(|| record.prompt().to_owned()),
                })
                .collect()
        })
    });

    // The virtual grid: only rows within the scrolled-to window are drawn.
    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new((960.0, 720.0));
    let measure = move || {
        if let Some(element) = scroller.get_untracked() {
            viewport.set((f64::from(element.client_width()), f64::from(element.client_height())));
        }
    };
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let grid = Memo::new(move |_| Grid::for_width(viewport.get().0));
    let drawn = Memo::new(move |_| grid.get().drawn(scroll_top.get(), viewport.get().1, shown.with(Vec::len)));
    let visible = move || {
        let places = drawn.get();
        shown.with(|shown| {
            places.clone().zip(&shown[places]).map(|(place, record)| (place, record.clone())).collect::<Vec<_>>()
        })
    };

    let delete_selected = move |_| {
        let ids: Vec<String> = selected.with_untracked(|selected| selected.iter().cloned().collect());
        let Some(store) = keeper.store() else {
            return;
        };
        spawn_local(async move {
            // The blobs are held first (the browser keeps their bytes, not wasm), so Undo can put
            // back exactly what was there.
            let mut items = Vec::new();
            for record in records.with_untracked(|records| records_of(records, &ids)) {
                let image = store.image(&record.id).await.ok().flatten();
                let thumb = store.thumb(&record.id).await.ok().flatten();
                items.push((record, Kept { image, thumb }));
            }
            match store.delete(&ids).await {
                Ok(()) => {
                    selected.set(HashSet::new());
                    let key = undos.try_update(|undos| undos.offer(items)).unwrap_or_default();
                    keeper.changed();
                    set_timeout(move || undos.update(|undos| undos.expire(key)), UNDO_FOR);
                }
                Err(error) => problem.set(Some(error.to_string())),
            }
        });
    };
    let undo_delete = move |key: u64| {
        let Some(store) = keeper.store() else {
            return;
        };
        let Some(deleted) = undos.try_update(|undos| undos.take(key)).flatten() else {
            return;
        };
        spawn_local(async move {
            for (record, Kept { image, thumb }) in deleted.items {
                if let Err(error) = store.restore(&record, image.as_ref(), thumb.as_ref()).await {
                    problem.set(Some(error.to_string()));
                }
            }
            keeper.changed();
        });
    };
    let toggle_favourite = move |id: String| {
        let (Some(store), Some(record)) =
            (keeper.store(), records.with_untracked(|records| with_favourite_toggled(records, &id)))
        else {
            return;
        };
        spawn_local(async move {
            match store.update(&record).await {
                Ok(()) => keeper.changed(),
                Err(error) => problem.set(Some(error.to_string())),
            }
        });
    };

    view! {
        <section class="gallery" aria-labelledby="gallery-heading">
            <div class="gallery-head">
                <h2 id="gallery-heading">"Gallery"</h2>
                <p class="gallery-count" role="status">
                    {move || {
                        if !read.get() {
                            return "Reading the images kept on this device…".to_owned();
                        }
                        let (showing, total) = (shown.with(Vec::len), records.with(Vec::len));
                        let images = if total == 1 { "image" } else { "images" };
                        if showing == total { format!("{total} {images}") } else { format!("{showing} of {total} {images}") }
                    }}
                </p>
                <StorageUse keeper />
            </div>
            <p class="problem" role="alert">{move || problem.get()}</p>
            <Filters records=records.read_only() query />
            <div class="gallery-actions">
                <button type="button" class="action" on:click=move |_| {
                    selected.set(shown.with_untracked(|shown| shown.iter().map(|r| r.id.clone()).collect()))
                }>"Select all shown"</button>
                <button type="button" class="action" disabled=move || selected.with(HashSet::is_empty)
                    on:click=move |_| selected.set(HashSet::new())>"Clear selection"</button>
                <button type="button" class="action danger" disabled=move || selected.with(HashSet::is_empty)
                    on:click=delete_selected>
                    {move || format!("Delete selected ({})", selected.with(HashSet::len))}
                </button>
                <ArchivePanel records=records.read_only() selected=selected.read_only() keeper />
                <div class="undos">
                    <For each=move || undos.with(|undos| undos.offered().to_vec()) key=|deleted| deleted.key let:deleted>
                        {
                            let what = deleted.what();
                            view! {
                                <p class="undo" role="status">
                                    {what.clone()}
                                    " "
                                    <button type="button" class="action" aria-label=format!("Undo: {what}")
                                        on:click=move |_| undo_delete(deleted.key)>"Undo"</button>
                                </p>
                            }
                        }
                    </For>
                </div>
            </div>
            <Show when=move || read.get() && records.with(Vec::is_empty)>
                <p class="empty">"Nothing kept yet: every image you generate in the studio is kept here."</p>
            </Show>
            <div
                class="gallery-scroll"
                node_ref=scroller
                on:scroll=move |_| {
                    if let Some(element) = scroller.get_untracked() {
                        scroll_top.set(f64::from(element.scroll_top()));
                    }
                }
            >
                <ul class="gallery-grid" style:height=move || format!("{}px", grid.get().height(shown.with(Vec::len)))>
                    // A cell is drawn anew only when another image comes to its place, so a
                    // favourite marked keeps its cell, and the keyboard's focus with it.
                    <For each=visible key=|(place, record)| (*place, record.id.clone()) let:item>
                        {
                            let (place, record) = item;
                            let (top, left) = grid.get_untracked().position(place);
                            let favourite = Signal::derive({
                                let id = record.id.clone();
                                move || records.with(|records| records.iter().any(|r| r.id == id && r.favourite))
                            });
                            view! {
                                <GalleryCell
                                    record
                                    favourite
                                    keeper
                                    top
                                    left
                                    selected
                                    on_open=move |id| lightbox.set(Some(id))
                                    on_favourite=toggle_favourite
                                />
                            }
                        }
                    </For>
                </ul>
            </div>
            <Lightbox items open=lightbox keeper />
        </section>
    }
}

/// One image of the grid: its thumbnail (read from the device while the cell is drawn, its URL
/// revoked when it scrolls away), a checkbox to select it, and a favourite toggle.
#[component]
fn GalleryCell(
    record: ImageRecord,
    /// Marked as a favourite, as the store has it now.
    favourite: Signal<bool>,
    keeper: Keeper,
    top: f64,
    left: f64,
    selected: RwSignal<HashSet<String>>,
    #[prop(into)] on_open: Callback<String>,
    #[prop(into)] on_favourite: Callback<String>,
) -> impl IntoView {
    let id = record.id.clone();
    let thumb = LocalResource::new({
        let id = id.clone();
        move || {
            let id = id.clone();
            async move {
                let blob = keeper.store()?.thumb(&id).await.ok()??;
                ObjectUrl::from_blob(blob).ok().map(Arc::new)
            }
        }
    });
    let is_selected = {
        let id = id.clone();
        move || selected.with(|selected| selected.contains(&id))
    };
    let label = format!("{} · {} · {}", record.prompt(), record.model, record.day());
    let (open_id, select_id) = (id.clone(), id.clone());
    view! {
        <li class="gallery-cell" style:top=format!("{top}px") style:left=format!("{left}px")>
            <button type="button" class="gallery-thumb" aria-label=format!("View larger: {label}")
                on:click=move |_| on_open.run(open_id.clone())>
                // `elementtiming` lets the benchmark read when the first thumbnail is painted.
                {move || thumb.get().flatten().map(|url| view! { <img src=url.as_str().to_owned() alt="" elementtiming="gallery-thumb" /> })}
            </button>
            <input
                type="checkbox"
                class="gallery-select"
                aria-label=format!("Select: {label}")
                prop:checked=is_selected
                on:change:target=move |event| {
                    let checked = event.target().checked();
                    selected.update(|selected| {
                        if checked {
                            selected.insert(select_id.clone());
                        } else {
                            selected.remove(&select_id);
                        }
                    });
                }
            />
            <button
                type="button"
                class="gallery-favourite"
                aria-pressed=move || favourite.get().to_string()
                aria-label=format!("Favourite: {label}")
                on:click=move |_| on_favourite.run(id.clone())
            >
                {move || if favourite.get() { "★" } else { "☆" }}
            </button>
        </li>
    }
}

/// Search, the filters and the order.
#[component]
fn Filters(records: ReadSignal<Vec<ImageRecord>>, query: RwSignal<Query>) -> impl IntoView {
    let models = Memo::new(move |_| records.with(|records| choices(records, |r| Some(r.model.clone()))));
    let sizes = Memo::new(move |_| records.with(|records| choices(records, ImageRecord::size)));
    let optional = |text: String| (!text.is_empty()).then_some(text);
    view! {
        <div class="filters">
            <div class="field search">
                <label for="gallery-search">"Search prompts"</label>
                <input id="gallery-search" type="search" placeholder="lighthouse dawn"
                    prop:value=move || query.with(|q| q.text.clone())
                    on:input:target=move |event| query.update(|q| q.text = event.target().value()) />
            </div>
            <div class="field">
                <label for="gallery-model">"Model"</label>
                <select id="gallery-model" on:change:target=move |event| query.update(|q| q.model = optional(event.target().value()))>
                    <option value="">"Any"</option>
                    {move || models.get().into_iter().map(|model| view! { <option value=model.clone()>{model.clone()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="gallery-size">"Size"</label>
                <select id="gallery-size" on:change:target=move |event| query.update(|q| q.size = optional(event.target().value()))>
                    <option value="">"Any"</option>
                    {move || sizes.get().into_iter().map(|size| view! { <option value=size.clone()>{size.clone()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="gallery-from">"From"</label>
                <input id="gallery-from" type="date" on:change:target=move |event| query.update(|q| q.from = optional(event.target().value())) />
            </div>
            <div class="field">
                <label for="gallery-to">"To"</label>
                <input id="gallery-to" type="date" on:change:target=move |event| query.update(|q| q.to = optional(event.target().value())) />
            </div>
            <div class="field">
                <label for="gallery-order">"Order"</label>
                <select id="gallery-order" on:change:target=move |event| {
                    query.update(|q| q.order = if event.target().value() == "oldest" { Order::Oldest } else { Order::Newest })
                }>
                    <option value="newest">"Newest first"</option>
                    <option value="oldest">"Oldest first"</option>
                </select>
            </div>
            <div class="check">
                <input id="gallery-favourites" type="checkbox"
                    on:change:target=move |event| query.update(|q| q.favourites = event.target().checked()) />
                <label for="gallery-favourites">"Favourites only"</label>
            </div>
        </div>
    }
}

/// How much of the browser's storage Easel uses and has left, whether the browser keeps it
/// for good, and a warning while little is left. Nothing where the browser does not say.
#[component]
fn StorageUse(keeper: Keeper) -> impl IntoView {
    Effect::new(move |_| {
        keeper.changes.track();
        spawn_local(keeper.measure_space());
    });
    view! {
        <p class="storage-use">{move || keeper.space.get().map(|space| space.describe())}</p>
        <p class="problem" role="status">{move || keeper.space.get().and_then(|space| space.warning())}</p>
    }
}
