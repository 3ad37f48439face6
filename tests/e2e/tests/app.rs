//! PAT Desk end to end: the real window, driven as a person would (clicks, typing, the X clipboard), checked
//! against what really happened in the app's in-process demo simulator (`/_sim/state`). Each test starts a
//! fresh app in a throw-away home and, when it ends, proves that no token value it saw was written to a file
//! or to the app's output (`App::finish`). Run with `make e2e` (Xvfb, tauri-driver, one test at a time).

use std::collections::{BTreeMap, BTreeSet};

use fantoccini::Locator;
use patdesk_e2e::{
    app_bin, clipboard, secret_shapes, testid, token_by_id, within_limit, App, Dirs,
};
use serde_json::{json, Value};

/// The simulator's tokens owned by the signed-in person (the owner of the listed tokens).
async fn own_tokens(app: &App) -> Vec<Value> {
    let state = app.sim.state().await;
    let owner = demo_owner(app, &state).await;
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["ownerOid"] == owner)
        .cloned()
        .collect()
}

/// The Entra object id of the person the window lists tokens for: the owner of a listed token.
async fn demo_owner(app: &App, state: &Value) -> Value {
    let shown = app.row_ids().await;
    let first = shown.first().expect("at least one token row");
    token_by_id(state, first)["ownerOid"].clone()
}

/// The (lower-case) ids of every revoked token in a `/_sim/state`.
fn revoked_ids(state: &Value) -> BTreeSet<String> {
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "revoked")
        .map(|t| t["authorizationId"].as_str().unwrap().to_lowercase())
        .collect()
}

fn status_of(state: &Value, id: &str) -> String {
    token_by_id(state, id)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The number shown in a filter button ("Active 31").
async fn filter_count(app: &App, filter: &str) -> usize {
    let button = app.find(&format!("filter-{filter}")).await;
    let count = button
        .find(Locator::Css(".count"))
        .await
        .expect("a count in the filter button");
    count
        .text()
        .await
        .unwrap()
        .trim()
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn s1_demo_sign_in() {
    within_limit("s1_demo_sign_in", s1_demo_sign_in_body()).await;
}

async fn s1_demo_sign_in_body() {
    let app = App::launch("s1_demo_sign_in").await;
    app.click("demo-button").await;
    let banner = app.visible("demo-banner").await;
    assert!(banner.text().await.unwrap().contains("Demo"));
    app.sim.ready().await;
    app.find("token-row").await;
    app.finish().await;
}

#[tokio::test]
async fn s10_no_secret_reaches_the_diagnostics_log() {
    within_limit(
        "s10_no_secret_reaches_the_diagnostics_log",
        s10_no_secret_reaches_the_diagnostics_log_body(),
    )
    .await;
}

/// The demo at the log's most detailed level (`PATDESK_LOG=debug`): sign in, list, create a token, reveal and
/// copy it, revoke one token and three more in bulk, then open About and "Copy diagnostics". The log tells
/// all of it, and neither the log nor the copied diagnostics hold the created token's value, an access or
/// refresh token, a device code or an authorization code.
async fn s10_no_secret_reaches_the_diagnostics_log_body() {
    let mut app = App::launch_with(
        "s10_diagnostics_log",
        &app_bin(),
        &[("PATDESK_LOG", "debug")],
    )
    .await;
    app.click("demo-button").await;
    app.visible("demo-banner").await;
    app.sim.ready().await;
    app.find("token-row").await;

    // Create a token, reveal it and copy it.
    app.submit_new_token("e2e diagnostics").await;
    let secret = app.reveal_new_secret().await;
    app.click("copy-button").await;
    app.until("the secret on the clipboard", || async {
        (clipboard::read().as_deref() == Some(&secret)).then_some(())
    })
    .await;
    app.click("done-button").await;
    app.visible("new-token-button").await;

    // Revoke one token from its row (once the list is back on screen).
    let id = app
        .until("the list's rows", || async {
            app.row_ids().await.first().cloned()
        })
        .await;
    let row = app.row(&id).await;
    let revoke = row
        .find(Locator::Css(&testid("row-revoke-button")))
        .await
        .unwrap();
    app.click_element(&revoke, "row-revoke-button").await;
    app.click("confirm-button").await;
    app.until("the token revoked", || async {
        (status_of(&app.sim.state().await, &id) == "revoked").then_some(())
    })
    .await;

    // Revoke three more in bulk.
    let bulk = app.seed_tokens_and_show("log-e2e-", 3).await;
    app.click("select-all").await;
    app.click("bulk-revoke-button").await;
    app.click("confirm-button").await;
    app.until("the 3 tokens revoked", || async {
        let revoked = revoked_ids(&app.sim.state().await);
        bulk.is_subset(&revoked).then_some(())
    })
    .await;
    app.click("bulk-close-button").await;

    // About: the version, where the log is, and "Copy diagnostics".
    app.click("nav-about").await;
    let version = app.visible("about-version").await.text().await.unwrap();
    assert_eq!(version.trim(), env!("CARGO_PKG_VERSION"));
    let shown_path = app.visible("about-log-file").await.text().await.unwrap();
    app.screenshot("about").await;
    app.click("copy-diagnostics-button").await;
    app.visible("diagnostics-copied").await;
    let copied = app
        .until("the diagnostics on the clipboard", || async {
            clipboard::read().filter(|text| text.starts_with("PAT Desk "))
        })
        .await;

    // The log is the file About names, and it tells what happened.
    let (path, log) = app.diagnostics_log();
    assert_eq!(shown_path.trim(), path.display().to_string());
    for expected in [
        "sign-in ended kind=\"demo\" code=\"ok\"",
        "session established organizations=3",
        "listed organization=contoso-web",
        "token created",
        "token revoked",
        "bulk revoke tokens=3 revoked=3",
        "new token copied",
        "http method=\"GET\"",
        "/_apis/tokens/pats\" status=200",
    ] {
        assert!(log.contains(expected), "the log tells {expected:?}:\n{log}");
    }
    assert!(log.contains(&id), "the revoked token's id is logged");
    assert!(
        copied.contains(&format!("Log: {}", path.display())),
        "{copied}"
    );
    assert!(
        copied.contains("bulk revoke"),
        "the copy ends with the log's last lines"
    );
    // Neither the log nor what was copied holds a secret.
    for (what, text) in [("the log", &log), ("the copied diagnostics", &copied)] {
        assert!(!text.contains(&secret), "{what} holds the created token");
        let found = secret_shapes(text);
        assert!(found.is_empty(), "{what} holds {found:?}");
    }
    app.finish().await;
}

#[tokio::test]
async fn s2_profile_shows_the_demo_person() {
    within_limit(
        "s2_profile_shows_the_demo_person",
        s2_profile_shows_the_demo_person_body(),
    )
    .await;
}

async fn s2_profile_shows_the_demo_person_body() {
    let app = App::demo("s2_profile").await;
    let state = app.sim.state().await;
    let owner = demo_owner(&app, &state).await;
    let person = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["oid"] == owner)
        .expect("the demo person");

    app.click("nav-profile").await;
    let name = app.visible("profile-name").await.text().await.unwrap();
    assert_eq!(name.trim(), person["displayName"].as_str().unwrap());
    let email = app.visible("profile-email").await.text().await.unwrap();
    assert_eq!(email.trim(), person["email"].as_str().unwrap());
    app.finish().await;
}

#[tokio::test]
async fn the_window_refuses_to_leave_the_app() {
    within_limit(
        "the_window_refuses_to_leave_the_app",
        the_window_refuses_to_leave_the_app_body(),
    )
    .await;
}

/// A script that sends the window elsewhere (`window.location = …`) is refused: the window keeps PAT Desk's
/// own page, still working, for another site, a local file or an inline page alike.
async fn the_window_refuses_to_leave_the_app_body() {
    let app = App::demo("navigation_refused").await;
    // `tauri://` has no web origin of its own (url's `origin()` is opaque): compare scheme, host and port.
    let own = app.client.current_url().await.unwrap();
    let own_site = (own.scheme(), own.host_str(), own.port());
    assert!(
        matches!(own.scheme(), "tauri" | "http" | "https"),
        "the app's page: {own}"
    );
    for elsewhere in [
        "https://example.com/",
        "file:///etc/hostname",
        "data:text/html,<p>not PAT Desk</p>",
    ] {
        // The script may end with the page it ran in; only where the window is afterwards matters.
        let _ = app
            .client
            .execute(
                "window.location.href = arguments[0]; return null;",
                vec![json!(elsewhere)],
            )
            .await;
        // Long enough for a navigation to start and commit.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let now = app.client.current_url().await.unwrap();
        assert_eq!(
            (now.scheme(), now.host_str(), now.port()),
            own_site,
            "the window left the app for {elsewhere}: {now}"
        );
        // Still PAT Desk, still answering.
        app.visible("demo-banner").await;
    }
    app.click("nav-tokens").await;
    app.find("token-row").await;
    app.finish().await;
}

#[tokio::test]
async fn s3_list_filter_and_search() {
    within_limit(
        "s3_list_filter_and_search",
        s3_list_filter_and_search_body(),
    )
    .await;
}

async fn s3_list_filter_and_search_body() {
    let app = App::demo("s3_list").await;
    let tokens = own_tokens(&app).await;
    let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &tokens {
        *expected.entry(t["status"].as_str().unwrap()).or_default() += 1;
    }
    for status in ["active", "expired", "revoked"] {
        assert!(
            expected.get(status).copied().unwrap_or(0) > 0,
            "the demo has {status} tokens"
        );
    }
    app.screenshot("token_list").await;

    for filter in ["active", "expired", "revoked", "all"] {
        let want = if filter == "all" {
            tokens.len()
        } else {
            expected[filter]
        };
        assert_eq!(filter_count(&app, filter).await, want, "the {filter} count");
        app.click(&format!("filter-{filter}")).await;
        let ids: BTreeSet<String> = tokens
            .iter()
            .filter(|t| filter == "all" || t["status"] == filter)
            .map(|t| t["authorizationId"].as_str().unwrap().to_lowercase())
            .collect();
        // The list is virtualized: every row shown belongs to the filter, and the first screenful is there.
        app.until(&format!("only {filter} rows"), || async {
            let shown = app.row_ids().await;
            let ok = !shown.is_empty()
                && shown.len() <= ids.len()
                && shown.iter().all(|id| ids.contains(&id.to_lowercase()))
                && (shown.len() >= 6 || shown.len() == ids.len());
            ok.then_some(())
        })
        .await;
    }

    // Search by part of a name, case-insensitively, within "all".
    let target = tokens
        .iter()
        .find(|t| t["displayName"] == "npm-publish")
        .expect("the demo's npm-publish token");
    app.type_into("search-input", "NPM-PUB").await;
    app.until("only npm-publish", || async {
        let shown = app.row_ids().await;
        (shown.len() == 1
            && shown[0].eq_ignore_ascii_case(target["authorizationId"].as_str().unwrap()))
        .then_some(())
    })
    .await;
    app.screenshot("s3_search").await;
    app.type_into("search-input", "no token is called this")
        .await;
    app.visible("list-no-match").await;
    assert!(app.row_ids().await.is_empty());
    app.finish().await;
}

#[tokio::test]
async fn s4_create_reveal_copy_and_clipboard_clearing() {
    within_limit(
        "s4_create_reveal_copy_and_clipboard_clearing",
        s4_create_reveal_copy_and_clipboard_clearing_body(),
    )
    .await;
}

async fn s4_create_reveal_copy_and_clipboard_clearing_body() {
    let mut app = App::demo("s4_create_copy").await;
    let name = "e2e build agent";
    app.click("new-token-button").await;
    app.type_into("token-name-input", name).await;
    let org = app.visible("org-select").await;
    let organization = org
        .prop("value")
        .await
        .unwrap()
        .expect("an organization is chosen");
    app.click("preset-build-agent").await;
    app.click("create-button").await;

    let secret = app.reveal_new_secret().await;

    let state = app.sim.state().await;
    let created: Vec<&Value> = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["displayName"] == name)
        .collect();
    assert_eq!(created.len(), 1, "one new token named {name}");
    assert_eq!(created[0]["scope"], "vso.agentpools_manage");
    assert_eq!(created[0]["org"], organization.as_str());
    assert_eq!(created[0]["status"], "active");

    // Copy: another program reads exactly the revealed value, and it is gone after the countdown.
    app.click("copy-button").await;
    app.until("the secret on the clipboard", || async {
        (clipboard::read().as_deref() == Some(&secret)).then_some(())
    })
    .await;
    let countdown = app.visible("clipboard-countdown").await;
    app.until("the clipboard countdown", || async {
        countdown
            .text()
            .await
            .ok()
            .filter(|t| t.contains("clears in"))
            .map(|_| ())
    })
    .await;
    app.until("the clipboard cleared", || async {
        clipboard::read()
            .is_none_or(|text| text.is_empty())
            .then_some(())
    })
    .await;
    app.until("'Clipboard cleared.'", || async {
        countdown
            .text()
            .await
            .ok()
            .filter(|t| t.contains("cleared"))
            .map(|_| ())
    })
    .await;

    // Copy again, then another program takes the clipboard: the countdown must leave its text alone.
    app.click("copy-button").await;
    app.until("the secret on the clipboard again", || async {
        (clipboard::read().as_deref() == Some(&secret)).then_some(())
    })
    .await;
    let other = "text another program copied";
    let owner = clipboard::take_over(other).await;
    app.until("the countdown to finish", || async {
        countdown
            .text()
            .await
            .ok()
            .filter(|t| !t.contains("clears in"))
            .map(|_| ())
    })
    .await;
    assert_eq!(
        clipboard::read().as_deref(),
        Some(other),
        "the other program's text was cleared"
    );
    drop(owner);

    app.click("done-button").await;
    app.visible("new-token-button").await;
    app.finish().await;
}

#[tokio::test]
async fn s5_revoke_one() {
    within_limit("s5_revoke_one", s5_revoke_one_body()).await;
}

async fn s5_revoke_one_body() {
    let app = App::demo("s5_revoke").await;
    let ids = app.row_ids().await;
    let id = ids.first().unwrap().clone();
    assert_eq!(status_of(&app.sim.state().await, &id), "active");
    let row = app.row(&id).await;
    let revoke = row
        .find(Locator::Css(&testid("row-revoke-button")))
        .await
        .unwrap();
    app.click_element(&revoke, "row-revoke-button").await;
    app.click("confirm-button").await;
    app.until("the token revoked in the simulator", || async {
        (status_of(&app.sim.state().await, &id) == "revoked").then_some(())
    })
    .await;
    // The active list no longer shows it.
    app.until("the row gone from the active list", || async {
        (!app.row_ids().await.contains(&id)).then_some(())
    })
    .await;
    app.finish().await;
}

/// A token name with an invisible character (a zero-width space, a right-to-left override) is refused by the
/// New-token form with the sentence that says why, keeping what was typed; nothing is created.
#[tokio::test]
async fn a_name_with_an_invisible_character_is_refused_and_kept() {
    within_limit(
        "a_name_with_an_invisible_character_is_refused_and_kept",
        a_name_with_an_invisible_character_is_refused_and_kept_body(),
    )
    .await;
}

async fn a_name_with_an_invisible_character_is_refused_and_kept_body() {
    let app = App::demo("name_refusal").await;
    let before = own_tokens(&app).await.len();
    for name in ["payroll\u{200b}bot", "invoice\u{202e}fdp.exe"] {
        app.submit_new_token(name).await;
        let error = app.visible("token-name-error").await;
        assert_eq!(
            error.text().await.unwrap().trim(),
            "The name holds an invisible or control character (such as a zero-width space or a \
             text-direction mark) that could hide what it says. Remove it and try again."
        );
        let field = app.visible("token-name-input").await;
        assert_eq!(
            field.prop("value").await.unwrap().as_deref(),
            Some(name),
            "what was typed is kept"
        );
        if name.contains('\u{200b}') {
            app.screenshot("name-refusal").await;
        }
        app.click("cancel-new-token").await;
        app.find("token-row").await;
    }
    assert_eq!(own_tokens(&app).await.len(), before, "nothing was created");
    app.finish().await;
}

#[tokio::test]
async fn s6_bulk_revoke_twenty_with_one_failure_then_retry() {
    within_limit(
        "s6_bulk_revoke_twenty_with_one_failure_then_retry",
        s6_bulk_revoke_twenty_with_one_failure_then_retry_body(),
    )
    .await;
}

async fn s6_bulk_revoke_twenty_with_one_failure_then_retry_body() {
    let app = App::demo("s6_bulk_revoke").await;
    let before = app.sim.state().await;
    let revoked_before = revoked_ids(&before);
    // The list shows exactly 20 new tokens; select them all.
    let bulk = app.seed_tokens_and_show("bulk-e2e-", 20).await;
    app.click("select-all").await;
    let count = app.visible("selection-count").await.text().await.unwrap();
    assert!(count.starts_with("20 "), "selection: {count}");

    let failing = bulk.iter().nth(7).unwrap().clone();
    app.sim
        .post(
            "/_sim/faults",
            json!({ "kind": "status", "status": 500, "route": "pats.revoke", "authorizationId": failing, "count": 20 }),
        )
        .await;
    app.click("bulk-revoke-button").await;
    let confirm = app
        .visible("bulk-confirm-count")
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.starts_with("20 "), "confirmation: {confirm}");
    app.click("confirm-button").await;
    app.visible("bulk-close-button").await;
    app.visible("bulk-progress").await;
    let outcomes = bulk_outcomes(&app).await;
    assert_eq!(outcomes.len(), 20);
    let failed: Vec<&String> = outcomes
        .iter()
        .filter(|(_, o)| o.as_str() == "failed")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(failed, vec![&failing], "exactly the faulted token failed");
    assert!(outcomes
        .iter()
        .all(|(id, o)| id == &failing || o == "revoked"));
    app.screenshot("s6_bulk_one_failed").await;

    app.sim
        .send(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    app.click("retry-failed-button").await;
    app.until("every line revoked after the retry", || async {
        let outcomes = bulk_outcomes(&app).await;
        (outcomes.len() == 20 && outcomes.values().all(|o| o == "revoked")).then_some(())
    })
    .await;

    let after = app.sim.state().await;
    let revoked_after = revoked_ids(&after);
    let newly: BTreeSet<String> = revoked_after.difference(&revoked_before).cloned().collect();
    assert_eq!(newly, bulk, "exactly the 20 selected tokens were revoked");
    app.finish().await;
}

/// authorization id → outcome of every finished line of the bulk-revoke dialog.
async fn bulk_outcomes(app: &App) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in app.all("bulk-result-row").await {
        let id = line
            .attr("data-authorization-id")
            .await
            .unwrap()
            .unwrap_or_default()
            .to_lowercase();
        let outcome = line.attr("data-outcome").await.unwrap().unwrap_or_default();
        out.insert(id, outcome);
    }
    out
}

#[tokio::test]
async fn s7_policy_refusal_shows_its_sentence() {
    within_limit(
        "s7_policy_refusal_shows_its_sentence",
        s7_policy_refusal_shows_its_sentence_body(),
    )
    .await;
}

async fn s7_policy_refusal_shows_its_sentence_body() {
    let app = App::demo("s7_policy").await;
    app.sim
        .post(
            "/_sim/policies",
            json!({ "maxLifespanDays": 7, "lifespanMode": "refuse" }),
        )
        .await;
    let name = "e2e too long a life";
    app.click("new-token-button").await;
    app.type_into("token-name-input", name).await;
    app.click("preset-build-agent").await;
    app.click("lifespan-30").await;
    app.click("create-button").await;

    let error = app.visible("form-error").await;
    let sentence = error.text().await.unwrap();
    assert!(!sentence.trim().is_empty(), "the refusal says why");
    let field = app.visible("token-name-input").await;
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some(name),
        "the typed name is kept"
    );
    let state = app.sim.state().await;
    assert!(
        !state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["displayName"] == name),
        "no token was created"
    );
    app.screenshot("s7_policy_refusal").await;
    app.finish().await;
}

#[tokio::test]
async fn s8_one_organization_refusing_never_hides_the_others() {
    within_limit(
        "s8_one_organization_refusing_never_hides_the_others",
        s8_one_organization_refusing_never_hides_the_others_body(),
    )
    .await;
}

/// A person in three organizations, one of which refuses (its Conditional Access policy): the other two
/// organizations' tokens are listed, one clear line names the third with its own reason, and its Retry
/// lists it alone once it lets the person in.
async fn s8_one_organization_refusing_never_hides_the_others_body() {
    let app = App::demo("s8_partial_list").await;
    let state = app.sim.state().await;
    // The demo person is in contoso-web, contoso-data and (as a guest) fabrikam-tools.
    let organizations = state["organizations"].as_array().unwrap();
    let refusing = organizations
        .iter()
        .find(|o| o["accountName"] == "contoso-data")
        .expect("the demo's contoso-data");
    let refusing_id = refusing["accountId"].as_str().unwrap().to_lowercase();
    let tokens = own_tokens(&app).await;
    // Tokens only contoso-data can show (global tokens show up in every organization).
    let only_in_refusing = tokens
        .iter()
        .filter(|t| {
            t["targetAccounts"].as_array().is_some_and(|a| {
                a.iter()
                    .all(|x| x.as_str().unwrap().eq_ignore_ascii_case(&refusing_id))
            })
        })
        .count();
    assert!(only_in_refusing > 0, "contoso-data has tokens of its own");

    app.sim
        .post(
            "/_sim/policies",
            json!({ "org": "contoso-data", "conditionalAccess": true }),
        )
        .await;
    app.click("refresh-button").await;
    let line = app.visible("unavailable-contoso-data").await;
    let text = line.text().await.unwrap();
    assert!(
        text.contains("contoso-data") && text.contains("Conditional Access"),
        "{text}"
    );
    assert!(!text.contains("sign in again"), "{text}");
    assert_eq!(app.all("unavailable-organizations").await.len(), 1);
    assert!(
        app.all("list-error").await.is_empty(),
        "no error instead of the list"
    );
    app.until("the other organizations' tokens", || async {
        (filter_count(&app, "all").await == tokens.len() - only_in_refusing).then_some(())
    })
    .await;
    app.screenshot("s8_one_organization_unavailable").await;

    app.sim
        .post(
            "/_sim/policies",
            json!({ "org": "contoso-data", "conditionalAccess": false }),
        )
        .await;
    app.sim
        .send(reqwest::Method::DELETE, "/_sim/requests", None)
        .await;
    app.click("retry-organization-contoso-data").await;
    app.gone("unavailable-organizations").await;
    app.until("every organization's tokens", || async {
        (filter_count(&app, "all").await == tokens.len()).then_some(())
    })
    .await;
    // The Retry listed contoso-data alone.
    let requests = app.sim.get("/_sim/requests").await;
    let lists: Vec<&Value> = requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"] == "pats.list")
        .collect();
    assert!(!lists.is_empty(), "the Retry listed");
    assert!(
        lists
            .iter()
            .all(|r| r["path"].as_str().unwrap().contains("/contoso-data/")),
        "{lists:?}"
    );
    app.finish().await;
}

#[tokio::test]
async fn s9_global_token_stops_working_when_the_server_clock_passes_the_retirement() {
    within_limit(
        "s9_global_token_stops_working_when_the_server_clock_passes_the_retirement",
        s9_global_token_stops_working_body(),
    )
    .await;
}

/// The window judges the retirement of global PATs (1 Dec 2026) by the server's clock: before it, the global
/// token is active with a warning in the future tense; once the simulator's clock passes it, the same token is
/// "Stopped working", listed first and counted in its own banner.
async fn s9_global_token_stops_working_body() {
    let app = App::demo("s9_global_retirement").await;
    let global = own_tokens(&app)
        .await
        .into_iter()
        .find(|t| t["targetAccounts"].is_null() && t["status"] == "active")
        .expect("the demo has an active global token");
    let id = global["authorizationId"].as_str().unwrap().to_lowercase();
    let name = global["displayName"].as_str().unwrap();

    app.sim
        .post("/_sim/clock", json!({ "now": "2026-11-20T09:00:00Z" }))
        .await;
    app.click("refresh-button").await;
    let note = app.visible("global-note").await.text().await.unwrap();
    // Only that token on screen (the list is virtualized).
    app.type_into("search-input", name).await;
    assert!(note.contains("stop working on 1 Dec 2026"), "{note}");
    assert!(app.all("stopped-note").await.is_empty());
    let flag = app
        .row(&id)
        .await
        .find(Locator::Css("[data-testid=global-flag]"))
        .await
        .unwrap();
    // textContent: the status cell may clip the flag visually in a narrow window.
    assert_eq!(
        flag.prop("textContent")
            .await
            .unwrap()
            .unwrap_or_default()
            .trim(),
        "Stops working on 1 Dec 2026"
    );

    app.sim
        .post("/_sim/clock", json!({ "now": "2026-12-02T09:00:00Z" }))
        .await;
    app.click("refresh-button").await;
    let note = app.visible("stopped-note").await.text().await.unwrap();
    assert!(
        note.contains(
            "1 of your tokens stopped working on 1 Dec 2026 because it worked in all organizations"
        ),
        "{note}"
    );
    assert!(app.all("global-note").await.is_empty());
    // A blank search shows every token again.
    app.type_into("search-input", " ").await;
    app.until(
        "the stopped token listed first, the others after it",
        || async {
            let shown = app.row_ids().await;
            (shown.len() > 1 && shown.first().map(|s| s.to_lowercase()) == Some(id.clone()))
                .then_some(())
        },
    )
    .await;
    let badge = app
        .row(&id)
        .await
        .find(Locator::Css("[data-testid=status-badge]"))
        .await
        .unwrap();
    assert_eq!(
        badge
            .prop("textContent")
            .await
            .unwrap()
            .unwrap_or_default()
            .trim(),
        "Stopped working"
    );
    app.screenshot("s9_stopped_working_banner").await;
    app.finish().await;
}

#[tokio::test]
async fn s11_replace_a_global_token_across_three_organizations() {
    within_limit(
        "s11_replace_a_global_token_across_three_organizations",
        s11_replace_body(),
    )
    .await;
}

/// The Replace assistant after the retirement, with one organization refusing by policy: the other two
/// replacements are created (each value shown on its own line, copyable), the refused one is created again with
/// narrower scopes from its own line, and only then, after a confirmation, is the global token revoked — each
/// step checked in the simulator's state.
async fn s11_replace_body() {
    let mut app = App::demo("s11_replace_assistant").await;
    app.sim
        .post("/_sim/clock", json!({ "now": "2026-12-02T09:00:00Z" }))
        .await;
    app.sim
        .post(
            "/_sim/policies",
            json!({ "org": "fabrikam-tools", "packagingOnly": true }),
        )
        .await;
    let global = own_tokens(&app)
        .await
        .into_iter()
        .find(|t| t["targetAccounts"].is_null() && t["status"] == "active")
        .expect("the demo has an active global token");
    let global_id = global["authorizationId"].as_str().unwrap().to_string();
    let name = global["displayName"].as_str().unwrap().to_string();

    app.click("refresh-button").await;
    app.visible("stopped-note").await;
    app.click("banner-replace-button").await;
    app.visible("create-replacements").await;
    let lines = app.all("replacement-contoso-web").await.len()
        + app.all("replacement-contoso-data").await.len()
        + app.all("replacement-fabrikam-tools").await.len();
    assert_eq!(lines, 3, "one line per organization");
    app.click("create-replacements").await;

    let progress = app.visible("replace-progress").await;
    app.until("two of three created", || async {
        progress
            .text()
            .await
            .ok()
            .filter(|t| t.contains("Created 2 of 3"))
            .map(|_| ())
    })
    .await;
    let refusal = app
        .find_css(&format!(
            "{} {}",
            testid("replacement-fabrikam-tools"),
            testid("line-error")
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(!refusal.is_empty(), "the refusal is said on its line");
    let state = app.sim.state().await;
    let replacement = |state: &Value, org: &str| -> Option<Value> {
        state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["displayName"] == format!("{name} ({org})"))
            .cloned()
    };
    for org in ["contoso-web", "contoso-data"] {
        let made = replacement(&state, org).unwrap_or_else(|| panic!("a replacement in {org}"));
        assert_eq!(made["status"], "active");
        assert_eq!(made["org"], org);
        assert_eq!(made["scope"], global["scope"]);
    }
    assert!(replacement(&state, "fabrikam-tools").is_none());
    assert_eq!(status_of(&state, &global_id), "active");
    assert!(app.all("revoke-original").await.is_empty());
    app.screenshot("s11_replace_assistant_one_refused").await;

    // Each value is on its line: reveal and copy the one for contoso-web.
    let web = |id: &str| format!("{} {}", testid("replacement-contoso-web"), testid(id));
    app.click_element(&app.find_css(&web("reveal-button")).await, "reveal")
        .await;
    let secret_box = app.find_css(&web("secret-value")).await;
    let secret = app
        .until("the revealed value", || async {
            (secret_box
                .attr("data-revealed")
                .await
                .ok()
                .flatten()
                .as_deref()
                == Some("true"))
            .then_some(())?;
            Some(secret_box.text().await.ok()?.trim().to_string())
        })
        .await;
    assert!(secret.len() >= 52, "a PAT value");
    app.remember_secret(&secret);
    app.click_element(&app.find_css(&web("copy-button")).await, "copy")
        .await;
    app.until("the value on the clipboard", || async {
        (clipboard::read().as_deref() == Some(&secret)).then_some(())
    })
    .await;

    // "Pick narrower scopes" on the refused line, then create it there.
    app.click("pick-scopes-fabrikam-tools").await;
    let packages = app
        .find_css(&format!(
            "{} {}",
            testid("scope-picker-fabrikam-tools"),
            testid("preset-packages-read")
        ))
        .await;
    app.click_element(&packages, "packages-read").await;
    app.click("create-fabrikam-tools").await;
    app.visible("revoke-original").await;
    let fabrikam = replacement(&app.sim.state().await, "fabrikam-tools").expect("created");
    assert_eq!(fabrikam["status"], "active");
    assert!(fabrikam["scope"]
        .as_str()
        .unwrap()
        .contains("vso.packaging"));

    // Revoke the old token: only after the confirmation.
    app.click("revoke-original").await;
    app.visible("revoke-original-dialog").await;
    assert_eq!(status_of(&app.sim.state().await, &global_id), "active");
    app.screenshot("s11_replace_assistant_confirm").await;
    app.click("confirm-button").await;
    app.visible("replace-done").await;
    let state = app.sim.state().await;
    assert_eq!(status_of(&state, &global_id), "revoked");
    for org in ["contoso-web", "contoso-data", "fabrikam-tools"] {
        assert_eq!(
            replacement(&state, org).unwrap()["status"],
            "active",
            "{org}"
        );
    }
    app.screenshot("s11_replace_assistant_done").await;

    // Two values were never copied: leaving asks first.
    app.click("replace-close").await;
    let dialog = app.visible("leave-dialog").await.text().await.unwrap();
    assert!(dialog.contains("contoso-data"), "{dialog}");
    app.click("confirm-button").await;
    app.visible("new-token-button").await;
    app.finish().await;
}

#[tokio::test]
async fn s13_export_the_shown_tokens_to_a_file() {
    within_limit("s13_export_the_shown_tokens_to_a_file", s13_export_body()).await;
}

/// Export writes what the list shows (filter and search applied) through the system's save dialog: the file
/// has a header and one row per shown token, and nothing secret-shaped — not even the value of a token created
/// just before.
async fn s13_export_body() {
    let mut app = App::demo("s13_export").await;
    // A token created (and its value seen) first: it must not reach the file.
    app.submit_new_token("export check").await;
    let secret = app.reveal_new_secret().await;
    app.click("copy-button").await;
    app.click("done-button").await;

    app.type_into("search-input", "git").await;
    let shown = app
        .until("the Git tokens listed", || async {
            let ids = app.row_ids().await;
            (ids.len() > 1).then_some(ids)
        })
        .await;
    let state = app.sim.state().await;
    let mut expected: Vec<String> = shown
        .iter()
        .map(|id| {
            token_by_id(&state, id)["displayName"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    expected.sort();

    app.click("export-button").await;
    app.visible("export-dialog").await;
    app.screenshot("s13_export_dialog").await;
    app.click("export-save-button").await;
    let target = app.dirs.path("home").join("exported tokens.csv");
    patdesk_e2e::file_dialog::save_as("Export tokens", &target).await;
    let note = app.visible("export-result").await.text().await.unwrap();
    assert!(note.contains("exported tokens.csv"), "{note}");
    app.screenshot("s13_export_done").await;

    let text = std::fs::read_to_string(&target).expect("the exported file");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(
        lines.next(),
        Some("Name,Organizations,Permissions,Scopes,Created,Expires,Status,Id")
    );
    let mut names: Vec<String> = lines
        .map(|line| {
            // The first field, unquoted (names with a comma or quote are quoted, quotes doubled).
            match line.strip_prefix('"') {
                Some(rest) => rest.split("\",").next().unwrap().replace("\"\"", "\""),
                None => line.split(',').next().unwrap().to_string(),
            }
        })
        .collect();
    names.sort();
    assert_eq!(names, expected, "one row per shown token");
    assert!(!text.contains(&secret), "the created token's value");
    assert_eq!(secret_shapes(&text), Vec::<String>::new());
    app.finish().await;
}

#[tokio::test]
async fn s14_three_clicks_from_the_list_to_a_copied_token() {
    within_limit(
        "s14_three_clicks_from_the_list_to_a_copied_token",
        s14_three_clicks_body(),
    )
    .await;
}

/// The common case in three clicks: from the token list, a quick pick ("Build agent"), Create, Copy — and the
/// value on the X clipboard is the token the simulator now holds. The window itself counts the clicks (a
/// listener on the document), so a flow that needs a fourth one fails here.
async fn s14_three_clicks_body() {
    let mut app = App::demo("s14_three_clicks").await;
    app.visible("quick-pick-build-agent").await;
    app.client
        .execute(
            "window.__clicks = 0; document.addEventListener('click', () => { window.__clicks += 1; }, true);",
            vec![],
        )
        .await
        .unwrap();

    app.click("quick-pick-build-agent").await;
    app.click("create-button").await;
    let secret_box = app.visible("secret-value").await;
    app.click("copy-button").await;
    let copied = app
        .until("a value on the clipboard", || async {
            clipboard::read().filter(|text| text.len() >= 52)
        })
        .await;
    app.remember_secret(&copied);

    let clicks = app
        .client
        .execute("return window.__clicks;", vec![])
        .await
        .unwrap();
    assert_eq!(clicks, json!(3), "pick, Create, Copy");

    // The copied value is the one the window shows for the token the simulator created.
    app.click("reveal-button").await;
    app.until("the revealed value", || async {
        (secret_box.text().await.ok()?.trim() == copied).then_some(())
    })
    .await;
    let state = app.sim.state().await;
    let made: Vec<&Value> = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["displayName"]
                .as_str()
                .is_some_and(|n| n.starts_with("Build agent, "))
        })
        .collect();
    assert_eq!(made.len(), 1, "one token created");
    assert_eq!(made[0]["scope"], "vso.agentpools_manage");
    app.screenshot("s14_three_clicks_copied").await;
    app.finish().await;
}

#[tokio::test]
async fn s15_expiry_reminders_as_desktop_notifications() {
    within_limit(
        "s15_expiry_reminders_as_desktop_notifications",
        s15_expiry_reminders_body(),
    )
    .await;
}

/// The names of the person's active tokens that expire within `days` of the simulator's clock.
fn expiring_within(state: &Value, owner: &Value, days: i64) -> BTreeSet<String> {
    let now = chrono::DateTime::parse_from_rfc3339(state["now"].as_str().unwrap()).unwrap();
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            &t["ownerOid"] == owner && t["status"] == "active" && !t["targetAccounts"].is_null()
        })
        .filter(|t| {
            let to = chrono::DateTime::parse_from_rfc3339(t["validTo"].as_str().unwrap()).unwrap();
            to > now && to - now <= chrono::Duration::days(days)
        })
        .map(|t| t["displayName"].as_str().unwrap().to_string())
        .collect()
}

/// Reminders reach the desktop's notification daemon (here on a private D-Bus): one per token expiring within
/// 14 days when the list is first shown; more on the timer, without a refresh, when the server's clock moves a
/// week on; none again after a restart for what was already announced.
async fn s15_expiry_reminders_body() {
    let daemon = patdesk_e2e::notifications::NotificationDaemon::start().await;
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", daemon.address.as_str()),
        ("PATDESK_REMINDER_CHECK_SECONDS", "2"),
    ];
    let app = App::demo_with("s15_reminders", &env).await;
    let state = app.sim.state().await;
    let owner = demo_owner(&app, &state).await;
    let expected = expiring_within(&state, &owner, 14);
    assert!(!expected.is_empty(), "the demo has tokens expiring soon");
    let named = |shown: &[patdesk_e2e::notifications::Shown]| -> BTreeSet<String> {
        shown
            .iter()
            .filter_map(|n| {
                n.summary
                    .strip_prefix('“')
                    .and_then(|s| s.split_once("” expires"))
                    .map(|(name, _)| name.to_string())
            })
            .collect()
    };
    let first = app
        .until(
            "a reminder for each token expiring within 14 days",
            || async {
                let shown = daemon.shown();
                (named(&shown) == expected).then_some(shown)
            },
        )
        .await;
    assert_eq!(first.len(), expected.len(), "one each: {first:?}");
    assert!(
        first
            .iter()
            .all(|n| n.body.contains("Open PAT Desk to extend it.")),
        "{first:?}"
    );
    // The window's banner lists the ones within a week, each with Extend.
    let within_week = expiring_within(&state, &owner, 7).len();
    let banner = app.visible("expiring-note").await.text().await.unwrap();
    let count = if within_week == 1 {
        "1 token expires within 7 days.".to_string()
    } else {
        format!("{within_week} tokens expire within 7 days.")
    };
    assert!(banner.contains(&count), "{banner}");
    assert_eq!(
        app.all("expiring-extend-button").await.len(),
        within_week.min(3)
    );
    app.screenshot("s15_expiring_banner").await;

    // A week later by the server's clock: the timer finds the tokens crossing 7 and 1 days, no refresh needed.
    let moved = app
        .sim
        .post("/_sim/clock", json!({ "offsetSeconds": 7 * 86_400 }))
        .await;
    assert!(moved["now"].is_string(), "{moved}");
    let state = app.sim.state().await;
    let now_within_7 = expiring_within(&state, &owner, 7);
    let crossing: BTreeSet<String> = now_within_7
        .iter()
        .filter(|n| expected.contains(*n))
        .cloned()
        .collect();
    assert!(!crossing.is_empty(), "some token crosses 7 days in a week");
    let later = app
        .until(
            "reminders for the tokens that crossed a threshold",
            || async {
                let shown = daemon.shown();
                let again = named(&shown[first.len()..]);
                crossing.is_subset(&again).then_some(shown)
            },
        )
        .await;

    // Restarted (the demo starts again at today's clock): nothing already announced is shown again.
    let app = app.restart("s15_reminders_restarted").await;
    app.click("demo-button").await;
    app.find("token-row").await;
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let after = daemon.shown();
    assert_eq!(
        after.len(),
        later.len(),
        "no repeat after the restart: {:?}",
        &after[later.len()..]
    );
    app.finish().await;
}

/// The settings file in the app's config directory under the throw-away home.
fn settings_file(dirs: &Dirs) -> std::path::PathBuf {
    dirs.path("config")
        .join("dev.patdesk.app")
        .join("settings.json")
}

/// The `data-theme` attribute of `<html>` and the page's computed background colour.
async fn theme_and_background(app: &App) -> (Value, Value) {
    let got = app
        .client
        .execute(
            "const root = document.documentElement;
             return [root.getAttribute('data-theme'), getComputedStyle(root).backgroundColor];",
            vec![],
        )
        .await
        .expect("read the theme");
    (got[0].clone(), got[1].clone())
}

/// Waits until the window shows `theme` with `background` (`rgb(…)`, the `--bg` of app.css).
async fn wait_for_theme(app: &App, theme: &str, background: &str) {
    app.until(&format!("the {theme} theme ({background})"), || async {
        let (t, bg) = theme_and_background(app).await;
        (t == theme && bg == background).then_some(())
    })
    .await;
}

/// "Try the demo" and the token list.
async fn into_demo(app: &App) {
    app.click("demo-button").await;
    app.visible("demo-banner").await;
    app.sim.ready().await;
    app.find("token-row").await;
}

/// Chooses an option of the `<select>` with this `data-testid`, as a person would.
async fn choose(app: &App, select: &str, value: &str) {
    let option = app
        .find_css(&format!("{} option[value='{value}']", testid(select)))
        .await;
    app.click_element(&option, &format!("{select} {value}"))
        .await;
}

const LIGHT_BG: &str = "rgb(246, 247, 249)";
const DARK_BG: &str = "rgb(21, 23, 27)";

#[tokio::test]
async fn s12_settings_clipboard_timeout_and_theme_kept_after_restart() {
    within_limit(
        "s12_settings_clipboard_timeout_and_theme_kept_after_restart",
        s12_settings_body(),
    )
    .await;
}

/// Settings changes the clipboard timeout to 10 s (the copy's countdown starts at 10 s at most, and the
/// shell logs the 10 s it used) and the theme, applied at once; both are in the settings file and still
/// there after the app is quit and opened again. The harness's 4 s override is switched off (empty), so the
/// timeout comes from the settings.
async fn s12_settings_body() {
    let mut app = App::launch_with(
        "s12_settings",
        &app_bin(),
        &[("PATDESK_CLIPBOARD_CLEAR_SECONDS", "")],
    )
    .await;
    into_demo(&app).await;
    assert!(
        !settings_file(&app.dirs).exists(),
        "no settings file before anything is chosen"
    );

    app.click("nav-settings").await;
    let timeout = app.visible("settings-clipboard-timeout").await;
    assert_eq!(timeout.prop("value").await.unwrap().as_deref(), Some("30"));
    // The override is switched off, so nothing says the environment decides the timeout.
    app.gone("override-clipboardClearSeconds").await;
    choose(&app, "settings-clipboard-timeout", "10").await;
    app.visible("settings-saved").await;
    app.until("10 s in the settings file", || async {
        let text = std::fs::read_to_string(settings_file(&app.dirs)).ok()?;
        let saved: Value = serde_json::from_str(&text).ok()?;
        (saved["settings"]["clipboardClearSeconds"] == 10).then_some(())
    })
    .await;

    // A new token, copied: the countdown starts from the chosen 10 s.
    app.click("nav-tokens").await;
    app.click("new-token-button").await;
    app.type_into("token-name-input", "e2e settings timeout")
        .await;
    app.click("preset-build-agent").await;
    app.click("create-button").await;
    let secret_box = app.visible("secret-value").await;
    app.click("reveal-button").await;
    app.until("the revealed secret", || async {
        (secret_box
            .attr("data-revealed")
            .await
            .ok()
            .flatten()
            .as_deref()
            == Some("true"))
        .then_some(())
    })
    .await;
    let secret = secret_box.text().await.unwrap().trim().to_string();
    app.remember_secret(&secret);
    app.click("copy-button").await;
    let countdown = app.visible("clipboard-countdown").await;
    let first: u64 = app
        .until("the clipboard countdown", || async {
            let text = countdown.text().await.ok()?;
            let rest = text.split("clears in ").nth(1)?;
            rest.trim_end_matches(" s").trim().parse().ok()
        })
        .await;
    assert!(
        (1..=10).contains(&first),
        "the countdown starts at 10 s at most: {first} s"
    );
    let (_, log) = app.diagnostics_log();
    assert!(
        log.contains("clear_after_s=10") && !log.contains("clear_after_s=30"),
        "the copy used the 10 s of the settings"
    );
    app.until("the clipboard cleared", || async {
        clipboard::read()
            .is_none_or(|text| text.is_empty())
            .then_some(())
    })
    .await;
    app.click("done-button").await;
    app.visible("new-token-button").await;

    // The theme, applied as soon as it is chosen.
    app.click("nav-settings").await;
    app.click("theme-light").await;
    wait_for_theme(&app, "light", LIGHT_BG).await;
    app.visible("settings-saved").await;
    app.screenshot("s12_settings_light").await;
    app.click("theme-dark").await;
    wait_for_theme(&app, "dark", DARK_BG).await;
    app.until("dark in the settings file", || async {
        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(settings_file(&app.dirs)).ok()?).ok()?;
        (saved["settings"]["theme"] == "dark").then_some(())
    })
    .await;
    app.screenshot("s12_settings_dark").await;

    // Quit and open again: dark from the first screen, and both choices kept.
    let app = app.restart("s12_settings_restarted").await;
    app.visible("demo-button").await;
    wait_for_theme(&app, "dark", DARK_BG).await;
    into_demo(&app).await;
    app.click("nav-settings").await;
    let timeout = app.visible("settings-clipboard-timeout").await;
    app.until("10 s chosen after the restart", || async {
        (timeout.prop("value").await.ok().flatten().as_deref() == Some("10")).then_some(())
    })
    .await;
    let dark = app
        .find_css(&format!("{} input", testid("theme-dark")))
        .await;
    assert_eq!(
        dark.prop("checked").await.unwrap().as_deref(),
        Some("true"),
        "dark still chosen"
    );
    assert!(app.all("settings-notice").await.is_empty());
    app.finish().await;
}

#[tokio::test]
async fn s12_settings_corrupt_file_falls_back_to_defaults() {
    within_limit(
        "s12_settings_corrupt_file_falls_back_to_defaults",
        s12_settings_corrupt_body(),
    )
    .await;
}

/// A settings file PAT Desk cannot read (written before the start): the window starts with the defaults, says
/// so in one line, and the file is kept as settings.json.bak; choosing a setting writes a new file.
async fn s12_settings_corrupt_body() {
    let dirs = Dirs::new();
    let corrupt = "{\"version\": 1, \"settings\": {\"theme\": \"dark\", ";
    let file = settings_file(&dirs);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, corrupt).unwrap();
    let bak = file.with_file_name("settings.json.bak");

    let app = App::launch_in("s12_settings_corrupt", &app_bin(), &[], dirs).await;
    into_demo(&app).await;
    let banner = app.visible("settings-notice-banner").await;
    let notice = banner.text().await.unwrap();
    assert!(
        notice.contains("default settings") && notice.contains("settings.json.bak"),
        "the notice: {notice}"
    );
    assert_eq!(
        std::fs::read_to_string(&bak).unwrap(),
        corrupt,
        "kept as .bak"
    );
    assert!(!file.exists(), "moved aside, not left in place");
    // The defaults: the system's theme, not the dark of the unreadable file.
    let (theme, _) = theme_and_background(&app).await;
    assert_eq!(theme, "system");
    app.screenshot("s12_settings_corrupt_notice").await;

    app.click("settings-notice-open").await;
    let on_screen = app.visible("settings-notice").await;
    assert!(on_screen
        .text()
        .await
        .unwrap()
        .contains("settings.json.bak"));
    let timeout = app.visible("settings-clipboard-timeout").await;
    assert_eq!(timeout.prop("value").await.unwrap().as_deref(), Some("30"));
    // The harness's PATDESK_CLIPBOARD_CLEAR_SECONDS=4 decides the timeout of this run: the screen says so.
    let overridden = app
        .visible("override-clipboardClearSeconds")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        overridden.contains("PATDESK_CLIPBOARD_CLEAR_SECONDS") && overridden.contains("4 seconds"),
        "{overridden}"
    );
    app.screenshot("s12_settings_corrupt_settings_screen").await;

    choose(&app, "settings-clipboard-timeout", "20").await;
    app.visible("settings-saved").await;
    app.gone("settings-notice").await;
    app.until("a new settings file", || async {
        let saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).ok()?).ok()?;
        (saved["settings"]["clipboardClearSeconds"] == 20).then_some(())
    })
    .await;
    assert_eq!(
        std::fs::read_to_string(&bak).unwrap(),
        corrupt,
        "the .bak stays"
    );
    app.finish().await;
}
