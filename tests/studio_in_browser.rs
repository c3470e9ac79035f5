//! In the browser (wasm-bindgen-test in headless Chromium): the studio's form, mounted on its
//! own, opens with the API's defaults and explains bad input before anything is sent.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Event, EventInit, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// The app mounted in a fresh element, unmounted and removed when dropped.
struct Mounted {
    root: HtmlElement,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

fn mount_studio() -> Mounted {
    // Each test opens the studio as a newcomer: nothing kept on the device (the form is kept).
    web_sys::window().unwrap().local_storage().unwrap().unwrap().clear().unwrap();
    let document = document();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    // What the companion server's config.json offers a newcomer: its local endpoint.
    let team = easel_contract::profiles::RuntimeConfig::parse(
        r#"{"profiles":[{"name":"Local endpoint","deployment":"dall-e-3","model":"dall-e-3","api_version":"2024-02-01","auth":"key","any_key":true}]}"#,
    );
    let handle = leptos::mount::mount_to(root.clone(), move || easel::App(easel::AppProps { team }).into_any());
    Mounted { root, _handle: handle }
}

impl Mounted {
    fn find<T: JsCast>(&self, css: &str) -> T {
        self.root.query_selector(css).unwrap().unwrap_or_else(|| panic!("nothing matches {css}")).unchecked_into()
    }

    fn text(&self, css: &str) -> String {
        self.find::<HtmlElement>(css).text_content().unwrap_or_default()
    }

    fn label_for(&self, id: &str) -> String {
        self.text(&format!("label[for='{id}']"))
    }

    fn type_into(&self, css: &str, text: &str) {
        let input: HtmlInputElement = self.find(css);
        input.set_value(text);
        let init = EventInit::new();
        init.set_bubbles(true);
        input.dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    }

    fn choose(&self, css: &str, value: &str) {
        let select: HtmlSelectElement = self.find(css);
        select.set_value(value);
        assert_eq!(select.value(), value, "{css} offers {value}");
        let init = EventInit::new();
        init.set_bubbles(true);
        select.dispatch_event(&Event::new_with_event_init_dict("change", &init).unwrap()).unwrap();
    }

    fn value(&self, css: &str) -> String {
        self.find::<HtmlInputElement>(css).value()
    }

    fn is_invalid(&self, css: &str) -> bool {
        self.find::<HtmlElement>(css).get_attribute("aria-invalid").as_deref() == Some("true")
    }

    fn has(&self, css: &str) -> bool {
        self.root.query_selector(css).unwrap().is_some()
    }

    /// Waits for `css` to be drawn: the panels under the form come just after the first frame.
    async fn drawn(&self, css: &str) {
        for _ in 0..200 {
            if self.has(css) {
                return;
            }
            let later = js_sys::Promise::new(&mut |resolve, _| {
                window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10).unwrap();
            });
            wasm_bindgen_futures::JsFuture::from(later).await.unwrap();
        }
        panic!("{css} was not drawn within 2 s");
    }

    fn press_generate(&self) {
        self.find::<HtmlElement>("button[type=submit]").click();
    }
}

#[wasm_bindgen_test]
async fn the_form_opens_with_the_seed_documents_defaults_under_their_labels() {
    let studio = mount_studio();
    tick().await;
    for (id, label, default) in [
        ("size", "Size", "1024x1024"),
        ("quality", "Quality", "standard"),
        ("style", "Style", "vivid"),
        ("response-format", "Response format", "url"),
    ] {
        assert_eq!(studio.label_for(id), label);
        assert_eq!(studio.find::<HtmlSelectElement>(&format!("#{id}")).value(), default, "{label}");
    }
    assert_eq!(studio.label_for("prompt"), "Prompt");
    assert_eq!(studio.text("button[type=submit]"), "Generate");
    assert_eq!(studio.find::<HtmlSelectElement>("#size").length(), 3, "dall-e-3 offers three sizes");
}

#[wasm_bindgen_test]
async fn generating_with_an_empty_prompt_explains_why_and_sends_nothing() {
    let studio = mount_studio();
    tick().await;
    assert_eq!(studio.text("#prompt-problem"), "", "no complaint before the user tries");
    studio.press_generate();
    tick().await;
    assert_eq!(studio.text("#prompt-problem"), "Write a prompt: describe the image you want.");
    assert_eq!(studio.find::<HtmlElement>("#prompt").get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(studio.root.query_selector(".grid li").unwrap().is_none(), "no request, so no tile");
}

#[wasm_bindgen_test]
async fn a_malformed_endpoint_is_named_beside_its_field() {
    let studio = mount_studio();
    studio.drawn("#endpoint").await;
    studio.type_into("#prompt", "a fox");
    studio.type_into("#endpoint", "ftp://example.com");
    studio.press_generate();
    tick().await;
    assert_eq!(
        studio.text("#endpoint-problem"),
        "\"ftp://example.com\" is not an endpoint: write it as https://my-resource.openai.azure.com, or just the resource's name."
    );
    assert!(studio.root.query_selector(".grid li").unwrap().is_none());
    studio.type_into("#endpoint", "https://my-resource.openai.azure.com");
    tick().await;
    assert_eq!(studio.text("#endpoint-problem"), "", "the problem goes once it is fixed");
}

/// Waits until the page has caught up: a control that appears is drawn on one tick and gets its
/// value on the next.
async fn settle() {
    tick().await;
    tick().await;
}

#[wasm_bindgen_test]
async fn gpt_image_2_takes_a_custom_size_whose_problems_are_shown_beside_width_and_height() {
    let studio = mount_studio();
    settle().await;
    studio.choose("#model", "gpt-image-2");
    settle().await;
    assert!(!studio.has("#width"), "a listed size needs no width");
    studio.choose("#size", "custom");
    settle().await;
    assert_eq!((studio.label_for("width"), studio.label_for("height")), ("Width".to_owned(), "Height".to_owned()));
    assert_eq!((studio.value("#width"), studio.value("#height")), ("1024".to_owned(), "1024".to_owned()));

    studio.type_into("#prompt", "a fox");
    studio.type_into("#width", "15o0");
    studio.press_generate();
    settle().await;
    assert_eq!(studio.text("#width-problem"), "Width must be a whole number of pixels, like 1536.");
    assert!(studio.is_invalid("#width") && !studio.is_invalid("#height"));
    assert_eq!(studio.value("#width"), "15o0", "what was typed stays");
    assert!(
        studio.find::<HtmlElement>("#width").get_attribute("aria-describedby").unwrap().contains("width-problem"),
        "the problem is read with the field"
    );
    assert!(!studio.has(".grid li"), "no request, so no tile");

    studio.type_into("#width", "1000");
    settle().await;
    assert_eq!(studio.text("#width-problem"), "");
    assert_eq!(studio.text("#size-problem"), "1000x1024 does not fit: width and height must both be multiples of 16.");
    assert!(studio.is_invalid("#width") && studio.is_invalid("#height"), "the whole size is wrong");

    studio.choose("#size", "2048x2048");
    settle().await;
    assert!(!studio.has("#width") && studio.text("#size-problem").is_empty());
}

#[wasm_bindgen_test]
async fn compression_is_offered_for_jpeg_only_and_explained_when_out_of_range() {
    let studio = mount_studio();
    settle().await;
    studio.choose("#model", "gpt-image-2");
    settle().await;
    assert!(!studio.has("#compression"), "PNG takes no compression");
    studio.choose("#output-format", "jpeg");
    settle().await;
    assert_eq!(studio.label_for("compression"), "Compression");
    assert_eq!(studio.value("#compression"), "100", "the API's default");
    assert_eq!(studio.text("#compression-hint"), "100 is the best quality, the largest file");

    studio.type_into("#prompt", "a fox");
    studio.type_into("#compression", "120");
    studio.press_generate();
    settle().await;
    assert_eq!(studio.text("#compression-problem"), "Compression goes from 0 to 100, not 120.");
    assert!(studio.is_invalid("#compression"));

    studio.choose("#output-format", "png");
    settle().await;
    assert!(!studio.has("#compression"));
    studio.choose("#output-format", "jpeg");
    settle().await;
    assert_eq!(studio.value("#compression"), "120", "kept while PNG was chosen");
}
