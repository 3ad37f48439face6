//! Entra sign-in through the simulator: the device-code flow (§3.6) and refresh-token rotation (§3.5),
//! including the client's refresh-and-retry after a `401`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use common::*;
use patdesk_core::auth::{
    AccessTokenProvider, DeviceCodeFlow, DeviceCodePrompt, EntraConfig, RefreshingProvider,
    TokenSet,
};
use patdesk_core::client::ListQuery;
use patdesk_core::{ErrorCode, Sensitive};
use patdesk_sim::Seed;
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn config() -> EntraConfig {
    EntraConfig::default()
}

/// Start a device code with a short poll interval (the simulator's default is 5 s).
async fn start_device(env: &Env, config: &EntraConfig) -> DeviceCodePrompt {
    let mut prompt = DeviceCodeFlow::start(&env.endpoints, config).await.unwrap();
    prompt.interval = Duration::from_millis(20);
    prompt.slow_down_step = Duration::from_millis(20);
    prompt
}

async fn approve(env: &Env, prompt: &DeviceCodePrompt) {
    env.control(
        reqwest::Method::POST,
        "device/approve",
        Some(json!({"userCode": prompt.user_code})),
    )
    .await;
}

async fn sign_in(env: &Env) -> TokenSet {
    let prompt = start_device(env, &config()).await;
    approve(env, &prompt).await;
    DeviceCodeFlow::poll_until_done(&prompt, &CancellationToken::new())
        .await
        .unwrap()
}

#[tokio::test]
async fn device_code_sign_in_yields_working_tokens() {
    let env = start(Seed::Demo).await;
    let prompt = start_device(&env, &config()).await;
    assert!(!prompt.user_code.is_empty());
    assert!(prompt.verification_uri.starts_with("http"));
    assert!(prompt.message.contains(&prompt.user_code));
    assert!(!format!("{prompt:?}").contains("device_code"));
    let cancel = CancellationToken::new();
    let poll = tokio::spawn({
        let prompt = prompt.clone();
        async move { DeviceCodeFlow::poll_until_done(&prompt, &cancel).await }
    });
    // Let it see authorization_pending at least once, then approve.
    while env.count_route("entra.token").await == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    approve(&env, &prompt).await;
    let tokens = poll.await.unwrap().unwrap();
    assert!(tokens.refresh_token.is_some());
    assert!(tokens.expires_at > Utc::now());
    assert!(!format!("{tokens:?}").contains(tokens.access_token.expose().as_str()));
    // The access token works against Azure DevOps.
    let provider = RefreshingProvider::new(&env.endpoints, &config(), tokens).unwrap();
    let client = env.client_with(Arc::new(provider));
    let profile = client.profile().await.unwrap();
    assert_eq!(profile.display_name, env.sim.demo_user().display_name);
}

#[tokio::test]
async fn device_code_declined_expired_and_cancelled() {
    let env = start(Seed::Demo).await;
    // Declined.
    let prompt = start_device(&env, &config()).await;
    env.control(
        reqwest::Method::POST,
        "device/decline",
        Some(json!({"userCode": prompt.user_code})),
    )
    .await;
    let e = DeviceCodeFlow::poll_until_done(&prompt, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SignInDeclined);
    // Expired on the server.
    env.switches(json!({"deviceCodeLifetimeSeconds": 1})).await;
    let prompt = start_device(&env, &config()).await;
    let mut slow = prompt.clone();
    slow.interval = Duration::from_millis(300);
    slow.expires_in = Duration::from_secs(60); // the server decides, not the local clock
    let e = DeviceCodeFlow::poll_until_done(&slow, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SignInExpired);
    env.switches(json!({"deviceCodeLifetimeSeconds": 900}))
        .await;
    // Cancelled by the person.
    let prompt = start_device(&env, &config()).await;
    let cancel = CancellationToken::new();
    let task = tokio::spawn({
        let cancel = cancel.clone();
        async move { DeviceCodeFlow::poll_until_done(&prompt, &cancel).await }
    });
    while env.count_route("entra.token").await < 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cancel.cancel();
    let e = task.await.unwrap().unwrap_err();
    assert_eq!(e.code, ErrorCode::SignInCancelled);
}

#[tokio::test]
async fn device_code_slow_down_is_honoured() {
    let env = start(Seed::Demo).await;
    env.switches(json!({"deviceSlowDownPolls": 2})).await;
    let prompt = start_device(&env, &config()).await;
    approve(&env, &prompt).await;
    let tokens = DeviceCodeFlow::poll_until_done(&prompt, &CancellationToken::new())
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_some());
    assert!(
        env.count_route("entra.token").await >= 3,
        "two slow_down answers, then success"
    );
}

#[tokio::test]
async fn unknown_client_is_a_configuration_error() {
    let env = start(Seed::Demo).await;
    for client_id in ["not-registered", patdesk_sim::NO_PUBLIC_FLOWS_CLIENT_ID] {
        let cfg = EntraConfig {
            client_id: client_id.into(),
            ..config()
        };
        let e = DeviceCodeFlow::start(&env.endpoints, &cfg)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::SignInConfiguration, "{client_id}: {e:?}");
    }
}

#[tokio::test]
async fn refresh_rotates_and_reports_the_new_refresh_token() {
    let env = start(Seed::Demo).await;
    let tokens = sign_in(&env).await;
    let first_refresh = tokens.refresh_token.clone().unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let provider = RefreshingProvider::new(&env.endpoints, &config(), tokens)
        .unwrap()
        .with_refresh_hook(Arc::new({
            let seen = seen.clone();
            move |t: &Sensitive<String>| seen.lock().unwrap().push(t.expose().clone())
        }));
    let before = provider.access_token().await.unwrap();
    env.clear_requests().await;
    // Fresh token: no refresh.
    assert_eq!(provider.access_token().await.unwrap(), before);
    assert_eq!(env.count_route("entra.token").await, 0);
    let after = provider.refresh_now().await.unwrap();
    assert_ne!(after, before);
    let second_refresh = provider.refresh_token().await.unwrap();
    assert_ne!(second_refresh, first_refresh, "the refresh token rotated");
    assert_eq!(*seen.lock().unwrap(), vec![second_refresh.expose().clone()]);
    // The rotated token keeps working.
    let client = env.client_with(Arc::new(provider));
    client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn access_token_is_refreshed_near_expiry() {
    let env = start(Seed::Demo).await;
    let mut tokens = sign_in(&env).await;
    tokens.expires_at = Utc::now() + chrono::Duration::minutes(4);
    let provider = RefreshingProvider::new(&env.endpoints, &config(), tokens.clone()).unwrap();
    env.clear_requests().await;
    let t = provider.access_token().await.unwrap();
    assert_ne!(t, tokens.access_token);
    assert_eq!(env.count_route("entra.token").await, 1);
    assert!(provider.expires_at().await > Utc::now() + chrono::Duration::minutes(30));
    // Starting from a stored refresh token alone.
    let restored = RefreshingProvider::from_refresh_token(
        &env.endpoints,
        &config(),
        provider.refresh_token().await.unwrap(),
    )
    .unwrap();
    let client = env.client_with(Arc::new(restored));
    client.profile().await.unwrap();
}

#[tokio::test]
async fn unauthorized_answers_refresh_once_and_retry() {
    let env = start(Seed::Demo).await;
    let mut tokens = sign_in(&env).await;
    // An access token the service no longer accepts, though it looks fresh to us.
    tokens.access_token = Sensitive::new("revoked-or-garbage".to_string());
    tokens.expires_at = Utc::now() + chrono::Duration::hours(1);
    let provider = Arc::new(RefreshingProvider::new(&env.endpoints, &config(), tokens).unwrap());
    let client = env.client_with(provider.clone());
    env.clear_requests().await;
    let listed = client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap();
    assert!(!listed.is_empty());
    assert_eq!(env.count_route("pats.list").await, 2, "401, then the retry");
    assert_eq!(env.count_route("entra.token").await, 1, "one refresh");
    let statuses: Vec<_> = env
        .requests()
        .await
        .iter()
        .filter(|r| r["route"] == "pats.list")
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(401), json!(200)]);
    // A 203 sign-in page also triggers the refresh.
    env.fault(json!({"kind": "html203", "route": "pats.create", "count": 1}))
        .await;
    let created = client
        .create_pat(&patdesk_core::model::NewTokenRequest {
            organization: CONTOSO_WEB.into(),
            display_name: "after 203".into(),
            scopes: vec!["vso.code".into()],
            lifespan: patdesk_core::model::Lifespan::Days { days: 7 },
        })
        .await
        .unwrap();
    assert!(!created.secret.expose().is_empty());
    assert_eq!(env.tokens_named("after 203").await.len(), 1);
}

#[tokio::test]
async fn refused_refresh_token_means_sign_in_again() {
    let env = start(Seed::Demo).await;
    let provider = RefreshingProvider::from_refresh_token(
        &env.endpoints,
        &config(),
        Sensitive::new("not-a-refresh-token".to_string()),
    )
    .unwrap();
    let e = provider.access_token().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
    let client = env.client_with(Arc::new(provider));
    let e = client.profile().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
}
