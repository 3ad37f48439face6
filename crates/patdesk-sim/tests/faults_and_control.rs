//! Fault injection (every kind, the `afterEffect` create modes) and the `/_sim/` control routes, plus the
//! blocking start-up and the binary's one-line JSON.

mod common;

use common::*;
use patdesk_sim::{FaultKind, FaultRule, SimOptions, Simulator};
use patdesk_test_support::{date, test_now};
use reqwest::Method;
use serde_json::{json, Value};

fn create_body(h: &Harness, name: &str) -> Value {
    json!({"displayName": name, "scope": "vso.code", "validTo": h.days_from_now(10), "allOrgs": false})
}

async fn try_create(
    h: &Harness,
    name: &str,
    timeout_ms: Option<u64>,
) -> Result<reqwest::Response, reqwest::Error> {
    let mut rb = h
        .ado(Method::POST, &format!("{}?{API}", h.pats("contoso-web")))
        .json(&create_body(h, name));
    if let Some(ms) = timeout_ms {
        rb = rb.timeout(std::time::Duration::from_millis(ms));
    }
    rb.send().await
}

async fn created_count(h: &Harness, name: &str) -> usize {
    h.state().await["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["displayName"] == name)
        .count()
}

#[tokio::test]
async fn status_fault_with_and_without_after_effect() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "status", "route": "pats.create", "status": 500, "count": 1}),
    )
    .await;
    let r = try_create(&h, "s-default", None).await.unwrap();
    assert_eq!(r.status(), 500);
    let v: Value = r.json().await.unwrap();
    assert!(v["typeKey"].is_string() && v["message"].is_string());
    assert_eq!(
        created_count(&h, "s-default").await,
        0,
        "not performed by default"
    );

    h.ctl("faults", json!({"kind": "status", "route": "pats.create", "status": 500, "count": 1, "afterEffect": true})).await;
    let r = try_create(&h, "s-after", None).await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(
        created_count(&h, "s-after").await,
        1,
        "performed, then failed"
    );
    // The rule expired after one hit.
    assert_eq!(try_create(&h, "s-ok", None).await.unwrap().status(), 200);
}

#[tokio::test]
async fn reset_fault_is_a_connection_error() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "reset", "route": "pats.create", "count": 1}),
    )
    .await;
    let e = try_create(&h, "r-default", None).await.unwrap_err();
    assert!(!e.is_timeout() && e.status().is_none(), "{e:?}");
    assert_eq!(created_count(&h, "r-default").await, 0);
    h.ctl(
        "faults",
        json!({"kind": "reset", "route": "pats.create", "count": 1, "afterEffect": true}),
    )
    .await;
    assert!(try_create(&h, "r-after", None).await.is_err());
    assert_eq!(created_count(&h, "r-after").await, 1);
    // The server keeps serving.
    assert_eq!(try_create(&h, "r-ok", None).await.unwrap().status(), 200);
}

#[tokio::test]
async fn timeout_fault_holds_the_request() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "timeout", "route": "pats.create", "count": 1}),
    )
    .await;
    let e = try_create(&h, "t-default", Some(300)).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(created_count(&h, "t-default").await, 0);
    h.ctl(
        "faults",
        json!({"kind": "timeout", "route": "pats.create", "count": 1, "afterEffect": true}),
    )
    .await;
    assert!(try_create(&h, "t-after", Some(300))
        .await
        .unwrap_err()
        .is_timeout());
    assert_eq!(created_count(&h, "t-after").await, 1);
}

#[tokio::test]
async fn latency_fault_delays_until_a_client_timeout_fires() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "latency", "route": "pats.list", "latencyMs": 3000, "count": 1}),
    )
    .await;
    let url = format!("{}?{API}", h.pats("contoso-web"));
    let e = h
        .ado(Method::GET, &url)
        .timeout(std::time::Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(e.is_timeout());
    assert_eq!(h.ado(Method::GET, &url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn rate_limit_answers_429_with_headers() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "rateLimit", "route": "pats.list", "ratePerSec": 1.0}),
    )
    .await;
    let url = format!("{}?{API}", h.pats("contoso-web"));
    let results = futures::future::join_all((0..6).map(|_| h.ado(Method::GET, &url).send())).await;
    let throttled: Vec<reqwest::Response> = results
        .into_iter()
        .map(Result::unwrap)
        .filter(|r| r.status() == 429)
        .collect();
    assert!(!throttled.is_empty());
    let r = throttled.into_iter().next().unwrap();
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    for hname in [
        "x-ratelimit-resource",
        "x-ratelimit-delay",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(r.headers().contains_key(hname), "{hname}");
    }
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().starts_with("TF400733"));
    // Other routes are not limited.
    let p = format!(
        "{}/_apis/profile/profiles/me?api-version=7.1",
        h.ep.app_vssps
    );
    for _ in 0..4 {
        assert_eq!(h.ado(Method::GET, &p).send().await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn malformed_json_html203_and_pat_error_faults() {
    let h = start().await;
    let url = format!("{}?{API}", h.pats("contoso-web"));
    h.ctl(
        "faults",
        json!({"kind": "malformedJson", "route": "pats.list", "count": 1}),
    )
    .await;
    let r = h.ado(Method::GET, &url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).is_err());

    h.ctl(
        "faults",
        json!({"kind": "html203", "route": "pats.list", "count": 1}),
    )
    .await;
    let r = h.ado(Method::GET, &url).send().await.unwrap();
    assert_eq!(r.status(), 203);
    assert!(r.text().await.unwrap().contains("Sign In"));

    h.ctl(
        "faults",
        json!({"kind": "patError", "route": "pats.create", "count": 1}),
    )
    .await;
    let v = h.create("contoso-web", create_body(&h, "pe")).await;
    assert_eq!(
        v,
        json!({"patToken": null, "patTokenError": "failedToReadTenantPolicy"})
    );
    assert_eq!(created_count(&h, "pe").await, 0);
    h.ctl("faults", json!({"kind": "patError", "route": "pats.update", "patError": "failedToUpdateAccessToken", "count": 1})).await;
    let p = h.new_pat("contoso-web", "pe2", "vso.code").await;
    let v = h
        .update(
            "contoso-web",
            json!({"authorizationId": p["authorizationId"], "displayName": "x"}),
        )
        .await;
    assert_eq!(v["patTokenError"], "failedToUpdateAccessToken");
}

#[tokio::test]
async fn faults_target_one_authorization_id_and_respect_ratio() {
    let h = start().await;
    let a = h.new_pat("contoso-web", "a", "vso.code").await["authorizationId"]
        .as_str()
        .unwrap()
        .to_string();
    let b = h.new_pat("contoso-web", "b", "vso.code").await["authorizationId"]
        .as_str()
        .unwrap()
        .to_string();
    h.ctl(
        "faults",
        json!({"kind": "status", "route": "pats.revoke", "status": 503, "authorizationId": a}),
    )
    .await;
    h.ctl(
        "faults",
        json!({"kind": "status", "route": "*", "status": 500, "ratio": 0.0}),
    )
    .await;
    assert_eq!(h.revoke("contoso-web", &a).await.status(), 503);
    assert_eq!(h.revoke("contoso-web", &b).await.status(), 204);
    h.http
        .delete(format!("{}/_sim/faults", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(h.revoke("contoso-web", &a).await.status(), 204);
}

#[tokio::test]
async fn entra_faults_use_the_entra_error_body() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "status", "route": "entra.devicecode", "status": 503, "count": 1}),
    )
    .await;
    let r = h
        .http
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            h.ep.login
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&[
            ("client_id", CLIENT),
            ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "temporarily_unavailable");
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

fn number(r: &reqwest::Response, name: &str) -> f64 {
    header(r, name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .parse()
        .unwrap()
}

/// `n` listings of contoso-web sent at once.
async fn list_at_once(h: &Harness, n: usize) -> Vec<reqwest::Response> {
    let url = format!("{}?{API}", h.pats("contoso-web"));
    futures::future::join_all((0..n).map(|_| h.ado(Method::GET, &url).send()))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

/// §2.15: while a rate-limit rule is active, the answers it lets through announce the limit, what is left of
/// it and when the window is empty again, on the simulator's clock.
#[tokio::test]
async fn rate_limit_announces_the_limit_on_the_answers_it_lets_through() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "rateLimit", "route": "pats.list", "ratePerSec": 3}),
    )
    .await;
    let answers = list_at_once(&h, 4).await;
    let (ok, refused): (Vec<&reqwest::Response>, Vec<&reqwest::Response>) =
        answers.iter().partition(|r| r.status() == 200);
    assert_eq!((ok.len(), refused.len()), (3, 1));
    let mut left: Vec<f64> = ok
        .iter()
        .map(|r| number(r, "x-ratelimit-remaining"))
        .collect();
    left.sort_by(f64::total_cmp);
    assert_eq!(left, [0.0, 1.0, 2.0], "one fewer left with each request");
    for r in &ok {
        assert_eq!(number(r, "x-ratelimit-limit"), 3.0);
        assert!(header(r, "x-ratelimit-resource").is_some());
        // The window empties at most a second after the newest request, on the simulator's clock (pinned
        // near test_now(), whose `Date` has whole seconds); the time has milliseconds.
        let date = chrono::DateTime::parse_from_rfc2822(&header(r, "date").unwrap())
            .unwrap()
            .timestamp() as f64;
        assert!((date - test_now().timestamp() as f64).abs() < 600.0);
        let reset = number(r, "x-ratelimit-reset");
        assert!(
            reset > date && reset <= date + 2.0,
            "reset {reset}, date {date}"
        );
        assert!(
            header(r, "retry-after").is_none() && header(r, "x-ratelimit-delay").is_none(),
            "nothing was delayed"
        );
    }
    // The refusal is the usual 429 with its own headers.
    assert_eq!(
        header(refused[0], "x-ratelimit-remaining").as_deref(),
        Some("0")
    );
    assert!(header(refused[0], "retry-after").is_some());
    // Other routes are not limited, and say nothing.
    let p = format!(
        "{}/_apis/profile/profiles/me?api-version=7.1",
        h.ep.app_vssps
    );
    let r = h.ado(Method::GET, &p).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(header(&r, "x-ratelimit-remaining").is_none());
    // Once the rule is gone, nothing is announced.
    h.clear_faults().await;
    for r in list_at_once(&h, 2).await {
        assert_eq!(r.status(), 200);
        assert!(header(&r, "x-ratelimit-limit").is_none());
    }
}

/// `announce: false`: the limit is only told by the 429 (§11: the client must cope without the headers).
#[tokio::test]
async fn a_silent_rate_limit_says_nothing_until_it_refuses() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "rateLimit", "route": "pats.list", "ratePerSec": 2, "announce": false}),
    )
    .await;
    let answers = list_at_once(&h, 3).await;
    for r in answers.iter().filter(|r| r.status() == 200) {
        assert!(header(r, "x-ratelimit-remaining").is_none());
        assert!(header(r, "x-ratelimit-reset").is_none());
    }
    assert_eq!(answers.iter().filter(|r| r.status() == 429).count(), 1);
}

/// `maxDelayMs`: beyond the rate, a request is first held back and answered late with `X-RateLimit-Delay`,
/// `Retry-After` and nothing remaining; only a longer wait is refused.
#[tokio::test]
async fn rate_limit_first_delays_then_blocks() {
    let h = start().await;
    h.ctl(
        "faults",
        json!({"kind": "rateLimit", "route": "pats.list", "ratePerSec": 2, "maxDelayMs": 5000}),
    )
    .await;
    let answers = list_at_once(&h, 3).await;
    assert!(
        answers.iter().all(|r| r.status() == 200),
        "held back, not refused"
    );
    let delayed: Vec<&reqwest::Response> = answers
        .iter()
        .filter(|r| header(r, "x-ratelimit-delay").is_some())
        .collect();
    assert_eq!(delayed.len(), 1);
    let r = delayed[0];
    assert!(number(r, "x-ratelimit-delay") > 0.0);
    assert!(number(r, "retry-after") >= 1.0);
    assert_eq!(number(r, "x-ratelimit-remaining"), 0.0);

    h.clear_faults().await;
    h.ctl(
        "faults",
        json!({"kind": "rateLimit", "route": "pats.list", "ratePerSec": 1, "maxDelayMs": 1}),
    )
    .await;
    let answers = list_at_once(&h, 3).await;
    assert!(answers.iter().any(|r| r.status() == 429));
}

#[tokio::test]
async fn initial_faults_from_options() {
    let rule = FaultRule {
        status: Some(500),
        route: Some("profile".into()),
        ..FaultRule::new(FaultKind::Status)
    };
    let h = start_with(SimOptions {
        faults: vec![rule],
        ..SimOptions::default()
    })
    .await;
    let r = h
        .ado(
            Method::GET,
            &format!("{}/_apis/profile/profiles/me", h.ep.app_vssps),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
}

#[tokio::test]
async fn control_state_requests_and_seed() {
    let h = start().await;
    let s = h.state().await;
    for k in [
        "now",
        "users",
        "organizations",
        "tokens",
        "requestCount",
        "revokeCalls",
    ] {
        assert!(!s[k].is_null(), "{k}");
    }
    let t = &s["tokens"][0];
    for k in [
        "authorizationId",
        "displayName",
        "scope",
        "targetAccounts",
        "validFrom",
        "validTo",
        "status",
        "ownerOid",
        "org",
    ] {
        assert!(t.get(k).is_some(), "{k}");
    }
    assert!(t.get("token").is_none());
    let u = &s["users"][0];
    for k in ["oid", "displayName", "email", "tenantId"] {
        assert!(u[k].is_string());
    }
    assert_eq!(s["requestCount"], 0);

    let url = format!(
        "{}/contoso-web/_apis/Tokens/Pats?{API}&%24top=5",
        h.ep.vssps
    );
    h.ado(Method::GET, &url).send().await.unwrap();
    let log: Value = h
        .http
        .get(format!("{}/_sim/requests", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &log[0];
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/vssps/contoso-web/_apis/Tokens/Pats");
    assert!(first["query"].as_str().unwrap().contains("%24top=5"));
    assert_eq!(first["route"], "pats.list");
    assert_eq!(first["status"], 200);
    assert!(!first["headers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h[0] == "authorization"));
    assert_eq!(h.state().await["requestCount"], 1);
    h.http
        .delete(format!("{}/_sim/requests", h.base))
        .send()
        .await
        .unwrap();
    let log: Value = h
        .http
        .get(format!("{}/_sim/requests", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log, json!([]));

    // Seeding a PAT directly, then resetting the world.
    let id = h.ctl("pats", json!({"org": "contoso-web", "displayName": "seeded", "scope": "vso.code", "validTo": h.days_from_now(4), "global": true})).await;
    let v = h
        .get_pat("contoso-data", id["authorizationId"].as_str().unwrap())
        .await;
    assert_eq!(v["patToken"]["displayName"], "seeded");
    h.ctl("seed", json!({"seed": "empty"})).await;
    assert_eq!(h.state().await["tokens"], json!([]));
    assert_eq!(
        h.list("contoso-web", "").await,
        json!({"continuationToken": "", "patTokens": []})
    );
    h.ctl("seed", json!({"seed": "large:250"})).await;
    assert_eq!(h.state().await["tokens"].as_array().unwrap().len(), 250);
    let r = h
        .http
        .post(format!("{}/_sim/seed", h.base))
        .json(&json!({"seed": "huge"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn control_clock_switch_validation_and_unknown_device_code() {
    let h = start().await;
    let before =
        chrono::DateTime::parse_from_rfc3339(h.state().await["now"].as_str().unwrap()).unwrap();
    h.shift_clock(86400).await;
    let after =
        chrono::DateTime::parse_from_rfc3339(h.state().await["now"].as_str().unwrap()).unwrap();
    assert!((after - before).num_hours() >= 23);
    let r = h
        .http
        .post(format!("{}/_sim/switches", h.base))
        .json(&json!({"noSuchSwitch": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = h
        .http
        .post(format!("{}/_sim/switches", h.base))
        .json(&json!({"revokeSuccessStatus": 418}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = h
        .http
        .post(format!("{}/_sim/device/approve", h.base))
        .json(&json!({"userCode": "NOPE1234"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = h
        .http
        .post(format!("{}/_sim/faults", h.base))
        .json(&json!({"kind": "explode"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let id = h
        .ctl("faults", json!({"kind": "latency", "latencyMs": 1}))
        .await;
    assert!(id["id"].as_u64().unwrap() >= 1);
}

#[test]
fn start_blocking_runs_without_a_runtime() {
    let sim = Simulator::start_blocking(SimOptions::default()).unwrap();
    let base = sim.base_url();
    let ep = sim.endpoints();
    assert_eq!(ep.login, format!("{base}/login"));
    let token = sim.mint_access_token(&sim.demo_user().oid);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/_apis/profile/profiles/me", ep.app_vssps))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    drop(sim);
}

#[tokio::test]
async fn binary_prints_one_json_line() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_patdesk-sim"))
        .args(["--port", "0", "--seed", "empty", "--auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().unwrap();
    let ep: patdesk_sim::Endpoints = serde_json::from_str(&line).unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 4);
    let base = ep.login.trim_end_matches("/login").to_string();
    let s: Value = reqwest::get(format!("{base}/_sim/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["tokens"], json!([]));
    child.kill().await.unwrap();
}

#[tokio::test]
async fn every_answer_carries_the_simulators_clock_in_date() {
    let h = start().await;
    let date_of = |r: &reqwest::Response| {
        chrono::DateTime::parse_from_rfc2822(r.headers()["date"].to_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let url = format!(
        "{}/_apis/profile/profiles/me?api-version=7.1",
        h.ep.app_vssps
    );
    let r = h.ado(reqwest::Method::GET, &url).send().await.unwrap();
    assert!(
        (date_of(&r) - test_now()).num_minutes().abs() < 5,
        "{:?}",
        date_of(&r)
    );
    h.set_clock(date("2027-03-01T12:00:00Z")).await;
    let r = h.ado(reqwest::Method::GET, &url).send().await.unwrap();
    assert_eq!(
        date_of(&r).date_naive(),
        date("2027-03-01T12:00:00Z").date_naive()
    );
}
