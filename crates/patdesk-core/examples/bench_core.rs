//! `make bench-core`: how fast the core is where speed matters to a person, measured against an in-process
//! simulator over real loopback HTTP with injected latency and throttling. Run in release mode; it prints the
//! figures recorded in BENCHMARKS.md ("Core") and compares each with its target. It asserts nothing.
//!
//! 1. Bulk revoke of 1,000 tokens at 50 ms per DELETE: the engine (concurrency 8, and 4 as the contract's
//!    §2.9 suggests) beside the one-at-a-time loop that scripts and the web page use, and the floor
//!    N × latency ÷ concurrency.
//! 2. Bulk revoke of 200 tokens under a 20 requests/s rate limit (sliding one-second window) that only the
//!    `429` + `Retry-After` tells: nothing lost, time against N ÷ rate.
//! 3. Bulk revoke of 1,000 tokens under the same limit announced in headers on every answer
//!    (`X-RateLimit-Remaining` / `-Reset`, §2.15, which the engine paces itself by): `429`s received (target 0),
//!    nothing lost, time against N ÷ rate (target ≤ 1.1 ×).
//! 4. Listing 10,000 tokens at 50 ms per page, in a child process so its peak memory (VmHWM) is the client's
//!    alone: time against pages × latency.
//!
//! Options: `--sequential-full` times the one-at-a-time loop on all 1,000 tokens (50 s) instead of 200 and
//! extrapolating. `--child-list` is internal (the listing child).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use patdesk_core::bulk::{bulk_revoke, BulkItem, BulkOptions, CancellationToken};
use patdesk_core::client::AzureDevOpsClient;
use patdesk_core::credentials::{AccessTokenProvider, StaticToken};
use patdesk_core::endpoints::Endpoints;
use patdesk_core::model::{BulkSummary, ListFilter, RevokeOutcome};
use patdesk_sim::{Seed, SimOptions, Simulator};
use serde_json::{json, Value};

const LATENCY_MS: u64 = 50;
const BULK_N: usize = 1000;
const SEQUENTIAL_SAMPLE: usize = 200;
const RATE_N: usize = 200;
const ANNOUNCED_N: usize = 1000;
const RATE_PER_SEC: f64 = 20.0;
const LIST_N: usize = 10_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if args.iter().any(|a| a == "--child-list") {
        runtime.block_on(child_list());
        return;
    }
    let sequential_full = args.iter().any(|a| a == "--sequential-full");
    runtime.block_on(parent(sequential_full));
}

/// A simulator on its own runtime (a background thread), so the server's work does not share the client's
/// scheduler, plus what the client needs to reach it.
struct Sim {
    sim: Simulator,
    http: reqwest::Client,
    base: String,
    endpoints: Endpoints,
    token: String,
}

impl Sim {
    async fn start(seed: Seed) -> Sim {
        let sim = tokio::task::spawn_blocking(move || {
            Simulator::start_blocking(SimOptions {
                seed,
                ..SimOptions::default()
            })
        })
        .await
        .expect("join")
        .expect("simulator starts");
        let endpoints = Endpoints::from_sim_json(&serde_json::to_string(&sim.endpoints()).unwrap())
            .expect("endpoints");
        let token = sim.mint_access_token(&sim.demo_user().oid);
        let s = Sim {
            base: sim.base_url(),
            sim,
            http: reqwest::Client::new(),
            endpoints,
            token,
        };
        // One access token for all three organizations (the guest one is in another tenant).
        s.control("POST", "switches", json!({"tenantCheck": false}))
            .await;
        s
    }

    async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = self
            .http
            .request(method, format!("{}/_sim/{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("control route");
        assert!(
            resp.status().is_success(),
            "control {path}: {}",
            resp.status()
        );
        resp.json().await.expect("control JSON")
    }

    fn client(&self) -> AzureDevOpsClient {
        let provider: Arc<dyn AccessTokenProvider> = Arc::new(StaticToken::new(self.token.clone()));
        AzureDevOpsClient::new(self.endpoints.clone(), provider).expect("client")
    }

    async fn tokens(&self) -> Vec<Value> {
        self.control("GET", "state", json!({})).await["tokens"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The demo user's tokens that are not revoked, as bulk items.
    async fn revocable(&self) -> Vec<BulkItem> {
        let me = self.sim.demo_user().oid;
        self.tokens()
            .await
            .into_iter()
            .filter(|t| t["status"] != "revoked" && t["ownerOid"] == me.as_str())
            .map(|t| BulkItem {
                organization: t["org"].as_str().unwrap().to_string(),
                authorization_id: t["authorizationId"].as_str().unwrap().to_string(),
                display_name: t["displayName"].as_str().unwrap().to_string(),
            })
            .collect()
    }

    async fn revoked_ids(&self) -> HashSet<String> {
        self.tokens()
            .await
            .into_iter()
            .filter(|t| t["status"] == "revoked")
            .map(|t| t["authorizationId"].as_str().unwrap().to_string())
            .collect()
    }

    async fn requests(&self) -> Vec<Value> {
        self.control("GET", "requests", json!({}))
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// Tokens of `items` that the server does not show as revoked after the run: must be 0.
async fn lost(sim: &Sim, items: &[BulkItem]) -> usize {
    let revoked = sim.revoked_ids().await;
    items
        .iter()
        .filter(|i| !revoked.contains(&i.authorization_id))
        .count()
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

async fn engine_run(
    sim: &Sim,
    items: Vec<BulkItem>,
    concurrency: usize,
) -> (Duration, BulkSummary) {
    let client = sim.client();
    let options = BulkOptions {
        max_concurrency: concurrency,
        ..BulkOptions::default()
    };
    let started = Instant::now();
    let summary = bulk_revoke(&client, items, &options, &CancellationToken::new(), |_| {}).await;
    (started.elapsed(), summary)
}

async fn parent(sequential_full: bool) {
    println!(
        "PAT Desk core benchmark (release build: {})",
        !cfg!(debug_assertions)
    );
    println!("machine: {}", machine());
    println!();

    // ---- 1. bulk revoke at 50 ms latency --------------------------------------------------------------
    let sim = Sim::start(Seed::Large(3000)).await;
    sim.control(
        "POST",
        "faults",
        json!({"kind": "latency", "route": "pats.revoke", "latencyMs": LATENCY_MS}),
    )
    .await;
    let pool = sim.revocable().await;
    let seq_n = if sequential_full {
        BULK_N
    } else {
        SEQUENTIAL_SAMPLE
    };
    assert!(
        pool.len() >= 2 * BULK_N + seq_n,
        "seed too small: {}",
        pool.len()
    );
    let batch8: Vec<BulkItem> = pool[..BULK_N].to_vec();
    let batch4: Vec<BulkItem> = pool[BULK_N..2 * BULK_N].to_vec();
    let batch_seq: Vec<BulkItem> = pool[2 * BULK_N..2 * BULK_N + seq_n].to_vec();

    let latency = Duration::from_millis(LATENCY_MS);
    println!("1. Bulk revoke of {BULK_N} tokens, {LATENCY_MS} ms injected latency per DELETE");
    let (t8, s8) = engine_run(&sim, batch8.clone(), 8).await;
    let lost8 = lost(&sim, &batch8).await;
    let floor8 = latency * BULK_N as u32 / 8;
    let (t4, s4) = engine_run(&sim, batch4.clone(), 4).await;
    let lost4 = lost(&sim, &batch4).await;
    let floor4 = latency * BULK_N as u32 / 4;

    let client = sim.client();
    let started = Instant::now();
    let mut seq_failed = 0;
    for item in &batch_seq {
        match client
            .revoke_pat_once(&item.organization, &item.authorization_id)
            .await
        {
            Ok(RevokeOutcome::Revoked) => {}
            _ => seq_failed += 1,
        }
    }
    let t_seq_sample = started.elapsed();
    let t_seq = t_seq_sample * BULK_N as u32 / seq_n as u32;
    let lost_seq = lost(&sim, &batch_seq).await;
    let deletes = sim
        .requests()
        .await
        .iter()
        .filter(|r| r["route"] == "pats.revoke")
        .count();

    println!(
        "   engine, concurrency 8:  {:>7.2} s   floor {:>6.2} s   {:.3} × floor (target ≤ 1.2: {})   revoked {} / lost {}",
        t8.as_secs_f64(),
        floor8.as_secs_f64(),
        t8.as_secs_f64() / floor8.as_secs_f64(),
        verdict(t8.as_secs_f64() <= 1.2 * floor8.as_secs_f64()),
        s8.revoked,
        lost8
    );
    println!(
        "   engine, concurrency 4:  {:>7.2} s   floor {:>6.2} s   {:.3} × floor   revoked {} / lost {}",
        t4.as_secs_f64(),
        floor4.as_secs_f64(),
        t4.as_secs_f64() / floor4.as_secs_f64(),
        s4.revoked,
        lost4
    );
    if sequential_full {
        println!(
            "   one at a time:          {:>7.2} s   floor {:>6.2} s   (all {BULK_N} measured)   failed {seq_failed} / lost {lost_seq}",
            t_seq.as_secs_f64(),
            (latency * BULK_N as u32).as_secs_f64(),
        );
    } else {
        println!(
            "   one at a time:          {:>7.2} s   floor {:>6.2} s   (measured {:.2} s on {seq_n} tokens, × {} extrapolated)   failed {seq_failed} / lost {lost_seq}",
            t_seq.as_secs_f64(),
            (latency * BULK_N as u32).as_secs_f64(),
            t_seq_sample.as_secs_f64(),
            BULK_N / seq_n,
        );
    }
    let speedup = t_seq.as_secs_f64() / t8.as_secs_f64();
    println!(
        "   engine (8) vs one at a time: {speedup:.2} × faster (target ≥ 6: {})",
        verdict(speedup >= 6.0)
    );
    println!(
        "   DELETEs sent: {deletes} for {} tokens",
        2 * BULK_N + seq_n
    );
    drop(sim);
    println!();

    // ---- 2. rate limit 20/s, told only by 429s ------------------------------------------------------------
    let sim = Sim::start(Seed::Large(400)).await;
    sim.control(
        "POST",
        "faults",
        json!({"kind": "rateLimit", "route": "pats.revoke", "ratePerSec": RATE_PER_SEC, "announce": false}),
    )
    .await;
    let items: Vec<BulkItem> = sim.revocable().await.into_iter().take(RATE_N).collect();
    assert_eq!(items.len(), RATE_N);
    let (t, s) = engine_run(&sim, items.clone(), 8).await;
    let lost_rate = lost(&sim, &items).await;
    let floor = RATE_N as f64 / RATE_PER_SEC;
    let reqs = sim.requests().await;
    let throttled = reqs
        .iter()
        .filter(|r| r["route"] == "pats.revoke" && r["status"] == 429)
        .count();
    println!("2. Bulk revoke of {RATE_N} tokens under a {RATE_PER_SEC} requests/s rate limit told only by 429s (engine, concurrency 8)");
    // The sliding window lets the first `rate` requests through at once, so the server's own floor is
    // (N − rate) ÷ rate.
    let server_floor = (RATE_N as f64 - RATE_PER_SEC) / RATE_PER_SEC;
    println!(
        "   {:>7.2} s   N ÷ rate {:>6.2} s   {:.3} × (target ≤ 1.3: {})   (N − rate) ÷ rate {server_floor:.2} s ({:.3} ×)   revoked {} / failed {} / lost {}   429s received {}",
        t.as_secs_f64(),
        floor,
        t.as_secs_f64() / floor,
        verdict(t.as_secs_f64() <= 1.3 * floor),
        t.as_secs_f64() / server_floor,
        s.revoked + s.already_gone,
        s.failed,
        lost_rate,
        throttled
    );
    drop(sim);
    println!();

    // ---- 3. rate limit 20/s, announced in headers -----------------------------------------------------------
    let sim = Sim::start(Seed::Large(2000)).await;
    let items: Vec<BulkItem> = sim
        .revocable()
        .await
        .into_iter()
        .take(ANNOUNCED_N)
        .collect();
    assert_eq!(items.len(), ANNOUNCED_N, "seed too small");
    sim.control(
        "POST",
        "faults",
        json!({"kind": "rateLimit", "route": "pats.revoke", "ratePerSec": RATE_PER_SEC}),
    )
    .await;
    sim.control("DELETE", "requests", json!({})).await;
    let (t, s) = engine_run(&sim, items.clone(), 8).await;
    let lost_announced = lost(&sim, &items).await;
    let floor = ANNOUNCED_N as f64 / RATE_PER_SEC;
    let deletes: Vec<Value> = sim
        .requests()
        .await
        .into_iter()
        .filter(|r| r["route"] == "pats.revoke")
        .collect();
    let throttled = deletes.iter().filter(|r| r["status"] == 429).count();
    let ratio = t.as_secs_f64() / floor;
    println!("3. Bulk revoke of {ANNOUNCED_N} tokens at {RATE_PER_SEC} requests/s announced in headers (X-RateLimit-*; engine, concurrency 8)");
    // As in 2, the sliding window lets the first `rate` requests through at once.
    let server_floor = (ANNOUNCED_N as f64 - RATE_PER_SEC) / RATE_PER_SEC;
    println!(
        "   {:>7.2} s   N ÷ rate {floor:>6.2} s   {ratio:.3} × (target ≤ 1.1: {})   (N − rate) ÷ rate {server_floor:.2} s ({:.3} ×)   429s received {throttled} (target 0: {})   DELETEs {}   revoked {} / failed {} / lost {lost_announced}",
        t.as_secs_f64(),
        verdict(ratio <= 1.1),
        t.as_secs_f64() / server_floor,
        verdict(throttled == 0),
        deletes.len(),
        s.revoked + s.already_gone,
        s.failed,
    );
    drop(sim);
    println!();

    // ---- 4. listing 10,000 -----------------------------------------------------------------------------
    let sim = Sim::start(Seed::Large(LIST_N)).await;
    sim.control(
        "POST",
        "faults",
        json!({"kind": "latency", "route": "pats.list", "latencyMs": LATENCY_MS}),
    )
    .await;
    println!("4. Listing {LIST_N} tokens, {LATENCY_MS} ms injected latency per page (100 per page), child process");
    for mode in ["one-listing", "list-all", "one-listing-no-latency"] {
        if mode == "one-listing-no-latency" {
            sim.control("DELETE", "faults", json!({})).await;
        }
        sim.control("DELETE", "requests", json!({})).await;
        sim.control(
            "POST",
            "switches",
            json!({"listTenantWide": mode != "list-all"}),
        )
        .await;
        let out = tokio::process::Command::new(std::env::current_exe().unwrap())
            .arg("--child-list")
            .arg(mode.trim_end_matches("-no-latency"))
            .env("PATDESK_LOGIN_URL", sim.endpoints.login.as_str())
            .env("PATDESK_APP_VSSPS_URL", sim.endpoints.app_vssps.as_str())
            .env("PATDESK_VSSPS_URL", sim.endpoints.vssps.as_str())
            .env("PATDESK_DEV_URL", sim.endpoints.dev.as_str())
            .env("PATDESK_ACCESS_TOKEN", &sim.token)
            .output()
            .await
            .expect("child runs");
        let report: Value = match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(_) => {
                println!(
                    "   {mode}: the child failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
        };
        // Pages per listing (organization × filter), from the simulator's log.
        let mut listings: BTreeMap<(String, String), usize> = BTreeMap::new();
        for r in sim.requests().await {
            if r["route"] != "pats.list" {
                continue;
            }
            let query = r["query"].as_str().unwrap_or_default();
            let filter = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "displayFilterOption")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            *listings
                .entry((r["path"].as_str().unwrap_or_default().to_string(), filter))
                .or_default() += 1;
        }
        let pages: usize = listings.values().sum();
        let elapsed = report["elapsedMs"].as_f64().unwrap() / 1000.0;
        let seq_floor = pages as f64 * LATENCY_MS as f64 / 1000.0;
        let tokens = report["tokens"].as_u64().unwrap();
        let hwm_before = report["vmHwmKbBefore"].as_u64().unwrap_or(0) as f64 / 1024.0;
        let hwm_after = report["vmHwmKbAfter"].as_u64().unwrap_or(0) as f64 / 1024.0;
        match mode {
            "one-listing" => {
                println!(
                    "   one listing (list_pats, filter all, tenant-wide: one tenant's tokens): {tokens} tokens, {pages} pages, {elapsed:.2} s   floor pages × latency {seq_floor:.2} s   {:.3} × (target ≤ 1.1: {})   peak RSS {hwm_after:.1} MiB (before listing {hwm_before:.1} MiB)",
                    elapsed / seq_floor,
                    verdict(elapsed <= 1.1 * seq_floor),
                );
            }
            "one-listing-no-latency" => {
                println!(
                    "   the same one listing with no injected latency: {pages} pages, {elapsed:.2} s ({:.1} ms per page of simulator and client work)",
                    elapsed * 1000.0 / pages as f64,
                );
            }
            _ => {
                // list_all runs the listings 4 at a time (`buffered(4)`), pages of one listing in sequence.
                let chains: Vec<f64> = listings
                    .values()
                    .map(|p| *p as f64 * LATENCY_MS as f64 / 1000.0)
                    .collect();
                let crit = makespan(&chains, 4);
                println!(
                    "   every organization (list_all, filter all = active+expired+revoked listings of 3 orgs): {tokens} distinct tokens, {} listings, {pages} pages, {elapsed:.2} s   pages × latency {seq_floor:.2} s ({:.3} ×)   floor with 4 listings in parallel {crit:.2} s ({:.3} ×)   peak RSS {hwm_after:.1} MiB (before listing {hwm_before:.1} MiB)",
                    listings.len(),
                    elapsed / seq_floor,
                    elapsed / crit,
                );
            }
        }
    }
}

/// The shortest time `chains` (sequential work, seconds) can take on `slots` parallel slots when started in
/// order as slots free up, as `StreamExt::buffered` does.
fn makespan(chains: &[f64], slots: usize) -> f64 {
    let mut free = vec![0.0f64; slots.max(1)];
    for c in chains {
        let (i, start) = free
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        free[i] = start + c;
    }
    free.into_iter().fold(0.0, f64::max)
}

/// The listing child: lists and reports its time and its own peak memory as JSON on stdout.
async fn child_list() {
    let mode = std::env::args().nth(2).unwrap_or_default();
    let endpoints = Endpoints::from_env().expect("endpoints");
    let provider: Arc<dyn AccessTokenProvider> =
        Arc::new(StaticToken::from_env().expect("PATDESK_ACCESS_TOKEN"));
    let client = AzureDevOpsClient::new(endpoints, provider).expect("client");
    let profile = client.profile().await.expect("profile");
    let before = vm_hwm_kb();
    let started = Instant::now();
    let tokens = match mode.as_str() {
        "one-listing" => {
            // One listing holding every token of the tenant (the parent turned on the tenant-wide variant of
            // §11 #7), filter `all`: pages strictly one after another.
            let query = patdesk_core::client::ListQuery::with_filter(ListFilter::All);
            client
                .list_pats(&profile.organizations[0].name, &query)
                .await
                .expect("list")
                .len()
        }
        _ => client
            .list_all(&profile.organizations, ListFilter::All)
            .await
            .expect("list_all")
            .len(),
    };
    report(tokens, started.elapsed(), before);
}

fn report(tokens: usize, elapsed: Duration, before: Option<u64>) {
    println!(
        "{}",
        json!({
            "tokens": tokens,
            "elapsedMs": elapsed.as_secs_f64() * 1000.0,
            "vmHwmKbBefore": before,
            "vmHwmKbAfter": vm_hwm_kb(),
        })
    );
}

/// Peak resident set size of this process (`VmHWM` in /proc/self/status), in KiB.
fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!(
        "{cores} cores (nproc), {cpu}, {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    )
}
