//! Image bytes shown through a `blob:` URL, so megabytes of base64 never sit in the DOM.

use base64::Engine;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use web_sys::{Blob, BlobPropertyBag, Url};

#[wasm_bindgen]
extern "C" {
    /// The browser's own base64 decoder (Chromium 140, Firefox 133, Safari 18.2 and later).
    #[wasm_bindgen(js_namespace = Uint8Array, js_name = fromBase64, catch)]
    fn browser_from_base64(text: &str) -> Result<Uint8Array, JsValue>;
}

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
    /// Puts the bytes that `text` holds in base64, of type `mime`, behind a new `blob:` URL. The
    /// browser decodes them where it can: an image's megabytes are then decoded natively and
    /// never copied through wasm's memory (`./dev bench generate`). Elsewhere they are decoded here.
    pub fn from_base64(text: &str, mime: &str) -> Result<Self, JsValue> {
        let bytes = match browser_from_base64(text) {
            Ok(bytes) => bytes,
            Err(_) => Uint8Array::from(&decode_base64(text)?[..]),
        };
        ObjectUrl::from_blob(ObjectUrl::blob_of_array(&bytes, mime)?)
    }

    /// `bytes` of type `mime` as a Blob.
    pub fn blob_of(bytes: &[u8], mime: &str) -> Result<Blob, JsValue> {
        ObjectUrl::blob_of_array(&Uint8Array::from(bytes), mime)
    }

    fn blob_of_array(bytes: &Uint8Array, mime: &str) -> Result<Blob, JsValue> {
        let options = BlobPropertyBag::new();
        options.set_type(mime);
        Blob::new_with_u8_array_sequence_and_options(&js_sys::Array::of1(bytes), &options)
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

/// Decodes base64 in wasm, for browsers without a decoder of their own.
fn decode_base64(text: &str) -> Result<Vec<u8>, JsValue> {
    base64::engine::general_purpose::STANDARD.decode(text).map_err(|problem| JsValue::from_str(&problem.to_string()))
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.url);
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    async fn bytes_of(object_url: &ObjectUrl) -> Vec<u8> {
        Uint8Array::new(&JsFuture::from(object_url.blob().array_buffer()).await.unwrap()).to_vec()
    }

    #[wasm_bindgen_test]
    async fn base64_becomes_the_bytes_it_holds_in_a_blob_of_its_type() {
        let png_start = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff];
        let text = base64::engine::general_purpose::STANDARD.encode(png_start);
        let object_url = ObjectUrl::from_base64(&text, "image/png").unwrap();
        assert!(object_url.as_str().starts_with("blob:"));
        assert_eq!(object_url.blob().type_(), "image/png");
        assert_eq!(bytes_of(&object_url).await, png_start);
    }

    #[wasm_bindgen_test]
    fn the_browser_and_the_fallback_decode_alike_and_refuse_alike() {
        let text = "iVBORw0KGgo=";
        assert_eq!(browser_from_base64(text).unwrap().to_vec(), decode_base64(text).unwrap());
        for broken in ["iVBOR!w0KGgo=", "iVBORw0KGgo=="] {
            assert!(browser_from_base64(broken).is_err(), "{broken}");
            assert!(decode_base64(broken).is_err(), "{broken}");
            assert!(ObjectUrl::from_base64(broken, "image/png").is_err(), "{broken}");
        }
    }
}
