//! Entra sign-in through the simulator: the device-code flow (§3.6) and the one token refresher (the refresh
//! chain and its per-tenant access tokens, §3.5), including the client's refresh-and-retry after a `401`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use chrono::Utc;
use patdesk_core::client::ListQuery;
use patdesk_core::credentials::AccessTokenProvider;
use patdesk_core::entra::{
    DeviceCodeFlow, DeviceCodePrompt, EntraConfig, RefreshChain, TenantTokens, TokenSet,
};
use patdesk_core::model::ListFilter;
use patdesk_core::{ErrorCode, Sensitive};
use patdesk_sim::Seed;
use patdesk_test_support::{CONTOSO_WEB, FABRIKAM_TENANT};
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn config() -> EntraConfig {
    EntraConfig::default()
}

/// The home tenant's access tokens, starting from a sign-in's tokens.
fn home_tokens(env: &Env, tokens: &TokenSet) -> (Arc<RefreshChain>, TenantTokens) {
    let chain = RefreshChain::new(&env.endpoints, &config(), tokens.refresh_token.clone());
    let provider = TenantTokens::with_token(chain.clone(), "organizations", tokens);
    (chain, provider)
}

/// The home tenant's access tokens from a stored refresh token alone: the first call redeems it.
fn from_refresh_token(env: &Env, refresh_token: Sensitive<String>) -> TenantTokens {
    TenantTokens::new(
        RefreshChain::new(&env.endpoints, &config(), Some(refresh_token)),
        "organizations",
    )
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
    let client = env.client_with(Arc::new(home_tokens(&env, &tokens).1));
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
    let (chain, provider) = home_tokens(&env, &tokens);
    chain.set_rotation_hook(Arc::new({
        let seen = seen.clone();
        move |t: &Sensitive<String>| seen.lock().unwrap().push(t.expose().clone())
    }));
    let before = provider.access_token().await.unwrap();
    env.clear_requests().await;
    // Fresh token: no refresh.
    assert_eq!(provider.access_token().await.unwrap(), before);
    assert_eq!(env.count_route("entra.token").await, 0);
    let after = provider.refresh_after_unauthorized().await.unwrap();
    assert_ne!(after, before);
    let second_refresh = chain.current().await.unwrap();
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
    let (chain, provider) = home_tokens(&env, &tokens);
    env.clear_requests().await;
    let t = provider.access_token().await.unwrap();
    assert_ne!(t, tokens.access_token);
    assert_eq!(env.count_route("entra.token").await, 1);
    assert!(provider.expires_at().await.unwrap() > Utc::now() + chrono::Duration::minutes(30));
    // Starting from a stored refresh token alone.
    let restored = from_refresh_token(&env, chain.current().await.unwrap());
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
    let provider = Arc::new(home_tokens(&env, &tokens).1);
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
    let provider = from_refresh_token(&env, Sensitive::new("not-a-refresh-token".to_string()));
    let e = provider.access_token().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
    let client = env.client_with(Arc::new(provider));
    let e = client.profile().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
}

/// The (method, route, status) of every request a simulator saw, in order.
fn calls(requests: &[serde_json::Value]) -> Vec<(String, String, u64)> {
    requests
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap_or_default().to_string(),
                r["route"].as_str().unwrap_or_default().to_string(),
                r["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// The demo signs in through exactly the path a person's device-code sign-in takes: the simulator sees the
/// same calls, in the same order, from "Try the demo" as from "Sign in with a code" (the shell's
/// `start_device_sign_in`: `DeviceCodeFlow`, then `Session::sign_in_with_tokens`). Both sessions then list the
/// guest organization's tokens through its own tenant.
#[tokio::test]
async fn the_demo_signs_in_like_a_person_with_a_device_code() {
    use patdesk_core::session::{demo, Session};
    use patdesk_sim::SimOptions;

    let approving = || SimOptions {
        auto_approve: true,
        device_pending_polls: 0,
        ..SimOptions::default()
    };
    let demo_env = start_with(approving()).await;
    let demo_session = demo::sign_in_to_simulator(&demo_env.sim).await.unwrap();
    let demo_calls = calls(&demo_env.requests().await);

    let person_env = start_with(approving()).await;
    let config = EntraConfig::default();
    let prompt = DeviceCodeFlow::start(&person_env.endpoints, &config)
        .await
        .unwrap();
    let tokens = DeviceCodeFlow::poll_until_done(&prompt, &CancellationToken::new())
        .await
        .unwrap();
    let person = Session::sign_in_with_tokens(
        &person_env.endpoints,
        &config,
        &config.authority,
        tokens,
        None,
    )
    .await
    .unwrap();
    let person_calls = calls(&person_env.requests().await);

    assert!(
        demo_calls
            .iter()
            .any(|(_, route, _)| route == "entra.devicecode"),
        "{demo_calls:?}"
    );
    assert_eq!(demo_calls, person_calls);
    assert_eq!(demo_session.profile, person.profile);

    for (env, session) in [(&demo_env, &demo_session), (&person_env, &person)] {
        env.clear_requests().await;
        let listing = session
            .list_tokens(ListFilter::Active, None, |_| {})
            .await
            .unwrap();
        assert!(listing.unavailable.is_empty(), "{:?}", listing.unavailable);
        assert!(listing
            .tokens
            .iter()
            .any(|t| t.organization == "fabrikam-tools"));
        // The guest organization's access token was redeemed at its own tenant.
        assert!(env
            .requests()
            .await
            .iter()
            .any(|r| r["route"] == "entra.token"
                && r["path"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(FABRIKAM_TENANT)));
    }
}

#[tokio::test]
async fn an_endless_device_code_interval_is_clamped_and_slowing_down_does_not_panic() {
    let env = start(Seed::Demo).await;
    // Entra asks for a poll every 2^64 − 1 seconds, then says `slow_down` once (oauth2 adds 5 s to it).
    env.switches(json!({"deviceIntervalSeconds": u64::MAX, "deviceSlowDownPolls": 1}))
        .await;
    let prompt = DeviceCodeFlow::start(&env.endpoints, &config())
        .await
        .unwrap();
    assert!(
        prompt.interval <= Duration::from_secs(60),
        "{:?}",
        prompt.interval
    );
    assert!(prompt.expires_in <= Duration::from_secs(3600));
    let mut prompt = prompt;
    prompt.interval = Duration::from_millis(20);
    prompt.slow_down_step = Duration::from_millis(20);
    approve(&env, &prompt).await;
    let tokens = tokio::spawn(async move {
        DeviceCodeFlow::poll_until_done(&prompt, &CancellationToken::new()).await
    })
    .await
    .expect("the poll did not panic")
    .unwrap();
    assert!(tokens.refresh_token.is_some());
}

#[tokio::test]
async fn a_sign_in_answer_too_large_to_be_a_device_code_is_refused_unread() {
    let env = start(Seed::Demo).await;
    env.fault(json!({"kind": "oversizedBody", "route": "entra.devicecode"}))
        .await;
    let e = DeviceCodeFlow::start(&env.endpoints, &config())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::MalformedResponse, "{e:?}");
    assert!(e.message.contains("too large"), "{}", e.message);
}
