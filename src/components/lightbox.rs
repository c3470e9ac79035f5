//! The lightbox: one image large, the arrow keys moving through the others, Escape closing it
//! with the focus back where it was, and a view at actual size. The studio and the gallery both
//! open it, each with its own list of images.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::browser::keeper::Keeper;
use crate::browser::object_url::ObjectUrl;

/// One image the lightbox can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LightboxItem {
    /// Its identity in the list that opened the lightbox.
    pub key: String,
    /// Where its pixels are.
    pub source: Source,
    /// The prompt, as the image's text alternative.
    pub alt: String,
    /// What to show under it: the revised prompt, or the prompt.
    pub caption: String,
}

/// Where an image's pixels are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// At a URL already (a tile's link or `blob:` URL).
    Url(String),
    /// Kept on the device under this id, read when shown.
    Kept(String),
}

/// A modal `dialog` over the page while `open` names an item of `items`. The browser keeps the
/// focus inside it and the page behind it inert.
#[component]
pub fn Lightbox(
    /// The images, in the order the arrows move through them.
    #[prop(into)]
    items: Signal<Vec<LightboxItem>>,
    /// The key of the image shown, if the lightbox is open.
    open: RwSignal<Option<String>>,
    /// Reads kept images.
    keeper: Keeper,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let actual_size = RwSignal::new(false);
    // What had the focus before opening, to give it back on closing.
    let opener = StoredValue::new_local(None::<HtmlElement>);
    let place = Memo::new(move |_| {
        let key = open.get()?;
        items.with(|items| items.iter().position(|item| item.key == key))
    });
    let step = move |by: isize| {
        let (Some(at), count) = (place.get_untracked(), items.with_untracked(Vec::len)) else {
            return;
        };
        let next = (at as isize + by).rem_euclid(count as isize) as usize;
        open.set(items.with_untracked(|items| items.get(next).map(|item| item.key.clone())));
    };
    let shown = Memo::new(move |_| place.get().and_then(|at| items.with(|items| items.get(at).cloned())));
    // A kept image is read from the device while it is shown, and its URL revoked after.
    let kept_url = LocalResource::new(move || {
        let source = shown.with(|shown| shown.as_ref().map(|item| item.source.clone()));
        async move {
            let Some(Source::Kept(id)) = source else {
                return None;
            };
            let blob = keeper.store()?.image(&id).await.ok()??;
            ObjectUrl::from_blob(blob).ok().map(std::sync::Arc::new)
        }
    });
    let src = move || {
        shown.with(|shown| match shown.as_ref().map(|item| &item.source) {
            Some(Source::Url(url)) => Some(url.clone()),
            Some(Source::Kept(_)) => kept_url.get().flatten().map(|url| url.as_str().to_owned()),
            None => None,
        })
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
            <Show when=move || shown.with(Option::is_some)>
                <div class="lightbox-bar">
                    <p class="lightbox-place" aria-live="polite">
                        {move || format!("Image {} of {}", place.get().unwrap_or_default() + 1, items.with(Vec::len))}
                    </p>
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
                        <img src=src alt=move || shown.with(|shown| shown.as_ref().map(|item| item.alt.clone())) />
                    </div>
                    <figcaption>{move || shown.with(|shown| shown.as_ref().map(|item| item.caption.clone()))}</figcaption>
                </figure>
            </Show>
        </dialog>
    }
}
