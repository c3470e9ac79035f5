//! End-to-end support: the companion server in-process on a free port, Chromium driven through
//! ChromeDriver, and [`Studio`], a page object named from what a user sees and does.

// Each end-to-end file (and examples/screenshots.rs) uses only part of this module.
#![allow(dead_code)]

pub mod fault_run;

use std::path::PathBuf;
use std::time::Duration;

use easel_contract::profiles::RuntimeConfig;
use easel_server::{Backend, Config, LocalEndpointConfig};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

/// How long anything the user waits for may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

/// Starts the companion server with `config` on a free port in this process: its address,
/// `http://127.0.0.1:PORT/`, and the means to stop it.
pub async fn serve(config: Config) -> (String, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let (stop_server, stopped) = oneshot::channel();
    tokio::spawn(easel_server::serve(listener, config, async {
        let _ = stopped.await;
    }));
    (base, stop_server)
}

/// Waits until `condition` holds (a counter of the server's, say), or fails the test naming
/// `what` it waited for.
pub async fn wait_for(condition: impl Fn() -> bool, what: &str) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The browser engines the end-to-end tests drive: Chromium runs every test; Firefox and WebKit
/// (Safari's engine) run the core journeys, each test named after its engine (`in_every_engine!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Debian's Chromium through ChromeDriver, headless.
    Chromium,
    /// Debian's Firefox ESR through geckodriver (built by scripts/bootstrap.sh), headless.
    Firefox,
    /// WebKitGTK's MiniBrowser through WebKitGTK's WebDriver, in a virtual display of its own:
    /// it has no headless mode. Its automation sessions are private (ephemeral): IndexedDB there
    /// refuses to store Blobs, as Safari's private windows do.
    WebKit,
}

/// Runs each journey `name` (an `async fn name(engine: Engine)` beside the call) as three tests,
/// `name::chromium`, `name::firefox` and `name::webkit`.
#[macro_export]
macro_rules! in_every_engine {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use $crate::support::Engine;

            #[tokio::test(flavor = "multi_thread")]
            async fn chromium() {
                super::$name(Engine::Chromium).await
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn firefox() {
                super::$name(Engine::Firefox).await
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn webkit() {
                super::$name(Engine::WebKit).await
            }
        }
    )+};
}

/// A served app, a browser, and the means to stop both.
pub struct Harness {
    /// The app's address, `http://127.0.0.1:PORT/`.
    pub base: String,
    pub browser: Client,
    /// Which engine `browser` is.
    pub engine: Engine,
    /// Where the browser saves downloads, empty at the start.
    pub downloads: PathBuf,
    _driver: Child,
    /// WebKit's virtual display.
    _display: Option<Child>,
    /// Stops the in-process server; `None` when attached to a running app.
    stop_server: Option<oneshot::Sender<()>>,
}

impl Harness {
    /// Serves the built app (`dist/`, or `EASEL_DIST`) and the local endpoint, and opens Chromium.
    pub async fn start() -> Harness {
        Harness::start_in(Engine::Chromium).await
    }

    /// Serves the built app and the local endpoint, and opens a browser of `engine`.
    pub async fn start_in(engine: Engine) -> Harness {
        Harness::serving_in(engine, Backend::Local(LocalEndpointConfig::default())).await
    }

    /// Serves the built app with `backend` behind the image API's paths, and opens Chromium.
    pub async fn serving(backend: Backend) -> Harness {
        Harness::serving_in(Engine::Chromium, backend).await
    }

    /// Serves the built app with `backend` behind the image API's paths, and opens `engine`.
    pub async fn serving_in(engine: Engine, backend: Backend) -> Harness {
        let profiles = backend.default_profiles(&[], None);
        Harness::serving_with_in(engine, backend, profiles).await
    }

    /// Serves the built app with `backend`, offering `profiles` in `config.json`.
    pub async fn serving_with(backend: Backend, profiles: RuntimeConfig) -> Harness {
        Harness::serving_with_in(Engine::Chromium, backend, profiles).await
    }

    async fn serving_with_in(engine: Engine, backend: Backend, profiles: RuntimeConfig) -> Harness {
        let dist = std::env::var_os("EASEL_DIST")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist"));
        assert!(
            dist.join("index.html").is_file(),
            "no built app in {}: run the tests with `./dev test`, which builds it first",
            dist.display()
        );
        let (base, stop_server) = serve(Config { runtime_config: profiles, ..Config::new(dist, backend) }).await;
        Harness::with_browser(engine, base, Some(stop_server)).await
    }

    /// Opens Chromium on an app that is already running at `base` (say, from `./dev run`).
    pub async fn attach(base: String) -> Harness {
        Harness::with_browser(Engine::Chromium, base, None).await
    }

    async fn with_browser(engine: Engine, base: String, stop_server: Option<oneshot::Sender<()>>) -> Harness {
        let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let downloads = std::env::temp_dir().join(format!("easel-downloads-{port}"));
        let _ = std::fs::remove_dir_all(&downloads);
        std::fs::create_dir_all(&downloads).unwrap();
        let tool = |name: &str| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.tools/bin")).join(name);
        let mut display = None;
        let (mut driver, capabilities) = match engine {
            Engine::Chromium => {
                let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()));
                let capabilities = json!({
                    "goog:chromeOptions": {
                        "prefs": {"download.default_directory": downloads, "download.prompt_for_download": false},
                        "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                        // The network-off flags keep Chromium from calling hosts this machine cannot reach.
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                 "--window-size=1280,900"]
                    },
                    // Keeps what the page writes to its console, for `console_errors`.
                    "goog:loggingPrefs": {"browser": "ALL"}
                });
                (driver, capabilities)
            }
            Engine::Firefox => {
                let driver = Command::new(tool("geckodriver"));
                let capabilities = json!({
                    "browserName": "firefox",
                    "moz:firefoxOptions": {
                        "binary": std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into()),
                        "args": ["-headless", "--width=1280", "--height=900"],
                        "prefs": {
                            "browser.download.folderList": 2,
                            "browser.download.dir": downloads,
                            "browser.download.useDownloadDir": true,
                            "browser.download.always_ask_before_handling_new_types": false,
                            "browser.download.alwaysOpenPanel": false,
                            "browser.helperApps.neverAsk.saveToDisk": "application/zip,image/png,image/jpeg,image/webp"
                        }
                    }
                });
                (driver, capabilities)
            }
            Engine::WebKit => {
                display = Some(virtual_display(port).await);
                let mut driver = Command::new("WebKitWebDriver");
                // MiniBrowser saves downloads to the XDG download folder, which GLib reads from
                // user-dirs.dirs in the XDG config folder.
                let config = downloads.with_extension("config");
                std::fs::create_dir_all(&config).unwrap();
                let folder = format!("XDG_DOWNLOAD_DIR=\"{}\"\n", downloads.display());
                std::fs::write(config.join("user-dirs.dirs"), folder).unwrap();
                driver.env("DISPLAY", format!(":{port}")).env("XDG_CONFIG_HOME", config);
                let capabilities = json!({
                    "webkitgtk:browserOptions": {
                        "binary": std::env::var("MINIBROWSER")
                            .unwrap_or_else(|_| "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser".into()),
                        "args": ["--automation"]
                    }
                });
                (driver, capabilities)
            }
        };
        let driver = driver
            .arg(format!("--port={port}"))
            .kill_on_drop(true)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{engine:?}'s WebDriver is installed by scripts/bootstrap.sh: {error}"));
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
        let webdriver = format!("http://127.0.0.1:{port}");
        let mut attempts = 0;
        let browser = loop {
            match ClientBuilder::new(HttpConnector::new()).capabilities(capabilities.clone()).connect(&webdriver).await
            {
                Ok(browser) => break browser,
                Err(_) if attempts < 100 => {
                    // The driver is still starting.
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("cannot start {engine:?} through its WebDriver: {error}"),
            }
        };
        if engine == Engine::WebKit {
            browser.set_window_size(1280, 900).await.unwrap();
        }
        Harness { base, browser, engine, downloads, _driver: driver, _display: display, stop_server }
    }

    /// The process id of the WebDriver server this harness started (ChromeDriver, geckodriver
    /// or WebKitWebDriver); the browser's processes descend from it.
    pub fn driver_pid(&self) -> Option<u32> {
        self._driver.id()
    }

    /// The first finished download, once there is one. Chromium writes to a `.crdownload` file
    /// beside an empty placeholder of the final name, then renames: finished means neither is left.
    pub async fn downloaded(&self) -> PathBuf {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let paths: Vec<PathBuf> =
                std::fs::read_dir(&self.downloads).unwrap().filter_map(Result::ok).map(|entry| entry.path()).collect();
            // Chromium also writes through hidden temporary files (`.org.chromium.Chromium.*`).
            let hidden = |path: &PathBuf| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'));
            // Firefox writes to a `.part` file.
            let writing = paths
                .iter()
                .any(|path| hidden(path) || path.extension().is_some_and(|ext| ext == "crdownload" || ext == "part"));
            let finished = paths.into_iter().find(|path| std::fs::metadata(path).is_ok_and(|meta| meta.len() > 0));
            if let (false, Some(path)) = (writing, finished) {
                return path;
            }
            assert!(tokio::time::Instant::now() < deadline, "nothing downloaded within {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The errors the browser's console has shown since the last call: uncaught exceptions, CSP
    /// refusals, `console.error`, failed loads. An answer the test asked the image API to fail
    /// (a 500, a 429, a refused key) is Chromium's report of that answer, not an error of the page,
    /// so loads of the image API's paths are left out.
    ///
    /// Only Chromium's driver reads the console: W3C WebDriver has no command for it, and neither
    /// geckodriver nor WebKit's driver offers one (Firefox reports it over BiDi only), so in the
    /// other engines this is empty.
    pub async fn console_errors(&self) -> Vec<String> {
        if self.engine != Engine::Chromium {
            return Vec::new();
        }
        let entries = self.browser.issue_cmd(ReadConsole).await.expect("chromedriver reads the browser's log");
        let entries = entries.as_array().cloned().unwrap_or_default();
        entries
            .iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .filter(|entry| {
                let message = entry["message"].as_str().unwrap_or_default();
                !(entry["source"] == "network" && message.contains("/openai/"))
            })
            .map(|entry| format!("{} {}", entry["source"], entry["message"]))
            .collect()
    }

    /// Runs `script` in the page with the app's IndexedDB database open, as the page's code sees
    /// it: the script has `db`, the `args` given, and `done`, to call with its answer.
    pub async fn in_store(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        let opened = format!(
            "const done = arguments[arguments.length - 1];
             const args = Array.from(arguments).slice(0, -1);
             const open = indexedDB.open('easel');
             open.onerror = () => done('the store could not be opened');
             open.onsuccess = () => {{
               const db = open.result;
               {script}
             }};"
        );
        self.browser.execute_async(&opened, args).await.unwrap_or_else(|error| panic!("{script}: {error}"))
    }

    /// Sends a Chrome DevTools Protocol command (`Network.clearBrowserCache`, say) and gives its answer.
    pub async fn devtools(&self, command: &'static str, params: serde_json::Value) -> serde_json::Value {
        self.browser.issue_cmd(DevTools { command, params }).await.unwrap_or_else(|error| panic!("{command}: {error}"))
    }

    /// Reads the console's errors now, checking that each is one the test provoked on purpose
    /// (each contains one of `provoked`), so that `stop` finds only the rest.
    pub async fn expect_console_errors(&self, provoked: &[&str]) {
        let errors = self.console_errors().await;
        assert!(!errors.is_empty(), "the console showed no error containing any of {provoked:?}");
        let others: Vec<_> =
            errors.iter().filter(|error| !provoked.iter().any(|expected| error.contains(expected))).collect();
        assert!(others.is_empty(), "the console showed other errors than {provoked:?}: {others:#?}");
    }

    /// Closes the browser and stops the server, after checking the console showed no error.
    pub async fn stop(self) {
        let errors = self.console_errors().await;
        assert!(errors.is_empty(), "the browser's console showed errors:\n{}", errors.join("\n"));
        self.browser.close().await.unwrap();
        let _ = std::fs::remove_dir_all(&self.downloads);
        let _ = std::fs::remove_dir_all(self.downloads.with_extension("config"));
        if let Some(stop_server) = self.stop_server {
            let _ = stop_server.send(());
        }
    }
}

/// Starts a virtual X display `:number` for a browser that has no headless mode, once it takes
/// connections.
async fn virtual_display(number: u16) -> Child {
    let display = Command::new("Xvfb")
        .args([format!(":{number}").as_str(), "-nolisten", "tcp", "-screen", "0", "1280x900x24"])
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("Xvfb is installed by scripts/bootstrap.sh");
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    wait_for(|| socket.exists(), "the virtual display").await;
    display
}

/// ChromeDriver's command for the browser's console log, which W3C WebDriver leaves out.
#[derive(Debug)]
struct ReadConsole;

impl fantoccini::wd::WebDriverCompatibleCommand for ReadConsole {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

/// A Chrome DevTools Protocol command, through ChromeDriver.
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.command, "params": self.params}).to_string()))
    }
}

/// The studio page, as a user sees it.
pub struct Studio<'a> {
    browser: &'a Client,
}

impl<'a> Studio<'a> {
    /// Opens the studio and waits until it accepts a prompt.
    pub async fn open(harness: &'a Harness) -> Studio<'a> {
        harness.browser.goto(&harness.base).await.unwrap();
        Studio::open_page(harness, "Prompt").await
    }

    /// Opens the gallery page, loaded anew from the device's store, once it has read the store.
    pub async fn open_gallery(harness: &'a Harness) -> Studio<'a> {
        harness.browser.goto(&format!("{}#gallery", harness.base)).await.unwrap();
        harness.browser.refresh().await.unwrap();
        let gallery = Studio::open_page(harness, "Search prompts").await;
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while gallery.text_of(".gallery-count").await.starts_with("Reading") {
            assert!(tokio::time::Instant::now() < deadline, "the gallery still reading after {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        gallery
    }

    /// The page already loaded, once the control labelled `ready` is there.
    pub async fn open_page(harness: &'a Harness, ready: &str) -> Studio<'a> {
        let studio = Studio { browser: &harness.browser };
        studio.labelled(ready).await;
        studio
    }

    /// The control whose label reads `label`, found as a user finds it.
    pub async fn labelled(&self, label: &str) -> Element {
        let xpath = format!("//*[@id=//label[normalize-space()='{label}']/@for]");
        self.browser.wait().at_most(PATIENCE).for_element(Locator::XPath(&xpath)).await.unwrap()
    }

    /// The control whose `aria-label` reads `label` (a control with no visible label).
    pub async fn labelled_by_aria(&self, label: &str) -> Element {
        let xpath = format!("//*[@aria-label=\"{label}\"]");
        self.browser.wait().at_most(PATIENCE).for_element(Locator::XPath(&xpath)).await.unwrap()
    }

    /// Types `text` into the field labelled `label`, replacing what was there.
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.labelled(label).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Whether the first element matching `css` is there and shown (not `hidden`).
    pub async fn is_shown(&self, css: &str) -> bool {
        match self.browser.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// The value of the control labelled `label`.
    pub async fn value_of(&self, label: &str) -> String {
        self.labelled(label).await.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Moves the focus on with Tab, as a user leaves a field.
    pub async fn leave_field(&self) {
        let focused = self.browser.active_element().await.unwrap();
        focused.send_keys(&fantoccini::key::Key::Tab.to_string()).await.unwrap();
    }

    /// Picks the option whose value is `value` in the select labelled `label`.
    pub async fn choose(&self, label: &str, value: &str) {
        let select = self.labelled(label).await;
        select.find(Locator::Css(&format!("option[value='{value}']"))).await.unwrap().click().await.unwrap();
    }

    /// Presses the button named `name`, once it is there.
    pub async fn press(&self, name: &str) {
        let xpath = format!("//button[normalize-space()='{name}' or @aria-label='{name}']");
        self.browser.wait().at_most(PATIENCE).for_element(Locator::XPath(&xpath)).await.unwrap().click().await.unwrap();
    }

    /// Opens the disclosure whose summary reads `name`, once it is there.
    pub async fn press_summary(&self, name: &str) {
        let xpath = format!("//summary[normalize-space()='{name}']");
        self.browser.wait().at_most(PATIENCE).for_element(Locator::XPath(&xpath)).await.unwrap().click().await.unwrap();
    }

    /// What axe-core finds wrong with the page as it is now, one line a rule broken, with the
    /// elements that break it. The rules are WCAG 2.2 A and AA and axe's best practices.
    pub async fn accessibility_problems(&self) -> Vec<String> {
        let axe = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/.tools/npm/node_modules/axe-core/axe.min.js"
        ))
        .expect("axe-core is installed by scripts/bootstrap.sh");
        let run = "const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']})
               .then(result => done(result.violations.map(v =>
                   `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)))
               .catch(error => done([`axe did not run: ${error}`]));";
        let problems = self.browser.execute_async(&format!("{axe}\n{run}"), vec![]).await.unwrap();
        problems.as_array().unwrap().iter().map(|problem| problem.as_str().unwrap().to_owned()).collect()
    }

    /// Fails the test if axe-core finds anything wrong with the page as it is now.
    pub async fn assert_accessible(&self, what: &str) {
        let problems = self.accessibility_problems().await;
        assert!(problems.is_empty(), "accessibility problems in {what}:\n{}", problems.join("\n"));
    }

    /// Waits for the newest result's image to decode and gives its natural size.
    pub async fn newest_image_size(&self) -> (u64, u64) {
        let script = "const img = document.querySelector('.results figure img');
                      return img && img.complete && img.naturalWidth ? [img.naturalWidth, img.naturalHeight] : null;";
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let size = self.browser.execute(script, vec![]).await.unwrap();
            if let Some([width, height]) = size.as_array().map(Vec::as_slice) {
                return (width.as_u64().unwrap(), height.as_u64().unwrap());
            }
            assert!(tokio::time::Instant::now() < deadline, "no image decoded within {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        // Counted in the page: elements found by WebDriver may be drawn anew before they are counted.
        let count = self.browser.execute("return document.querySelectorAll(arguments[0]).length", vec![json!(css)]);
        count.await.unwrap().as_u64().unwrap() as usize
    }

    /// How many elements match `css` once at least `expected` do (or when patience runs out).
    pub async fn count_eventually(&self, css: &str, expected: usize) -> usize {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let count = self.count(css).await;
            if count >= expected || tokio::time::Instant::now() >= deadline {
                return count;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Generates `images` images of `prompt` and waits until each is kept on the device.
    pub async fn generate_and_keep(&self, prompt: &str, images: usize) {
        let kept_before = self.count(".keeping.kept").await;
        self.fill("Prompt", prompt).await;
        self.fill("Images", &images.to_string()).await;
        self.press("Generate").await;
        self.settled().await;
        assert_eq!(self.count_eventually(".keeping.kept", kept_before + images).await, kept_before + images);
    }

    /// Waits until no tile is still generating; past the patience, fails saying what each busy
    /// tile shows (queued, generating for how long, or waiting to retry).
    pub async fn settled(&self) {
        const BUSY: &str = ".tile.queued, .tile.running, .tile.waiting";
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while self.count(BUSY).await > 0 {
            if tokio::time::Instant::now() >= deadline {
                let script = "return Array.from(document.querySelectorAll(arguments[0]), tile => tile.innerText)";
                let shown = self.browser.execute(script, vec![json!(BUSY)]).await.unwrap_or_default();
                panic!("tiles still running after {PATIENCE:?}: {shown}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the first element matching `css`, once it appears with some text (a live
    /// region is there, empty, before it says anything).
    pub async fn text_of(&self, css: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let element = self.browser.wait().at_most(PATIENCE).for_element(Locator::Css(css)).await.unwrap();
            match element.text().await {
                Ok(text) if !text.is_empty() => return text,
                _ if tokio::time::Instant::now() >= deadline => panic!("{css} had no text within {PATIENCE:?}"),
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// The text of the first element matching `css` once it reads `expected` (or when patience
    /// runs out): for a line that changes after an action, such as a count.
    pub async fn text_eventually(&self, css: &str, expected: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let text = self.text_of(css).await;
            if text == expected || tokio::time::Instant::now() >= deadline {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// An attribute of the first element matching `css`, once it appears (found again if the page
    /// draws the element anew while it is read).
    pub async fn attribute_of(&self, css: &str, attribute: &str) -> Option<String> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let element = self.browser.wait().at_most(PATIENCE).for_element(Locator::Css(css)).await.unwrap();
            match element.attr(attribute).await {
                Ok(value) => return value,
                Err(error) if tokio::time::Instant::now() >= deadline => panic!("{css}: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
}
