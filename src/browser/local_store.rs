//! What this device keeps between visits, in the browser's local storage: the connection
//! profiles (see [`Saved`] for what of them) and the studio's form. Nothing is lost to a bad
//! read: a value that cannot be read is set aside under another name, without its keys, not
//! overwritten.

use crate::state::connections::{set_aside_without_secrets, Saved};
use crate::state::studio_form::KeptForm;

const CONNECTIONS: &str = "easel.connections";
const UNREADABLE: &str = "easel.connections.unreadable";
const FORM: &str = "easel.form";
const UNREADABLE_FORM: &str = "easel.form.unreadable";

/// The profiles kept on this device, or none when there are none or storage is off.
pub fn load_connections() -> Saved {
    let Some(storage) = storage() else {
        return Saved::default();
    };
    let Ok(Some(text)) = storage.get_item(CONNECTIONS) else {
        return Saved::default();
    };
    serde_json::from_str(&text).unwrap_or_else(|_| {
        if let Some(set_aside) = set_aside_without_secrets(&text) {
            let _ = storage.set_item(UNREADABLE, &set_aside);
        }
        Saved::default()
    })
}

/// Keeps `saved` on this device; with storage off (a private window may refuse it) the
/// profiles last until the tab closes.
pub fn save_connections(saved: &Saved) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(saved)) {
        let _ = storage.set_item(CONNECTIONS, &text);
    }
}

/// The form as the user left it, if this device kept it.
pub fn load_form() -> Option<KeptForm> {
    let storage = storage()?;
    let text = storage.get_item(FORM).ok()??;
    serde_json::from_str(&text)
        .inspect_err(|_| {
            // The form holds no key, so all of it may be set aside.
            let _ = storage.set_item(UNREADABLE_FORM, &text);
        })
        .ok()
}

/// Keeps the form on this device, at each change, so that neither a reload nor a closed tab
/// loses it.
pub fn save_form(kept: &KeptForm) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(kept)) {
        let _ = storage.set_item(FORM, &text);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
