//! Set-up for the simulator's integration tests: a running simulator with its clock at a fixed date, a reqwest
//! client that never follows redirects and the `/_sim/` control helpers (`patdesk-test-support`'s
//! [`TestSim`], reached through [`Harness`]), plus helpers for the routes every test file here uses.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::ops::Deref;

use patdesk_sim::{Endpoints, SimOptions};
use patdesk_test_support::TestSim;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const API: &str = "api-version=7.1-preview.1";
pub const ADO: &str = "499b84ac-1321-427f-aa17-267ca6975798";
pub const CLIENT: &str = "872cd9fa-d31f-45e0-9eab-6e460a02d1f1";

/// A simulator started at `patdesk_test_support::test_now` and the demo user's access token. The simulator's fields (`sim`,
/// `http`, `base`) and control helpers (`control`, `state`, `set_clock`, …) are reached through `Deref`.
pub struct Harness {
    pub test_sim: TestSim,
    pub ep: Endpoints,
    pub token: String,
}

impl Deref for Harness {
    type Target = TestSim;

    fn deref(&self) -> &TestSim {
        &self.test_sim
    }
}

pub async fn start() -> Harness {
    start_with(SimOptions::default()).await
}

/// The simulator's "now" at the start of every test here is `patdesk_test_support::test_now` (2026-12-02T09:00:00Z), unless a
/// test sets its own `SimOptions::start_at`, so no test depends on the day it runs; tests move the clock with
/// `set_clock` and `shift_clock`.
pub async fn start_with(opts: SimOptions) -> Harness {
    let test_sim = TestSim::start_at_test_now(opts).await;
    let ep = test_sim.sim.endpoints();
    let token = test_sim
        .sim
        .mint_access_token(&test_sim.sim.demo_user().oid);
    Harness {
        test_sim,
        ep,
        token,
    }
}

impl Harness {
    pub fn pats(&self, org: &str) -> String {
        format!("{}/{org}/_apis/tokens/pats", self.ep.vssps)
    }

    /// A request to Azure DevOps with the demo user's token and the suppress header.
    pub fn ado(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .bearer_auth(&self.token)
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .header("Accept", "application/json")
    }

    pub async fn list(&self, org: &str, query: &str) -> Value {
        let url = format!(
            "{}?{API}{}{query}",
            self.pats(org),
            if query.is_empty() { "" } else { "&" }
        );
        let r = self.ado(reqwest::Method::GET, &url).send().await.unwrap();
        assert_eq!(r.status(), 200, "list {url}");
        r.json().await.unwrap()
    }

    /// Every page of a listing.
    pub async fn list_all(&self, org: &str, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cont = String::new();
        loop {
            let mut q = format!("{query}&$top=100");
            if !cont.is_empty() {
                q.push_str("&continuationToken=");
                q.push_str(
                    &url::form_urlencoded::byte_serialize(cont.as_bytes()).collect::<String>(),
                );
            }
            let page = self.list(org, q.trim_start_matches('&')).await;
            out.extend(page["patTokens"].as_array().unwrap().iter().cloned());
            cont = page["continuationToken"].as_str().unwrap().to_string();
            if cont.is_empty() {
                return out;
            }
        }
    }

    pub async fn create(&self, org: &str, body: Value) -> Value {
        let r = self
            .ado(reqwest::Method::POST, &format!("{}?{API}", self.pats(org)))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn update(&self, org: &str, body: Value) -> Value {
        let r = self
            .ado(reqwest::Method::PUT, &format!("{}?{API}", self.pats(org)))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn get_pat(&self, org: &str, id: &str) -> Value {
        let r = self
            .ado(
                reqwest::Method::GET,
                &format!("{}?authorizationId={id}&{API}", self.pats(org)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn revoke(&self, org: &str, id: &str) -> reqwest::Response {
        self.ado(
            reqwest::Method::DELETE,
            &format!("{}?authorizationId={id}&{API}", self.pats(org)),
        )
        .send()
        .await
        .unwrap()
    }

    /// POST to a control route; it must succeed.
    pub async fn ctl(&self, route: &str, body: Value) -> Value {
        self.control(reqwest::Method::POST, route, Some(body)).await
    }

    /// The simulator's "now".
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.sim.now()
    }

    /// A date `days` after the simulator's "now", in the contract's format.
    pub fn days_from_now(&self, days: i64) -> String {
        (self.now() + chrono::Duration::days(days))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    pub async fn new_pat(&self, org: &str, name: &str, scope: &str) -> Value {
        let v = self
            .create(org, json!({"displayName": name, "scope": scope, "validTo": self.days_from_now(30), "allOrgs": false}))
            .await;
        assert_eq!(v["patTokenError"], "none", "{v}");
        v["patToken"].clone()
    }
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn token_form(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Claims of a JWT-shaped token (no signature check).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}
