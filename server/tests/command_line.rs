//! The server's command line: bad configuration exits non-zero with a message saying what to
//! change, before anything listens.

use std::process::Command;

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_easel-server"));
    command
        .args(args)
        .env_remove("AZURE_OPENAI_ENDPOINT")
        .env_remove("AZURE_OPENAI_API_KEY")
        .env_remove("AZURE_OPENAI_AD_TOKEN")
        .env_remove("OPENAI_API_VERSION");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn bad_configuration_says_what_to_change() {
    for (args, env, says) in [
        (&["--fault-rate", "2"][..], &[][..], "--fault-rate is a share from 0 to 1"),
        (&["--deployment", "images"], &[], "--deployment takes NAME=MODEL"),
        (&["--deployment", "images=dall-e-4"], &[], "no model \"dall-e-4\"; models: gpt-image-2"),
        (&["--upstream", "https://x.openai.azure.com"], &[], "needs the resource's key in AZURE_OPENAI_API_KEY"),
        (&["--upstream", "http://x.openai.azure.com"], &[("AZURE_OPENAI_API_KEY", "k")], "use https://"),
        (
            &["--upstream", "https://x.openai.azure.com/openai/deployments/d"],
            &[("AZURE_OPENAI_API_KEY", "k")],
            "the resource's endpoint alone",
        ),
        (
            &["--upstream", "https://x.openai.azure.com", "--host", "0.0.0.0"],
            &[("AZURE_OPENAI_API_KEY", "k")],
            "set an access token for them with --access-token",
        ),
        (&["--dist", "/nonexistent"], &[], "there is no built app in /nonexistent"),
        (&[], &[("OPENAI_API_VERSION", "latest")], "\"latest\" is not a date"),
    ] {
        let (code, stderr) = run(args, env);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} should say {says:?}, said: {stderr}");
    }
}

#[test]
fn a_busy_port_is_named_with_the_way_out() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dist = std::env::temp_dir().join(format!("easel-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html>").unwrap();
    let (code, stderr) = run(&["--port", &port, "--dist", dist.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is already in use") && stderr.contains("./dev run --port"), "{stderr}");
}
