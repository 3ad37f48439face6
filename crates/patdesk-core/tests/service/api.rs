//! Every Azure DevOps operation of the client, over real loopback HTTP against the simulator.

use std::collections::HashSet;

use crate::common::*;
use chrono::Utc;
use futures::StreamExt;
use patdesk_core::client::ListQuery;
use patdesk_core::model::{
    Lifespan, ListFilter, NewTokenRequest, RevokeOutcome, SortBy, TokenStatus, UpdateTokenRequest,
};
use patdesk_core::ErrorCode;
use patdesk_sim::Seed;
use patdesk_test_support::{CONTOSO_DATA, CONTOSO_WEB};
use serde_json::{json, Value};

fn org_id(state: &Value, name: &str) -> String {
    state["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["accountName"] == name)
        .unwrap()["accountId"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase()
}

/// The ids the simulator says the demo user should see in `org` with `status`.
fn expected_ids(state: &Value, org: &str, status: &str) -> HashSet<String> {
    let id = org_id(state, org);
    let dana = state["users"][0]["oid"].as_str().unwrap().to_string();
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["ownerOid"] == dana.as_str() && t["status"] == status)
        .filter(|t| match t["targetAccounts"].as_array() {
            None => true,
            Some(a) => a
                .iter()
                .any(|x| x.as_str().unwrap().eq_ignore_ascii_case(&id)),
        })
        .map(|t| t["authorizationId"].as_str().unwrap().to_ascii_lowercase())
        .collect()
}

fn new_request(org: &str, name: &str, scopes: &[&str], days: u32) -> NewTokenRequest {
    NewTokenRequest {
        organization: org.into(),
        display_name: name.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        lifespan: Lifespan::Days { days },
    }
}

#[tokio::test]
async fn profile_lists_the_person_and_organizations() {
    let env = start(Seed::Demo).await;
    let p = env.client.profile().await.unwrap();
    let user = env.sim.demo_user();
    assert_eq!(p.display_name, user.display_name);
    assert_eq!(p.email, user.email);
    assert_eq!(p.initials, "DW");
    let names: Vec<&str> = p.organizations.iter().map(|o| o.name.as_str()).collect();
    assert!(
        names.contains(&CONTOSO_WEB) && names.contains(&CONTOSO_DATA),
        "{names:?}"
    );
    for o in &p.organizations {
        assert_eq!(o.url, format!("https://dev.azure.com/{}", o.name));
    }
    // The spec's bare-array form of Accounts gives the same organizations.
    env.switches(json!({"accountsBareArray": true})).await;
    let again = env.client.profile().await.unwrap();
    assert_eq!(again.organizations, p.organizations);
}

#[tokio::test]
async fn every_call_carries_the_contract_headers_and_versions() {
    let env = start(Seed::Demo).await;
    env.client.profile().await.unwrap();
    env.client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap();
    let reqs = env.requests().await;
    let ado: Vec<&Value> = reqs
        .iter()
        .filter(|r| {
            matches!(
                r["route"].as_str(),
                Some("profile" | "accounts" | "pats.list")
            )
        })
        .collect();
    assert!(ado.len() >= 3, "{reqs:?}");
    for r in ado {
        let header = |name: &str| -> Option<String> {
            r["headers"].as_array().unwrap().iter().find_map(|h| {
                (h[0].as_str().unwrap().eq_ignore_ascii_case(name))
                    .then(|| h[1].as_str().unwrap().to_string())
            })
        };
        // The simulator never records Authorization; it answered 200, so the bearer token was accepted.
        assert_eq!(r["status"], 200, "{r}");
        assert_eq!(header("x-tfs-fedauthredirect").as_deref(), Some("Suppress"));
        assert_eq!(header("accept").as_deref(), Some("application/json"));
        assert!(header("user-agent").unwrap().starts_with("PATDesk/"));
        let q = r["query"].as_str().unwrap();
        if r["route"] == "pats.list" {
            assert!(q.contains("api-version=7.1-preview.1"), "{q}");
            assert!(q.contains("%24top=100") || q.contains("$top=100"), "{q}");
        } else {
            assert!(
                q.contains("api-version=7.1") && !q.contains("preview"),
                "{q}"
            );
        }
    }
}

#[tokio::test]
async fn list_matches_the_simulator_for_each_filter() {
    let env = start(Seed::Demo).await;
    let state = env.state().await;
    for (filter, status) in [
        (ListFilter::Active, "active"),
        (ListFilter::Expired, "expired"),
        (ListFilter::Revoked, "revoked"),
    ] {
        let tokens = env
            .client
            .list_pats(CONTOSO_WEB, &ListQuery::with_filter(filter))
            .await
            .unwrap();
        let got: HashSet<String> = tokens.iter().map(|t| t.authorization_id.clone()).collect();
        assert_eq!(got, expected_ids(&state, CONTOSO_WEB, status), "{filter:?}");
        assert!(!got.is_empty(), "seed has {status} tokens");
        let want = match filter {
            ListFilter::Active => TokenStatus::Active,
            ListFilter::Expired => TokenStatus::Expired,
            _ => TokenStatus::Revoked,
        };
        assert!(tokens
            .iter()
            .all(|t| t.status == want && t.organization == CONTOSO_WEB));
        assert!(tokens.iter().all(|t| !t.scope_summary.is_empty()));
    }
}

#[tokio::test]
async fn paging_follows_continuation_tokens_to_the_end() {
    let env = start(Seed::Large(230)).await;
    let state = env.state().await;
    let want = expected_ids(&state, CONTOSO_WEB, "active");
    assert!(want.len() > 40, "seed is large enough: {}", want.len());
    let query = ListQuery {
        filter: ListFilter::Active,
        sort: SortBy::ValidTo,
        ascending: false,
        page_size: 7,
    };
    env.clear_requests().await;
    let mut pages = env.client.list_pat_pages(CONTOSO_WEB, &query);
    let mut ids = Vec::new();
    let mut page_count = 0;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.len() <= 7);
        page_count += 1;
        ids.extend(page.into_iter().map(|t| t.authorization_id));
    }
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no token twice");
    assert_eq!(unique, want);
    assert_eq!(page_count, want.len().div_ceil(7));
    assert_eq!(env.count_route("pats.list").await, page_count);
    // Sorted by expiry, newest first, across pages.
    let all = env.client.list_pats(CONTOSO_WEB, &query).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].valid_to >= w[1].valid_to));
    // A page size above 100 is sent as 100.
    env.clear_requests().await;
    env.client
        .list_pats(
            CONTOSO_WEB,
            &ListQuery {
                page_size: 500,
                ..ListQuery::default()
            },
        )
        .await
        .unwrap();
    let reqs = env.requests().await;
    assert!(reqs
        .iter()
        .all(|r| !r["query"].as_str().unwrap().contains("top=500")));
}

#[tokio::test]
async fn list_all_labels_statuses_and_deduplicates_global_tokens() {
    let env = start(Seed::Demo).await;
    let profile = env.client.profile().await.unwrap();
    let orgs: Vec<_> = profile
        .organizations
        .iter()
        .filter(|o| o.name == CONTOSO_WEB || o.name == CONTOSO_DATA)
        .cloned()
        .collect();
    let state = env.state().await;
    let all = env.client.list_all(&orgs, ListFilter::All).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|t| t.authorization_id.as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "global PATs appear once");
    let mut want = HashSet::new();
    for org in [CONTOSO_WEB, CONTOSO_DATA] {
        for s in ["active", "expired", "revoked"] {
            want.extend(expected_ids(&state, org, s));
        }
    }
    assert_eq!(
        unique.iter().map(|s| s.to_string()).collect::<HashSet<_>>(),
        want
    );
    for t in &all {
        let sim = state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["authorizationId"] == t.authorization_id.as_str())
            .unwrap();
        let want_status = match sim["status"].as_str().unwrap() {
            "active" => TokenStatus::Active,
            "expired" => TokenStatus::Expired,
            _ => TokenStatus::Revoked,
        };
        assert_eq!(t.status, want_status, "{}", t.display_name);
        match &t.target_organizations {
            None => assert!(t.is_global),
            Some(targets) => {
                assert!(!t.is_global);
                assert!(
                    targets
                        .iter()
                        .all(|o| o.name == CONTOSO_WEB || o.name == CONTOSO_DATA),
                    "{targets:?}"
                );
            }
        }
    }
    assert!(all.iter().any(|t| t.is_global), "the demo has a global PAT");
}

#[tokio::test]
async fn get_finds_a_token_and_reports_unknown_ids_as_none() {
    let env = start(Seed::Demo).await;
    let listed = env
        .client
        .list_pats(CONTOSO_WEB, &ListQuery::default())
        .await
        .unwrap();
    let first = &listed[0];
    let got = env
        .client
        .get_pat(CONTOSO_WEB, &first.authorization_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.display_name, first.display_name);
    assert_eq!(got.scope, first.scope);
    assert_eq!(got.valid_to, first.valid_to);
    let missing = env
        .client
        .get_pat(CONTOSO_WEB, &uuid::Uuid::new_v4().to_string())
        .await
        .unwrap();
    assert!(missing.is_none());
}

#[tokio::test]
async fn create_returns_the_secret_once_and_scopes_to_one_organization() {
    let env = start(Seed::Empty).await;
    let state = env.state().await;
    let created = env
        .client
        .create_pat(&new_request(
            CONTOSO_WEB,
            "ci for docs",
            &["vso.code_write", "vso.packaging"],
            30,
        ))
        .await
        .unwrap();
    assert!(!created.secret.expose().is_empty());
    assert!(!format!("{created:?}").contains(created.secret.expose().as_str()));
    assert!(created.clamped_from.is_none());
    let t = &created.token;
    assert_eq!(t.display_name, "ci for docs");
    assert_eq!(t.scope, "vso.code_write vso.packaging");
    assert!(!t.is_global);
    assert_eq!(t.status, TokenStatus::Active);
    let days = (t.valid_to - Utc::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "{days}");
    let sim = env.tokens_named("ci for docs").await;
    assert_eq!(sim.len(), 1);
    assert_eq!(
        sim[0]["targetAccounts"],
        json!([org_id(&state, CONTOSO_WEB)])
    );
    // The body carried all four fields, with allOrgs false.
    let reqs = env.requests().await;
    let create = reqs.iter().find(|r| r["route"] == "pats.create").unwrap();
    if let Some(body) = create["body"].as_str() {
        let b: Value = serde_json::from_str(body).unwrap();
        assert_eq!(b["allOrgs"], json!(false));
        assert_eq!(b["scope"], "vso.code_write vso.packaging");
        assert!(b["validTo"].is_string() && b["displayName"].is_string());
    }
    // Full access goes as app_token alone.
    let full = env
        .client
        .create_pat(&new_request(CONTOSO_WEB, "full", &["app_token"], 7))
        .await
        .unwrap();
    assert_eq!(full.token.scope, "app_token");
    assert_eq!(full.token.scope_summary, vec!["Full access"]);
    let reveal = full.into_reveal();
    let json = serde_json::to_value(&reveal).unwrap();
    assert!(json["secret"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(json["clampedFrom"].is_null());
}

#[tokio::test]
async fn create_refuses_empty_or_unknown_scopes_before_calling_the_service() {
    let env = start(Seed::Empty).await;
    for scopes in [vec![], vec!["  "], vec!["vso.nonsense"]] {
        let e = env
            .client
            .create_pat(&new_request(CONTOSO_WEB, "x", &scopes, 30))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidScope);
    }
    let e = env
        .client
        .create_pat(&new_request(CONTOSO_WEB, "  ", &["vso.code"], 30))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidDisplayName);
    let e = env
        .client
        .create_pat(&new_request(CONTOSO_WEB, "x", &["vso.code"], 400))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidExpiry);
    assert_eq!(env.count_route("pats.create").await, 0);
}

#[tokio::test]
async fn create_reports_a_clamped_expiry() {
    let env = start(Seed::Empty).await;
    env.policies(json!({"maxLifespanDays": 30, "lifespanMode": "clamp"}))
        .await;
    let created = env
        .client
        .create_pat(&new_request(CONTOSO_WEB, "long", &["vso.build"], 90))
        .await
        .unwrap();
    let asked = created.clamped_from.expect("the service shortened it");
    assert!(created.token.valid_to < asked);
    let days = (asked - Utc::now()).num_days();
    assert!((89..=90).contains(&days));
    let got_days = (created.token.valid_to - Utc::now()).num_hours();
    assert!(got_days <= 30 * 24, "{got_days}");
}

#[tokio::test]
async fn update_renames_rescopes_and_extends() {
    let env = start(Seed::Empty).await;
    let created = env
        .client
        .create_pat(&new_request(CONTOSO_WEB, "before", &["vso.code"], 10))
        .await
        .unwrap();
    let id = created.token.authorization_id.clone();
    let updated = env
        .client
        .update_pat(&UpdateTokenRequest {
            organization: CONTOSO_WEB.into(),
            authorization_id: id.clone(),
            display_name: Some("after".into()),
            scopes: Some(vec!["vso.code_write".into()]),
            lifespan: Some(Lifespan::Days { days: 60 }),
        })
        .await
        .unwrap();
    assert!(updated.clamped_from.is_none());
    let updated = updated.token;
    assert_eq!(updated.authorization_id, id);
    assert_eq!(updated.display_name, "after");
    assert_eq!(updated.scope, "vso.code_write");
    assert!((updated.valid_to - Utc::now()).num_days() >= 59);
    assert!(!updated.is_global, "update never changes targets");
    let sim = env.tokens_named("after").await;
    assert_eq!(sim.len(), 1);
    assert_eq!(sim[0]["scope"], "vso.code_write");
    // Only the name: the rest is kept.
    let renamed = env
        .client
        .update_pat(&UpdateTokenRequest {
            organization: CONTOSO_WEB.into(),
            authorization_id: id.clone(),
            display_name: Some("again".into()),
            scopes: None,
            lifespan: None,
        })
        .await
        .unwrap()
        .token;
    assert_eq!(renamed.scope, "vso.code_write");
    assert_eq!(renamed.valid_to, updated.valid_to);
}

/// A token id that is not a GUID (empty, a word, a path) is refused with a sentence before any request: it is
/// never reported "Revoked" (the service answers a DELETE without an id as if it had worked). The same for an
/// organization name that is `.`, `..` or holds path characters, which would reach another address.
#[tokio::test]
async fn an_id_that_is_not_a_guid_or_an_organization_that_is_a_path_is_refused_before_anything_is_sent(
) {
    let env = start(Seed::Empty).await;
    let id = env
        .seed_pat(CONTOSO_WEB, "kept", "vso.code", 30, false)
        .await;
    env.clear_requests().await;
    for bad in [
        "",
        " ",
        "kept",
        "../x",
        "00000000-0000-0000-0000-000000000000",
        &format!("{id}&x=1"),
    ] {
        let refused = env
            .client
            .revoke_pat_once(CONTOSO_WEB, bad)
            .await
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput, "{bad:?}");
        assert!(
            refused.message.contains("token id"),
            "{bad:?}: {}",
            refused.message
        );
        assert!(
            env.client.revoke_pat(CONTOSO_WEB, bad).await.is_err(),
            "{bad:?}"
        );
        assert!(
            env.client.get_pat(CONTOSO_WEB, bad).await.is_err(),
            "{bad:?}"
        );
    }
    for org in [".", "..", "contoso/../x", "a?b", "a#b", "a%2fb", "a\\b", ""] {
        let refused = env.client.revoke_pat_once(org, &id).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidOrganization, "{org:?}");
    }
    assert!(env.requests().await.is_empty(), "nothing was sent");
    assert_eq!(env.tokens_named("kept").await[0]["status"], "active");
    assert_eq!(
        env.client
            .revoke_pat_once(CONTOSO_WEB, &id.to_uppercase())
            .await
            .unwrap(),
        RevokeOutcome::Revoked
    );
}

#[tokio::test]
async fn revoke_then_revoke_again_is_already_gone() {
    let env = start(Seed::Empty).await;
    let id = env
        .seed_pat(CONTOSO_WEB, "to revoke", "vso.code", 30, false)
        .await;
    assert_eq!(
        env.client.revoke_pat_once(CONTOSO_WEB, &id).await.unwrap(),
        RevokeOutcome::Revoked
    );
    assert_eq!(env.tokens_named("to revoke").await[0]["status"], "revoked");
    assert_eq!(
        env.client.revoke_pat_once(CONTOSO_WEB, &id).await.unwrap(),
        RevokeOutcome::AlreadyGone
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        env.client.revoke_pat(CONTOSO_WEB, &unknown).await.unwrap(),
        RevokeOutcome::AlreadyGone
    );
    // The other variants of §11: 200 on success, 500 for an unknown id.
    env.switches(json!({"revokeSuccessStatus": 200, "revokeUnknownStatus": 500}))
        .await;
    let id2 = env
        .seed_pat(CONTOSO_WEB, "second", "vso.code", 30, false)
        .await;
    assert_eq!(
        env.client.revoke_pat_once(CONTOSO_WEB, &id2).await.unwrap(),
        RevokeOutcome::Revoked
    );
    assert_eq!(
        env.client.revoke_pat_once(CONTOSO_WEB, &id2).await.unwrap(),
        RevokeOutcome::AlreadyGone
    );
}

#[tokio::test]
async fn discover_tenant_reads_the_challenge() {
    let env = start(Seed::Demo).await;
    let state = env.state().await;
    let contoso = state["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["accountName"] == CONTOSO_WEB)
        .unwrap()["tenantId"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    let t = env.client.discover_tenant(CONTOSO_WEB).await.unwrap();
    assert_eq!(t.tenant_id.as_deref(), Some(contoso.as_str()));
    assert!(!t.msa_backed);
    let msa = env
        .client
        .discover_tenant("whitfield-family")
        .await
        .unwrap();
    assert!(msa.msa_backed && msa.tenant_id.is_none(), "{msa:?}");
}

#[tokio::test]
async fn list_all_reports_organizations_it_could_not_list() {
    let env = start(Seed::Demo).await;
    let profile = env.client.profile().await.unwrap();
    // fabrikam-tools lives in another tenant: the home-tenant token is refused there (a guest, §3.3).
    let guest = profile
        .organizations
        .iter()
        .find(|o| o.name == "fabrikam-tools")
        .expect("guest org")
        .clone();
    let outcome = env
        .client
        .list_all_detailed(&profile.organizations, ListFilter::Active, |_| {})
        .await;
    assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.failures);
    assert_eq!(outcome.failures[0].organization, guest);
    assert_eq!(outcome.failures[0].error.code, ErrorCode::SessionExpired);
    assert!(outcome.tokens.iter().any(|t| t.organization == CONTOSO_WEB));
    assert!(outcome
        .tokens
        .iter()
        .all(|t| t.organization != "fabrikam-tools"));
    let strict = env
        .client
        .list_all(&profile.organizations, ListFilter::Active)
        .await
        .unwrap_err();
    assert!(
        strict.message.contains("fabrikam-tools"),
        "{}",
        strict.message
    );
    // Progress counts every listing.
    let seen = std::sync::atomic::AtomicUsize::new(0);
    let orgs: Vec<_> = profile
        .organizations
        .iter()
        .filter(|o| o.name != "fabrikam-tools")
        .cloned()
        .collect();
    env.client
        .list_all_with_progress(&orgs, ListFilter::All, |n| {
            seen.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
        })
        .await
        .unwrap();
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        orgs.len() * 3
    );
}

/// A person in three organizations (two in their home tenant, one as a guest in another) when one of them
/// refuses through a Conditional Access policy: the other two are listed, the third is one line with its own
/// reason, and listing it alone again works once the policy lets the person in.
#[tokio::test]
async fn one_refusing_organization_never_hides_the_others() {
    use patdesk_core::credentials::StaticToken;
    use patdesk_core::listing::{list_across, TokenListing};
    use std::sync::Arc;

    let env = start(Seed::Demo).await;
    let profile = env.client.profile().await.unwrap();
    let named = |name: &str| {
        profile
            .organizations
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("{name} in the profile"))
            .clone()
    };
    let (web, data, guest) = (
        named(CONTOSO_WEB),
        named(CONTOSO_DATA),
        named("fabrikam-tools"),
    );
    let fabrikam_tenant = env
        .client
        .discover_tenant(&guest.name)
        .await
        .unwrap()
        .tenant_id
        .expect("fabrikam-tools has a tenant");
    let guest_token = env
        .control(
            reqwest::Method::POST,
            "access-token",
            Some(json!({"tenantId": fabrikam_tenant})),
        )
        .await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let home = Arc::new(env.client.clone());
    let guest_client = Arc::new(env.client_with(Arc::new(StaticToken::new(guest_token))));
    let groups = vec![
        (home.clone(), vec![web.clone(), data.clone()]),
        (guest_client.clone(), vec![guest.clone()]),
    ];

    env.policies(json!({"org": CONTOSO_DATA, "conditionalAccess": true}))
        .await;
    let TokenListing {
        tokens,
        unavailable,
    } = list_across(&groups, ListFilter::All, |_| {}).await.unwrap();
    assert_eq!(unavailable.len(), 1, "{unavailable:?}");
    assert_eq!(unavailable[0].organization, data);
    assert_eq!(unavailable[0].error.code, ErrorCode::ConditionalAccess);
    assert!(
        !unavailable[0].error.message.contains("sign in again"),
        "{}",
        unavailable[0].error.message
    );
    let state = env.state().await;
    let listed: HashSet<String> = tokens
        .iter()
        .map(|t| t.authorization_id.to_ascii_lowercase())
        .collect();
    for org in [&web, &guest] {
        let expected = expected_ids(&state, &org.name, "active");
        assert!(!expected.is_empty(), "{} has active tokens", org.name);
        assert!(expected.is_subset(&listed), "{}", org.name);
    }
    assert!(tokens.iter().all(|t| t.organization != data.name));
    // The whole listing crossed IPC as {tokens, unavailable: [{organization, error: {code, message}}]}.
    let wire = serde_json::to_value(TokenListing {
        tokens: vec![],
        unavailable: unavailable.clone(),
    })
    .unwrap();
    assert_eq!(wire["unavailable"][0]["error"]["code"], "conditionalAccess");
    assert_eq!(wire["unavailable"][0]["organization"]["name"], CONTOSO_DATA);

    // Retry for that organization alone once the policy lets the person in.
    env.policies(json!({"org": CONTOSO_DATA, "conditionalAccess": false}))
        .await;
    let retried = list_across(
        &[(home.clone(), vec![data.clone()])],
        ListFilter::All,
        |_| {},
    )
    .await
    .unwrap();
    assert!(retried.unavailable.is_empty());
    assert_eq!(
        retried
            .tokens
            .iter()
            .filter(|t| t.status == TokenStatus::Active)
            .map(|t| t.authorization_id.to_ascii_lowercase())
            .collect::<HashSet<_>>(),
        expected_ids(&state, &data.name, "active")
    );

    // Nothing listed at all: the listing fails with the first organization's own reason.
    env.policies(json!({"conditionalAccess": true})).await;
    let err = list_across(&groups, ListFilter::Active, |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ConditionalAccess);
}
