//! Image bytes shown through a `blob:` URL, so megabytes of base64 never sit in the DOM.

use wasm_bindgen::JsValue;
use web_sys::{Blob, BlobPropertyBag, Url};

/// A `blob:` URL that is revoked, freeing its bytes, when the last owner drops it; the Blob stays
/// at hand, to be kept or downloaded.
#[derive(Debug)]
pub struct ObjectUrl {
    url: String,
    blob: Blob,
}

impl PartialEq for ObjectUrl {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
    }
}

impl Eq for ObjectUrl {}

impl ObjectUrl {
    /// Puts `bytes` of type `mime` behind a new `blob:` URL.
    pub fn from_bytes(bytes: &[u8], mime: &str) -> Result<Self, JsValue> {
        ObjectUrl::from_blob(ObjectUrl::blob_of(bytes, mime)?)
    }

    /// `bytes` of type `mime` as a Blob.
    pub fn blob_of(bytes: &[u8], mime: &str) -> Result<Blob, JsValue> {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let options = BlobPropertyBag::new();
        options.set_type(mime);
        Blob::new_with_u8_array_sequence_and_options(&parts, &options)
    }

    /// Puts `blob` behind a new `blob:` URL.
    pub fn from_blob(blob: Blob) -> Result<Self, JsValue> {
        Ok(ObjectUrl { url: Url::create_object_url_with_blob(&blob)?, blob })
    }

    /// The URL, for an `img`'s `src`.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The bytes.
    pub fn blob(&self) -> &Blob {
        &self.blob
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.url);
    }
}
