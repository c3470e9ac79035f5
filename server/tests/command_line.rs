//! The server's command line: bad configuration exits non-zero with a message saying what to
//! change, before anything listens.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The server's command with `args`, in an environment of Azure's variables only as `env` sets.
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_easel-server"));
    command.args(args);
    for name in [
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_AD_TOKEN",
        "OPENAI_API_VERSION",
        "EASEL_ALLOW_ORIGINS",
        "EASEL_LINK_SECRET",
        "EASEL_ACCESS_TOKEN",
    ] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let output = command(args, env).output().unwrap();
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
        (
            &["--upstream"],
            &[("AZURE_OPENAI_API_KEY", "k")],
            "--upstream given with no URL reads the endpoint from AZURE_OPENAI_ENDPOINT, which is not set",
        ),
        (
            &["--upstream", "https://x.openai.azure.com", "--link-secret", "short"],
            &[("AZURE_OPENAI_API_KEY", "k")],
            "--link-secret (EASEL_LINK_SECRET) must be at least 32 characters",
        ),
        (
            &["--upstream", "https://x.openai.azure.com", "--allow-origin", "https://app.example/studio"],
            &[("AZURE_OPENAI_API_KEY", "k")],
            "--allow-origin: \"https://app.example/studio\" is not an origin",
        ),
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

/// The line the server prints once it listens, started with `args` and `env` on a free port.
fn start_line(args: &[&str], env: &[(&str, &str)]) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let dist = std::env::temp_dir().join(format!("easel-cli-start-{}", std::process::id()));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html>").unwrap();
    let mut args = args.to_vec();
    args.extend(["--port", &port, "--dist", dist.to_str().unwrap()]);
    let mut server = command(&args, env).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    server.kill().unwrap();
    let output = server.wait_with_output().unwrap();
    assert!(!line.is_empty(), "the server did not start: {}", String::from_utf8_lossy(&output.stderr));
    line
}

#[test]
fn azures_variables_alone_never_turn_the_server_into_a_proxy() {
    let azure = [("AZURE_OPENAI_ENDPOINT", "https://x.openai.azure.com"), ("AZURE_OPENAI_API_KEY", "k")];
    let line = start_line(&[], &azure);
    assert!(line.contains("(the local endpoint is built in)"), "{line}");
    assert!(!line.contains("x.openai.azure.com"), "{line}");
}

#[test]
fn a_proxy_says_where_it_forwards_for_which_deployments_and_who_may_call_it() {
    let azure = [("AZURE_OPENAI_ENDPOINT", "https://x.openai.azure.com"), ("AZURE_OPENAI_API_KEY", "k")];
    let line = start_line(
        &["--upstream", "--deployment", "images=gpt-image-1", "--allow-origin", "https://app.example"],
        &azure,
    );
    assert!(
        line.contains(
            "(proxying the image API to https://x.openai.azure.com for deployments images; callable from its own \
             page and https://app.example; image links signed with a secret of this process, so fetched through \
             on this replica only)"
        ),
        "{line}"
    );
    let line = start_line(
        &["--upstream", "https://y.openai.azure.com"],
        &[("AZURE_OPENAI_API_KEY", "k"), ("EASEL_LINK_SECRET", "a secret the replicas share, 32+ chars")],
    );
    assert!(
        line.contains(
            "(proxying the image API to https://y.openai.azure.com for any deployment; callable from its own page \
             only; image links signed with the shared --link-secret)"
        ),
        "{line}"
    );
    assert!(!line.contains("a secret the replicas share"), "{line}");
}
