//! `make bench-app`: PAT Desk beside a bare Tauri 2 "hello world" (bench/hello), both release builds made the
//! same way in the same run. It measures, for each, the start to a rendered screen, the idle memory of the
//! whole process tree and the binary size, and writes the figures into the "App" section of BENCHMARKS.md.
//! Figures only: nothing here is an assertion, and the targets are compared in words.
//!
//! Start: from the WebDriver "new session" request (which makes WebKitWebDriver launch the binary) until the
//! first element of the finished screen is in the page — `#hello` for the hello app, the first `token-row` of
//! the demo's token list for PAT Desk (started with `PATDESK_DEMO=1`, so it opens straight into the demo and
//! lists the tokens without a click). Both go through the same driver, so its constant cost is on both sides.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Locator;
use patdesk_e2e::{repo_root, App};

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
    fn median_start(&self) -> Duration {
        let mut s = self.starts.clone();
        s.sort();
        s[s.len() / 2]
    }
}

/// Parent → children, read from /proc.
fn process_children() -> HashMap<u32, Vec<u32>> {
    let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name is in parentheses and may contain spaces: the ppid is the 2nd field after ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            map.entry(ppid).or_default().push(pid);
        }
    }
    map
}

fn descendants(root: u32, children: &HashMap<u32, Vec<u32>>) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            out.push(child);
            stack.push(child);
        }
    }
    out
}

fn status_field(pid: u32, file: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn process_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The app's process (launched by WebKitWebDriver below tauri-driver) and everything it started.
fn app_tree(driver_pid: u32, bin: &Path) -> Vec<u32> {
    let bin = bin.canonicalize().unwrap();
    let children = process_children();
    let app = descendants(driver_pid, &children)
        .into_iter()
        .find(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe"))
                .ok()
                .as_deref()
                == Some(bin.as_path())
        })
        .unwrap_or_else(|| panic!("no process of {} under tauri-driver", bin.display()));
    let mut tree = vec![app];
    tree.extend(descendants(app, &children));
    tree
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

async fn measure(
    label: &str,
    bin: &Path,
    ready_css: &str,
    env: &[(&str, &str)],
    runs: usize,
) -> Figures {
    let mut starts = Vec::new();
    let mut memory = (0, 0, Vec::new());
    let mut large = Vec::new();
    for run in 0..runs {
        let app = App::launch_with(&format!("bench-{label}-{run}"), bin, env).await;
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
        starts.push(start);
        if run == runs - 1 {
            // Idle memory: 10 s after the screen is ready, the whole tree (main, WebKit web + network).
            tokio::time::sleep(Duration::from_secs(10)).await;
            let tree = app_tree(app.driver_pid(), bin);
            let procs: Vec<(String, u64)> = tree
                .iter()
                .map(|&p| (process_name(p), status_field(p, "status", "VmRSS:")))
                .collect();
            let rss = procs.iter().map(|(_, k)| k).sum();
            let pss = tree
                .iter()
                .map(|&p| status_field(p, "smaps_rollup", "Pss:"))
                .sum();
            memory = (rss, pss, procs);
            if label == "patdesk" {
                large = large_list(&app).await;
            }
        }
        app.finish().await;
    }
    Figures {
        starts,
        rss_kib: memory.0,
        pss_kib: memory.1,
        processes: memory.2,
        size: std::fs::metadata(bin).unwrap().len(),
        large_list: large,
    }
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

fn report(hello: &Figures, app: &Figures, runs: usize) -> String {
    let start_ratio = app.median_start().as_secs_f64() / hello.median_start().as_secs_f64();
    let mem_ratio = app.rss_kib as f64 / hello.rss_kib as f64;
    let size_ratio = app.size as f64 / hello.size as f64;
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let list = |f: &Figures| {
        f.starts
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
         built in the same run, started {runs} times each through tauri-driver + WebKitWebDriver with a fresh\n\
         empty home each time.\n\
         \n\
         | | hello (bare Tauri 2) | PAT Desk (demo) | ratio | target |\n\
         |---|---|---|---|---|\n\
         | start to first screen, median of {runs} | {hs} | {as_} | {sr} | ≤ 1.5× ({sv}) |\n\
         | idle memory after 10 s, summed RSS of the process tree | {hm} | {am} | {mr} | ≤ 1.3× ({mv}) |\n\
         | idle memory, summed PSS (shared pages counted once) | {hp} | {ap} | {pr} | – |\n\
         | release binary size | {hz} | {az} | {zr} | ≤ 1.5× ({zv}) |\n\
         \n\
         - Start is the time from the WebDriver \"new session\" request (WebKitWebDriver launches the binary)\n\
           until the finished screen is in the DOM: `#hello` for hello, the first `token-row` of the token\n\
           list for PAT Desk started with `PATDESK_DEMO=1` (it opens straight into the demo, whose simulator\n\
           runs in-process on loopback). Every run in ms — hello: {hl}; PAT Desk: {al}. The first run of each\n\
           is the coldest (binary not yet in the page cache).\n\
         - Memory processes — hello: {hproc}; PAT Desk: {aproc}. PSS shares each library page among every\n\
           process that maps it, other WebKit apps running at that moment included, so it moves with what\n\
           else runs on the machine; RSS is the figure the target is about.\n\
         - The machine is shared (other builds may run during the measurement): compare the ratios, whose two\n\
           sides are measured minutes apart in one run, rather than absolute times across runs.\n\
         - Over 10,000 tokens (the demo simulator reseeded with `large:10000`, the list reloaded), from the\n\
           input to the first frame painted after it, median of 3 rounds: {large}.\n",
        date = now_utc(),
        machine = machine(),
        hs = ms(hello.median_start()),
        as_ = ms(app.median_start()),
        sr = ratio(app.median_start().as_secs_f64(), hello.median_start().as_secs_f64()),
        sv = verdict(start_ratio, 1.5),
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
        hl = list(hello),
        al = list(app),
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

#[tokio::main]
async fn main() {
    let args = parse_args();
    let hello = measure("hello", &args.hello, "#hello", &[], args.runs).await;
    let app = measure(
        "patdesk",
        &args.app,
        "[data-testid=\"token-row\"]",
        &[("PATDESK_DEMO", "1")],
        args.runs,
    )
    .await;
    let body = report(&hello, &app, args.runs);
    println!("{body}");
    if let Some(path) = args.write {
        write_section(&path, &body);
        println!("Written to the App section of {}", path.display());
    }
}
