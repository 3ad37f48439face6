//! Edit, Extend and Regenerate against the simulator: an extended token keeps its id, a shortened expiry is
//! reported, and Regenerate makes the new token before it revokes the old one, reporting a revoke that
//! failed instead of hiding it.

use crate::common::*;
use chrono::Utc;
use patdesk_core::model::{Lifespan, RegenerateRequest, RevokeOutcome, UpdateTokenRequest};
use patdesk_core::ErrorCode;
use patdesk_sim::Seed;
use patdesk_test_support::CONTOSO_WEB;
use serde_json::{json, Value};

fn token_in(state: &Value, id: &str) -> Value {
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["authorizationId"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(id)
        })
        .cloned()
        .unwrap_or_else(|| panic!("token {id} is not in the simulator"))
}

fn extend(id: &str, days: u32) -> UpdateTokenRequest {
    UpdateTokenRequest {
        organization: CONTOSO_WEB.into(),
        authorization_id: id.into(),
        display_name: None,
        scopes: None,
        lifespan: Some(Lifespan::Days { days }),
    }
}

fn regenerate(id: &str, days: u32) -> RegenerateRequest {
    RegenerateRequest {
        update_copies: None,
        organization: CONTOSO_WEB.into(),
        authorization_id: id.into(),
        lifespan: Lifespan::Days { days },
    }
}

#[tokio::test]
async fn extend_keeps_the_token_and_moves_its_expiry() {
    let env = start(Seed::Empty).await;
    let id = env
        .seed_pat(CONTOSO_WEB, "nightly build", "vso.build", 3, false)
        .await;
    let before = token_in(&env.state().await, &id)["validTo"].clone();
    let updated = env.client.update_pat(&extend(&id, 60)).await.unwrap();
    assert!(updated.clamped_from.is_none());
    assert_eq!(updated.token.authorization_id, id);
    let after = token_in(&env.state().await, &id);
    assert_ne!(after["validTo"], before);
    assert_eq!(after["status"], "active");
    let valid_to: chrono::DateTime<Utc> = after["validTo"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        valid_to, updated.token.valid_to,
        "the simulator holds what was answered"
    );
}

#[tokio::test]
async fn an_extension_past_the_policy_maximum_is_reported_with_the_date_asked_for() {
    let env = start(Seed::Empty).await;
    env.policies(json!({"maxLifespanDays": 30, "lifespanMode": "clamp"}))
        .await;
    let id = env
        .seed_pat(CONTOSO_WEB, "release", "vso.release", 5, false)
        .await;
    let updated = env.client.update_pat(&extend(&id, 90)).await.unwrap();
    let asked = updated.clamped_from.expect("the service shortened it");
    assert!(updated.token.valid_to < asked);
    assert!((asked - updated.token.valid_to).num_days() >= 59);
    // Refused instead of shortened: the policy's own error.
    env.policies(json!({"maxLifespanDays": 30, "lifespanMode": "refuse"}))
        .await;
    let e = env.client.update_pat(&extend(&id, 90)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PolicyLifespan);
}

#[tokio::test]
async fn regenerate_creates_the_new_token_before_revoking_the_old_one() {
    let env = start(Seed::Empty).await;
    let old = env
        .seed_pat(
            CONTOSO_WEB,
            "deploy bot",
            "vso.code_write vso.build",
            4,
            false,
        )
        .await;
    env.clear_requests().await;
    let regenerated = env
        .client
        .regenerate_pat(&regenerate(&old, 30))
        .await
        .unwrap();
    let new = &regenerated.created.token;
    assert_ne!(new.authorization_id, old);
    assert_eq!(new.display_name, "deploy bot");
    assert!(!regenerated.created.secret.expose().is_empty());
    assert_eq!(regenerated.previous.authorization_id, old);
    assert_eq!(regenerated.previous.outcome, RevokeOutcome::Revoked);
    assert!(regenerated.previous_gone());

    let state = env.state().await;
    assert_eq!(token_in(&state, &old)["status"], "revoked");
    let fresh = token_in(&state, &new.authorization_id);
    assert_eq!(fresh["status"], "active");
    assert_eq!(fresh["displayName"], "deploy bot");
    assert_eq!(fresh["scope"], "vso.code_write vso.build");
    assert_eq!(fresh["org"], CONTOSO_WEB);

    // Get, Create, then Revoke: never the other way round.
    let routes: Vec<String> = env
        .requests()
        .await
        .iter()
        .map(|r| r["route"].as_str().unwrap_or("").to_string())
        .filter(|r| r.starts_with("pats."))
        .collect();
    let create = routes.iter().position(|r| r == "pats.create").unwrap();
    let revoke = routes.iter().position(|r| r == "pats.revoke").unwrap();
    assert!(create < revoke, "{routes:?}");
    assert_eq!(routes.iter().filter(|r| *r == "pats.create").count(), 1);
}

#[tokio::test]
async fn a_revoke_that_fails_is_reported_and_both_tokens_remain() {
    let env = start(Seed::Empty).await;
    let old = env
        .seed_pat(CONTOSO_WEB, "laptop git", "vso.code", 10, false)
        .await;
    env.fault(
        json!({"kind": "status", "status": 500, "route": "pats.revoke", "authorizationId": old}),
    )
    .await;
    let regenerated = env
        .client
        .regenerate_pat(&regenerate(&old, 30))
        .await
        .unwrap();
    match &regenerated.previous.outcome {
        RevokeOutcome::Failed { error } => assert_eq!(error.code, ErrorCode::ServerError),
        other => panic!("the failed revoke was hidden: {other:?}"),
    }
    assert!(!regenerated.previous_gone());
    let state = env.state().await;
    assert_eq!(token_in(&state, &old)["status"], "active");
    let new = &regenerated.created.token.authorization_id;
    assert_eq!(token_in(&state, new)["status"], "active");
    assert!(
        !regenerated.created.secret.expose().is_empty(),
        "the new value is still there to copy"
    );
}

#[tokio::test]
async fn a_create_that_fails_leaves_the_old_token_alone() {
    let env = start(Seed::Empty).await;
    let old = env
        .seed_pat(CONTOSO_WEB, "symbols", "vso.symbols", 10, false)
        .await;
    env.policies(json!({"restrictCreation": true})).await;
    env.clear_requests().await;
    let e = env
        .client
        .regenerate_pat(&regenerate(&old, 30))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PolicyCreationRestricted);
    assert_eq!(env.count_route("pats.revoke").await, 0);
    assert_eq!(token_in(&env.state().await, &old)["status"], "active");
}

#[tokio::test]
async fn an_expired_token_cannot_be_extended_but_can_be_regenerated() {
    let env = start(Seed::Empty).await;
    let old = env
        .seed_pat(CONTOSO_WEB, "old feed", "vso.packaging", -2, false)
        .await;
    let e = env.client.update_pat(&extend(&old, 30)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ExpiredCannotExtend);
    assert!(e.message.contains("Regenerate"), "{}", e.message);
    let regenerated = env
        .client
        .regenerate_pat(&regenerate(&old, 30))
        .await
        .unwrap();
    assert!(regenerated.previous_gone());
    let fresh = token_in(
        &env.state().await,
        &regenerated.created.token.authorization_id,
    );
    assert_eq!(fresh["status"], "active");
    assert_eq!(fresh["scope"], "vso.packaging");
}

#[tokio::test]
async fn a_global_token_is_not_regenerated() {
    let env = start(Seed::Empty).await;
    let valid_to = (Utc::now() + chrono::Duration::days(20)).to_rfc3339();
    let v = env
        .control(
            reqwest::Method::POST,
            "pats",
            Some(json!({"org": CONTOSO_WEB, "displayName": "everywhere", "scope": "vso.code", "validTo": valid_to, "global": true})),
        )
        .await;
    let id = v["authorizationId"].as_str().unwrap().to_string();
    env.clear_requests().await;
    let e = env
        .client
        .regenerate_pat(&regenerate(&id, 30))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::GlobalPatRetired);
    assert_eq!(env.count_route("pats.create").await, 0);
    assert_eq!(env.count_route("pats.revoke").await, 0);
}
