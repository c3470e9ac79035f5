//! End to end: axe-core finds nothing wrong with any page a user reaches: the studio (empty,
//! refusing a prompt, with results and a failure), the lightbox, the settings of a connection, and
//! the gallery with its own lightbox, at desktop and at phone width. (Every test also fails on an
//! error in the browser's console: see `Harness::stop`.)

use crate::in_every_engine;
use crate::support::{Engine, Harness, Studio};

in_every_engine!(axe_finds_nothing_wrong_on_any_page);

async fn axe_finds_nothing_wrong_on_any_page(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let studio = Studio::open(&harness).await;
    studio.assert_accessible("the empty studio").await;

    studio.press("Generate").await;
    studio.text_of(".problem").await;
    studio.assert_accessible("the studio refusing an empty prompt").await;

    studio.generate_and_keep("a heron at dawn", 2).await;
    studio.fill("Prompt", "a heron at dusk [fault:500]").await;
    studio.fill("Images", "1").await;
    studio.press("Generate").await;
    studio.settled().await;
    studio.text_of(".tile.failed").await;
    studio.assert_accessible("the studio with results and a failure").await;

    studio.press("View larger").await;
    studio.text_of(".lightbox-place").await;
    studio.assert_accessible("the lightbox").await;
    studio.press("Close").await;

    studio.press("Test connection").await;
    studio.text_of(".test-result .ready").await;
    studio.press("New connection").await;
    studio.labelled("Endpoint").await;
    studio.assert_accessible("the settings of a new connection").await;

    let gallery = Studio::open_gallery(&harness).await;
    gallery.count_eventually(".gallery-cell img", 2).await;
    gallery.press("Select all shown").await;
    gallery.assert_accessible("the gallery with a selection").await;
    let first = gallery.attribute_of(".gallery-thumb", "aria-label").await.unwrap();
    gallery.press(&first).await;
    gallery.text_of(".lightbox-place").await;
    gallery.assert_accessible("the gallery's lightbox").await;
    gallery.press("Close").await;

    // On a phone, where touch targets and reflow matter most.
    harness.browser.set_window_size(390, 844).await.unwrap();
    gallery.assert_accessible("the gallery on a phone").await;
    harness.browser.goto(&format!("{}#studio", harness.base)).await.unwrap();
    let studio = Studio::open_page(&harness, "Prompt").await;
    studio.assert_accessible("the studio on a phone").await;
    harness.stop().await;
}
