//! End to end: "Show as code" gives the form's exact request, and the key typed into the form
//! is nowhere in the page's HTML, the code included.

use crate::support::{Harness, Studio};

#[tokio::test(flavor = "multi_thread")]
async fn the_code_is_the_exact_request_and_the_key_is_nowhere_in_the_page() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    let key = "sk-typed-by-the-user-7f3e";
    studio.fill("Key", key).await;
    studio.fill("Prompt", "a lighthouse").await;
    studio.choose("Quality", "hd").await;
    studio.press_summary("Show as code").await;

    let code = studio.text_of(".show-as-code").await;
    let endpoint = harness.base.trim_end_matches('/');
    assert!(
        code.contains(&format!(
            "curl -X POST \"{endpoint}/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01\""
        )),
        "{code}"
    );
    assert!(code.contains(r#"-d '{"prompt":"a lighthouse","size":"1024x1024","n":1,"quality":"hd","style":"vivid","response_format":"url"}'"#), "{code}");
    assert!(
        code.contains("api-key: $AZURE_OPENAI_API_KEY") && code.contains("from openai import AzureOpenAI"),
        "{code}"
    );

    let html = harness.browser.source().await.unwrap();
    assert!(!html.contains(key), "the key is in the page's HTML");
    harness.stop().await;
}
