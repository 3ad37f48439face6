//! Shared set-up for the core's integration tests: a real simulator on loopback, a client pointed at it, and
//! helpers for the simulator's `/_sim/` control routes (faults, state, recorded requests).
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use patdesk_core::client::{AzureDevOpsClient, ClientOptions, RetryPolicy};
use patdesk_core::credentials::{AccessTokenProvider, StaticToken};
use patdesk_core::endpoints::Endpoints;
use patdesk_sim::{Seed, SimOptions, Simulator};
use serde_json::{json, Value};

pub const CONTOSO_WEB: &str = "contoso-web";
pub const CONTOSO_DATA: &str = "contoso-data";
/// The tenant of the demo user's guest organization `fabrikam-tools` (the simulator's seed).
pub const FABRIKAM_TENANT: &str = "8e1d4a7b-2c3f-4b5a-a6d9-0f1e2d3c4b5a";

pub struct Env {
    pub sim: Simulator,
    pub endpoints: Endpoints,
    pub client: AzureDevOpsClient,
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
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
    let sim = Simulator::start(opts).await.expect("simulator starts");
    let sim_json = serde_json::to_string(&sim.endpoints()).unwrap();
    let endpoints = Endpoints::from_sim_json(&sim_json).expect("loopback endpoints are accepted");
    let token = sim.mint_access_token(&sim.demo_user().oid);
    let provider: Arc<dyn AccessTokenProvider> = Arc::new(StaticToken::new(token.clone()));
    let client = AzureDevOpsClient::new(endpoints.clone(), provider)
        .unwrap()
        .with_options(fast_options());
    let base = sim.base_url();
    Env {
        sim,
        endpoints,
        client,
        http: reqwest::Client::new(),
        base,
        token,
    }
}

impl Env {
    pub fn client_with(&self, provider: Arc<dyn AccessTokenProvider>) -> AzureDevOpsClient {
        AzureDevOpsClient::new(self.endpoints.clone(), provider)
            .unwrap()
            .with_options(fast_options())
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}/_sim/{}", self.base, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("control route reachable");
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "control {path} failed: {status} {v}");
        v
    }

    pub async fn fault(&self, rule: Value) {
        self.control(reqwest::Method::POST, "faults", Some(rule))
            .await;
    }

    pub async fn clear_faults(&self) {
        self.control(reqwest::Method::DELETE, "faults", None).await;
    }

    pub async fn policies(&self, body: Value) {
        self.control(reqwest::Method::POST, "policies", Some(body))
            .await;
    }

    pub async fn switches(&self, body: Value) {
        self.control(reqwest::Method::POST, "switches", Some(body))
            .await;
    }

    pub async fn state(&self) -> Value {
        self.control(reqwest::Method::GET, "state", None).await
    }

    pub async fn requests(&self) -> Vec<Value> {
        match self.control(reqwest::Method::GET, "requests", None).await {
            Value::Array(a) => a,
            other => panic!("requests: {other}"),
        }
    }

    pub async fn clear_requests(&self) {
        self.control(reqwest::Method::DELETE, "requests", None)
            .await;
    }

    /// Recorded requests on one route (`pats.create`, …).
    pub async fn count_route(&self, route: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r["route"].as_str() == Some(route))
            .count()
    }

    /// Tokens in the simulator's state with this display name.
    pub async fn tokens_named(&self, name: &str) -> Vec<Value> {
        let st = self.state().await;
        st["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["displayName"].as_str() == Some(name))
            .cloned()
            .collect()
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
