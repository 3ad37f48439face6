//! Azure DevOps Server in the real window: the person types the address of the simulator's server mode
//! (`http://127.0.0.1:PORT/tfs`, NTLM through the core's one-connection transport), signs in with a Windows
//! account (a wrong password first), sees the server's collections and tokens, creates one from a preset, copies
//! it (the X clipboard read back), bulk-revokes the expired ones (checked in `/_sim/server/state`, never the
//! id-less revoke-all), and after a restart is signed in again from the real gnome-keyring. Afterwards neither
//! the password nor the token is in any file the app wrote or in its log.
//!
//! Like every keychain test, it re-runs itself through `scripts/with-keyring.sh` when it is not already inside
//! a private keyring session.

use patdesk_core::vault::Vault;
use patdesk_e2e::{app_bin, clipboard, in_private_keyring, within_limit, App};
use patdesk_sim::{SimOptions, Simulator, SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD};
use serde_json::Value;

/// The app's keychain in this test's private keyring session (its namespace, the session bus), and what the
/// test reads back from it.
struct PrivateKeychain {
    namespace: String,
    bus: String,
}

impl PrivateKeychain {
    fn new() -> Self {
        PrivateKeychain {
            namespace: format!("dev.patdesk.e2e.{}", std::process::id()),
            bus: std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("the private session bus"),
        }
    }

    /// The app's environment for this keychain, plus `more`.
    fn env<'a>(&'a self, more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut env = vec![
            ("PATDESK_KEYCHAIN_NAMESPACE", self.namespace.as_str()),
            ("DBUS_SESSION_BUS_ADDRESS", self.bus.as_str()),
        ];
        env.extend_from_slice(more);
        env
    }

    /// The servers whose sign-in the app remembers there.
    async fn remembered_servers(&self) -> Vec<patdesk_core::vault::RememberedServer> {
        let vault = Vault::with_namespace(self.namespace.clone());
        tokio::task::spawn_blocking(move || vault.servers())
            .await
            .unwrap()
            .expect("read the keychain")
    }
}

/// The simulator's server state (`/_sim/server/state`).
async fn server_state(sim: &Simulator) -> Value {
    let url = format!("{}/_sim/server/state", sim.base_url());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// Dana's tokens on the server: (lower-case id, name as stored — HTML-encoded —, status: "active", "expired"
/// or "revoked" by the server's clock).
fn danas_tokens(state: &Value) -> Vec<(String, String, String)> {
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["owner"].as_str() == Some(SERVER_DEMO_LOGIN))
        .map(|t| {
            (
                t["authorizationId"].as_str().unwrap().to_ascii_lowercase(),
                t["displayName"].as_str().unwrap_or_default().to_string(),
                t["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s40_server_sign_in_collections_create_copy_bulk_revoke_and_restore() {
    if !in_private_keyring("s40_server_sign_in_collections_create_copy_bulk_revoke_and_restore") {
        return;
    }
    within_limit("s40_server", s40_body()).await;
}

async fn s40_body() {
    let sim = Simulator::start(SimOptions::default())
        .await
        .expect("start the simulator");
    let server = sim.server_url();
    let keychain = PrivateKeychain::new();
    // The most the log ever records, for the check that it holds no secret.
    let env = keychain.env(&[("PATDESK_LOG", "debug")]);

    // 1. The address is recognised as a server: the form asks for a Windows account.
    let mut app = App::launch_with("s40_server_sign_in", &app_bin(), &env).await;
    app.type_into("org-input", &format!("{server}/DefaultCollection"))
        .await;
    app.visible("server-sign-in").await;
    let host = app.visible("server-host").await.text().await.unwrap();
    assert_eq!(host.trim(), "127.0.0.1");
    app.type_into("server-user", SERVER_DEMO_LOGIN).await;

    // A wrong password: the plain sentence, and what was typed stays.
    app.type_into("server-secret", "not-the-password").await;
    app.click("server-sign-in-button").await;
    let error = app.visible("sign-in-error").await.text().await.unwrap();
    assert!(
        error.contains("did not accept this user name and password"),
        "the wrong-password sentence: {error}"
    );
    let user = app.find("server-user").await.prop("value").await.unwrap();
    assert_eq!(user.as_deref(), Some(SERVER_DEMO_LOGIN));
    app.screenshot("s40_server_wrong_password").await;

    app.type_into("server-secret", SERVER_DEMO_PASSWORD).await;
    app.screenshot("s40_server_sign_in").await;
    app.click("server-sign-in-button").await;
    app.remember_secret(SERVER_DEMO_PASSWORD);

    // 2. The tokens of Dana on the server (every status under "All"), in the collections' words.
    app.find("token-row").await;
    app.click("filter-all").await;
    let state = server_state(&sim).await;
    let danas = danas_tokens(&state);
    app.until("every token of Dana listed", || async {
        let shown: Vec<String> = app
            .row_ids()
            .await
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        (shown.len() == danas.len() && danas.iter().all(|(id, ..)| shown.contains(id)))
            .then_some(())
    })
    .await;
    let mut headers = Vec::new();
    for el in app
        .client
        .find_all(fantoccini::Locator::Css("[role='columnheader']"))
        .await
        .unwrap()
    {
        let text = el.prop("textContent").await.unwrap().unwrap_or_default();
        headers.push(text.trim().to_string());
    }
    assert!(headers.iter().any(|h| h == "Collection"), "{headers:?}");
    assert!(!headers.iter().any(|h| h == "Organization"), "{headers:?}");
    // Names come back HTML-encoded from the server and are shown decoded.
    let names: Vec<String> = {
        let mut names = Vec::new();
        for el in app.all("token-name").await {
            names.push(el.prop("textContent").await.unwrap().unwrap_or_default());
        }
        names
    };
    assert!(
        names.iter().any(|n| n == "Packages & feeds <nuget>"),
        "{names:?}"
    );
    app.screenshot("s40_server_tokens").await;

    app.click("nav-profile").await;
    let title = app
        .visible("profile-places-title")
        .await
        .text()
        .await
        .unwrap();
    assert!(title.contains("Collections on 127.0.0.1"), "{title}");
    let mut collections = Vec::new();
    for el in app.all("profile-organization").await {
        collections.push(el.text().await.unwrap());
    }
    assert!(collections.iter().any(|c| c.contains("DefaultCollection")));
    assert!(collections.iter().any(|c| c.contains("Fabrikam")));
    app.screenshot("s40_server_collections").await;
    app.click("nav-tokens").await;

    // 3. A token from the "Agent Pools (read, manage)" preset, for a collection; copied to the X clipboard.
    app.submit_new_token("e2e server agent").await;
    let secret = app.reveal_new_secret().await;
    app.screenshot("s40_server_token_created").await;
    app.click("copy-button").await;
    app.until("the secret on the clipboard", || async {
        (clipboard::read().as_deref() == Some(secret.as_str())).then_some(())
    })
    .await;
    let state = server_state(&sim).await;
    let created = danas_tokens(&state)
        .into_iter()
        .find(|(_, name, ..)| name == "e2e server agent")
        .expect("the new token is on the server");
    assert_eq!(created.2, "active");
    // Copied, so Done closes without asking.
    app.click("done-button").await;

    // 4. Bulk revoke of the expired ones: exactly those are revoked, by id.
    app.click("filter-expired").await;
    let expired: Vec<String> = danas_tokens(&server_state(&sim).await)
        .into_iter()
        .filter(|(_, _, status)| status == "expired")
        .map(|(id, ..)| id)
        .collect();
    assert!(
        expired.len() >= 2,
        "the seed has expired tokens: {expired:?}"
    );
    app.until("the expired tokens listed", || async {
        (app.row_ids().await.len() == expired.len()).then_some(())
    })
    .await;
    app.click("select-all").await;
    app.click("bulk-revoke-button").await;
    let count = app
        .visible("bulk-confirm-count")
        .await
        .text()
        .await
        .unwrap();
    assert!(count.contains(&expired.len().to_string()), "{count}");
    app.click("confirm-button").await;
    app.visible("bulk-close-button").await;
    let after = app
        .until("every expired token revoked on the server", || async {
            let state = server_state(&sim).await;
            let tokens = danas_tokens(&state);
            expired
                .iter()
                .all(|id| {
                    tokens
                        .iter()
                        .any(|(t, _, status)| t == id && status == "revoked")
                })
                .then_some(state)
        })
        .await;
    assert_eq!(after["revokeAllCalls"], 0, "never the id-less revoke-all");
    let still_active = danas_tokens(&after)
        .into_iter()
        .filter(|(_, _, status)| status == "active")
        .count();
    assert!(still_active >= 1, "the active tokens are untouched");
    app.screenshot("s40_server_bulk_revoked").await;
    app.click("bulk-close-button").await;

    // 5. Remembered in the keychain: the app reopens signed in to the server.
    assert_eq!(
        keychain.remembered_servers().await.len(),
        1,
        "one remembered server"
    );
    let app = app.restart("s40_server_restored").await;
    app.find("token-row").await;
    // The sidebar's label may be cut off with an ellipsis: read the DOM text.
    let label = app
        .find("account-label")
        .await
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(label.contains(SERVER_DEMO_LOGIN), "{label}");
    app.screenshot("s40_server_restored").await;

    // 6. Sign out forgets the server's password.
    app.click("account-menu-button").await;
    app.click("menu-sign-out").await;
    app.visible("org-input").await;
    assert!(
        keychain.remembered_servers().await.is_empty(),
        "sign-out forgets the server"
    );

    // Neither the password nor the token in the log or any file (`finish` checks every remembered secret).
    let (path, log) = app.diagnostics_log();
    assert!(log.contains("server session established"), "{log}");
    assert!(!log.contains(SERVER_DEMO_PASSWORD), "{}", path.display());
    app.finish().await;
    sim.shutdown().await;
}

/// "Try the demo of an Azure DevOps Server": the built-in simulator's server mode, signed in with NTLM by the
/// app itself, lists its tokens in the collections' words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s41_server_demo_from_the_sign_in_screen() {
    // With a keychain, so the window opens on the sign-in screen (not on the "no keychain" one).
    if !in_private_keyring("s41_server_demo_from_the_sign_in_screen") {
        return;
    }
    within_limit("s41_server_demo", async {
        let keychain = PrivateKeychain::new();
        let env = keychain.env(&[]);
        let app = App::launch_with("s41_server_demo", &app_bin(), &env).await;
        app.click("server-demo-button").await;
        app.find("token-row").await;
        let label = app
            .find("account-label")
            .await
            .prop("textContent")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(
            label.contains(SERVER_DEMO_LOGIN) && label.contains("(demo)"),
            "{label}"
        );
        app.click("nav-profile").await;
        let title = app
            .visible("profile-places-title")
            .await
            .text()
            .await
            .unwrap();
        assert!(title.starts_with("Collections on "), "{title}");
        app.screenshot("s41_server_demo").await;
        app.finish().await;
    })
    .await;
}

/// A server on HTTPS whose certificate comes from a company CA (here a throw-away one): until the CA is in the
/// trust store the process is pointed at, the sign-in says in plain words that the certificate is not trusted
/// and what to ask IT for; with `SSL_CERT_FILE` naming it, the same sign-in works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s42_server_on_https_with_a_company_ca() {
    if !in_private_keyring("s42_server_on_https_with_a_company_ca") {
        return;
    }
    within_limit("s42_server_tls", s42_body()).await;
}

async fn s42_body() {
    let ca = patdesk_test_support::tls::test_ca();
    let sim = Simulator::start(SimOptions {
        tls: Some(ca.server),
        ..SimOptions::default()
    })
    .await
    .expect("start the simulator on HTTPS");
    let server = sim.server_url();
    assert!(server.starts_with("https://"), "{server}");
    let ca_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca_file.path(), &ca.ca_pem).unwrap();
    let ca_path = ca_file.path().to_str().unwrap().to_string();
    let keychain = PrivateKeychain::new();

    async fn sign_in(app: &App, server: &str) {
        app.type_into("org-input", server).await;
        app.visible("server-sign-in").await;
        app.type_into("server-user", SERVER_DEMO_LOGIN).await;
        app.type_into("server-secret", SERVER_DEMO_PASSWORD).await;
        app.click("server-remember").await; // not remembered: each run signs in itself
        app.click("server-sign-in-button").await;
    }

    // Not trusted yet (the process's trust store is a file without the company CA).
    let empty_store = tempfile::NamedTempFile::new().unwrap();
    let untrusted_env = keychain.env(&[("SSL_CERT_FILE", empty_store.path().to_str().unwrap())]);
    let app = App::launch_with("s42_server_tls_untrusted", &app_bin(), &untrusted_env).await;
    sign_in(&app, &server).await;
    let error = app.visible("sign-in-error").await.text().await.unwrap();
    assert!(
        error.contains("does not trust the server's security certificate") && error.contains("IT"),
        "the plain TLS sentence: {error}"
    );
    app.screenshot("s42_server_tls_untrusted").await;
    app.finish().await;

    // The company CA in the trust store: the same sign-in works.
    let trusted_env = keychain.env(&[("SSL_CERT_FILE", ca_path.as_str())]);
    let app = App::launch_with("s42_server_tls_trusted", &app_bin(), &trusted_env).await;
    sign_in(&app, &server).await;
    app.find("token-row").await;
    app.screenshot("s42_server_tls_trusted").await;
    app.finish().await;
    sim.shutdown().await;
}

/// A server on plain `http://` off this computer: the simulator's server mode on this computer's network
/// address (not loopback, so the app treats it as another computer), and the same server's `https://` on port
/// 443 of that address with a certificate of a throw-away CA the app trusts through `SSL_CERT_FILE` (port 443
/// needs root or `CAP_NET_BIND_SERVICE`, as the probe looks there, where IIS serves https). Before anything is
/// sent the window says the connection is not encrypted and what that exposes, offers the https address, and
/// signs in over http only after "Use the unencrypted connection to …"; the profile then says since when.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s43_plain_http_server_warned_https_offered_and_used_only_by_choice() {
    if !in_private_keyring("s43_plain_http_server_warned_https_offered_and_used_only_by_choice") {
        return;
    }
    within_limit("s43_plain_http", s43_body()).await;
}

async fn s43_body() {
    let ip = patdesk_test_support::this_computers_address();
    let http = Simulator::start_on(std::net::SocketAddr::new(ip, 0), SimOptions::default())
        .await
        .expect("start the simulator on the network address");
    let ca = patdesk_test_support::tls::test_ca_for(&[ip.to_string()]);
    let https = Simulator::start_on(
        std::net::SocketAddr::new(ip, 443),
        SimOptions {
            tls: Some(ca.server),
            ..SimOptions::default()
        },
    )
    .await
    .expect("the https simulator listens on port 443 (needs root or CAP_NET_BIND_SERVICE)");
    let ca_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca_file.path(), &ca.ca_pem).unwrap();
    let ca_path = ca_file.path().to_str().unwrap().to_string();
    let server = http.server_url();
    let label = server
        .trim_start_matches("http://")
        .trim_end_matches("/tfs")
        .to_string();
    let recorded = |sim: &Simulator| {
        let url = format!("{}/_sim/requests", sim.base_url());
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes()).unwrap())
            .build()
            .unwrap();
        async move {
            let answer: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            answer.as_array().cloned().unwrap_or_default()
        }
    };
    let keychain = PrivateKeychain::new();
    let env = keychain.env(&[("SSL_CERT_FILE", ca_path.as_str())]);
    let mut app = App::launch_with("s43_plain_http", &app_bin(), &env).await;

    // 1. The warning, before anything is sent; the https address offered.
    app.type_into("org-input", &format!("{server}/DefaultCollection"))
        .await;
    let warning = app
        .visible("plain-http-warning")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        warning.contains(&format!("The connection to {label} is not encrypted")),
        "{warning}"
    );
    assert!(warning.contains("read every new token"), "{warning}");
    assert!(warning.contains("relay your Windows sign-in"), "{warning}");
    let offered = app.visible("https-address").await.text().await.unwrap();
    assert_eq!(
        offered.trim(),
        format!("https://{ip}/tfs/DefaultCollection")
    );
    let choose = app
        .visible("choose-plain-http-button")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        choose.trim(),
        format!("Use the unencrypted connection to {label}")
    );
    assert!(recorded(&http).await.is_empty(), "nothing sent over http");
    let probes = recorded(&https).await;
    assert!(!probes.is_empty(), "the https probe reached the server");
    assert!(
        probes.iter().all(|r| r["status"] == 401),
        "anonymous only: {probes:?}"
    );
    // The whole warning in view, its two buttons included.
    let _ = app
        .client
        .execute(
            "document.querySelector('[data-testid=\"plain-http-warning\"]').scrollIntoView({block: 'end'})",
            vec![],
        )
        .await;
    app.screenshot("plain-http-choice").await;
    std::fs::copy(
        patdesk_e2e::artifacts_dir().join("plain-http-choice.png"),
        patdesk_e2e::repo_root().join("docs/plain-http-choice.png"),
    )
    .expect("copy the screenshot to docs/");

    // 2. The explicit choice, then the Windows sign-in over http.
    app.click("choose-plain-http-button").await;
    app.visible("server-sign-in").await;
    let chosen = app.visible("plain-http-chosen").await.text().await.unwrap();
    assert!(
        chosen.contains(&format!("Unencrypted connection to {label}, chosen on")),
        "{chosen}"
    );
    app.type_into("server-user", SERVER_DEMO_LOGIN).await;
    app.type_into("server-secret", SERVER_DEMO_PASSWORD).await;
    app.click("server-remember").await; // not remembered: nothing kept past this test
    app.click("server-sign-in-button").await;
    app.remember_secret(SERVER_DEMO_PASSWORD);
    app.find("token-row").await;
    assert!(!recorded(&http).await.is_empty(), "signed in over http");

    // 3. The profile says so, with the way back.
    app.click("nav-profile").await;
    let since = app
        .visible("profile-plain-http-since")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        since.contains("You chose to use the unencrypted (http://) connection"),
        "{since}"
    );
    app.visible("take-back-plain-http").await;
    app.screenshot("s43_plain_http_profile").await;
    app.finish().await;
    http.shutdown().await;
    https.shutdown().await;
}
