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
            &["--upstream", "https://x.openai.azure.com/some/page"],
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

/// A server process on a free port, stopped when dropped.
struct Running {
    process: std::process::Child,
    port: u16,
}

impl Running {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dist = std::env::temp_dir().join(format!("easel-cli-running-{}", std::process::id()));
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), "<!DOCTYPE html>").unwrap();
        let port_text = port.to_string();
        let mut args = args.to_vec();
        args.extend(["--port", &port_text, "--dist", dist.to_str().unwrap()]);
        let mut process = command(&args, env).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(process.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.contains("Easel is running"), "the server did not start: {line}");
        Running { process, port }
    }

    /// Sends `method path` with `body` as the browser on the server's own page would, and gives
    /// back the status, the head and the body.
    fn call(&self, method: &str, path: &str, body: &str) -> (u16, String, Vec<u8>) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let split = answer.windows(4).position(|window| window == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut body = answer[split + 4..].to_vec();
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            body = unchunked(&body);
        }
        (status, head, body)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A chunked body's bytes.
fn unchunked(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = chunked.windows(2).position(|window| window == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&chunked[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&chunked[line_end + 2..line_end + 2 + size]);
        chunked = &chunked[line_end + 2 + size + 2..];
    }
}

/// `text` percent-encoded for a query.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[test]
fn two_proxy_processes_sharing_a_link_secret_each_fetch_through_what_the_other_signed() {
    let upstream = Running::start(&[], &[]);
    let address = format!("http://127.0.0.1:{}", upstream.port);
    let secret = "the secret both replicas are given, 32+";
    let proxy = |secret: &str| {
        let args = ["--upstream", address.as_str(), "--link-secret", secret];
        Running::start(&args, &[("AZURE_OPENAI_API_KEY", "any key")])
    };
    let (a, b, stranger) = (proxy(secret), proxy(secret), proxy("another secret, just as long as that"));

    let generate = "/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01";
    let (status, head, body) = a.call("POST", generate, r#"{"prompt":"a fox","response_format":"url"}"#);
    assert_eq!(status, 200, "{head}");
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let link = answer["data"][0]["url"].as_str().unwrap();
    let header = "easel-link-signatures: ";
    let signature = head
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with(header))
        .map(|line| line[header.len()..].trim().to_owned())
        .unwrap();
    let (expires, signature) = signature.split_once('.').unwrap();
    let fetch_through = format!("/easel/fetch-through?url={}&exp={expires}&sig={signature}", encoded(link));

    let (status, head, image) = b.call("GET", &fetch_through, "");
    assert_eq!(status, 200, "replica B fetches what replica A signed: {head}");
    assert!(image.starts_with(b"\x89PNG"), "an image comes back");
    assert_eq!(stranger.call("GET", &fetch_through, "").0, 404, "a server with another secret refuses it");
}
