//! End to end: the gallery exported as a zip and imported into a clean browser profile gives the
//! same gallery; importing it again skips what is there; a corrupt zip changes nothing and says
//! why; the key is in no export, and an image whose bytes cannot be read is named, not skipped
//! silently; an Easel PNG dropped on the studio brings its settings back.

use std::io::Read;

use crate::in_every_engine;
use crate::support::{Engine, Harness, Studio};
use base64::Engine as _;
use fantoccini::Locator;

const KEY: &str = "a-key-that-must-not-be-exported-4c0f";

async fn import(harness: &Harness, zip: &std::path::Path) {
    let input = harness.browser.find(Locator::Css(".archive input[type=file]")).await.unwrap();
    input.send_keys(zip.to_str().unwrap()).await.unwrap();
}

/// The report of the last import, once it has one.
async fn report(studio: &Studio<'_>) -> String {
    studio.text_of(".archive-progress p").await
}

fn prompts_in(zip: &[u8]) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut manifest = String::new();
    archive.by_name("manifest.json").unwrap().read_to_string(&mut manifest).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let mut prompts: Vec<String> = manifest["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|image| image["request"]["prompt"].as_str().unwrap().into())
        .collect();
    prompts.sort();
    prompts
}

in_every_engine!(an_export_imported_into_a_clean_profile_gives_the_same_gallery);

async fn an_export_imported_into_a_clean_profile_gives_the_same_gallery(engine: Engine) {
    let first = Harness::start_in(engine).await;
    let studio = Studio::open(&first).await;
    studio.fill("Key", KEY).await;
    studio.generate_and_keep("a red fox in snow", 1).await;
    studio.generate_and_keep("a paper crane", 1).await;
    let gallery_before = Studio::open_gallery(&first).await;
    gallery_before.press("Export all").await;
    let zip_path = first.downloaded().await;
    assert!(gallery_before.text_of(".archive-progress").await.starts_with("Exported 2 images"));
    let zip = std::fs::read(&zip_path).unwrap();
    assert_eq!(prompts_in(&zip), ["a paper crane", "a red fox in snow"]);
    assert!(!zip.windows(KEY.len()).any(|window| window == KEY.as_bytes()), "the key is in the export");

    // A second browser, with a profile of its own: nothing kept yet.
    let second = Harness::start_in(engine).await;
    let clean = Studio::open_gallery(&second).await;
    assert_eq!(clean.text_eventually(".gallery-count", "0 images").await, "0 images");
    import(&second, &zip_path).await;
    assert_eq!(report(&clean).await, "Imported 2 images.");
    assert_eq!(clean.count_eventually(".gallery-cell", 2).await, 2);
    clean.fill("Search prompts", "crane").await;
    assert_eq!(clean.text_eventually(".gallery-count", "1 of 2 images").await, "1 of 2 images");

    import(&second, &zip_path).await;
    // The first import's report stays until the second's replaces it.
    let skipped = "Imported 0 images; skipped 2 already kept.";
    assert_eq!(clean.text_eventually(".archive-progress p", skipped).await, skipped);
    first.stop().await;
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_names_every_image_whose_bytes_it_could_not_read() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a red fox in snow", 1).await;
    studio.generate_and_keep("a paper crane", 1).await;
    // The crane's record stays, its bytes go: what a store damaged outside Easel holds.
    let removed = harness
        .in_store(
            "const read = db.transaction('records');
             const keys = read.objectStore('records').getAllKeys();
             const records = read.objectStore('records').getAll();
             read.oncomplete = () => {
               const at = records.result.findIndex(text => JSON.parse(text).request.prompt === 'a paper crane');
               const write = db.transaction('images', 'readwrite');
               write.objectStore('images').delete(keys.result[at]);
               write.oncomplete = () => done(at >= 0);
             };",
            vec![],
        )
        .await;
    assert_eq!(removed, true);
    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 2).await, 2);
    gallery.press("Export all").await;
    let zip = std::fs::read(harness.downloaded().await).unwrap();
    assert_eq!(prompts_in(&zip), ["a red fox in snow"]);
    let said = gallery.text_of(".archive-progress").await;
    assert!(said.starts_with("Exported 1 image as "), "{said}");
    assert!(said.ends_with("Left out, because the browser could not read their bytes: \"a paper crane\"."), "{said}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_zip_is_explained_and_changes_nothing() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a lighthouse", 1).await;
    let gallery = Studio::open_gallery(&harness).await;
    let corrupt = harness.downloads.join("not-really.zip");
    std::fs::write(&corrupt, b"PK\x03\x04 this is not the rest of a zip").unwrap();
    import(&harness, &corrupt).await;
    let problem = gallery.text_of(".archive-progress .problem").await;
    assert!(problem.starts_with("not-really.zip: "), "{problem}");
    assert_eq!(gallery.text_eventually(".gallery-count", "1 image").await, "1 image");
    harness.stop().await;
}

in_every_engine!(an_easel_png_dropped_on_the_studio_brings_its_settings_back);

async fn an_easel_png_dropped_on_the_studio_brings_its_settings_back(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let studio = Studio::open(&harness).await;
    studio.choose("Model", "gpt-image-1").await;
    studio.choose("Size", "1536x1024").await;
    studio.choose("Quality", "high").await;
    studio.generate_and_keep("a kite over dunes", 1).await;
    let gallery_page = Studio::open_gallery(&harness).await;
    gallery_page.press("Export all").await;
    let zip = std::fs::read(harness.downloaded().await).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let name = archive.file_names().find(|name| name.ends_with(".png")).unwrap().to_owned();
    let mut png = Vec::new();
    archive.by_name(&name).unwrap().read_to_end(&mut png).unwrap();

    // The form is kept across pages: set to something else, which the drop is to replace.
    let studio = Studio::open(&harness).await;
    studio.choose("Model", "dall-e-3").await;
    studio.fill("Prompt", "a prompt the drop replaces").await;
    let drop = "const [name, data] = arguments;
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: 'image/png'}));
        document.querySelector('main.studio').dispatchEvent(
            new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));";
    let data = base64::engine::general_purpose::STANDARD.encode(&png);
    harness.browser.execute(drop, vec![name.clone().into(), data.into()]).await.unwrap();
    assert_eq!(studio.text_of("#dropped").await, format!("The prompt and settings of {name} are in the form."));
    assert_eq!(studio.value_of("Prompt").await, "a kite over dunes");
    assert_eq!(studio.value_of("Model").await, "gpt-image-1");
    assert_eq!(studio.value_of("Size").await, "1536x1024");
    assert_eq!(studio.value_of("Quality").await, "high");

    let not_easel = "const transfer = new DataTransfer();
        transfer.items.add(new File(['hello'], 'notes.txt', {type: 'text/plain'}));
        document.querySelector('main.studio').dispatchEvent(
            new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));";
    harness.browser.execute(not_easel, vec![]).await.unwrap();
    let refused = studio.text_of("#dropped.problem").await;
    assert!(refused.starts_with("notes.txt: "), "{refused}");
    assert_eq!(studio.value_of("Prompt").await, "a kite over dunes", "nothing in the form changed");
    harness.stop().await;
}
