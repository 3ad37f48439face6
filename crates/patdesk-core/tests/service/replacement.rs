//! Replacing a global PAT after the retirement: one organization-scoped token per organization, and the global one
//! revoked only once every chosen replacement exists — checked in the simulator's own state.

use patdesk_core::model::{ListFilter, PatToken, TokenStatus};
use patdesk_core::replacement::{ChosenReplacement, TokenRef};
use patdesk_core::session::{demo, Session};
use patdesk_core::ErrorCode;
use patdesk_sim::SimOptions;
use patdesk_test_support::TestSim;
use serde_json::json;

async fn signed_in() -> (TestSim, Session) {
    let sim = TestSim::start_at_test_now(SimOptions {
        auto_approve: true,
        device_pending_polls: 0,
        ..SimOptions::default()
    })
    .await;
    let session = demo::sign_in_to_simulator(&sim.sim).await.unwrap();
    (sim, session)
}

async fn the_global_token(session: &Session) -> PatToken {
    let listing = session
        .list_tokens(ListFilter::Active, None, |_| {})
        .await
        .unwrap();
    listing
        .tokens
        .into_iter()
        .find(|t| t.is_global)
        .expect("the demo has a global token")
}

/// The simulator's record of a token (`status`, `targetAccounts`, …).
async fn in_simulator(sim: &TestSim, id: &str) -> serde_json::Value {
    let state = sim.state().await;
    state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["authorizationId"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} is not in the simulator"))
}

#[tokio::test]
async fn the_plan_has_one_token_per_organization_with_the_old_scopes() {
    let (_sim, session) = signed_in().await;
    let global = the_global_token(&session).await;
    let plan = session
        .plan_replacement(&global.organization, &global.authorization_id)
        .await
        .unwrap();
    let mut organizations: Vec<_> = plan
        .replacements
        .iter()
        .map(|r| r.organization.as_str())
        .collect();
    organizations.sort();
    assert_eq!(
        organizations,
        ["contoso-data", "contoso-web", "fabrikam-tools"]
    );
    for line in &plan.replacements {
        assert_eq!(line.scopes.join(" "), global.scope);
        assert!(line.display_name.starts_with(&global.display_name));
        // The demo's global token expires in 30 days (by the simulator's clock): the replacements keep that date.
        assert!(line.keeps_expiry, "{line:?}");
    }
}

/// One organization refuses by policy: the others' replacements are created, the global token is not revoked
/// while the refused one is still chosen, and once that line is created with narrower scopes it is.
#[tokio::test]
async fn the_global_token_is_revoked_only_after_every_chosen_replacement_exists() {
    let (sim, session) = signed_in().await;
    sim.policies(json!({ "org": "fabrikam-tools", "packagingOnly": true }))
        .await;
    let global = the_global_token(&session).await;
    let plan = session
        .plan_replacement(&global.organization, &global.authorization_id)
        .await
        .unwrap();
    let original = TokenRef {
        organization: global.organization.clone(),
        authorization_id: global.authorization_id.clone(),
    };

    let mut chosen = Vec::new();
    for line in &plan.replacements {
        let created = session
            .client_for(&line.organization)
            .create_pat(&line.request())
            .await;
        match (&line.organization[..], created) {
            ("fabrikam-tools", Err(e)) => {
                assert_eq!(e.code, ErrorCode::PolicyCreationRestricted, "{e}");
                chosen.push(ChosenReplacement {
                    organization: line.organization.clone(),
                    authorization_id: None,
                });
            }
            (_, Ok(created)) => chosen.push(ChosenReplacement {
                organization: line.organization.clone(),
                authorization_id: Some(created.token.authorization_id),
            }),
            (org, result) => panic!("{org}: {:?}", result.map(|c| c.token)),
        }
    }

    let refused = session
        .revoke_replaced(&original, &chosen)
        .await
        .unwrap_err();
    assert!(refused.message.contains("fabrikam-tools"), "{refused}");
    assert_eq!(
        in_simulator(&sim, &global.authorization_id).await["status"],
        "active"
    );

    let line = |org: &str| {
        plan.replacements
            .iter()
            .position(|r| r.organization == org)
            .unwrap()
    };
    let (web, fabrikam) = (line("contoso-web"), line("fabrikam-tools"));

    // A replacement that was revoked meanwhile does not count either.
    let web_id = chosen[web].authorization_id.clone().unwrap();
    let mut with_a_revoked_one = chosen.clone();
    with_a_revoked_one.remove(fabrikam);
    session
        .client_for("contoso-web")
        .revoke_pat("contoso-web", &web_id)
        .await
        .unwrap();
    let refused = session
        .revoke_replaced(&original, &with_a_revoked_one)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::TokenNotFound, "{refused}");
    assert_eq!(
        in_simulator(&sim, &global.authorization_id).await["status"],
        "active"
    );

    // Create contoso-web again, and fabrikam-tools with packaging scopes only, as the window lets the person do.
    let mut again = plan.replacements[web].request();
    again.display_name.push_str(" 2");
    chosen[web].authorization_id = Some(
        session
            .client_for("contoso-web")
            .create_pat(&again)
            .await
            .unwrap()
            .token
            .authorization_id,
    );
    let mut narrower = plan.replacements[fabrikam].request();
    narrower.scopes = vec!["vso.packaging".into()];
    chosen[fabrikam].authorization_id = Some(
        session
            .client_for("fabrikam-tools")
            .create_pat(&narrower)
            .await
            .unwrap()
            .token
            .authorization_id,
    );

    let result = session.revoke_replaced(&original, &chosen).await.unwrap();
    assert_eq!(result.outcome, patdesk_core::model::RevokeOutcome::Revoked);
    assert_eq!(result.display_name, global.display_name);
    assert_eq!(
        in_simulator(&sim, &global.authorization_id).await["status"],
        "revoked"
    );
    for line in &chosen {
        let id = line.authorization_id.as_deref().unwrap();
        let pat = in_simulator(&sim, id).await;
        assert_eq!(pat["status"], "active", "{pat}");
        assert_eq!(
            pat["targetAccounts"].as_array().map(Vec::len),
            Some(1),
            "{pat}"
        );
    }
    let after = session
        .list_tokens(ListFilter::All, None, |_| {})
        .await
        .unwrap();
    assert!(
        after
            .tokens
            .iter()
            .any(|t| t.authorization_id == global.authorization_id
                && t.status == TokenStatus::Revoked)
    );
}

#[tokio::test]
async fn nothing_is_revoked_without_a_replacement() {
    let (sim, session) = signed_in().await;
    let global = the_global_token(&session).await;
    let original = TokenRef {
        organization: global.organization.clone(),
        authorization_id: global.authorization_id.clone(),
    };
    let error = session.revoke_replaced(&original, &[]).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert_eq!(
        in_simulator(&sim, &global.authorization_id).await["status"],
        "active"
    );
}
