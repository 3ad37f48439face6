//! The test-only control surface under `{base_url}/_sim/`: inspect state and traffic, inject faults, move the
//! clock, reseed, switch policies and behaviour variants, approve device codes, mint tokens and seed PATs.
//! Nothing here ever returns a PAT secret or a refresh token.

use axum::body::Body;
use axum::http::{Method, Response, StatusCode};
use chrono::Duration;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::FaultRule;
use crate::seed::Seed;
use crate::server::{MintOverrides, Shared};
use crate::state::{Pat, Switches};
use crate::wire;

fn bad(msg: impl Into<String>) -> Response<Body> {
    wire::json(StatusCode::BAD_REQUEST, &json!({ "error": msg.into() }))
}

fn ok(v: Value) -> Response<Body> {
    wire::json(StatusCode::OK, &v)
}

fn body_json(body: &[u8]) -> Result<Value, Response<Body>> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| bad(format!("invalid JSON: {e}")))
}

/// Handles `/_sim/…`.
pub fn handle(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Response<Body> {
    let route = path.trim_end_matches('/').to_ascii_lowercase();
    let route = route.strip_prefix("/_sim").unwrap_or(&route);
    match (method.as_str(), route) {
        ("GET", "/state") => state(shared),
        ("GET", "/endpoints") => ok(serde_json::to_value(&shared.endpoints).unwrap_or(Value::Null)),
        ("GET", "/requests") => {
            let st = shared.lock();
            ok(serde_json::to_value(&st.requests).unwrap_or(Value::Null))
        }
        ("DELETE", "/requests") => {
            let mut st = shared.lock();
            st.requests.clear();
            st.request_count = 0;
            st.revoke_calls = 0;
            ok(json!({ "cleared": true }))
        }
        ("POST", "/faults") => {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            match serde_json::from_value::<FaultRule>(v) {
                Ok(rule) => {
                    let id = crate::faults::add(&mut shared.lock(), rule);
                    ok(json!({ "id": id }))
                }
                Err(e) => bad(format!("invalid fault rule: {e}")),
            }
        }
        ("GET", "/faults") => {
            let st = shared.lock();
            let list: Vec<Value> = st
                .faults
                .iter()
                .map(|f| json!({ "id": f.id, "rule": f.rule, "remaining": f.remaining }))
                .collect();
            ok(Value::Array(list))
        }
        ("DELETE", "/faults") => {
            shared.lock().faults.clear();
            ok(json!({ "cleared": true }))
        }
        ("POST", "/clock") => {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let mut st = shared.lock();
            if let Some(at) = v.get("now").and_then(Value::as_str) {
                let Some(at) = wire::parse_time(at) else {
                    return bad("now must be an ISO-8601 date");
                };
                st.set_now(at);
            } else if let Some(secs) = v.get("offsetSeconds").and_then(Value::as_f64) {
                st.clock_offset = st.start_offset + Duration::milliseconds((secs * 1000.0) as i64);
            } else {
                return bad(
                    "either now (an ISO-8601 date) or offsetSeconds (a number) is required",
                );
            }
            let offset = (st.clock_offset - st.start_offset).num_milliseconds() as f64 / 1000.0;
            ok(json!({ "now": wire::fmt_millis(&st.now()), "offsetSeconds": offset }))
        }
        ("POST", "/seed") => {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let seed = match v
                .get("seed")
                .and_then(Value::as_str)
                .unwrap_or("demo")
                .parse::<Seed>()
            {
                Ok(s) => s,
                Err(e) => return bad(e),
            };
            shared.reseed(seed.clone());
            ok(json!({ "seed": seed.to_string() }))
        }
        ("POST", "/policies") => policies(shared, body),
        ("GET", "/switches") => {
            ok(serde_json::to_value(&shared.lock().switches).unwrap_or(Value::Null))
        }
        ("POST", "/switches") => switches(shared, body),
        ("POST", "/device/approve") | ("POST", "/device/decline") => {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(code) = v.get("userCode").and_then(Value::as_str) else {
                return bad("userCode is required");
            };
            let mut st = shared.lock();
            let approve = route.ends_with("approve").then(|| {
                v.get("userOid")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| st.world.demo_oid.clone())
            });
            if let Some(oid) = &approve {
                if st.world.user(oid).is_none() {
                    return bad(format!("unknown user {oid}"));
                }
            }
            match crate::entra::decide_device(&mut st, code, approve) {
                Ok(()) => ok(json!({ "ok": true })),
                Err(e) => wire::json(StatusCode::NOT_FOUND, &json!({ "error": e })),
            }
        }
        ("POST", "/access-token") => {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let oid = v
                .get("userOid")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| shared.lock().world.demo_oid.clone());
            let o = MintOverrides {
                app_only: v.get("appOnly").and_then(Value::as_bool).unwrap_or(false),
                tenant_id: v
                    .get("tenantId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                scp: v.get("scope").and_then(Value::as_str).map(str::to_string),
                audience: v
                    .get("audience")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                ttl_seconds: v.get("ttlSeconds").and_then(Value::as_i64),
            };
            ok(json!({ "accessToken": shared.mint_user_token(&oid, Some(o)) }))
        }
        ("POST", "/pats") => seed_pat(shared, body),
        (m, r) if r.starts_with("/server/") => {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            crate::onprem::control::handle(shared, m, r, &v).unwrap_or_else(|| {
                wire::json(
                    StatusCode::NOT_FOUND,
                    &json!({ "error": format!("no control route {method} {path}") }),
                )
            })
        }
        _ => wire::json(
            StatusCode::NOT_FOUND,
            &json!({ "error": format!("no control route {method} {path}") }),
        ),
    }
}

fn state(shared: &Shared) -> Response<Body> {
    let st = shared.lock();
    let now = st.now();
    let users: Vec<Value> = st
        .world
        .users
        .iter()
        .map(|u| serde_json::to_value(&u.user).unwrap_or(Value::Null))
        .collect();
    let orgs: Vec<Value> = st
        .world
        .orgs
        .iter()
        .map(|o| json!({ "accountId": o.account_id, "accountName": o.account_name, "tenantId": o.tenant_id }))
        .collect();
    let tokens: Vec<Value> = st
        .world
        .pats
        .iter()
        .map(|p| {
            json!({
                "authorizationId": p.authorization_id,
                "displayName": p.display_name,
                "scope": p.scope,
                "targetAccounts": p.target_accounts,
                "validFrom": wire::fmt_ticks(&p.valid_from),
                "validTo": wire::fmt_trimmed(&p.valid_to),
                "status": p.status(now).as_str(),
                "ownerOid": p.owner_oid,
                "org": p.org,
            })
        })
        .collect();
    let tenants: Vec<Value> = st
        .world
        .tenants
        .iter()
        .map(|t| json!({ "tenantId": t.id, "name": t.name }))
        .collect();
    ok(json!({
        "now": wire::fmt_millis(&now),
        "tenants": tenants,
        "users": users,
        "organizations": orgs,
        "tokens": tokens,
        "globalCreationCutoff": st.global_creation_cutoff.as_ref().map(wire::fmt_millis),
        "globalRetirement": wire::fmt_millis(&st.global_retirement),
        "requestCount": st.request_count,
        "revokeCalls": st.revoke_calls,
    }))
}

fn switches(shared: &Shared, body: &[u8]) -> Response<Body> {
    let patch = match body_json(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return bad("expected a JSON object"),
        Err(r) => return r,
    };
    let mut st = shared.lock();
    let mut current = serde_json::to_value(&st.switches).unwrap_or(json!({}));
    for (k, v) in patch {
        current[k] = v;
    }
    match serde_json::from_value::<Switches>(current) {
        Ok(s) => {
            if ![200, 204].contains(&s.revoke_success_status) {
                return bad("revokeSuccessStatus must be 204 or 200");
            }
            if !["refuse", "allow"].contains(&s.expired_update.as_str()) {
                return bad("expiredUpdate must be refuse or allow");
            }
            if !["lenient", "strict"].contains(&s.scope_mode.as_str()) {
                return bad("scopeMode must be lenient or strict");
            }
            st.switches = s;
            ok(serde_json::to_value(&st.switches).unwrap_or(Value::Null))
        }
        Err(e) => bad(format!("invalid switches: {e}")),
    }
}

fn policies(shared: &Shared, body: &[u8]) -> Response<Body> {
    let v = match body_json(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return bad("expected a JSON object"),
        Err(r) => return r,
    };
    let mut st = shared.lock();
    let org = match v.get("org").and_then(Value::as_str) {
        Some(name) => match st.world.org(name) {
            Some(o) => Some(o.clone()),
            None => {
                return wire::json(
                    StatusCode::NOT_FOUND,
                    &json!({ "error": format!("unknown organization {name}") }),
                )
            }
        },
        None => None,
    };
    let tenant = v
        .get("tenant")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let tenants: Vec<String> = match (&tenant, &org) {
        (Some(t), _) => vec![t.clone()],
        (None, Some(o)) => vec![o.tenant_id.to_ascii_lowercase()],
        (None, None) => st
            .world
            .tenants
            .iter()
            .map(|t| t.id.to_ascii_lowercase())
            .collect(),
    };
    let orgs: Vec<String> = match (&org, &tenant) {
        (Some(o), _) => vec![o.account_id.to_ascii_lowercase()],
        (None, Some(t)) => st
            .world
            .orgs
            .iter()
            .filter(|o| o.tenant_id.eq_ignore_ascii_case(t))
            .map(|o| o.account_id.to_ascii_lowercase())
            .collect(),
        (None, None) => st
            .world
            .orgs
            .iter()
            .map(|o| o.account_id.to_ascii_lowercase())
            .collect(),
    };
    let b = |k: &str| v.get(k).and_then(Value::as_bool);
    let allow: Option<Vec<String>> = v.get("allowList").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    });
    let lifespan_mode = match v.get("lifespanMode").and_then(Value::as_str) {
        None => None,
        Some("clamp") => Some(false),
        Some("refuse") => Some(true),
        Some(other) => return bad(format!("lifespanMode must be clamp or refuse, not {other}")),
    };
    let max_days: Option<Option<u32>> = match v.get("maxLifespanDays") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(n) => match n.as_u64() {
            Some(n) if n >= 1 => Some(Some(n as u32)),
            _ => return bad("maxLifespanDays must be a positive number or null"),
        },
    };
    for t in &tenants {
        let p = st.tenant_policies.entry(t.clone()).or_default();
        if let Some(x) = b("restrictGlobal") {
            p.restrict_global = x;
        }
        if let Some(x) = b("restrictFullScope") {
            p.restrict_full_scope = x;
        }
        if let Some(x) = max_days {
            p.max_lifespan_days = x;
        }
        if let Some(x) = lifespan_mode {
            p.lifespan_refuse = x;
        }
        if let Some(a) = &allow {
            p.allow_list = a.clone();
        }
    }
    for o in &orgs {
        let p = st.org_policies.entry(o.clone()).or_default();
        if let Some(x) = b("conditionalAccess") {
            p.conditional_access = x;
        }
        if let Some(x) = b("restrictCreation") {
            p.restrict_creation = x;
        }
        if let Some(x) = b("packagingOnly") {
            p.packaging_only = x;
            if x {
                p.restrict_creation = true;
            }
        }
        if let Some(x) = b("restrictCreationOnUpdate") {
            p.on_update = x;
        }
        if let Some(a) = &allow {
            p.allow_list = a.clone();
        }
    }
    match v.get("globalCreationCutoff") {
        None => {}
        Some(Value::Null) => st.global_creation_cutoff = None,
        Some(Value::String(s)) => match wire::parse_time(s) {
            Some(t) => st.global_creation_cutoff = Some(t),
            None => return bad("globalCreationCutoff must be an ISO-8601 date"),
        },
        Some(_) => return bad("globalCreationCutoff must be an ISO-8601 date or null"),
    }
    if let Some(s) = v.get("globalRetirement").and_then(Value::as_str) {
        match wire::parse_time(s) {
            Some(t) => st.global_retirement = t,
            None => return bad("globalRetirement must be an ISO-8601 date"),
        }
    }
    ok(json!({ "tenants": tenants, "organizations": orgs }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedPat {
    user_oid: Option<String>,
    org: String,
    display_name: String,
    scope: String,
    valid_to: String,
    valid_from: Option<String>,
    global: Option<bool>,
    revoked: Option<bool>,
}

fn seed_pat(shared: &Shared, body: &[u8]) -> Response<Body> {
    let v = match body_json(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let req: SeedPat = match serde_json::from_value(v) {
        Ok(r) => r,
        Err(e) => return bad(format!("invalid PAT: {e}")),
    };
    let mut st = shared.lock();
    let Some(org) = st.world.org(&req.org).cloned() else {
        return wire::json(
            StatusCode::NOT_FOUND,
            &json!({ "error": format!("unknown organization {}", req.org) }),
        );
    };
    let Some(valid_to) = wire::parse_time(&req.valid_to) else {
        return bad("validTo must be an ISO-8601 date");
    };
    let now = st.now();
    let valid_from = match req.valid_from.as_deref().map(wire::parse_time) {
        None => now,
        Some(Some(t)) => t,
        Some(None) => return bad("validFrom must be an ISO-8601 date"),
    };
    let owner = req.user_oid.unwrap_or_else(|| st.world.demo_oid.clone());
    let id = uuid::Uuid::new_v4().to_string();
    let secret = crate::pats::new_secret(false);
    st.world.add_pat(Pat {
        authorization_id: id.clone(),
        owner_oid: owner,
        org: org.account_name.clone(),
        display_name: req.display_name,
        scope: req.scope,
        target_accounts: if req.global.unwrap_or(false) {
            None
        } else {
            Some(vec![org.account_id.clone()])
        },
        valid_from,
        valid_to: wire::round_to_10ms(valid_to),
        revoked: req.revoked.unwrap_or(false),
        secret_sha256: Some(crate::state::secret_digest(&secret)),
    });
    // A test route: the secret is handed back so tests can authenticate with the token.
    ok(json!({ "authorizationId": id, "token": secret }))
}
