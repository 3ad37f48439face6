//! Signing in for real, end to end: the app signs in through the system-browser flow (PKCE, loopback
//! redirect) against an EXTERNAL simulator started by this test, keeps the session in a real Secret Service
//! keychain (gnome-keyring in a private D-Bus session, `scripts/with-keyring.sh`), restores it after a restart
//! without signing in again, and signs out. The test plays the browser: it reads the authorize URL the window
//! shows (`PATDESK_BROWSER=none`), loads it without following redirects, then loads the `Location` (the app's
//! loopback listener). A second test starts the app with no Secret Service on its bus and expects the plain
//! keychain screen.
//!
//! The keychain test re-runs itself through `scripts/with-keyring.sh` when it is not already inside one
//! (`PATDESK_PRIVATE_KEYRING`), so it never touches a developer's own keychain.

use patdesk_core::vault::Vault;
use patdesk_e2e::{
    app_bin, clipboard, find_jwt, in_private_keyring, secret_shapes, within_limit, App,
};
use patdesk_sim::{SimOptions, Simulator};
use serde_json::Value;

/// The simulator's tokens of `oid` (every status), as (lower-case id, organization).
async fn tokens_of(sim: &Simulator, oid: &str) -> Vec<(String, String)> {
    let state: Value = reqwest::get(format!("{}/_sim/state", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["ownerOid"] == oid)
        .map(|t| {
            (
                t["authorizationId"].as_str().unwrap().to_ascii_lowercase(),
                t["org"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Who the sidebar says is signed in (its text may be cut off with an ellipsis, so read the DOM text).
async fn account_label(app: &App) -> String {
    let label = app.find("account-label").await;
    label
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Plays the browser: load the authorize URL (the simulator approves at once and redirects), then load the
/// redirect, which is the app's loopback listener. Returns the authorization code the app was handed.
async fn play_browser(authorize_url: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser.get(authorize_url).send().await.unwrap();
    assert!(
        answer.status().is_redirection(),
        "the simulator redirects to the app ({})",
        answer.status()
    );
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .expect("a Location")
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        location.starts_with("http://localhost:") && location.contains("code="),
        "redirected to the loopback listener with a code: {location}"
    );
    let page = browser.get(&location).send().await.unwrap();
    assert!(page.status().is_success());
    let body = page.text().await.unwrap();
    assert!(
        body.contains("signed in"),
        "the browser tab ends on the \"signed in\" page"
    );
    reqwest::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code in the redirect")
}

/// The diagnostics log holds no sign-in secret: nothing JWT-shaped, no refresh token or device code of the
/// simulator's, no `code=` of a query, and none of `secrets` (an authorization code, a user code).
fn assert_log_has_no_sign_in_secret(app: &App, secrets: &[&str]) {
    let (path, log) = app.diagnostics_log();
    assert!(!log.is_empty(), "{} is empty", path.display());
    let found = secret_shapes(&log);
    assert!(found.is_empty(), "{} holds {found:?}", path.display());
    for secret in secrets {
        assert!(
            !log.contains(secret),
            "{} holds a sign-in secret",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s20_sign_in_restart_restores_and_sign_out() {
    if !in_private_keyring("s20_sign_in_restart_restores_and_sign_out") {
        return;
    }
    within_limit("s20_sign_in", s20_body()).await;
}

async fn s20_body() {
    let sim = Simulator::start(SimOptions {
        auto_approve: true,
        ..SimOptions::default()
    })
    .await
    .expect("start the simulator");
    let endpoints = sim.endpoints();
    let namespace = format!("dev.patdesk.e2e.{}", std::process::id());
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("the private session bus");
    let env = [
        ("PATDESK_LOGIN_URL", endpoints.login.as_str()),
        ("PATDESK_APP_VSSPS_URL", endpoints.app_vssps.as_str()),
        ("PATDESK_VSSPS_URL", endpoints.vssps.as_str()),
        ("PATDESK_DEV_URL", endpoints.dev.as_str()),
        ("PATDESK_CLIENT_ID", "patdesk-test-client"),
        ("PATDESK_BROWSER", "none"),
        ("PATDESK_KEYCHAIN_NAMESPACE", namespace.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.as_str()),
        // The most the log ever records (every HTTP request), for the checks that it holds no secret.
        ("PATDESK_LOG", "debug"),
    ];
    // The test reads the keychain the app writes to (same private bus, same namespace).
    let vault = Vault::with_namespace(namespace.clone());
    let dana = sim.demo_user();

    // 1. Sign in through the browser flow.
    let mut app = App::launch_with("s20_sign_in", &app_bin(), &env).await;
    let org = app.visible("org-input").await;
    org.send_keys("contoso-web").await.unwrap();
    app.click("sign-in-button").await;
    let url = app.visible("authorize-url").await.text().await.unwrap();
    let url = url.trim().to_string();
    assert!(
        url.starts_with(&endpoints.login) && url.contains("code_challenge_method=S256"),
        "the window shows the simulator's authorize URL with PKCE: {url}"
    );
    app.screenshot("s20_waiting_for_browser").await;
    // The address box is the only other copy of the address: "Copy address" puts it on the X clipboard.
    app.click("copy-sign-in-address").await;
    app.until("the sign-in address on the clipboard", || async {
        clipboard::read().filter(|text| text.trim() == url)
    })
    .await;
    let code = play_browser(&url).await;

    // 2. Dana's tokens are listed, the guest organization's (another tenant, its own access token from the
    //    same refresh token) included: the "All" count is every token the simulator holds for her.
    app.find("token-row").await;
    let expected = tokens_of(&sim, &dana.oid).await;
    assert!(expected.iter().any(|(_, org)| org == "fabrikam-tools"));
    let all = app.find("filter-all").await;
    let count = app
        .until("the count of all tokens", || async {
            let text = all
                .find(fantoccini::Locator::Css(".count"))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            text.trim().parse::<usize>().ok()
        })
        .await;
    assert_eq!(count, expected.len(), "every token of Dana is listed");
    let shown: Vec<String> = app
        .row_ids()
        .await
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    for id in &shown {
        assert!(
            expected.iter().any(|(e, _)| e == id),
            "{id} is one of Dana's tokens"
        );
    }
    assert_eq!(
        account_label(&app).await,
        dana.email,
        "the window shows who is signed in"
    );
    app.screenshot("s20_signed_in").await;

    // The diagnostics log tells the sign-in and its outcome, the session and every request to Entra, but
    // holds neither token nor the authorization code (nor the authorize URL's query).
    let (_, log) = app.diagnostics_log();
    for expected in [
        "browser sign-in: waiting for the browser",
        "browser sign-in: the browser came back",
        "sign-in ended kind=\"browser\" code=\"ok\"",
        "session established",
        "/organizations/oauth2/v2.0/token",
    ] {
        assert!(log.contains(expected), "the log tells {expected:?}:\n{log}");
    }
    assert_log_has_no_sign_in_secret(&app, &[&code]);

    // Create a token and keep it: "Save in my keychain", then it is under Saved tokens.
    app.submit_new_token("e2e kept in keychain").await;
    let secret = app.reveal_new_secret().await;
    app.click("save-keychain-button").await;
    let note = app
        .visible("save-keychain-result")
        .await
        .text()
        .await
        .unwrap();
    assert!(note.contains("e2e kept in keychain"), "{note}");
    app.screenshot("s20_token_created_saved").await;
    let saved = tokio::task::spawn_blocking({
        let v = vault.clone();
        move || v.saved_pats()
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(saved.len(), 1);
    let kept = {
        let (v, p) = (vault.clone(), saved[0].clone());
        tokio::task::spawn_blocking(move || {
            v.saved_pat_secret(&p.organization, &p.authorization_id)
        })
        .await
        .unwrap()
        .unwrap()
    };
    assert_eq!(kept.expose(), &secret, "the keychain holds the value");
    app.click("done-button").await;
    app.click("confirm-button").await;
    app.click("nav-saved").await;
    app.visible("saved-row").await;
    // The screen also says what the remembered sign-in in the keychain can do, and how to remove it.
    let remembered = app
        .visible("remembered-sign-in")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        remembered.contains("can do everything you can do in Azure DevOps")
            && remembered.contains("To remove it, sign out on your profile."),
        "{remembered}"
    );
    app.screenshot("s20_saved_tokens").await;
    app.click("nav-tokens").await;

    // The refresh token is in the keychain (one entry for Dana), never in a file.
    let accounts = tokio::task::spawn_blocking({
        let v = vault.clone();
        move || v.accounts()
    })
    .await
    .unwrap()
    .expect("read the keychain");
    assert_eq!(accounts.len(), 1, "one remembered account");
    assert_eq!(accounts[0].username, dana.email);
    let account = accounts[0].clone();
    let stored = {
        let (v, a) = (vault.clone(), account.clone());
        tokio::task::spawn_blocking(move || v.load_refresh_token(&a.tenant_id, &a.user_id))
            .await
            .unwrap()
            .unwrap()
            .expect("a stored refresh token")
    };
    app.remember_secret(stored.expose());

    // 3. Reopen the app: signed in again from the keychain, without the sign-in screen.
    let mut app = app.restart("s20_restored").await;
    app.find("token-row").await;
    assert_eq!(account_label(&app).await, dana.email);
    assert!(
        app.client
            .find(fantoccini::Locator::Css("[data-testid='org-input']"))
            .await
            .is_err(),
        "no sign-in screen after a restart"
    );
    app.screenshot("s20_restored").await;
    app.click("nav-saved").await;
    app.visible("saved-row").await;
    // The restore rotated the refresh token and the newest one was stored.
    let first = stored.expose().clone();
    let rotated = {
        let (v, a) = (vault.clone(), account.clone());
        app.until("the rotated refresh token in the keychain", move || {
            let (v, a, first) = (v.clone(), a.clone(), first.clone());
            async move {
                tokio::task::spawn_blocking(move || v.load_refresh_token(&a.tenant_id, &a.user_id))
                    .await
                    .unwrap()
                    .unwrap()
                    .filter(|t| *t.expose() != first)
            }
        })
        .await
    };
    app.remember_secret(rotated.expose());

    // 4. Sign out: back to the sign-in screen, and the keychain forgets Dana's sign-in.
    app.click("account-menu-button").await;
    app.click("menu-sign-out").await;
    app.visible("org-input").await;
    app.screenshot("s20_signed_out").await;
    let left = tokio::task::spawn_blocking({
        let v = vault.clone();
        move || v.accounts()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(left.is_empty(), "sign-out forgets the remembered account");
    // Two runs of the app wrote the log (it appends); neither the refresh tokens (checked in `finish`) nor
    // the access tokens nor the code are in it.
    assert_log_has_no_sign_in_secret(&app, &[&code]);

    // Nothing about the session in any file the app wrote: no access token (JWT-shaped), and (in
    // `finish`) neither refresh token.
    for file in app.files() {
        if let Ok(bytes) = std::fs::read(&file) {
            assert!(
                find_jwt(&bytes).is_none(),
                "an access token was written to {}",
                file.display()
            );
        }
    }
    app.finish().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s21_no_secret_service_shows_the_keychain_screen() {
    within_limit("s21_keychain_unavailable", s21_body()).await;
}

async fn s21_body() {
    let sim = Simulator::start(SimOptions {
        auto_approve: true,
        // One "authorization_pending" first, so the window shows the code for one polling interval.
        device_pending_polls: 1,
        ..SimOptions::default()
    })
    .await
    .expect("start the simulator");
    let endpoints = sim.endpoints();
    let dead = std::env::temp_dir().join(format!("patdesk-no-bus-{}", std::process::id()));
    let bus = format!("unix:path={}", dead.display());
    let env = [
        ("PATDESK_LOGIN_URL", endpoints.login.as_str()),
        ("PATDESK_APP_VSSPS_URL", endpoints.app_vssps.as_str()),
        ("PATDESK_VSSPS_URL", endpoints.vssps.as_str()),
        ("PATDESK_DEV_URL", endpoints.dev.as_str()),
        ("PATDESK_CLIENT_ID", "patdesk-test-client"),
        ("PATDESK_BROWSER", "none"),
        ("DBUS_SESSION_BUS_ADDRESS", bus.as_str()),
    ];
    let app = App::launch_with("s21_keychain_unavailable", &app_bin(), &env).await;
    let screen = app.visible("keychain-screen").await;
    let text = screen.text().await.unwrap();
    assert!(
        text.contains("can't reach your system keychain"),
        "the plain keychain screen: {text}"
    );
    app.screenshot("s21_keychain_screen").await;

    // The explicit choice: continue in memory only, then sign in with a device code (the fallback).
    app.click("keychain-continue").await;
    let org = app.visible("org-input").await;
    app.screenshot("s21_memory_only_sign_in").await;
    org.send_keys("contoso-web").await.unwrap();
    app.click("device-sign-in-button").await;
    let code = app.visible("device-code").await.text().await.unwrap();
    assert!(code.trim().len() >= 6, "the user code is shown: {code}");
    app.screenshot("s21_device_code").await;
    app.find("token-row").await;
    assert_log_has_no_sign_in_secret(&app, &[code.trim()]);
    app.screenshot("s21_signed_in_memory_only").await;

    // Reopened: nothing was remembered anywhere, so the keychain screen comes back (not a signed-in window).
    let app = app.restart("s21_reopened").await;
    app.visible("keychain-screen").await;
    for file in app.files() {
        if let Ok(bytes) = std::fs::read(&file) {
            assert!(
                find_jwt(&bytes).is_none(),
                "an access token was written to {}",
                file.display()
            );
        }
    }
    app.finish().await;
    sim.shutdown().await;
}

/// The "no access token in any file" and "no secret in the log" checks recognise the simulator's access tokens
/// and the other shapes of a sign-in secret (so they can fail).
#[tokio::test]
async fn find_jwt_recognises_the_simulators_access_tokens() {
    let sim = Simulator::start(SimOptions::default()).await.unwrap();
    let token = sim.mint_access_token(&sim.demo_user().oid);
    let file = format!("{{\"cache\":\"{token}\"}}");
    assert_eq!(find_jwt(file.as_bytes()).as_deref(), Some(token.as_str()));
    assert_eq!(find_jwt(b"{\"theme\":\"eyJ-not-a-token\"}"), None);
    // The log check's finder recognises the same token, and the other shapes of a sign-in secret.
    let line = format!("INFO http url=\"http://127.0.0.1/\" bearer={token}");
    assert_eq!(secret_shapes(&line).len(), 1, "{line}");
    assert_eq!(
        secret_shapes("GET http://localhost:5123/?code=0.AXkA&state=s").len(),
        1
    );
    assert_eq!(
        secret_shapes("refresh_token=1.AXkAsimQ2x device_code=DAQABAAEAAADx").len(),
        2
    );
    assert!(secret_shapes(
        "INFO patdesk_core::listing: listed organization=contoso-web code=\"ok\""
    )
    .is_empty());
    sim.shutdown().await;
}
