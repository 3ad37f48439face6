//! Proactive pacing (contract §2.15) over real loopback HTTP: while the simulator's `rateLimit` rule is active it
//! announces its limit on every answer (`X-RateLimit-Limit`, `-Remaining`, `-Reset`), and the bulk-revoke engine
//! and the listing slow down before the server says `429`. What is checked is the simulator's request log (the
//! status of every answer it gave) and its state, never how long anything took. The simulator's clock is
//! pinned, so its `X-RateLimit-Reset` is on another clock than the machine's, as it may be for a real server.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use crate::bulk_sim::{deletes, revocable, revoked_ids};
use crate::common::{self, Env};
use patdesk_core::bulk::{bulk_revoke, BulkItem, BulkOptions, CancellationToken};
use patdesk_core::client::{AzureDevOpsClient, ClientOptions, RetryPolicy};
use patdesk_core::credentials::{AccessTokenProvider, StaticToken};
use patdesk_core::listing::list_across;
use patdesk_core::model::{ListFilter, Organization};
use patdesk_sim::{Seed, SimOptions};
use patdesk_test_support::{test_now, CONTOSO_TENANT};
use serde_json::{json, Value};

async fn start(seed: Seed) -> Env {
    common::start_with(SimOptions {
        seed,
        start_at: Some(test_now()),
        ..SimOptions::default()
    })
    .await
}

/// A client with the default, patient waits: a wait the server announces is honoured in full (the suite's
/// usual client caps every wait at 50 ms).
fn patient_client(env: &Env, retry: RetryPolicy) -> AzureDevOpsClient {
    let provider: Arc<dyn AccessTokenProvider> = Arc::new(StaticToken::new(env.token.clone()));
    AzureDevOpsClient::new(env.endpoints.clone(), provider)
        .unwrap()
        .with_options(ClientOptions {
            request_timeout: Duration::from_secs(10),
            retry,
        })
}

/// How many answers of each status the simulator gave to `requests`.
fn statuses<'a>(requests: impl IntoIterator<Item = &'a Value>) -> BTreeMap<u64, usize> {
    requests.into_iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r["status"].as_u64().unwrap_or_default())
            .or_default() += 1;
        m
    })
}

fn authorization_id(request: &Value) -> String {
    let query = request["query"].as_str().unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "authorizationId")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_revoke_under_an_announced_limit_is_never_throttled() {
    let env = start(Seed::Large(400)).await;
    let input: Vec<BulkItem> = revocable(&env).await.into_iter().take(100).collect();
    assert_eq!(input.len(), 100, "the seed has 100 tokens to revoke");
    let before = revoked_ids(&env).await;
    // 20 requests a second, announced on every answer: the engine's 8 parallel requests would overrun it
    // within the first second if it only learned of the limit from 429s.
    env.fault(json!({"kind": "rateLimit", "route": "pats.revoke", "ratePerSec": 20}))
        .await;
    env.clear_requests().await;

    let client = patient_client(&env, RetryPolicy::none());
    let summary = bulk_revoke(
        &client,
        input.clone(),
        &BulkOptions::default(),
        &CancellationToken::new(),
        |_| {},
    )
    .await;

    assert_eq!(
        (
            summary.revoked,
            summary.already_gone,
            summary.failed,
            summary.cancelled
        ),
        (100, 0, 0, 0)
    );
    let sent = deletes(&env).await;
    assert_eq!(
        statuses(&sent),
        BTreeMap::from([(204, 100)]),
        "every DELETE answered 204, none 429"
    );
    // One DELETE per token: nothing was sent, let alone revoked, twice.
    let ids: Vec<String> = sent.iter().map(authorization_id).collect();
    let distinct: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), distinct.len());
    let requested: BTreeSet<String> = input.iter().map(|i| i.authorization_id.clone()).collect();
    assert_eq!(distinct, requested);
    // The server agrees: exactly these were revoked, none lost.
    let after = revoked_ids(&env).await;
    assert_eq!(after, before.union(&requested).cloned().collect());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_under_an_announced_limit_is_never_throttled() {
    let env = start(Seed::Large(1200)).await;
    let state = env.state().await;
    let orgs: Vec<Organization> = state["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["tenantId"] == CONTOSO_TENANT)
        .map(|o| {
            Organization::new(
                o["accountId"].as_str().unwrap(),
                o["accountName"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(orgs.len() >= 2);
    let client = Arc::new(patient_client(&env, RetryPolicy::default()));
    let groups = [(client, orgs)];
    let unlimited = list_across(&groups, ListFilter::All, |_| {}).await.unwrap();

    // 4 pages a second, announced: as many as the 4 listings run in parallel send before any answer has told
    // them the limit, and far fewer than they would send in a second after that.
    env.fault(json!({"kind": "rateLimit", "route": "pats.list", "ratePerSec": 4}))
        .await;
    env.clear_requests().await;
    let paced = list_across(&groups, ListFilter::All, |_| {}).await.unwrap();

    assert!(paced.unavailable.is_empty(), "{:?}", paced.unavailable);
    let ids = |tokens: &[patdesk_core::model::PatToken]| -> BTreeSet<String> {
        tokens.iter().map(|t| t.authorization_id.clone()).collect()
    };
    assert_eq!(
        ids(&paced.tokens),
        ids(&unlimited.tokens),
        "the same tokens"
    );
    let requests = env.requests().await;
    let pages: Vec<&Value> = requests
        .iter()
        .filter(|r| r["route"] == "pats.list")
        .collect();
    assert!(
        pages.len() > 8,
        "more pages ({}) than two windows of the limit hold",
        pages.len()
    );
    assert_eq!(
        statuses(pages.iter().copied()),
        BTreeMap::from([(200, pages.len())]),
        "no page was refused"
    );
}
