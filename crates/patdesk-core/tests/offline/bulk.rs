//! The bulk-revoke engine against a scripted in-memory revoker: the concurrency bound, the AIMD reaction to
//! throttling, pacing by an announced rate limit, per-token retries, cancellation and "retry failed". These run on tokio's paused clock, so the
//! waits (latency, `Retry-After`, back-off) are virtual and the order of events is deterministic; nothing here
//! measures speed.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use patdesk_core::bulk::{
    bulk_revoke, retry_failed, unfinished, BulkItem, BulkOptions, CancellationToken, Revoker,
};
use patdesk_core::http::RateLimit;
use patdesk_core::model::{BulkProgress, BulkSummary, RevokeOutcome};
use patdesk_core::{Error, ErrorCode};
use tokio::time::Instant;

/// One scripted answer for a call.
#[derive(Clone)]
enum Answer {
    /// The normal behaviour: revoke it if it exists and is active, else "already gone".
    Normal,
    /// Fail with this error, without touching the state.
    Fail(Error),
    /// Revoke it, then lose the answer (the client sees a server error).
    RevokeThenFail(Error),
}

#[derive(Debug, Clone)]
struct Call {
    id: String,
    started: Instant,
    finished: Instant,
    /// Requests in flight when this one started (itself included).
    concurrent: usize,
    /// The answer was a 429.
    throttled: bool,
}

#[derive(Default)]
struct State {
    revoked: HashSet<String>,
    in_flight: usize,
    calls: Vec<Call>,
    /// Per-token scripts, consumed one answer per call; `Normal` once exhausted.
    scripts: HashMap<String, VecDeque<Answer>>,
    /// Global call numbers (0-based) answered with a 429.
    throttle_calls: HashMap<usize, Duration>,
    started: usize,
}

/// A revoker that keeps a set of revoked ids and records every call.
#[derive(Clone)]
struct MockRevoker {
    latency: Duration,
    state: Arc<Mutex<State>>,
    /// Organizations that answer every request with this error.
    refused_orgs: Arc<Mutex<HashMap<String, Error>>>,
}

impl MockRevoker {
    fn new(latency_ms: u64) -> Self {
        MockRevoker {
            latency: Duration::from_millis(latency_ms),
            state: Arc::default(),
            refused_orgs: Arc::default(),
        }
    }

    fn script(&self, id: &str, answers: impl IntoIterator<Item = Answer>) {
        self.state
            .lock()
            .unwrap()
            .scripts
            .insert(id.to_string(), answers.into_iter().collect());
    }

    fn throttle_call(&self, call_number: usize, retry_after: Duration) {
        self.state
            .lock()
            .unwrap()
            .throttle_calls
            .insert(call_number, retry_after);
    }

    fn pre_revoke(&self, id: &str) {
        self.state.lock().unwrap().revoked.insert(id.to_string());
    }

    fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    fn calls_for(&self, id: &str) -> usize {
        self.calls().iter().filter(|c| c.id == id).count()
    }

    fn revoked(&self) -> HashSet<String> {
        self.state.lock().unwrap().revoked.clone()
    }

    fn max_concurrent(&self) -> usize {
        self.calls().iter().map(|c| c.concurrent).max().unwrap_or(0)
    }
}

impl Revoker for MockRevoker {
    fn revoke_once<'a>(
        &'a self,
        organization: &'a str,
        authorization_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome, Error>> {
        async move {
            if let Some(error) = self.refused_orgs.lock().unwrap().get(organization) {
                let error = error.clone();
                let started = Instant::now();
                self.state.lock().unwrap().calls.push(Call {
                    id: authorization_id.to_string(),
                    started,
                    finished: started,
                    concurrent: 0,
                    throttled: false,
                });
                return Err(error);
            }
            let started = Instant::now();
            let (answer, concurrent, throttle) = {
                let mut s = self.state.lock().unwrap();
                s.in_flight += 1;
                let number = s.started;
                s.started += 1;
                let answer = s
                    .scripts
                    .get_mut(authorization_id)
                    .and_then(VecDeque::pop_front)
                    .unwrap_or(Answer::Normal);
                (answer, s.in_flight, s.throttle_calls.get(&number).copied())
            };
            tokio::time::sleep(self.latency).await;
            let mut s = self.state.lock().unwrap();
            s.in_flight -= 1;
            let result = if let Some(wait) = throttle {
                Err(rate_limited(wait))
            } else {
                match answer {
                    Answer::Normal => {
                        if s.revoked.insert(authorization_id.to_string()) {
                            Ok(RevokeOutcome::Revoked)
                        } else {
                            Ok(RevokeOutcome::AlreadyGone)
                        }
                    }
                    Answer::Fail(error) => Err(error),
                    Answer::RevokeThenFail(error) => {
                        s.revoked.insert(authorization_id.to_string());
                        Err(error)
                    }
                }
            };
            s.calls.push(Call {
                id: authorization_id.to_string(),
                started,
                finished: Instant::now(),
                concurrent,
                throttled: throttle.is_some(),
            });
            result
        }
        .boxed()
    }
}

fn rate_limited(wait: Duration) -> Error {
    Error::from_code(ErrorCode::RateLimited)
        .with_status(429)
        .with_retry_after(Some(wait))
}

fn server_error() -> Error {
    Error::from_code(ErrorCode::ServerError).with_status(500)
}

fn items(n: usize) -> Vec<BulkItem> {
    (0..n)
        .map(|i| BulkItem {
            organization: "fabrikam".into(),
            authorization_id: id(i),
            display_name: format!("token {i}"),
        })
        .collect()
}

fn id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

fn options(max_concurrency: usize) -> BulkOptions {
    BulkOptions {
        max_concurrency,
        base_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(1),
        default_rate_limit_pause: Duration::from_secs(3),
        ..BulkOptions::default()
    }
}

async fn run(
    revoker: &MockRevoker,
    items: Vec<BulkItem>,
    options: &BulkOptions,
) -> (BulkSummary, Vec<BulkProgress>) {
    let mut progress = Vec::new();
    let summary = bulk_revoke(
        revoker,
        items,
        options,
        &CancellationToken::new(),
        |p: BulkProgress| progress.push(p),
    )
    .await;
    (summary, progress)
}

/// Every input id exactly once, in input order, and the counts add up.
fn assert_complete(summary: &BulkSummary, input: &[BulkItem]) {
    let ids: Vec<&str> = summary
        .results
        .iter()
        .map(|r| r.authorization_id.as_str())
        .collect();
    let expected: Vec<&str> = input.iter().map(|i| i.authorization_id.as_str()).collect();
    assert_eq!(ids, expected, "every token exactly once, in input order");
    assert_eq!(
        (summary.revoked + summary.already_gone + summary.failed + summary.cancelled) as usize,
        input.len()
    );
}

#[tokio::test(start_paused = true)]
async fn revokes_everything_within_the_concurrency_bound() {
    let revoker = MockRevoker::new(100);
    let input = items(50);
    let (summary, progress) = run(&revoker, input.clone(), &options(5)).await;

    assert_complete(&summary, &input);
    assert_eq!(summary.revoked, 50);
    assert_eq!(revoker.revoked().len(), 50);
    assert_eq!(revoker.calls().len(), 50, "one DELETE per token");
    assert_eq!(
        revoker.max_concurrent(),
        5,
        "the bound is reached, never passed"
    );

    let done: Vec<u32> = progress.iter().map(|p| p.done).collect();
    assert_eq!(done, (1..=50).collect::<Vec<u32>>());
    assert!(progress.iter().all(|p| p.total == 50));
    assert!(progress
        .iter()
        .all(|p| p.latest.outcome == RevokeOutcome::Revoked));
}

#[tokio::test(start_paused = true)]
async fn default_concurrency_is_eight() {
    let revoker = MockRevoker::new(50);
    let (summary, _) = run(&revoker, items(40), &BulkOptions::default()).await;
    assert_eq!(summary.revoked, 40);
    assert_eq!(revoker.max_concurrent(), 8);
}

#[tokio::test(start_paused = true)]
async fn duplicates_are_sent_once() {
    let revoker = MockRevoker::new(10);
    let mut input = items(3);
    input.push(BulkItem {
        authorization_id: id(1).to_uppercase(),
        ..input[1].clone()
    });
    input.push(input[0].clone());
    let (summary, _) = run(&revoker, input.clone(), &options(4)).await;
    assert_complete(&summary, &input[..3]);
    assert_eq!(revoker.calls().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn empty_input_sends_nothing() {
    let revoker = MockRevoker::new(10);
    let (summary, progress) = run(&revoker, Vec::new(), &options(4)).await;
    assert_eq!(summary, BulkSummary::default());
    assert!(progress.is_empty());
    assert!(revoker.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn throttling_halves_the_window_pauses_the_batch_and_climbs_back() {
    let revoker = MockRevoker::new(100);
    let retry_after = Duration::from_secs(2);
    // The second round of eight requests is throttled, all at once.
    for call in 8..16 {
        revoker.throttle_call(call, retry_after);
    }
    let input = items(120);
    let (summary, _) = run(&revoker, input.clone(), &options(8)).await;

    assert_complete(&summary, &input);
    assert_eq!(
        summary.revoked, 120,
        "throttled tokens are retried, not lost"
    );
    assert_eq!(revoker.revoked().len(), 120);

    let calls = revoker.calls();
    let first_429 = calls
        .iter()
        .filter(|c| c.throttled)
        .map(|c| c.finished)
        .min()
        .unwrap();
    let last_429 = calls
        .iter()
        .filter(|c| c.throttled)
        .map(|c| c.finished)
        .max()
        .unwrap();
    // The whole batch pauses for Retry-After: nothing starts in between.
    assert!(
        calls
            .iter()
            .all(|c| c.started <= first_429 || c.started >= first_429 + retry_after),
        "a request started during the Retry-After pause"
    );
    assert!(calls.iter().any(|c| c.started >= last_429 + retry_after));

    // After the pause the window is halved once (not once per 429): 4 in flight, then it climbs back.
    let mut after: Vec<&Call> = calls
        .iter()
        .filter(|c| c.started >= first_429 + retry_after)
        .collect();
    after.sort_by_key(|c| c.started);
    assert_eq!(
        after.iter().take(4).map(|c| c.concurrent).max(),
        Some(4),
        "halved from 8 to 4"
    );
    assert!(after.iter().take(8).all(|c| c.concurrent <= 5));
    assert_eq!(
        after.iter().rev().take(16).map(|c| c.concurrent).max(),
        Some(8),
        "climbed back to the maximum"
    );
}

#[tokio::test(start_paused = true)]
async fn repeated_throttling_goes_down_to_one_at_a_time() {
    let revoker = MockRevoker::new(100);
    // Every request is throttled for a while: each round is a new congestion event, 8 → 4 → 2 → 1.
    for call in 0..20 {
        revoker.throttle_call(call, Duration::from_secs(1));
    }
    let input = items(30);
    let (summary, _) = run(&revoker, input.clone(), &options(8)).await;
    assert_complete(&summary, &input);
    assert_eq!(summary.revoked, 30);

    let mut calls = revoker.calls();
    calls.sort_by_key(|c| c.started);
    // The size of each round: requests that started at the same instant.
    let mut rounds: Vec<usize> = Vec::new();
    let mut last = None;
    for call in &calls {
        if last == Some(call.started) {
            *rounds.last_mut().unwrap() += 1;
        } else {
            rounds.push(1);
            last = Some(call.started);
        }
    }
    assert_eq!(&rounds[..6], &[8, 4, 2, 1, 1, 1], "rounds were {rounds:?}");
    assert_eq!(
        calls[20].concurrent, 1,
        "the first success still runs alone"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_without_retry_after_pauses_for_the_default() {
    let revoker = MockRevoker::new(10);
    revoker.script(
        &id(0),
        [Answer::Fail(
            Error::from_code(ErrorCode::RateLimited).with_status(429),
        )],
    );
    let (summary, _) = run(&revoker, items(1), &options(1)).await;
    assert_eq!(summary.revoked, 1);
    let calls = revoker.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls[1].started >= calls[0].finished + Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_with_backoff_and_bounded() {
    let revoker = MockRevoker::new(20);
    revoker.script(
        &id(0),
        [Answer::Fail(server_error()), Answer::Fail(server_error())],
    );
    revoker.script(
        &id(1),
        std::iter::repeat_n(Answer::Fail(server_error()), 10),
    );
    revoker.script(
        &id(2),
        [
            Answer::Fail(Error::from_code(ErrorCode::Timeout)),
            Answer::Fail(Error::from_code(ErrorCode::Network)),
        ],
    );
    revoker.script(
        &id(3),
        [Answer::Fail(Error::from_code(ErrorCode::TokenInvalid))],
    );
    let input = items(6);
    let opts = options(4);
    let (summary, progress) = run(&revoker, input.clone(), &opts).await;

    assert_complete(&summary, &input);
    assert_eq!(summary.results[0].outcome, RevokeOutcome::Revoked);
    assert_eq!(revoker.calls_for(&id(0)), 3);
    match &summary.results[1].outcome {
        RevokeOutcome::Failed { error } => assert_eq!(error.code, ErrorCode::ServerError),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(revoker.calls_for(&id(1)) as u32, opts.max_attempts);
    assert_eq!(summary.results[2].outcome, RevokeOutcome::Revoked);
    assert_eq!(revoker.calls_for(&id(2)), 3);
    match &summary.results[3].outcome {
        RevokeOutcome::Failed { error } => assert_eq!(error.code, ErrorCode::TokenInvalid),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(
        revoker.calls_for(&id(3)),
        1,
        "non-transient failures are final"
    );
    assert_eq!(
        (summary.revoked, summary.failed, summary.cancelled),
        (4, 2, 0)
    );
    assert_eq!(
        progress.len(),
        6,
        "one progress event per token, retries are not reported"
    );

    // Back-off grows: each retry of the always-failing token waits longer than the base back-off.
    let mut attempts: Vec<Call> = revoker
        .calls()
        .into_iter()
        .filter(|c| c.id == id(1))
        .collect();
    attempts.sort_by_key(|c| c.started);
    for (n, pair) in attempts.windows(2).enumerate() {
        let gap = pair[1].started - pair[0].finished;
        let full = opts.base_backoff * (1 << n);
        assert!(
            gap >= full.min(opts.max_backoff) / 2,
            "retry {n} came back after {gap:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_whose_answer_was_lost_counts_as_revoked_and_a_second_revoke_as_already_gone() {
    let revoker = MockRevoker::new(10);
    revoker.script(&id(0), [Answer::RevokeThenFail(server_error())]);
    revoker.pre_revoke(&id(1));
    let input = items(3);
    let (summary, _) = run(&revoker, input.clone(), &options(2)).await;
    assert_eq!(summary.results[0].outcome, RevokeOutcome::Revoked);
    assert_eq!(summary.results[1].outcome, RevokeOutcome::AlreadyGone);
    assert_eq!(summary.results[2].outcome, RevokeOutcome::Revoked);
    assert_eq!((summary.revoked, summary.already_gone), (2, 1));

    let (again, _) = run(&revoker, input.clone(), &options(2)).await;
    assert_eq!(again.already_gone, 3);
    assert_eq!(again.revoked, 0);
}

#[tokio::test(start_paused = true)]
async fn cancel_lets_requests_in_flight_finish_and_never_sends_the_rest() {
    let revoker = MockRevoker::new(100);
    let input = items(30);
    let cancel = CancellationToken::new();
    let mut progress = Vec::new();
    let summary = bulk_revoke(
        &revoker,
        input.clone(),
        &options(3),
        &cancel,
        |p: BulkProgress| {
            if p.done == 6 {
                cancel.cancel();
            }
            progress.push(p);
        },
    )
    .await;

    assert_complete(&summary, &input);
    let sent: HashSet<String> = revoker.calls().into_iter().map(|c| c.id).collect();
    // Cancelled while two more requests were in flight: they finished and were reported.
    assert_eq!(summary.revoked, 8);
    assert_eq!(sent.len(), 8);
    assert_eq!(summary.cancelled, 22);
    assert_eq!(progress.len(), 8);
    for result in &summary.results {
        let was_sent = sent.contains(&result.authorization_id);
        match &result.outcome {
            RevokeOutcome::Revoked => assert!(was_sent),
            RevokeOutcome::Failed { error } => {
                assert_eq!(error.code, ErrorCode::Cancelled);
                assert!(!was_sent, "a cancelled token was sent");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(revoker.revoked(), sent);

    // Resuming sends exactly the cancelled ones.
    let rest = unfinished(&summary, &input);
    assert_eq!(rest.len(), 22);
    assert!(
        retry_failed(&summary, &input).is_empty(),
        "cancelled is not failed"
    );
    let (resumed, _) = run(&revoker, rest, &options(3)).await;
    assert_eq!(resumed.revoked, 22);
    assert_eq!(revoker.revoked().len(), 30);
}

#[tokio::test(start_paused = true)]
async fn cancel_before_start_sends_nothing() {
    let revoker = MockRevoker::new(10);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let input = items(5);
    let summary = bulk_revoke(&revoker, input.clone(), &options(3), &cancel, |_| {}).await;
    assert_complete(&summary, &input);
    assert_eq!(summary.cancelled, 5);
    assert!(revoker.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn cancel_during_a_retry_wait_reports_the_last_error_not_cancelled() {
    let revoker = MockRevoker::new(10);
    revoker.script(
        &id(0),
        std::iter::repeat_n(Answer::Fail(server_error()), 10),
    );
    let cancel = CancellationToken::new();
    let input = items(2);
    let opts = BulkOptions {
        base_backoff: Duration::from_secs(5),
        max_backoff: Duration::from_secs(10),
        ..options(2)
    };
    let summary = {
        let run = bulk_revoke(&revoker, input.clone(), &opts, &cancel, |_| {});
        let cancel_later = async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            cancel.cancel();
        };
        let (summary, ()) = tokio::join!(run, cancel_later);
        summary
    };
    assert_complete(&summary, &input);
    assert_eq!(revoker.calls_for(&id(0)), 1);
    match &summary.results[0].outcome {
        RevokeOutcome::Failed { error } => assert_eq!(error.code, ErrorCode::ServerError),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        (summary.revoked, summary.failed, summary.cancelled),
        (1, 1, 0)
    );
    assert_eq!(retry_failed(&summary, &input), vec![input[0].clone()]);
}

#[tokio::test(start_paused = true)]
async fn retry_failed_returns_exactly_the_failed_subset() {
    let revoker = MockRevoker::new(10);
    let failing = [3usize, 7, 11];
    for i in failing {
        revoker.script(&id(i), std::iter::repeat_n(Answer::Fail(server_error()), 4));
    }
    revoker.script(
        &id(5),
        [Answer::Fail(Error::from_code(ErrorCode::AccessDenied))],
    );
    let input = items(15);
    let (summary, _) = run(&revoker, input.clone(), &options(4)).await;
    assert_eq!((summary.revoked, summary.failed), (11, 4));

    let retry = retry_failed(&summary, &input);
    let expected: Vec<BulkItem> = [3usize, 5, 7, 11]
        .iter()
        .map(|&i| input[i].clone())
        .collect();
    assert_eq!(retry, expected);

    let calls_before = revoker.calls().len();
    let (second, _) = run(&revoker, retry.clone(), &options(4)).await;
    assert_complete(&second, &retry);
    assert_eq!(second.revoked, 4);
    assert_eq!(
        revoker.calls().len() - calls_before,
        4,
        "only the failed ones are sent again"
    );
    assert_eq!(revoker.revoked().len(), 15);
}

#[tokio::test(start_paused = true)]
async fn progress_can_feed_a_channel() {
    let revoker = MockRevoker::new(5);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let summary = bulk_revoke(
        &revoker,
        items(10),
        &options(3),
        &CancellationToken::new(),
        move |p: BulkProgress| {
            let _ = tx.send(p);
        },
    )
    .await;
    assert_eq!(summary.revoked, 10);
    let mut seen = Vec::new();
    while let Some(p) = rx.recv().await {
        seen.push(p.latest.authorization_id);
    }
    let mut expected: Vec<String> = (0..10).map(id).collect();
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test(start_paused = true)]
async fn an_organization_that_refuses_the_sign_in_is_not_sent_the_rest() {
    let revoker = MockRevoker::new(10);
    revoker.refused_orgs.lock().unwrap().insert(
        "guest-org".into(),
        Error::from_code(ErrorCode::SessionExpired).with_status(401),
    );
    // 40 tokens, every other one in the organization that refuses this sign-in.
    let input: Vec<BulkItem> = items(40)
        .into_iter()
        .enumerate()
        .map(|(i, mut item)| {
            if i % 2 == 1 {
                item.organization = "guest-org".into();
            }
            item
        })
        .collect();
    let (summary, progress) = run(&revoker, input.clone(), &options(4)).await;

    assert_complete(&summary, &input);
    assert_eq!((summary.revoked, summary.failed), (20, 20));
    assert_eq!(
        progress.len(),
        40,
        "tokens failed without a request are reported too"
    );
    for (i, result) in summary.results.iter().enumerate() {
        match (&result.outcome, i % 2) {
            (RevokeOutcome::Revoked, 0) => {}
            (RevokeOutcome::Failed { error }, 1) => {
                assert_eq!(error.code, ErrorCode::SessionExpired)
            }
            (other, _) => panic!("token {i}: {other:?}"),
        }
    }
    let refused_calls = revoker.calls().iter().filter(|c| c.concurrent == 0).count();
    assert!(
        refused_calls <= 4,
        "only the requests already in flight reached the refusing organization, not {refused_calls}"
    );
    assert_eq!(retry_failed(&summary, &input).len(), 20);
}

/// A server with a sliding one-second window of `rate` requests that announces what is left on every answer
/// (§2.15), as Azure DevOps and the simulator do. Requests reach it and come back after varying delays, so
/// they are counted and answered out of order.
struct AnnouncingServer {
    rate: usize,
    state: Mutex<AnnouncingState>,
}

#[derive(Default)]
struct AnnouncingState {
    /// When each request still in the window was counted.
    window: VecDeque<Instant>,
    revoked: HashSet<String>,
    refused: usize,
    calls: usize,
    /// The most requests the window held at once.
    fullest: usize,
    sent: usize,
}

impl AnnouncingServer {
    fn new(rate: usize) -> Self {
        AnnouncingServer {
            rate,
            state: Mutex::default(),
        }
    }
}

impl Revoker for AnnouncingServer {
    fn revoke_once<'a>(
        &'a self,
        organization: &'a str,
        authorization_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome, Error>> {
        self.revoke_once_with_rate_limit(organization, authorization_id)
            .map(|(result, _)| result)
            .boxed()
    }

    fn revoke_once_with_rate_limit<'a>(
        &'a self,
        _organization: &'a str,
        authorization_id: &'a str,
    ) -> BoxFuture<'a, (Result<RevokeOutcome, Error>, Option<RateLimit>)> {
        async move {
            let n = {
                let mut s = self.state.lock().unwrap();
                s.sent += 1;
                s.sent
            };
            // Uplink and downlink of 1–13 ms and 1–7 ms, different for neighbouring requests.
            tokio::time::sleep(Duration::from_millis(1 + (n * 7 % 13) as u64)).await;
            let answer = {
                let mut s = self.state.lock().unwrap();
                s.calls += 1;
                let now = Instant::now();
                while s
                    .window
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
                {
                    s.window.pop_front();
                }
                if s.window.len() >= self.rate {
                    s.refused += 1;
                    (Err(rate_limited(Duration::from_secs(1))), None)
                } else {
                    s.window.push_back(now);
                    s.fullest = s.fullest.max(s.window.len());
                    s.revoked.insert(authorization_id.to_string());
                    let rate = RateLimit {
                        limit: Some(self.rate as f64),
                        remaining: Some((self.rate - s.window.len()) as f64),
                        reset_in: Some(Duration::from_secs(1)),
                        ..RateLimit::default()
                    };
                    (Ok(RevokeOutcome::Revoked), Some(rate))
                }
            };
            tokio::time::sleep(Duration::from_millis(1 + (n * 5 % 7) as u64)).await;
            answer
        }
        .boxed()
    }
}

#[tokio::test(start_paused = true)]
async fn an_announced_rate_limit_is_kept_without_a_single_429() {
    let server = AnnouncingServer::new(20);
    let input = items(300);
    let summary = bulk_revoke(
        &server,
        input.clone(),
        &BulkOptions::default(),
        &CancellationToken::new(),
        |_| {},
    )
    .await;

    assert_complete(&summary, &input);
    assert_eq!(summary.revoked, 300);
    let s = server.state.lock().unwrap();
    assert_eq!(s.refused, 0, "the server never had to refuse");
    assert_eq!(s.calls, 300, "one DELETE per token");
    assert_eq!(s.revoked.len(), 300);
    // Paced, not merely slowed to one at a time: the whole window was used.
    assert_eq!(s.fullest, 20);
}
