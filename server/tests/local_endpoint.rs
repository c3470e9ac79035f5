//! The local endpoint answers as Azure does: checked through the router with tower's `oneshot`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use base64::Engine;
use easel_contract::failure::{ErrorEnvelope, Failure};
use easel_contract::response::{ImageSource, ImagesResponse};
use easel_server::{app, Config, LocalEndpointConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PATH: &str = "/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01";

fn server(local_endpoint: LocalEndpointConfig) -> Router {
    app(Config {
        dist: "no-dist-in-these-tests".into(),
        local_endpoint,
    })
}

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (
        status,
        response.into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
}

fn generate(path: &str, key: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post(path)
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:9");
    if let Some(key) = key {
        request = request.header("api-key", key);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

fn png_size(png: &[u8]) -> (u32, u32) {
    let info = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap()
        .info()
        .clone();
    (info.width, info.height)
}

async fn failure(router: &Router, request: Request<Body>) -> (StatusCode, ErrorEnvelope) {
    let (status, body) = call(router, request).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or_else(|_| panic!("not Azure's error shape: {body:?}")),
    )
}

#[tokio::test]
async fn b64_json_answers_carry_a_png_of_the_requested_size_and_a_revised_prompt() {
    let router = server(LocalEndpointConfig::default());
    let body = r#"{"prompt":"a red fox in snow","size":"1792x1024","n":1,"quality":"hd","style":"natural","response_format":"b64_json"}"#;
    let (status, answer) = call(&router, generate(PATH, Some("any"), body)).await;
    assert_eq!(status, StatusCode::OK);
    let answer: ImagesResponse = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer.data.len(), 1);
    let Some(ImageSource::Base64(data)) = answer.data[0].source() else {
        panic!("no image data")
    };
    let png = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    assert_eq!(png_size(&png), (1792, 1024));
    let revised = answer.data[0].revised_prompt.as_deref().unwrap();
    assert!(
        revised.starts_with("A red fox in snow") && revised.contains("natural"),
        "{revised}"
    );
}

#[tokio::test]
async fn url_answers_link_to_an_image_the_server_serves_until_it_expires() {
    let router = server(LocalEndpointConfig::default());
    let (status, answer) = call(&router, generate(PATH, Some("any"), r#"{"prompt":"a lighthouse"}"#)).await;
    assert_eq!(status, StatusCode::OK);
    let answer: ImagesResponse = serde_json::from_slice(&answer).unwrap();
    let Some(ImageSource::Url(url)) = answer.data[0].source() else {
        panic!("the default answer is a link")
    };
    let path = url
        .strip_prefix("http://127.0.0.1:9")
        .expect("the link points back at this server");
    let (status, png) = call(&router, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(png_size(&png), (1024, 1024), "the default size");

    let forged = path.replace("se=", "se=9"); // a later expiry than the one signed
    assert_eq!(
        call(&router, Request::get(forged).body(Body::empty()).unwrap()).await.0,
        StatusCode::NOT_FOUND
    );

    let short_lived = server(LocalEndpointConfig {
        url_lifetime: Duration::ZERO,
        ..Default::default()
    });
    let (_, answer) = call(
        &short_lived,
        generate(PATH, Some("any"), r#"{"prompt":"a lighthouse"}"#),
    )
    .await;
    let answer: ImagesResponse = serde_json::from_slice(&answer).unwrap();
    let path = answer.data[0]
        .url
        .as_deref()
        .unwrap()
        .strip_prefix("http://127.0.0.1:9")
        .unwrap()
        .to_owned();
    let (status, body) = call(&short_lived, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, b"This image link has expired.".to_vec())
    );
}

#[tokio::test]
async fn a_missing_or_wrong_key_gets_azures_401() {
    let open = server(LocalEndpointConfig::default());
    let (status, error) = failure(&open, generate(PATH, None, r#"{"prompt":"x"}"#)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error.error.message.contains("missing subscription key"));

    let keyed = server(LocalEndpointConfig {
        api_key: Some("secret".into()),
        ..Default::default()
    });
    let (status, error) = failure(&keyed, generate(PATH, Some("guess"), r#"{"prompt":"x"}"#)).await;
    assert_eq!(
        (status, error.error.code.as_deref()),
        (StatusCode::UNAUTHORIZED, Some("401"))
    );
    assert!(error.error.message.contains("invalid subscription key"));
    assert_eq!(
        call(&keyed, generate(PATH, Some("secret"), r#"{"prompt":"x"}"#))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_deployments_and_api_versions_get_azures_404s() {
    let router = server(LocalEndpointConfig::default());
    let path = "/openai/deployments/my-model/images/generations?api-version=2024-02-01";
    let (status, error) = failure(&router, generate(path, Some("k"), r#"{"prompt":"x"}"#)).await;
    assert_eq!(
        (status, error.error.code.as_deref()),
        (StatusCode::NOT_FOUND, Some("DeploymentNotFound"))
    );

    for path in [
        "/openai/deployments/dall-e-3/images/generations",
        "/openai/deployments/dall-e-3/images/generations?api-version=latest",
    ] {
        let (status, error) = failure(&router, generate(path, Some("k"), r#"{"prompt":"x"}"#)).await;
        assert_eq!(
            (status, error.error.message.as_str()),
            (StatusCode::NOT_FOUND, "Resource not found"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn invalid_requests_get_a_400_naming_the_parameter_in_plain_words() {
    let router = server(LocalEndpointConfig::default());
    let (status, error) = failure(&router, generate(PATH, Some("k"), r#"{"prompt":"x","size":"512x512"}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.error.param.as_deref(), Some("size"));
    assert!(
        error.error.message.contains("1024x1024, 1792x1024, 1024x1792"),
        "{}",
        error.error.message
    );

    let (status, error) = failure(&router, generate(PATH, Some("k"), r#"{"prompt":"x","n":2}"#)).await;
    assert_eq!(
        (status, error.error.param.as_deref()),
        (StatusCode::BAD_REQUEST, Some("n"))
    );

    let (status, error) = failure(&router, generate(PATH, Some("k"), "not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(matches!(
        Failure::classify(400, &serde_json::to_string(&error).unwrap(), |_| None),
        Failure::InvalidRequest { .. }
    ));
}
