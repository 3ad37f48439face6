//! Set-up for the core's tests against the simulator: a real simulator on loopback with its `/_sim/` control helpers
//! (`patdesk-test-support`'s [`TestSim`], reached through [`Env`]) and the core's client pointed at it.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use patdesk_core::client::{AzureDevOpsClient, ClientOptions, RetryPolicy};
use patdesk_core::credentials::{AccessTokenProvider, StaticToken};
use patdesk_core::endpoints::Endpoints;
use patdesk_sim::{Seed, SimOptions};
use patdesk_test_support::TestSim;
use serde_json::json;

/// A simulator and the core's client for the demo user. The simulator's fields (`sim`, `http`, `base`) and
/// control helpers (`control`, `fault`, `state`, `requests`, …) are reached through `Deref`.
pub struct Env {
    pub test_sim: TestSim,
    pub endpoints: Endpoints,
    pub client: AzureDevOpsClient,
    pub token: String,
}

impl Deref for Env {
    type Target = TestSim;

    fn deref(&self) -> &TestSim {
        &self.test_sim
    }
}

/// Short back-off so retry tests stay fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
    }
}

pub fn fast_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_secs(10),
        retry: fast_retry(),
    }
}

pub async fn start(seed: Seed) -> Env {
    start_with(SimOptions {
        seed,
        ..SimOptions::default()
    })
    .await
}

pub async fn start_with(opts: SimOptions) -> Env {
    let test_sim = TestSim::start(opts).await;
    let sim_json = serde_json::to_string(&test_sim.sim.endpoints()).unwrap();
    let endpoints = Endpoints::from_sim_json(&sim_json).expect("loopback endpoints are accepted");
    let token = test_sim
        .sim
        .mint_access_token(&test_sim.sim.demo_user().oid);
    let provider: Arc<dyn AccessTokenProvider> = Arc::new(StaticToken::new(token.clone()));
    let client = AzureDevOpsClient::new(endpoints.clone(), provider)
        .unwrap()
        .with_options(fast_options());
    Env {
        test_sim,
        endpoints,
        client,
        token,
    }
}

impl Env {
    pub fn client_with(&self, provider: Arc<dyn AccessTokenProvider>) -> AzureDevOpsClient {
        AzureDevOpsClient::new(self.endpoints.clone(), provider)
            .unwrap()
            .with_options(fast_options())
    }

    /// Seed one PAT for the demo user; returns its id.
    pub async fn seed_pat(
        &self,
        org: &str,
        name: &str,
        scope: &str,
        days: i64,
        revoked: bool,
    ) -> String {
        let valid_to = (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
        let v = self
            .control(
                reqwest::Method::POST,
                "pats",
                Some(json!({"org": org, "displayName": name, "scope": scope, "validTo": valid_to, "revoked": revoked})),
            )
            .await;
        v["authorizationId"].as_str().unwrap().to_string()
    }
}
