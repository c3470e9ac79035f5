//! The other Easel pages open in this browser: which are still open (Web Locks: each page holds
//! a lock named after it for as long as it lives, and the browser lets it go when the page
//! goes), and news of what they change in the image store (a `BroadcastChannel`). Both are the
//! browser's own means, so they cost no bytes of ours.
//!
//! `web-sys` has Web Locks only behind its unstable-API flag, so the two calls Easel needs are
//! bound here.

use std::collections::HashSet;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{BroadcastChannel, MessageEvent};

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`.
    type LockManager;

    /// Asks for the lock `name`; `granted` runs once it is held, and the lock is let go when the
    /// promise `granted` returns settles (or the page goes).
    #[wasm_bindgen(method)]
    fn request(this: &LockManager, name: &str, granted: &Closure<dyn FnMut(JsValue) -> js_sys::Promise>);

    /// What is held and asked for now, across the browser's pages of this origin.
    #[wasm_bindgen(method)]
    fn query(this: &LockManager) -> js_sys::Promise;
}

/// The name of the lock page `page` holds while it lives.
fn lock_name(page: u64) -> String {
    format!("easel-page-{page}")
}

fn lock_manager() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    let locks = js_sys::Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    (!locks.is_undefined()).then(|| locks.unchecked_into())
}

/// Holds page `page`'s lock for the rest of its life; resolves once it is held. `false` where
/// the browser has no Web Locks: then no page can tell whether another is open.
pub async fn hold_for_life(page: u64) -> bool {
    let Some(locks) = lock_manager() else {
        return false;
    };
    let mut held = None;
    let is_held = js_sys::Promise::new(&mut |resolve, _| held = Some(resolve));
    let held = held.expect("a promise runs its executor at once");
    let granted = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_| {
        let _ = held.call0(&JsValue::NULL);
        // Never settles: the lock is the page's until the browser takes it back with the page.
        js_sys::Promise::new(&mut |_, _| {})
    });
    locks.request(&lock_name(page), &granted);
    granted.forget();
    JsFuture::from(is_held).await.is_ok()
}

/// The pages open now, by id; `None` where the browser cannot say.
pub async fn open_now() -> Option<HashSet<u64>> {
    let snapshot = JsFuture::from(lock_manager()?.query()).await.ok()?;
    let held = js_sys::Reflect::get(&snapshot, &JsValue::from_str("held")).ok()?;
    let held = js_sys::Array::from(&held);
    let names =
        held.iter().filter_map(|lock| js_sys::Reflect::get(&lock, &JsValue::from_str("name")).ok()?.as_string());
    Some(names.filter_map(|name| name.strip_prefix("easel-page-")?.parse().ok()).collect())
}

/// Runs `then` once page `page` is gone (at once, if it already is).
pub fn when_gone(page: u64, then: impl FnOnce() + 'static) {
    let Some(locks) = lock_manager() else {
        return;
    };
    let mut then = Some(then);
    let granted = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_| {
        if let Some(then) = then.take() {
            then();
        }
        // Let go at once: the lock was only a way to hear that its page went.
        js_sys::Promise::resolve(&JsValue::NULL)
    });
    locks.request(&lock_name(page), &granted);
    granted.forget();
}

/// The channel on which pages tell each other that the image store changed.
const NEWS: &str = "easel-store";

/// Listens for other pages' changes to the image store, calling `changed` for each; the
/// returned channel also tells them of this page's (see [`tell`]). `None` where the browser
/// has no `BroadcastChannel`.
pub fn listen(changed: impl Fn() + 'static) -> Option<BroadcastChannel> {
    let channel = BroadcastChannel::new(NEWS).ok()?;
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |_| changed());
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    Some(channel)
}

/// Tells the other pages that this page changed the image store.
pub fn tell(channel: &BroadcastChannel) {
    let _ = channel.post_message(&JsValue::TRUE);
}
