//! End to end: every finished image is kept on the device and survives a reload; the gallery
//! searches, filters, marks favourites, deletes with undo; a reload during a call says what it
//! interrupted; and no stored record holds the key.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::in_every_engine;
use crate::support::{wait_for, Engine, Harness, Studio};
use easel_server::{Backend, LocalEndpointConfig, Weight};

const KEY: &str = "a-key-that-must-not-be-stored-91d2";

in_every_engine!(kept_images_survive_a_reload_and_the_gallery_finds_them);

async fn kept_images_survive_a_reload_and_the_gallery_finds_them(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Key", KEY).await;
    studio.generate_and_keep("a red fox in snow", 2).await;
    studio.choose("Response format", "b64_json").await;
    studio.generate_and_keep("a paper crane", 1).await;

    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 3).await, 3);
    assert_eq!(gallery.text_eventually(".gallery-count", "3 images").await, "3 images");
    let problem = harness.browser.execute("return document.querySelector('.gallery > .problem').textContent", vec![]);
    assert_eq!(
        problem.await.unwrap(),
        "",
        "a page loaded onto the gallery says no storage problem while there is none"
    );
    // WebKit's WebDriver sessions are private, as Safari's private windows are: a Blob cannot be
    // stored there, and the images above were kept all the same.
    if engine == Engine::WebKit {
        let blob_stored = harness.browser.execute_async(
            "const done = arguments[0];
             const open = indexedDB.open('easel-blob-probe');
             open.onupgradeneeded = () => open.result.createObjectStore('s');
             open.onerror = () => done('open refused');
             open.onsuccess = () => {
               const write = open.result.transaction('s', 'readwrite');
               write.objectStore('s').put(new Blob(['x']), 'k');
               write.oncomplete = () => done('stored');
               write.onerror = () => done('refused');
             };",
            vec![],
        );
        assert_eq!(blob_stored.await.unwrap(), "refused", "the WebKit run is the private-window case");
    }
    // WebKitGTK gives no storage estimate: the gallery then says nothing about room.
    let room = harness.browser.execute("return document.querySelector('.storage-use').textContent", vec![]);
    let room = room.await.unwrap().as_str().unwrap().to_owned();
    match engine {
        Engine::WebKit => assert_eq!(room, "", "nothing said of room the browser does not tell"),
        Engine::Chromium | Engine::Firefox => assert!(room.contains(" used, "), "{room}"),
    }
    gallery.fill("Search prompts", "CRANE").await;
    assert_eq!(gallery.text_eventually(".gallery-count", "1 of 3 images").await, "1 of 3 images");
    let favourite = gallery.attribute_of(".gallery-favourite", "aria-label").await.unwrap();
    assert!(favourite.starts_with("Favourite: a paper crane · dall-e-3 · 20"), "{favourite}");
    gallery.press(&favourite).await;
    let pressed = "const star = document.querySelector('.gallery-favourite');
                   return star.getAttribute('aria-pressed') === 'true' && document.activeElement === star;";
    let mut marked_and_focused = false;
    for _ in 0..100 {
        marked_and_focused = harness.browser.execute(pressed, vec![]).await.unwrap() == true;
        if marked_and_focused {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(marked_and_focused, "marked, and the keyboard's focus stays on the star");
    gallery.fill("Search prompts", " ").await;
    gallery.labelled("Favourites only").await.click().await.unwrap();
    assert_eq!(gallery.text_eventually(".gallery-count", "1 of 3 images").await, "1 of 3 images");
    gallery.labelled("Favourites only").await.click().await.unwrap();

    // The lightbox reads each full image from the device.
    let first = gallery.attribute_of(".gallery-thumb", "aria-label").await.unwrap();
    gallery.press(&first).await;
    assert_eq!(gallery.text_of(".lightbox-place").await, "Image 1 of 3");
    let shown = "const img = document.querySelector('dialog.lightbox img');
                 return img && img.complete && img.src.startsWith('blob:') ? img.naturalWidth : 0;";
    let mut width = 0;
    for _ in 0..100 {
        width = harness.browser.execute(shown, vec![]).await.unwrap().as_u64().unwrap();
        if width > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(width, 1024, "the full image, not the thumbnail");
    gallery.press("Close").await;

    let stored = harness
        .in_store(
            "const read = db.transaction('records').objectStore('records').getAll();
             read.onsuccess = () => done(JSON.stringify(read.result));",
            vec![],
        )
        .await;
    let stored = stored.as_str().unwrap();
    assert!(stored.contains("a paper crane") && !stored.contains(KEY), "{stored}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_then_undo_puts_back_what_was_there() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a lighthouse", 3).await;

    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 3).await, 3);
    gallery.press("Select all shown").await;
    gallery.press("Delete selected (3)").await;
    assert_eq!(gallery.text_of(".undo").await, "Deleted 3 images. Undo");
    assert_eq!(gallery.text_eventually(".gallery-count", "0 images").await, "0 images");
    gallery.press("Undo").await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 3).await, 3);

    gallery.press("Select all shown").await;
    gallery.press("Delete selected (3)").await;
    gallery.text_of(".undo").await;
    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.text_eventually(".gallery-count", "0 images").await, "0 images", "a delete not undone lasts");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_delete_has_its_own_undo_even_of_an_image_whose_bytes_are_gone() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a lighthouse", 2).await;
    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 2).await, 2);
    // One image's bytes are lost from the store (a browser may evict or corrupt them).
    let lost = harness
        .in_store(
            "const images = db.transaction('images', 'readwrite').objectStore('images');
             images.getAllKeys().onsuccess = (event) => {
               const id = event.target.result[0];
               images.delete(id).onsuccess = () => done(id);
             };",
            vec![],
        )
        .await;
    let lost = lost.as_str().unwrap().to_owned();

    for left in [1, 0] {
        let first = gallery.attribute_of(".gallery-select", "aria-label").await.unwrap();
        gallery.labelled_by_aria(&first).await.click().await.unwrap();
        gallery.press("Delete selected (1)").await;
        for _ in 0..100 {
            if gallery.count(".gallery-cell").await == left {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(gallery.count_eventually(".undo", 2).await, 2, "the second delete keeps the first's undo");
    gallery.assert_accessible("the gallery with two undos").await;
    assert_eq!(gallery.text_eventually(".gallery-count", "0 images").await, "0 images");
    gallery.press("Undo: Deleted “a lighthouse”.").await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 1).await, 1);
    assert_eq!(gallery.count(".undo").await, 1, "the other delete can still be undone");
    gallery.press("Undo: Deleted “a lighthouse”.").await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 2).await, 2);
    let restored = harness
        .in_store(
            "const [id] = args;
             db.transaction('records').objectStore('records').get(id).onsuccess =
               (event) => done(event.target.result !== undefined);",
            vec![serde_json::Value::String(lost)],
        )
        .await;
    assert_eq!(restored, true, "the record whose bytes were gone came back too");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_store_is_said_in_plain_words_and_what_was_kept_stays() {
    // Images that weigh what real ones do: IndexedDB compresses what it stores, and squeezes
    // the light test pictures to a few kilobytes.
    let config = LocalEndpointConfig { weight: Weight::Realistic, ..Default::default() };
    let harness = Harness::serving(Backend::Local(config)).await;
    // Chromium's own means of trying a full disk: room for one image (and, while it is kept, its
    // copy beside its call's note) and no more. (It holds writes to the quota, though
    // `navigator.storage.estimate()` still reports the disk's.)
    let origin = harness.base.trim_end_matches('/');
    harness
        .devtools("Storage.overrideQuotaForOrigin", serde_json::json!({"origin": origin, "quotaSize": 4_500_000}))
        .await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a first fox", 1).await;

    studio.fill("Prompt", "a second fox").await;
    studio.press("Generate").await;
    studio.settled().await;
    let said = studio.text_of(".keeping.not-kept").await;
    assert!(said.starts_with("The browser's storage for Easel is full: this image is not kept"), "{said}");

    // Where the second image's copy beside its note fitted, the page opened next keeps it once
    // there is room (the copy goes as it is kept); the first is safe either way.
    let gallery = Studio::open_gallery(&harness).await;
    gallery.fill("Search prompts", "a first fox").await;
    let found = |count: &str| count == "1 image" || count == "1 of 2 images";
    let mut count = String::new();
    for _ in 0..100 {
        count = gallery.text_of(".gallery-count").await;
        if found(&count) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found(&count), "the image kept before is safe: {count}");
    let room = gallery.text_of(".storage-use").await;
    assert!(room.contains("MB used") && room.contains("left"), "{room}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_during_a_call_says_what_it_interrupted_and_loses_nothing_finished() {
    let config = LocalEndpointConfig { latency: Duration::from_millis(1500), ..Default::default() };
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a finished fox", 1).await;
    // One generating and two still queued: all three are noted, not only the call in flight.
    studio.fill("Prompt", "an unfinished fox").await;
    studio.fill("Images", "3").await;
    studio.fill("At once", "1").await;
    studio.press("Generate").await;
    wait_for(|| stats.in_flight.load(Ordering::SeqCst) == 1, "one call in flight").await;

    harness.browser.refresh().await.unwrap();
    let studio = Studio::open_page(&harness, "Prompt").await;
    let notice = studio.text_of(".interrupted").await;
    assert!(notice.contains("3 images of \"an unfinished fox\" (dall-e-3)"), "{notice}");
    studio.press("Use \"an unfinished fox\" as the prompt").await;
    assert_eq!(studio.value_of("Prompt").await, "an unfinished fox", "the prompt is back, ready to ask again");
    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 1).await, 1, "the finished image is kept");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_made_but_not_yet_kept_when_its_page_went_is_kept_by_the_next_not_asked_for_again() {
    let config = LocalEndpointConfig::default();
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a fox kept as usual", 1).await;
    // What a page that went between an image's arrival and its keeping leaves: its call's note,
    // and beside it the image with the record it was to be kept under (a copy of the kept one,
    // a byte longer, so it is an image of its own).
    harness
        .in_store(
            "const read = db.transaction(['records', 'images']);
             const records = read.objectStore('records').getAll();
             const images = read.objectStore('images').getAll();
             read.oncomplete = () => {
               const kept = JSON.parse(records.result[0]);
               const draft = { ...kept, id: '', pixels: null,
                               request: { ...kept.request, prompt: 'a fox made before its page went' } };
               const image = new Blob([images.result[0], new Uint8Array([7])], { type: 'image/png' });
               const note = { key: '777-0', page: 777, prompt: draft.request.prompt, model: 'dall-e-3', images: 1 };
               const write = db.transaction('pending', 'readwrite');
               write.objectStore('pending').put(JSON.stringify(note), '777-0');
               write.objectStore('pending').put({ record: JSON.stringify(draft), image }, '777-0#made');
               write.oncomplete = () => done(true);
             };",
            vec![],
        )
        .await;

    harness.browser.refresh().await.unwrap();
    let studio = Studio::open_page(&harness, "Prompt").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(studio.count(".interrupted").await, 0, "a made image is not listed to ask for again");
    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 2).await, 2);
    gallery.fill("Search prompts", "before its page went").await;
    assert_eq!(gallery.text_eventually(".gallery-count", "1 of 2 images").await, "1 of 2 images");
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1, "nothing asked for again");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_grid_closes_up_when_an_image_is_deleted() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a kite", 3).await;

    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 3).await, 3);
    let first = gallery.attribute_of(".gallery-select", "aria-label").await.unwrap();
    gallery.labelled_by_aria(&first).await.click().await.unwrap();
    gallery.press("Delete selected (1)").await;
    assert_eq!(gallery.text_eventually(".gallery-count", "2 images").await, "2 images");
    let places = "return [...document.querySelectorAll('.gallery-cell')].map(cell => cell.style.left).sort().join(' ')";
    let mut shown = String::new();
    for _ in 0..100 {
        shown = harness.browser.execute(places, vec![]).await.unwrap().as_str().unwrap().to_owned();
        if shown == "0px 192px" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(shown, "0px 192px", "the two left take the first two places");
    harness.stop().await;
}
