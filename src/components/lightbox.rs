//! The lightbox: one finished image large, the arrow keys moving through the others, Escape
//! closing it with the focus back where it was, and a view at actual size.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::image_api::Generated;
use crate::tiles::{TileId, TileState, Tiles};

/// A modal `dialog` over the page while `open` names a tile. The browser keeps the focus inside
/// it and the page behind it inert.
#[component]
pub fn Lightbox(
    /// The tiles; only finished images are shown.
    tiles: RwSignal<Tiles<Generated>>,
    /// The tile shown, if the lightbox is open.
    open: RwSignal<Option<TileId>>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let actual_size = RwSignal::new(false);
    // What had the focus before opening, to give it back on closing.
    let opener = StoredValue::new_local(None::<HtmlElement>);
    let done = Memo::new(move |_| {
        tiles.with(|tiles| {
            tiles
                .list()
                .iter()
                .filter_map(|tile| match &tile.state {
                    TileState::Done(image) => Some((tile.id, tile.prompt.clone(), image.clone())),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    });
    let place = Memo::new(move |_| {
        let id = open.get()?;
        done.with(|done| done.iter().position(|(tile, ..)| *tile == id))
    });
    let step = move |by: isize| {
        let (Some(at), count) = (place.get_untracked(), done.with_untracked(Vec::len)) else {
            return;
        };
        let next = (at as isize + by).rem_euclid(count as isize) as usize;
        open.set(done.with_untracked(|done| done.get(next).map(|(id, ..)| *id)));
    };

    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else {
            return;
        };
        match (place.get().is_some(), dialog.open()) {
            (true, false) => {
                opener.set_value(document().active_element().and_then(|element| element.dyn_into().ok()));
                let _ = dialog.show_modal();
            }
            (false, true) => {
                dialog.close();
                actual_size.set(false);
                if let Some(opener) = opener.try_update_value(Option::take).flatten() {
                    let _ = opener.focus();
                }
            }
            _ => {}
        }
    });

    let shown = move || {
        let at = place.get()?;
        done.with(|done| done.get(at).cloned()).map(|(_, prompt, image)| (at, done.with(Vec::len), prompt, image))
    };

    view! {
        <dialog
            node_ref=dialog
            class="lightbox"
            aria-label="Image viewer"
            on:keydown=move |event| match event.key().as_str() {
                "ArrowRight" => step(1),
                "ArrowLeft" => step(-1),
                // Handled here, so the page's own Escape (Cancel all) does not fire too.
                "Escape" => {
                    event.prevent_default();
                    open.set(None);
                }
                _ => {}
            }
            on:cancel=move |event: web_sys::Event| {
                event.prevent_default();
                open.set(None);
            }
        >
            {move || shown().map(|(at, count, prompt, image)| {
                let caption = image.revised_prompt.clone().unwrap_or_else(|| prompt.clone());
                view! {
                    <div class="lightbox-bar">
                        <p class="lightbox-place" aria-live="polite">{format!("Image {} of {count}", at + 1)}</p>
                        <button type="button" class="action" aria-keyshortcuts="ArrowLeft" on:click=move |_| step(-1)>
                            "Previous"
                        </button>
                        <button type="button" class="action" aria-keyshortcuts="ArrowRight" on:click=move |_| step(1)>
                            "Next"
                        </button>
                        <button type="button" class="action" aria-pressed=move || actual_size.get().to_string()
                            on:click=move |_| actual_size.update(|actual| *actual = !*actual)>
                            "Actual size"
                        </button>
                        <button type="button" class="action close" aria-keyshortcuts="Escape" on:click=move |_| open.set(None)>
                            "Close"
                        </button>
                    </div>
                    <figure class="lightbox-view" class:actual=move || actual_size.get()>
                        <div class="lightbox-frame" tabindex="0" aria-label="Image, scrollable at actual size">
                            <img src=image.picture.src().to_owned() alt=prompt />
                        </div>
                        <figcaption>{caption}</figcaption>
                    </figure>
                }
            })}
        </dialog>
    }
}
