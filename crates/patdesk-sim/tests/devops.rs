//! Azure DevOps authentication on every route (checklist items 11–16), Profile, Accounts, connectionData and
//! tenant discovery (§3.3, §4).

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn missing_or_bad_bearer_is_401_with_suppress_else_203() {
    let h = start().await;
    let url = format!("{}?{API}", h.pats("contoso-web"));
    // No token, suppress header -> 401 VSS JSON with a Bearer challenge.
    let r = h
        .http
        .get(&url)
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.starts_with(&format!("Bearer authorization_uri={}/", h.ep.login)),
        "{challenge}"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["typeKey"], "UnauthorizedRequestException");
    assert_eq!(
        v["message"],
        "TF400813: The user '' is not authorized to access this resource."
    );
    // No token, GET/POST without suppress -> 203 HTML sign-in page.
    for m in [Method::GET, Method::POST] {
        let r = h.http.request(m.clone(), &url).send().await.unwrap();
        assert_eq!(r.status(), 203, "{m}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("<title>Azure DevOps Services | Sign In</title>"));
    }
    // PUT/DELETE are always 401.
    for m in [Method::PUT, Method::DELETE] {
        let r = h.http.request(m.clone(), &url).send().await.unwrap();
        assert_eq!(r.status(), 401, "{m}");
    }
    // Garbage and tampered tokens.
    let mut tampered = h.token.clone();
    tampered.pop();
    tampered.push(if h.token.ends_with('A') { 'B' } else { 'A' });
    for bad in ["garbage", "a.b.c", tampered.as_str()] {
        let r = h
            .http
            .get(&url)
            .bearer_auth(bad)
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bad}");
    }
    // Wrong audience.
    let arm = h
        .ctl(
            "access-token",
            json!({"audience": "https://management.core.windows.net/"}),
        )
        .await;
    let r = h
        .http
        .get(&url)
        .bearer_auth(arm["accessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 203);
    // Expired.
    let old = h.ctl("access-token", json!({"ttlSeconds": -5})).await;
    let r = h
        .http
        .delete(&url)
        .bearer_auth(old["accessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn basic_and_app_only_callers_are_403() {
    let h = start().await;
    let url = format!("{}?{API}", h.pats("contoso-web"));
    let r = h
        .http
        .get(&url)
        .basic_auth("", Some("somepat"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["typeKey"], "InvalidAccessException");
    assert_eq!(v["message"], "The requested operation is not allowed.");
    assert_eq!(v["eventId"], 3000);
    let app = h.ctl("access-token", json!({"appOnly": true})).await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(claims(&app)["idtyp"], "app");
    assert!(claims(&app).get("scp").is_none());
    let r = h.http.get(&url).bearer_auth(&app).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["message"],
        "Service principals are not allowed to perform this action."
    );
    h.ctl("switches", json!({"appOnlyRedirect": true})).await;
    let r = h.http.get(&url).bearer_auth(&app).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("/_signin?realm=vssps.dev.azure.com&reply_to="));
}

#[tokio::test]
async fn strict_scope_mode() {
    let h = start().await;
    let url = format!("{}?{API}", h.pats("contoso-web"));
    let legacy = h
        .ctl("access-token", json!({"scope": "user_impersonation"}))
        .await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        h.http
            .get(&url)
            .bearer_auth(&legacy)
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "lenient by default"
    );
    h.ctl("switches", json!({"scopeMode": "strict"})).await;
    assert_eq!(
        h.http
            .get(&url)
            .bearer_auth(&legacy)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let read_only = h.ctl("access-token", json!({"scope": "vso.pats"})).await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        h.http
            .get(&url)
            .bearer_auth(&read_only)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = h
        .http
        .post(&url)
        .bearer_auth(&read_only)
        .json(&json!({"displayName": "x", "scope": "vso.code", "validTo": h.days_from_now(3), "allOrgs": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    h.ctl("switches", json!({"scopeFailureStatus": 401})).await;
    assert_eq!(
        h.http
            .get(&url)
            .bearer_auth(&legacy)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn guest_organization_needs_a_token_of_its_tenant() {
    let h = start().await;
    let url = format!("{}?{API}", h.pats("fabrikam-tools"));
    let r = h.ado(Method::GET, &url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .ends_with("/8e1d4a7b-2c3f-4b5a-a6d9-0f1e2d3c4b5a"));
    let guest = h
        .ctl(
            "access-token",
            json!({"tenantId": "8e1d4a7b-2c3f-4b5a-a6d9-0f1e2d3c4b5a"}),
        )
        .await;
    let r = h
        .http
        .get(&url)
        .bearer_auth(guest["accessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    h.ctl("switches", json!({"tenantCheck": false})).await;
    assert_eq!(h.ado(Method::GET, &url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn profile_accounts_and_connection_data() {
    let h = start().await;
    let r = h
        .ado(
            Method::GET,
            &format!(
                "{}/_apis/profile/profiles/me?api-version=7.1",
                h.ep.app_vssps
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "displayName",
            "publicAlias",
            "emailAddress",
            "coreRevision",
            "timeStamp",
            "id",
            "revision"
        ]
    );
    assert_eq!(p["displayName"], "Dana Whitfield");
    assert_eq!(p["emailAddress"], "dana.whitfield@contoso.example");
    assert!(p["timeStamp"].as_str().unwrap().ends_with("+00:00"));
    let id = p["id"].as_str().unwrap().to_string();
    assert_ne!(
        id,
        h.sim.demo_user().oid,
        "member id differs from the Entra object id"
    );

    let accounts = format!(
        "{}/_apis/accounts?memberId={id}&api-version=7.1",
        h.ep.app_vssps
    );
    let v: Value = h
        .ado(Method::GET, &accounts)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["count"], 3);
    let value = v["value"].as_array().unwrap();
    let names: Vec<&str> = value
        .iter()
        .map(|a| a["accountName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["contoso-web", "contoso-data", "fabrikam-tools"]);
    for a in value {
        assert_eq!(
            a["accountUri"],
            format!("{}/{}/", h.ep.vssps, a["accountName"].as_str().unwrap())
        );
        assert_eq!(a["properties"], json!({}));
    }
    // targetAccounts of a created PAT is the accountId.
    let pat = h.new_pat("contoso-web", "t", "vso.code").await;
    assert_eq!(pat["targetAccounts"], json!([value[0]["accountId"]]));
    // ownerId lists owned organizations only.
    let owned: Value = h
        .ado(
            Method::GET,
            &format!(
                "{}/_apis/accounts?ownerId={id}&api-version=7.1",
                h.ep.app_vssps
            ),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(owned["count"], 1);
    // Neither -> 400.
    let r = h
        .ado(
            Method::GET,
            &format!("{}/_apis/accounts?api-version=7.1", h.ep.app_vssps),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Bare-array switch.
    h.ctl("switches", json!({"accountsBareArray": true})).await;
    let v: Value = h
        .ado(Method::GET, &accounts)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);

    let cd: Value = h
        .ado(
            Method::GET,
            &format!("{}/_apis/connectionData", h.ep.app_vssps),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cd["authenticatedUser"]["id"], id.as_str());
    // Profile without a token.
    let r = h
        .http
        .get(format!(
            "{}/_apis/profile/profiles/me?api-version=7.1",
            h.ep.app_vssps
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 203);
}

#[tokio::test]
async fn tenant_discovery() {
    let h = start().await;
    for m in [Method::HEAD, Method::GET] {
        let r = h
            .http
            .request(m.clone(), format!("{}/contoso-web", h.ep.dev))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{m}");
        let challenges: Vec<&str> = r
            .headers()
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(
            challenges.contains(
                &format!(
                    "Bearer authorization_uri={}/3f2b8c1e-5a47-4d2e-9b1c-7e6d5a4b3c21",
                    h.ep.login
                )
                .as_str()
            ),
            "{challenges:?}"
        );
        assert_eq!(
            r.headers()["x-vss-resourcetenant"],
            "3f2b8c1e-5a47-4d2e-9b1c-7e6d5a4b3c21"
        );
        assert_eq!(
            r.headers()["x-vss-authorizationendpoint"].to_str().unwrap(),
            format!("{}/contoso-web/", h.ep.vssps)
        );
    }
    let r = h
        .http
        .head(format!("{}/whitfield-family", h.ep.dev))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-vss-resourcetenant"],
        "00000000-0000-0000-0000-000000000000"
    );
    let r = h
        .http
        .head(format!("{}/FABRIKAM-TOOLS", h.ep.dev))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-vss-resourcetenant"],
        "8e1d4a7b-2c3f-4b5a-a6d9-0f1e2d3c4b5a"
    );
    let r = h
        .http
        .head(format!("{}/no-such-org", h.ep.dev))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
