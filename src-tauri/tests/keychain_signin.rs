//! The sign-in, keychain and saved-token commands as the window calls them (Tauri's mock runtime, no
//! display), against a simulator over real loopback HTTP and a **real** Secret Service: each test re-runs
//! itself through `scripts/with-keyring.sh` (a private D-Bus session with a throw-away, unlocked
//! gnome-keyring), so no developer keychain is ever touched. `make test-keychain` runs this target too.
//!
//! The browser sign-in is covered end to end in `tests/e2e/tests/signin.rs`; here the device-code sign-in
//! (which the simulator approves at once) drives the same `establish` path: remember, restore, switch, forget.

mod support;

use std::path::PathBuf;
use std::process::Command;

use patdesk_core::vault::Vault;
use patdesk_lib::state::LaunchMode;
use patdesk_sim::{SimOptions, Simulator};
use serde_json::{json, Value};
use tauri::test::MockRuntime;
use tauri::{App, WebviewWindow};

use support::invoke;

const CHILD_MARKER: &str = "PATDESK_SHELL_KEYCHAIN_TEST";

/// `true` inside the private keyring re-run; `false` in the outer run (after the re-run passed).
fn in_private_keyring(name: &str) -> bool {
    patdesk_test_support::keyring::in_private_keyring(CHILD_MARKER, name)
}

/// A simulator (approving device codes at once) and the app's environment pointing at it, with a keychain
/// namespace of its own. Only called inside the re-run, where this is the one test of the process.
fn world() -> (Simulator, Vault) {
    let sim = Simulator::start_blocking(SimOptions {
        auto_approve: true,
        device_pending_polls: 0,
        ..SimOptions::default()
    })
    .expect("start the simulator");
    let e = sim.endpoints();
    let namespace = format!("dev.patdesk.shell-test.{}", std::process::id());
    for (key, value) in [
        ("PATDESK_LOGIN_URL", e.login.as_str()),
        ("PATDESK_APP_VSSPS_URL", e.app_vssps.as_str()),
        ("PATDESK_VSSPS_URL", e.vssps.as_str()),
        ("PATDESK_DEV_URL", e.dev.as_str()),
        ("PATDESK_CLIENT_ID", "patdesk-test-client"),
        ("PATDESK_BROWSER", "none"),
        ("PATDESK_KEYCHAIN_NAMESPACE", namespace.as_str()),
    ] {
        std::env::set_var(key, value);
    }
    (sim, Vault::with_namespace(namespace))
}

/// A fresh app (a new run of PAT Desk) that restores the remembered session at start, like the real one.
fn app() -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let launch = LaunchMode {
        demo: false,
        restore_session: true,
    };
    support::app_with(launch)
}

fn device_sign_in(window: &WebviewWindow<MockRuntime>) -> Value {
    invoke(
        window,
        "start_device_sign_in",
        json!({"organization": "contoso-web", "onCode": "__CHANNEL__:1"}),
    )
    .expect("device-code sign-in")
}

#[test]
#[cfg_attr(
    windows,
    ignore = "re-runs itself inside gnome-keyring's Secret Service (scripts/with-keyring.sh), which Windows has \
              not; the vault on Windows' Credential Manager is patdesk-core's keychain_windows"
)]
fn keychain_sign_in_is_remembered_restored_and_forgotten_on_sign_out() {
    if !in_private_keyring("keychain_sign_in_is_remembered_restored_and_forgotten_on_sign_out") {
        return;
    }
    let (sim, vault) = world();
    let dana = sim.demo_user();

    let (_first, window) = app();
    assert_eq!(
        invoke(&window, "keychain_status", json!({})).unwrap()["available"],
        true
    );
    assert_eq!(
        invoke(&window, "current_session", json!({})),
        Ok(Value::Null)
    );
    let session = device_sign_in(&window);
    assert_eq!(session["demo"], false);
    assert_eq!(session["profile"]["email"], dana.email);
    assert_eq!(session["accountLabel"], dana.email);
    let remembered = vault.accounts().unwrap();
    assert_eq!(remembered.len(), 1, "one keychain entry per account");
    let first_token = vault
        .load_refresh_token(&remembered[0].tenant_id, &remembered[0].user_id)
        .unwrap()
        .expect("the refresh token is stored");
    // A guest organization's tokens come from the same refresh token, redeemed at its own tenant; the
    // rotation that causes is stored.
    let listed = invoke(
        &window,
        "list_tokens",
        json!({"filter": "all", "onProgress": "__CHANNEL__:2"}),
    )
    .expect("list across tenants");
    assert_eq!(listed["unavailable"], json!([]), "{listed}");
    assert!(listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["organization"] == "fabrikam-tools"));

    // A new run of the app: signed in again from the keychain, without any sign-in.
    let (_second, window) = app();
    let restored = invoke(&window, "current_session", json!({})).expect("restored");
    assert_eq!(restored["profile"]["email"], dana.email);
    assert_eq!(restored["demo"], false);
    let accounts = invoke(&window, "accounts", json!({})).unwrap();
    assert_eq!(accounts[0]["username"], dana.email);
    assert_eq!(accounts[0]["current"], true);
    let newest = vault
        .load_refresh_token(&remembered[0].tenant_id, &remembered[0].user_id)
        .unwrap()
        .expect("still stored");
    assert_ne!(
        newest.expose(),
        first_token.expose(),
        "every rotation is stored"
    );

    // Sign out forgets the account; the next run starts signed out.
    invoke(&window, "sign_out", json!({})).unwrap();
    assert!(vault.accounts().unwrap().is_empty());
    let (_third, window) = app();
    assert_eq!(
        invoke(&window, "current_session", json!({})),
        Ok(Value::Null)
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "re-runs itself inside gnome-keyring's Secret Service (scripts/with-keyring.sh), which Windows has \
              not; the vault on Windows' Credential Manager is patdesk-core's keychain_windows"
)]
fn keychain_saved_token_is_listed_copied_and_forgotten_when_revoked() {
    if !in_private_keyring("keychain_saved_token_is_listed_copied_and_forgotten_when_revoked") {
        return;
    }
    let (_sim, vault) = world();
    let (_app, window) = app();
    invoke(&window, "keychain_status", json!({})).unwrap();
    device_sign_in(&window);
    assert_eq!(invoke(&window, "saved_tokens", json!({})), Ok(json!([])));
    let created = invoke(
        &window,
        "create_token",
        json!({"request": {"organization": "contoso-web", "displayName": "kept", "scopes": ["vso.code"],
               "lifespan": {"kind": "days", "days": 30}}}),
    )
    .expect("create");
    let id = created["token"]["authorizationId"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = support::reveal_secret(&window, &id);
    let saved = invoke(&window, "save_created_token", json!({})).expect("save");
    assert_eq!(saved["displayName"], "kept");
    assert_eq!(saved["organization"], "contoso-web");
    // The value is in the keychain, labelled for the person; the window lists names only.
    assert_eq!(
        vault.saved_pat_secret("contoso-web", &id).unwrap().expose(),
        &secret
    );
    let listed = invoke(&window, "saved_tokens", json!({})).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(&secret),
        "no value crosses to the window"
    );

    let revoked = invoke(
        &window,
        "revoke_token",
        json!({"organization": "contoso-web", "authorizationId": id}),
    )
    .unwrap();
    assert_eq!(revoked["outcome"]["kind"], "revoked");
    assert_eq!(invoke(&window, "saved_tokens", json!({})), Ok(json!([])));
    assert!(vault.saved_pats().unwrap().is_empty());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "re-runs itself inside gnome-keyring's Secret Service (scripts/with-keyring.sh), which Windows has \
              not; the vault on Windows' Credential Manager is patdesk-core's keychain_windows"
)]
fn keychain_use_with_git_hands_the_token_to_the_credential_helper() {
    if !in_private_keyring("keychain_use_with_git_hands_the_token_to_the_credential_helper") {
        return;
    }
    let _world = world();
    // An isolated HOME whose Git keeps credentials with the `store` helper (a plain file).
    let home = tempfile_dir();
    std::fs::write(home.join(".gitconfig"), "[credential]\n\thelper = store\n").unwrap();
    std::env::set_var("HOME", &home);
    std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
    std::env::remove_var("XDG_CONFIG_HOME");
    let (_app, window) = app();
    invoke(&window, "keychain_status", json!({})).unwrap();
    device_sign_in(&window);
    assert_eq!(invoke(&window, "git_status", json!({})), Ok(json!(true)));
    let created = invoke(
        &window,
        "create_token",
        json!({"request": {"organization": "contoso-web", "displayName": "git", "scopes": ["vso.code_write"],
               "lifespan": {"kind": "days", "days": 30}}}),
    )
    .expect("create");
    let id = created["token"]["authorizationId"].as_str().unwrap();
    let secret = support::reveal_secret(&window, id);
    // `store` writes a plain file: the check says so, and the hand-off waits for the person's go-ahead.
    let check = invoke(&window, "git_helper_check", json!({})).expect("check");
    assert_eq!(check["verdict"], "plainFile");
    assert_eq!(check["helpers"], json!(["store"]));
    let refused = invoke(&window, "use_created_token_with_git", json!({}))
        .expect_err("no go-ahead for the plain file");
    assert_eq!(refused["code"], "invalidInput");
    assert!(!home.join(".git-credentials").exists());
    let sentence = invoke(
        &window,
        "use_created_token_with_git",
        json!({"plainFileOk": true}),
    )
    .expect("hand-off");
    // The credential is for the organizations' host of the session: here the simulator's stand-in for
    // https://dev.azure.com (PATDESK_DEV_URL), with the organization as user name.
    let dev = std::env::var("PATDESK_DEV_URL").unwrap();
    let target = format!("{}/contoso-web", dev.trim_end_matches('/'));
    let (scheme, rest) = dev.split_once("://").unwrap();
    let host = rest.split('/').next().unwrap();
    assert!(sentence.as_str().unwrap().contains(&target), "{sentence}");
    let mut fill = Command::new("git")
        .args(["credential", "fill"])
        .env("HOME", &home)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    fill.stdin
        .take()
        .unwrap()
        .write_all(format!("protocol={scheme}\nhost={host}\nusername=contoso-web\n\n").as_bytes())
        .unwrap();
    let out = fill.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l == format!("password={secret}")),
        "git credential fill returns the token"
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "re-runs itself inside gnome-keyring's Secret Service (scripts/with-keyring.sh), which Windows has \
              not; the vault on Windows' Credential Manager is patdesk-core's keychain_windows"
)]
fn keychain_browser_sign_in_ends_on_cancel_and_on_timeout() {
    if !in_private_keyring("keychain_browser_sign_in_ends_on_cancel_and_on_timeout") {
        return;
    }
    let _world = world();
    let (_app, window) = app();
    // Cancel: the command is waiting for the browser; cancel_sign_in ends it with signInCancelled.
    let waiting = {
        let window = window.clone();
        std::thread::spawn(move || {
            invoke(
                &window,
                "sign_in",
                json!({"organization": "contoso-web", "onWaiting": "__CHANNEL__:1"}),
            )
        })
    };
    while !waiting.is_finished() {
        invoke(&window, "cancel_sign_in", json!({})).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let err = waiting.join().unwrap().expect_err("cancelled");
    assert_eq!(err["code"], "signInCancelled");
    // Timeout: nobody comes back from the browser.
    std::env::set_var("PATDESK_SIGN_IN_TIMEOUT_SECONDS", "1");
    let err = invoke(
        &window,
        "sign_in",
        json!({"organization": "contoso-web", "onWaiting": "__CHANNEL__:2"}),
    )
    .expect_err("timed out");
    assert_eq!(err["code"], "signInExpired");
    assert_eq!(
        invoke(&window, "current_session", json!({})),
        Ok(Value::Null)
    );
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("patdesk-git-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
#[cfg_attr(
    windows,
    ignore = "re-runs itself inside gnome-keyring's Secret Service (scripts/with-keyring.sh), which Windows has \
              not; the vault on Windows' Credential Manager is patdesk-core's keychain_windows"
)]
fn keychain_msa_backed_organization_is_refused_plainly() {
    if !in_private_keyring("keychain_msa_backed_organization_is_refused_plainly") {
        return;
    }
    let _world = world();
    let (_app, window) = app();
    let err = invoke(
        &window,
        "sign_in",
        json!({"organization": "whitfield-family", "onWaiting": "__CHANNEL__:1"}),
    )
    .expect_err("MSA-backed");
    assert_eq!(err["code"], "notAllowed");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("personal Microsoft accounts"));
}
