//! Create a token (§2.7) without ever creating it twice: the ambiguous-create protocol, as a state machine.
//!
//! A create that fails in a way that may have reached the service (a timeout, a dropped connection, a `5xx`, an
//! unreadable answer) leaves PAT Desk not knowing whether a token now exists. Sending it again blindly can make
//! two tokens; giving up can leave one whose secret nobody has. [`CreateProtocol`] decides, from what each step
//! found out, what to do next; [`AzureDevOpsClient::create_pat`] only performs the steps (send, list, revoke,
//! wait). The protocol does no I/O, so every path is unit-tested below without a server, and
//! `tests/service/faults.rs` drives the same paths through the simulator. An Azure DevOps Server's create
//! ([`crate::server::ServerClient::create`]) follows the same protocol with one attempt: after an ambiguous
//! failure it looks for the token and says what it found, and the person decides whether to try again.
//!
//! ```text
//!            ┌────────── Refused, transient (429, failedToIssueAccessToken…) ──► Waiting ──┐
//!            v                                                                             │
//!  start ─► Sending ── Created ──────────────────────────────────────────────────► Done(token)
//!            │  │  └── Refused, final (or no attempts left) ─────────────────────► Done(error)
//!            │  └─── CreatedWithoutSecret ──┐
//!            │                              v
//!            │                       RevokingOrphan ── revoked ─► Sending (no wait)
//!            │                              │  └────── not revoked ──────────────► Done(createdButSecretLost)
//!            └── Ambiguous ─► Checking ─────┴─ found (first orphan)
//!                               │  ├── not found ─► Waiting ─► Sending
//!                               │  └── found again, or no attempts left ─────────► Done(createdButSecretLost / error)
//!                               └── the check failed ────────────────────────────► Done(error, "refresh the list")
//! ```
//!
//! Guarantees (checked exhaustively in the tests): no create is sent after an ambiguous one until a listing
//! has shown that it created nothing or its orphan was revoked; at most `max_attempts` creates are sent; at most
//! one orphan is revoked (a second one is reported, not chased).

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;

use super::transport::parse_json;
use super::validation::{normalise_scopes, round_to_10ms, scope_set, validate_display_name};
use super::{AzureDevOpsClient, ListQuery};
use crate::error::{Error, ErrorCode};
use crate::http::{never_sent, RetryPolicy};
use crate::model::{
    CreatedToken, ListFilter, NewTokenRequest, PatToken, RevokeOutcome, TokenStatus,
};
use crate::wire::{format_date, WireCreateRequest, WirePatTokenResult};

/// What the answer to one create request means.
#[derive(Debug)]
pub(crate) enum Sent {
    /// The token, with its secret.
    Created(CreatedToken),
    /// The token was created but the answer had no secret: an orphan nobody can use.
    CreatedWithoutSecret(PatToken),
    /// Nothing was created: the service answered with a refusal (a `patTokenError`, `4xx`, `429`), or the request
    /// never left (a connection that was never made).
    Refused(Error),
    /// The token may or may not have been created.
    Ambiguous(Error),
}

impl Sent {
    /// A failed request: ambiguous if it may have reached the service, refused otherwise.
    pub(crate) fn failure(error: Error) -> Sent {
        if is_ambiguous(&error) {
            Sent::Ambiguous(error)
        } else {
            Sent::Refused(error)
        }
    }
}

/// What the client found out by performing the last [`Step`].
#[derive(Debug)]
pub(crate) enum Event {
    /// The create request was answered (or failed).
    Sent(Sent),
    /// The organization's active tokens were listed: the token of the ambiguous attempt, none, or the listing
    /// failed.
    Checked(Result<Option<PatToken>, Error>),
    /// Whether the orphan is revoked now (or was already gone).
    OrphanRevoked(bool),
    /// The wait is over.
    Waited,
}

/// What the client must do next.
#[derive(Debug)]
pub(crate) enum Step {
    /// Send the create request (with this attempt's own start time and `validTo`).
    Send,
    /// List the organization's active tokens and look for the token the last attempt may have made.
    Check,
    /// Revoke this token: it was created, but its secret never arrived.
    RevokeOrphan(PatToken),
    /// Wait this long, then send again.
    Wait(Duration),
    /// The end: the created token, or why not.
    Finish(Result<CreatedToken, Error>),
}

#[derive(Debug, Clone)]
enum State {
    /// A create request is on its way.
    Sending,
    /// The last create may have worked: a listing is looking for its token. `error` is what the create got.
    Checking { error: Error },
    /// A token without a secret is being revoked.
    RevokingOrphan { orphan: PatToken },
    /// Waiting before the next create.
    Waiting,
    /// [`Step::Finish`] was given; nothing more happens.
    Done,
}

/// The ambiguous-create protocol: feed it the [`Event`] of each [`Step`] and do the step it returns, from
/// [`CreateProtocol::start`] until [`Step::Finish`].
#[derive(Debug, Clone)]
pub(crate) struct CreateProtocol {
    policy: RetryPolicy,
    /// Create requests sent so far, the current one included.
    attempt: u32,
    orphans_revoked: u32,
    state: State,
}

impl CreateProtocol {
    /// The protocol and its first step (always [`Step::Send`]).
    pub(crate) fn start(policy: RetryPolicy) -> (CreateProtocol, Step) {
        let protocol = CreateProtocol {
            policy,
            attempt: 1,
            orphans_revoked: 0,
            state: State::Sending,
        };
        (protocol, Step::Send)
    }

    /// The next step, given what the last one found out.
    pub(crate) fn on(&mut self, event: Event) -> Step {
        match (std::mem::replace(&mut self.state, State::Done), event) {
            (State::Sending, Event::Sent(sent)) => self.after_send(sent),
            (State::Checking { error }, Event::Checked(found)) => self.after_check(error, found),
            (State::RevokingOrphan { orphan }, Event::OrphanRevoked(revoked)) => {
                self.after_revoke(orphan, revoked)
            }
            (State::Waiting, Event::Waited) => {
                self.state = State::Sending;
                Step::Send
            }
            (state, event) => Step::Finish(Err(Error::internal(format!(
                "create protocol: {} while {state:?}",
                event.name()
            )))),
        }
    }

    fn max_attempts(&self) -> u32 {
        self.policy.max_attempts.max(1)
    }

    fn attempts_left(&self) -> bool {
        self.attempt < self.max_attempts()
    }

    fn after_send(&mut self, sent: Sent) -> Step {
        match sent {
            Sent::Created(created) => Step::Finish(Ok(created)),
            Sent::CreatedWithoutSecret(orphan) => self.orphan_found(orphan),
            // Definitely not created: retry only what is worth retrying.
            Sent::Refused(error) if error.is_transient() && self.attempts_left() => {
                let delay = self.policy.delay_for(self.attempt, &error);
                self.wait(delay)
            }
            Sent::Refused(error) => Step::Finish(Err(error)),
            Sent::Ambiguous(error) => {
                self.state = State::Checking { error };
                Step::Check
            }
        }
    }

    fn after_check(&mut self, error: Error, found: Result<Option<PatToken>, Error>) -> Step {
        match found {
            // Never a second blind create: say that the outcome is unknown.
            Err(_) => Step::Finish(Err(outcome_unknown(error))),
            Ok(Some(orphan)) => self.orphan_found(orphan),
            Ok(None) if self.attempts_left() => {
                let delay = self.policy.delay_for(self.attempt, &error);
                self.wait(delay)
            }
            Ok(None) => Step::Finish(Err(nothing_created(error))),
        }
    }

    /// A token exists whose secret never reached us: useless and a liability. Revoke it and create the token once
    /// more, so the person gets exactly one working token; but only once, and only with an attempt left.
    fn orphan_found(&mut self, orphan: PatToken) -> Step {
        if self.orphans_revoked >= 1 || !self.attempts_left() {
            return Step::Finish(Err(secret_lost(&orphan)));
        }
        self.state = State::RevokingOrphan {
            orphan: orphan.clone(),
        };
        Step::RevokeOrphan(orphan)
    }

    fn after_revoke(&mut self, orphan: PatToken, revoked: bool) -> Step {
        if !revoked {
            return Step::Finish(Err(secret_lost(&orphan)));
        }
        self.orphans_revoked += 1;
        self.attempt += 1;
        self.state = State::Sending;
        Step::Send
    }

    fn wait(&mut self, delay: Duration) -> Step {
        self.attempt += 1;
        self.state = State::Waiting;
        Step::Wait(delay)
    }
}

impl Event {
    fn name(&self) -> &'static str {
        match self {
            Event::Sent(_) => "an answer to a create",
            Event::Checked(_) => "a listing",
            Event::OrphanRevoked(_) => "a revoke",
            Event::Waited => "the end of a wait",
        }
    }
}

impl AzureDevOpsClient {
    /// Create an organization-scoped token (`allOrgs: false`, always).
    ///
    /// Create is never retried blindly. After an ambiguous failure (timeout, dropped connection, 5xx or an
    /// unreadable answer) the service may or may not have created the token, so the client lists the
    /// organization's active tokens and looks for this attempt's token (same name and scope, `validTo` equal to
    /// what was sent within the service's 10 ms precision, or clamped and created after the attempt started).
    ///
    /// * Not found: nothing was created, so the create is sent again (bounded by the retry policy).
    /// * Found: the token exists but its secret never reached us, and a token whose value nobody knows is
    ///   useless and a liability. The client revokes that orphan and creates the token once more, so the person
    ///   gets what they asked for: exactly one working token, with its secret. If revoking the orphan fails, the
    ///   result is `createdButSecretLost`, naming the token so the person can revoke it from the list.
    /// * The check itself fails: the original error is returned with a message saying the outcome is unknown
    ///   and asking the person to refresh the list before trying again (never a second blind create).
    ///
    /// The decisions are [`CreateProtocol`]'s (see this module's diagram); this method performs its steps.
    pub async fn create_pat(&self, request: &NewTokenRequest) -> Result<CreatedToken, Error> {
        let org = request.organization.trim();
        let display_name = validate_display_name(&request.display_name)?;
        let scope = normalise_scopes(&request.scopes)?;
        let (mut protocol, mut step) = CreateProtocol::start(self.options.retry);
        // The last attempt: when it started and the `validTo` it asked for (what a check looks for).
        let mut started = self.clock.now();
        let mut valid_to = started;
        loop {
            let event = match step {
                Step::Send => {
                    started = self.clock.now();
                    valid_to = round_to_10ms(request.lifespan.valid_to(started, None)?);
                    Event::Sent(
                        self.send_create(org, &display_name, &scope, valid_to)
                            .await?,
                    )
                }
                Step::Check => Event::Checked(
                    self.find_created(org, &display_name, &scope, valid_to, started)
                        .await,
                ),
                Step::RevokeOrphan(orphan) => Event::OrphanRevoked(matches!(
                    self.revoke_pat(org, &orphan.authorization_id).await,
                    Ok(RevokeOutcome::Revoked | RevokeOutcome::AlreadyGone)
                )),
                Step::Wait(delay) => {
                    tokio::time::sleep(delay).await;
                    Event::Waited
                }
                Step::Finish(result) => return result,
            };
            step = protocol.on(event);
        }
    }

    /// One create request and what its answer means. Fails only when the request cannot even be built.
    async fn send_create(
        &self,
        org: &str,
        display_name: &str,
        scope: &str,
        valid_to: DateTime<Utc>,
    ) -> Result<Sent, Error> {
        let body = serde_json::to_value(WireCreateRequest {
            display_name,
            scope,
            valid_to: format_date(valid_to),
            all_orgs: false,
        })
        .map_err(Error::internal)?;
        let url = self.pats_url(org, &[])?;
        let answer = match self.send_once(Method::POST, &url, Some(&body)).await {
            Ok(answer) => answer,
            Err(e) => return Ok(Sent::failure(e)),
        };
        let result: WirePatTokenResult = match parse_json(&answer.body) {
            Ok(result) => result,
            Err(e) => return Ok(Sent::failure(e)),
        };
        if let Some(err) = result.business_error() {
            // The service answered, and refused: nothing was created, whatever the error.
            return Ok(Sent::Refused(Error::from_pat_token_error(
                err,
                result.pat_token_error_message.as_deref(),
            )));
        }
        Ok(match result.pat_token {
            Some(mut w) => match w.token.take() {
                Some(secret) if !secret.expose().is_empty() => {
                    let token = self.to_model(w, org, TokenStatus::Active);
                    let clamped_from = (token.valid_to < valid_to - chrono::Duration::seconds(1))
                        .then_some(valid_to);
                    Sent::Created(CreatedToken {
                        token,
                        secret,
                        clamped_from,
                    })
                }
                _ => Sent::CreatedWithoutSecret(self.to_model(w, org, TokenStatus::Active)),
            },
            None => Sent::failure(
                Error::from_code(ErrorCode::MalformedResponse)
                    .with_raw("create answered without patToken"),
            ),
        })
    }

    /// The token an ambiguous create attempt made, if any.
    async fn find_created(
        &self,
        org: &str,
        display_name: &str,
        scope: &str,
        valid_to: DateTime<Utc>,
        started: DateTime<Utc>,
    ) -> Result<Option<PatToken>, Error> {
        let active = self
            .list_pats(org, &ListQuery::with_filter(ListFilter::Active))
            .await?;
        // The service keeps `validTo` to 10 ms (it is sent rounded so).
        let to_10ms = chrono::Duration::milliseconds(10);
        Ok(made_by_the_create(
            active,
            display_name,
            scope,
            valid_to,
            started,
            to_10ms,
        ))
    }
}

/// Among the person's active tokens, the one an ambiguous create made, if any (Services and Server alike): the
/// name and scopes sent, and the `validTo` sent (within `tolerance`, how precisely the service keeps it) or an
/// earlier one a policy clamped to, on a token made since the attempt began (less two minutes for the
/// clocks); the newest when several match.
pub(crate) fn made_by_the_create(
    active: Vec<PatToken>,
    display_name: &str,
    scope: &str,
    valid_to: DateTime<Utc>,
    started: DateTime<Utc>,
    tolerance: chrono::Duration,
) -> Option<PatToken> {
    let wanted_scope = scope_set(scope);
    let skew = chrono::Duration::seconds(120);
    active
        .into_iter()
        .filter(|t| t.display_name == display_name && scope_set(&t.scope) == wanted_scope)
        .filter(|t| {
            (t.valid_to - valid_to).abs() <= tolerance
                || (t.valid_to < valid_to && t.valid_from >= started - skew)
        })
        .min_by_key(|t| std::cmp::Reverse(t.valid_from))
}

/// A failure after which the service may or may not have created the token.
fn is_ambiguous(e: &Error) -> bool {
    match e.code {
        ErrorCode::Timeout | ErrorCode::Network => !never_sent(e),
        ErrorCode::ServerError | ErrorCode::MalformedResponse => true,
        _ => false,
    }
}

fn secret_lost(orphan: &PatToken) -> Error {
    Error::new(
        ErrorCode::CreatedButSecretLost,
        format!(
            "The token \"{}\" was created, but its value could not be received, so it cannot be used. Revoke it from the list and create a new one.",
            orphan.display_name
        ),
    )
    .with_raw(orphan.authorization_id.clone())
}

/// The last attempt's error, once a listing has shown that it created nothing: the person may simply try again.
fn nothing_created(e: Error) -> Error {
    let message = format!("{} No token was created.", e.message);
    Error { message, ..e }
}

fn outcome_unknown(e: Error) -> Error {
    let message = format!(
        "{} PAT Desk could not check whether the token was created: refresh the list before trying again.",
        e.message
    );
    Error { message, ..e }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Organization;
    use crate::secret::Sensitive;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn token(id: &str) -> PatToken {
        PatToken {
            authorization_id: id.into(),
            display_name: "build agent".into(),
            scope: "vso.code".into(),
            scope_summary: vec![],
            target_organizations: Some(vec![Organization::new("o-1", "contoso-web")]),
            is_global: false,
            valid_from: at("2026-11-23T20:00:00Z"),
            valid_to: at("2026-12-23T20:00:00Z"),
            status: TokenStatus::Active,
            stopped_working: false,
            organization: "contoso-web".into(),
        }
    }

    fn created() -> CreatedToken {
        CreatedToken {
            token: token("new"),
            secret: Sensitive::from("s3cret"),
            clamped_from: None,
        }
    }

    fn policy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
        }
    }

    fn timeout() -> Error {
        Error::from_code(ErrorCode::Timeout)
    }

    fn throttled(secs: u64) -> Error {
        Error::from_code(ErrorCode::RateLimited).with_retry_after(Some(Duration::from_secs(secs)))
    }

    /// Plays `events` from the start and returns every step, the first (`Send`) included.
    fn play(max_attempts: u32, events: Vec<Event>) -> Vec<Step> {
        let (mut protocol, first) = CreateProtocol::start(policy(max_attempts));
        let mut steps = vec![first];
        for event in events {
            steps.push(protocol.on(event));
        }
        steps
    }

    fn finished_with(step: &Step) -> Result<&CreatedToken, &Error> {
        match step {
            Step::Finish(result) => result.as_ref(),
            other => panic!("expected the end, got {other:?}"),
        }
    }

    #[test]
    fn a_clean_create_sends_once() {
        let steps = play(5, vec![Event::Sent(Sent::Created(created()))]);
        assert!(matches!(steps[0], Step::Send));
        assert_eq!(
            finished_with(&steps[1]).unwrap().token.authorization_id,
            "new"
        );
    }

    #[test]
    fn an_ambiguous_failure_is_checked_before_anything_is_sent_again() {
        let steps = play(
            5,
            vec![
                Event::Sent(Sent::Ambiguous(timeout())),
                Event::Checked(Ok(None)),
                Event::Waited,
                Event::Sent(Sent::Created(created())),
            ],
        );
        assert!(matches!(steps[1], Step::Check));
        match steps[2] {
            Step::Wait(d) => {
                assert!(d >= Duration::from_millis(50) && d <= Duration::from_millis(100))
            }
            ref other => panic!("{other:?}"),
        }
        assert!(matches!(steps[3], Step::Send));
        assert!(finished_with(&steps[4]).is_ok());
    }

    #[test]
    fn a_token_found_after_an_ambiguous_failure_is_revoked_and_made_once_more() {
        let steps = play(
            5,
            vec![
                Event::Sent(Sent::Ambiguous(Error::from_code(ErrorCode::ServerError))),
                Event::Checked(Ok(Some(token("orphan")))),
                Event::OrphanRevoked(true),
                Event::Sent(Sent::Created(created())),
            ],
        );
        match &steps[2] {
            Step::RevokeOrphan(t) => assert_eq!(t.authorization_id, "orphan"),
            other => panic!("{other:?}"),
        }
        // No wait: the orphan proves the service is up.
        assert!(matches!(steps[3], Step::Send));
        assert!(finished_with(&steps[4]).is_ok());
    }

    #[test]
    fn an_answer_without_a_secret_is_an_orphan_too() {
        let steps = play(
            5,
            vec![
                Event::Sent(Sent::CreatedWithoutSecret(token("orphan"))),
                Event::OrphanRevoked(true),
                Event::Sent(Sent::Created(created())),
            ],
        );
        assert!(matches!(steps[1], Step::RevokeOrphan(_)));
        assert!(matches!(steps[2], Step::Send));
        assert!(finished_with(&steps[3]).is_ok());
    }

    #[test]
    fn a_check_that_fails_reports_an_unknown_outcome() {
        let steps = play(
            5,
            vec![
                Event::Sent(Sent::Ambiguous(Error::from_code(ErrorCode::ServerError))),
                Event::Checked(Err(Error::from_code(ErrorCode::NotAllowed))),
            ],
        );
        let e = finished_with(&steps[2]).unwrap_err();
        assert_eq!(e.code, ErrorCode::ServerError, "the create's own error");
        assert!(e.message.contains("refresh the list"), "{}", e.message);
    }

    #[test]
    fn only_one_orphan_is_ever_revoked() {
        let steps = play(
            5,
            vec![
                Event::Sent(Sent::Ambiguous(timeout())),
                Event::Checked(Ok(Some(token("first")))),
                Event::OrphanRevoked(true),
                Event::Sent(Sent::Ambiguous(timeout())),
                Event::Checked(Ok(Some(token("second")))),
            ],
        );
        let e = finished_with(&steps[5]).unwrap_err();
        assert_eq!(e.code, ErrorCode::CreatedButSecretLost);
        assert_eq!(
            e.raw.as_deref(),
            Some("second"),
            "names the token to revoke"
        );
        assert!(e.message.contains("build agent"));
    }

    #[test]
    fn an_orphan_that_cannot_be_revoked_is_named() {
        let steps = play(
            5,
            vec![
                Event::Sent(Sent::CreatedWithoutSecret(token("orphan"))),
                Event::OrphanRevoked(false),
            ],
        );
        let e = finished_with(&steps[2]).unwrap_err();
        assert_eq!(e.code, ErrorCode::CreatedButSecretLost);
        assert_eq!(e.raw.as_deref(), Some("orphan"));
    }

    #[test]
    fn definite_refusals_are_final_and_throttling_is_waited_out() {
        let invalid = Error::from_code(ErrorCode::InvalidScope);
        let steps = play(5, vec![Event::Sent(Sent::Refused(invalid))]);
        assert_eq!(
            finished_with(&steps[1]).unwrap_err().code,
            ErrorCode::InvalidScope
        );

        let steps = play(
            3,
            vec![
                Event::Sent(Sent::Refused(throttled(2))),
                Event::Waited,
                Event::Sent(Sent::Refused(throttled(4))),
                Event::Waited,
                Event::Sent(Sent::Refused(throttled(4))),
            ],
        );
        // Retry-After is honoured, and no listing is needed: a 429 created nothing.
        assert!(matches!(steps[1], Step::Wait(d) if d == Duration::from_secs(2)));
        assert!(matches!(steps[3], Step::Wait(d) if d == Duration::from_secs(4)));
        assert_eq!(
            finished_with(&steps[5]).unwrap_err().code,
            ErrorCode::RateLimited,
            "three attempts, then the 429 is reported"
        );
    }

    #[test]
    fn the_last_attempt_reports_what_it_found() {
        // No attempt left: an orphan found is reported rather than revoked, "not found" returns the error.
        let steps = play(
            1,
            vec![
                Event::Sent(Sent::Ambiguous(timeout())),
                Event::Checked(Ok(Some(token("orphan")))),
            ],
        );
        assert_eq!(
            finished_with(&steps[2]).unwrap_err().code,
            ErrorCode::CreatedButSecretLost
        );
        let steps = play(
            1,
            vec![
                Event::Sent(Sent::Ambiguous(timeout())),
                Event::Checked(Ok(None)),
            ],
        );
        let e = finished_with(&steps[2]).unwrap_err();
        assert_eq!(e.code, ErrorCode::Timeout);
        assert!(
            e.message.ends_with("No token was created."),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_event_that_does_not_answer_the_step_is_an_internal_error() {
        let steps = play(5, vec![Event::Checked(Ok(None))]);
        assert_eq!(
            finished_with(&steps[1]).unwrap_err().code,
            ErrorCode::Internal
        );
        let steps = play(
            5,
            vec![Event::Sent(Sent::Created(created())), Event::Waited],
        );
        assert_eq!(
            finished_with(&steps[2]).unwrap_err().code,
            ErrorCode::Internal
        );
    }

    #[test]
    fn failures_that_may_have_reached_the_service_are_ambiguous() {
        for code in [
            ErrorCode::Timeout,
            ErrorCode::Network,
            ErrorCode::ServerError,
            ErrorCode::MalformedResponse,
        ] {
            assert!(is_ambiguous(&Error::from_code(code)), "{code:?}");
        }
        for code in [
            ErrorCode::RateLimited,
            ErrorCode::ServerBusy,
            ErrorCode::SessionExpired,
            ErrorCode::NotAllowed,
            ErrorCode::OrganizationNotFound,
            ErrorCode::InvalidScope,
            ErrorCode::Internal,
        ] {
            assert!(!is_ambiguous(&Error::from_code(code)), "{code:?}");
        }
        // A connection that was never made: the request never left.
        let refused = crate::http::mark_never_sent(Error::from_code(ErrorCode::Network));
        assert!(!is_ambiguous(&refused));
        let connect_timeout = crate::http::mark_never_sent(timeout());
        assert!(!is_ambiguous(&connect_timeout));
    }

    /// Every possible run, for small retry budgets: whatever the service and the network do, the protocol
    /// keeps its guarantees and ends.
    #[test]
    fn every_run_keeps_the_guarantees() {
        fn events_for(step: &Step) -> Vec<Event> {
            match step {
                Step::Send => vec![
                    Event::Sent(Sent::Created(created())),
                    Event::Sent(Sent::CreatedWithoutSecret(token("no-secret"))),
                    Event::Sent(Sent::Refused(throttled(1))),
                    Event::Sent(Sent::Refused(Error::from_code(ErrorCode::InvalidScope))),
                    Event::Sent(Sent::Ambiguous(timeout())),
                    Event::Sent(Sent::Ambiguous(Error::from_code(ErrorCode::ServerError))),
                ],
                Step::Check => vec![
                    Event::Checked(Ok(None)),
                    Event::Checked(Ok(Some(token("found")))),
                    Event::Checked(Err(Error::from_code(ErrorCode::Network))),
                ],
                Step::RevokeOrphan(_) => {
                    vec![Event::OrphanRevoked(true), Event::OrphanRevoked(false)]
                }
                Step::Wait(_) => vec![Event::Waited],
                Step::Finish(_) => vec![],
            }
        }

        #[derive(Default, Clone)]
        struct Run {
            sends: u32,
            revokes: u32,
            steps: u32,
            /// The last create was ambiguous and nothing has shown since that it created nothing.
            unsure: bool,
            /// The last event was a successful create.
            created: bool,
        }

        fn explore(protocol: CreateProtocol, step: Step, run: Run, max: u32, runs: &mut u32) {
            let mut run = run;
            run.steps += 1;
            assert!(run.steps <= 4 * max + 4, "a run that does not end");
            match &step {
                Step::Send => {
                    assert!(
                        !run.unsure,
                        "a create sent while the last one may have worked"
                    );
                    run.sends += 1;
                    assert!(run.sends <= max, "more creates than attempts");
                }
                Step::RevokeOrphan(_) => {
                    run.revokes += 1;
                    assert!(run.revokes <= 1, "a second orphan chased");
                }
                Step::Finish(result) => {
                    assert_eq!(
                        result.is_ok(),
                        run.created,
                        "success only from a created token"
                    );
                    *runs += 1;
                    return;
                }
                Step::Check | Step::Wait(_) => {}
            }
            for event in events_for(&step) {
                let mut run = run.clone();
                match &event {
                    Event::Sent(Sent::Ambiguous(_)) => run.unsure = true,
                    // Nothing was made, or what was made is revoked: sending again is safe.
                    Event::Checked(Ok(None)) | Event::OrphanRevoked(true) => run.unsure = false,
                    Event::Sent(Sent::CreatedWithoutSecret(_)) => run.unsure = true,
                    Event::Checked(Ok(Some(_))) => run.unsure = true,
                    _ => {}
                }
                run.created = matches!(event, Event::Sent(Sent::Created(_)));
                let mut next = protocol.clone();
                let step = next.on(event);
                explore(next, step, run, max, runs);
            }
        }

        for max in 1..=4 {
            let (protocol, first) = CreateProtocol::start(policy(max));
            let mut runs = 0;
            explore(protocol, first, Run::default(), max, &mut runs);
            assert!(runs >= 10, "{runs} runs explored for {max} attempts");
        }
    }
}
