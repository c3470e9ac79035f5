//! The official OpenAI Python SDK (`AzureOpenAI`) generates images against the local endpoint
//! unchanged: both response formats, a content-filter error, an edit of two images with a mask,
//! and a mask of the wrong size refused (`openai_sdk_check.py`).
//! scripts/bootstrap.sh installs the SDK into `.tools/venv`.

use std::path::PathBuf;

use easel_server::{serve, Backend, Config, LocalEndpointConfig};
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread")]
async fn the_official_python_sdk_works_against_the_local_endpoint_unchanged() {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python =
        std::env::var_os("EASEL_PYTHON").map(PathBuf::from).unwrap_or_else(|| here.join("../.tools/venv/bin/python"));
    assert!(
        python.exists(),
        "no Python SDK at {}: run the tests with `./dev test`, which installs it",
        python.display()
    );

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let config = Config::new("none", Backend::Local(LocalEndpointConfig::default()));
    tokio::spawn(serve(listener, config, std::future::pending()));

    let output = tokio::process::Command::new(python)
        .arg(here.join("tests/openai_sdk_check.py"))
        .env("AZURE_OPENAI_ENDPOINT", &endpoint)
        .env("AZURE_OPENAI_API_KEY", "any-key")
        .env("OPENAI_API_VERSION", "2024-02-01")
        .output()
        .await
        .unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{printed}");
    assert!(printed.contains("openai SDK: 5 passed, 0 failed"), "{printed}");
}
