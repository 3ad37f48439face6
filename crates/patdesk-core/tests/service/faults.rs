//! Error mapping, retries and the never-twice create, driven by the simulator's policies and injected faults.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use patdesk_core::client::{ClientOptions, ListQuery, RetryPolicy};
use patdesk_core::credentials::StaticToken;
use patdesk_core::model::{Lifespan, NewTokenRequest, RevokeOutcome, UpdateTokenRequest};
use patdesk_core::ErrorCode;
use patdesk_sim::Seed;
use patdesk_test_support::CONTOSO_WEB;
use serde_json::json;

fn request(name: &str, scopes: &[&str], days: u32) -> NewTokenRequest {
    NewTokenRequest {
        organization: CONTOSO_WEB.into(),
        display_name: name.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        lifespan: Lifespan::Days { days },
    }
}

fn no_retry(timeout: Duration) -> ClientOptions {
    ClientOptions {
        request_timeout: timeout,
        retry: RetryPolicy::none(),
    }
}

#[tokio::test]
async fn pat_token_errors_map_to_codes_case_insensitively() {
    let env = start(Seed::Empty).await;
    let cases = [
        ("patLifespanPolicyViolation", ErrorCode::PolicyLifespan),
        ("FULLSCOPEPATPOLICYVIOLATION", ErrorCode::PolicyFullScope),
        ("globalPatPolicyViolation", ErrorCode::PolicyGlobalPat),
        (
            "disablePatCreationPolicyViolation",
            ErrorCode::PolicyCreationRestricted,
        ),
        ("globalPATCreationBlocked", ErrorCode::GlobalPatRetired),
        ("invalidDisplayName", ErrorCode::InvalidDisplayName),
        ("invalidValidTo", ErrorCode::InvalidExpiry),
        ("invalidScope", ErrorCode::InvalidScope),
        ("invalidTargetAccounts", ErrorCode::InvalidInput),
        ("accessDenied", ErrorCode::AccessDenied),
        ("invalidUserType", ErrorCode::AccountCannotManagePats),
        ("somethingFromTheFuture", ErrorCode::UnknownServerError),
    ];
    for (value, code) in cases {
        env.fault(
            json!({"kind": "patError", "route": "pats.create", "patError": value, "count": 1}),
        )
        .await;
        let e = env
            .client
            .create_pat(&request("x", &["vso.code"], 7))
            .await
            .unwrap_err();
        assert_eq!(e.code, code, "{value}");
        assert!(!e.message.is_empty());
        assert_eq!(e.raw.as_deref(), Some(value));
        if code == ErrorCode::UnknownServerError || code == ErrorCode::AccountCannotManagePats {
            assert!(
                e.message.contains(value),
                "the raw value is shown: {}",
                e.message
            );
        }
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json.as_object().unwrap().len(),
            2,
            "only code and message cross IPC"
        );
    }
    assert!(
        env.tokens_named("x").await.is_empty(),
        "no business error created a token"
    );
}

#[tokio::test]
async fn real_policies_give_friendly_errors() {
    let env = start(Seed::Empty).await;
    env.policies(json!({"restrictFullScope": true})).await;
    let e = env
        .client
        .create_pat(&request("full", &["app_token"], 7))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PolicyFullScope);
    env.policies(
        json!({"restrictFullScope": false, "maxLifespanDays": 7, "lifespanMode": "refuse"}),
    )
    .await;
    let e = env
        .client
        .create_pat(&request("long", &["vso.code"], 30))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PolicyLifespan);
    env.policies(json!({"maxLifespanDays": null, "org": CONTOSO_WEB, "restrictCreation": true}))
        .await;
    let e = env
        .client
        .create_pat(&request("blocked", &["vso.code"], 7))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PolicyCreationRestricted);
    assert!(e.message.contains("administrator"), "{}", e.message);
}

#[tokio::test]
async fn update_errors_for_expired_revoked_and_unknown_tokens() {
    let env = start(Seed::Empty).await;
    let expired = env
        .seed_pat(CONTOSO_WEB, "expired", "vso.code", -3, false)
        .await;
    let revoked = env
        .seed_pat(CONTOSO_WEB, "revoked", "vso.code", 30, true)
        .await;
    let extend = |id: &str| UpdateTokenRequest {
        organization: CONTOSO_WEB.into(),
        authorization_id: id.into(),
        display_name: None,
        scopes: None,
        lifespan: Some(Lifespan::Days { days: 30 }),
    };
    let e = env.client.update_pat(&extend(&expired)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ExpiredCannotExtend);
    let e = env.client.update_pat(&extend(&revoked)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::TokenInvalid);
    let e = env
        .client
        .update_pat(&extend(&uuid::Uuid::new_v4().to_string()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::TokenNotFound);
    // The older behaviour: extending an expired token reactivates it.
    env.switches(json!({"expiredUpdate": "allow"})).await;
    let t = env
        .client
        .update_pat(&extend(&expired))
        .await
        .unwrap()
        .token;
    assert_eq!(t.status, patdesk_core::model::TokenStatus::Active);
}

#[tokio::test]
async fn signed_out_answers_are_session_expired() {
    let env = start(Seed::Demo).await;
    // 203 sign-in page, with a token that cannot be refreshed.
    env.fault(json!({"kind": "html203", "route": "pats.list", "count": 1}))
        .await;
    let e = env
        .client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
    assert_eq!(
        env.count_route("pats.list").await,
        1,
        "a static token is not retried"
    );
    // 401 for a token the service does not accept.
    let bad = env.client_with(Arc::new(StaticToken::new("not-a-real-token")));
    let e = bad
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
    assert_eq!(e.status, Some(401));
    let e = bad.profile().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
}

#[tokio::test]
async fn forbidden_missing_and_bad_requests() {
    let env = start(Seed::Demo).await;
    env.fault(json!({"kind": "status", "status": 403, "route": "pats.list", "count": 1}))
        .await;
    let e = env
        .client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotAllowed);
    assert_eq!(env.count_route("pats.list").await, 1, "403 is not retried");
    // A service principal's token.
    let v = env
        .control(
            reqwest::Method::POST,
            "access-token",
            Some(json!({"appOnly": true})),
        )
        .await;
    let app = env.client_with(Arc::new(StaticToken::new(
        v["accessToken"].as_str().unwrap(),
    )));
    let e = app
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e.code, ErrorCode::NotAllowed | ErrorCode::SessionExpired),
        "{e:?}"
    );
    // Unknown organization.
    let e = env
        .client
        .list_pats("no-such-org", &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::OrganizationNotFound);
}

#[tokio::test]
async fn reads_retry_through_throttling_server_errors_and_resets() {
    let env = start(Seed::Demo).await;
    for rule in [
        json!({"kind": "status", "status": 429, "route": "pats.list", "count": 2}),
        json!({"kind": "status", "status": 503, "route": "pats.list", "count": 2}),
        json!({"kind": "status", "status": 500, "route": "pats.list", "count": 2}),
        json!({"kind": "reset", "route": "pats.list", "count": 2}),
    ] {
        env.clear_requests().await;
        env.fault(rule.clone()).await;
        let tokens = env
            .client
            .list_pats(CONTOSO_WEB, &ListQuery::default())
            .await
            .unwrap();
        assert!(!tokens.is_empty());
        assert_eq!(
            env.count_route("pats.list").await,
            3,
            "two failures then success: {rule}"
        );
    }
    // Rate limiting with Retry-After: waits are capped by the policy, the call gets through.
    env.clear_requests().await;
    env.fault(json!({"kind": "rateLimit", "route": "pats.get", "ratePerSec": 1, "count": 1}))
        .await;
    let id = env
        .client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap()[0]
        .authorization_id
        .clone();
    env.client.get_pat(CONTOSO_WEB, &id).await.unwrap();
    env.client.get_pat(CONTOSO_WEB, &id).await.unwrap();
    assert_eq!(env.count_route("pats.get").await, 3, "one 429, retried");
}

#[tokio::test]
async fn persistent_failures_give_up_after_max_attempts_with_the_right_code() {
    let env = start(Seed::Demo).await;
    for (rule, code) in [
        (
            json!({"kind": "status", "status": 503, "route": "pats.list"}),
            ErrorCode::ServerError,
        ),
        (
            json!({"kind": "status", "status": 429, "route": "pats.list"}),
            ErrorCode::RateLimited,
        ),
        (
            json!({"kind": "reset", "route": "pats.list"}),
            ErrorCode::Network,
        ),
    ] {
        env.clear_faults().await;
        env.clear_requests().await;
        env.fault(rule).await;
        let e = env
            .client
            .list_pats(CONTOSO_WEB, &ListQuery::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, code);
        assert!(e.is_transient());
        assert_eq!(env.count_route("pats.list").await, 5, "{code:?}");
    }
    env.clear_faults().await;
    // Malformed JSON is not retried.
    env.clear_requests().await;
    env.fault(json!({"kind": "malformedJson", "route": "pats.list", "count": 1}))
        .await;
    let e = env
        .client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::MalformedResponse);
    assert_eq!(env.count_route("pats.list").await, 1);
}

#[tokio::test]
async fn rate_limited_errors_carry_retry_after() {
    let env = start(Seed::Demo).await;
    let client = env
        .client
        .clone()
        .with_options(no_retry(Duration::from_secs(10)));
    // Silent: an announced limit would be waited out before the second listing (see `pacing`).
    env.fault(
        json!({"kind": "rateLimit", "route": "pats.list", "ratePerSec": 1, "announce": false}),
    )
    .await;
    client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap();
    let e = client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert!(e.is_rate_limited());
    let wait = e.retry_after().expect("Retry-After is read");
    assert!(
        wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2),
        "{wait:?}"
    );
}

#[tokio::test]
async fn timeouts_are_reported_and_retried() {
    let env = start(Seed::Demo).await;
    let quick = env
        .client
        .clone()
        .with_options(no_retry(Duration::from_millis(1000)));
    env.fault(json!({"kind": "timeout", "route": "pats.list", "count": 1}))
        .await;
    let e = quick
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Timeout);
    let retrying = env.client.clone().with_options(ClientOptions {
        request_timeout: Duration::from_millis(1000),
        retry: fast_retry(),
    });
    env.clear_requests().await;
    env.fault(json!({"kind": "timeout", "route": "pats.list", "count": 1}))
        .await;
    retrying
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap();
    assert_eq!(env.count_route("pats.list").await, 2);
}

/// The heart of "nothing is created twice and nothing lost".
#[tokio::test]
async fn create_after_an_ambiguous_failure_never_duplicates() {
    let env = start(Seed::Empty).await;
    let quick = env.client.clone().with_options(ClientOptions {
        request_timeout: Duration::from_millis(1000),
        retry: fast_retry(),
    });
    let faults = [
        json!({"kind": "status", "status": 500}),
        json!({"kind": "status", "status": 503}),
        json!({"kind": "reset"}),
        json!({"kind": "timeout"}),
        json!({"kind": "malformedJson"}),
    ];
    for (i, base) in faults.iter().enumerate() {
        for after_effect in [false, true] {
            let name = format!("ambiguous {i} {after_effect}");
            let mut rule = base.clone();
            rule["route"] = json!("pats.create");
            rule["count"] = json!(1);
            rule["afterEffect"] = json!(after_effect);
            env.fault(rule.clone()).await;
            let created = quick
                .create_pat(&request(&name, &["vso.code_write"], 30))
                .await
                .unwrap_or_else(|e| panic!("{rule}: {e:?}"));
            assert!(!created.secret.expose().is_empty(), "{rule}");
            let tokens = env.tokens_named(&name).await;
            let active: Vec<_> = tokens.iter().filter(|t| t["status"] == "active").collect();
            assert_eq!(
                active.len(),
                1,
                "exactly one working token for {rule}: {tokens:?}"
            );
            assert_eq!(
                active[0]["authorizationId"],
                created.token.authorization_id.as_str()
            );
            if after_effect {
                // The orphan whose secret never arrived was revoked, not left usable.
                assert_eq!(tokens.len(), 2, "{rule}");
                assert!(tokens.iter().any(|t| t["status"] == "revoked"));
            } else {
                assert_eq!(
                    tokens.len(),
                    1,
                    "nothing was created by the failed attempt: {rule}"
                );
            }
        }
    }
}

#[tokio::test]
async fn create_is_not_retried_for_definite_refusals_but_is_for_throttling() {
    let env = start(Seed::Empty).await;
    env.fault(json!({"kind": "status", "status": 429, "route": "pats.create", "count": 1}))
        .await;
    let created = env
        .client
        .create_pat(&request("throttled", &["vso.code"], 7))
        .await
        .unwrap();
    assert!(!created.secret.expose().is_empty());
    assert_eq!(env.count_route("pats.create").await, 2);
    assert_eq!(
        env.count_route("pats.list").await,
        0,
        "429 is unambiguous: no reconciliation needed"
    );
    assert_eq!(env.tokens_named("throttled").await.len(), 1);
    // A transient patTokenError means nothing was created: sent again.
    env.clear_requests().await;
    env.fault(json!({"kind": "patError", "patError": "failedToIssueAccessToken", "route": "pats.create", "count": 1})).await;
    env.client
        .create_pat(&request("busy", &["vso.code"], 7))
        .await
        .unwrap();
    assert_eq!(env.count_route("pats.create").await, 2);
    assert_eq!(env.tokens_named("busy").await.len(), 1);
}

#[tokio::test]
async fn create_that_cannot_be_checked_is_reported_not_repeated() {
    let env = start(Seed::Empty).await;
    env.fault(json!({"kind": "status", "status": 500, "route": "pats.create", "count": 1, "afterEffect": true})).await;
    env.fault(json!({"kind": "status", "status": 403, "route": "pats.list"}))
        .await;
    let e = env
        .client
        .create_pat(&request("unsure", &["vso.code"], 7))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ServerError);
    assert!(e.message.contains("refresh the list"), "{}", e.message);
    assert_eq!(
        env.count_route("pats.create").await,
        1,
        "no blind second create"
    );
    assert_eq!(env.tokens_named("unsure").await.len(), 1);
}

#[tokio::test]
async fn revoke_under_faults() {
    let env = start(Seed::Empty).await;
    // The DELETE happened but the answer was lost in a 500: the follow-up Get tells the truth.
    let id = env.seed_pat(CONTOSO_WEB, "r1", "vso.code", 30, false).await;
    env.fault(json!({"kind": "status", "status": 500, "route": "pats.revoke", "count": 1, "afterEffect": true})).await;
    let outcome = env.client.revoke_pat_once(CONTOSO_WEB, &id).await.unwrap();
    assert_eq!(outcome, RevokeOutcome::AlreadyGone);
    assert_eq!(env.tokens_named("r1").await[0]["status"], "revoked");
    // A 500 that did nothing: revoke_pat_once reports it, revoke_pat retries through it.
    let id = env.seed_pat(CONTOSO_WEB, "r2", "vso.code", 30, false).await;
    env.fault(json!({"kind": "status", "status": 500, "route": "pats.revoke", "count": 1}))
        .await;
    let e = env
        .client
        .revoke_pat_once(CONTOSO_WEB, &id)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ServerError);
    env.fault(json!({"kind": "status", "status": 503, "route": "pats.revoke", "count": 2}))
        .await;
    assert_eq!(
        env.client.revoke_pat(CONTOSO_WEB, &id).await.unwrap(),
        RevokeOutcome::Revoked
    );
    // 429: one attempt and no follow-up Get; the error is left for the caller (the bulk engine) to honour.
    let id = env.seed_pat(CONTOSO_WEB, "r3", "vso.code", 30, false).await;
    env.clear_requests().await;
    env.fault(json!({"kind": "status", "status": 429, "route": "pats.revoke", "count": 1}))
        .await;
    let e = env
        .client
        .revoke_pat_once(CONTOSO_WEB, &id)
        .await
        .unwrap_err();
    assert!(e.is_rate_limited());
    assert_eq!(env.count_route("pats.revoke").await, 1);
    assert_eq!(
        env.count_route("pats.get").await,
        0,
        "a throttled DELETE needs no check"
    );
    assert_eq!(env.tokens_named("r3").await[0]["status"], "active");
}

#[tokio::test]
async fn redirects_are_never_followed_and_mean_signed_out() {
    let env = start(Seed::Demo).await;
    env.switches(json!({"appOnlyRedirect": true})).await;
    let v = env
        .control(
            reqwest::Method::POST,
            "access-token",
            Some(json!({"appOnly": true})),
        )
        .await;
    let app = env.client_with(Arc::new(StaticToken::new(
        v["accessToken"].as_str().unwrap(),
    )));
    env.clear_requests().await;
    let e = app
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
    assert_eq!(e.status, Some(302));
    let reqs = env.requests().await;
    assert_eq!(reqs.len(), 1, "the Location was not followed: {reqs:?}");
}

#[tokio::test]
async fn refused_connections_are_network_errors_and_safe_to_repeat() {
    // A port nobody listens on: the create never reached a server, so it is not ambiguous.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let base = format!("http://127.0.0.1:{port}");
    let endpoints = patdesk_core::endpoints::Endpoints::from_sim_json(&format!(
        r#"{{"login":"{base}/login","app_vssps":"{base}/app_vssps","vssps":"{base}/vssps","dev":"{base}/dev"}}"#
    ))
    .unwrap();
    let client =
        patdesk_core::client::AzureDevOpsClient::new(endpoints, Arc::new(StaticToken::new("t")))
            .unwrap()
            .with_options(fast_options());
    let e = client
        .create_pat(&request("offline", &["vso.code"], 7))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Network);
    assert!(
        !e.message.contains("refresh the list"),
        "not an unknown outcome: {}",
        e.message
    );
    let e = client.profile().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Network);
    assert!(e.is_transient());
}

#[tokio::test]
async fn an_answer_too_large_to_be_a_token_list_is_refused_unread() {
    let env = start(Seed::Demo).await;
    let client = env
        .client
        .clone()
        .with_options(no_retry(Duration::from_secs(20)));
    // 17 MiB, streamed without a Content-Length: only counting what arrives can stop it.
    env.fault(json!({"kind": "oversizedBody", "route": "pats.list"}))
        .await;
    let e = client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::MalformedResponse, "{e:?}");
    assert!(
        e.message.contains("too large to be a token list"),
        "{}",
        e.message
    );
    // Just under the limit is still read (and is simply not a list).
    env.clear_faults().await;
    env.fault(
        json!({"kind": "oversizedBody", "route": "pats.list", "sizeBytes": 16 * 1024 * 1024 - 64}),
    )
    .await;
    let e = client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .err();
    assert!(
        e.as_ref().is_none_or(|e| !e.message.contains("too large")),
        "{e:?}"
    );
}
