//! Edit, Extend and Regenerate in the real window, checked against the demo's in-process simulator
//! (`/_sim/state`): Extend keeps the token (same id, a new date); Edit renames and re-scopes it in place;
//! Regenerate makes a new token with the same name and scopes, replaces the copy saved in the keychain and
//! revokes the old one; and a Regenerate whose revoke fails (a fault rule on the DELETE) says so, keeps both
//! tokens listed and the new value copyable. Dates come from the simulator's clock (`now` in `/_sim/state`).
//! Screenshots of each dialog and result land in `tests/artifacts/`.
//!
//! The keychain test re-runs itself through `scripts/with-keyring.sh` when it is not already inside one
//! (`PATDESK_PRIVATE_KEYRING`), so it never touches a developer's own keychain.

use chrono::{DateTime, Duration, Utc};
use fantoccini::Locator;
use patdesk_core::vault::Vault;
use patdesk_e2e::{app_bin, clipboard, in_private_keyring, testid, token_by_id, within_limit, App};
use serde_json::{json, Value};

/// The simulator's "now".
async fn sim_now(app: &App) -> DateTime<Utc> {
    app.sim.state().await["now"]
        .as_str()
        .expect("now in /_sim/state")
        .parse()
        .expect("an ISO-8601 time")
}

fn valid_to(token: &Value) -> DateTime<Utc> {
    token["validTo"].as_str().unwrap().parse().unwrap()
}

/// One token of the person's first organization, `days` from the simulator's now, shown alone in the list
/// (searched by name). Returns its id (lower case) and organization.
async fn seed_and_show(app: &App, name: &str, scope: &str, days: i64) -> (String, String) {
    let org = app.sim.state().await["organizations"][0]["accountName"]
        .as_str()
        .expect("an organization in /_sim/state")
        .to_string();
    let until = sim_now(app).await + Duration::days(days);
    let token = app
        .sim
        .post(
            "/_sim/pats",
            json!({ "org": org, "displayName": name, "scope": scope, "validTo": until.to_rfc3339() }),
        )
        .await;
    let id = token["authorizationId"].as_str().unwrap().to_lowercase();
    app.click("nav-profile").await;
    app.click("nav-tokens").await;
    app.find("token-row").await;
    app.type_into("search-input", name).await;
    app.until(&format!("“{name}” listed alone"), || async {
        (app.row_ids().await == vec![id.clone()]).then_some(())
    })
    .await;
    (id, org)
}

/// Opens the row's "More" menu and chooses `item` (`edit`, `extend`, `regenerate`).
async fn choose(app: &App, id: &str, item: &str) {
    let row = app.row(id).await;
    let more = row
        .find(Locator::Css(&testid("row-menu")))
        .await
        .expect("a More button in the row");
    app.click_element(&more, "row-menu").await;
    app.click(&format!("menu-{item}")).await;
}

#[tokio::test]
async fn s30_extend_keeps_the_token_and_moves_its_date() {
    within_limit("s30_extend", s30_body()).await;
}

async fn s30_body() {
    let app = App::demo("s30_extend").await;
    let (id, _) = seed_and_show(&app, "e2e extend me", "vso.build", 5).await;
    let before = valid_to(token_by_id(&app.sim.state().await, &id));

    // The menu, then the dialog with its one-click choices.
    let row = app.row(&id).await;
    let more = row.find(Locator::Css(&testid("row-menu"))).await.unwrap();
    app.click_element(&more, "row-menu").await;
    app.visible("row-menu-items").await;
    app.screenshot("s30_row_menu").await;
    app.click("menu-extend").await;
    let explanation = app
        .visible("extend-explanation")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        explanation.contains("keeps the token's value"),
        "{explanation}"
    );
    app.screenshot("s30_extend_dialog").await;

    app.click("extend-60").await;
    let result = app.visible("extend-result").await.text().await.unwrap();
    app.screenshot("s30_extended").await;
    let after = token_by_id(&app.sim.state().await, &id).clone();
    assert_eq!(after["status"], "active", "the same token, still active");
    let moved = valid_to(&after);
    assert!(moved > before, "{moved} after {before}");
    let days = (moved - sim_now(&app).await).num_hours() as f64 / 24.0;
    assert!(
        (59.0..=60.5).contains(&days),
        "{days} days from the simulator's now"
    );
    assert_eq!(
        app.sim.state().await["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["displayName"] == "e2e extend me")
            .count(),
        1,
        "no new token"
    );
    assert!(result.contains("now works until"), "{result}");

    app.click("close-button").await;
    app.gone("extend-dialog").await;
    assert_eq!(app.row_ids().await, vec![id]);
    app.finish().await;
}

#[tokio::test]
async fn s31_edit_renames_and_rescopes_in_place() {
    within_limit("s31_edit", s31_body()).await;
}

async fn s31_body() {
    let app = App::demo("s31_edit").await;
    let (id, _) = seed_and_show(&app, "e2e edit me", "vso.code", 20).await;
    let before = valid_to(token_by_id(&app.sim.state().await, &id));
    choose(&app, &id, "edit").await;
    app.type_into("edit-name-input", "e2e edited").await;
    let build = app.visible("edit-scope-build").await;
    build
        .find(Locator::Css("option[value='vso.build_execute']"))
        .await
        .expect("the build group's read-and-execute level")
        .click()
        .await
        .unwrap();
    app.screenshot("s31_edit_dialog").await;
    app.click("save-button").await;
    let result = app.visible("edit-result").await.text().await.unwrap();
    assert!(result.contains("e2e edited"), "{result}");
    app.screenshot("s31_edited").await;

    let after = token_by_id(&app.sim.state().await, &id).clone();
    assert_eq!(after["displayName"], "e2e edited");
    let mut scopes: Vec<&str> = after["scope"].as_str().unwrap().split(' ').collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["vso.build_execute", "vso.code"]);
    assert_eq!(valid_to(&after), before, "the expiry was kept");
    app.click("close-button").await;
    app.gone("edit-dialog").await;
    app.finish().await;
}

#[tokio::test]
async fn s32_regenerate_replaces_the_keychain_copy_and_revokes_the_old_token() {
    if !in_private_keyring("s32_regenerate_replaces_the_keychain_copy_and_revokes_the_old_token") {
        return;
    }
    within_limit("s32_regenerate", s32_body()).await;
}

async fn s32_body() {
    let namespace = format!("dev.patdesk.e2e.regenerate.{}", std::process::id());
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("the private session bus");
    let env = [
        ("PATDESK_KEYCHAIN_NAMESPACE", namespace.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.as_str()),
    ];
    let vault = Vault::with_namespace(namespace.clone());
    let mut app = App::launch_with("s32_regenerate", &app_bin(), &env).await;
    app.click("demo-button").await;
    app.visible("demo-banner").await;
    app.sim.ready().await;
    app.find("token-row").await;

    // A token made here and saved in the keychain: PAT Desk put its value there.
    let name = "e2e regenerate me";
    app.click("new-token-button").await;
    app.type_into("token-name-input", name).await;
    app.click("preset-build-agent").await;
    app.click("create-button").await;
    let old_secret = app.reveal_new_secret().await;
    app.remember_secret(&old_secret);
    app.click("save-keychain-button").await;
    app.visible("save-keychain-result").await;
    app.click("copy-button").await;
    app.click("done-button").await;
    app.visible("new-token-button").await;
    let old: Vec<Value> = app.sim.state().await["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["displayName"] == name)
        .cloned()
        .collect();
    assert_eq!(old.len(), 1);
    let old_id = old[0]["authorizationId"].as_str().unwrap().to_lowercase();

    app.type_into("search-input", name).await;
    app.until("the token listed", || async {
        (app.row_ids().await == vec![old_id.clone()]).then_some(())
    })
    .await;
    choose(&app, &old_id, "regenerate").await;
    let explanation = app
        .visible("regenerate-explanation")
        .await
        .text()
        .await
        .unwrap();
    assert!(explanation.contains("new value"), "{explanation}");
    app.screenshot("s32_regenerate_dialog").await;
    app.click("confirm-regenerate").await;

    app.visible("previous-revoked").await;
    let replaced = app.visible("replaced-note").await.text().await.unwrap();
    assert!(replaced.contains("keychain"), "{replaced}");
    let new_secret = app.reveal_new_secret().await;
    app.remember_secret(&new_secret);
    assert_ne!(new_secret, old_secret);
    app.screenshot("s32_regenerated").await;

    // The simulator: the old token revoked, one new active token with the same name, scope and organization.
    let state = app.sim.state().await;
    assert_eq!(token_by_id(&state, &old_id)["status"], "revoked");
    let fresh: Vec<&Value> = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["displayName"] == name && t["status"] == "active")
        .collect();
    assert_eq!(fresh.len(), 1, "one new token");
    assert_eq!(fresh[0]["scope"], old[0]["scope"]);
    assert_eq!(fresh[0]["org"], old[0]["org"]);
    let new_id = fresh[0]["authorizationId"].as_str().unwrap().to_lowercase();

    // The keychain: the new value under the new token, the old copy gone.
    let saved = {
        let v = vault.clone();
        tokio::task::spawn_blocking(move || v.saved_pats())
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0].authorization_id.to_lowercase(), new_id);
    let kept = {
        let (v, p) = (vault.clone(), saved[0].clone());
        tokio::task::spawn_blocking(move || {
            v.saved_pat_secret(&p.organization, &p.authorization_id)
        })
        .await
        .unwrap()
        .unwrap()
    };
    assert_eq!(
        kept.expose(),
        &new_secret,
        "the keychain holds the new value"
    );

    app.click("copy-button").await;
    app.click("done-button").await;
    app.visible("new-token-button").await;
    app.finish().await;
}

#[tokio::test]
async fn s33_regenerate_whose_revoke_fails_keeps_both_and_the_new_value() {
    within_limit("s33_regenerate_revoke_fails", s33_body()).await;
}

async fn s33_body() {
    let mut app = App::demo("s33_regenerate_revoke_fails").await;
    let name = "e2e revoke refused";
    let (old_id, _) = seed_and_show(&app, name, "vso.code_write", 10).await;
    app.sim
        .post(
            "/_sim/faults",
            json!({ "kind": "status", "status": 500, "route": "pats.revoke", "authorizationId": old_id }),
        )
        .await;
    choose(&app, &old_id, "regenerate").await;
    app.click("confirm-regenerate").await;

    let failed = app
        .visible("previous-not-revoked")
        .await
        .text()
        .await
        .unwrap();
    assert!(failed.contains("could not be revoked"), "{failed}");
    let secret = app.reveal_new_secret().await;
    app.remember_secret(&secret);
    app.screenshot("s33_regenerated_revoke_failed").await;

    // The new value is still copyable.
    app.click("copy-button").await;
    app.until("the new value on the clipboard", || async {
        (clipboard::read().as_deref() == Some(secret.as_str())).then_some(())
    })
    .await;

    // Both tokens exist and are listed.
    let state = app.sim.state().await;
    assert_eq!(token_by_id(&state, &old_id)["status"], "active");
    let both: Vec<String> = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["displayName"] == name && t["status"] == "active")
        .map(|t| t["authorizationId"].as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(both.len(), 2, "the old and the new token");
    app.click("done-button").await;
    app.visible("new-token-button").await;
    app.type_into("search-input", name).await;
    app.until("both tokens listed", || async {
        let mut shown = app.row_ids().await;
        shown.sort();
        let mut want = both.clone();
        want.sort();
        (shown == want).then_some(())
    })
    .await;
    app.screenshot("s33_both_listed").await;
    app.finish().await;
}
