//! Where kept images live: IndexedDB, through the `idb` crate. Four stores, so the gallery reads
//! records and small thumbnails without touching the full images:
//! `records` (id → the record as JSON), `thumbs` (id → bytes), `images` (id → bytes), and
//! `pending` (a tile not finished → what it was for, so a reload can say what it interrupted).
//!
//! Bytes are stored as Blobs where the engine takes them, and otherwise as an ArrayBuffer with
//! its media type ([`Form`], found once when the store opens). WebKit's private windows (and
//! WebKitGTK under WebDriver) refuse to store a Blob in IndexedDB but store an ArrayBuffer; a Blob
//! read back elsewhere stays on disk, while an ArrayBuffer is read whole into memory: exporting
//! 1,000 realistic images took Chromium to 2,138 MB with ArrayBuffers, against 390 MB with Blobs
//! (`./dev bench archive`). Both forms are read wherever they were written, so a gallery needs no
//! migrating. Callers see Blobs only.

use std::collections::HashSet;
use std::fmt;
use std::rc::Rc;

use idb::{
    Database, DatabaseEvent, Error, Factory, ObjectStoreParams, Transaction, TransactionMode, TransactionResult,
};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, IdbTransaction};

use crate::state::gallery::ImageRecord;
use crate::state::interrupted::Pending;

const NAME: &str = "easel";
const VERSION: u32 = 1;
const RECORDS: &str = "records";
const THUMBS: &str = "thumbs";
const IMAGES: &str = "images";
const PENDING: &str = "pending";

/// Why the store could not do what was asked, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The browser's storage for this site is full.
    Full,
    /// The browser refused storage (a private window may), or it failed.
    Unavailable(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Full => write!(
                f,
                "The browser's storage for Easel is full: this image is not kept (the ones already kept are safe). \
                 Download it, or export and delete older images to make room."
            ),
            StoreError::Unavailable(why) => {
                write!(f, "The browser would not keep this image ({why}). Download it to keep it.")
            }
        }
    }
}

impl From<Error> for StoreError {
    fn from(error: Error) -> StoreError {
        match &error {
            Error::DomException(exception) if exception.name() == "QuotaExceededError" => StoreError::Full,
            _ => StoreError::Unavailable(error.to_string()),
        }
    }
}

/// The open database; cheap to clone.
#[derive(Clone)]
pub struct ImageStore {
    database: Rc<Database>,
    form: Form,
}

/// How this engine lets image bytes be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// As Blobs, which the engine keeps on disk.
    Blobs,
    /// As `{type, bytes}`, an ArrayBuffer with its media type: where Blobs are refused.
    Bytes,
}

impl ImageStore {
    /// Opens (and on first use creates) the database.
    pub async fn open() -> Result<ImageStore, StoreError> {
        let factory = Factory::new()?;
        let mut request = factory.open(NAME, Some(VERSION))?;
        request.on_upgrade_needed(|event| {
            let Ok(database) = event.database() else {
                return;
            };
            for store in [RECORDS, THUMBS, IMAGES, PENDING] {
                if !database.store_names().iter().any(|name| name == store) {
                    let _ = database.create_object_store(store, ObjectStoreParams::new());
                }
            }
        });
        let database = request.await?;
        let form = Form::this_engines(&database).await;
        Ok(ImageStore { database: Rc::new(database), form })
    }

    /// Keeps an image, its thumbnail and its record, all or nothing. With `finishes`, the note
    /// that the image's call was not finished goes in the same transaction: a page closed at any
    /// moment leaves the image either kept or noted as interrupted, never both (which would have
    /// the next page ask for it again) and never neither.
    pub async fn put(
        &self,
        record: &ImageRecord,
        image: &Blob,
        thumb: &Blob,
        finishes: Option<&str>,
    ) -> Result<(), StoreError> {
        let key = JsValue::from_str(&record.id);
        let (image, thumb) = (Stored::of(image, self.form).await?, Stored::of(thumb, self.form).await?);
        let transaction = self.database.transaction(&[RECORDS, THUMBS, IMAGES, PENDING], TransactionMode::ReadWrite)?;
        transaction.object_store(IMAGES)?.put(&image, Some(&key))?.await?;
        transaction.object_store(THUMBS)?.put(&thumb, Some(&key))?.await?;
        transaction.object_store(RECORDS)?.put(&json(record), Some(&key))?.await?;
        if let Some(note) = finishes {
            let notes = transaction.object_store(PENDING)?;
            notes.delete(JsValue::from_str(note))?.await?;
            notes.delete(JsValue::from_str(&made_key(note)))?.await?;
        }
        commit(transaction).await
    }

    /// Keeps `image`, made for the call noted as `note` and not yet kept, beside the note, with
    /// the record it is to be kept under (`draft`, without its id and size): a page closed
    /// before the image is kept leaves it to the next page, which keeps it instead of asking
    /// for it, and paying for it, again. [`ImageStore::put`] forgets it with the note.
    pub async fn note_made(&self, note: &str, draft: &ImageRecord, image: &Blob) -> Result<(), StoreError> {
        let image = Stored::of(image, self.form).await?;
        let made = js_sys::Object::new();
        let set = |name: &str, value: &JsValue| js_sys::Reflect::set(&made, &JsValue::from_str(name), value);
        let unreadable = |_| StoreError::Unavailable("the image could not be noted".into());
        set("record", &json(draft)).map_err(unreadable)?;
        set("image", &image).map_err(unreadable)?;
        let transaction = self.database.transaction(&[PENDING], TransactionMode::ReadWrite)?;
        transaction.object_store(PENDING)?.put(&made, Some(&JsValue::from_str(&made_key(note))))?.await?;
        commit(transaction).await
    }

    /// Keeps an image brought in from outside, its thumbnail and its record, all or nothing, and
    /// only if no image of its id is kept: `false` then, and what is kept stays as it is.
    pub async fn add(&self, record: &ImageRecord, image: &Blob, thumb: &Blob) -> Result<bool, StoreError> {
        let key = JsValue::from_str(&record.id);
        let (image, thumb) = (Stored::of(image, self.form).await?, Stored::of(thumb, self.form).await?);
        let transaction = self.database.transaction(&[RECORDS, THUMBS, IMAGES], TransactionMode::ReadWrite)?;
        let added = async {
            transaction.object_store(RECORDS)?.add(&json(record), Some(&key))?.await?;
            transaction.object_store(IMAGES)?.add(&image, Some(&key))?.await?;
            transaction.object_store(THUMBS)?.add(&thumb, Some(&key))?.await
        };
        match added.await {
            Ok(_) => commit(transaction).await.map(|()| true),
            Err(Error::DomException(exception)) if exception.name() == "ConstraintError" => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Puts back what a delete took away: the record, with whichever of its image and thumbnail
    /// there were.
    pub async fn restore(
        &self,
        record: &ImageRecord,
        image: Option<&Blob>,
        thumb: Option<&Blob>,
    ) -> Result<(), StoreError> {
        let key = JsValue::from_str(&record.id);
        let image = Stored::of_any(image, self.form).await?;
        let thumb = Stored::of_any(thumb, self.form).await?;
        let transaction = self.database.transaction(&[RECORDS, THUMBS, IMAGES], TransactionMode::ReadWrite)?;
        if let Some(image) = image {
            transaction.object_store(IMAGES)?.put(&image, Some(&key))?.await?;
        }
        if let Some(thumb) = thumb {
            transaction.object_store(THUMBS)?.put(&thumb, Some(&key))?.await?;
        }
        transaction.object_store(RECORDS)?.put(&json(record), Some(&key))?.await?;
        commit(transaction).await
    }

    /// Rewrites a record (a favourite marked, say); its image stays.
    pub async fn update(&self, record: &ImageRecord) -> Result<(), StoreError> {
        let transaction = self.database.transaction(&[RECORDS], TransactionMode::ReadWrite)?;
        transaction.object_store(RECORDS)?.put(&json(record), Some(&JsValue::from_str(&record.id)))?.await?;
        commit(transaction).await
    }

    /// Every kept record; one that cannot be read is left out, not lost.
    pub async fn records(&self) -> Result<Vec<ImageRecord>, StoreError> {
        let transaction = self.database.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
        let values = transaction.object_store(RECORDS)?.get_all(None, None)?.await?;
        Ok(values.iter().filter_map(|value| serde_json::from_str(&value.as_string()?).ok()).collect())
    }

    /// The full image of `id`.
    pub async fn image(&self, id: &str) -> Result<Option<Blob>, StoreError> {
        self.blob(IMAGES, id).await
    }

    /// The thumbnail of `id`.
    pub async fn thumb(&self, id: &str) -> Result<Option<Blob>, StoreError> {
        self.blob(THUMBS, id).await
    }

    async fn blob(&self, store: &str, id: &str) -> Result<Option<Blob>, StoreError> {
        let transaction = self.database.transaction(&[store], TransactionMode::ReadOnly)?;
        let value = transaction.object_store(store)?.get(JsValue::from_str(id))?.await?;
        Ok(value.as_ref().and_then(Stored::read))
    }

    /// Deletes the images `ids`, with their thumbnails and records.
    pub async fn delete(&self, ids: &[String]) -> Result<(), StoreError> {
        let transaction = self.database.transaction(&[RECORDS, THUMBS, IMAGES], TransactionMode::ReadWrite)?;
        for id in ids {
            for store in [RECORDS, THUMBS, IMAGES] {
                transaction.object_store(store)?.delete(JsValue::from_str(id))?.await?;
            }
        }
        commit(transaction).await
    }

    /// Notes what this page has not finished (`begun`) and forgets what it has (`ended`), in one
    /// transaction. IndexedDB runs transactions on one store in the order they are made, so a
    /// note is never forgotten before it is written.
    pub async fn note_unfinished(&self, begun: &[Pending], ended: &[String]) -> Result<(), StoreError> {
        let transaction = self.database.transaction(&[PENDING], TransactionMode::ReadWrite)?;
        let notes = transaction.object_store(PENDING)?;
        for pending in begun {
            notes.put(&json(pending), Some(&JsValue::from_str(&pending.key)))?.await?;
        }
        for key in ended {
            notes.delete(JsValue::from_str(key))?.await?;
        }
        commit(transaction).await
    }

    /// What pages that are gone left unfinished, forgotten as it is read. A page still open
    /// (one of `open`, when the browser can say) keeps its notes: its calls are still running.
    /// Also gives the open pages that have notes, to take over once they go.
    pub async fn take_interrupted(&self, open: Option<&HashSet<u64>>) -> Result<(Left, HashSet<u64>), StoreError> {
        self.take_notes(|page| open.is_none_or(|open| !open.contains(&page))).await
    }

    /// What page `page`, now gone, left unfinished, forgotten as it is read.
    pub async fn take_interrupted_of(&self, page: u64) -> Result<Left, StoreError> {
        Ok(self.take_notes(|of| of == page).await?.0)
    }

    /// The notes of the pages `wanted` picks (by id), deleted in the transaction that reads
    /// them, so two pages never take the same note; and the other pages that have notes.
    async fn take_notes(&self, wanted: impl Fn(u64) -> bool) -> Result<(Left, HashSet<u64>), StoreError> {
        let transaction = self.database.transaction(&[PENDING], TransactionMode::ReadWrite)?;
        let store = transaction.object_store(PENDING)?;
        let keys = store.get_all_keys(None, None)?.await?;
        let values = store.get_all(None, None)?.await?;
        let mut left = Left::default();
        let mut made_for = HashSet::new();
        let mut others = HashSet::new();
        for (key, value) in keys.iter().zip(values) {
            let Some(key) = key.as_string() else { continue };
            // A note that cannot be read is left: it may be a newer Easel's.
            if let Some(note) = key.strip_suffix(MADE) {
                let page = note.split('-').next().and_then(|page| page.parse().ok()).unwrap_or(0);
                let Some(made) = Made::read(&value).filter(|_| wanted(page)) else { continue };
                store.delete(JsValue::from_str(&key))?.await?;
                made_for.insert(note.to_owned());
                left.made.push(made);
            } else if let Some(pending) = value.as_string().and_then(|text| serde_json::from_str::<Pending>(&text).ok())
            {
                if wanted(pending.page) {
                    store.delete(JsValue::from_str(&pending.key))?.await?;
                    left.unfinished.push(pending);
                } else {
                    others.insert(pending.page);
                }
            }
        }
        commit(transaction).await?;
        // A call whose image was made is not interrupted: its image is kept instead.
        left.unfinished.retain(|pending| !made_for.contains(&pending.key));
        Ok((left, others))
    }
}

/// What gone pages left: calls not finished, to list as interrupted, and images made but not yet
/// kept, to keep.
#[derive(Default)]
pub struct Left {
    /// Calls to list as interrupted.
    pub unfinished: Vec<Pending>,
    /// Images to keep.
    pub made: Vec<Made>,
}

/// An image made by a page that went before keeping it: its bytes, and the record to keep it
/// under (without its id and size, which the bytes give).
pub struct Made {
    /// The record, but for its id and size.
    pub record: ImageRecord,
    /// The image.
    pub image: Blob,
}

impl Made {
    fn read(value: &JsValue) -> Option<Made> {
        let field = |name: &str| js_sys::Reflect::get(value, &JsValue::from_str(name)).ok();
        let record = serde_json::from_str(&field("record")?.as_string()?).ok()?;
        Some(Made { record, image: Stored::read(&field("image")?)? })
    }
}

impl Form {
    /// Whether `database` takes a Blob, found by writing a small one in a transaction that is
    /// then aborted, so nothing stays.
    async fn this_engines(database: &Database) -> Form {
        let Ok(transaction) = database.transaction(&[PENDING], TransactionMode::ReadWrite) else {
            return Form::Bytes;
        };
        let written = async {
            // Not empty: an engine may refuse only a Blob with bytes to copy.
            let probe = Blob::new_with_str_sequence(&js_sys::Array::of1(&JsValue::from_str("probe"))).ok()?;
            let store = transaction.object_store(PENDING).ok()?;
            store.put(&probe.into(), Some(&JsValue::from_str("#probe"))).ok()?.await.ok()
        };
        let written = written.await.is_some();
        let _ = transaction.abort();
        if written {
            Form::Blobs
        } else {
            Form::Bytes
        }
    }
}

/// Image bytes as IndexedDB keeps them: a Blob, or `{type, bytes}`, the media type and an
/// ArrayBuffer.
struct Stored;

impl Stored {
    const TYPE: &str = "type";
    const BYTES: &str = "bytes";

    /// `blob` in the stored `form`. Read before a transaction opens: a transaction that waits on
    /// anything but its own requests commits early.
    async fn of(blob: &Blob, form: Form) -> Result<JsValue, StoreError> {
        if form == Form::Blobs {
            return Ok(blob.into());
        }
        let unreadable = |_| StoreError::Unavailable("the image's bytes could not be read".into());
        let bytes = JsFuture::from(blob.array_buffer()).await.map_err(unreadable)?;
        let stored = js_sys::Object::new();
        js_sys::Reflect::set(&stored, &JsValue::from_str(Stored::TYPE), &JsValue::from_str(&blob.type_()))
            .and_then(|_| js_sys::Reflect::set(&stored, &JsValue::from_str(Stored::BYTES), &bytes))
            .map_err(unreadable)?;
        Ok(stored.into())
    }

    /// `blob`, if there is one, in the stored `form`.
    async fn of_any(blob: Option<&Blob>, form: Form) -> Result<Option<JsValue>, StoreError> {
        match blob {
            Some(blob) => Stored::of(blob, form).await.map(Some),
            None => Ok(None),
        }
    }

    /// The bytes `value` holds as a Blob of their type: a value in the stored form, or a Blob
    /// kept by an Easel from before it.
    fn read(value: &JsValue) -> Option<Blob> {
        if let Some(blob) = value.dyn_ref::<Blob>() {
            return Some(blob.clone());
        }
        let field = |name: &str| js_sys::Reflect::get(value, &JsValue::from_str(name)).ok();
        let bytes: js_sys::ArrayBuffer = field(Stored::BYTES)?.dyn_into().ok()?;
        let options = BlobPropertyBag::new();
        options.set_type(&field(Stored::TYPE)?.as_string()?);
        Blob::new_with_buffer_source_sequence_and_options(&js_sys::Array::of1(&bytes), &options).ok()
    }
}

/// What ends the key of a note's made image: the note's key, then this.
const MADE: &str = "#made";

fn made_key(note: &str) -> String {
    format!("{note}{MADE}")
}

fn json(value: &impl Serialize) -> JsValue {
    JsValue::from_str(&serde_json::to_string(value).expect("records always serialize"))
}

/// Commits `transaction`. A full store shows only as an aborted transaction whose error says
/// so (the writes themselves succeeded), so the error is read from the transaction itself.
async fn commit(transaction: Transaction) -> Result<(), StoreError> {
    let handle: IdbTransaction = transaction.into();
    match Transaction::from(handle.clone()).commit()?.await? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(match handle.error() {
            Some(error) => StoreError::from(Error::DomException(error)),
            None => StoreError::Unavailable("the browser aborted the write".into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;
    use crate::state::gallery::tests::record;

    wasm_bindgen_test_configure!(run_in_browser);

    fn blob(bytes: &[u8], mime: &str) -> Blob {
        let options = BlobPropertyBag::new();
        options.set_type(mime);
        Blob::new_with_u8_array_sequence_and_options(&js_sys::Array::of1(&js_sys::Uint8Array::from(bytes)), &options)
            .unwrap()
    }

    async fn bytes_and_type(blob: &Blob) -> (Vec<u8>, String) {
        let buffer = JsFuture::from(blob.array_buffer()).await.unwrap();
        (js_sys::Uint8Array::new(&buffer).to_vec(), blob.type_())
    }

    /// What IndexedDB holds under `id` in `store`, read without [`ImageStore`].
    async fn raw(store: &ImageStore, name: &str, id: &str) -> JsValue {
        let transaction = store.database.transaction(&[name], TransactionMode::ReadOnly).unwrap();
        transaction.object_store(name).unwrap().get(JsValue::from_str(id)).unwrap().await.unwrap().unwrap()
    }

    /// Writes `value` under `key` in `name` as an older Easel (or a test) would, bypassing
    /// [`ImageStore`].
    async fn write_raw(store: &ImageStore, name: &str, key: &str, value: &JsValue) {
        let transaction = store.database.transaction(&[name], TransactionMode::ReadWrite).unwrap();
        transaction.object_store(name).unwrap().put(value, Some(&JsValue::from_str(key))).unwrap().await.unwrap();
        commit(transaction).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn chromium_takes_blobs_and_an_engine_that_refuses_them_gets_bytes_with_their_type() {
        let store = ImageStore::open().await.unwrap();
        assert_eq!(store.form, Form::Blobs, "Chromium stores Blobs, which stay on disk");
        // As WebKit's private windows store them.
        let store = ImageStore { form: Form::Bytes, ..store };
        let kept = record("stored as bytes", "gpt-image-2", 1, (2, 1));
        store.put(&kept, &blob(b"\x89PNG image", "image/png"), &blob(b"thumb", "image/jpeg"), None).await.unwrap();

        // WebKit's private windows refuse a Blob in IndexedDB; an ArrayBuffer they take.
        for name in [IMAGES, THUMBS] {
            let value = raw(&store, name, &kept.id).await;
            assert!(!value.is_instance_of::<Blob>(), "{name} holds a Blob");
            let bytes = js_sys::Reflect::get(&value, &JsValue::from_str("bytes")).unwrap();
            assert!(bytes.is_instance_of::<js_sys::ArrayBuffer>(), "{name} holds no ArrayBuffer");
        }
        let image = store.image(&kept.id).await.unwrap().unwrap();
        assert_eq!(bytes_and_type(&image).await, (b"\x89PNG image".to_vec(), "image/png".to_owned()));
        let thumb = store.thumb(&kept.id).await.unwrap().unwrap();
        assert_eq!(bytes_and_type(&thumb).await, (b"thumb".to_vec(), "image/jpeg".to_owned()));
        store.delete(std::slice::from_ref(&kept.id)).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_gallery_kept_as_blobs_is_read_by_a_store_that_writes_bytes() {
        let store = ImageStore { form: Form::Bytes, ..ImageStore::open().await.unwrap() };
        let old = record("kept as a blob", "dall-e-3", 2, (1, 1));
        write_raw(&store, RECORDS, &old.id, &json(&old)).await;
        write_raw(&store, IMAGES, &old.id, &blob(b"old image", "image/png")).await;
        write_raw(&store, THUMBS, &old.id, &blob(b"old thumb", "image/jpeg")).await;

        assert!(store.records().await.unwrap().contains(&old));
        let image = store.image(&old.id).await.unwrap().unwrap();
        assert_eq!(bytes_and_type(&image).await, (b"old image".to_vec(), "image/png".to_owned()));
        let thumb = store.thumb(&old.id).await.unwrap().unwrap();
        assert_eq!(bytes_and_type(&thumb).await, (b"old thumb".to_vec(), "image/jpeg".to_owned()));
        store.delete(std::slice::from_ref(&old.id)).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn an_image_made_by_a_gone_page_is_found_whether_noted_as_bytes_or_as_a_blob() {
        let store = ImageStore { form: Form::Bytes, ..ImageStore::open().await.unwrap() };
        // Page ids far from any a real page takes in this test run.
        let draft = record("made before a reload", "gpt-image-2", 3, (1, 1));
        store.note_made("900001-1", &draft, &blob(b"noted now", "image/png")).await.unwrap();
        let old_note = js_sys::Object::new();
        js_sys::Reflect::set(&old_note, &JsValue::from_str("record"), &json(&draft)).unwrap();
        js_sys::Reflect::set(&old_note, &JsValue::from_str("image"), &blob(b"noted before", "image/webp")).unwrap();
        write_raw(&store, PENDING, &made_key("900002-1"), &old_note).await;

        let mut made = Vec::new();
        for page in [900001, 900002] {
            for Made { record, image } in store.take_interrupted_of(page).await.unwrap().made {
                assert_eq!(record, draft);
                made.push(bytes_and_type(&image).await);
            }
        }
        assert_eq!(
            made,
            [(b"noted now".to_vec(), "image/png".to_owned()), (b"noted before".to_vec(), "image/webp".to_owned())]
        );
    }

    #[wasm_bindgen_test]
    fn a_full_storage_reads_as_full_and_anything_else_as_unavailable() {
        let exception = |name| web_sys::DomException::new_with_message_and_name("refused", name).unwrap();
        assert_eq!(StoreError::from(Error::DomException(exception("QuotaExceededError"))), StoreError::Full);
        assert!(matches!(
            StoreError::from(Error::DomException(exception("InvalidStateError"))),
            StoreError::Unavailable(_)
        ));
        assert!(StoreError::Full.to_string().contains("the ones already kept are safe"));
    }
}
