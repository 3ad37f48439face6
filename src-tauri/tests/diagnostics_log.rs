//! The diagnostics log as the app writes it, without a display: the shell's logging started on Tauri's mock
//! runtime in a throw-away home at `PATDESK_LOG=debug`, then the demo signed in (device code against the
//! embedded simulator), listed, a token created, revoked, and more revoked in bulk through the real commands.
//! The log must tell all of it and hold no secret: not the created token's value, nothing JWT-shaped (access
//! tokens), none of the simulator's refresh tokens (`1.AXkAsim…`) or device codes (`DAQABAAEAAAD…`), no
//! query string. One test in this binary: the environment and the global subscriber are the process's.

use std::path::PathBuf;

mod support;

use patdesk_lib::state::LaunchMode;
use serde_json::{json, Value};

use support::{create_token, invoke};

/// Anything JWT-shaped: `eyJ…` `.` `eyJ…` `.` signature.
fn has_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(at, _)| {
        let token: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let parts: Vec<&str> = token.split('.').collect();
        parts.len() >= 3 && parts[1].starts_with("eyJ")
    })
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows puts the log in the profile's Local AppData known folder, which no variable moves to a \
              throw-away home; windows_profile.rs checks the log there"
)]
fn the_log_tells_what_happened_and_holds_no_secret() {
    let home = std::env::temp_dir().join(format!("patdesk-log-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_DATA_HOME", home.join("data"));
    std::env::set_var("PATDESK_LOG", "debug");

    let (_app, window) = support::app_then(LaunchMode::default(), |app| {
        patdesk_lib::logging::start(app.handle())
    });

    let about = invoke(&window, "about", json!({})).expect("about");
    let log_file = PathBuf::from(about["logFile"].as_str().unwrap());
    assert!(log_file.starts_with(&home), "{}", log_file.display());

    let session = invoke(&window, "start_demo", json!({})).expect("demo starts");
    let org = session["profile"]["organizations"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = invoke(
        &window,
        "list_tokens",
        json!({"filter": "all", "onProgress": "__CHANNEL__:1"}),
    )
    .expect("list");
    assert!(!listed["tokens"].as_array().unwrap().is_empty());
    let (secret, id) = create_token(&window, &org, "log test token", &["vso.code"]);
    invoke(
        &window,
        "revoke_token",
        json!({"organization": org, "authorizationId": id}),
    )
    .expect("revoke");
    let active = invoke(
        &window,
        "list_tokens",
        json!({"filter": "active", "onProgress": "__CHANNEL__:2"}),
    )
    .expect("list active");
    let items: Vec<Value> = active["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|t| json!({"organization": t["organization"], "authorizationId": t["authorizationId"], "displayName": t["displayName"]}))
        .collect();
    invoke(
        &window,
        "bulk_revoke",
        json!({"items": items, "onProgress": "__CHANNEL__:3"}),
    )
    .expect("bulk revoke");
    invoke(&window, "sign_out", json!({})).expect("sign out");

    let log = std::fs::read_to_string(&log_file).expect("the log was written");
    // Private to the user: the log 0600 in a 0700 folder.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&log_file), 0o600);
        assert_eq!(mode(log_file.parent().unwrap()), 0o700);
    }
    for expected in [
        "sign-in started kind=\"demo\"",
        "device-code sign-in: code issued",
        "sign-in ended kind=\"demo\" code=\"ok\"",
        "session established organizations=",
        "listed organization=",
        "token list filter=All",
        "token created organization=",
        "token revoked organization=",
        "bulk revoke tokens=3 revoked=3",
        "signed out",
        "http method=\"POST\"",
        "/oauth2/v2.0/token\" status=200",
    ] {
        assert!(log.contains(expected), "the log tells {expected:?}:\n{log}");
    }
    assert!(log.contains(&id), "token ids are logged");
    assert!(
        !log.contains(&secret),
        "the created token's value is in the log"
    );
    assert!(!has_jwt(&log), "an access token is in the log");
    for url in log.split("url=\"").skip(1) {
        let url = &url[..url.find('"').unwrap()];
        assert!(
            !url.contains('?') && !url.contains('#'),
            "a logged URL with a query: {url}"
        );
    }
    for shape in [
        "1.AXkAsim",
        "DAQABAAEAAAD",
        "Bearer",
        "access_token",
        "refresh_token",
    ] {
        assert!(!log.contains(shape), "{shape:?} is in the log:\n{log}");
    }
    assert!(
        has_jwt("x eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ0In0.c2ln y"),
        "the check can fail"
    );
    let _ = std::fs::remove_dir_all(&home);
}
