//! Microsoft Entra ID as PAT Desk uses it (§3.4–§3.8, checklist items 5–10): the authorize endpoint with a
//! loopback redirect and PKCE, the token endpoint (authorization code, rotating refresh tokens, device code) and
//! the device-code endpoint, with the §3.7 error body and AADSTS codes. A small sign-in page and device-login
//! page stand in for the browser part.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Response, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::router::{Ctx, Route};
use crate::server::Shared;
use crate::state::{AuthCode, DeviceGrant, DeviceState, PendingAuthorize, RefreshGrant, SimState};
use crate::wire::{self, html_escape, ADO_RESOURCE, ADO_RESOURCE_URI};

/// Scopes a `.default` request for Azure DevOps is granted: the permissions configured on the registration.
const DEFAULT_GRANT: &[&str] = &[
    "user_impersonation",
    "vso.pats",
    "vso.pats_manage",
    "vso.profile",
];
const OIDC: &[&str] = &["openid", "profile", "email", "offline_access"];
const GRAPH: &str = "00000003-0000-0000-c000-000000000000";

/// A parsed `scope` parameter.
#[derive(Debug, Clone)]
struct ScopeRequest {
    audience: String,
    granted: Vec<String>,
    offline: bool,
    openid: bool,
}

fn parse_scopes(raw: &str) -> Result<ScopeRequest, (&'static str, u32, String)> {
    let mut resource: Option<String> = None;
    let mut perms: Vec<String> = Vec::new();
    let (mut offline, mut openid) = (false, false);
    for s in raw.split_whitespace() {
        let lower = s.to_ascii_lowercase();
        if OIDC.contains(&lower.as_str()) {
            offline |= lower == "offline_access";
            openid |= lower == "openid";
            continue;
        }
        let Some((res, perm)) = s.rsplit_once('/') else {
            return Err((
                "invalid_scope",
                70011,
                format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid."),
            ));
        };
        let res = res.trim_end_matches('/');
        let res = if res.eq_ignore_ascii_case(ADO_RESOURCE)
            || res.eq_ignore_ascii_case(ADO_RESOURCE_URI)
        {
            ADO_RESOURCE.to_string()
        } else {
            res.to_string()
        };
        if perm.is_empty() || res.is_empty() {
            return Err(("invalid_scope", 70011, format!("The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid.")));
        }
        match &resource {
            Some(r) if !r.eq_ignore_ascii_case(&res) => {
                return Err(("invalid_scope", 28000, "Provided value for the input parameter scope is not valid because it contains more than one resource.".into()))
            }
            _ => resource = Some(res),
        }
        perms.push(perm.to_string());
    }
    let has_default = perms.iter().any(|p| p == ".default");
    if has_default && perms.len() > 1 {
        return Err(("invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. '.default' cannot be combined with other scopes of the same resource.".into()));
    }
    let audience = resource.clone().unwrap_or_else(|| GRAPH.to_string());
    let granted: Vec<String> = if has_default && audience == ADO_RESOURCE {
        DEFAULT_GRANT.iter().map(|s| s.to_string()).collect()
    } else if audience == ADO_RESOURCE {
        for p in &perms {
            let l = p.to_ascii_lowercase();
            if l != "user_impersonation" && !l.starts_with("vso.") {
                return Err(("invalid_scope", 70011, format!("The provided value for the input parameter 'scope' is not valid. The scope {ADO_RESOURCE}/{p} does not exist on the resource.")));
            }
        }
        perms.clone()
    } else if perms.is_empty() {
        vec!["openid".into()]
    } else {
        perms.clone()
    };
    if resource.is_none() && !openid && !offline {
        return Err((
            "invalid_scope",
            70011,
            "The provided value for the input parameter 'scope' is not valid.".into(),
        ));
    }
    Ok(ScopeRequest {
        audience,
        granted,
        offline,
        openid,
    })
}

fn scope_string(req: &ScopeRequest) -> String {
    req.granted
        .iter()
        .map(|g| format!("{}/{g}", req.audience))
        .collect::<Vec<_>>()
        .join(" ")
}

fn random_token(prefix: &str, bytes: usize) -> String {
    let mut rng = rand::thread_rng();
    let raw: Vec<u8> = (0..bytes).map(|_| rng.gen()).collect();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(raw))
}

fn form(ctx: &Ctx) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&ctx.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(p: &'a [(String, String)], name: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Whether the authority segment names a tenant this simulator knows.
fn tenant_ok(st: &SimState, tenant: &str) -> bool {
    ["organizations", "common", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
        || st.world.tenant_known(tenant)
}

/// The tenant a token is issued for: the authority's tenant, or the person's home tenant.
fn token_tenant(st: &SimState, tenant: &str, oid: &str) -> Result<String, String> {
    if st.world.tenant_known(tenant) {
        if st.world.in_tenant(oid, tenant) {
            Ok(tenant.to_ascii_lowercase())
        } else {
            Err(format!("User account '{oid}' from identity provider does not exist in tenant '{tenant}' and cannot access the application in that tenant."))
        }
    } else {
        st.world
            .user(oid)
            .map(|u| u.user.tenant_id.clone())
            .ok_or_else(|| "Unknown user.".to_string())
    }
}

/// A loopback redirect URI as Entra accepts it for native apps: `http://localhost[:port]` or
/// `http://127.0.0.1[:port]`, any path; never `[::1]`.
fn loopback_ok(uri: &str) -> bool {
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    u.scheme() == "http"
        && u.username().is_empty()
        && u.password().is_none()
        && u.fragment().is_none()
        && matches!(
            u.host(),
            Some(url::Host::Domain("localhost"))
                | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
        )
}

fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded_pairs(pairs);
    if s.is_empty() {
        return uri.to_string();
    }
    s.insert(0, if uri.contains('?') { '&' } else { '?' });
    format!("{uri}{s}")
}

fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

fn error_page(status: StatusCode, code: u32, text: &str) -> Response<Body> {
    wire::html(
        status,
        format!(
            "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><h1>Sorry, but we're having trouble signing you in.</h1><p id=\"error\">AADSTS{code}: {}</p></body></html>",
            html_escape(text)
        ),
    )
}

/// Dispatches the Entra routes.
pub fn handle(shared: &Arc<Shared>, ctx: &Ctx) -> Response<Body> {
    match &ctx.route {
        Route::Authorize { tenant } => authorize(shared, ctx, tenant),
        Route::AuthorizeApprove { tenant } => authorize_approve(shared, ctx, tenant),
        Route::Token { tenant } => token(shared, ctx, tenant),
        Route::DeviceCode { tenant } => devicecode(shared, ctx, tenant),
        Route::DeviceLogin => devicelogin(shared, ctx),
        _ => wire::empty(StatusCode::NOT_FOUND),
    }
}

fn authorize(shared: &Arc<Shared>, ctx: &Ctx, tenant: &str) -> Response<Body> {
    let mut st = shared.lock();
    if !tenant_ok(&st, tenant) {
        return error_page(
            StatusCode::BAD_REQUEST,
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    let Some(client_id) = ctx.q("client_id") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if !st.client_ids.iter().any(|c| c == client_id)
        && client_id != crate::NO_PUBLIC_FLOWS_CLIENT_ID
    {
        return error_page(
            StatusCode::BAD_REQUEST,
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory."),
        );
    }
    let Some(redirect_uri) = ctx.q("redirect_uri") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        );
    };
    if !loopback_ok(redirect_uri) {
        return error_page(
            StatusCode::BAD_REQUEST,
            50011,
            &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."),
        );
    }
    let state = ctx.q("state").map(str::to_string);
    let fail = |error: &str, code: u32, text: &str| {
        let desc = format!("AADSTS{code}: {text}");
        let mut pairs = vec![("error", error), ("error_description", desc.as_str())];
        if let Some(s) = state.as_deref() {
            pairs.push(("state", s));
        }
        wire::redirect(&append_query(redirect_uri, &pairs))
    };
    if ctx.q("response_type") != Some("code") {
        return fail(
            "unsupported_response_type",
            700054,
            "response_type must be 'code' for this application.",
        );
    }
    if let Some(mode) = ctx.q("response_mode") {
        if mode != "query" {
            return fail(
                "invalid_request",
                900144,
                "response_mode must be 'query' for this application.",
            );
        }
    }
    let Some(challenge) = ctx.q("code_challenge").filter(|c| !c.is_empty()) else {
        return fail("invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption.");
    };
    if ctx.q("code_challenge_method") != Some("S256") {
        return fail(
            "invalid_request",
            5000191,
            "The code_challenge_method must be 'S256'.",
        );
    }
    let Some(scope) = ctx.q("scope") else {
        return fail(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    let scopes = match parse_scopes(scope) {
        Ok(_) => scope
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>(),
        Err((e, code, text)) => return fail(e, code, &text),
    };
    if let Some(err) = st.switches.authorize_error.clone() {
        let (code, text) = match err.as_str() {
            "interaction_required" => (50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource."),
            "consent_required" => (65001, "The user or administrator has not consented to use the application. Need admin approval."),
            _ => (65004, "User declined to consent to access the app."),
        };
        return fail(&err, code, text);
    }
    let pending = PendingAuthorize {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        state: state.clone(),
        code_challenge: challenge.to_string(),
        scopes,
        tenant: tenant.to_string(),
    };
    let hint = ctx.q("login_hint").map(str::to_ascii_lowercase);
    if st.switches.auto_approve {
        let oid = hint
            .and_then(|h| {
                st.world
                    .users
                    .iter()
                    .find(|u| u.user.email.eq_ignore_ascii_case(&h))
                    .map(|u| u.user.oid.clone())
            })
            .unwrap_or_else(|| st.world.demo_oid.clone());
        return complete_authorize(&mut st, pending, &oid);
    }
    let id = random_token("", 18);
    st.pending_authorize.insert(id.clone(), pending);
    let approve = format!(
        "{}/{}/oauth2/v2.0/authorize/approve",
        shared.endpoints.login, tenant
    );
    let mut buttons = String::new();
    let mut users: Vec<_> = st
        .world
        .users
        .iter()
        .filter(|u| !st.world.tenant_known(tenant) || st.world.in_tenant(&u.user.oid, tenant))
        .collect();
    users.sort_by_key(|u| u.user.oid != st.world.demo_oid);
    for u in users {
        let link = append_query(&approve, &[("request", &id), ("user", &u.user.oid)]);
        buttons.push_str(&format!(
            "<form method=\"post\" action=\"{a}\"><input type=\"hidden\" name=\"request\" value=\"{id}\"><input type=\"hidden\" name=\"user\" value=\"{oid}\"><button type=\"submit\">Sign in as {name}</button> <a class=\"approve\" data-user=\"{oid}\" href=\"{l}\">{email}</a></form>\n",
            a = html_escape(&approve),
            oid = html_escape(&u.user.oid),
            name = html_escape(&u.user.display_name),
            email = html_escape(&u.user.email),
            l = html_escape(&link),
        ));
    }
    let cancel = append_query(&approve, &[("request", &id), ("decline", "1")]);
    wire::html(
        StatusCode::OK,
        format!(
            "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><h1>Pick an account</h1>\n<p>PAT Desk simulator: this page stands in for Microsoft Entra ID sign-in.</p>\n{buttons}<a id=\"cancel\" href=\"{}\">Cancel</a></body></html>",
            html_escape(&cancel)
        ),
    )
}

fn complete_authorize(st: &mut SimState, p: PendingAuthorize, oid: &str) -> Response<Body> {
    let tid = match token_tenant(st, &p.tenant, oid) {
        Ok(t) => t,
        Err(text) => {
            let desc = format!("AADSTS50020: {text}");
            let mut pairs = vec![
                ("error", "access_denied"),
                ("error_description", desc.as_str()),
            ];
            if let Some(s) = p.state.as_deref() {
                pairs.push(("state", s));
            }
            return wire::redirect(&append_query(&p.redirect_uri, &pairs));
        }
    };
    let code = random_token("1.AXkA", 96);
    let location = {
        let mut pairs = vec![("code", code.as_str())];
        if let Some(s) = p.state.as_deref() {
            pairs.push(("state", s));
        }
        append_query(&p.redirect_uri, &pairs)
    };
    let now = st.now();
    st.auth_codes.insert(
        code,
        AuthCode {
            client_id: p.client_id,
            redirect_uri: p.redirect_uri,
            code_challenge: p.code_challenge,
            scopes: p.scopes,
            oid: oid.to_string(),
            tid,
            issued: now,
            used: false,
        },
    );
    wire::redirect(&location)
}

fn authorize_approve(shared: &Arc<Shared>, ctx: &Ctx, _tenant: &str) -> Response<Body> {
    let mut params: Vec<(String, String)> = ctx.query.clone();
    if ctx.method == Method::POST {
        params.extend(form(ctx));
    }
    let mut st = shared.lock();
    let Some(id) = param(&params, "request") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            900144,
            "The sign-in request is missing.",
        );
    };
    let Some(p) = st.pending_authorize.remove(id) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50058,
            "The sign-in request has expired or was already used.",
        );
    };
    if param(&params, "decline").is_some() {
        let desc = "AADSTS65004: User declined to consent to access the app.";
        let mut pairs = vec![("error", "access_denied"), ("error_description", desc)];
        if let Some(s) = p.state.as_deref() {
            pairs.push(("state", s));
        }
        return wire::redirect(&append_query(&p.redirect_uri, &pairs));
    }
    let oid = param(&params, "user")
        .map(str::to_string)
        .unwrap_or_else(|| st.world.demo_oid.clone());
    if st.world.user(&oid).is_none() {
        return error_page(
            StatusCode::BAD_REQUEST,
            50034,
            "The user account does not exist in this directory.",
        );
    }
    complete_authorize(&mut st, p, &oid)
}

/// Entra's answer to a request body without a required parameter (AADSTS900144).
fn missing_param(st: &SimState, name: &str) -> Response<Body> {
    err(
        st,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

fn err(st: &SimState, error: &str, code: u32, text: &str) -> Response<Body> {
    wire::entra_error(st.now(), StatusCode::BAD_REQUEST, error, code, text)
}

/// Checks what the token and devicecode endpoints share: POST, tenant, client id, no secret.
fn common_checks(
    st: &SimState,
    ctx: &Ctx,
    tenant: &str,
    p: &[(String, String)],
) -> Result<String, Response<Body>> {
    if ctx.method != Method::POST {
        return Err(err(
            st,
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests.",
        ));
    }
    if ctx.header("origin").is_some() {
        return Err(err(st, "invalid_request", 90023, "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type."));
    }
    let mut names: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(err(
            st,
            "invalid_request",
            90015,
            &format!("The parameter '{}' is duplicated.", w[0]),
        ));
    }
    if !tenant_ok(st, tenant) {
        return Err(err(
            st,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID."
            ),
        ));
    }
    let Some(client_id) = param(p, "client_id") else {
        return Err(missing_param(st, "client_id"));
    };
    let known = st.client_ids.iter().any(|c| c == client_id)
        || client_id == crate::NO_PUBLIC_FLOWS_CLIENT_ID;
    if !known {
        return Err(err(
            st,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory."),
        ));
    }
    if param(p, "client_secret").is_some() || param(p, "client_assertion").is_some() {
        return Err(err(st, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."));
    }
    Ok(client_id.to_string())
}

#[allow(clippy::too_many_arguments)]
fn issue(
    shared: &Shared,
    st: &mut SimState,
    client_id: &str,
    oid: &str,
    tid: &str,
    scopes: &ScopeRequest,
    offline: bool,
    openid: bool,
) -> Response<Body> {
    let ttl = st.switches.access_token_ttl_seconds.max(1) as i64;
    let expires_in = if ttl > 1 { ttl - 1 } else { ttl };
    let access = shared.issue_access_token(
        st,
        oid,
        tid,
        &scopes.audience,
        Some(scopes.granted.join(" ")),
        client_id,
        false,
        expires_in,
    );
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope_string(scopes),
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access,
    });
    let now = st.now();
    if offline {
        let rt = random_token("1.AXkAsim", 180);
        st.refresh_tokens.insert(
            rt.clone(),
            RefreshGrant {
                client_id: client_id.to_string(),
                oid: oid.to_string(),
                scopes: scopes_with_flags(scopes, true, openid),
                expires: now + Duration::days(90),
            },
        );
        body["refresh_token"] = Value::String(rt);
    }
    if openid {
        let user = st.world.user(oid).map(|u| u.user.clone());
        let claims = json!({
            "aud": client_id,
            "iss": format!("https://login.microsoftonline.com/{tid}/v2.0"),
            "iat": now.timestamp(),
            "nbf": now.timestamp(),
            "exp": now.timestamp() + 3600,
            "name": user.as_ref().map(|u| u.display_name.clone()),
            "preferred_username": user.as_ref().map(|u| u.email.clone()),
            "oid": oid,
            "sub": oid,
            "tid": tid,
            "ver": "2.0",
        });
        body["id_token"] = Value::String(crate::jwt::encode(&shared.key, &claims));
    }
    wire::json(StatusCode::OK, &body)
}

fn scopes_with_flags(s: &ScopeRequest, offline: bool, openid: bool) -> Vec<String> {
    let mut v: Vec<String> = s
        .granted
        .iter()
        .map(|g| format!("{}/{g}", s.audience))
        .collect();
    if s.granted.len() == DEFAULT_GRANT.len() && s.audience == ADO_RESOURCE {
        v = vec![format!("{ADO_RESOURCE}/.default")];
    }
    if offline {
        v.push("offline_access".into());
    }
    if openid {
        v.push("openid".into());
        v.push("profile".into());
    }
    v
}

fn token(shared: &Arc<Shared>, ctx: &Ctx, tenant: &str) -> Response<Body> {
    let p = form(ctx);
    let mut st = shared.lock();
    let client_id = match common_checks(&st, ctx, tenant, &p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(grant) = param(&p, "grant_type") else {
        return missing_param(&st, "grant_type");
    };
    match grant {
        "authorization_code" => redeem_code(shared, &mut st, &p, &client_id, tenant),
        "refresh_token" => redeem_refresh(shared, &mut st, &p, &client_id, tenant),
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => redeem_device(shared, &mut st, &p, &client_id),
        "client_credentials" => err(&st, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
        other => err(&st, "unsupported_grant_type", 70003, &format!("The app requested an unsupported grant type '{other}'.")),
    }
}

fn pkce_ok(verifier: &str, challenge: &str) -> bool {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

fn redeem_code(
    shared: &Shared,
    st: &mut SimState,
    p: &[(String, String)],
    client_id: &str,
    _tenant: &str,
) -> Response<Body> {
    let Some(code) = param(p, "code") else {
        return missing_param(st, "code");
    };
    let Some(redirect_uri) = param(p, "redirect_uri") else {
        return missing_param(st, "redirect_uri");
    };
    let Some(verifier) = param(p, "code_verifier") else {
        return missing_param(st, "code_verifier");
    };
    let now = st.now();
    let Some(c) = st.auth_codes.get(code).cloned() else {
        return err(
            st,
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed.",
        );
    };
    if c.used {
        return err(st, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
    }
    if now - c.issued > Duration::minutes(10) {
        return err(st, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
    }
    if c.client_id != client_id {
        return err(
            st,
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed: the code was issued to another client.",
        );
    }
    if c.redirect_uri != redirect_uri {
        return err(st, "invalid_grant", 500112, &format!("The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.", c.redirect_uri));
    }
    let valid_chars = verifier
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || "-._~".contains(ch));
    if !(43..=128).contains(&verifier.len()) || !valid_chars {
        return err(
            st,
            "invalid_request",
            501491,
            "Invalid size of Code_Verifier parameter.",
        );
    }
    if !pkce_ok(verifier, &c.code_challenge) {
        return err(st, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
    }
    let code_scopes = match parse_scopes(&c.scopes.join(" ")) {
        Ok(s) => s,
        Err((e, n, t)) => return err(st, e, n, &t),
    };
    let scopes = match param(p, "scope") {
        Some(s) => match parse_scopes(s) {
            Ok(s) => s,
            Err((e, n, t)) => return err(st, e, n, &t),
        },
        None => code_scopes.clone(),
    };
    if let Some(entry) = st.auth_codes.get_mut(code) {
        entry.used = true;
    }
    let offline = code_scopes.offline || scopes.offline;
    issue(
        shared,
        st,
        client_id,
        &c.oid,
        &c.tid,
        &scopes,
        offline,
        code_scopes.openid,
    )
}

fn redeem_refresh(
    shared: &Shared,
    st: &mut SimState,
    p: &[(String, String)],
    client_id: &str,
    tenant: &str,
) -> Response<Body> {
    let Some(rt) = param(p, "refresh_token") else {
        return missing_param(st, "refresh_token");
    };
    let now = st.now();
    let Some(g) = st.refresh_tokens.get(rt).cloned() else {
        return err(st, "invalid_grant", 70000, "Provided grant is invalid or malformed: the refresh token is unknown, revoked or was already used.");
    };
    if g.expires <= now {
        st.refresh_tokens.remove(rt);
        return err(
            st,
            "invalid_grant",
            700082,
            "The refresh token has expired due to inactivity.",
        );
    }
    if g.client_id != client_id {
        return err(st, "invalid_grant", 70000, "Provided grant is invalid or malformed: the refresh token was issued to another client.");
    }
    let tid = match token_tenant(st, tenant, &g.oid) {
        Ok(t) => t,
        Err(text) => return err(st, "invalid_grant", 50020, &text),
    };
    let grant_scopes = match parse_scopes(&g.scopes.join(" ")) {
        Ok(s) => s,
        Err((e, n, t)) => return err(st, e, n, &t),
    };
    let scopes = match param(p, "scope") {
        Some(s) => match parse_scopes(s) {
            Ok(s) => s,
            Err((e, n, t)) => return err(st, e, n, &t),
        },
        None => grant_scopes.clone(),
    };
    if st.switches.refresh_rotation {
        st.refresh_tokens.remove(rt);
    }
    issue(
        shared,
        st,
        client_id,
        &g.oid,
        &tid,
        &scopes,
        true,
        grant_scopes.openid || scopes.openid,
    )
}

fn redeem_device(
    shared: &Shared,
    st: &mut SimState,
    p: &[(String, String)],
    client_id: &str,
) -> Response<Body> {
    let Some(dc) = param(p, "device_code") else {
        return missing_param(st, "device_code");
    };
    let now = st.now();
    let slow_down_polls = st.switches.device_slow_down_polls;
    let pending_polls = st.switches.device_pending_polls;
    let auto = st.switches.auto_approve;
    let demo = st.world.demo_oid.clone();
    let Some(g) = st.device_codes.get_mut(dc) else {
        return err(
            st,
            "bad_verification_code",
            70000,
            "The device code was not recognised.",
        );
    };
    if g.client_id != client_id {
        return err(
            st,
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed: the device code was issued to another client.",
        );
    }
    if now >= g.expires {
        return err(st, "expired_token", 70019, "Verification code expired.");
    }
    g.polls += 1;
    let polls = g.polls;
    match g.state.clone() {
        DeviceState::Redeemed => err(
            st,
            "invalid_grant",
            54005,
            "The device code was already redeemed.",
        ),
        DeviceState::Declined => err(
            st,
            "authorization_declined",
            70000,
            "The user declined the sign-in request.",
        ),
        _ if polls <= slow_down_polls => err(
            st,
            "slow_down",
            70016,
            "OAuth 2.0 device flow error. Polling too fast: add 5 seconds to the interval.",
        ),
        DeviceState::Pending => {
            if auto && polls - slow_down_polls > pending_polls {
                g.state = DeviceState::Approved(demo);
                let g = g.clone();
                finish_device(shared, st, dc, g)
            } else {
                err(
                    st,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                )
            }
        }
        DeviceState::Approved(_) => {
            let g = g.clone();
            finish_device(shared, st, dc, g)
        }
    }
}

fn finish_device(shared: &Shared, st: &mut SimState, dc: &str, g: DeviceGrant) -> Response<Body> {
    let DeviceState::Approved(oid) = &g.state else {
        return err(
            st,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        );
    };
    let tid = match token_tenant(st, &g.tenant, oid) {
        Ok(t) => t,
        Err(text) => return err(st, "invalid_grant", 50020, &text),
    };
    let scopes = match parse_scopes(&g.scopes.join(" ")) {
        Ok(s) => s,
        Err((e, n, t)) => return err(st, e, n, &t),
    };
    if let Some(entry) = st.device_codes.get_mut(dc) {
        entry.state = DeviceState::Redeemed;
    }
    issue(
        shared,
        st,
        &g.client_id,
        oid,
        &tid,
        &scopes,
        scopes.offline,
        scopes.openid,
    )
}

fn devicecode(shared: &Arc<Shared>, ctx: &Ctx, tenant: &str) -> Response<Body> {
    let p = form(ctx);
    let mut st = shared.lock();
    let client_id = match common_checks(&st, ctx, tenant, &p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if client_id == crate::NO_PUBLIC_FLOWS_CLIENT_ID {
        return err(&st, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    let Some(scope) = param(&p, "scope") else {
        return missing_param(&st, "scope");
    };
    if let Err((e, n, t)) = parse_scopes(scope) {
        return err(&st, e, n, &t);
    }
    let now = st.now();
    let user_code = new_user_code();
    let device_code = random_token("DAQABAAEAAAD", 120);
    let lifetime = st.switches.device_code_lifetime_seconds as i64;
    let interval = st.switches.device_interval_seconds;
    st.device_codes.insert(
        device_code.clone(),
        DeviceGrant {
            user_code: user_code.clone(),
            client_id,
            scopes: scope.split_whitespace().map(str::to_string).collect(),
            tenant: tenant.to_string(),
            expires: now + Duration::seconds(lifetime),
            polls: 0,
            state: DeviceState::Pending,
        },
    );
    let verification_uri = format!("{}/devicelogin", shared.endpoints.login);
    wire::json(
        StatusCode::OK,
        &json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": lifetime,
            "interval": interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
    )
}

fn new_user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..8)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Approves or declines the pending device code with `user_code` (the device-login page and `/_sim/device/*`).
pub fn decide_device(
    st: &mut SimState,
    user_code: &str,
    approve: Option<String>,
) -> Result<(), String> {
    let now: DateTime<Utc> = st.now();
    let g = st
        .device_codes
        .values_mut()
        .find(|g| g.user_code.eq_ignore_ascii_case(user_code.trim()))
        .ok_or_else(|| format!("no device code with user code {user_code}"))?;
    if g.state != DeviceState::Pending {
        return Err("this device code is no longer pending".into());
    }
    if now >= g.expires {
        return Err("this device code has expired".into());
    }
    g.state = match approve {
        Some(oid) => DeviceState::Approved(oid),
        None => DeviceState::Declined,
    };
    Ok(())
}

fn devicelogin(shared: &Arc<Shared>, ctx: &Ctx) -> Response<Body> {
    let mut params = ctx.query.clone();
    if ctx.method == Method::POST {
        params.extend(form(ctx));
    }
    let mut st = shared.lock();
    if let Some(code) = param(&params, "user_code") {
        let decline = param(&params, "action") == Some("decline");
        let oid = param(&params, "user")
            .map(str::to_string)
            .unwrap_or_else(|| st.world.demo_oid.clone());
        let outcome = decide_device(&mut st, code, (!decline).then_some(oid));
        let text = match outcome {
            Ok(()) if decline => "You declined the sign-in. You can close this window.".to_string(),
            Ok(()) => "You have signed in to PAT Desk on your device. You can close this window."
                .to_string(),
            Err(e) => format!("That code didn't work: {e}."),
        };
        return wire::html(StatusCode::OK, format!("<!DOCTYPE html><html><head><title>Enter code</title></head><body><p id=\"result\">{}</p></body></html>", html_escape(&text)));
    }
    let action = format!("{}/devicelogin", shared.endpoints.login);
    let mut buttons = String::new();
    for u in &st.world.users {
        buttons.push_str(&format!(
            "<button type=\"submit\" name=\"user\" value=\"{}\">Sign in as {}</button>\n",
            html_escape(&u.user.oid),
            html_escape(&u.user.display_name)
        ));
    }
    wire::html(
        StatusCode::OK,
        format!(
            "<!DOCTYPE html><html><head><title>Enter code</title></head><body><h1>Enter code</h1><form method=\"post\" action=\"{}\"><input name=\"user_code\" placeholder=\"Code\">\n{buttons}<button type=\"submit\" name=\"action\" value=\"decline\">Decline</button></form></body></html>",
            html_escape(&action)
        ),
    )
}
