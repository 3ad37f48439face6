//! The PAT Lifecycle API against the contract's §2 and checklist items 17–27, over real loopback HTTP.

mod common;

use common::*;
use patdesk_sim::{Seed, SimOptions};
use patdesk_test_support::date;
use reqwest::Method;
use serde_json::{json, Value};

const PAT_FIELD_ORDER: [&str; 7] = [
    "displayName",
    "validTo",
    "scope",
    "targetAccounts",
    "validFrom",
    "authorizationId",
    "token",
];

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn org_id(state: &Value, name: &str) -> String {
    state["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["accountName"] == name)
        .unwrap()["accountId"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn list_defaults_shape_and_field_order() {
    let h = start_with(SimOptions {
        seed: Seed::Large(300),
        ..SimOptions::default()
    })
    .await;
    let raw = h
        .ado(Method::GET, &format!("{}?{API}", h.pats("contoso-web")))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert!(raw.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let text = raw.text().await.unwrap();
    assert!(text.starts_with("{\"continuationToken\":"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let page = v["patTokens"].as_array().unwrap();
    assert_eq!(page.len(), 20, "default $top is 20");
    for p in page {
        assert_eq!(keys(p), PAT_FIELD_ORDER);
        assert!(p["token"].is_null());
    }
    // Default: active only, by display name ascending (case-insensitive).
    let names: Vec<String> = page
        .iter()
        .map(|p| p["displayName"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(v["continuationToken"], base64_of("21-patapitoken"));
    let state = h.state().await;
    let now = h.now();
    for p in page {
        let t = state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["authorizationId"] == p["authorizationId"])
            .unwrap();
        assert_eq!(t["status"], "active");
        let valid_to =
            chrono::DateTime::parse_from_rfc3339(p["validTo"].as_str().unwrap()).unwrap();
        assert!(valid_to > now);
    }
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn list_contains_this_orgs_and_global_pats_only_for_the_caller() {
    let h = start().await;
    let state = h.state().await;
    let web = org_id(&state, "contoso-web");
    let all = h.list_all("contoso-web", "displayFilterOption=all").await;
    assert!(
        all.iter().any(|p| p["targetAccounts"].is_null()),
        "the global PAT is listed"
    );
    for p in &all {
        assert!(p["targetAccounts"].is_null() || p["targetAccounts"] == json!([web]));
    }
    let dana = h.sim.demo_user().oid;
    let expected = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["ownerOid"] == dana.as_str()
                && (t["targetAccounts"].is_null() || t["targetAccounts"] == json!([web]))
        })
        .count();
    assert_eq!(all.len(), expected);
    // Sam's PATs in the same organization are not Dana's.
    assert!(!all
        .iter()
        .any(|p| p["displayName"].as_str().unwrap().starts_with("sam-")));
}

#[tokio::test]
async fn list_filters_follow_the_status_rule() {
    let h = start().await;
    let state = h.state().await;
    for (filter, status) in [
        ("active", "active"),
        ("1", "active"),
        ("expired", "expired"),
        ("3", "expired"),
        ("revoked", "revoked"),
        ("2", "revoked"),
    ] {
        let got = h
            .list_all("contoso-data", &format!("displayFilterOption={filter}"))
            .await;
        assert!(!got.is_empty(), "{filter}");
        for p in got {
            let t = state["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["authorizationId"] == p["authorizationId"])
                .unwrap();
            assert_eq!(t["status"], status, "{filter}: {p}");
        }
    }
    let all = h
        .list_all("contoso-data", "displayFilterOption=all")
        .await
        .len();
    let split: usize = [
        h.list_all("contoso-data", "displayFilterOption=active")
            .await
            .len(),
        h.list_all("contoso-data", "displayFilterOption=expired")
            .await
            .len(),
        h.list_all("contoso-data", "displayFilterOption=revoked")
            .await
            .len(),
    ]
    .iter()
    .sum();
    assert_eq!(all, split);
}

#[tokio::test]
async fn list_sorts_by_date_descending_and_caps_top_at_100() {
    let h = start_with(SimOptions {
        seed: Seed::Large(450),
        ..SimOptions::default()
    })
    .await;
    let v = h
        .list(
            "contoso-web",
            "displayFilterOption=all&sortByOption=displayDate&isSortAscending=false&%24top=500",
        )
        .await;
    let page = v["patTokens"].as_array().unwrap();
    assert_eq!(page.len(), 100);
    assert_eq!(v["continuationToken"], base64_of("101-patapitoken"));
    let dates: Vec<chrono::DateTime<chrono::FixedOffset>> = page
        .iter()
        .map(|p| chrono::DateTime::parse_from_rfc3339(p["validTo"].as_str().unwrap()).unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    // `$top` spelled literally works too.
    let v = h.list("contoso-web", "$top=7").await;
    assert_eq!(v["patTokens"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn paging_walks_every_row_once_and_ends_with_empty_token() {
    let h = start_with(SimOptions {
        seed: Seed::Large(1000),
        ..SimOptions::default()
    })
    .await;
    let mut seen = std::collections::HashSet::new();
    let mut cont = String::new();
    let mut pages = 0;
    loop {
        let mut q = "displayFilterOption=all&sortByOption=status&$top=100".to_string();
        if !cont.is_empty() {
            q.push_str(&format!(
                "&continuationToken={}",
                url::form_urlencoded::byte_serialize(cont.as_bytes()).collect::<String>()
            ));
        }
        let v = h.list("contoso-web", &q).await;
        for p in v["patTokens"].as_array().unwrap() {
            assert!(
                seen.insert(p["authorizationId"].as_str().unwrap().to_string()),
                "duplicate row"
            );
        }
        pages += 1;
        cont = v["continuationToken"].as_str().unwrap().to_string();
        if cont.is_empty() {
            break;
        }
        assert_eq!(cont, base64_of(&format!("{}-patapitoken", pages * 100 + 1)));
    }
    let state = h.state().await;
    let web = org_id(&state, "contoso-web");
    let expected = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["targetAccounts"].is_null() || t["targetAccounts"] == json!([web]))
        .count();
    assert_eq!(seen.len(), expected);
    assert!(pages >= 4);
}

#[tokio::test]
async fn large_seed_lists_ten_thousand() {
    let h = start_with(SimOptions {
        seed: Seed::Large(10_000),
        ..SimOptions::default()
    })
    .await;
    let state = h.state().await;
    assert_eq!(state["tokens"].as_array().unwrap().len(), 10_000);
    let all = h.list_all("contoso-data", "displayFilterOption=all").await;
    assert!(all.len() > 3000);
}

#[tokio::test]
async fn paths_are_case_insensitive() {
    let h = start().await;
    let url = format!("{}/contoso-web/_apis/Tokens/Pats?{API}", h.ep.vssps);
    let r = h.ado(Method::GET, &url).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn api_version_rules() {
    let h = start().await;
    for v in [
        "6.1-preview",
        "6.1-preview.1",
        "7.0-preview.1",
        "7.1-preview",
        "7.1-preview.1",
        "7.2-preview.1",
    ] {
        let r = h
            .ado(
                Method::GET,
                &format!("{}?api-version={v}", h.pats("contoso-web")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{v}");
    }
    let r = h
        .ado(Method::GET, &h.pats("contoso-web"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["typeKey"], "VssVersionNotSpecifiedException");
    let r = h
        .ado(
            Method::GET,
            &format!("{}?api-version=5.0", h.pats("contoso-web")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["typeKey"], "VssInvalidApiResourceVersionException");
    assert_eq!(
        keys(&v),
        [
            "$id",
            "innerException",
            "message",
            "typeName",
            "typeKey",
            "errorCode",
            "eventId"
        ]
    );
}

#[tokio::test]
async fn unknown_org_is_404_vss_json() {
    let h = start().await;
    let r = h
        .ado(Method::GET, &format!("{}?{API}", h.pats("no-such-org")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert!(v["typeKey"].is_string());
}

#[tokio::test]
async fn create_returns_the_secret_once_in_the_contract_shape() {
    let h = start().await;
    let state = h.state().await;
    let web = org_id(&state, "contoso-web");
    let r = h
        .ado(Method::POST, &format!("{}?{API}", h.pats("contoso-web")))
        .json(&json!({"displayName": "new_token", "scope": "vso.code_write vso.packaging", "validTo": "2027-01-01T23:46:23.319Z", "allOrgs": false}))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.starts_with("{\"patToken\":{\"displayName\""), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(keys(&v), ["patToken", "patTokenError"]);
    assert_eq!(v["patTokenError"], "none");
    let p = &v["patToken"];
    assert_eq!(keys(p), PAT_FIELD_ORDER);
    assert_eq!(p["validTo"], "2027-01-01T23:46:23.32Z");
    assert_eq!(p["targetAccounts"], json!([web]));
    assert_eq!(p["scope"], "vso.code_write vso.packaging");
    let from = p["validFrom"].as_str().unwrap();
    assert_eq!(
        from.split('.').nth(1).unwrap().len(),
        8,
        "7 digits + Z: {from}"
    );
    let secret = p["token"].as_str().unwrap();
    assert_eq!(secret.len(), 84);
    assert_eq!(&secret[76..80], "AZDO");
    assert!(secret.chars().all(|c| c.is_ascii_alphanumeric()));
    // Never again: Get and List carry token null, and the control state has no secret.
    let id = p["authorizationId"].as_str().unwrap();
    assert!(h.get_pat("contoso-web", id).await["patToken"]["token"].is_null());
    let state_text = h
        .http
        .get(format!("{}/_sim/state", h.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!state_text.contains(secret));
    let log = h
        .http
        .get(format!("{}/_sim/requests", h.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!log.contains(secret));
    assert!(
        !log.contains(&h.token),
        "the Authorization header is never recorded"
    );
}

#[tokio::test]
async fn create_defaults_and_input_rules() {
    let h = start().await;
    // Empty name -> GUID, empty scope -> app_token, missing validTo -> about a year.
    let v = h
        .create(
            "contoso-web",
            json!({"displayName": "", "scope": "", "allOrgs": false}),
        )
        .await;
    assert_eq!(v["patTokenError"], "none");
    let p = &v["patToken"];
    assert!(uuid::Uuid::parse_str(p["displayName"].as_str().unwrap()).is_ok());
    assert_eq!(p["scope"], "app_token");
    let to = chrono::DateTime::parse_from_rfc3339(p["validTo"].as_str().unwrap()).unwrap();
    let days = (to.with_timezone(&chrono::Utc) - h.now()).num_days();
    assert!((364..=365).contains(&days), "{days}");

    let cases = [
        (
            json!({"displayName": "x".repeat(257), "scope": "vso.code", "validTo": h.days_from_now(5)}),
            "invalidDisplayName",
        ),
        (
            json!({"displayName": "&".repeat(60), "scope": "vso.code", "validTo": h.days_from_now(5)}),
            "invalidDisplayName",
        ),
        (
            json!({"displayName": "   ", "scope": "vso.code", "validTo": h.days_from_now(5)}),
            "displayNameRequired",
        ),
        (
            json!({"displayName": "a", "scope": "vso.nonsense", "validTo": h.days_from_now(5)}),
            "invalidScope",
        ),
        (
            json!({"displayName": "a", "scope": "vso.code", "validTo": h.days_from_now(-1)}),
            "invalidValidTo",
        ),
        (
            json!({"displayName": "a", "scope": "vso.code", "validTo": "not a date"}),
            "invalidValidTo",
        ),
        (
            json!({"displayName": "a", "scope": "vso.code", "validTo": h.days_from_now(5), "allOrgs": true}),
            "globalPATCreationBlocked",
        ),
    ];
    for (body, expected) in cases {
        let v = h.create("contoso-web", body.clone()).await;
        assert_eq!(v["patTokenError"], expected, "{body}");
        assert!(v["patToken"].is_null());
        assert!(
            v.get("patTokenErrorMessage").is_none(),
            "7.1 has no message"
        );
    }
    // 256 characters exactly is fine; scopes are normalised.
    let v = h.create("contoso-web", json!({"displayName": "n".repeat(256), "scope": "VSO.CODE vso.code vso.work", "validTo": h.days_from_now(5), "allOrgs": false})).await;
    assert_eq!(v["patTokenError"], "none");
    assert_eq!(v["patToken"]["scope"], "vso.code vso.work");
    // Beyond one year is clamped.
    let v = h.create("contoso-web", json!({"displayName": "long", "scope": "vso.code", "validTo": h.days_from_now(800), "allOrgs": false})).await;
    let to =
        chrono::DateTime::parse_from_rfc3339(v["patToken"]["validTo"].as_str().unwrap()).unwrap();
    assert!((to.with_timezone(&chrono::Utc) - h.now()).num_days() <= 365);
}

#[tokio::test]
async fn create_malformed_json_is_400_tf400898() {
    let h = start().await;
    let r = h
        .ado(Method::POST, &format!("{}?{API}", h.pats("contoso-web")))
        .header("content-type", "application/json")
        .body("{\"displayName\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["typeKey"], "JsonReaderException");
    assert!(v["message"].as_str().unwrap().starts_with("TF400898"));
}

#[tokio::test]
async fn api_72_adds_the_error_message() {
    let h = start().await;
    let r = h
        .ado(Method::POST, &format!("{}?api-version=7.2-preview.1", h.pats("contoso-web")))
        .json(&json!({"displayName": "a", "scope": "vso.bogus", "validTo": h.days_from_now(3), "allOrgs": false}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["patTokenError"], "invalidScope");
    assert!(v["patTokenErrorMessage"].as_str().unwrap().len() > 5);
}

#[tokio::test]
async fn legacy_secrets_switch_gives_52_characters() {
    let h = start().await;
    h.ctl("switches", json!({"legacySecrets": true})).await;
    let p = h.new_pat("contoso-web", "old-style", "vso.code").await;
    assert_eq!(p["token"].as_str().unwrap().len(), 52);
}

#[tokio::test]
async fn get_rules() {
    let h = start().await;
    let p = h.new_pat("contoso-web", "g", "vso.work").await;
    let id = p["authorizationId"].as_str().unwrap();
    let v = h.get_pat("contoso-web", id).await;
    assert_eq!(keys(&v), ["patToken", "patTokenError"]);
    assert_eq!(v["patTokenError"], "none");
    assert_eq!(v["patToken"]["displayName"], "g");
    assert!(v["patToken"]["token"].is_null());
    let v = h
        .get_pat("contoso-web", &uuid::Uuid::new_v4().to_string())
        .await;
    assert_eq!(
        v,
        json!({"patToken": null, "patTokenError": "tokenNotFound"})
    );
    let v = h
        .get_pat("contoso-web", "00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(v["patTokenError"], "invalidAuthorizationId");
    let r = h
        .ado(
            Method::GET,
            &format!("{}?authorizationId=nope&{API}", h.pats("contoso-web")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Sam's token is someone else's.
    let state = h.state().await;
    let sam = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["displayName"] == "sam-code-review")
        .unwrap();
    let v = h
        .get_pat("contoso-web", sam["authorizationId"].as_str().unwrap())
        .await;
    assert_eq!(v["patTokenError"], "accessDenied");
    // An org-scoped PAT is not found through another organization.
    let v = h.get_pat("contoso-data", id).await;
    assert_eq!(v["patTokenError"], "tokenNotFound");
}

#[tokio::test]
async fn update_rules() {
    let h = start().await;
    let state = h.state().await;
    let web = org_id(&state, "contoso-web");
    let p = h.new_pat("contoso-web", "before", "vso.code").await;
    let id = p["authorizationId"].as_str().unwrap();
    // Only the name changes; everything else is kept.
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": id, "displayName": "after"}),
        )
        .await;
    assert_eq!(v["patTokenError"], "none");
    let q = &v["patToken"];
    assert_eq!(keys(q), PAT_FIELD_ORDER);
    assert_eq!(q["displayName"], "after");
    assert_eq!(q["scope"], "vso.code");
    assert_eq!(q["validTo"], p["validTo"]);
    assert_eq!(q["targetAccounts"], json!([web]));
    assert!(q["token"].is_null());
    // Extend and rescope.
    let v = h
        .update("contoso-web", json!({"authorizationId": id, "scope": "vso.work", "validTo": "2027-03-03T10:00:00.004Z"}))
        .await;
    assert_eq!(v["patToken"]["scope"], "vso.work");
    assert_eq!(v["patToken"]["validTo"], "2027-03-03T10:00:00Z");
    // Errors.
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": uuid::Uuid::new_v4(), "displayName": "x"}),
        )
        .await;
    assert_eq!(v["patTokenError"], "tokenNotFound");
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": "00000000-0000-0000-0000-000000000000"}),
        )
        .await;
    assert_eq!(v["patTokenError"], "invalidAuthorizationId");
    let v = h
        .update("contoso-web", json!({"authorizationId": "garbage"}))
        .await;
    assert_eq!(v["patTokenError"], "invalidAuthorizationId");
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": id, "allOrgs": true}),
        )
        .await;
    assert_eq!(v["patTokenError"], "globalPATCreationBlocked");
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": id, "validTo": h.days_from_now(-2)}),
        )
        .await;
    assert_eq!(v["patTokenError"], "invalidValidTo");
    // Revoked -> invalidToken.
    assert_eq!(h.revoke("contoso-web", id).await.status(), 204);
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": id, "displayName": "x"}),
        )
        .await;
    assert_eq!(v["patTokenError"], "invalidToken");
}

#[tokio::test]
async fn update_of_expired_pat_is_refused_or_allowed_by_switch() {
    let h = start().await;
    let seeded = h
        .ctl("pats", json!({"org": "contoso-web", "displayName": "stale", "scope": "vso.code", "validTo": h.days_from_now(-3)}))
        .await;
    let id = seeded["authorizationId"].as_str().unwrap();
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": id, "validTo": h.days_from_now(30)}),
        )
        .await;
    assert_eq!(v["patTokenError"], "expiredPatCannotBeExtended");
    h.ctl("switches", json!({"expiredUpdate": "allow"})).await;
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": id, "validTo": h.days_from_now(30)}),
        )
        .await;
    assert_eq!(v["patTokenError"], "none");
    let active = h
        .list_all("contoso-web", "displayFilterOption=active")
        .await;
    assert!(active.iter().any(|p| p["authorizationId"] == id));
}

#[tokio::test]
async fn revoke_rules_and_switches() {
    let h = start().await;
    let p = h.new_pat("contoso-web", "to-revoke", "vso.code").await;
    let id = p["authorizationId"].as_str().unwrap();
    let r = h.revoke("contoso-web", id).await;
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    // Stays listable under revoked.
    let revoked = h
        .list_all("contoso-web", "displayFilterOption=revoked")
        .await;
    assert!(revoked.iter().any(|p| p["authorizationId"] == id));
    // Again: 404 with the service's message.
    let r = h.revoke("contoso-web", id).await;
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["message"],
        format!(
            "No session token exists for given Authorization ID. Invalid Authorization ID : {id}"
        )
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(h.revoke("contoso-web", &unknown).await.status(), 404);
    h.ctl(
        "switches",
        json!({"revokeUnknownStatus": 500, "revokeSuccessStatus": 200}),
    )
    .await;
    assert_eq!(h.revoke("contoso-web", &unknown).await.status(), 500);
    let p2 = h.new_pat("contoso-web", "to-revoke-2", "vso.code").await;
    let r = h
        .revoke("contoso-web", p2["authorizationId"].as_str().unwrap())
        .await;
    assert_eq!(r.status(), 200);
    h.ctl("switches", json!({"revokeUnknownStatus": 204})).await;
    assert_eq!(h.revoke("contoso-web", &unknown).await.status(), 204);
    assert_eq!(h.state().await["revokeCalls"], 6);
}

#[tokio::test]
async fn tenant_policies() {
    let h = start().await;
    let ok_body = |scope: &str, days: i64| json!({"displayName": "p", "scope": scope, "validTo": h.days_from_now(days), "allOrgs": false});
    h.ctl(
        "policies",
        json!({"org": "contoso-web", "restrictFullScope": true}),
    )
    .await;
    let v = h.create("contoso-web", ok_body("app_token", 5)).await;
    assert_eq!(v["patTokenError"], "fullScopePatPolicyViolation");
    let v = h.create("contoso-web", ok_body("", 5)).await;
    assert_eq!(
        v["patTokenError"], "fullScopePatPolicyViolation",
        "empty scope is full access"
    );
    // The same tenant's other organization is affected; the other tenant is not.
    assert_eq!(
        h.create("contoso-data", ok_body("app_token", 5)).await["patTokenError"],
        "fullScopePatPolicyViolation"
    );

    h.ctl(
        "policies",
        json!({"tenant": "3f2b8c1e-5a47-4d2e-9b1c-7e6d5a4b3c21", "restrictGlobal": true}),
    )
    .await;
    let v = h.create("contoso-web", json!({"displayName": "g", "scope": "vso.code", "validTo": h.days_from_now(5), "allOrgs": true})).await;
    assert_eq!(v["patTokenError"], "globalPatPolicyViolation");

    h.ctl(
        "policies",
        json!({"org": "contoso-web", "maxLifespanDays": 7}),
    )
    .await;
    let v = h.create("contoso-web", ok_body("vso.code", 30)).await;
    assert_eq!(v["patTokenError"], "none");
    let to =
        chrono::DateTime::parse_from_rfc3339(v["patToken"]["validTo"].as_str().unwrap()).unwrap();
    assert!(
        (to.with_timezone(&chrono::Utc) - h.now()).num_hours() <= 7 * 24,
        "clamped"
    );
    h.ctl(
        "policies",
        json!({"org": "contoso-web", "lifespanMode": "refuse"}),
    )
    .await;
    assert_eq!(
        h.create("contoso-web", ok_body("vso.code", 30)).await["patTokenError"],
        "patLifespanPolicyViolation"
    );
    assert_eq!(
        h.create("contoso-web", ok_body("vso.code", 6)).await["patTokenError"],
        "none"
    );
    h.ctl(
        "policies",
        json!({"org": "contoso-web", "maxLifespanDays": null}),
    )
    .await;
    assert_eq!(
        h.create("contoso-web", ok_body("vso.code", 30)).await["patTokenError"],
        "none"
    );
    // Allow-listed people are exempt.
    h.ctl(
        "policies",
        json!({"org": "contoso-web", "allowList": [h.sim.demo_user().oid]}),
    )
    .await;
    assert_eq!(
        h.create("contoso-web", ok_body("app_token", 5)).await["patTokenError"],
        "none"
    );
}

#[tokio::test]
async fn organization_creation_policy_and_packaging_only() {
    let h = start().await;
    h.ctl(
        "policies",
        json!({"org": "contoso-data", "restrictCreation": true}),
    )
    .await;
    let body = |scope: &str| json!({"displayName": "p", "scope": scope, "validTo": h.days_from_now(5), "allOrgs": false});
    assert_eq!(
        h.create("contoso-data", body("vso.code")).await["patTokenError"],
        "disablePatCreationPolicyViolation"
    );
    assert_eq!(
        h.create("contoso-data", body("vso.packaging")).await["patTokenError"],
        "disablePatCreationPolicyViolation"
    );
    assert_eq!(
        h.create("contoso-web", body("vso.code")).await["patTokenError"],
        "none",
        "other org unaffected"
    );
    h.ctl(
        "policies",
        json!({"org": "contoso-data", "packagingOnly": true}),
    )
    .await;
    assert_eq!(
        h.create("contoso-data", body("vso.packaging vso.packaging_write"))
            .await["patTokenError"],
        "none"
    );
    assert_eq!(
        h.create("contoso-data", body("vso.packaging vso.code"))
            .await["patTokenError"],
        "disablePatCreationPolicyViolation"
    );
    // Update is not blocked by default; it is with the switch.
    let existing = h.list("contoso-data", "").await["patTokens"][0]["authorizationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        h.update(
            "contoso-data",
            json!({"authorizationId": existing, "displayName": "renamed"})
        )
        .await["patTokenError"],
        "none"
    );
    h.ctl(
        "policies",
        json!({"org": "contoso-data", "restrictCreationOnUpdate": true, "packagingOnly": false}),
    )
    .await;
    assert_eq!(
        h.update(
            "contoso-data",
            json!({"authorizationId": existing, "displayName": "renamed2"})
        )
        .await["patTokenError"],
        "disablePatCreationPolicyViolation"
    );
}

#[tokio::test]
async fn global_creation_cutoff_is_configurable() {
    // Between the originally announced creation cut-off (2026-03-15) and the retirement (2026-12-01).
    let mut h = start_with(SimOptions {
        start_at: Some(date("2026-06-01T09:00:00Z")),
        ..SimOptions::default()
    })
    .await;
    let body = json!({"displayName": "global", "scope": "vso.code", "validTo": h.days_from_now(5), "allOrgs": true});
    assert_eq!(
        h.create("contoso-web", body.clone()).await["patTokenError"],
        "globalPATCreationBlocked"
    );
    h.ctl(
        "policies",
        json!({"globalCreationCutoff": "2026-09-01T00:00:00Z"}),
    )
    .await;
    let v = h.create("contoso-web", body.clone()).await;
    assert_eq!(v["patTokenError"], "none");
    assert!(v["patToken"]["targetAccounts"].is_null());
    // Global PATs are visible through every organization of the person.
    let id = v["patToken"]["authorizationId"].clone();
    assert!(h
        .list_all("contoso-data", "")
        .await
        .iter()
        .any(|p| p["authorizationId"] == id));
    // Move the clock past the configured cut-off (still before the retirement).
    h.set_clock(date("2026-10-01T09:00:00Z")).await;
    h.token = h.ctl("access-token", json!({})).await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"displayName": "global2", "scope": "vso.code", "validTo": h.days_from_now(30), "allOrgs": true});
    assert_eq!(
        h.create("contoso-web", body).await["patTokenError"],
        "globalPATCreationBlocked"
    );
}

#[tokio::test]
async fn list_tenant_wide_switch() {
    let h = start().await;
    let state = h.state().await;
    let data = org_id(&state, "contoso-data");
    assert!(!h
        .list_all("contoso-web", "displayFilterOption=all")
        .await
        .iter()
        .any(|p| p["targetAccounts"] == json!([data])));
    h.ctl("switches", json!({"listTenantWide": true})).await;
    let all = h.list_all("contoso-web", "displayFilterOption=all").await;
    assert!(all.iter().any(|p| p["targetAccounts"] == json!([data])));
    let fabrikam = org_id(&state, "fabrikam-tools");
    assert!(
        !all.iter().any(|p| p["targetAccounts"] == json!([fabrikam])),
        "other tenant stays out"
    );
}

#[tokio::test]
async fn clock_offset_expires_tokens() {
    let h = start().await;
    let p = h.new_pat("contoso-web", "short", "vso.code").await;
    let id = p["authorizationId"].clone();
    h.shift_clock(31 * 86400).await;
    // The demo token expired with the clock: mint a new one.
    let fresh = h.ctl("access-token", json!({})).await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let r = h
        .http
        .get(format!(
            "{}?{API}&displayFilterOption=expired&$top=100",
            h.pats("contoso-web")
        ))
        .bearer_auth(&fresh)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(v["patTokens"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["authorizationId"] == id));
}

#[tokio::test]
async fn demo_seed_is_believable() {
    let h = start().await;
    let state = h.state().await;
    let dana = h.sim.demo_user();
    assert_eq!(dana.display_name, "Dana Whitfield");
    let mine: Vec<&Value> = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["ownerOid"] == dana.oid.as_str())
        .collect();
    assert!((35..=45).contains(&mine.len()));
    assert_eq!(
        mine.iter()
            .filter(|t| t["targetAccounts"].is_null())
            .count(),
        1,
        "exactly one global PAT"
    );
    let count = |s: &str| mine.iter().filter(|t| t["status"] == s).count();
    assert!(count("expired") >= 3 && count("revoked") >= 3 && count("active") >= 20);
    assert!(mine.iter().any(|t| t["scope"] == "app_token"));
    assert!(mine
        .iter()
        .any(|t| t["displayName"] == "Git: https://dev.azure.com/contoso-web/ on DANA-LAPTOP"));
    let soon = mine
        .iter()
        .filter(|t| t["status"] == "active")
        .filter(|t| {
            let to = chrono::DateTime::parse_from_rfc3339(t["validTo"].as_str().unwrap()).unwrap();
            (to.with_timezone(&chrono::Utc) - h.now()).num_days() < 7
        })
        .count();
    assert!(soon >= 3, "{soon} expire within a week");
    // Deterministic: a second simulator seeds the same names, scopes and ids.
    let other = start().await.state().await;
    let ids = |s: &Value| {
        s["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["authorizationId"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&state), ids(&other));
    // Organizations: three of Dana's plus the MSA-backed one.
    let orgs = state["organizations"].as_array().unwrap();
    assert!(orgs
        .iter()
        .any(|o| o["tenantId"] == "00000000-0000-0000-0000-000000000000"));
    assert_eq!(
        orgs.iter()
            .filter(|o| o["tenantId"] == dana.tenant_id.as_str())
            .count(),
        2
    );
}

/// A PAT used with an organization's API (Basic auth, any user name): it works where it is scoped; a global
/// one works everywhere until the retirement of global PATs, then is refused — and still listed.
#[tokio::test]
async fn a_global_pat_stops_authenticating_at_the_retirement_but_stays_listed() {
    let mut h = start_with(SimOptions {
        start_at: Some(date("2026-11-20T09:00:00Z")),
        ..SimOptions::default()
    })
    .await;
    let seeded = h
        .ctl(
            "pats",
            json!({"org": "contoso-web", "displayName": "old global", "scope": "vso.code", "validTo": "2027-03-01T00:00:00Z", "global": true}),
        )
        .await;
    let global = seeded["token"].as_str().unwrap().to_string();
    let global_id = seeded["authorizationId"].clone();
    let scoped = h.new_pat("contoso-web", "web only", "vso.code").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (http, dev) = (h.http.clone(), h.ep.dev.clone());
    let use_pat = |org: &str, pat: &str| {
        let url = format!("{dev}/{org}/_apis/connectionData");
        let request = http.get(url).basic_auth("anything", Some(pat.to_string()));
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(use_pat("contoso-web", &scoped).await.0, 200);
    assert_eq!(
        use_pat("contoso-data", &scoped).await.0,
        401,
        "scoped to contoso-web"
    );
    let (status, body) = use_pat("contoso-data", &global).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["authenticatedUser"]["providerDisplayName"],
        h.sim.demo_user().display_name
    );
    assert_eq!(use_pat("contoso-web", "not-a-token").await.0, 401);

    // Past the retirement: refused everywhere, still listed; the scoped one keeps working.
    h.ctl("clock", json!({"now": "2026-12-02T09:00:00Z"})).await;
    h.token = h.ctl("access-token", json!({})).await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = use_pat("contoso-web", &global).await;
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no longer supported"),
        "{body}"
    );
    assert_eq!(use_pat("contoso-web", &scoped).await.0, 200);
    assert!(h
        .list_all("contoso-web", "")
        .await
        .iter()
        .any(|p| p["authorizationId"] == global_id));

    // The date is configuration.
    h.ctl(
        "policies",
        json!({"globalRetirement": "2027-01-15T00:00:00Z"}),
    )
    .await;
    assert_eq!(use_pat("contoso-web", &global).await.0, 200);
}
