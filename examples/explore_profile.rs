#[path = "../tests/support/mod.rs"]
mod support;
use support::Harness;
#[tokio::main]
async fn main() {
    let server = Harness::start().await;
    let b = Harness::attach(server.base.clone()).await;
    b.devtools("Profiler.enable", serde_json::json!({})).await;
    b.devtools("Profiler.setSamplingInterval", serde_json::json!({"interval": 100})).await;
    b.devtools("Profiler.start", serde_json::json!({})).await;
    b.browser.goto(&b.base).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let profile = b.devtools("Profiler.stop", serde_json::json!({})).await;
    std::fs::write("/tmp/profile.json", profile.to_string()).unwrap();
    b.stop().await;
    server.stop().await;
}
