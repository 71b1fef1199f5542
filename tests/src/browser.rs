//! A headless Chromium driven over WebDriver (Debian's `chromium` and `chromedriver`), with
//! the few commands the browser tests use, its console log, the addresses it requested, and
//! axe-core injected for accessibility audits.
//!
//! When the browser is missing, [`Browser::start`] fails the test if `CI` is set and
//! otherwise returns `None` after a loud message: never a silent skip.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::free_port;

/// The Chromium binary.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The WebDriver server for it.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    client: reqwest::Client,
    profile: PathBuf,
}

/// A console message the page logged.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// `SEVERE`, `WARNING`, `INFO`…
    pub level: String,
    /// The message.
    pub message: String,
}

fn missing(what: &str) -> Option<Browser> {
    let message = format!(
        "{what} is not installed: browser tests need Debian's chromium and chromium-driver \
         (apt-get install chromium chromium-driver; .ci/run installs them)"
    );
    crate::missing_tool("A BROWSER TEST", &message)
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium; `None` (after saying so loudly)
    /// when they are not installed outside CI.
    pub async fn start() -> Option<Self> {
        for (binary, name) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromedriver")] {
            if !Path::new(binary).exists() {
                return missing(name);
            }
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        crate::install_crypto_provider();
        let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().expect("client");
        let status = format!("http://127.0.0.1:{port}/status");
        for _ in 0..100 {
            if client.get(&status).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = std::env::temp_dir().join(format!("salarygraph-chromium-{}", uuid::Uuid::new_v4()));
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1280,900",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
            "timeouts": { "pageLoad": 60_000, "script": 60_000, "implicit": 0 }
        } } });
        let response: Value = client
            .post(format!("http://127.0.0.1:{port}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session JSON");
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver refused the session: {response}"))
            .to_owned();
        Some(Self { driver, port, session, client, profile })
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("http://127.0.0.1:{}/session/{}{path}", self.port, self.session);
        let mut request = self.client.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.expect("WebDriver command").json().await.expect("WebDriver JSON");
        if let Some(error) = response["value"]["error"].as_str() {
            panic!("WebDriver {path}: {error}: {}", response["value"]["message"]);
        }
        response["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// The current address.
    pub async fn url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_owned()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args })).await
    }

    /// Runs `script`, which calls its last argument with the result.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.post("/execute/async", json!({ "script": script, "args": args })).await
    }

    /// A Chrome DevTools command.
    pub async fn devtools(&self, command: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({ "cmd": command, "params": params })).await
    }

    /// Lays pages out `width` CSS pixels wide, as a phone (`mobile`) or a desktop would.
    pub async fn set_width(&self, width: u32) {
        let params = json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600 });
        self.devtools("Emulation.setDeviceMetricsOverride", params).await;
    }

    /// Emulates `prefers-color-scheme` (`light` or `dark`).
    pub async fn set_color_scheme(&self, scheme: &str) {
        let params = json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] });
        self.devtools("Emulation.setEmulatedMedia", params).await;
    }

    /// Types `text` into the element `css` finds.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{element}/value"), json!({ "text": text })).await;
    }

    /// Clicks the element `css` finds.
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{element}/click"), json!({})).await;
    }

    async fn find(&self, css: &str) -> String {
        let found = self.post("/element", json!({ "using": "css selector", "value": css })).await;
        found.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("element id").to_owned()
    }

    /// Waits until `script` (a function body) returns true, for up to `timeout`.
    pub async fn wait_for(&self, script: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if self.execute(script, json!([])).await == json!(true) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// The console messages since the last call.
    pub async fn console(&self) -> Vec<LogEntry> {
        let entries = self.post("/se/log", json!({ "type": "browser" })).await;
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| LogEntry {
                level: e["level"].as_str().unwrap_or_default().to_owned(),
                message: e["message"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// Every address the browser requested since the last call (pages, assets, fetches,
    /// WebSockets).
    pub async fn requests(&self) -> Vec<String> {
        let entries = self.post("/se/log", json!({ "type": "performance" })).await;
        let mut urls = Vec::new();
        for entry in entries.as_array().into_iter().flatten() {
            let Ok(event) = serde_json::from_str::<Value>(entry["message"].as_str().unwrap_or("{}")) else { continue };
            let message = &event["message"];
            match message["method"].as_str() {
                Some("Network.requestWillBeSent") => {
                    urls.extend(message["params"]["request"]["url"].as_str().map(str::to_owned));
                }
                Some("Network.webSocketCreated") => urls.extend(message["params"]["url"].as_str().map(str::to_owned)),
                _ => {}
            }
        }
        urls
    }

    /// The whole page as a PNG, written to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let size = self
            .execute("return [document.documentElement.scrollWidth, document.documentElement.scrollHeight];", json!([]))
            .await;
        let (width, height) = (size[0].as_f64().unwrap_or(1280.0), size[1].as_f64().unwrap_or(900.0));
        let shot = self
            .devtools(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true,
                        "clip": { "x": 0, "y": 0, "width": width, "height": height.min(16_000.0), "scale": 1 } }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap_or_default());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("screenshot folder");
        }
        std::fs::write(path, png.expect("PNG")).expect("write screenshot");
    }

    /// axe-core's serious and critical violations on the current page, one line each.
    pub async fn accessibility_violations(&self, axe_source: &str) -> Vec<String> {
        self.execute(axe_source, json!([])).await;
        let result = self
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' +
                          v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                json!([]),
            )
            .await;
        result.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    }
}

impl Drop for Browser {
    /// Ends the session (which closes Chromium) with a plain HTTP request, since `Drop`
    /// cannot wait on the async client; chromedriver itself is killed on drop.
    fn drop(&mut self) {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session, self.port
            );
            let _ = stream.write_all(request.as_bytes());
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let _ = self.driver.start_kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// axe-core's script (`tests/browser/node_modules`), installed with `npm ci` when missing
/// (once per test process); `None` (loudly) outside CI when npm is missing too.
pub fn axe_source() -> Option<&'static str> {
    static AXE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    AXE.get_or_init(install_axe).as_deref()
}

fn install_axe() -> Option<String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    let script = folder.join("node_modules/axe-core/axe.min.js");
    if !script.exists() {
        let installed = std::process::Command::new("npm")
            .args(["ci", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&folder)
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            let message = "axe-core could not be installed (npm ci --prefix tests/browser)";
            return crate::missing_tool("AN ACCESSIBILITY AUDIT", message);
        }
    }
    Some(std::fs::read_to_string(script).expect("axe.min.js"))
}
