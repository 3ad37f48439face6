//! The harness of PAT Desk's end-to-end tests: it starts the real app (`target/debug/patdesk`) through
//! `tauri-driver` + `WebKitWebDriver` on the current (virtual) X display, with a private, throw-away home and
//! its own demo simulator port, and gives the tests what a person has: the window, the X clipboard, and — for
//! checking what really happened — the in-process demo simulator's control routes (`/_sim/*`).
//!
//! Every secret a test sees is remembered; when the session ends the harness checks that none of them reached
//! a file under the app's home, config, data or cache directories (webview storage included) or the captured
//! stdout/stderr of the driver and the app.

use std::collections::BTreeSet;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

pub mod notifications;
pub mod processes;

/// How long any awaited element or condition may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// How long one whole test may take before it fails (and its app is ended).
pub const TEST_LIMIT: Duration = Duration::from_secs(300);
/// How often a condition is polled.
const POLL: Duration = Duration::from_millis(100);

/// Changes a 1-pixel dot on every frame for two seconds, so that the page has rendering updates.
const REPAINT_NUDGE: &str = "const d = document.createElement('div');
  d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;opacity:0.01';
  document.body.appendChild(d);
  const end = performance.now() + 2000;
  const tick = () => { if (performance.now() > end) { d.remove(); return; }
    d.style.background = d.style.background === 'black' ? 'white' : 'black'; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);";

/// Runs one test body with a time limit, so that a hung window or driver fails the test instead of the
/// whole run; dropping the body ends its app.
pub async fn within_limit<F: std::future::Future>(name: &str, body: F) -> F::Output {
    match tokio::time::timeout(TEST_LIMIT, body).await {
        Ok(out) => out,
        Err(_) => panic!("[{name}] did not finish within {} s", TEST_LIMIT.as_secs()),
    }
}

/// The repository root (the e2e crate sits at `tests/e2e`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// `tests/artifacts/`: screenshots and captured logs of the last run (git-ignored).
pub fn artifacts_dir() -> PathBuf {
    let dir = repo_root().join("tests/artifacts");
    std::fs::create_dir_all(&dir).expect("create tests/artifacts");
    dir
}

/// A free loopback TCP port (bound, then released for the child to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .unwrap()
        .port()
}

/// The CSS selector of a `data-testid`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// A process started in its own process group, ended with the whole group (tauri-driver → WebKitWebDriver →
/// the app → WebKit's web and network processes) when dropped, even if the test panicked.
pub struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    pub fn spawn(mut command: Command) -> std::io::Result<Self> {
        command.process_group(0);
        Ok(ProcessGroup {
            child: command.spawn()?,
        })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The leader's standard output, when it was piped (once).
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// Ends every process of the group (SIGTERM, then SIGKILL after 5 s) and waits for the leader.
    pub fn stop(&mut self) {
        let group = -(self.child.id() as i32);
        // SAFETY: kill(2) with the negated id of a process group this harness created.
        unsafe { libc::kill(group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) && !group_alive(group) {
                return;
            }
            std::thread::sleep(POLL);
        }
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

fn group_alive(negated_group: i32) -> bool {
    // kill(pgid, 0) succeeds while any member of the group is alive.
    unsafe { libc::kill(negated_group, 0) == 0 }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The app under test: `PATDESK_E2E_APP`, else `target/debug/patdesk`.
pub fn app_bin() -> PathBuf {
    std::env::var_os("PATDESK_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/patdesk"))
}

/// Any JWT-shaped text (three base64url parts separated by dots; Entra's and the simulator's access tokens).
pub fn find_jwt(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    text.match_indices("eyJ").find_map(|(at, _)| {
        let rest = &text[at..];
        let token: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let parts: Vec<&str> = token.split('.').collect();
        (parts.len() >= 3 && parts[1].starts_with("eyJ") && parts[1].len() > 20).then_some(token)
    })
}

/// Whatever in `text` looks like a sign-in secret: an access or ID token (JWT-shaped), one of the simulator's
/// refresh tokens (`1.AXkAsim…`) or device codes (`DAQABAAEAAAD…`), or an authorization code in a query
/// (`?code=`, `&code=`). Empty when there is none.
pub fn secret_shapes(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(jwt) = find_jwt(text.as_bytes()) {
        found.push(format!("a JWT ({}…)", &jwt[..jwt.len().min(24)]));
    }
    for (shape, what) in [
        ("1.AXkAsim", "a refresh token"),
        ("DAQABAAEAAAD", "a device code"),
        ("?code=", "an authorization code in a query"),
        ("&code=", "an authorization code in a query"),
    ] {
        if text.contains(shape) {
            found.push(format!("{what} ({shape}…)"));
        }
    }
    found
}

/// The app's private, throw-away directories.
pub struct Dirs {
    pub root: tempfile::TempDir,
}

impl Default for Dirs {
    fn default() -> Self {
        Dirs::new()
    }
}

impl Dirs {
    pub fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("patdesk-e2e-")
            .tempdir()
            .expect("temp dir");
        for sub in ["home", "config", "data", "cache", "runtime"] {
            std::fs::create_dir_all(root.path().join(sub)).unwrap();
        }
        // XDG_RUNTIME_DIR must be private to its owner.
        std::fs::set_permissions(
            root.path().join("runtime"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        Dirs { root }
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.root.path().join(sub)
    }
}

/// One running app, driven through WebDriver.
pub struct App {
    pub client: Client,
    pub sim: Sim,
    pub name: String,
    pub dirs: Dirs,
    pub log: PathBuf,
    driver: ProcessGroup,
    secrets: Vec<String>,
    /// Just before the WebDriver "new session" request that starts the app.
    pub launch_started: Instant,
    /// The app binary and the extra environment it was started with (for [`App::restart`]).
    bin: PathBuf,
    env: Vec<(String, String)>,
}

/// The token with `id` in a `/_sim/state` (ids compare case-insensitively).
pub fn token_by_id<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["tokens"]
        .as_array()
        .expect("tokens in /_sim/state")
        .iter()
        .find(|t| {
            t["authorizationId"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(id))
        })
        .unwrap_or_else(|| panic!("the simulator has no token {id}"))
}

impl App {
    /// [`App::launch`], then "Try the demo", waiting for the token list.
    pub async fn demo(name: &str) -> App {
        App::demo_with(name, &[]).await
    }

    /// [`App::demo`] with extra environment variables.
    pub async fn demo_with(name: &str, env: &[(&str, &str)]) -> App {
        let app = App::launch_with(name, &app_bin(), env).await;
        app.click("demo-button").await;
        app.visible("demo-banner").await;
        app.sim.ready().await;
        app.find("token-row").await;
        app
    }

    /// New token → the name → the "Build agent" preset → Create.
    pub async fn submit_new_token(&self, name: &str) {
        self.click("new-token-button").await;
        self.type_into("token-name-input", name).await;
        self.click("preset-build-agent").await;
        self.click("create-button").await;
    }

    /// On the screen that shows a new token's value once ("Token created", "Token regenerated"): Reveal, wait
    /// for the value, and remember it so that [`App::finish`] proves it was written nowhere.
    pub async fn reveal_new_secret(&mut self) -> String {
        let secret_box = self.visible("secret-value").await;
        self.click("reveal-button").await;
        let secret = self
            .until("the revealed secret", || async {
                let revealed = secret_box.attr("data-revealed").await.ok().flatten();
                if revealed.as_deref() != Some("true") {
                    return None;
                }
                Some(secret_box.text().await.ok()?.trim().to_string())
            })
            .await;
        assert!(
            secret.len() >= 52 && secret.chars().all(|c| c.is_ascii_alphanumeric()),
            "a PAT value: {} characters",
            secret.len()
        );
        self.remember_secret(&secret);
        secret
    }

    /// Replaces the text of the field `id` with `text`, typed key by key.
    pub async fn type_into(&self, id: &str, text: &str) {
        let input = self.visible(id).await;
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Makes `count` tokens named `{prefix}01`, `{prefix}02`, … in the person's first organization through the
    /// simulator, reopens the token list so it fetches them, and searches for `prefix` until exactly those are
    /// shown. Returns their ids (lower case).
    pub async fn seed_tokens_and_show(&self, prefix: &str, count: usize) -> BTreeSet<String> {
        let org = self.sim.state().await["organizations"][0]["accountName"]
            .as_str()
            .expect("an organization in /_sim/state")
            .to_string();
        let mut made = BTreeSet::new();
        for i in 1..=count {
            let token = self
                .sim
                .post(
                    "/_sim/pats",
                    json!({ "org": org, "displayName": format!("{prefix}{i:02}"), "scope": "vso.code",
                            "validTo": "2030-01-01T00:00:00Z" }),
                )
                .await;
            made.insert(token["authorizationId"].as_str().unwrap().to_lowercase());
        }
        self.click("nav-profile").await;
        self.click("nav-tokens").await;
        self.find("token-row").await;
        self.type_into("search-input", prefix).await;
        self.until(&format!("the {count} new tokens listed"), || async {
            let shown = self.row_ids().await;
            (!shown.is_empty() && shown.iter().all(|id| made.contains(&id.to_lowercase())))
                .then_some(())
        })
        .await;
        made
    }

    /// Starts tauri-driver and, through it, a fresh `target/debug/patdesk` in an isolated home. `name` names
    /// the screenshots and the captured log in `tests/artifacts/`.
    pub async fn launch(name: &str) -> App {
        App::launch_with(name, &app_bin(), &[]).await
    }

    /// Starts `bin` (a Tauri app) through tauri-driver in an isolated home, with extra environment variables.
    pub async fn launch_with(name: &str, bin: &Path, env: &[(&str, &str)]) -> App {
        App::launch_in(name, bin, env, Dirs::new()).await
    }

    /// Quits the app (window closed, tauri-driver's process group ended) and starts it again in the same
    /// home/XDG directories with the same environment, as a person reopening it. Remembered secrets carry
    /// over to the final check of [`App::finish`]. `name` names the new log and screenshots.
    pub async fn restart(self, name: &str) -> App {
        let App {
            client,
            dirs,
            mut driver,
            secrets,
            bin,
            env,
            ..
        } = self;
        let _ = client.close().await;
        driver.stop();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut app = App::launch_in(name, &bin, &env, dirs).await;
        app.secrets = secrets;
        app
    }

    /// Quits the app (window closed, tauri-driver's process group ended) and hands back its directories, so a
    /// later [`App::launch_in`] reopens it with what it kept (the benchmark's restored session).
    pub async fn close(self) -> Dirs {
        let App {
            client,
            dirs,
            mut driver,
            ..
        } = self;
        let _ = client.close().await;
        driver.stop();
        dirs
    }

    /// [`App::launch_with`] in given directories.
    pub async fn launch_in(name: &str, bin: &Path, env: &[(&str, &str)], dirs: Dirs) -> App {
        let root = repo_root();
        assert!(
            bin.exists(),
            "no app at {} (`make e2e` builds it first)",
            bin.display()
        );
        let driver_bin = std::env::var_os("PATDESK_TAURI_DRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".tools/bin/tauri-driver"));
        assert!(
            driver_bin.exists(),
            "no tauri-driver at {} (`make tools` installs it)",
            driver_bin.display()
        );
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no $DISPLAY: run the E2E suite under Xvfb (`make e2e`)"
        );

        let (driver_port, native_port, sim_port) = (free_port(), free_port(), free_port());
        let log = artifacts_dir().join(format!("{name}.log"));
        let out = File::create(&log).expect("create the driver log");

        let mut command = Command::new(&driver_bin);
        command
            .args([
                "--port",
                &driver_port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        // Nothing may reach a real service, and the tests click "Try the demo" themselves.
        for (key, _) in std::env::vars() {
            if key.starts_with("PATDESK_") || key == "DBUS_SESSION_BUS_ADDRESS" {
                command.env_remove(key);
            }
        }
        command
            .env("HOME", dirs.path("home"))
            .env("XDG_CONFIG_HOME", dirs.path("config"))
            .env("XDG_DATA_HOME", dirs.path("data"))
            .env("XDG_CACHE_HOME", dirs.path("cache"))
            .env("XDG_RUNTIME_DIR", dirs.path("runtime"))
            .env("PATDESK_DEMO_PORT", sim_port.to_string())
            .env("PATDESK_CLIPBOARD_CLEAR_SECONDS", "4")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1");
        for (key, value) in env {
            command.env(key, value);
        }
        let driver = ProcessGroup::spawn(command).expect("start tauri-driver");
        wait_for_port(driver_port).await;

        let launch_started = Instant::now();
        static CRYPTO: std::sync::Once = std::sync::Once::new();
        CRYPTO.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("tauri:options".into(), json!({ "application": bin }));
        let client = ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .unwrap_or_else(|e| panic!("WebDriver session (log: {}): {e}", log.display()));

        App {
            client,
            sim: Sim::new(sim_port),
            name: name.to_string(),
            dirs,
            log,
            driver,
            secrets: Vec::new(),
            launch_started,
            bin: bin.to_path_buf(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The process id of tauri-driver (the app runs below it).
    pub fn driver_pid(&self) -> u32 {
        self.driver.id()
    }

    /// The app's processes now: the app itself first, then everything it started (WebKit's web and network
    /// processes).
    pub fn processes(&self) -> Vec<processes::Process> {
        processes::app_tree(self.driver_pid(), &self.bin)
            .into_iter()
            .filter_map(processes::Process::of)
            .collect()
    }

    /// Waits until an element with this `data-testid` is in the page.
    pub async fn find(&self, id: &str) -> Element {
        self.find_css(&testid(id)).await
    }

    /// Waits until an element matching this CSS selector is in the page.
    pub async fn find_css(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(PATIENCE)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(el) => el,
            Err(e) => {
                self.screenshot(&format!("{}-timeout", self.name)).await;
                panic!("[{}] no element {css}: {e}", self.name)
            }
        }
    }

    /// Every element with this `data-testid` right now (possibly none).
    pub async fn all(&self, id: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(&testid(id)))
            .await
            .unwrap_or_default()
    }

    /// Waits until an element with this `data-testid` is present and displayed.
    pub async fn visible(&self, id: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(&testid(id))).await {
                if el.is_displayed().await.unwrap_or(false) {
                    return el;
                }
            }
            assert!(
                Instant::now() < deadline,
                "[{}] data-testid={id} never became visible",
                self.name
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until no element with this `data-testid` is displayed.
    pub async fn gone(&self, id: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut shown = false;
            for el in self.all(id).await {
                shown |= el.is_displayed().await.unwrap_or(false);
            }
            if !shown {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "[{}] data-testid={id} never went away",
                self.name
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for the element, then clicks it.
    pub async fn click(&self, id: &str) {
        let el = self.visible(id).await;
        self.click_element(&el, id).await;
    }

    /// Scrolls an element into view, as a person would, then clicks it.
    pub async fn click_element(&self, el: &Element, what: &str) {
        let arg = serde_json::to_value(el).expect("element reference");
        let _ = self
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'nearest', inline: 'nearest'})",
                vec![arg],
            )
            .await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("[{}] click {what}: {e}", self.name));
    }

    /// Polls `probe` until it returns `Some`, or fails the test saying what was awaited.
    pub async fn until<T, F, Fut>(&self, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(value) = probe().await {
                return value;
            }
            if Instant::now() >= deadline {
                self.screenshot(&format!("{}-timeout", self.name)).await;
                panic!("[{}] timed out waiting for {what}", self.name);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The `data-authorization-id`s of the token rows shown now, in order.
    pub async fn row_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for row in self.all("token-row").await {
            if let Ok(Some(id)) = row.attr("data-authorization-id").await {
                ids.push(id);
            }
        }
        ids
    }

    /// The token row of one token, once shown.
    pub async fn row(&self, authorization_id: &str) -> Element {
        self.find_css(&format!(
            "[data-testid=\"token-row\"][data-authorization-id=\"{authorization_id}\"]"
        ))
        .await
    }

    /// Saves a screenshot of the window to `tests/artifacts/<name>.png`.
    ///
    /// WebKitWebDriver takes it after the page's next rendering update, and with compositing off an idle
    /// page may never have one (the command then hangs): a 1-pixel, nearly transparent dot is changed on every
    /// frame for a moment so that there is one. If the driver still does not answer, the whole X screen is
    /// captured instead (`import -window root`).
    pub async fn screenshot(&self, name: &str) {
        let path = artifacts_dir().join(format!("{name}.png"));
        let _ = self.client.execute(REPAINT_NUDGE, vec![]).await;
        match tokio::time::timeout(Duration::from_secs(15), self.client.screenshot()).await {
            Ok(Ok(png)) => std::fs::write(&path, png).unwrap(),
            Ok(Err(e)) => eprintln!("[{}] screenshot {name} failed: {e}", self.name),
            Err(_) => {
                eprintln!(
                    "[{}] the driver gave no screenshot in 15 s: capturing the X screen",
                    self.name
                );
                let _ = Command::new("import")
                    .args(["-window", "root"])
                    .arg(&path)
                    .status();
            }
        }
    }

    /// Remembers a secret the window revealed, to prove at the end that it was written nowhere.
    pub fn remember_secret(&mut self, secret: &str) {
        assert!(!secret.is_empty(), "an empty secret");
        self.secrets.push(secret.to_string());
    }

    /// Every file under the app's home/XDG directories (for checks of what the app wrote).
    pub fn files(&self) -> Vec<PathBuf> {
        let mut places = Vec::new();
        collect_files(self.dirs.root.path(), &mut places);
        places
    }

    /// The app's diagnostics log (`patdesk.log` in its log directory under the throw-away home), and its text.
    pub fn diagnostics_log(&self) -> (PathBuf, String) {
        let logs: Vec<PathBuf> = self
            .files()
            .into_iter()
            .filter(|f| f.file_name().is_some_and(|n| n == "patdesk.log"))
            .collect();
        assert_eq!(
            logs.len(),
            1,
            "[{}] one patdesk.log under the app's home: {logs:?}",
            self.name
        );
        let text = std::fs::read_to_string(&logs[0]).expect("read the diagnostics log");
        (logs[0].clone(), text)
    }

    /// Closes the window (the app quits), ends tauri-driver's process group, then checks that no remembered
    /// secret is in any file of the app's home/XDG directories or in the captured output.
    pub async fn finish(self) {
        self.finish_and_check(false).await;
    }

    /// [`App::finish`], checking also that the app quits with its window: once the window is closed, every
    /// process of the app (the app and the WebKit processes it started) ends within [`PATIENCE`], before
    /// tauri-driver is stopped.
    pub async fn finish_expecting_exit(self) {
        self.finish_and_check(true).await;
    }

    async fn finish_and_check(mut self, expect_exit: bool) {
        self.screenshot(&self.name.clone()).await;
        let processes = if expect_exit {
            self.processes()
        } else {
            Vec::new()
        };
        let _ = self.client.clone().close().await;
        if expect_exit {
            let deadline = Instant::now() + PATIENCE;
            loop {
                let left: Vec<String> = processes
                    .iter()
                    .filter(|p| p.is_running())
                    .map(|p| format!("{} ({})", p.name(), p.pid))
                    .collect();
                if left.is_empty() {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "[{}] the window is closed but the app's processes still run: {}",
                    self.name,
                    left.join(", ")
                );
                tokio::time::sleep(POLL).await;
            }
            eprintln!(
                "[{}] the window closed and the app's {} process(es) ended",
                self.name,
                processes.len()
            );
        }
        self.driver.stop();
        let mut places = Vec::new();
        collect_files(self.dirs.root.path(), &mut places);
        places.push(self.log.clone());
        for file in &places {
            let Ok(bytes) = std::fs::read(file) else {
                continue;
            };
            for secret in &self.secrets {
                assert!(
                    !contains(&bytes, secret.as_bytes()),
                    "[{}] an issued token value was written to {}",
                    self.name,
                    file.display()
                );
            }
        }
        eprintln!(
            "[{}] checked {} file(s) and the captured output for {} secret(s): none found",
            self.name,
            places.len(),
            self.secrets.len()
        );
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect_files(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn wait_for_port(port: u16) {
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver never listened on port {port}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The control routes of the app's in-process demo simulator (`PATDESK_DEMO_PORT`).
pub struct Sim {
    pub base: String,
    http: reqwest::Client,
}

impl Sim {
    fn new(port: u16) -> Self {
        Sim {
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        }
    }

    pub async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(status.is_success(), "GET {path}: {status} {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"))
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// `GET /_sim/state`.
    pub async fn state(&self) -> Value {
        self.get("/_sim/state").await
    }

    /// Waits until the simulator answers (the app starts it in-process when the demo begins).
    pub async fn ready(&self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(r) = self
                .http
                .get(format!("{}/_sim/state", self.base))
                .send()
                .await
            {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the demo simulator never answered at {}",
                self.base
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The X clipboard, read and written from outside the app as another program would.
pub mod clipboard {
    use super::*;
    use std::io::Write;

    /// The clipboard's text, or `None` when it holds nothing.
    pub fn read() -> Option<String> {
        let out = Command::new("xclip")
            .args(["-o", "-selection", "clipboard"])
            .stderr(Stdio::null())
            .output()
            .expect("run xclip (Debian package xclip)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Another program owning the clipboard; ended by its PID when dropped.
    pub struct Owner(Child);

    impl Drop for Owner {
        fn drop(&mut self) {
            // SAFETY: kill(2) on the pid of the xclip this harness started.
            unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
            let _ = self.0.wait();
        }
    }

    /// Puts `text` on the clipboard from another program (`xclip -i`, kept in the foreground so that its
    /// PID is ours to end) and waits until the clipboard shows it.
    pub async fn take_over(text: &str) -> Owner {
        let mut child = Command::new("xclip")
            .args(["-quiet", "-i", "-selection", "clipboard"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run xclip");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let owner = Owner(child);
        let deadline = Instant::now() + PATIENCE;
        while read().as_deref() != Some(text) {
            assert!(
                Instant::now() < deadline,
                "xclip never took the clipboard over"
            );
            tokio::time::sleep(POLL).await;
        }
        owner
    }
}

/// True inside a private keyring session (`PATDESK_PRIVATE_KEYRING`, set by `scripts/with-keyring.sh`). Outside
/// one, runs `test` of the calling test binary again inside a private D-Bus session with an unlocked
/// gnome-keyring, fails unless it passed there, and answers false: the caller returns at once.
pub fn in_private_keyring(test: &str) -> bool {
    if std::env::var_os("PATDESK_PRIVATE_KEYRING").is_some() {
        return true;
    }
    rerun_with_keyring(test);
    false
}

fn rerun_with_keyring(test: &str) {
    let output = Command::new(repo_root().join("scripts/with-keyring.sh"))
        .arg(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .output()
        .expect("run scripts/with-keyring.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Printed only on failure: the runner's totals count "test result:" lines.
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{test} failed inside the private keyring (scripts/with-keyring.sh)\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

/// The system's file dialogs (GTK windows of the app, outside the webview, so WebDriver cannot reach them),
/// answered with the keyboard through `xdotool` as a person would.
pub mod file_dialog {
    use std::path::Path;
    use std::process::Command;
    use std::time::{Duration, Instant};

    fn xdotool(args: &[&str]) -> Option<String> {
        let out = Command::new("xdotool").args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Waits for the save dialog titled `title`, types `path` into its name field and presses Enter.
    pub async fn save_as(title: &str, path: &Path) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let window = loop {
            if let Some(id) = xdotool(&["search", "--onlyvisible", "--name", title])
                .and_then(|ids| ids.lines().last().map(str::to_string))
            {
                break id;
            }
            assert!(
                Instant::now() < deadline,
                "no save dialog titled {title:?} appeared (is xdotool installed?)"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        // Let GTK finish laying the dialog out and focusing its name field.
        tokio::time::sleep(Duration::from_millis(700)).await;
        xdotool(&["windowfocus", "--sync", &window]);
        xdotool(&["key", "--window", &window, "ctrl+a"]);
        xdotool(&[
            "type",
            "--window",
            &window,
            "--delay",
            "5",
            &path.display().to_string(),
        ]);
        tokio::time::sleep(Duration::from_millis(300)).await;
        xdotool(&["key", "--window", &window, "Return"]);
    }
}
