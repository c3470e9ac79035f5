//! Keeps every finished image on the device as it arrives: its bytes (a `url` answer is fetched
//! at once, before the link expires), a thumbnail for the gallery, and its record.

use std::collections::HashMap;
use std::sync::Arc;

use easel_contract::endpoint::Target;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BroadcastChannel, ImageBitmap, ImageEncodeOptions, OffscreenCanvas, OffscreenCanvasRenderingContext2d,
    PerformanceObserver, PerformanceObserverEntryList, PerformanceObserverInit, StorageEstimate, StorageManager,
};

use crate::browser::api::{image_bytes, Generated, Picture, Route};
use crate::browser::image_store::{ImageStore, Made, StoreError};
use crate::browser::object_url::ObjectUrl;
use crate::browser::other_pages;
use crate::state::device_space::Space;
use crate::state::gallery::{image_id, ImageRecord};
use crate::state::tiles::{Tile, TileId, TileState, Tiles};

/// How long keeping waits for a new image's first paint, in milliseconds, at most: short, since
/// an image not yet kept is lost to a reload (it is listed as interrupted, to ask for again).
const PAINT_PATIENCE_MS: i32 = 200;

/// The longer edge of a thumbnail, in pixels: two gallery columns' worth on a dense screen.
const THUMB_EDGE: u32 = 320;

/// Where keeping one image stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keeping {
    /// Being fetched and written.
    Saving,
    /// On the device, under this id.
    Kept(String),
    /// The service's link could not be read from this page (the image host allows no other
    /// origin, and the call did not go through the page's proxy), so only the link is there,
    /// until it expires.
    LinkOnly,
    /// Not kept, and why.
    Failed(StoreError),
}

/// Where the device's store stands.
#[derive(Clone)]
pub enum Storage {
    /// Being opened, just after the first render.
    Opening,
    /// Open.
    Open(ImageStore),
    /// The browser gave none (a private window may refuse it), and why.
    Refused(StoreError),
}

/// The device's store and where each finished tile's image stands; `Copy` for handlers.
#[derive(Clone, Copy)]
pub struct Keeper {
    storage: StoredValue<Storage, LocalStorage>,
    /// By tile.
    pub keeping: RwSignal<HashMap<TileId, Keeping>>,
    /// By tile, the bytes fetched for a link answer: shown and downloaded in place of the link,
    /// so each image travels once, and downloads under its own name.
    pub copies: RwSignal<HashMap<TileId, Arc<ObjectUrl>>, LocalStorage>,
    /// Bumped whenever the store changes, so the gallery reads it again.
    pub changes: RwSignal<u64>,
    /// The room the browser gives Easel, as last measured (none where the browser does not say).
    pub space: RwSignal<Option<Space>>,
    /// Whether this page has asked the browser to keep the images for good.
    asked_to_persist: StoredValue<bool>,
    /// Whether the server that serves the page fetches image links its proxy passed on.
    pub fetch_through: bool,
    /// This page's id, to tell its notes of unfinished calls from other pages'.
    page: u64,
    /// Where other pages hear of this page's changes to the store.
    news: StoredValue<Option<BroadcastChannel>, LocalStorage>,
    /// Settles when the store has been opened (or refused), for images made before then, and
    /// the means to settle it.
    opening: StoredValue<(js_sys::Promise, Option<js_sys::Function>), LocalStorage>,
}

impl Keeper {
    /// A keeper with no store yet (see [`Keeper::open`]); `fetch_through` when the page's server
    /// offers to fetch image links.
    pub fn new(fetch_through: bool) -> Keeper {
        let keeper = Keeper {
            storage: StoredValue::new_local(Storage::Opening),
            keeping: RwSignal::new(HashMap::new()),
            copies: RwSignal::new_local(HashMap::new()),
            changes: RwSignal::new(0),
            space: RwSignal::new(None),
            asked_to_persist: StoredValue::new(false),
            news: StoredValue::new_local(None),
            opening: StoredValue::new_local({
                let mut settle = None;
                let opened = js_sys::Promise::new(&mut |resolve, _| settle = Some(resolve));
                (opened, settle)
            }),
            fetch_through,
            // Random, so two pages opened in the same millisecond are still told apart.
            page: (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64,
        };
        let changes = keeper.changes;
        keeper.news.set_value(other_pages::listen(move || changes.update(|changes| *changes += 1)));
        keeper
    }

    /// This page's id, which its notes of unfinished calls carry.
    pub fn page(self) -> u64 {
        self.page
    }

    /// Says that this page changed the store: its gallery reads it again, and so does every
    /// other page's.
    pub fn changed(self) {
        self.changes.update(|changes| *changes += 1);
        self.news.with_value(|news| news.as_ref().map(other_pages::tell));
    }

    /// The key of the note on the device that tile `id` is not finished, unique across pages.
    pub fn note_key(self, id: TileId) -> String {
        format!("{}-{id}", self.page)
    }

    /// Writes to `store` from now on (or knows why the browser gave none), and has the gallery
    /// read it.
    pub fn open(self, store: Result<ImageStore, StoreError>) {
        self.storage.set_value(match store {
            Ok(store) => Storage::Open(store),
            Err(refused) => Storage::Refused(refused),
        });
        if let Some(settle) = self.opening.try_update_value(|(_, settle)| settle.take()).flatten() {
            let _ = settle.call0(&JsValue::NULL);
        }
        self.changes.update(|changes| *changes += 1);
        spawn_local(self.measure_space());
    }

    /// Where the store stands; read again whenever `changes` moves.
    pub fn storage(self) -> Storage {
        self.storage.with_value(Clone::clone)
    }

    /// The store, when it is open.
    pub fn store(self) -> Option<ImageStore> {
        match self.storage() {
            Storage::Open(store) => Some(store),
            Storage::Opening | Storage::Refused(_) => None,
        }
    }

    /// The store once it has been opened: an image made before then waits for it, not lost.
    async fn opened(self) -> Result<ImageStore, StoreError> {
        let opened = self.opening.with_value(|(opened, _)| opened.clone());
        let _ = JsFuture::from(opened).await;
        match self.storage() {
            Storage::Open(store) => Ok(store),
            Storage::Refused(refused) => Err(refused),
            // `open` sets the store before it settles the promise; kept as an answer all the same.
            Storage::Opening => Err(StoreError::Unavailable("the store is still opening".into())),
        }
    }

    /// Measures the room the browser gives Easel again.
    pub async fn measure_space(self) {
        let space = read_space().await;
        self.space.set(space);
    }

    /// Asks the browser, once a page has kept its first image, not to clear the images when the
    /// device runs short of space; the gallery then says whether it agreed. Firefox asks the
    /// user, so the answer may never come.
    async fn ask_to_persist(self) {
        if self.asked_to_persist.with_value(|asked| *asked)
            || self.space.with_untracked(|s| s.is_some_and(|s| s.persisted))
        {
            return;
        }
        self.asked_to_persist.set_value(true);
        if let Some(storage) = storage_manager() {
            if let Ok(asked) = storage.persist() {
                let _ = JsFuture::from(asked).await;
                self.measure_space().await;
            }
        }
    }

    /// Starts keeping every finished tile not yet seen.
    pub fn catch_up(self, tiles: &Tiles<Generated>) {
        for tile in tiles.list() {
            if let TileState::Done(image) = &tile.state {
                if self.keeping.with_untracked(|keeping| !keeping.contains_key(&tile.id)) {
                    self.keeping.update(|keeping| {
                        keeping.insert(tile.id, Keeping::Saving);
                    });
                    let route = self.route_for(&tile.job.target, image);
                    self.keep(tile, image.clone(), route);
                }
            }
        }
    }

    /// A link the page's own proxy passed on is fetched through the page's server, with the
    /// signature the proxy gave it: Azure's image host lets no other origin read it, so asking it
    /// directly would only be refused. Every other link is asked for directly.
    fn route_for(self, target: &Target, image: &Generated) -> Route {
        let page = window().location().origin().unwrap_or_default();
        match (&image.picture, &image.link_signature) {
            (Picture::Link(link), Some(signature))
                if self.fetch_through && target.endpoint() == page && !link.starts_with(&format!("{page}/")) =>
            {
                Route::ThroughServer(signature.clone())
            }
            _ => Route::Direct,
        }
    }

    fn keep(self, tile: &Tile<Generated>, image: Generated, route: Route) {
        let id = tile.id;
        let target = tile.job.target.clone();
        let (request, connection) = (tile.job.request.clone(), tile.job.connection.clone());
        spawn_local(async move {
            let outcome = match self.opened().await {
                Err(refused) => Keeping::Failed(refused),
                Ok(store) => match image_bytes(&image.picture, route, &target).await {
                    None => Keeping::LinkOnly,
                    Some(blob) => {
                        let draft = ImageRecord {
                            id: String::new(),
                            revised_prompt: image.revised_prompt.clone(),
                            model: request.model().name.to_owned(),
                            request: request.body().clone(),
                            created: image.created,
                            connection,
                            format: image.format,
                            pixels: None,
                            cost_micro_usd: image.cost.map(|cost| cost.micro_usd),
                            favourite: false,
                        };
                        // Beside its call's note at once: the image is billed, and a page closed
                        // before it is kept below leaves it for the next page to keep.
                        // Not waited for: the paint is watched for from now on.
                        let note = self.note_key(id);
                        spawn_local({
                            let (store, note, draft, blob) = (store.clone(), note.clone(), draft.clone(), blob.clone());
                            async move {
                                let _ = store.note_made(&note, &draft, &blob).await;
                            }
                        });
                        let shown = match &image.picture {
                            Picture::Bytes(object_url) => Some(object_url.as_str().to_owned()),
                            Picture::Link(_) => ObjectUrl::from_blob(blob.clone()).ok().map(|copy| {
                                let shown = copy.as_str().to_owned();
                                self.copies.update(|copies| {
                                    copies.insert(id, Arc::new(copy));
                                });
                                shown
                            }),
                        };
                        if let Some(shown) = shown {
                            after_painting(&shown).await;
                        }
                        let kept = save(&store, &blob, draft, Some(&note)).await;
                        if kept.is_ok() {
                            // Not waited for: Firefox asks the user, and the image is kept already.
                            spawn_local(self.ask_to_persist());
                        }
                        // The room left for the next image: a warning comes while there is some.
                        self.measure_space().await;
                        match kept {
                            Ok(id) => Keeping::Kept(id),
                            Err(problem) => Keeping::Failed(problem),
                        }
                    }
                },
            };
            self.keeping.update(|keeping| {
                keeping.insert(id, outcome);
            });
            self.changed();
        });
    }
}

/// Keeps the images an earlier page made but had not kept when it went (see
/// [`ImageStore::note_made`]); says how many.
pub async fn keep_made(store: &ImageStore, made: Vec<Made>) -> usize {
    let mut kept = 0;
    for Made { record, image } in made {
        if save(store, &image, record, None).await.is_ok() {
            kept += 1;
        }
    }
    kept
}

/// Keeps an image brought in from outside (an import) under `record`, whose id must be its
/// bytes', with the size its pixels have, whatever the record says. An image already kept is
/// left as it is, even one the gallery has not read yet: `false`.
pub async fn keep_bytes(store: &ImageStore, record: ImageRecord, bytes: &[u8]) -> Result<bool, StoreError> {
    let unreadable =
        |why: JsValue| StoreError::Unavailable(why.as_string().unwrap_or_else(|| "unreadable image".into()));
    let blob = ObjectUrl::blob_of(bytes, record.format.mime()).map_err(unreadable)?;
    let (thumb, pixels) = thumbnail(&blob).await.map_err(unreadable)?;
    store.add(&ImageRecord { pixels: Some(pixels), ..record }, &blob, &thumb).await
}

/// Writes `blob` with its thumbnail, under `draft` given its id and pixels, and forgets the note
/// (`finishes`) that its call was not finished.
async fn save(
    store: &ImageStore,
    blob: &Blob,
    draft: ImageRecord,
    finishes: Option<&str>,
) -> Result<String, StoreError> {
    let unreadable =
        |why: JsValue| StoreError::Unavailable(why.as_string().unwrap_or_else(|| "unreadable image".into()));
    let bytes = js_sys::Uint8Array::new(&JsFuture::from(blob.array_buffer()).await.map_err(unreadable)?).to_vec();
    let (thumb, pixels) = thumbnail(blob).await.map_err(unreadable)?;
    let record = ImageRecord { id: image_id(&bytes), pixels: Some(pixels), ..draft };
    store.put(&record, blob, &thumb, finishes).await?;
    Ok(record.id)
}

/// Resolves once the browser has painted the image at `url` in its tile (Element Timing reads
/// the tile's `elementtiming`), or after [`PAINT_PATIENCE_MS`]: a hidden page or a tile out of view
/// paints nothing, and not every browser reports paints. Keeping waits for it, so decoding the
/// image again for the thumbnail and hashing its bytes never compete with its first paint
/// (`./dev bench generate`: about 10 ms sooner on screen than waiting for the next frame).
async fn after_painting(url: &str) {
    let mut settle = None;
    let painted = js_sys::Promise::new(&mut |resolve, _| settle = Some(resolve));
    let settle = settle.expect("a promise runs its executor at once");
    let wanted = JsValue::from_str(url);
    let on_paint = {
        let settle = settle.clone();
        Closure::<dyn FnMut(PerformanceObserverEntryList)>::new(move |entries: PerformanceObserverEntryList| {
            let url_of = |entry: JsValue| js_sys::Reflect::get(&entry, &JsValue::from_str("url")).ok();
            if entries.get_entries().iter().any(|entry| url_of(entry).as_ref() == Some(&wanted)) {
                let _ = settle.call0(&JsValue::NULL);
            }
        })
    };
    let observer = PerformanceObserver::new(on_paint.as_ref().unchecked_ref());
    if let Ok(observer) = &observer {
        observer.observe(&PerformanceObserverInit::new(&js_sys::Array::of1(&JsValue::from_str("element"))));
    }
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&settle, PAINT_PATIENCE_MS);
    let _ = JsFuture::from(painted).await;
    if let Ok(observer) = observer {
        observer.disconnect();
    }
}

/// The browser's storage manager, where it has one (WebKitGTK has none).
fn storage_manager() -> Option<StorageManager> {
    let navigator = window().navigator();
    let storage = js_sys::Reflect::get(&navigator, &JsValue::from_str("storage")).ok()?;
    (!storage.is_undefined()).then(|| storage.unchecked_into())
}

/// How much room the browser gives Easel, where it says.
async fn read_space() -> Option<Space> {
    let storage = storage_manager()?;
    let estimate: StorageEstimate = JsFuture::from(storage.estimate().ok()?).await.ok()?.unchecked_into();
    let persisted = JsFuture::from(storage.persisted().ok()?).await.ok()?.as_bool().unwrap_or(false);
    Some(Space { used: estimate.get_usage()?, quota: estimate.get_quota()?, persisted })
}

/// A small JPEG of the image for the gallery, and the image's own width and height.
async fn thumbnail(blob: &Blob) -> Result<(Blob, (u32, u32)), JsValue> {
    let bitmap: ImageBitmap = JsFuture::from(window().create_image_bitmap_with_blob(blob)?).await?.dyn_into()?;
    let (width, height) = (bitmap.width(), bitmap.height());
    let scale = f64::from(THUMB_EDGE) / f64::from(width.max(height).max(1));
    let (thumb_width, thumb_height) =
        ((f64::from(width) * scale).round().max(1.0) as u32, (f64::from(height) * scale).round().max(1.0) as u32);
    let canvas = OffscreenCanvas::new(thumb_width, thumb_height)?;
    let context: OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d")?.ok_or_else(|| JsValue::from_str("no 2d context"))?.dyn_into()?;
    context.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, thumb_width.into(), thumb_height.into())?;
    bitmap.close();
    let options = ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(0.82);
    let thumb = JsFuture::from(canvas.convert_to_blob_with_options(&options)?).await?.dyn_into()?;
    Ok((thumb, (width, height)))
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;
    use crate::state::gallery::tests::record;

    wasm_bindgen_test_configure!(run_in_browser);

    /// A 3×2 PNG whose pixels follow `seed`.
    fn png(seed: u8) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, 3, 2);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&(0..18).map(|i| seed.wrapping_mul(i + 1)).collect::<Vec<_>>()).unwrap();
        writer.finish().unwrap();
        bytes
    }

    #[wasm_bindgen_test]
    async fn an_import_keeps_the_size_the_pixels_have_and_never_overwrites_a_kept_image() {
        let store = ImageStore::open().await.unwrap();
        let bytes = png(91);
        let mut claimed = record("a fox, as the manifest says", "gpt-image-1", 1, (4096, 4096));
        claimed.id = image_id(&bytes);
        assert_eq!(keep_bytes(&store, claimed.clone(), &bytes).await, Ok(true));
        let kept = store.records().await.unwrap().into_iter().find(|r| r.id == claimed.id).unwrap();
        assert_eq!(kept.pixels, Some((3, 2)), "the decoded size, not the manifest's");

        let mut other = ImageRecord { favourite: true, ..claimed.clone() };
        other.request.prompt = "the same image, another record".into();
        assert_eq!(keep_bytes(&store, other, &bytes).await, Ok(false), "already kept");
        let kept = store.records().await.unwrap().into_iter().find(|r| r.id == claimed.id).unwrap();
        assert_eq!((kept.prompt(), kept.favourite), ("a fox, as the manifest says", false), "left as it was");
    }
}
