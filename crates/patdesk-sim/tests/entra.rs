//! Microsoft Entra ID flows (§3.4–§3.8, checklist items 5–10): authorization code with PKCE and a loopback
//! redirect, refresh-token rotation, every device-code state, and the §3.7 error body.

mod common;

use common::*;
use patdesk_sim::SimOptions;
use serde_json::{json, Value};

const SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access openid profile";

fn authorize_url(
    h: &Harness,
    tenant: &str,
    redirect: &str,
    challenge: &str,
    state: &str,
    scope: &str,
) -> String {
    format!(
        "{}/{tenant}/oauth2/v2.0/authorize?{}",
        h.ep.login,
        token_form(&[
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("response_mode", "query"),
            ("scope", scope),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
    )
}

fn query_of(location: &str) -> Vec<(String, String)> {
    let u = url::Url::parse(location).unwrap();
    u.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn q<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

async fn post_owned(h: &Harness, pairs: Vec<(String, String)>) -> (u16, Value) {
    let p: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    token_post(h, "organizations", &p).await
}

async fn token_post(h: &Harness, tenant: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    let r = h
        .http
        .post(format!("{}/{tenant}/oauth2/v2.0/token", h.ep.login))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(pairs))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn assert_entra_error(v: &Value, error: &str, code: u32) {
    assert_eq!(v["error"], error, "{v}");
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .starts_with(&format!("AADSTS{code}:")),
        "{v}"
    );
    assert_eq!(v["error_codes"], json!([code]));
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(v[k].is_string(), "{k} in {v}");
    }
}

/// Signs in through the sign-in page (no auto-approve) and returns (code, state) from the redirect.
async fn sign_in_via_page(
    h: &Harness,
    redirect: &str,
    challenge: &str,
    state: &str,
) -> (String, String) {
    let r = h
        .http
        .get(authorize_url(
            h,
            "organizations",
            redirect,
            challenge,
            state,
            SCOPE,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Sign in as Dana Whitfield"));
    let action = page
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let request = page
        .split("name=\"request\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let user = page
        .split("name=\"user\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(user, h.sim.demo_user().oid);
    let r = h
        .http
        .post(action)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&[("request", &request), ("user", &user)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(redirect));
    let pairs = query_of(&location);
    (
        q(&pairs, "code").unwrap().to_string(),
        q(&pairs, "state").unwrap().to_string(),
    )
}

#[tokio::test]
async fn authorization_code_with_pkce_end_to_end() {
    let h = start().await;
    let (verifier, challenge) = pkce();
    let redirect = "http://localhost:51234";
    let (code, state) = sign_in_via_page(&h, redirect, &challenge, "st-42").await;
    assert_eq!(state, "st-42", "state round trip");
    let (status, v) = token_post(
        &h,
        "organizations",
        &[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
            (
                "scope",
                "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access",
            ),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert!(v["scope"]
        .as_str()
        .unwrap()
        .contains("499b84ac-1321-427f-aa17-267ca6975798/"));
    assert!(v["refresh_token"].is_string());
    assert!(
        v["id_token"].is_string(),
        "openid was asked for at authorize"
    );
    let c = claims(v["access_token"].as_str().unwrap());
    let dana = h.sim.demo_user();
    assert_eq!(c["aud"], ADO);
    assert_eq!(c["oid"], dana.oid.as_str());
    assert_eq!(c["tid"], dana.tenant_id.as_str());
    assert_eq!(c["upn"], dana.email.as_str());
    assert_eq!(c["name"], "Dana Whitfield");
    for k in ["exp", "nbf", "iat"] {
        assert!(c[k].is_i64());
    }
    assert!(c["scp"].as_str().unwrap().contains("vso.pats"));
    // The token works on Azure DevOps.
    let r = h
        .http
        .get(format!(
            "{}/_apis/profile/profiles/me?api-version=7.1",
            h.ep.app_vssps
        ))
        .bearer_auth(v["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The code is single-use.
    let (status, v) = token_post(
        &h,
        "organizations",
        &[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_entra_error(&v, "invalid_grant", 54005);
}

#[tokio::test]
async fn code_redemption_checks() {
    let h = start_with(SimOptions {
        auto_approve: true,
        ..SimOptions::default()
    })
    .await;
    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:40404/callback";
    let r = h.http.get(authorize_url(&h, "organizations", redirect, &challenge, "s", "499b84ac-1321-427f-aa17-267ca6975798/vso.pats 499b84ac-1321-427f-aa17-267ca6975798/vso.pats_manage")).send().await.unwrap();
    assert_eq!(r.status(), 302, "auto-approve redirects at once");
    let code = q(&query_of(r.headers()["location"].to_str().unwrap()), "code")
        .unwrap()
        .to_string();
    let base = |code: &str, redirect: &str, verifier: &str| {
        vec![
            ("client_id".to_string(), CLIENT.to_string()),
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), code.to_string()),
            ("redirect_uri".into(), redirect.to_string()),
            ("code_verifier".into(), verifier.to_string()),
        ]
    };
    // Wrong verifier.
    let (wrong, _) = pkce();
    let (s, v) = post_owned(&h, base(&code, redirect, &wrong)).await;
    assert_eq!(s, 400);
    assert_entra_error(&v, "invalid_grant", 501481);
    // Redirect URI must be byte-identical.
    let (s, v) = post_owned(
        &h,
        base(&code, "http://127.0.0.1:40404/callback/", &verifier),
    )
    .await;
    assert_eq!(s, 400);
    assert_entra_error(&v, "invalid_grant", 500112);
    // A client secret is refused for a public client.
    let mut p = base(&code, redirect, &verifier);
    p.push(("client_secret".into(), "s3cret".into()));
    let (_, v) = post_owned(&h, p).await;
    assert_entra_error(&v, "invalid_client", 700025);
    // Another client id.
    let mut p = base(&code, redirect, &verifier);
    p[0].1 = "patdesk-test-client".into();
    let (_, v) = post_owned(&h, p).await;
    assert_eq!(v["error"], "invalid_grant");
    // An Origin header (webview) is refused with AADSTS90023.
    let r = h
        .http
        .post(format!("{}/organizations/oauth2/v2.0/token", h.ep.login))
        .header("Origin", "http://tauri.localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_entra_error(&r.json().await.unwrap(), "invalid_request", 90023);
    // The right request still works (failed attempts did not use the code up), without refresh/id token.
    let (s, v) = post_owned(&h, base(&code, redirect, &verifier)).await;
    assert_eq!(s, 200, "{v}");
    assert!(v.get("refresh_token").is_none(), "no offline_access");
    assert!(v.get("id_token").is_none(), "no openid");
    assert_eq!(
        claims(v["access_token"].as_str().unwrap())["scp"],
        "vso.pats vso.pats_manage"
    );
}

#[tokio::test]
async fn codes_expire_after_ten_minutes() {
    let h = start_with(SimOptions {
        auto_approve: true,
        ..SimOptions::default()
    })
    .await;
    let (verifier, challenge) = pkce();
    let redirect = "http://localhost:5000";
    let r = h
        .http
        .get(authorize_url(
            &h,
            "organizations",
            redirect,
            &challenge,
            "s",
            SCOPE,
        ))
        .send()
        .await
        .unwrap();
    let code = q(&query_of(r.headers()["location"].to_str().unwrap()), "code")
        .unwrap()
        .to_string();
    h.shift_clock(601).await;
    let (s, v) = token_post(
        &h,
        "organizations",
        &[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_entra_error(&v, "invalid_grant", 70008);
}

#[tokio::test]
async fn authorize_validation() {
    let h = start().await;
    let (_, challenge) = pkce();
    // [::1] and non-loopback redirects are refused on a page (never redirected to).
    for bad in [
        "http://[::1]:5000",
        "https://localhost:5000",
        "http://example.com:5000",
    ] {
        let r = h
            .http
            .get(authorize_url(
                &h,
                "organizations",
                bad,
                &challenge,
                "s",
                SCOPE,
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.text().await.unwrap().contains("AADSTS50011"));
    }
    // Unknown client.
    let url = authorize_url(
        &h,
        "organizations",
        "http://localhost:1",
        &challenge,
        "s",
        SCOPE,
    )
    .replace(CLIENT, "unknown-client");
    let r = h.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("AADSTS700016"));
    // Plain PKCE, missing challenge, unqualified scope and wrong response_type come back on the redirect, with state.
    let cases = [
        (
            authorize_url(
                &h,
                "organizations",
                "http://localhost:1",
                &challenge,
                "s1",
                SCOPE,
            )
            .replace("S256", "plain"),
            "invalid_request",
        ),
        (
            authorize_url(&h, "organizations", "http://localhost:1", "", "s1", SCOPE),
            "invalid_request",
        ),
        (
            authorize_url(
                &h,
                "organizations",
                "http://localhost:1",
                &challenge,
                "s1",
                "vso.code offline_access",
            ),
            "invalid_scope",
        ),
        (
            authorize_url(
                &h,
                "organizations",
                "http://localhost:1",
                &challenge,
                "s1",
                SCOPE,
            )
            .replace("response_type=code", "response_type=token"),
            "unsupported_response_type",
        ),
    ];
    for (url, error) in cases {
        let r = h.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 302, "{url}");
        let pairs = query_of(r.headers()["location"].to_str().unwrap());
        assert_eq!(q(&pairs, "error"), Some(error), "{url}");
        assert_eq!(q(&pairs, "state"), Some("s1"));
        assert!(q(&pairs, "error_description")
            .unwrap()
            .starts_with("AADSTS"));
    }
    // The test switch for interactive errors.
    h.ctl("switches", json!({"authorizeError": "consent_required"}))
        .await;
    let r = h
        .http
        .get(authorize_url(
            &h,
            "organizations",
            "http://localhost:1",
            &challenge,
            "s2",
            SCOPE,
        ))
        .send()
        .await
        .unwrap();
    let pairs = query_of(r.headers()["location"].to_str().unwrap());
    assert_eq!(q(&pairs, "error"), Some("consent_required"));
}

#[tokio::test]
async fn cancel_on_the_sign_in_page_is_access_denied() {
    let h = start().await;
    let (_, challenge) = pkce();
    let page = h
        .http
        .get(authorize_url(
            &h,
            "organizations",
            "http://localhost:7",
            &challenge,
            "zz",
            SCOPE,
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cancel = page
        .split("id=\"cancel\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let r = h.http.get(cancel).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let pairs = query_of(r.headers()["location"].to_str().unwrap());
    assert_eq!(q(&pairs, "error"), Some("access_denied"));
    assert_eq!(q(&pairs, "state"), Some("zz"));
}

async fn device_start(h: &Harness, client: &str, scope: &str) -> (u16, Value) {
    let r = h
        .http
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            h.ep.login
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&[("client_id", client), ("scope", scope)]))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn device_poll(h: &Harness, device_code: &str) -> (u16, Value) {
    token_post(
        h,
        "organizations",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", CLIENT),
            ("device_code", device_code),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_approved_through_the_control_route() {
    let h = start().await;
    let (s, v) = device_start(&h, CLIENT, SCOPE).await;
    assert_eq!(s, 200);
    for k in [
        "user_code",
        "device_code",
        "verification_uri",
        "expires_in",
        "interval",
        "message",
    ] {
        assert!(!v[k].is_null(), "{k}");
    }
    assert!(v.get("verification_uri_complete").is_none());
    assert_eq!(v["expires_in"], 900);
    assert_eq!(v["interval"], 5);
    let user_code = v["user_code"].as_str().unwrap();
    assert!(v["message"].as_str().unwrap().contains(user_code));
    let dc = v["device_code"].as_str().unwrap();
    let (s, p) = device_poll(&h, dc).await;
    assert_eq!(s, 400);
    assert_entra_error(&p, "authorization_pending", 70016);
    h.ctl("device/approve", json!({"userCode": user_code}))
        .await;
    let (s, t) = device_poll(&h, dc).await;
    assert_eq!(s, 200, "{t}");
    assert!(t["refresh_token"].is_string() && t["id_token"].is_string());
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["oid"],
        h.sim.demo_user().oid.as_str()
    );
    let (s, _) = device_poll(&h, dc).await;
    assert_eq!(s, 400, "a device code is redeemed once");
}

#[tokio::test]
async fn device_code_declined_expired_bad_and_slow_down() {
    let h = start().await;
    let (_, v) = device_start(&h, CLIENT, SCOPE).await;
    h.ctl("device/decline", json!({"userCode": v["user_code"]}))
        .await;
    let (_, p) = device_poll(&h, v["device_code"].as_str().unwrap()).await;
    assert_eq!(p["error"], "authorization_declined");

    let (_, p) = device_poll(&h, "DAQABAAEAAADnot-a-real-code").await;
    assert_eq!(p["error"], "bad_verification_code");

    h.ctl("switches", json!({"deviceSlowDownPolls": 1})).await;
    let (_, v) = device_start(&h, CLIENT, SCOPE).await;
    let dc = v["device_code"].as_str().unwrap().to_string();
    let (_, p) = device_poll(&h, &dc).await;
    assert_eq!(p["error"], "slow_down");
    let (_, p) = device_poll(&h, &dc).await;
    assert_eq!(p["error"], "authorization_pending");

    h.shift_clock(901).await;
    let (_, p) = device_poll(&h, &dc).await;
    assert_entra_error(&p, "expired_token", 70019);
}

#[tokio::test]
async fn device_code_auto_approves_after_pending_polls() {
    let h = start_with(SimOptions {
        auto_approve: true,
        device_pending_polls: 2,
        ..SimOptions::default()
    })
    .await;
    let (_, v) = device_start(&h, CLIENT, SCOPE).await;
    let dc = v["device_code"].as_str().unwrap();
    assert_eq!(
        device_poll(&h, dc).await.1["error"],
        "authorization_pending"
    );
    assert_eq!(
        device_poll(&h, dc).await.1["error"],
        "authorization_pending"
    );
    let (s, t) = device_poll(&h, dc).await;
    assert_eq!(s, 200, "{t}");
}

#[tokio::test]
async fn device_code_start_errors() {
    let h = start().await;
    let (s, v) = device_start(&h, "patdesk-no-public-flows", SCOPE).await;
    assert_eq!(s, 400);
    assert_entra_error(&v, "invalid_client", 7000218);
    let (_, v) = device_start(&h, "nobody", SCOPE).await;
    assert_eq!(v["error"], "unauthorized_client");
    let (_, v) = device_start(&h, CLIENT, "vso.code").await;
    assert_entra_error(&v, "invalid_scope", 70011);
}

#[tokio::test]
async fn device_login_page_approves_too() {
    let h = start().await;
    let (_, v) = device_start(&h, CLIENT, SCOPE).await;
    let page = h
        .http
        .get(v["verification_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in as Dana Whitfield"));
    let r = h
        .http
        .post(v["verification_uri"].as_str().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&[
            ("user_code", v["user_code"].as_str().unwrap()),
            ("user", &h.sim.demo_user().oid),
        ]))
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("You have signed in"));
    assert_eq!(
        device_poll(&h, v["device_code"].as_str().unwrap()).await.0,
        200
    );
}

async fn refresh(h: &Harness, tenant: &str, rt: &str) -> (u16, Value) {
    token_post(
        h,
        tenant,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            (
                "scope",
                "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access",
            ),
        ],
    )
    .await
}

async fn device_sign_in(h: &Harness) -> Value {
    let (_, v) = device_start(h, CLIENT, SCOPE).await;
    h.ctl("device/approve", json!({"userCode": v["user_code"]}))
        .await;
    let (s, t) = device_poll(h, v["device_code"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    t
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_old_one_is_rejected() {
    let h = start().await;
    let t = device_sign_in(&h).await;
    let rt1 = t["refresh_token"].as_str().unwrap().to_string();
    let (s, t2) = refresh(&h, "organizations", &rt1).await;
    assert_eq!(s, 200, "{t2}");
    let rt2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert_ne!(t["access_token"], t2["access_token"]);
    let (s, v) = refresh(&h, "organizations", &rt1).await;
    assert_eq!(s, 400);
    assert_eq!(v["error"], "invalid_grant");
    assert!(v["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS"));
    let (s, _) = refresh(&h, "organizations", &rt2).await;
    assert_eq!(s, 200);
    // Without rotation the old one keeps working.
    h.ctl("switches", json!({"refreshRotation": false})).await;
    let t = device_sign_in(&h).await;
    let rt = t["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&h, "organizations", rt).await.0, 200);
    assert_eq!(refresh(&h, "organizations", rt).await.0, 200);
}

#[tokio::test]
async fn refresh_for_a_guest_tenant_and_expiry() {
    let h = start().await;
    let t = device_sign_in(&h).await;
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    let fabrikam = "8e1d4a7b-2c3f-4b5a-a6d9-0f1e2d3c4b5a";
    let (s, t2) = refresh(&h, fabrikam, &rt).await;
    assert_eq!(s, 200);
    assert_eq!(
        claims(t2["access_token"].as_str().unwrap())["tid"],
        fabrikam
    );
    // The guest-tenant token opens the guest organization; the home one does not.
    let url = format!("{}?{API}", h.pats("fabrikam-tools"));
    let guest = h
        .http
        .get(&url)
        .bearer_auth(t2["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(guest.status(), 200);
    let home = h
        .http
        .get(&url)
        .bearer_auth(t["access_token"].as_str().unwrap())
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 401);
    // After 90 days the (newest) refresh token has expired.
    h.shift_clock(91 * 86400).await;
    let (s, v) = refresh(&h, "organizations", t2["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, 400);
    assert_eq!(v["error"], "invalid_grant");
}

#[tokio::test]
async fn token_endpoint_request_errors() {
    let h = start().await;
    let (_, v) = token_post(&h, "organizations", &[("client_id", CLIENT)]).await;
    assert_entra_error(&v, "invalid_request", 900144);
    let (_, v) = token_post(
        &h,
        "organizations",
        &[("client_id", CLIENT), ("grant_type", "password")],
    )
    .await;
    assert_entra_error(&v, "unsupported_grant_type", 70003);
    let (_, v) = token_post(
        &h,
        "not-a-tenant",
        &[("client_id", CLIENT), ("grant_type", "refresh_token")],
    )
    .await;
    assert_eq!(v["error"], "invalid_request");
    let (_, v) = token_post(
        &h,
        "organizations",
        &[("client_id", CLIENT), ("grant_type", "client_credentials")],
    )
    .await;
    assert_entra_error(&v, "invalid_client", 7000218);
}

#[tokio::test]
async fn access_tokens_expire_with_the_configured_ttl() {
    let h = start_with(SimOptions {
        access_token_ttl: std::time::Duration::from_secs(120),
        ..SimOptions::default()
    })
    .await;
    let t = device_sign_in(&h).await;
    assert_eq!(t["expires_in"], 119);
    let at = t["access_token"].as_str().unwrap().to_string();
    let url = format!(
        "{}/_apis/profile/profiles/me?api-version=7.1",
        h.ep.app_vssps
    );
    assert_eq!(
        h.http
            .get(&url)
            .bearer_auth(&at)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    h.shift_clock(121).await;
    let r = h
        .http
        .get(&url)
        .bearer_auth(&at)
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
