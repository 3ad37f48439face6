//! Slowing down before the server says `429` (contract §2.15).
//!
//! Azure DevOps announces its rate limit on ordinary answers, not only on refusals: `X-RateLimit-Limit`,
//! `-Remaining` and `-Reset` while usage is high, and `X-RateLimit-Delay` (with `Retry-After`) on a request it
//! held back. Waiting for the `429` wastes the refused requests and stalls a whole bulk revoke for the
//! `Retry-After`; reading the announcements lets PAT Desk stay just under the limit instead.
//!
//! This is the one place that reads those headers and decides what they mean for the next request:
//! [`RateLimit`] is what one answer announced, and [`Pacer`] turns the announcements of a stream of requests
//! into "send now", "wait for an answer" or "wait until then". The bulk-revoke engine drives a [`Pacer`] from
//! its own launch loop; the client's reads (listing) share one through [`SharedPacer`]. The waits it imposes
//! come from the core's one back-off ([`super::backoff`], [`super::rate_limit_wait`]).
//!
//! The pacer counts requests: each is taken to use one unit of `X-RateLimit-Remaining`. That is exactly what the
//! simulator does; Azure DevOps counts "TSTUs" per request, which the headers do not break down, so a real
//! server may still delay a request now and then, which the pacer then also honours. Every header is
//! optional: with none, nothing is paced.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::backoff::{backoff, rate_limit_wait, DEFAULT_RATE_LIMIT_WAIT};
use super::header_str;

/// What one answer announced about the rate limit (§2.15). Every field is optional: servers send some, all or
/// none of the headers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: how much may be used before the server delays or refuses.
    pub limit: Option<f64>,
    /// `X-RateLimit-Remaining`: how much is left before that (0 once requests are being delayed).
    pub remaining: Option<f64>,
    /// Time from the answer until `X-RateLimit-Reset`, when the server's usage is back to zero.
    pub reset_in: Option<Duration>,
    /// `Retry-After` on an answer that is not a refusal: the server delayed the request and asks for a pause.
    pub retry_after: Option<Duration>,
    /// `X-RateLimit-Delay`: how long the server held this request back.
    pub delay: Option<Duration>,
}

/// How far apart the server's `Date` and our clock may be and still be read as one clock: `Date` has whole
/// seconds, and the answer took a moment to arrive.
const SAME_CLOCK: chrono::Duration = chrono::Duration::milliseconds(1_100);

/// The first wait before sending one request alone when the room is used up and no reset was announced; it
/// doubles (with jitter) while the answers still show no room.
const PROBE_BACKOFF: Duration = Duration::from_millis(100);

impl RateLimit {
    /// The announcement in `headers`, or `None` when there is none.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        Self::from_headers_at(headers, Utc::now())
    }

    /// [`Self::from_headers`], with our clock's "now" given. Reads what a server sent: any value, however large
    /// or malformed, is ignored or read as a wait of at most [`super::MAX_SERVER_WAIT`], never a panic.
    ///
    /// Numbers may be integers or have decimals. `Retry-After` may be delta-seconds or an HTTP-date (§11 #23).
    /// `X-RateLimit-Reset` is a time on the server's clock: it is read against ours when the answer's `Date`
    /// agrees with ours (to `Date`'s whole seconds), and against `Date` otherwise, which errs on the side of
    /// waiting up to a second longer rather than resuming early.
    pub fn from_headers_at(headers: &HeaderMap, now: DateTime<Utc>) -> Option<RateLimit> {
        let number = |name: &str| {
            header_str(headers, name)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let server_now = match header_str(headers, "date")
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.with_timezone(&Utc))
        {
            Some(date) if now >= date && now - date < SAME_CLOCK => now,
            Some(date) => date,
            None => now,
        };
        // Every wait through `server_wait`: at most an hour, whatever the server sent (`1e30` included).
        let reset_in = number("x-ratelimit-reset").and_then(|epoch| {
            let wait = epoch - server_now.timestamp_millis() as f64 / 1000.0;
            super::server_wait(wait.max(0.0))
        });
        let rate = RateLimit {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            reset_in,
            retry_after: super::retry_after_header(headers, now),
            delay: number("x-ratelimit-delay").and_then(super::server_wait),
        };
        (rate != RateLimit::default()).then_some(rate)
    }
}

/// What a [`Pacer`] allows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Send.
    Go,
    /// Send nothing before this instant.
    WaitUntil(Instant),
    /// The announced room is taken by requests still on their way: wait for one of their answers.
    WaitForAnswer,
}

/// A request a [`Pacer`] let go; hand it back with its answer ([`Pacer::answered`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// Answers the pacer had received when this request was sent.
    answers_before: u64,
}

/// Paces a stream of requests by what their answers announce. Call [`Pacer::poll`] before sending,
/// [`Pacer::sent`] when sending, and [`Pacer::answered`] (or [`Pacer::abandoned`]) for every request sent.
///
/// Answers may overtake each other and requests may reach the server in any order, so no single answer says
/// how much room is left now. Two bounds that never overestimate it are kept, and the larger is used:
///
/// * the lowest `X-RateLimit-Remaining` of this window less every request still on its way: the lowest comes
///   from the last request the server counted among those answered, so every request it counted later is
///   still on its way. Once every answer is in, this is exact;
/// * the latest answer's `X-RateLimit-Remaining` less every request that may have been counted after it: those
///   still on their way and those answered since it was sent (a request counted after it was counted after it
///   was sent, so its answer came later). This one can grow again as the server's window slides, and it is
///   exact for a request sent alone.
///
/// When the room is used up and nothing is on its way, everything waits until the announced
/// `X-RateLimit-Reset` (the server's usage is back to zero, so the next window starts with the full
/// `X-RateLimit-Limit`), or, without a reset, one request is sent alone after a back-off to see. A delayed answer's
/// `Retry-After` pauses everything for that long.
#[derive(Debug, Clone)]
pub struct Pacer {
    /// Requests sent.
    sent: u64,
    /// Requests answered or abandoned.
    answered: u64,
    /// The lowest `X-RateLimit-Remaining` announced in this window (`None`: nothing announced).
    lowest: Option<f64>,
    /// The latest answer's bound on the room, plus every request sent so far (`None`: nothing announced).
    level: Option<f64>,
    /// Send nothing before this: the announced reset once the room is used up, a `Retry-After`, a probe's wait.
    hold_until: Option<Instant>,
    /// The hold ends at the server's reset: the next window starts with the full limit.
    fresh_window_after_hold: bool,
    /// The latest `X-RateLimit-Reset` announced in this window (the last request counted empties it last).
    reset_at: Option<Instant>,
    /// The last `X-RateLimit-Limit` announced.
    limit: Option<f64>,
    /// Answers in a row that found the room used up with no reset announced (spaces the probes).
    probes: u32,
    /// Longest wait honoured, so a bogus header cannot stall PAT Desk for hours.
    max_hold: Duration,
}

impl Pacer {
    pub fn new(max_hold: Duration) -> Self {
        Pacer {
            sent: 0,
            answered: 0,
            lowest: None,
            level: None,
            hold_until: None,
            fresh_window_after_hold: false,
            reset_at: None,
            limit: None,
            probes: 0,
            max_hold,
        }
    }

    /// Whether a request may be sent at `now`.
    pub fn poll(&mut self, now: Instant) -> Pace {
        if let Some(until) = self.hold_until {
            if now < until {
                return Pace::WaitUntil(until);
            }
            self.hold_until = None;
            if std::mem::take(&mut self.fresh_window_after_hold) {
                // The server's usage is back to zero.
                self.lowest = self.limit;
                self.level = self.limit.map(|limit| limit + self.sent as f64);
                self.reset_at = None;
            }
        }
        match self.room() {
            // With nothing on its way, the hold set by the last answer is over: one request goes alone.
            Some(room) if room < 1.0 && self.in_flight() > 0 => Pace::WaitForAnswer,
            _ => Pace::Go,
        }
    }

    /// A request is being sent.
    pub fn sent(&mut self) -> Sent {
        self.sent += 1;
        Sent {
            answers_before: self.answered,
        }
    }

    /// A request sent earlier will never be answered (its future was dropped). The server may have counted
    /// it, and it stays counted.
    pub fn abandoned(&mut self, now: Instant) {
        self.answered += 1;
        for bound in [&mut self.lowest, &mut self.level].into_iter().flatten() {
            *bound -= 1.0;
        }
        self.hold_if_used_up(now);
    }

    /// A request was answered at `now`; `rate` is what its answer announced, if anything.
    pub fn answered(&mut self, request: Sent, rate: Option<&RateLimit>, now: Instant) {
        // Answers that arrived since this request was sent, itself not included.
        let since = self.answered.saturating_sub(request.answers_before) as f64;
        self.answered += 1;
        let Some(rate) = rate else {
            return;
        };
        if rate.limit.is_some() {
            self.limit = rate.limit;
        }
        // A delayed request means the server is already over its threshold, whatever else it says.
        let delayed = rate.delay.is_some_and(|d| !d.is_zero());
        let remaining = if delayed { Some(0.0) } else { rate.remaining };
        if let Some(remaining) = remaining {
            self.lowest = Some(
                self.lowest
                    .map_or(remaining, |lowest| lowest.min(remaining)),
            );
            // room = remaining − since − in flight, and in flight = sent − answered.
            self.level = Some(remaining - since + self.answered as f64);
        }
        if let Some(reset) = rate.reset_in {
            let at = now + reset.min(self.max_hold);
            self.reset_at = Some(self.reset_at.map_or(at, |r| r.max(at)));
        }
        if let Some(wait) = rate.retry_after {
            let wait = rate_limit_wait(Some(wait), DEFAULT_RATE_LIMIT_WAIT, self.max_hold);
            self.hold(now + wait, false);
        }
        self.hold_if_used_up(now);
    }

    /// Requests sent and not answered yet.
    pub fn in_flight(&self) -> u64 {
        self.sent - self.answered
    }

    /// How many more requests the server has room for (`None`: nothing announced).
    pub fn room(&self) -> Option<f64> {
        let by_lowest = self.lowest.map(|lowest| lowest - self.in_flight() as f64);
        let by_latest = self.level.map(|level| level - self.sent as f64);
        match (by_lowest, by_latest) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Once the room is used up and every answer is in (answers still coming may show that more is left), wait
    /// for the announced reset; without one, wait a back-off and then try one request alone.
    fn hold_if_used_up(&mut self, now: Instant) {
        if self.in_flight() > 0 {
            return;
        }
        if !self.room().is_some_and(|room| room < 1.0) {
            self.probes = 0;
            return;
        }
        match self.reset_at.filter(|at| *at > now) {
            Some(at) => {
                self.probes = 0;
                self.hold(at, true);
            }
            None => {
                self.probes += 1;
                let wait = backoff(PROBE_BACKOFF, self.max_hold, self.probes);
                self.hold(now + wait, false);
            }
        }
    }

    fn hold(&mut self, until: Instant, until_reset: bool) {
        match self.hold_until {
            Some(h) if h > until => {}
            Some(h) if h == until => self.fresh_window_after_hold |= until_reset,
            _ => {
                self.hold_until = Some(until);
                self.fresh_window_after_hold = until_reset;
            }
        }
    }
}

/// A [`Pacer`] shared by concurrent requests (the client's reads): [`SharedPacer::admit`] waits until the
/// request may go.
#[derive(Debug)]
pub struct SharedPacer {
    pacer: Mutex<Pacer>,
    answered: Notify,
}

impl SharedPacer {
    pub fn new(max_hold: Duration) -> Self {
        SharedPacer {
            pacer: Mutex::new(Pacer::new(max_hold)),
            answered: Notify::new(),
        }
    }

    /// Waits until a request may be sent, then counts it as sent. Report its answer through the ticket.
    pub async fn admit(&self) -> PaceTicket<'_> {
        loop {
            let answered = self.answered.notified();
            tokio::pin!(answered);
            // Registered before looking, so an answer arriving in between is not missed.
            answered.as_mut().enable();
            let pace = {
                let mut pacer = self.lock();
                match pacer.poll(Instant::now()) {
                    Pace::Go => Ok(pacer.sent()),
                    other => Err(other),
                }
            };
            match pace {
                Ok(request) => {
                    return PaceTicket {
                        pacer: self,
                        request: Some(request),
                    }
                }
                Err(Pace::WaitUntil(until)) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(until) => {}
                        _ = answered => {}
                    }
                }
                Err(_) => answered.await,
            }
        }
    }

    /// The room the server has left, as far as the answers so far tell.
    pub fn room(&self) -> Option<f64> {
        self.lock().room()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.pacer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One request admitted by a [`SharedPacer`]. Dropping it without [`PaceTicket::answered`] counts the request as
/// abandoned.
#[derive(Debug)]
pub struct PaceTicket<'a> {
    pacer: &'a SharedPacer,
    request: Option<Sent>,
}

impl PaceTicket<'_> {
    /// The request was answered; `rate` is what the answer announced.
    pub fn answered(mut self, rate: Option<&RateLimit>) {
        if let Some(request) = self.request.take() {
            self.pacer.lock().answered(request, rate, Instant::now());
            self.pacer.answered.notify_waiters();
        }
    }
}

impl Drop for PaceTicket<'_> {
    fn drop(&mut self) {
        if self.request.take().is_some() {
            self.pacer.lock().abandoned(Instant::now());
            self.pacer.answered.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T20:00:00.250Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn announced(remaining: f64, reset_in_ms: u64) -> RateLimit {
        RateLimit {
            limit: Some(20.0),
            remaining: Some(remaining),
            reset_in: Some(Duration::from_millis(reset_in_ms)),
            ..RateLimit::default()
        }
    }

    #[test]
    fn reads_the_headers() {
        assert_eq!(RateLimit::from_headers_at(&HeaderMap::new(), now()), None);
        let reset = format!("{:.3}", now().timestamp_millis() as f64 / 1000.0 + 0.75);
        let r = RateLimit::from_headers_at(
            &headers(&[
                ("x-ratelimit-limit", "20"),
                ("x-ratelimit-remaining", "3"),
                ("x-ratelimit-reset", &reset),
                ("x-ratelimit-delay", "0.125"),
                ("retry-after", "2"),
                ("date", "Mon, 23 Nov 2026 20:00:00 GMT"),
            ]),
            now(),
        )
        .unwrap();
        assert_eq!(r.limit, Some(20.0));
        assert_eq!(r.remaining, Some(3.0));
        assert_eq!(r.reset_in, Some(Duration::from_millis(750)));
        assert_eq!(r.delay, Some(Duration::from_millis(125)));
        assert_eq!(r.retry_after, Some(Duration::from_secs(2)));
    }

    #[test]
    fn huge_or_endless_waits_are_an_hour_at_most_never_a_panic() {
        let hour = Duration::from_secs(3600);
        for value in ["1e30", "1e308", "18446744073709551616"] {
            let r = RateLimit::from_headers_at(
                &headers(&[
                    ("x-ratelimit-reset", value),
                    ("x-ratelimit-delay", value),
                    ("retry-after", value),
                ]),
                now(),
            )
            .unwrap();
            assert_eq!(r.reset_in, Some(hour), "{value}");
            assert_eq!(r.delay, Some(hour), "{value}");
            assert_eq!(r.retry_after, Some(hour), "{value}");
        }
        // Endless is no number (ignored), but an endless Retry-After is an hour; negative is no wait.
        let r = RateLimit::from_headers_at(
            &headers(&[
                ("x-ratelimit-reset", "inf"),
                ("x-ratelimit-delay", "inf"),
                ("retry-after", "inf"),
            ]),
            now(),
        )
        .unwrap();
        assert_eq!(
            (r.reset_in, r.delay, r.retry_after),
            (None, None, Some(hour))
        );
        let r = RateLimit::from_headers_at(
            &headers(&[("x-ratelimit-delay", "-1"), ("retry-after", "-1")]),
            now(),
        );
        assert_eq!(r, None);
        // The pacer holds for an hour at most, too.
        let mut pacer = Pacer::new(Duration::from_secs(24 * 3600));
        let start = Instant::now();
        let sent = pacer.sent();
        let announced = RateLimit::from_headers_at(
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1e30"),
            ]),
            now(),
        );
        pacer.answered(sent, announced.as_ref(), start);
        match pacer.poll(start) {
            Pace::WaitUntil(until) => assert!(until <= start + hour),
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    #[test]
    fn tolerates_every_form_and_ignores_garbage() {
        // Integer Reset and Delay, fractional Remaining (TSTUs), Retry-After as an HTTP-date.
        let reset = (now().timestamp() + 3).to_string();
        let r = RateLimit::from_headers_at(
            &headers(&[
                ("x-ratelimit-remaining", "12.5"),
                ("x-ratelimit-reset", &reset),
                ("x-ratelimit-delay", "1"),
                ("retry-after", "Mon, 23 Nov 2026 20:00:10 GMT"),
            ]),
            now(),
        )
        .unwrap();
        assert_eq!(r.remaining, Some(12.5));
        assert_eq!(r.reset_in, Some(Duration::from_millis(2_750)));
        assert_eq!(r.delay, Some(Duration::from_secs(1)));
        assert_eq!(r.retry_after, Some(Duration::from_millis(9_750)));
        assert_eq!(r.limit, None);
        // A reset already past is no wait at all.
        let past = (now().timestamp() - 10).to_string();
        let r = RateLimit::from_headers_at(&headers(&[("x-ratelimit-reset", &past)]), now());
        assert_eq!(r.unwrap().reset_in, Some(Duration::ZERO));
        // Garbage, negative numbers and unreadable dates are ignored, never read as zero.
        for (name, value) in [
            ("x-ratelimit-remaining", "lots"),
            ("x-ratelimit-limit", "-5"),
            ("x-ratelimit-reset", "NaN"),
            ("retry-after", "soon"),
            ("x-ratelimit-resource", "ATCli/Throughput"),
        ] {
            assert_eq!(
                RateLimit::from_headers_at(&headers(&[(name, value)]), now()),
                None,
                "{name}: {value}"
            );
        }
    }

    #[test]
    fn reset_is_read_against_the_servers_date_when_the_clocks_disagree() {
        // The server's clock is a year ahead: its Reset, 2 s after its Date, is 2 s away (not a year).
        for server_now in [
            now() + chrono::Duration::days(365),
            now() - chrono::Duration::days(365),
        ] {
            let reset = (server_now.timestamp() + 2).to_string();
            let date = server_now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            let r = RateLimit::from_headers_at(
                &headers(&[("x-ratelimit-reset", &reset), ("date", &date)]),
                now(),
            )
            .unwrap();
            assert_eq!(r.reset_in, Some(Duration::from_secs(2)));
        }
    }

    #[test]
    fn without_announcements_everything_goes() {
        let t0 = Instant::now();
        let mut p = Pacer::new(Duration::from_secs(300));
        let mut sent = Vec::new();
        for _ in 0..100 {
            assert_eq!(p.poll(t0), Pace::Go);
            sent.push(p.sent());
        }
        for request in sent {
            p.answered(request, None, t0);
        }
        assert_eq!(p.in_flight(), 0);
        assert_eq!(p.room(), None);
        assert_eq!(p.poll(t0), Pace::Go);
    }

    #[test]
    fn never_sends_more_than_the_room_left_then_waits_for_the_reset() {
        let t0 = Instant::now();
        let mut p = Pacer::new(Duration::from_secs(300));
        // 8 sent at once; the first answer back was the last counted: 12 left, and the 7 others on their way
        // are taken as not counted yet: room for 5 more.
        let mut first: Vec<Sent> = (0..8)
            .map(|_| {
                assert_eq!(p.poll(t0), Pace::Go);
                p.sent()
            })
            .collect();
        p.answered(first.pop().unwrap(), Some(&announced(12.0, 900)), t0);
        let mut second = Vec::new();
        while p.poll(t0) == Pace::Go {
            second.push(p.sent());
        }
        assert_eq!(second.len(), 5);
        assert_eq!(p.poll(t0), Pace::WaitForAnswer);
        // An older answer (counted first, 19 left then): every request but it may have been counted since,
        // the one answered meanwhile and the 11 on their way: 19 − 1 − 11 = 7, which is also 12 − 5.
        p.answered(first.pop().unwrap(), Some(&announced(19.0, 400)), t0);
        assert_eq!(p.room(), Some(7.0));
        // The last of the room is announced used up: once every answer is in, everything waits for the latest
        // reset announced.
        for request in first.drain(..).chain(second.drain(..)) {
            p.answered(request, Some(&announced(0.0, 950)), t0);
            assert_ne!(p.poll(t0), Pace::Go);
        }
        let until = t0 + Duration::from_millis(950);
        assert_eq!(
            p.poll(t0 + Duration::from_millis(900)),
            Pace::WaitUntil(until)
        );
        // After the reset: a fresh window of the announced limit.
        let mut sent = 0;
        while p.poll(until) == Pace::Go {
            p.sent();
            sent += 1;
        }
        assert_eq!(sent, 20);
    }

    /// A server that counts requests in whatever order they reach it and answers in any other order: the pacer
    /// never makes it count more than its limit, and it uses all of it.
    #[test]
    fn whatever_the_order_the_server_is_never_overrun_and_the_room_is_used() {
        use rand::{Rng, SeedableRng};
        const LIMIT: usize = 20;
        let t0 = Instant::now();
        for seed in 0..500 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut p = Pacer::new(Duration::from_secs(300));
            let mut on_the_wire: Vec<Sent> = Vec::new(); // sent, not yet counted by the server
            let mut counted = 0usize;
            let mut answers: Vec<(Sent, f64)> = Vec::new(); // counted, answer on its way back
            loop {
                let can_send = p.poll(t0) == Pace::Go;
                let choices = [can_send, !on_the_wire.is_empty(), !answers.is_empty()];
                if !choices.iter().any(|c| *c) {
                    break;
                }
                let choice = loop {
                    let c = rng.gen_range(0..3);
                    if choices[c] {
                        break c;
                    }
                };
                match choice {
                    0 => on_the_wire.push(p.sent()),
                    1 => {
                        let request = on_the_wire.swap_remove(rng.gen_range(0..on_the_wire.len()));
                        counted += 1;
                        assert!(counted <= LIMIT, "seed {seed}: the server had to refuse");
                        answers.push((request, (LIMIT - counted) as f64));
                    }
                    _ => {
                        let (request, remaining) =
                            answers.swap_remove(rng.gen_range(0..answers.len()));
                        p.answered(
                            request,
                            Some(&RateLimit {
                                limit: Some(LIMIT as f64),
                                remaining: Some(remaining),
                                reset_in: Some(Duration::from_secs(1)),
                                ..RateLimit::default()
                            }),
                            t0,
                        );
                    }
                }
            }
            assert_eq!(counted, LIMIT, "seed {seed}: all the room was used");
            assert_eq!(p.poll(t0), Pace::WaitUntil(t0 + Duration::from_secs(1)));
        }
    }

    #[test]
    fn a_delayed_answer_pauses_for_its_retry_after_then_goes_alone() {
        let t0 = Instant::now();
        let mut p = Pacer::new(Duration::from_secs(300));
        p.poll(t0);
        let request = p.sent();
        let delayed = RateLimit {
            delay: Some(Duration::from_millis(300)),
            retry_after: Some(Duration::from_secs(1)),
            ..RateLimit::default()
        };
        p.answered(request, Some(&delayed), t0);
        let t1 = t0 + Duration::from_secs(1);
        assert!(matches!(p.poll(t0), Pace::WaitUntil(until) if until >= t1));
        // After it (and the probe's back-off), one request alone until an answer says there is room again.
        let t2 = t1 + Duration::from_secs(1);
        assert_eq!(p.poll(t2), Pace::Go);
        let probe = p.sent();
        assert_eq!(p.poll(t2), Pace::WaitForAnswer);
        p.answered(
            probe,
            Some(&RateLimit {
                remaining: Some(10.0),
                ..RateLimit::default()
            }),
            t2,
        );
        for _ in 0..10 {
            assert_eq!(p.poll(t2), Pace::Go);
            p.sent();
        }
        assert_eq!(p.poll(t2), Pace::WaitForAnswer);
    }

    #[test]
    fn without_a_reset_the_probes_back_off() {
        let t0 = Instant::now();
        let mut p = Pacer::new(Duration::from_secs(300));
        let mut at = t0;
        let mut waits = Vec::new();
        for _ in 0..4 {
            assert_eq!(p.poll(at), Pace::Go);
            let request = p.sent();
            p.answered(
                request,
                Some(&RateLimit {
                    remaining: Some(0.0),
                    ..RateLimit::default()
                }),
                at,
            );
            let Pace::WaitUntil(until) = p.poll(at) else {
                panic!("no wait after an answer with no room")
            };
            waits.push(until - at);
            at = until;
        }
        // The core's back-off: from 100 ms, doubling, with equal jitter.
        for (n, wait) in waits.iter().enumerate() {
            let full = PROBE_BACKOFF * (1 << n);
            assert!(*wait >= full / 2 && *wait <= full, "probe {n}: {wait:?}");
        }
    }

    #[test]
    fn holds_are_capped() {
        let t0 = Instant::now();
        let mut p = Pacer::new(Duration::from_secs(5));
        p.poll(t0);
        let request = p.sent();
        p.answered(request, Some(&announced(0.0, 3_600_000)), t0);
        assert_eq!(p.poll(t0), Pace::WaitUntil(t0 + Duration::from_secs(5)));
        let mut p = Pacer::new(Duration::from_secs(5));
        let request = p.sent();
        let delayed = RateLimit {
            retry_after: Some(Duration::from_secs(3600)),
            ..RateLimit::default()
        };
        p.answered(request, Some(&delayed), t0);
        assert_eq!(p.poll(t0), Pace::WaitUntil(t0 + Duration::from_secs(5)));
    }

    #[tokio::test(start_paused = true)]
    async fn shared_pacer_admits_after_the_hold_and_abandoned_tickets_stay_counted() {
        let pacer = SharedPacer::new(Duration::from_secs(300));
        let first = pacer.admit().await;
        let second = pacer.admit().await;
        // One left after the first, with another on its way: no room.
        first.answered(Some(&announced(1.0, 2_000)));
        assert_eq!(pacer.room(), Some(0.0));
        let start = Instant::now();
        // The abandoned one may have been counted: it took the last of the room, and the reset is waited for.
        drop(second);
        let third = pacer.admit().await;
        assert!(Instant::now() >= start + Duration::from_secs(2));
        third.answered(None);
        assert_eq!(pacer.lock().in_flight(), 0);
    }
}
