//! End to end: the form follows the chosen model, says when Azure retired it, and a gpt-image
//! model's own options (file format) reach the local endpoint and come back as a real image.

use crate::support::{Harness, Studio};

#[tokio::test(flavor = "multi_thread")]
async fn the_form_follows_the_model_and_gpt_image_makes_a_jpeg() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    let notice = studio.text_of("#model-notice").await;
    assert!(notice.starts_with("Azure retired dall-e-3 on 2026-03-04"), "{notice}");

    studio.choose("Model", "gpt-image-1").await;
    assert_eq!(studio.labelled("Deployment").await.prop("value").await.unwrap().as_deref(), Some("gpt-image-1"));
    assert_eq!(
        studio.labelled("API version").await.prop("value").await.unwrap().as_deref(),
        Some("2025-04-01-preview")
    );
    assert_eq!(studio.labelled("Quality").await.prop("value").await.unwrap().as_deref(), Some("auto"));
    assert_eq!(studio.count("#style").await, 0, "gpt-image has no style");
    assert!(studio.text_of("#model-notice").await.starts_with("Azure retired gpt-image-1 on 2026-10-23"));

    studio.fill("Prompt", "a red kite over the dunes").await;
    studio.choose("Size", "1536x1024").await;
    studio.choose("File format", "jpeg").await;
    studio.press("Generate").await;
    assert_eq!(studio.newest_image_size().await, (1536, 1024));
    assert_eq!(
        studio.text_of(".results .tile.done .prompt").await,
        "a red kite over the dunes",
        "gpt-image keeps the prompt"
    );
    harness.stop().await;
}
