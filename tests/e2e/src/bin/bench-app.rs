//! `make bench-app`: PAT Desk beside a bare Tauri 2 "hello world" (bench/hello), both release builds made the
//! same way in the same run. It measures, for each, the start to a rendered screen, the idle memory of the
//! whole process tree and the binary size, and writes the figures into the "App" section of BENCHMARKS.md.
//! Figures only: nothing here is an assertion, and the targets are compared in words.
//!
//! Start: from the WebDriver "new session" request (which makes WebKitWebDriver launch the binary) until the
//! first element of the finished screen is in the page — `#hello` for the hello app; for PAT Desk, in a fresh
//! home, the sign-in screen's organization field, and (started with `PATDESK_DEMO=1`, so it opens straight
//! into the demo and lists the tokens without a click) the first `token-row` of the demo's token list. Both go
//! through the same driver, so its constant cost is on both sides. The launches take turns (hello, sign-in,
//! demo, restored session, then again), so a busy moment of the shared machine falls on all of them.
//!
//! Restored session: an external simulator (`patdesk-sim` as a library, on this process's runtime) is signed
//! in to once through the browser flow (the benchmark plays the browser, as tests/signin.rs does); the refresh
//! token lands in a real gnome-keyring on a private D-Bus session. Then every simulator route answers 50 ms
//! late (a `latency` fault rule) and the app is reopened in the same home: the time is from launch to the first
//! `token-row`, and the simulator's request log of that launch gives the round trips a restore cannot avoid,
//! from which the floor is computed. The whole program runs inside `scripts/with-keyring.sh` (it re-runs
//! itself through it when it is not), so a developer's own keychain is never touched.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Locator;
use patdesk_e2e::processes::{self, app_tree};
use patdesk_e2e::{repo_root, App, Dirs};
use patdesk_sim::{SimOptions, Simulator};

struct Args {
    app: PathBuf,
    hello: PathBuf,
    runs: usize,
    write: Option<PathBuf>,
}

fn parse_args() -> Args {
    let root = repo_root();
    let mut args = Args {
        app: root.join("target/release/patdesk"),
        hello: root.join("target/bench-hello/release/patdesk-bench-hello"),
        runs: 5,
        write: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--app" => args.app = value().into(),
            "--hello" => args.hello = value().into(),
            "--runs" => args.runs = value().parse().expect("--runs N"),
            "--write" => args.write = Some(value().into()),
            other => panic!(
                "unknown argument {other} (--app BIN --hello BIN --runs N --write BENCHMARKS.md)"
            ),
        }
    }
    args
}

/// What one app measured.
struct Figures {
    starts: Vec<Duration>,
    rss_kib: u64,
    pss_kib: u64,
    processes: Vec<(String, u64)>,
    size: u64,
    /// (what, median ms) of search and filter over 10,000 tokens (PAT Desk only).
    large_list: Vec<(String, f64)>,
}

impl Figures {
    fn new(bin: &Path) -> Self {
        Figures {
            starts: Vec::new(),
            rss_kib: 0,
            pss_kib: 0,
            processes: Vec::new(),
            size: std::fs::metadata(bin).unwrap().len(),
            large_list: Vec::new(),
        }
    }

    fn median_start(&self) -> Duration {
        median_duration(&self.starts)
    }
}

fn status_field(pid: u32, file: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Times one change of the list in the page: from the input (typing into the search box, or clicking a
/// filter) to the first frame painted after it (the list is filtered in the page, then Svelte updates the DOM
/// before that frame). Returns milliseconds.
const TIME_TO_FRAME: &str = "const [kind, value, done] = arguments;
  const t0 = performance.now();
  if (kind === 'search') {
    const input = document.querySelector('[data-testid=\"search-input\"]');
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  } else {
    document.querySelector(`[data-testid=\"filter-${value}\"]`).click();
  }
  requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));";

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

/// Median time to frame of `kind` changes over `values`, three rounds.
async fn time_changes(app: &App, kind: &str, values: &[&str]) -> f64 {
    let mut ms = Vec::new();
    for _ in 0..3 {
        for v in values {
            let t = app
                .client
                .execute_async(TIME_TO_FRAME, vec![kind.into(), (*v).into()])
                .await
                .expect("timing script");
            ms.push(t.as_f64().expect("milliseconds"));
        }
    }
    median(ms)
}

/// Reseeds the demo simulator with 10,000 tokens, reloads the list, then times filter changes and searches.
async fn large_list(app: &App) -> Vec<(String, f64)> {
    app.sim
        .post("/_sim/seed", serde_json::json!({ "seed": "large:10000" }))
        .await;
    app.click("refresh-button").await;
    app.until("10,000 tokens listed", || async {
        let all = app
            .client
            .find(Locator::Css("[data-testid=\"filter-all\"] .count"))
            .await
            .ok()?;
        (all.text().await.ok()?.trim() == "10000").then_some(())
    })
    .await;
    let filters = ["active", "expired", "revoked", "all"];
    let searches = ["pat-0", "pat-01", "pat-012", "code", ""];
    vec![
        (
            "filter change".to_string(),
            time_changes(app, "filter", &filters).await,
        ),
        (
            "search keystroke".to_string(),
            time_changes(app, "search", &searches).await,
        ),
    ]
}

/// The private keychain's session bus (`scripts/with-keyring.sh`), when there is one.
fn bus() -> Option<String> {
    std::env::var("DBUS_SESSION_BUS_ADDRESS").ok()
}

/// The environment of a real (not demo) PAT Desk signed in to `sim`, its keychain entries under `namespace`
/// on the private session bus.
fn signed_env(sim: &Simulator, namespace: &str) -> Vec<(String, String)> {
    let endpoints = sim.endpoints();
    let mut env = vec![
        ("PATDESK_LOGIN_URL".to_string(), endpoints.login),
        ("PATDESK_APP_VSSPS_URL".to_string(), endpoints.app_vssps),
        ("PATDESK_VSSPS_URL".to_string(), endpoints.vssps),
        ("PATDESK_DEV_URL".to_string(), endpoints.dev),
        (
            "PATDESK_CLIENT_ID".to_string(),
            "patdesk-test-client".into(),
        ),
        ("PATDESK_BROWSER".to_string(), "none".into()),
        ("PATDESK_KEYCHAIN_NAMESPACE".to_string(), namespace.into()),
    ];
    if let Some(bus) = bus() {
        env.push(("DBUS_SESSION_BUS_ADDRESS".to_string(), bus));
    }
    env
}

fn borrowed(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Waits for `ready_css` and returns the time since the launch began.
async fn time_to(app: &App, label: &str, ready_css: &str, run: usize) -> Duration {
    app.client
        .wait()
        .at_most(Duration::from_secs(60))
        .every(Duration::from_millis(10))
        .for_element(Locator::Css(ready_css))
        .await
        .unwrap_or_else(|e| panic!("{label}: {ready_css} never appeared: {e}"));
    let start = app.launch_started.elapsed();
    eprintln!(
        "{label} run {}: ready after {} ms",
        run + 1,
        start.as_millis()
    );
    start
}

/// Idle memory: 10 s after the screen is ready, the whole tree (main, WebKit web + network).
async fn idle_memory(app: &App, bin: &Path) -> (u64, u64, Vec<(String, u64)>) {
    tokio::time::sleep(Duration::from_secs(10)).await;
    let tree = app_tree(app.driver_pid(), bin);
    let procs: Vec<(String, u64)> = tree
        .iter()
        .map(|&p| (processes::name(p), status_field(p, "status", "VmRSS:")))
        .collect();
    let rss = procs.iter().map(|(_, k)| k).sum();
    let pss = tree
        .iter()
        .map(|&p| status_field(p, "smaps_rollup", "Pss:"))
        .sum();
    (rss, pss, procs)
}

/// One launch of `bin` in a fresh home until `ready_css`; on the last run, the idle memory too (and, for the
/// demo, the large list).
async fn launch_once(
    label: &str,
    bin: &Path,
    ready_css: &str,
    env: &[(&str, &str)],
    run: usize,
    memory: Option<&mut Figures>,
) -> Duration {
    let app = App::launch_with(&format!("bench-{label}-{run}"), bin, env).await;
    let start = time_to(&app, label, ready_css, run).await;
    if let Some(figures) = memory {
        (figures.rss_kib, figures.pss_kib, figures.processes) = idle_memory(&app, bin).await;
        if label == "demo" {
            figures.large_list = large_list(&app).await;
        }
    }
    app.finish().await;
    start
}

/// Plays the browser of the sign-in: loads the authorize URL the window shows (the simulator approves at once
/// and redirects), then the redirect, which is the app's loopback listener.
async fn play_browser(authorize_url: &str) {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser.get(authorize_url).send().await.unwrap();
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("the simulator redirects ({})", answer.status()))
        .to_str()
        .unwrap()
        .to_string();
    browser.get(&location).send().await.unwrap();
}

/// Signs in to `sim` through the browser flow in a fresh home, waits for the token list, and quits: the home
/// and the keychain now hold the session a restart restores.
async fn sign_in_once(bin: &Path, env: &[(&str, &str)]) -> Dirs {
    let app = App::launch_with("bench-restored-sign-in", bin, env).await;
    let org = app.visible("org-input").await;
    org.send_keys("contoso-web").await.unwrap();
    app.click("sign-in-button").await;
    let url = app.visible("authorize-url").await.text().await.unwrap();
    play_browser(url.trim()).await;
    app.find("token-row").await;
    app.close().await
}

/// The simulator's request log, as routes in arrival order.
async fn request_routes(http: &reqwest::Client, sim: &Simulator) -> Vec<String> {
    let log: serde_json::Value = http
        .get(format!("{}/_sim/requests", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log.as_array()
        .expect("the request log")
        .iter()
        .map(|r| r["route"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The round trips a restore cannot avoid, each needing the answer of the one before: a new access token
/// from the refresh token (`entra.token`), who the person is (`profile`, for the member id), their
/// organizations (`accounts`), and the first page of tokens (`pats.list`). Everything else in the log (the
/// guest tenant's token, the other organizations and listings) can go at the same time as these.
const UNAVOIDABLE: [&str; 4] = ["entra.token", "profile", "accounts", "pats.list"];

fn unavoidable(routes: &[String]) -> Vec<&'static str> {
    UNAVOIDABLE
        .into_iter()
        .filter(|r| routes.iter().any(|x| x == r))
        .collect()
}

/// "route ×n" for each route of the log, in the order first seen.
fn tally(routes: &[String]) -> String {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for r in routes {
        match seen.iter_mut().find(|(x, _)| x == r) {
            Some((_, n)) => *n += 1,
            None => seen.push((r, 1)),
        }
    }
    seen.iter()
        .map(|(r, n)| format!("`{r}` ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The restored session's figures.
struct Restored {
    starts: Vec<Duration>,
    latency_ms: u64,
    /// The routes the simulator saw during the last measured launch, up to its first token row.
    routes: Vec<String>,
}

impl Restored {
    fn median_start(&self) -> Duration {
        median_duration(&self.starts)
    }
}

fn median_duration(starts: &[Duration]) -> Duration {
    let mut s = starts.to_vec();
    s.sort();
    s[s.len() / 2]
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem_gib = {
        let kib = std::fs::read_to_string("/proc/meminfo")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0);
        kib / 1024 / 1024
    };
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_default();
    format!("{os}, {cpu}, {cores} cores, {mem_gib} GiB RAM, Xvfb 1280×800×24, software rendering")
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn ratio(a: f64, b: f64) -> String {
    format!("{:.2}×", a / b)
}

fn verdict(ratio: f64, target: f64) -> &'static str {
    if ratio <= target {
        "within target"
    } else {
        "over target"
    }
}

fn report(
    hello: &Figures,
    sign_in: &Figures,
    app: &Figures,
    restored: &Restored,
    runs: usize,
) -> String {
    let hello_ms = hello.median_start().as_secs_f64() * 1e3;
    let start_row = |what: &str, f: &Figures| {
        let r = f.median_start().as_secs_f64() * 1e3 / hello_ms;
        format!(
            "| start to {what}, median of {runs} | {} | {} | {} | ≤ 1.5× ({}) |\n",
            ms(hello.median_start()),
            ms(f.median_start()),
            ratio(r, 1.0),
            verdict(r, 1.5)
        )
    };
    let steps = unavoidable(&restored.routes);
    let floor_ms = steps.len() as f64 * restored.latency_ms as f64 + hello_ms;
    let restored_ms = restored.median_start().as_secs_f64() * 1e3;
    let mem_ratio = app.rss_kib as f64 / hello.rss_kib as f64;
    let size_ratio = app.size as f64 / hello.size as f64;
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let list = |starts: &[Duration]| {
        starts
            .iter()
            .map(|d| d.as_millis().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let procs = |f: &Figures| {
        f.processes
            .iter()
            .map(|(n, k)| format!("{n} {}", mib(*k)))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    format!(
        "Measured by `make bench-app` on {date} at commit {commit}; machine: {machine}.\n\
         Both apps are release builds (same profile: `strip`, thin LTO, 4 codegen units; same Tauri version),\n\
         built in the same run, started {runs} times each through tauri-driver + WebKitWebDriver, taking turns\n\
         (hello, PAT Desk's sign-in screen, its demo, its restored session, then again), with a fresh empty\n\
         home each time but for the restored session.\n\
         \n\
         | | hello (bare Tauri 2) | PAT Desk | ratio | target |\n\
         |---|---|---|---|---|\n\
         {signin_row}{demo_row}\
         | idle memory after 10 s (demo), summed RSS of the process tree | {hm} | {am} | {mr} | ≤ 1.3× ({mv}) |\n\
         | idle memory (demo), summed PSS (shared pages counted once) | {hp} | {ap} | {pr} | – |\n\
         | release binary size | {hz} | {az} | {zr} | ≤ 1.5× ({zv}) |\n\
         \n\
         | restored session, {lat} ms per request | PAT Desk, median of {runs} | floor | vs floor |\n\
         |---|---|---|---|\n\
         | start to the token list painted | {rs} | {n} round trips × {lat} ms + hello's first paint {hs} = **{floor:.0} ms** | {rr} |\n\
         \n\
         - Start is the time from the WebDriver \"new session\" request (WebKitWebDriver launches the binary)\n\
           until the finished screen is in the DOM: `#hello` for hello; for PAT Desk in a fresh home the\n\
           sign-in screen's organization field (`org-input`, the keychain reachable and empty), and the first\n\
           `token-row` of the token list started with `PATDESK_DEMO=1` (it opens straight into the demo, whose\n\
           simulator runs in-process on loopback). Every run in ms — hello: {hl}; sign-in screen: {sl};\n\
           demo: {al}; restored session: {rl}. The first run of each is the coldest (binary not yet in the\n\
           page cache).\n\
         - Restored session: signed in once to an external simulator through the browser flow, the refresh\n\
           token kept in a real gnome-keyring (private D-Bus session, `scripts/with-keyring.sh`); then every\n\
           simulator route answers {lat} ms late and the app is reopened in the same home, up to the first\n\
           `token-row`. The requests of that launch, up to the first row (the simulator's `/_sim/requests`):\n\
           {tally}. The floor counts the round trips a restore cannot avoid, each needing the answer of the one\n\
           before: {chain}; the others could go beside them.{discovery}\n\
         - Memory processes — hello: {hproc}; PAT Desk: {aproc}. PSS shares each library page among every\n\
           process that maps it, other WebKit apps running at that moment included, so it moves with what\n\
           else runs on the machine; RSS is the figure the target is about.\n\
         - The machine is shared (other builds may run during the measurement): compare the ratios, whose two\n\
           sides are measured seconds apart in one run, rather than absolute times across runs.\n\
         - Over 10,000 tokens (the demo simulator reseeded with `large:10000`, the list reloaded), from the\n\
           input to the first frame painted after it, median of 3 rounds: {large}.\n",
        date = now_utc(),
        machine = machine(),
        signin_row = start_row("sign-in screen", sign_in),
        demo_row = start_row("demo token list", app),
        hs = ms(hello.median_start()),
        hm = mib(hello.rss_kib),
        am = mib(app.rss_kib),
        mr = ratio(app.rss_kib as f64, hello.rss_kib as f64),
        mv = verdict(mem_ratio, 1.3),
        hp = mib(hello.pss_kib),
        ap = mib(app.pss_kib),
        pr = ratio(app.pss_kib as f64, hello.pss_kib as f64),
        hz = megabytes(hello.size),
        az = megabytes(app.size),
        zr = ratio(app.size as f64, hello.size as f64),
        zv = verdict(size_ratio, 1.5),
        lat = restored.latency_ms,
        rs = ms(restored.median_start()),
        n = steps.len(),
        floor = floor_ms,
        rr = ratio(restored_ms, floor_ms),
        hl = list(&hello.starts),
        sl = list(&sign_in.starts),
        al = list(&app.starts),
        rl = list(&restored.starts),
        tally = tally(&restored.routes),
        discovery = if restored.routes.iter().any(|r| r == "discovery") {
            " PAT Desk's own chain is one round longer: it asks which tenant each organization is in \
             (`discovery`) before listing it, and a guest tenant's organization also waits for that tenant's token."
        } else {
            ""
        },
        chain = steps
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(" → "),
        hproc = procs(hello),
        aproc = procs(app),
        large = app
            .large_list
            .iter()
            .map(|(what, ms)| format!("{what} {ms:.0} ms"))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Today's date and time in UTC, from `date` (no date crate needed for one line).
fn now_utc() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// Replaces the body of the "## App" section of BENCHMARKS.md, leaving every other section alone; creates the
/// file with both sections when it does not exist.
fn write_section(path: &Path, body: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| {
        "# Benchmarks\n\n## Core\n\n(`make bench-core` writes this section.)\n\n## App\n".into()
    });
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    let mut found = false;
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        if line.trim() == "## App" {
            found = true;
            out.push('\n');
            out.push_str(body);
            while lines.peek().is_some_and(|l| !l.starts_with("## ")) {
                lines.next();
            }
            if lines.peek().is_some() {
                out.push('\n');
            }
        }
    }
    if !found {
        out.push_str("\n## App\n\n");
        out.push_str(body);
    }
    std::fs::write(path, out).unwrap();
}

/// Runs this program again inside `scripts/with-keyring.sh` (a private D-Bus session with an unlocked
/// gnome-keyring) when it is not already in one, so the restored session never touches a real keychain.
fn rerun_with_keyring() -> Option<i32> {
    if std::env::var_os("PATDESK_PRIVATE_KEYRING").is_some() {
        return None;
    }
    let status = std::process::Command::new(repo_root().join("scripts/with-keyring.sh"))
        .arg(std::env::current_exe().unwrap())
        .args(std::env::args_os().skip(1))
        .status()
        .expect("run scripts/with-keyring.sh");
    Some(status.code().unwrap_or(1))
}

const LATENCY_MS: u64 = 50;

#[tokio::main]
async fn main() {
    if let Some(code) = rerun_with_keyring() {
        std::process::exit(code);
    }
    let args = parse_args();
    let sim = Simulator::start(SimOptions {
        auto_approve: true,
        ..SimOptions::default()
    })
    .await
    .expect("start the simulator");
    let http = reqwest::Client::new();
    let pid = std::process::id();
    // The sign-in screen's launches use a keychain namespace nobody signed in to; the restored session its own.
    let fresh_env = signed_env(&sim, &format!("dev.patdesk.bench.fresh.{pid}"));
    let restored_env = signed_env(&sim, &format!("dev.patdesk.bench.restored.{pid}"));
    let mut dirs = sign_in_once(&args.app, &borrowed(&restored_env)).await;
    http.post(format!("{}/_sim/faults", sim.base_url()))
        .json(&serde_json::json!({ "kind": "latency", "route": "*", "latencyMs": LATENCY_MS }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .expect("the latency rule");

    let mut hello = Figures::new(&args.hello);
    let mut sign_in = Figures::new(&args.app);
    let mut demo = Figures::new(&args.app);
    let mut restored = Restored {
        starts: Vec::new(),
        latency_ms: LATENCY_MS,
        routes: Vec::new(),
    };
    for run in 0..args.runs {
        let last = run + 1 == args.runs;
        let t = launch_once(
            "hello",
            &args.hello,
            "#hello",
            &[],
            run,
            last.then_some(&mut hello),
        )
        .await;
        hello.starts.push(t);

        let t = launch_once(
            "sign-in",
            &args.app,
            "[data-testid=\"org-input\"]",
            &borrowed(&fresh_env),
            run,
            None,
        )
        .await;
        sign_in.starts.push(t);

        let t = launch_once(
            "demo",
            &args.app,
            "[data-testid=\"token-row\"]",
            &[("PATDESK_DEMO", "1")],
            run,
            last.then_some(&mut demo),
        )
        .await;
        demo.starts.push(t);

        http.delete(format!("{}/_sim/requests", sim.base_url()))
            .send()
            .await
            .unwrap();
        let app = App::launch_in(
            &format!("bench-restored-{run}"),
            &args.app,
            &borrowed(&restored_env),
            dirs,
        )
        .await;
        let t = time_to(&app, "restored", "[data-testid=\"token-row\"]", run).await;
        restored.starts.push(t);
        restored.routes = request_routes(&http, &sim).await;
        // Let the restore finish (the rotated refresh token stored) before the app quits.
        tokio::time::sleep(Duration::from_secs(2)).await;
        dirs = app.close().await;
    }
    drop(dirs);
    sim.shutdown().await;

    let body = report(&hello, &sign_in, &demo, &restored, args.runs);
    println!("{body}");
    if let Some(path) = args.write {
        write_section(&path, &body);
        println!("Written to the App section of {}", path.display());
    }
}
