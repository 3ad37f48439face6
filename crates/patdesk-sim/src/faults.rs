//! Faults injected on demand (`POST /_sim/faults`, `SimOptions::faults`, the binary's flags): latency,
//! throttling (§2.15), error statuses, hung and reset connections, malformed bodies, the `203` sign-in page and
//! transient `patTokenError` values (§13 items 27, 29, 30). The client's resilience tests are built on these.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::state::{ActiveFault, SimState};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// Delays the response by `latencyMs`.
    Latency,
    /// Answers `429` beyond `ratePerSec` requests in a sliding one-second window. While the rule is active,
    /// every answer it lets through announces the limit (`X-RateLimit-Limit`, `-Remaining`, `-Reset`, §2.15)
    /// unless `announce` is `false`; with `maxDelayMs`, a request beyond the rate is first held until the window
    /// has room (answered with `X-RateLimit-Delay` and `Retry-After`), and refused only when that would take
    /// longer.
    RateLimit,
    /// Answers `status` with a VSS JSON (or Entra) error body.
    Status,
    /// Holds the request for 120 s, then drops the connection.
    Timeout,
    /// Resets the connection without a response.
    Reset,
    /// Answers `200` with a truncated JSON body.
    MalformedJson,
    /// Answers `203` with the HTML sign-in page.
    Html203,
    /// Answers `200` with `patTokenError` = `patError` (PAT routes).
    PatError,
    /// Answers `200` with a JSON body of `sizeBytes` (default 17 MiB), more than a client should ever read of
    /// one answer, streamed in 64 KiB chunks without a `Content-Length` (so a client cannot refuse it by its
    /// header alone).
    OversizedBody,
}

/// The size of an [`FaultKind::OversizedBody`] answer when the rule gives none: 17 MiB.
pub const OVERSIZED_BODY_BYTES: u64 = 17 * 1024 * 1024;

/// One fault rule. All fields except `kind` are optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    pub kind: FaultKind,
    /// `pats.list`, `pats.get`, `pats.create`, `pats.update`, `pats.revoke`, `profile`, `accounts`,
    /// `connectionData`, `discovery`, `entra.authorize`, `entra.token`, `entra.devicecode`, or `*` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_sec: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Share of matching requests hit (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// Hit only the next N matching requests, then expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Only requests about this token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pat_error: Option<String>,
    /// For `status`, `timeout`, `reset` and `malformedJson`: perform the real operation first, then fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_effect: Option<bool>,
    /// For `rateLimit`: announce the limit on the answers it lets through, as Azure DevOps does (§2.15).
    /// Default `true`; `false` leaves only the `429` to tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announce: Option<bool>,
    /// For `rateLimit`: hold a request beyond the rate up to this long until the window has room, before
    /// refusing it with `429` ("first delayed, then blocked", §2.15). Default 0: refused at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_ms: Option<u64>,
    /// For `oversizedBody`: the body's size in bytes (default [`OVERSIZED_BODY_BYTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
}

impl FaultRule {
    /// A rule of the given kind on every route.
    pub fn new(kind: FaultKind) -> Self {
        FaultRule {
            kind,
            route: None,
            latency_ms: None,
            rate_per_sec: None,
            status: None,
            ratio: None,
            count: None,
            authorization_id: None,
            pat_error: None,
            after_effect: None,
            announce: None,
            max_delay_ms: None,
            size_bytes: None,
        }
    }

    fn matches(&self, route: &str, authorization_id: Option<&str>) -> bool {
        let route_ok = match self.route.as_deref() {
            None | Some("*") | Some("") => true,
            Some(r) if r.ends_with(".*") => route.starts_with(&r[..r.len() - 1]),
            Some(r) => r.eq_ignore_ascii_case(route),
        };
        let id_ok = match &self.authorization_id {
            None => true,
            Some(want) => authorization_id.is_some_and(|a| a.eq_ignore_ascii_case(want)),
        };
        route_ok && id_ok
    }
}

/// A `429` decided by a rate-limit rule.
#[derive(Debug, Clone)]
pub struct Throttle {
    pub retry_after_secs: u64,
    pub limit: f64,
    pub reset_epoch: i64,
}

/// The rate limit announced on an answer a rate-limit rule let through (§2.15).
#[derive(Debug, Clone, PartialEq)]
pub struct Announcement {
    pub limit: f64,
    /// Requests left in the window after this one.
    pub remaining: f64,
    /// Unix time (on the simulator's clock, to the millisecond) at which the window is empty again.
    pub reset_epoch: f64,
    /// How long this request was held back, when it was.
    pub delay: Option<Duration>,
    /// Sent with a held-back request: whole seconds until the window has room again.
    pub retry_after_secs: Option<u64>,
}

/// What the faults decided for one request.
#[derive(Debug, Default)]
pub struct FaultPlan {
    pub latency: Duration,
    pub throttle: Option<Throttle>,
    pub terminal: Option<FaultRule>,
    /// Headers announcing the rate limit, for an answer that is not throttled.
    pub announce: Option<Announcement>,
}

/// Evaluates every rule against one request, consuming counts and rate-limit budget.
pub fn plan(state: &mut SimState, route: &str, authorization_id: Option<&str>) -> FaultPlan {
    let mut out = FaultPlan::default();
    let now = Instant::now();
    let epoch = sim_epoch(state);
    let epoch_ms = state.now().timestamp_millis();
    // An instant as Unix time on the simulator's clock, rounded up to the millisecond.
    let epoch_at = |at: Instant| {
        let ahead = at.saturating_duration_since(now).as_secs_f64();
        ((epoch_ms as f64 / 1000.0 + ahead) * 1000.0).ceil() / 1000.0
    };
    let mut rng = rand::thread_rng();
    for f in state.faults.iter_mut() {
        if f.remaining == Some(0) || !f.rule.matches(route, authorization_id) {
            continue;
        }
        let ratio = f.rule.ratio.unwrap_or(1.0);
        if ratio < 1.0 && rng.gen::<f64>() >= ratio {
            continue;
        }
        let hit = match f.rule.kind {
            FaultKind::Latency => {
                out.latency += Duration::from_millis(f.rule.latency_ms.unwrap_or(50));
                true
            }
            FaultKind::RateLimit => {
                let limit = f.rule.rate_per_sec.unwrap_or(20.0).max(0.001);
                let window = Duration::from_secs(1);
                // The instants requests count from, in order; a held-back request's lies ahead.
                while f
                    .window
                    .front()
                    .is_some_and(|t| now.saturating_duration_since(*t) >= window)
                {
                    f.window.pop_front();
                }
                let announce = f.rule.announce.unwrap_or(true);
                let max_delay = Duration::from_millis(f.rule.max_delay_ms.unwrap_or(0));
                // The window has room again once enough of its oldest entries have left it.
                let room_at = |w: &VecDeque<Instant>| match (w.len() + 1)
                    .saturating_sub(limit.ceil() as usize)
                {
                    0 => now,
                    must_leave => w[must_leave - 1] + window,
                };
                let wait = room_at(&f.window).saturating_duration_since(now);
                if wait.is_zero() {
                    count_at(&mut f.window, now);
                    if announce && out.announce.is_none() {
                        let newest = f.window.back().copied().unwrap_or(now);
                        out.announce = Some(Announcement {
                            limit,
                            remaining: (limit - f.window.len() as f64).floor().max(0.0),
                            reset_epoch: epoch_at(newest + window),
                            delay: None,
                            retry_after_secs: None,
                        });
                    }
                    false
                } else if wait <= max_delay && out.throttle.is_none() {
                    // First delayed: the request counts from when the window has room, and is answered then.
                    let room = now + wait;
                    count_at(&mut f.window, room);
                    out.latency += wait;
                    let again = room_at(&f.window).saturating_duration_since(room);
                    out.announce = Some(Announcement {
                        limit,
                        remaining: 0.0,
                        reset_epoch: epoch_at(f.window.back().copied().unwrap_or(room) + window),
                        delay: Some(wait),
                        retry_after_secs: Some(again.as_secs_f64().ceil().max(1.0) as u64),
                    });
                    true
                } else if out.throttle.is_none() {
                    // Then blocked.
                    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
                    out.throttle = Some(Throttle {
                        retry_after_secs: secs,
                        limit,
                        reset_epoch: epoch + secs as i64,
                    });
                    true
                } else {
                    true
                }
            }
            _ => {
                if out.terminal.is_none() && out.throttle.is_none() {
                    out.terminal = Some(f.rule.clone());
                    true
                } else {
                    false
                }
            }
        };
        if hit {
            if let Some(r) = f.remaining.as_mut() {
                *r = r.saturating_sub(1);
            }
        }
    }
    state.faults.retain(|f| f.remaining != Some(0));
    out
}

/// Counts a request from `at` in a rate-limit window, keeping the window in order.
fn count_at(window: &mut VecDeque<Instant>, at: Instant) {
    let pos = window.partition_point(|t| *t <= at);
    window.insert(pos, at);
}

fn sim_epoch(state: &SimState) -> i64 {
    state.now().timestamp()
}

/// Adds a rule and returns its id.
pub fn add(state: &mut SimState, rule: FaultRule) -> u64 {
    state.next_fault_id += 1;
    let id = state.next_fault_id;
    state.faults.push(ActiveFault {
        id,
        remaining: rule.count,
        rule,
        window: VecDeque::new(),
    });
    id
}
