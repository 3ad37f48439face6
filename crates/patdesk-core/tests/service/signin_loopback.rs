//! Browser sign-in (authorization code + PKCE S256 + loopback redirect, contract §3.4) and refresh-token
//! rotation (§3.5) against the real simulator over loopback HTTP.
//!
//! The test plays the browser: it GETs the simulator's authorize URL (with `auto_approve`, the simulator answers
//! at once with a `302` to `redirect_uri?code=…&state=…`), does **not** follow the redirect, and GETs the
//! `Location` itself on PAT Desk's loopback listener — exactly what a browser would do.

use std::ops::Deref;
use std::time::Duration;

use patdesk_core::endpoints::Endpoints;
use patdesk_core::entra::{
    EntraConfig, LoopbackSignIn, PendingSignIn, RefreshChain, SignInHints, TokenAccount, TokenSet,
};
use patdesk_core::{Error, ErrorCode, Sensitive};
use patdesk_sim::{SimOptions, TEST_CLIENT_ID};
use patdesk_test_support::TestSim;
use tokio_util::sync::CancellationToken;
use url::Url;

/// Long enough never to matter in a passing test; the tests that are about the timeout set their own.
const WAIT: Duration = Duration::from_secs(120);

/// The simulator, and the browser: `http`, which never follows redirects, so the test delivers each one itself.
struct World {
    test_sim: TestSim,
    endpoints: Endpoints,
    config: EntraConfig,
}

impl Deref for World {
    type Target = TestSim;

    fn deref(&self) -> &TestSim {
        &self.test_sim
    }
}

async fn world() -> World {
    let test_sim = TestSim::start(SimOptions {
        auto_approve: true,
        ..SimOptions::default()
    })
    .await;
    let endpoints =
        Endpoints::from_sim_json(&serde_json::to_string(&test_sim.sim.endpoints()).unwrap())
            .unwrap();
    let config = EntraConfig {
        client_id: TEST_CLIENT_ID.to_string(),
        ..EntraConfig::default()
    };
    World {
        test_sim,
        endpoints,
        config,
    }
}

type Waiting = tokio::task::JoinHandle<Result<TokenSet, Error>>;

/// Start waiting in the background, as the shell does while the browser is open.
fn wait_in_background(pending: PendingSignIn, timeout: Duration) -> (Waiting, CancellationToken) {
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    (
        tokio::spawn(async move { pending.wait(timeout, &c).await }),
        cancel,
    )
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            if k == name {
                (k.into_owned(), value.to_string())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

impl World {
    /// The browser at the sign-in page: returns where Entra sends it back to (the `Location`).
    async fn authorize(&self, url: &Url) -> Url {
        let resp = self.http.get(url.clone()).send().await.unwrap();
        assert_eq!(resp.status(), 302, "authorize should redirect at once");
        let location = resp.headers()["location"].to_str().unwrap().to_string();
        Url::parse(&location).unwrap()
    }

    /// The browser following the redirect to PAT Desk's loopback listener.
    async fn deliver(&self, location: &Url) -> (u16, String) {
        let resp = self.http.get(location.clone()).send().await.unwrap();
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(ct.as_deref(), Some("text/html; charset=utf-8"));
        (status, resp.text().await.unwrap())
    }

    /// A full, successful sign-in.
    async fn sign_in(&self) -> TokenSet {
        let pending = LoopbackSignIn::start(&self.endpoints, &self.config, None).unwrap();
        let url = pending.authorize_url().clone();
        let (waiting, _cancel) = wait_in_background(pending, WAIT);
        let location = self.authorize(&url).await;
        let (status, _) = self.deliver(&location).await;
        assert_eq!(status, 200);
        waiting.await.unwrap().expect("sign-in succeeds")
    }
}

fn assert_plain(e: &Error) {
    assert!(!e.message.is_empty());
    assert!(
        !e.message.contains("AADSTS") && !e.message.contains("invalid_grant"),
        "the message must be plain words, not codes: {}",
        e.message
    );
}

#[tokio::test]
async fn signs_in_through_the_browser_with_pkce_and_a_loopback_redirect() {
    let w = world().await;
    let pending = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
    let url = pending.authorize_url().clone();
    let port = pending.port();
    assert_eq!(pending.redirect_uri(), format!("http://localhost:{port}"));

    // The authorize request of §3.4.
    assert_eq!(
        url.path(),
        format!(
            "{}/organizations/oauth2/v2.0/authorize",
            w.endpoints.login.path().trim_end_matches('/')
        )
    );
    assert_eq!(param(&url, "client_id").as_deref(), Some(TEST_CLIENT_ID));
    assert_eq!(param(&url, "response_type").as_deref(), Some("code"));
    assert_eq!(
        param(&url, "redirect_uri"),
        Some(format!("http://localhost:{port}"))
    );
    assert_eq!(param(&url, "response_mode").as_deref(), Some("query"));
    assert_eq!(param(&url, "prompt").as_deref(), Some("select_account"));
    assert_eq!(
        param(&url, "scope").as_deref(),
        Some("499b84ac-1321-427f-aa17-267ca6975798/.default offline_access openid profile")
    );
    assert_eq!(
        param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(param(&url, "code_challenge").unwrap().len(), 43);
    assert!(param(&url, "state").unwrap().len() >= 16);
    assert!(param(&url, "client_secret").is_none());

    let (waiting, _cancel) = wait_in_background(pending, WAIT);
    let location = w.authorize(&url).await;
    assert_eq!(location.port(), Some(port));
    assert!(param(&location, "code").is_some());
    let (status, page) = w.deliver(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("You're signed in — you can return to PAT Desk"));

    let tokens = waiting.await.unwrap().expect("tokens");
    assert!(tokens.expires_at > chrono::Utc::now());
    assert!(tokens.refresh_token.is_some());
    let who = TokenAccount::from_token(&tokens.access_token).expect("a user token");
    let demo = w.sim.demo_user();
    assert_eq!(who.object_id, demo.oid.to_lowercase());
    assert_eq!(who.tenant_id, demo.tenant_id.to_lowercase());

    // The code was redeemed from Rust: a form POST with the PKCE verifier, no Origin header, no secret.
    let requests = serde_json::Value::Array(w.requests().await);
    let token_calls: Vec<&serde_json::Value> = requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"] == "entra.token")
        .collect();
    assert_eq!(token_calls.len(), 1, "{requests:#}");
    assert_eq!(token_calls[0]["method"], "POST");
    assert_eq!(token_calls[0]["status"], 200);
    let headers = token_calls[0]["headers"].as_array().unwrap();
    assert!(
        !headers
            .iter()
            .any(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("origin")),
        "no Origin header on the token request: {headers:?}"
    );
}

#[tokio::test]
async fn a_wrong_state_is_refused_and_the_real_redirect_still_signs_in() {
    let w = world().await;
    let pending = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
    let url = pending.authorize_url().clone();
    let (waiting, _cancel) = wait_in_background(pending, WAIT);
    let location = w.authorize(&url).await;

    // Same code, forged state: refused, and the code is not redeemed.
    let forged = with_param(&location, "state", "forged-state");
    let (status, page) = w.deliver(&forged).await;
    assert_eq!(status, 400);
    assert!(page.contains("does not belong to the sign-in PAT Desk is waiting for"));
    // No state at all: refused too.
    let mut stateless = location.clone();
    stateless
        .query_pairs_mut()
        .clear()
        .append_pair("code", &param(&location, "code").unwrap());
    assert_eq!(w.deliver(&stateless).await.0, 400);
    // Stray requests (favicon) do not end the sign-in either.
    let mut favicon = location.clone();
    favicon.set_path("/favicon.ico");
    favicon.set_query(None);
    assert_eq!(w.deliver(&favicon).await.0, 404);
    assert!(!waiting.is_finished());

    // The genuine redirect still works — which also shows the forged request did not spend the single-use
    // code.
    let (status, page) = w.deliver(&location).await;
    assert_eq!(status, 200, "{page}");
    let tokens = waiting.await.unwrap().expect("sign-in succeeds");
    assert!(!tokens.access_token.expose().is_empty());
}

/// Whether anything still accepts connections on `port` of this computer (IPv4 and, where bound, IPv6).
async fn port_is_open(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
        || tokio::net::TcpStream::connect(("::1", port)).await.is_ok()
}

#[tokio::test]
async fn one_valid_callback_closes_the_listener_and_a_replay_does_not_reach_it() {
    let w = world().await;
    let pending = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
    let url = pending.authorize_url().clone();
    let port = pending.port();
    let (waiting, _cancel) = wait_in_background(pending, WAIT);
    let location = w.authorize(&url).await;

    // A wrong state first: refused, and the listener stays open for the real callback.
    let (status, _) = w.deliver(&with_param(&location, "state", "forged")).await;
    assert_eq!(status, 400);
    assert!(port_is_open(port).await);

    // Redeeming the code takes a while (a slow Entra): the port must already be closed meanwhile.
    w.fault(serde_json::json!({"kind": "latency", "route": "entra.token", "latencyMs": 4000}))
        .await;
    let browser = {
        let http = w.http.clone();
        let location = location.clone();
        tokio::spawn(async move { http.get(location).send().await.unwrap().status().as_u16() })
    };
    let closed_by = tokio::time::Instant::now() + Duration::from_secs(3);
    while port_is_open(port).await {
        assert!(
            tokio::time::Instant::now() < closed_by,
            "the loopback port still accepts connections after the valid callback"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The same callback again (a replay, or the browser retrying): nothing answers it.
    assert!(w.http.get(location.clone()).send().await.is_err());
    assert!(!waiting.is_finished(), "still redeeming the first code");

    assert_eq!(browser.await.unwrap(), 200);
    waiting.await.unwrap().expect("the first callback signs in");
    assert_eq!(
        w.count_route("entra.token").await,
        1,
        "the code is redeemed once"
    );
    // After the sign-in the port is closed for good.
    assert!(!port_is_open(port).await);
}

#[tokio::test]
async fn the_simulator_checks_the_pkce_verifier() {
    let w = world().await;
    // Two sign-ins. The browser is sent back to B with B's state but with a code that was issued for A's
    // PKCE challenge, so B redeems it with a verifier that does not match.
    let a = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
    let b = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
    let b_state = param(b.authorize_url(), "state").unwrap();
    let crossed = with_param(
        &with_param(a.authorize_url(), "redirect_uri", b.redirect_uri()),
        "state",
        &b_state,
    );
    assert_ne!(
        param(&crossed, "code_challenge"),
        param(b.authorize_url(), "code_challenge")
    );
    drop(a);
    let (waiting, _cancel) = wait_in_background(b, WAIT);
    let location = w.authorize(&crossed).await;
    let (status, page) = w.deliver(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign-in did not finish"));

    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.code, ErrorCode::SignInFailed);
    assert_plain(&err);
    assert!(page.contains(&err.message));
    let raw = err.raw.clone().unwrap_or_default();
    assert!(raw.starts_with("invalid_grant"), "{raw}");
    assert!(raw.contains("Code_Verifier"), "{raw}");
}

#[tokio::test]
async fn declined_and_refused_sign_ins_are_plain_sentences() {
    let w = world().await;
    for (error, code, words) in [
        ("access_denied", ErrorCode::SignInDeclined, "declined"),
        (
            "consent_required",
            ErrorCode::SignInFailed,
            "Your organization must approve PAT Desk",
        ),
        (
            "interaction_required",
            ErrorCode::SignInFailed,
            "confirm your sign-in again",
        ),
    ] {
        w.switches(serde_json::json!({ "authorizeError": error }))
            .await;
        let pending = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
        let url = pending.authorize_url().clone();
        let (waiting, _cancel) = wait_in_background(pending, WAIT);
        let location = w.authorize(&url).await;
        assert_eq!(param(&location, "error").as_deref(), Some(error));
        let (status, page) = w.deliver(&location).await;
        assert_eq!(status, 200);
        let err = waiting.await.unwrap().unwrap_err();
        assert_eq!(err.code, code, "{error}: {err:?}");
        assert!(err.message.contains(words), "{error}: {}", err.message);
        assert_plain(&err);
        assert!(page.contains("Sign-in did not finish"));
        assert!(page.contains(words), "{page}");
    }
}

#[tokio::test]
async fn timeout_and_cancel_end_the_wait() {
    let w = world().await;

    // Nobody comes back: the wait ends with a clear error.
    let pending = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
    let port = pending.port();
    let cancel = CancellationToken::new();
    let err = pending
        .wait(Duration::from_millis(300), &cancel)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SignInExpired);
    assert!(err.message.contains("not finished in time"));
    // The listener is gone with it.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());

    // The person cancels in PAT Desk while a browser connection sits idle (a pre-connect).
    let pending = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
    let port = pending.port();
    let (waiting, cancel) = wait_in_background(pending, WAIT);
    let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    cancel.cancel();
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.code, ErrorCode::SignInCancelled);
    assert_eq!(err.message, "Sign-in was cancelled.");
}

#[tokio::test]
async fn an_idle_pre_connected_socket_does_not_block_the_redirect() {
    let w = world().await;
    let pending = LoopbackSignIn::start(&w.endpoints, &w.config, None).unwrap();
    let url = pending.authorize_url().clone();
    let port = pending.port();
    let (waiting, _cancel) = wait_in_background(pending, WAIT);
    // Browsers open speculative connections and may never use them.
    let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let location = w.authorize(&url).await;
    assert_eq!(w.deliver(&location).await.0, 200);
    waiting.await.unwrap().expect("signed in");
}

#[tokio::test]
async fn a_login_hint_and_a_tenant_reach_the_authorize_request() {
    let w = world().await;
    let demo = w.sim.demo_user();
    let hints = SignInHints {
        login_hint: Some(demo.email.clone()),
        domain_hint: None,
    };
    let pending =
        LoopbackSignIn::start_with_hints(&w.endpoints, &w.config, Some(&demo.tenant_id), &hints)
            .unwrap();
    let url = pending.authorize_url().clone();
    assert!(url
        .path()
        .ends_with(&format!("/{}/oauth2/v2.0/authorize", demo.tenant_id)));
    assert_eq!(param(&url, "login_hint"), Some(demo.email.clone()));
    let (waiting, _cancel) = wait_in_background(pending, WAIT);
    let location = w.authorize(&url).await;
    assert_eq!(w.deliver(&location).await.0, 200);
    let tokens = waiting.await.unwrap().expect("signed in at the tenant");
    let who = TokenAccount::from_token(&tokens.access_token).unwrap();
    assert_eq!(who.tenant_id, demo.tenant_id.to_lowercase());
}

/// The `scp` claim of a (simulator-issued, JWT-shaped) access token.
fn granted_scopes(access_token: &Sensitive<String>) -> String {
    use base64::Engine;
    let payload = access_token.expose().split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .unwrap(),
    )
    .unwrap();
    claims["scp"].as_str().unwrap_or_default().to_string()
}

/// Settings › Advanced "Only manage my tokens": the authorize request asks for the PAT scopes and the profile
/// (never `.default`), the token and refresh requests too (the simulator grants what they ask for, so the
/// access tokens' `scp` shows it), and the narrow token still lists tokens and reads the profile.
#[tokio::test]
async fn the_tokens_only_setting_asks_for_the_pat_scopes_in_every_request() {
    let w = world().await;
    // The settings as the window saves them.
    let mut saved = serde_json::to_value(patdesk_core::settings::Settings::default()).unwrap();
    saved["clientId"] = serde_json::json!(TEST_CLIENT_ID);
    saved["signInScopes"] = serde_json::json!("tokensOnly");
    let settings: patdesk_core::settings::Settings =
        serde_json::from_value(saved).expect("the scopes are a setting");
    let config = settings.entra_config();

    let pending = LoopbackSignIn::start(&w.endpoints, &config, None).unwrap();
    let url = pending.authorize_url().clone();
    assert_eq!(
        param(&url, "scope").as_deref(),
        Some(
            "499b84ac-1321-427f-aa17-267ca6975798/vso.pats 499b84ac-1321-427f-aa17-267ca6975798/vso.pats_manage \
             499b84ac-1321-427f-aa17-267ca6975798/vso.profile offline_access openid profile"
        )
    );
    let (waiting, _cancel) = wait_in_background(pending, WAIT);
    let location = w.authorize(&url).await;
    assert_eq!(w.deliver(&location).await.0, 200);
    let tokens = waiting
        .await
        .unwrap()
        .expect("signed in with the narrow scopes");
    assert_eq!(
        granted_scopes(&tokens.access_token),
        "vso.pats vso.pats_manage vso.profile"
    );

    // The remembered sign-in's refresh asks for the same scopes.
    let refreshed = RefreshChain::new(&w.endpoints, &config, tokens.refresh_token.clone())
        .redeem(&config.authority)
        .await
        .expect("refresh");
    assert_eq!(
        granted_scopes(&refreshed.access_token),
        "vso.pats vso.pats_manage vso.profile"
    );

    // What PAT Desk does with it still works.
    let client = patdesk_core::client::AzureDevOpsClient::new(
        w.endpoints.clone(),
        std::sync::Arc::new(patdesk_core::credentials::StaticToken::new(
            refreshed.access_token.expose().clone(),
        )),
    )
    .unwrap();
    let profile = client.profile().await.expect("the profile");
    assert_eq!(profile.email, w.sim.demo_user().email);
}

/// Redeem `refresh_token` once, as a new refresh chain does.
async fn redeem(w: &World, refresh_token: &Sensitive<String>) -> Result<TokenSet, Error> {
    RefreshChain::new(&w.endpoints, &w.config, Some(refresh_token.clone()))
        .redeem(&w.config.authority)
        .await
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_is_rejected() {
    let w = world().await;
    let first = w.sign_in().await;
    let rt1: Sensitive<String> = first.refresh_token.clone().unwrap();

    let second = redeem(&w, &rt1).await.expect("refresh");
    let rt2 = second.refresh_token.clone().unwrap();
    assert_ne!(rt1.expose(), rt2.expose(), "a new refresh token every time");
    assert_ne!(first.access_token.expose(), second.access_token.expose());

    // The old one is spent: sign in again.
    let err = redeem(&w, &rt1).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::SessionExpired);
    assert_plain(&err);
    assert!(err.raw.unwrap_or_default().starts_with("invalid_grant"));

    // The newest one still works.
    let third = redeem(&w, &rt2)
        .await
        .expect("refresh with the newest token");
    assert_ne!(third.refresh_token.unwrap().expose(), rt2.expose());
}
