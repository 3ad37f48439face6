//! The bulk-revoke engine over real loopback HTTP: the real client against the simulator, with faults injected
//! on the revoke route. What is checked is the simulator's own state (`GET /_sim/state`) and its request log,
//! so "0 lost" and "exactly these tokens, nothing else" are facts of the server, not of the engine's report.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crate::common::{self, Env};
use patdesk_core::bulk::{
    bulk_revoke, retry_failed, unfinished, BulkItem, BulkOptions, CancellationToken,
};
use patdesk_core::client::{AzureDevOpsClient, ClientOptions, RetryPolicy};
use patdesk_core::credentials::{AccessTokenProvider, StaticToken};
use patdesk_core::model::{BulkProgress, BulkSummary, RevokeOutcome};
use patdesk_core::ErrorCode;
use patdesk_sim::Seed;
use serde_json::{json, Value};

/// The simulator's tokens: (id, org, status, owner).
async fn sim_tokens(env: &Env) -> Vec<(String, String, String, String)> {
    env.state().await["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
            (s("authorizationId"), s("org"), s("status"), s("ownerOid"))
        })
        .collect()
}

pub(crate) async fn revoked_ids(env: &Env) -> BTreeSet<String> {
    sim_tokens(env)
        .await
        .into_iter()
        .filter(|t| t.2 == "revoked")
        .map(|t| t.0)
        .collect()
}

/// The demo user's tokens that are not revoked yet, as bulk items (org = the org the token lives in). Only
/// organizations of the user's home tenant: the minted access token is not valid in the guest tenant.
pub(crate) async fn revocable(env: &Env) -> Vec<BulkItem> {
    let me = env.sim.demo_user();
    let state = env.state().await;
    let home_orgs: HashSet<&str> = state["organizations"]
        .as_array()
        .expect("organizations")
        .iter()
        .filter(|o| o["tenantId"].as_str() == Some(me.tenant_id.as_str()))
        .filter_map(|o| o["accountName"].as_str())
        .collect();
    sim_tokens(env)
        .await
        .into_iter()
        .filter(|t| t.2 != "revoked" && t.3 == me.oid && home_orgs.contains(t.1.as_str()))
        .map(|(id, org, _, _)| BulkItem {
            organization: org,
            display_name: format!("token {id}"),
            authorization_id: id,
        })
        .collect()
}

/// A client whose requests give up after 2 s, so the simulator's hung connections (`timeout`) come back soon.
fn client(env: &Env) -> AzureDevOpsClient {
    let provider: Arc<dyn AccessTokenProvider> = Arc::new(StaticToken::new(env.token.clone()));
    AzureDevOpsClient::new(env.endpoints.clone(), provider)
        .unwrap()
        .with_options(ClientOptions {
            request_timeout: Duration::from_secs(2),
            retry: RetryPolicy::none(),
        })
}

/// Short back-offs; enough attempts that random faults at these ratios cannot exhaust a token.
fn options() -> BulkOptions {
    BulkOptions {
        max_concurrency: 8,
        max_attempts: 10,
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        ..BulkOptions::default()
    }
}

async fn run(
    env: &Env,
    items: Vec<BulkItem>,
    options: &BulkOptions,
) -> (BulkSummary, Vec<BulkProgress>) {
    let client = client(env);
    let mut progress = Vec::new();
    let summary = bulk_revoke(&client, items, options, &CancellationToken::new(), |p| {
        progress.push(p)
    })
    .await;
    (summary, progress)
}

/// Every input id exactly once, in input order, and the counts add up.
fn assert_complete(summary: &BulkSummary, input: &[BulkItem]) {
    let ids: Vec<&str> = summary
        .results
        .iter()
        .map(|r| r.authorization_id.as_str())
        .collect();
    let expected: Vec<&str> = input.iter().map(|i| i.authorization_id.as_str()).collect();
    assert_eq!(ids, expected, "every token exactly once, in input order");
    assert_eq!(
        (summary.revoked + summary.already_gone + summary.failed + summary.cancelled) as usize,
        input.len()
    );
}

pub(crate) async fn deletes(env: &Env) -> Vec<Value> {
    env.requests()
        .await
        .into_iter()
        .filter(|r| r["route"] == "pats.revoke")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_tokens_under_mixed_faults_lose_nothing() {
    let env = common::start(Seed::Large(400)).await;
    let before = revoked_ids(&env).await;
    let all = revocable(&env).await;
    // Leave every tenth token alone: it must stay untouched.
    let (mut input, mut untouched) = (Vec::new(), Vec::new());
    for (i, item) in all.into_iter().enumerate() {
        if i % 10 == 9 {
            untouched.push(item);
        } else {
            input.push(item);
        }
    }
    assert!(
        input.len() > 200,
        "seed gives {} tokens to revoke",
        input.len()
    );

    for rule in [
        json!({"kind": "latency", "route": "pats.revoke", "latencyMs": 20}),
        // Silent (only the 429 tells), so the engine's answer to a 429 is what is tested here; pacing by
        // announced limits is tested in `pacing`.
        json!({"kind": "rateLimit", "route": "pats.revoke", "ratePerSec": 150, "announce": false}),
        // A slower machine never reaches 150 a second (a Windows build under Wine sends about 55 here, and
        // completes the run correctly): these 429s throttle the run whatever its pace.
        json!({"kind": "status", "route": "pats.revoke", "status": 429, "count": 5}),
        json!({"kind": "status", "route": "pats.revoke", "status": 500, "ratio": 0.08}),
        json!({"kind": "status", "route": "pats.revoke", "status": 503, "count": 6, "afterEffect": true}),
        json!({"kind": "reset", "route": "pats.revoke", "ratio": 0.04}),
        json!({"kind": "reset", "route": "pats.revoke", "count": 4, "afterEffect": true}),
        json!({"kind": "timeout", "route": "pats.revoke", "count": 2}),
    ] {
        env.fault(rule).await;
    }

    let (summary, progress) = run(&env, input.clone(), &options()).await;
    env.clear_faults().await;

    assert_complete(&summary, &input);
    let failures: Vec<_> = summary
        .results
        .iter()
        .filter(|r| matches!(r.outcome, RevokeOutcome::Failed { .. }))
        .collect();
    assert!(failures.is_empty(), "failed: {failures:?}");
    assert_eq!(summary.cancelled, 0);
    assert_eq!(
        (summary.revoked + summary.already_gone) as usize,
        input.len()
    );
    // Only a 503 sent after the server had already revoked the token can read as "already gone".
    assert!(
        summary.already_gone <= 6,
        "already gone: {}",
        summary.already_gone
    );
    assert_eq!(progress.len(), input.len());
    assert_eq!(progress.last().map(|p| p.done as usize), Some(input.len()));

    // The server agrees: exactly the requested tokens were revoked, and nothing else.
    let after = revoked_ids(&env).await;
    let requested: BTreeSet<String> = input.iter().map(|i| i.authorization_id.clone()).collect();
    let expected: BTreeSet<String> = before.union(&requested).cloned().collect();
    assert_eq!(after, expected);
    for item in &untouched {
        assert!(
            !after.contains(&item.authorization_id),
            "{} was revoked",
            item.authorization_id
        );
    }

    // The faults really happened: more DELETEs than tokens, some of them throttled.
    let sent = deletes(&env).await;
    assert!(sent.len() > input.len());
    assert!(
        sent.iter().filter(|r| r["status"] == 429).count() >= 5,
        "the run was never throttled"
    );
    assert!(sent.iter().any(|r| r["status"] == 500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_twice_is_already_gone() {
    let env = common::start(Seed::Large(60)).await;
    let seeded_revoked: Vec<String> = sim_tokens(&env)
        .await
        .into_iter()
        .filter(|t| t.2 == "revoked" && t.3 == env.sim.demo_user().oid)
        .map(|t| t.0)
        .collect();
    assert!(!seeded_revoked.is_empty());
    let all = revocable(&env).await;
    let first: Vec<BulkItem> = all[..20].to_vec();

    let (summary, _) = run(&env, first.clone(), &options()).await;
    assert_eq!(summary.revoked, 20);

    // Again, with five more and one the seed had revoked long ago.
    let mut second = first.clone();
    second.extend(all[20..25].iter().cloned());
    let org_of_old = sim_tokens(&env)
        .await
        .into_iter()
        .find(|t| t.0 == seeded_revoked[0])
        .map(|t| t.1)
        .unwrap();
    second.push(BulkItem {
        organization: org_of_old,
        authorization_id: seeded_revoked[0].clone(),
        display_name: "revoked long ago".into(),
    });
    let (summary, _) = run(&env, second.clone(), &options()).await;
    assert_complete(&summary, &second);
    assert_eq!(
        (summary.already_gone, summary.revoked, summary.failed),
        (21, 5, 0)
    );
    for result in &summary.results[..20] {
        assert_eq!(result.outcome, RevokeOutcome::AlreadyGone);
    }
    assert_eq!(summary.results[25].outcome, RevokeOutcome::AlreadyGone);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_failed_revokes_exactly_the_failed_subset() {
    let env = common::start(Seed::Large(100)).await;
    let input: Vec<BulkItem> = revocable(&env).await.into_iter().take(40).collect();
    let before = revoked_ids(&env).await;
    let opts = BulkOptions {
        max_attempts: 3,
        ..options()
    };
    // Four tokens fail on every attempt of this run; one is refused outright (not transient).
    let doomed = [3usize, 11, 19, 27];
    for &i in &doomed {
        env.fault(json!({
            "kind": "status", "route": "pats.revoke", "status": 500,
            "authorizationId": input[i].authorization_id, "count": opts.max_attempts,
        }))
        .await;
    }
    env.fault(json!({
        "kind": "status", "route": "pats.revoke", "status": 400,
        "authorizationId": input[33].authorization_id, "count": 1,
    }))
    .await;

    let (summary, _) = run(&env, input.clone(), &opts).await;
    assert_complete(&summary, &input);
    assert_eq!((summary.revoked, summary.failed), (35, 5));
    for &i in &doomed {
        match &summary.results[i].outcome {
            RevokeOutcome::Failed { error } => assert_eq!(error.code, ErrorCode::ServerError),
            other => panic!("token {i}: {other:?}"),
        }
    }
    assert!(matches!(
        summary.results[33].outcome,
        RevokeOutcome::Failed { .. }
    ));

    let retry = retry_failed(&summary, &input);
    let expected: Vec<BulkItem> = [3usize, 11, 19, 27, 33]
        .iter()
        .map(|&i| input[i].clone())
        .collect();
    assert_eq!(retry, expected);
    assert_eq!(unfinished(&summary, &input), expected);

    // The server still has exactly those five active.
    let mid = revoked_ids(&env).await;
    for (i, item) in input.iter().enumerate() {
        assert_eq!(
            mid.contains(&item.authorization_id),
            !expected.contains(&input[i])
        );
    }

    env.clear_requests().await;
    let (second, _) = run(&env, retry.clone(), &opts).await;
    assert_complete(&second, &retry);
    assert_eq!(second.revoked, 5);
    let sent: HashSet<String> = deletes(&env)
        .await
        .iter()
        .filter_map(|r| {
            let q = r["query"].as_str()?;
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "authorizationId")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    let retry_ids: HashSet<String> = retry.iter().map(|i| i.authorization_id.clone()).collect();
    assert_eq!(
        sent, retry_ids,
        "the second run sent DELETEs for exactly the failed subset"
    );
    assert_eq!(deletes(&env).await.len(), 5);

    let after = revoked_ids(&env).await;
    let requested: BTreeSet<String> = input.iter().map(|i| i.authorization_id.clone()).collect();
    assert_eq!(after, before.union(&requested).cloned().collect());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_over_http_leaves_the_unsent_tokens_active() {
    let env = common::start(Seed::Large(120)).await;
    let input: Vec<BulkItem> = revocable(&env).await.into_iter().take(60).collect();
    let before = revoked_ids(&env).await;
    env.fault(json!({"kind": "latency", "route": "pats.revoke", "latencyMs": 100}))
        .await;
    env.clear_requests().await;

    let client = client(&env);
    let cancel = CancellationToken::new();
    let opts = BulkOptions {
        max_concurrency: 4,
        ..options()
    };
    let summary = bulk_revoke(&client, input.clone(), &opts, &cancel, |p| {
        if p.done == 10 {
            cancel.cancel();
        }
    })
    .await;
    assert_complete(&summary, &input);
    assert!(summary.cancelled > 0);
    assert_eq!(summary.failed, 0);

    let sent = deletes(&env).await.len();
    assert_eq!(
        sent as u32, summary.revoked,
        "every sent token finished and was reported"
    );
    assert!(
        (10..=13).contains(&summary.revoked),
        "revoked {}",
        summary.revoked
    );
    let after = revoked_ids(&env).await;
    for result in &summary.results {
        let gone = after.contains(&result.authorization_id);
        match &result.outcome {
            RevokeOutcome::Revoked => assert!(gone),
            RevokeOutcome::Failed { error } => {
                assert_eq!(error.code, ErrorCode::Cancelled);
                assert!(!gone, "a cancelled token was revoked");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(after.len(), before.len() + summary.revoked as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_organization_that_refuses_the_sign_in_gets_few_requests() {
    let env = common::start(Seed::Large(150)).await;
    let me = env.sim.demo_user().oid;
    // The minted token is for the home tenant: fabrikam-tools (a guest organization) answers 401.
    let guest: Vec<BulkItem> = sim_tokens(&env)
        .await
        .into_iter()
        .filter(|t| t.1 == "fabrikam-tools" && t.2 != "revoked" && t.3 == me)
        .map(|(id, org, _, _)| BulkItem {
            organization: org,
            display_name: id.clone(),
            authorization_id: id,
        })
        .collect();
    assert!(guest.len() >= 20);
    let home: Vec<BulkItem> = revocable(&env).await.into_iter().take(20).collect();
    let input: Vec<BulkItem> = home
        .iter()
        .cloned()
        .zip(guest.iter().cloned())
        .flat_map(|(a, b)| [a, b])
        .collect();
    let before = revoked_ids(&env).await;

    let (summary, _) = run(&env, input.clone(), &options()).await;
    assert_complete(&summary, &input);
    assert_eq!((summary.revoked, summary.failed), (20, 20));
    for result in &summary.results {
        if let RevokeOutcome::Failed { error } = &result.outcome {
            assert_eq!(error.code, ErrorCode::SessionExpired);
        }
    }
    let to_guest = deletes(&env)
        .await
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or_default()
                .contains("fabrikam-tools")
        })
        .count();
    assert!(
        to_guest <= 8,
        "{to_guest} DELETEs went to the refusing organization"
    );
    let after = revoked_ids(&env).await;
    let home_ids: BTreeSet<String> = home.iter().map(|i| i.authorization_id.clone()).collect();
    assert_eq!(after, before.union(&home_ids).cloned().collect());
}
