//! Set-up shared by PAT Desk's test suites (the core's, the CLI's, the simulator's and the shell's), so each
//! of them starts a simulator, talks to its `/_sim/` control routes and names the seed's organizations the
//! same way instead of keeping a copy of its own.
//!
//! Only set-up lives here; every assertion about the product stays in the suite that makes it. Helpers that
//! need the core (its client, its endpoints) stay in the core's tests, so the simulator's tests never build
//! the core. A dev-dependency only: nothing here ships.

pub mod keyring;
pub mod tls;

use patdesk_sim::{Seed, SimOptions, Simulator};
use reqwest::Method;
use serde_json::{json, Value};

/// The demo user's home organization in the simulator's seed.
pub const CONTOSO_WEB: &str = "contoso-web";
/// A second organization of the demo user's home tenant.
pub const CONTOSO_DATA: &str = "contoso-data";
/// The demo user's home tenant (Contoso) in the simulator's seed.
pub const CONTOSO_TENANT: &str = "3f2b8c1e-5a47-4d2e-9b1c-7e6d5a4b3c21";
/// The tenant of the demo user's guest organization `fabrikam-tools` (the simulator's seed).
pub const FABRIKAM_TENANT: &str = "8e1d4a7b-2c3f-4b5a-a6d9-0f1e2d3c4b5a";

/// The fixed "now" of the suites that pin the simulator's clock: a day after the 2026-12-01 global-PAT
/// retirement, so no test depends on the day it runs (the suites also run under `faketime` a year ahead and
/// behind). See [`TestSim::start_at_test_now`].
pub fn test_now() -> chrono::DateTime<chrono::Utc> {
    date("2026-12-02T09:00:00Z")
}

/// An RFC 3339 date as UTC.
pub fn date(iso: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .unwrap_or_else(|e| panic!("{iso} is not an RFC 3339 date: {e}"))
        .with_timezone(&chrono::Utc)
}

/// This computer's own IPv4 address on its network (not loopback): the source address of its default route,
/// or else the first address `hostname -I` names. The tests of "a server on another computer" listen there,
/// since any address of this machine's own network card reaches it without leaving it.
pub fn this_computers_address() -> std::net::IpAddr {
    use std::net::{IpAddr, UdpSocket};
    // Connecting a UDP socket sends nothing; it only picks the route and so the local address.
    let routed = UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("198.51.100.1:9").map(|_| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .ok();
    let listed = || {
        let out = std::process::Command::new("hostname")
            .arg("-I")
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|w| w.parse::<IpAddr>().ok())
            .find(|ip| ip.is_ipv4() && !ip.is_loopback())
    };
    routed
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
        .or_else(listed)
        .expect("this computer needs a network address other than loopback (a network card with an IPv4 address) for the tests of a server on another computer")
}

/// A reqwest client that never follows redirects: a test sees each `302` (an authorize answer, a sign-in
/// page's redirect) itself, as a browser's first request would.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

/// A simulator running on loopback for one test, with a client for its control routes. It stops when this
/// is dropped.
pub struct TestSim {
    pub sim: Simulator,
    /// Never follows redirects ([`http_client`]).
    pub http: reqwest::Client,
    /// The simulator's base URL, `http://127.0.0.1:PORT`.
    pub base: String,
}

impl TestSim {
    /// A simulator started with exactly these options (its clock is the machine's unless
    /// [`SimOptions::start_at`] is set).
    pub async fn start(opts: SimOptions) -> TestSim {
        let sim = Simulator::start(opts).await.expect("simulator starts");
        let base = sim.base_url();
        TestSim {
            sim,
            http: http_client(),
            base,
        }
    }

    /// [`TestSim::start`] on this computer's network address ([`this_computers_address`]) instead of loopback:
    /// to PAT Desk, a server on another computer (its `http://` is not exempt as loopback is), while the
    /// packets still never leave this machine.
    pub async fn start_on_network(opts: SimOptions) -> TestSim {
        let addr = std::net::SocketAddr::new(this_computers_address(), 0);
        let sim = Simulator::start_on(addr, opts)
            .await
            .expect("simulator starts on the network address");
        let base = sim.base_url();
        TestSim {
            sim,
            http: http_client(),
            base,
        }
    }

    /// [`TestSim::start`] with this seed and the other options at their defaults.
    pub async fn seeded(seed: Seed) -> TestSim {
        TestSim::start(SimOptions {
            seed,
            ..SimOptions::default()
        })
        .await
    }

    /// [`TestSim::start`] with the simulator's clock starting at [`test_now`], unless the options set their
    /// own [`SimOptions::start_at`].
    pub async fn start_at_test_now(mut opts: SimOptions) -> TestSim {
        opts.start_at.get_or_insert_with(test_now);
        TestSim::start(opts).await
    }

    /// A call to a control route (`/_sim/{path}`); it must succeed. Returns the JSON answer (`null` when
    /// there is none).
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}/_sim/{}", self.base, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("control route reachable");
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "control {path} failed: {status} {v}");
        v
    }

    /// Adds a fault rule (`POST /_sim/faults`).
    pub async fn fault(&self, rule: Value) {
        self.control(Method::POST, "faults", Some(rule)).await;
    }

    /// Removes every fault rule.
    pub async fn clear_faults(&self) {
        self.control(Method::DELETE, "faults", None).await;
    }

    /// Sets organization policies (`POST /_sim/policies`).
    pub async fn policies(&self, body: Value) {
        self.control(Method::POST, "policies", Some(body)).await;
    }

    /// Sets behaviour switches (`POST /_sim/switches`).
    pub async fn switches(&self, body: Value) {
        self.control(Method::POST, "switches", Some(body)).await;
    }

    /// The simulator's whole state (`GET /_sim/state`).
    pub async fn state(&self) -> Value {
        self.control(Method::GET, "state", None).await
    }

    /// Every request the simulator has recorded, oldest first.
    pub async fn requests(&self) -> Vec<Value> {
        match self.control(Method::GET, "requests", None).await {
            Value::Array(a) => a,
            other => panic!("requests: {other}"),
        }
    }

    /// Forgets the recorded requests.
    pub async fn clear_requests(&self) {
        self.control(Method::DELETE, "requests", None).await;
    }

    /// Recorded requests on one route (`pats.create`, …).
    pub async fn count_route(&self, route: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r["route"].as_str() == Some(route))
            .count()
    }

    /// Tokens in the simulator's state with this display name.
    pub async fn tokens_named(&self, name: &str) -> Vec<Value> {
        let st = self.state().await;
        st["tokens"]
            .as_array()
            .expect("state has tokens")
            .iter()
            .filter(|t| t["displayName"].as_str() == Some(name))
            .cloned()
            .collect()
    }

    /// Sets the simulator's "now" (`POST /_sim/clock` with `now`); its clock runs on from there.
    pub async fn set_clock(&self, now: chrono::DateTime<chrono::Utc>) -> Value {
        self.control(
            Method::POST,
            "clock",
            Some(json!({ "now": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) })),
        )
        .await
    }

    /// Moves the simulator's clock `seconds` away from its start-up clock (`POST /_sim/clock` with
    /// `offsetSeconds`).
    pub async fn shift_clock(&self, seconds: i64) -> Value {
        self.control(
            Method::POST,
            "clock",
            Some(json!({ "offsetSeconds": seconds })),
        )
        .await
    }
}

/// Waits up to `wait` for the process `pid` to end — gone from `/proc`, or a zombie left for whoever reaps
/// orphans here. `Err` holds its last `/proc/<pid>/stat` when it still runs.
#[cfg(unix)]
pub fn wait_for_process_end(pid: &str, wait: std::time::Duration) -> Result<(), String> {
    let stat = format!("/proc/{}/stat", pid.trim());
    let until = std::time::Instant::now() + wait;
    loop {
        match std::fs::read_to_string(&stat) {
            Err(_) => return Ok(()),
            Ok(s)
                if s.rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('Z')) =>
            {
                return Ok(())
            }
            Ok(s) if std::time::Instant::now() > until => return Err(s),
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}
