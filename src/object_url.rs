//! Image bytes shown through a `blob:` URL, so megabytes of base64 never sit in the DOM.

use wasm_bindgen::JsValue;
use web_sys::{Blob, BlobPropertyBag, Url};

/// A `blob:` URL that is revoked, freeing its bytes, when the last owner drops it.
#[derive(Debug, PartialEq, Eq)]
pub struct ObjectUrl(String);

impl ObjectUrl {
    /// Puts `bytes` of type `mime` behind a new `blob:` URL.
    pub fn from_bytes(bytes: &[u8], mime: &str) -> Result<Self, JsValue> {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let options = BlobPropertyBag::new();
        options.set_type(mime);
        let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
        Url::create_object_url_with_blob(&blob).map(ObjectUrl)
    }

    /// The URL, for an `img`'s `src`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.0);
    }
}
