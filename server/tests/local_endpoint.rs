//! The local endpoint answers as Azure does: checked through the router with tower's `oneshot`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use base64::Engine;
use easel_contract::api_error::ErrorEnvelope;
use easel_contract::endpoint::{ApiPath, Auth, Connection, DEFAULT_API_VERSION, V1_API_VERSION};
use easel_contract::failure::Failure;
use easel_contract::probe::Diagnosis;
use easel_contract::response::{ImageSource, ImagesResponse};
use easel_server::{app, Backend, Config, FilterForm, LocalEndpointConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PATH: &str = "/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01";

fn server(local_endpoint: LocalEndpointConfig) -> Router {
    app(Config::new("no-dist-in-these-tests", Backend::Local(local_endpoint)))
}

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = call_with_headers(router, request).await;
    (status, body)
}

async fn call_with_headers(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let (parts, body) = router.clone().oneshot(request).await.unwrap().into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
}

/// What the app would make of an answer: the contract's own classification.
async fn failure_of(router: &Router, request: Request<Body>) -> Failure {
    let (status, headers, body) = call_with_headers(router, request).await;
    assert!(!status.is_success(), "expected a failure, got {status}");
    Failure::classify(status.as_u16(), std::str::from_utf8(&body).unwrap(), |name| {
        headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
    })
}

fn generate(path: &str, key: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post(path).header("content-type", "application/json").header("host", "127.0.0.1:9");
    if let Some(key) = key {
        request = request.header("api-key", key);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

fn png_size(png: &[u8]) -> (u32, u32) {
    let info = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap().info().clone();
    (info.width, info.height)
}

async fn failure(router: &Router, request: Request<Body>) -> (StatusCode, ErrorEnvelope) {
    let (status, body) = call(router, request).await;
    (status, serde_json::from_slice(&body).unwrap_or_else(|_| panic!("not Azure's error shape: {body:?}")))
}

#[tokio::test]
async fn b64_json_answers_carry_a_png_of_the_requested_size_and_a_revised_prompt() {
    let router = server(LocalEndpointConfig::default());
    let body = r#"{"prompt":"a red fox in snow","size":"1792x1024","n":1,"quality":"hd","style":"natural","response_format":"b64_json"}"#;
    let (status, answer) = call(&router, generate(PATH, Some("any"), body)).await;
    assert_eq!(status, StatusCode::OK);
    let answer: ImagesResponse = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer.data.len(), 1);
    let Some(ImageSource::Base64(data)) = answer.data[0].source() else { panic!("no image data") };
    let png = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    assert_eq!(png_size(&png), (1792, 1024));
    let revised = answer.data[0].revised_prompt.as_deref().unwrap();
    assert!(revised.starts_with("A red fox in snow") && revised.contains("natural"), "{revised}");
}

#[tokio::test]
async fn url_answers_link_to_an_image_the_server_serves_until_it_expires() {
    let router = server(LocalEndpointConfig::default());
    let (status, answer) = call(&router, generate(PATH, Some("any"), r#"{"prompt":"a lighthouse"}"#)).await;
    assert_eq!(status, StatusCode::OK);
    let answer: ImagesResponse = serde_json::from_slice(&answer).unwrap();
    let Some(ImageSource::Url(url)) = answer.data[0].source() else { panic!("the default answer is a link") };
    let path = url.strip_prefix("http://127.0.0.1:9").expect("the link points back at this server");
    let (status, png) = call(&router, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(png_size(&png), (1024, 1024), "the default size");

    let forged = path.replace("se=", "se=9"); // a later expiry than the one signed
    assert_eq!(call(&router, Request::get(forged).body(Body::empty()).unwrap()).await.0, StatusCode::NOT_FOUND);

    let short_lived = server(LocalEndpointConfig { url_lifetime: Duration::ZERO, ..Default::default() });
    let (_, answer) = call(&short_lived, generate(PATH, Some("any"), r#"{"prompt":"a lighthouse"}"#)).await;
    let answer: ImagesResponse = serde_json::from_slice(&answer).unwrap();
    let path = answer.data[0].url.as_deref().unwrap().strip_prefix("http://127.0.0.1:9").unwrap().to_owned();
    let (status, error) = failure(&short_lived, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!((status, error.error.message.as_str()), (StatusCode::NOT_FOUND, "This image link has expired."));
}

#[tokio::test]
async fn a_missing_or_wrong_key_gets_azures_401() {
    let open = server(LocalEndpointConfig::default());
    let (status, error) = failure(&open, generate(PATH, None, r#"{"prompt":"x"}"#)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error.error.message.contains("missing subscription key"));

    let keyed = server(LocalEndpointConfig { api_key: Some("secret".into()), ..Default::default() });
    let (status, error) = failure(&keyed, generate(PATH, Some("guess"), r#"{"prompt":"x"}"#)).await;
    assert_eq!((status, error.error.code.as_deref()), (StatusCode::UNAUTHORIZED, Some("401")));
    assert!(error.error.message.contains("invalid subscription key"));
    assert_eq!(call(&keyed, generate(PATH, Some("secret"), r#"{"prompt":"x"}"#)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_deployments_and_api_versions_get_azures_404s() {
    let router = server(LocalEndpointConfig::default());
    let path = "/openai/deployments/my-model/images/generations?api-version=2024-02-01";
    let (status, error) = failure(&router, generate(path, Some("k"), r#"{"prompt":"x"}"#)).await;
    assert_eq!((status, error.error.code.as_deref()), (StatusCode::NOT_FOUND, Some("DeploymentNotFound")));

    for path in [
        "/openai/deployments/dall-e-3/images/generations",
        "/openai/deployments/dall-e-3/images/generations?api-version=latest",
    ] {
        let (status, error) = failure(&router, generate(path, Some("k"), r#"{"prompt":"x"}"#)).await;
        assert_eq!((status, error.error.message.as_str()), (StatusCode::NOT_FOUND, "Resource not found"), "{path}");
    }
}

#[tokio::test]
async fn invalid_requests_get_a_400_naming_the_parameter_in_plain_words() {
    let router = server(LocalEndpointConfig::default());
    let (status, error) = failure(&router, generate(PATH, Some("k"), r#"{"prompt":"x","size":"512x512"}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.error.param.as_deref(), Some("size"));
    assert!(error.error.message.contains("1024x1024, 1792x1024, 1024x1792"), "{}", error.error.message);

    let (status, error) = failure(&router, generate(PATH, Some("k"), r#"{"prompt":"x","n":2}"#)).await;
    assert_eq!((status, error.error.param.as_deref()), (StatusCode::BAD_REQUEST, Some("n")));

    let (status, error) = failure(&router, generate(PATH, Some("k"), "not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(matches!(
        Failure::classify(400, &serde_json::to_string(&error).unwrap(), |_| None),
        Failure::InvalidRequest { .. }
    ));
}

#[tokio::test]
async fn every_refusal_is_in_azures_shape_even_where_no_handler_of_the_endpoint_answers() {
    let router = server(LocalEndpointConfig::default());
    let get = |path: &str| Request::get(path).header("host", "127.0.0.1:9").body(Body::empty()).unwrap();
    let undecodable = "/openai/deployments/%FF/images/generations?api-version=2024-02-01";
    let over_the_limit = format!(r#"{{"prompt":"{}"}}"#, "a".repeat(2 * 1024 * 1024));
    for (request, status, code, why) in [
        (get(PATH), 405, "MethodNotAllowed", "a method the path does not take"),
        (
            generate("/openai/deployments/dall-e-3/chat/completions?api-version=2024-02-01", Some("k"), "{}"),
            404,
            "404",
            "a path of the API nothing serves",
        ),
        (generate(undecodable, None, "{}"), 401, "401", "the key before a deployment that does not decode"),
        (generate(undecodable, Some("k"), "{}"), 404, "404", "a deployment that does not decode"),
        (generate(PATH, Some("k"), &over_the_limit), 413, "RequestEntityTooLarge", "a body over the limit"),
        (get("/generated/0123456789abcdef-1024x1024.png"), 404, "ImageNotFound", "a link it did not give out"),
        (get("/easel/fetch-through?url=x&exp=1&sig=x"), 404, "404", "the fetch-through of a proxy"),
    ] {
        let (actual, headers, body) = call_with_headers(&router, request).await;
        let error: ErrorEnvelope = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("{why}: not Azure's error shape: {}", String::from_utf8_lossy(&body)));
        assert_eq!((actual.as_u16(), error.error.code.as_deref()), (status, Some(code)), "{why}");
        assert_eq!(headers["content-security-policy"], "sandbox; default-src 'none'", "{why}");
        if status == 405 {
            assert_eq!(headers["allow"], "POST", "{why}");
        }
    }
}

#[tokio::test]
async fn gpt_image_answers_in_base64_with_usage_and_the_parameters_it_used() {
    let router = server(LocalEndpointConfig::default());
    let path = "/openai/deployments/gpt-image-1/images/generations?api-version=2025-04-01-preview";
    let body = r#"{"prompt":"a fox","n":2,"size":"1536x1024","quality":"high","output_format":"jpeg","output_compression":70}"#;
    let (status, answer) = call(&router, generate(path, Some("k"), body)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    let answer: ImagesResponse = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer.data.len(), 2);
    let Some(ImageSource::Base64(data)) = answer.data[0].source() else { panic!("gpt-image answers with data") };
    let jpeg = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    assert_eq!(&jpeg[..3], [0xFF, 0xD8, 0xFF], "JPEG was asked for");
    assert_eq!(answer.data[0].revised_prompt, None, "gpt-image does not rewrite prompts");
    assert_eq!(answer.usage.unwrap().output_tokens, 2 * 6_240, "two high-quality 1536x1024 images");
    assert_eq!(
        (
            answer.quality.map(|quality| quality.to_string()).as_deref(),
            answer.size.map(|size| size.to_string()).as_deref(),
            answer.output_format.map(|format| format.to_string()).as_deref(),
            answer.background.map(|background| background.to_string()).as_deref()
        ),
        (Some("high"), Some("1536x1024"), Some("jpeg"), Some("auto"))
    );
}

#[tokio::test]
async fn the_v1_path_takes_the_deployment_in_the_body_and_a_bearer_token() {
    let router = server(LocalEndpointConfig { api_key: Some("secret".into()), ..Default::default() });
    let v1 = "/openai/v1/images/generations?api-version=preview";
    let request = |auth: &str, body: &str| {
        Request::post(v1)
            .header("content-type", "application/json")
            .header("authorization", auth)
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let (status, answer) =
        call(&router, request("Bearer secret", r#"{"model":"gpt-image-2","prompt":"a fox","size":"2048x1152"}"#)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    let answer: ImagesResponse = serde_json::from_slice(&answer).unwrap();
    let Some(ImageSource::Base64(data)) = answer.data[0].source() else { panic!() };
    assert_eq!(png_size(&base64::engine::general_purpose::STANDARD.decode(data).unwrap()), (2048, 1152));

    assert_eq!(
        failure_of(&router, request("Bearer wrong", r#"{"model":"gpt-image-2","prompt":"a fox"}"#)).await,
        Failure::Unauthorized
    );
    assert!(matches!(
        failure_of(&router, request("Bearer secret", r#"{"prompt":"a fox"}"#)).await,
        Failure::InvalidRequest { .. }
    ));
    assert_eq!(
        failure_of(&router, request("Bearer secret", r#"{"model":"nope","prompt":"a fox"}"#)).await,
        Failure::DeploymentNotFound
    );
}

#[tokio::test]
async fn fault_markers_give_each_failure_as_azure_does() {
    let router = server(LocalEndpointConfig { retry_after_secs: 7, ..Default::default() });
    let ask = |marker: &str| generate(PATH, Some("k"), &format!(r#"{{"prompt":"a fox {marker}"}}"#));
    assert_eq!(failure_of(&router, ask("[fault:filter-prompt]")).await, Failure::PromptFiltered { categories: vec![] });
    assert_eq!(failure_of(&router, ask("[fault:filter-image]")).await, Failure::ImageFiltered { categories: vec![] });
    assert_eq!(failure_of(&router, ask("[fault:500]")).await, Failure::ServiceError { status: 500 });
    assert_eq!(failure_of(&router, ask("[fault:503]")).await, Failure::ServiceError { status: 503 });

    let (status, headers, body) = call_with_headers(&router, ask("[fault:429]")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((headers["retry-after"].to_str().unwrap(), headers["retry-after-ms"].to_str().unwrap()), ("7", "7000"));
    assert!(String::from_utf8(body).unwrap().contains("Please retry after 7 seconds."));
}

#[tokio::test]
async fn the_captured_content_filter_form_names_its_categories() {
    let router = server(LocalEndpointConfig { filter_form: FilterForm::Captured, ..Default::default() });
    let request = generate(PATH, Some("k"), r#"{"prompt":"a fox [fault:filter-prompt]"}"#);
    assert_eq!(failure_of(&router, request).await, Failure::PromptFiltered { categories: vec!["violence".into()] });
}

#[tokio::test]
async fn a_slow_generation_takes_its_time() {
    let router = server(LocalEndpointConfig { slow_latency: Duration::from_millis(300), ..Default::default() });
    let started = std::time::Instant::now();
    let (status, _) = call(&router, generate(PATH, Some("k"), r#"{"prompt":"a fox [fault:slow]"}"#)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn more_calls_at_once_than_a_deployment_takes_get_a_429() {
    let config = LocalEndpointConfig { max_concurrent: 2, latency: Duration::from_millis(400), ..Default::default() };
    let stats = config.stats.clone();
    let router = server(config);
    let calls = (0..3).map(|i| {
        let router = router.clone();
        async move { call(&router, generate(PATH, Some("k"), &format!(r#"{{"prompt":"fox {i}"}}"#))).await.0 }
    });
    let mut statuses = futures_join_all(calls).await;
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
    assert_eq!(stats.max_in_flight.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(stats.in_flight.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn calls_that_would_draw_more_pixels_at_once_than_the_budget_get_a_429() {
    // Two megapixels for each 1024x1024 call (rounded up), three in the budget: one at a time.
    let config = LocalEndpointConfig { megapixel_budget: 3, latency: Duration::from_millis(400), ..Default::default() };
    let stats = config.stats.clone();
    let router = server(config);
    let calls = (0..2).map(|i| {
        let router = router.clone();
        async move {
            let (status, headers, body) =
                call_with_headers(&router, generate(PATH, Some("k"), &format!(r#"{{"prompt":"fox {i}"}}"#))).await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert_eq!(headers["retry-after"], "2");
                let error: ErrorEnvelope = serde_json::from_slice(&body).expect("Azure's error shape");
                assert_eq!(error.error.code.as_deref(), Some("RateLimitReached"));
            }
            status
        }
    });
    let mut statuses = futures_join_all(calls).await;
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
    assert_eq!(stats.max_in_flight.load(std::sync::atomic::Ordering::SeqCst), 1);

    // A call larger than the whole budget still goes through alone, and the budget comes back.
    let wide = r#"{"prompt":"a wide fox","size":"1792x1024","quality":"hd"}"#;
    let router = server(LocalEndpointConfig { megapixel_budget: 1, ..Default::default() });
    assert_eq!(call(&router, generate(PATH, Some("k"), wide)).await.0, StatusCode::OK);
    assert_eq!(call(&router, generate(PATH, Some("k"), wide)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn api_answers_are_data_that_runs_nothing_if_opened_as_a_page() {
    let router = server(LocalEndpointConfig::default());
    let (status, headers, body) =
        call_with_headers(&router, generate(PATH, Some("k"), r#"{"prompt":"a fox","response_format":"url"}"#)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-security-policy"], "sandbox; default-src 'none'");
    let answer: ImagesResponse = serde_json::from_slice(&body).unwrap();
    let link = answer.data[0].url.as_deref().unwrap().strip_prefix("http://127.0.0.1:9").unwrap().to_owned();
    let image = Request::get(&link).body(Body::empty()).unwrap();
    let (status, headers, _) = call_with_headers(&router, image).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-security-policy"], "sandbox; default-src 'none'");
    let (status, headers, _) = call_with_headers(&router, generate(PATH, None, r#"{"prompt":"a fox"}"#)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["content-security-policy"], "sandbox; default-src 'none'");
}

async fn futures_join_all<F: std::future::Future<Output = StatusCode> + Send + 'static>(
    calls: impl Iterator<Item = F>,
) -> Vec<StatusCode> {
    let handles: Vec<_> = calls.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap());
    }
    statuses
}

#[tokio::test]
async fn a_fault_rate_of_one_faults_every_call_with_a_mix_of_failures() {
    let router = server(LocalEndpointConfig { fault_rate: 1.0, slow_latency: Duration::ZERO, ..Default::default() });
    let mut statuses = Vec::new();
    for i in 0..60 {
        statuses.push(call(&router, generate(PATH, Some("k"), &format!(r#"{{"prompt":"fox {i}"}}"#))).await.0.as_u16());
    }
    // One fault in six is "slow", which still answers 200; the rest fail.
    let failed = statuses.iter().filter(|status| **status != 200).count();
    assert!(failed >= 35, "{failed} of 60 failed: {statuses:?}");
    for expected in [400, 429, 500, 503] {
        assert!(statuses.contains(&expected), "no {expected} in {statuses:?}");
    }
}

#[tokio::test]
async fn browsers_may_call_from_any_origin_as_they_may_call_azure() {
    let router = server(LocalEndpointConfig::default());
    let preflight = Request::builder()
        .method("OPTIONS")
        .uri(PATH)
        .header("origin", "http://localhost:8081")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "api-key,content-type")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = call_with_headers(&router, preflight).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("api-key"));
}

/// The connection test as the app makes it: the probe's body to the target's URL, with its
/// headers, and the answer read as a diagnosis.
async fn probe(router: &Router, connection: &Connection) -> Diagnosis {
    let target = connection.target().unwrap();
    let url = target.generations_url();
    let mut request = Request::post(url.strip_prefix(target.endpoint()).unwrap());
    for (name, value) in target.headers() {
        request = request.header(name, value);
    }
    let request = request.body(Body::from(target.probe_body())).unwrap();
    let (status, headers, body) = call_with_headers(router, request).await;
    Diagnosis::read(status.as_u16(), std::str::from_utf8(&body).unwrap(), |name| {
        headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
    })
}

fn connection(path: ApiPath, deployment: &str, api_version: &str, key: &str) -> Connection {
    Connection {
        endpoint: "http://127.0.0.1:9".into(),
        deployment: deployment.into(),
        api_version: api_version.into(),
        path,
        auth: Auth::ApiKey(key.into()),
    }
}

#[tokio::test]
async fn the_connection_test_reads_each_answer_as_a_diagnosis_and_generates_nothing() {
    let config = LocalEndpointConfig { api_key: Some("secret".into()), ..Default::default() };
    let stats = config.stats.clone();
    let router = server(config);
    let (deployments, v1) = (ApiPath::Deployments, ApiPath::V1);
    for (connection, expected) in [
        (connection(deployments, "dall-e-3", DEFAULT_API_VERSION, "secret"), Diagnosis::Ready),
        (connection(v1, "gpt-image-2", V1_API_VERSION, "secret"), Diagnosis::Ready),
        (connection(deployments, "dall-e-3", DEFAULT_API_VERSION, "guess"), Diagnosis::WrongKey),
        (connection(v1, "gpt-image-2", V1_API_VERSION, "guess"), Diagnosis::WrongKey),
        (connection(deployments, "my-model", DEFAULT_API_VERSION, "secret"), Diagnosis::DeploymentNotFound),
        (connection(v1, "my-model", V1_API_VERSION, "secret"), Diagnosis::DeploymentNotFound),
        (connection(v1, "gpt-image-2", DEFAULT_API_VERSION, "secret"), Diagnosis::UnsupportedApiVersion),
        // Azure's order: the key before anything, the api-version before the body's deployment.
        (connection(deployments, "my-model", DEFAULT_API_VERSION, "guess"), Diagnosis::WrongKey),
        (connection(v1, "my-model", DEFAULT_API_VERSION, "secret"), Diagnosis::UnsupportedApiVersion),
    ] {
        assert_eq!(probe(&router, &connection).await, expected, "{connection:?}");
    }
    assert_eq!(stats.calls.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing was generated");
    assert_eq!(stats.max_in_flight.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_deployment_named_in_the_url_is_checked_before_the_body_is_read() {
    let router = server(LocalEndpointConfig::default());
    let unknown = "/openai/deployments/my-model/images/generations?api-version=2024-02-01";
    let (status, error) = failure(&router, generate(unknown, Some("k"), "not json")).await;
    assert_eq!((status, error.error.code.as_deref()), (StatusCode::NOT_FOUND, Some("DeploymentNotFound")));
    let (status, _) = failure(&router, generate(PATH, Some("k"), "not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_refused_call_takes_no_slot_from_the_deployments_gate() {
    let config = LocalEndpointConfig { max_concurrent: 1, latency: Duration::from_millis(400), ..Default::default() };
    let stats = config.stats.clone();
    let router = server(config);
    let busy = {
        let router = router.clone();
        tokio::spawn(async move { call(&router, generate(PATH, Some("k"), r#"{"prompt":"a fox"}"#)).await.0 })
    };
    let started = async {
        while stats.in_flight.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), started).await.expect("the generation takes the only slot");
    let test = connection(ApiPath::Deployments, "dall-e-3", DEFAULT_API_VERSION, "k");
    assert_eq!(probe(&router, &test).await, Diagnosis::Ready, "a 400, not the full gate's 429");
    assert_eq!(busy.await.unwrap(), StatusCode::OK);
    assert_eq!(stats.calls.load(std::sync::atomic::Ordering::SeqCst), 1, "only the generation counts");
}
