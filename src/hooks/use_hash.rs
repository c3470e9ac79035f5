//! The address's fragment (`#gallery`), which picks the page shown.

use leptos::ev;
use leptos::prelude::*;

/// The address's fragment, `#` included (empty when there is none), following every change,
/// so a reload and the Back button keep the page shown.
pub fn use_hash() -> ReadSignal<String> {
    let hash = move || window().location().hash().unwrap_or_default();
    let (current, set_current) = signal(hash());
    let listener = window_event_listener(ev::hashchange, move |_| set_current.set(hash()));
    on_cleanup(move || listener.remove());
    current
}
