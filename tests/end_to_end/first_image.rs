//! End to end: a user opens the served app, writes a prompt, presses Generate, and gets an image
//! from the companion server's local endpoint, over real HTTP in a real browser.

use crate::in_every_engine;
use crate::support::{Engine, Harness, Studio};

in_every_engine!(a_prompt_becomes_a_1024_square_image_with_its_revised_prompt);

async fn a_prompt_becomes_a_1024_square_image_with_its_revised_prompt(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a lighthouse on a cliff at dawn").await;
    studio.press("Generate").await;

    assert_eq!(studio.newest_image_size().await, (1024, 1024));
    assert_eq!(
        studio.attribute_of(".results figure img", "alt").await.as_deref(),
        Some("a lighthouse on a cliff at dawn")
    );
    let revised = studio.text_of(".results figure .revised-prompt").await;
    assert!(revised.starts_with("A lighthouse on a cliff at dawn, in a vivid style"), "{revised}");

    let name = studio.attribute_of(".results .tile.done a.action", "download").await.unwrap();
    assert!(name.starts_with("easel-20") && name.ends_with("-a-lighthouse-on-a-cliff-at-dawn-1.png"), "{name}");
    studio.press("Use as prompt").await;
    assert_eq!(studio.labelled("Prompt").await.prop("value").await.unwrap(), Some(revised));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn image_data_answers_show_from_a_blob_at_the_chosen_size() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a wide desert road").await;
    studio.choose("Size", "1792x1024").await;
    studio.choose("Response format", "b64_json").await;
    studio.press("Generate").await;

    assert_eq!(studio.newest_image_size().await, (1792, 1024));
    let src = studio.attribute_of(".results figure img", "src").await.unwrap();
    assert!(src.starts_with("blob:"), "base64 data must not sit in the DOM: {}", &src[..src.len().min(40)]);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_that_does_not_exist_is_explained_in_plain_words() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    studio.fill("Deployment", "dall-e-4").await;
    studio.fill("Prompt", "a fox").await;
    studio.press("Generate").await;

    assert_eq!(studio.text_of(".results .failure .what").await, "This resource has no deployment of that name.");
    let next = studio.text_of(".results .failure .next").await;
    assert!(next.starts_with("Check the deployment name"), "{next}");
    studio.press_summary("Details").await;
    let details = studio.text_of(".results .failure-details").await;
    assert!(details.contains("HTTP 404 · DeploymentNotFound"), "{details}");
    assert!(details.contains("The API deployment for this resource does not exist."), "{details}");
    harness.stop().await;
}
