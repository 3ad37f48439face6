//! The IPC commands as the window calls them, without a display: Tauri's mock runtime with the app's real
//! configuration and capabilities (`patdesk_lib::context()`), over real loopback HTTP to the embedded demo
//! simulator.

mod support;

use patdesk_lib::state::AppState;
use patdesk_lib::state::LaunchMode;
use serde_json::{json, Value};
use tauri::test::MockRuntime;
use tauri::{App, Manager, WebviewWindow};

use support::{create_token, invoke};

fn app() -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    support::app_with(LaunchMode::default())
}

#[test]
fn validate_organization_parses_addresses_and_names() {
    let (_app, window) = app();
    let org = invoke(
        &window,
        "validate_organization",
        json!({"input": " https://dev.azure.com/fabrikam/_git/web "}),
    )
    .expect("a valid address");
    assert_eq!(org["name"], "fabrikam");
    assert_eq!(org["url"], "https://dev.azure.com/fabrikam");
}

#[test]
fn validate_organization_error_is_code_and_message_only() {
    let (_app, window) = app();
    let err = invoke(&window, "validate_organization", json!({"input": "   "}))
        .expect_err("empty input is not an organization");
    let obj = err.as_object().expect("an object");
    assert_eq!(obj.len(), 2, "exactly code and message: {err}");
    assert_eq!(err["code"], "invalidOrganization");
    assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn nothing_works_before_a_session_starts() {
    let (_app, window) = app();
    assert_eq!(
        invoke(&window, "current_session", json!({})),
        Ok(Value::Null)
    );
    let err = invoke(
        &window,
        "list_tokens",
        json!({"filter": "all", "onProgress": "__CHANNEL__:1"}),
    )
    .expect_err("no session");
    assert_eq!(err["code"], "sessionExpired");
}

#[test]
fn sign_in_refuses_what_is_not_an_organization_before_any_request() {
    let (_app, window) = app();
    let err = invoke(
        &window,
        "sign_in",
        json!({"organization": "https://example.com/x", "onWaiting": "__CHANNEL__:1"}),
    )
    .expect_err("not an organization");
    assert_eq!(err["code"], "invalidOrganization");
    assert_eq!(
        invoke(&window, "current_session", json!({})),
        Ok(Value::Null)
    );
}

#[test]
fn demo_session_lists_creates_and_revokes_tokens() {
    let (_app, window) = app();
    let session = invoke(&window, "start_demo", json!({})).expect("demo starts");
    assert_eq!(session["demo"], true);
    let orgs = session["profile"]["organizations"].as_array().unwrap();
    assert!(!orgs.is_empty(), "the demo person has organizations");
    // Starting it again returns the same session.
    assert_eq!(
        invoke(&window, "start_demo", json!({})),
        Ok(session.clone())
    );
    assert_eq!(
        invoke(&window, "current_session", json!({})),
        Ok(session.clone())
    );

    let all = invoke(
        &window,
        "list_tokens",
        json!({"filter": "all", "onProgress": "__CHANNEL__:7"}),
    )
    .expect("list");
    assert_eq!(all["unavailable"], json!([]), "every organization listed");
    let all = all["tokens"].as_array().unwrap();
    assert!(!all.is_empty(), "the demo seed has tokens");
    let ids: std::collections::HashSet<_> =
        all.iter().map(|t| t["authorizationId"].clone()).collect();
    assert_eq!(ids.len(), all.len(), "de-duplicated");

    let org = orgs[0]["name"].as_str().unwrap();
    let created = invoke(
        &window,
        "create_token",
        json!({"request": {
            "organization": org,
            "displayName": "command test token",
            "scopes": ["vso.code"],
            "lifespan": {"kind": "days", "days": 30}
        }}),
    )
    .expect("create");
    assert!(created.get("secret").is_none(), "{created}");
    let id = created["token"]["authorizationId"]
        .as_str()
        .unwrap()
        .to_string();

    let listed = invoke(
        &window,
        "list_tokens",
        json!({"filter": "active", "onProgress": "__CHANNEL__:8"}),
    )
    .expect("list again");
    assert!(listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["authorizationId"] == id.as_str()));

    // Once the "Token created" screen is closed there is nothing left to copy.
    assert_eq!(
        invoke(&window, "forget_created_secret", json!({})),
        Ok(Value::Null)
    );
    let err = invoke(&window, "copy_secret", json!({})).expect_err("secret forgotten");
    assert_eq!(err["code"], "tokenNotFound");

    let revoked = invoke(
        &window,
        "revoke_token",
        json!({"organization": org, "authorizationId": id}),
    )
    .expect("revoke");
    assert_eq!(revoked["outcome"]["kind"], "revoked");
    let again = invoke(
        &window,
        "revoke_token",
        json!({"organization": org, "authorizationId": id}),
    )
    .expect("revoke again");
    assert_eq!(again["outcome"]["kind"], "alreadyGone");
    // An id that is not a GUID is refused with a sentence, never "revoked".
    for bad in ["", "../_apis", "not-an-id"] {
        let answer = invoke(
            &window,
            "revoke_token",
            json!({"organization": org, "authorizationId": bad}),
        )
        .expect("an outcome");
        assert_eq!(answer["outcome"]["kind"], "failed", "{bad:?}: {answer}");
        let refused = &answer["outcome"]["error"];
        assert_eq!(refused["code"], "invalidInput", "{bad:?}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("not a token id"),
            "{refused}"
        );
    }

    assert_eq!(invoke(&window, "sign_out", json!({})), Ok(Value::Null));
    assert_eq!(
        invoke(&window, "current_session", json!({})),
        Ok(Value::Null)
    );
}

/// Create (and Regenerate) answer with the new token but not its value: the value crosses to the window only
/// when the person presses Reveal, once per token; Copy and the keychain still work from Rust.
#[test]
fn a_new_tokens_value_crosses_only_on_reveal_and_only_once() {
    let (_app, window) = app();
    let session = invoke(&window, "start_demo", json!({})).expect("demo starts");
    let org = session["profile"]["organizations"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let created = invoke(
        &window,
        "create_token",
        json!({"request": {"organization": org, "displayName": "reveal test", "scopes": ["vso.code"],
               "lifespan": {"kind": "days", "days": 30}}}),
    )
    .expect("create");
    let id = created["token"]["authorizationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(created["token"]["displayName"], "reveal test");

    let secret =
        invoke(&window, "reveal_secret", json!({"authorizationId": id})).expect("the first Reveal");
    let secret = secret.as_str().expect("a string").to_string();
    assert!(secret.len() >= 20, "a PAT's value: {}", secret.len());
    let answer = created.to_string();
    assert!(
        created.get("secret").is_none() && !answer.contains(&secret),
        "Create's answer holds the value: {answer}"
    );
    // Once: a second Reveal is refused with a plain sentence.
    let again = invoke(&window, "reveal_secret", json!({"authorizationId": id}))
        .expect_err("the value crossed once already");
    assert_eq!(again["code"], "notAllowed");
    assert!(again["message"].as_str().unwrap().contains("Copy"));
    // An id that is no new token's.
    let unknown = invoke(
        &window,
        "reveal_secret",
        json!({"authorizationId": "3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32"}),
    )
    .expect_err("not a created token");
    assert_eq!(unknown["code"], "tokenNotFound");

    // Regenerate: the new token comes without its value too, and is revealed the same way.
    let regenerated = invoke(
        &window,
        "regenerate_token",
        json!({"request": {"organization": org, "authorizationId": id,
               "lifespan": {"kind": "days", "days": 30}}}),
    )
    .expect("regenerate");
    let new_id = regenerated["created"]["token"]["authorizationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        regenerated["created"].get("secret").is_none(),
        "{regenerated}"
    );
    let new_secret = invoke(&window, "reveal_secret", json!({"authorizationId": new_id}))
        .expect("Reveal after Regenerate");
    let new_secret = new_secret.as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert!(!regenerated.to_string().contains(new_secret));

    // Closing the screen forgets it: nothing left to reveal.
    invoke(&window, "forget_created_secret", json!({})).unwrap();
    assert_eq!(
        invoke(&window, "reveal_secret", json!({"authorizationId": new_id})).unwrap_err()["code"],
        "tokenNotFound"
    );
}

#[test]
fn bulk_revoke_reports_every_token() {
    let (_app, window) = app();
    invoke(&window, "start_demo", json!({})).expect("demo starts");
    let active = invoke(
        &window,
        "list_tokens",
        json!({"filter": "active", "onProgress": "__CHANNEL__:9"}),
    )
    .expect("list");
    let items: Vec<Value> = active["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .take(5)
        .map(|t| {
            json!({
                "organization": t["organization"],
                "authorizationId": t["authorizationId"],
                "displayName": t["displayName"],
            })
        })
        .collect();
    assert_eq!(items.len(), 5, "the demo seed has at least 5 active tokens");
    let summary = invoke(
        &window,
        "bulk_revoke",
        json!({"items": items, "onProgress": "__CHANNEL__:10"}),
    )
    .expect("bulk revoke");
    assert_eq!(summary["revoked"], 5, "{summary}");
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["results"].as_array().unwrap().len(), 5);
}

#[test]
fn the_window_gets_no_core_permission_beyond_events() {
    let (_app, window) = app();
    let err = invoke(&window, "plugin:window|close", json!({"label": "main"}))
        .expect_err("closing the window from the webview is not granted");
    assert!(
        err.to_string().contains("not allowed"),
        "refused by the capability: {err}"
    );
}

#[test]
fn about_names_the_version_and_the_log_file() {
    let (_app, window) = app();
    let about = invoke(&window, "about", json!({})).expect("about");
    assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
    let log_file = about["logFile"].as_str().expect("a path");
    assert!(
        std::path::Path::new(log_file).ends_with(
            std::path::Path::new("dev.patdesk.app")
                .join("logs")
                .join("patdesk.log")
        ),
        "in the app's log directory: {log_file}"
    );
}

#[test]
fn copying_the_sign_in_address_needs_a_sign_in_that_waits() {
    let (_app, window) = app();
    let err = invoke(&window, "copy_sign_in_address", json!({}))
        .expect_err("no browser sign-in is waiting");
    assert_eq!(err["code"], "signInExpired", "{err}");
}

/// A settings file of its own for the app's state, in a throw-away directory (removed at the end).
fn settings_app(
    tag: &str,
) -> (
    App<MockRuntime>,
    WebviewWindow<MockRuntime>,
    std::path::PathBuf,
) {
    let dir = std::env::temp_dir().join(format!(
        "patdesk-settings-{tag}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    ));
    let file = dir.join("settings.json");
    let (app, window) = app();
    app.state::<AppState>().use_settings_file(file.clone());
    (app, window, dir)
}

#[test]
fn settings_are_saved_validated_and_read_back() {
    let (app, window, dir) = settings_app("saved");
    let view = invoke(&window, "settings", json!({})).expect("settings");
    assert_eq!(view["notice"], Value::Null);
    assert_eq!(view["settings"]["clipboardClearSeconds"], 30);
    assert_eq!(view["settings"]["theme"], "system");
    assert_eq!(view["settings"]["authority"], "organizations");
    assert_eq!(view["defaults"], view["settings"]);

    let mut chosen = view["settings"].clone();
    chosen["clipboardClearSeconds"] = json!(10);
    chosen["theme"] = json!("dark");
    chosen["notifications"] = json!(false);
    let saved = invoke(&window, "save_settings", json!({ "settings": chosen })).expect("saved");
    assert_eq!(saved["settings"], chosen);
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("settings.json")).unwrap()).unwrap();
    assert_eq!(on_disk["settings"], chosen);
    // The copy commands and the sign-in read what was saved.
    assert_eq!(
        app.state::<AppState>().settings().clipboard_clear_seconds,
        10
    );

    let mut bad = chosen.clone();
    bad["clientId"] = json!("not a client id");
    let err = invoke(&window, "save_settings", json!({ "settings": bad })).expect_err("refused");
    assert_eq!(err.as_object().unwrap().len(), 2, "code and message: {err}");
    assert_eq!(err["code"], "invalidClientId");
    let mut bad = chosen.clone();
    bad["authority"] = json!("consumers");
    let err = invoke(&window, "save_settings", json!({ "settings": bad })).expect_err("refused");
    assert_eq!(err["code"], "invalidAuthority");
    // Nothing changed.
    let after = invoke(&window, "settings", json!({})).expect("settings");
    assert_eq!(after["settings"], chosen);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unreadable_settings_file_gives_the_defaults_and_a_notice_until_saved() {
    let (_app, window, dir) = settings_app("unreadable");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("settings.json"),
        "{\"version\": 1, \"settings\": [",
    )
    .unwrap();
    let view = invoke(&window, "settings", json!({})).expect("settings");
    assert_eq!(view["settings"]["clipboardClearSeconds"], 30);
    let notice = view["notice"].as_str().expect("a notice");
    assert!(notice.contains("settings.json.bak"), "{notice}");
    assert_eq!(
        std::fs::read_to_string(dir.join("settings.json.bak")).unwrap(),
        "{\"version\": 1, \"settings\": ["
    );
    // Asked again (the Settings screen after the start), the notice is still there; saving ends it.
    let again = invoke(&window, "settings", json!({})).expect("settings");
    assert_eq!(again["notice"], view["notice"]);
    let saved = invoke(
        &window,
        "save_settings",
        json!({ "settings": view["settings"] }),
    )
    .expect("saved");
    assert_eq!(saved["notice"], Value::Null);
    assert!(dir.join("settings.json.bak").exists(), "the .bak stays");
    let _ = std::fs::remove_dir_all(dir);
}

/// The hand-off commands' refusals and no-secret answers, which need no tool on the machine: a feed address
/// that is none, plain text not chosen, the npm lines with `${AZDO_NPM_PAT_B64}`; without a data directory
/// nothing is recorded, and removing the copies of a token handed nowhere removes nothing.
#[test]
fn hand_offs_refuse_without_the_choice_and_the_npm_lines_hold_no_token() {
    let (_app, window) = app();
    let session = invoke(&window, "start_demo", json!({})).expect("demo starts");
    let org = session["profile"]["organizations"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let (secret, id) = create_token(&window, &org, "hand-off command test", &["vso.packaging"]);

    let err = invoke(
        &window,
        "use_created_token_with_nuget",
        json!({"authorizationId": id, "feedUrl": "https://example.com/feed", "plainTextOk": true}),
    )
    .expect_err("not a feed");
    assert_eq!(err["code"], "feedAddressNotAllowed");
    let err = invoke(
        &window,
        "use_created_token_with_nuget",
        json!({"authorizationId": id, "plainTextOk": true,
               "feedUrl": format!("http://pkgs.example.com/{org}/_packaging/f/nuget/v3/index.json")}),
    )
    .expect_err("not an Azure Artifacts host");
    assert_eq!(err["code"], "feedAddressNotAllowed");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("https://pkgs.dev.azure.com/{org}/")),
        "{message}"
    );
    // Every hand-off and the snippet check the feed before anything runs: another host, another
    // organization's feed, a user name in the address.
    let fabrikam = "https://pkgs.dev.azure.com/fabrikam-not-mine/_packaging/f";
    for (command, field, address) in [
        (
            "use_created_token_with_npm",
            "registryUrl",
            format!("https://evil.example/{org}/_packaging/f/npm/registry/"),
        ),
        (
            "use_created_token_with_pip",
            "indexUrl",
            format!("{fabrikam}/pypi/simple/"),
        ),
        (
            "copy_nuget_credential_snippet",
            "feedUrl",
            format!("https://me@pkgs.dev.azure.com/{org}/_packaging/f/nuget/v3/index.json"),
        ),
        (
            "npm_env_lines",
            "registryUrl",
            format!("https://pkgs.dev.azure.com/{org}/_packaging/f/npm/registry/?x"),
        ),
    ] {
        let err = invoke(
            &window,
            command,
            json!({"authorizationId": id, "plainTextOk": true, field: address}),
        )
        .expect_err(command);
        assert_eq!(err["code"], "feedAddressNotAllowed", "{command}: {err}");
    }
    let registry = format!("https://pkgs.dev.azure.com/{org}/_packaging/web/npm/registry/");
    let err = invoke(
        &window,
        "use_created_token_with_npm",
        json!({"authorizationId": id, "registryUrl": registry, "plainTextOk": false}),
    )
    .expect_err("plain text not chosen");
    assert_eq!(err["code"], "invalidInput");

    let lines = invoke(
        &window,
        "npm_env_lines",
        json!({"authorizationId": id, "registryUrl": registry}),
    )
    .expect("the lines");
    let lines = lines.as_str().unwrap();
    assert!(lines.contains(":_password=${AZDO_NPM_PAT_B64}"), "{lines}");
    assert!(!lines.contains(&secret));

    assert_eq!(
        invoke(&window, "hand_offs", json!({})),
        Ok(json!({"handOffs": [], "notice": null}))
    );
    assert_eq!(
        invoke(
            &window,
            "remove_copies",
            json!({"tokens": [{"organization": org, "authorizationId": id}]})
        ),
        Ok(json!([]))
    );
}

/// An Azure DevOps Server on plain `http://` off this computer (the simulator on this computer's network
/// address): the sign-in field's reading says so, a sign-in is refused with nothing sent until the choice is
/// recorded in the settings, goes ahead once it is (the session says since when), and is refused again once the
/// choice is taken back.
#[test]
fn an_unencrypted_server_is_signed_in_to_only_after_the_choice_is_recorded() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime.block_on(patdesk_test_support::TestSim::start_on_network(
        patdesk_sim::SimOptions {
            start_at: Some(patdesk_test_support::test_now()),
            ..Default::default()
        },
    ));
    let (app, window, dir) = settings_app("plain-http");
    let address = format!("{}/DefaultCollection", sim.sim.server_url());
    let label = address
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();

    let read = invoke(&window, "read_sign_in_address", json!({ "input": address }))
        .expect("a server address");
    assert_eq!(read["kind"], "server");
    assert_eq!(read["unencrypted"], true);
    assert_eq!(read["serverLabel"], label);
    assert_eq!(read["plainHttpChosenAt"], Value::Null);

    let sign_in = |window: &WebviewWindow<MockRuntime>| {
        invoke(
            window,
            "sign_in_to_server",
            json!({ "request": {
                "address": address,
                "credential": "windows",
                "user": patdesk_sim::SERVER_DEMO_LOGIN,
                "secret": patdesk_sim::SERVER_DEMO_PASSWORD,
                "remember": false,
            }}),
        )
    };
    let err = sign_in(&window).expect_err("not chosen");
    assert_eq!(err["code"], "plainHttpNotChosen", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains(&format!("Use the unencrypted connection to {label}")),
        "{err}"
    );
    assert_eq!(
        runtime.block_on(sim.requests()),
        Vec::<Value>::new(),
        "nothing reached the server"
    );

    let chosen = invoke(&window, "choose_plain_http", json!({ "address": address }))
        .expect("the choice is recorded");
    let chosen_at = chosen["plainHttpChosenAt"].clone();
    assert!(chosen_at.is_string(), "{chosen}");
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("settings.json")).unwrap()).unwrap();
    assert_eq!(
        on_disk["settings"]["plainHttpServers"][0]["server"],
        format!("http://{label}")
    );
    let session = sign_in(&window).expect("signs in once chosen");
    assert_eq!(session["server"]["plainHttpChosenAt"], chosen_at);

    invoke(&window, "sign_out", json!({})).expect("signs out");
    invoke(&window, "forget_plain_http", json!({ "address": address })).expect("taken back");
    assert!(app
        .state::<AppState>()
        .settings()
        .plain_http_servers
        .is_empty());
    let err = sign_in(&window).expect_err("asked again");
    assert_eq!(err["code"], "plainHttpNotChosen", "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
