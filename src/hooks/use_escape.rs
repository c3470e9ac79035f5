//! The Escape key as a shortcut.

use leptos::ev;
use leptos::prelude::*;

/// Calls `then` when Escape is pressed anywhere on the page and nothing (an open dialog, say)
/// has handled it already.
pub fn use_escape(then: impl Fn() + 'static) {
    let listener = window_event_listener(ev::keydown, move |event| {
        if event.key() == "Escape" && !event.default_prevented() {
            then();
        }
    });
    on_cleanup(move || listener.remove());
}
