//! The test-only routes of the server mode under `/_sim/server/`: inspect the server (no passwords, no token
//! secrets), set accounts and passwords, add collections, seed tokens, flip the behaviour switches and close
//! every open connection (so the client must connect and sign in again).

use axum::body::Body;
use axum::http::{Response, StatusCode};
use chrono::Duration;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::server::Shared;
use crate::state::secret_digest;
use crate::wire;

use super::world::{html_encode, ServerSwitches, SessionToken};

fn bad(msg: impl Into<String>) -> Response<Body> {
    wire::json(StatusCode::BAD_REQUEST, &json!({ "error": msg.into() }))
}

fn ok(v: Value) -> Response<Body> {
    wire::json(StatusCode::OK, &v)
}

/// Handles `/_sim/server/{route}`; `None` when the route is not one of these.
pub fn handle(shared: &Shared, method: &str, route: &str, body: &Value) -> Option<Response<Body>> {
    Some(match (method, route) {
        ("GET", "/server/state") => state(shared),
        ("POST", "/server/users") => {
            let Some(login) = body.get("login").and_then(Value::as_str) else {
                return Some(bad("login (DOMAIN\\user) is required"));
            };
            let Some(password) = body.get("password").and_then(Value::as_str) else {
                return Some(bad("password is required"));
            };
            let id = shared.lock().server.upsert_user(
                login,
                password,
                body.get("displayName").and_then(Value::as_str),
                body.get("locked").and_then(Value::as_bool).unwrap_or(false),
            );
            ok(json!({ "id": id, "login": login }))
        }
        ("POST", "/server/collections") => {
            let Some(name) = body.get("name").and_then(Value::as_str) else {
                return Some(bad("name is required"));
            };
            let c = shared.lock().server.add_collection(name);
            ok(json!({ "id": c.id, "name": c.name }))
        }
        ("POST", "/server/tokens") => seed_token(shared, body),
        ("GET", "/server/switches") => {
            ok(serde_json::to_value(&shared.lock().server.switches).unwrap_or(Value::Null))
        }
        ("POST", "/server/switches") => {
            let mut st = shared.lock();
            let mut current = serde_json::to_value(&st.server.switches).unwrap_or(json!({}));
            if let Value::Object(patch) = body {
                for (k, v) in patch {
                    current[k] = v.clone();
                }
            }
            match serde_json::from_value::<ServerSwitches>(current) {
                Ok(s) => {
                    st.server.switches = s;
                    ok(serde_json::to_value(&st.server.switches).unwrap_or(Value::Null))
                }
                Err(e) => bad(format!("invalid server switches: {e}")),
            }
        }
        ("POST", "/server/drop-connections") => {
            let dropped = shared.drop_connections();
            ok(json!({ "dropped": dropped }))
        }
        _ => return None,
    })
}

fn state(shared: &Shared) -> Response<Body> {
    let st = shared.lock();
    let now = st.now();
    let users: Vec<Value> = st
        .server
        .users
        .iter()
        .map(|u| json!({"id": u.id, "login": u.login, "displayName": u.display_name, "locked": u.locked}))
        .collect();
    let collections: Vec<Value> = st
        .server
        .collections
        .iter()
        .map(|c| json!({"id": c.id, "name": c.name}))
        .collect();
    let tokens: Vec<Value> = st
        .server
        .tokens
        .iter()
        .map(|t| {
            json!({
                "authorizationId": t.authorization_id,
                "owner": t.owner,
                "displayName": t.display_name_stored,
                "scope": t.scope,
                "targetAccounts": t.target_accounts,
                "validFrom": wire::fmt_millis(&t.valid_from),
                "validTo": wire::fmt_millis(&t.valid_to),
                "status": if t.revoked { "revoked" } else if t.valid_to <= now { "expired" } else { "active" },
                "compact": t.compact,
            })
        })
        .collect();
    ok(json!({
        "now": wire::fmt_millis(&now),
        "url": format!("{}/tfs", shared.base_url),
        "users": users,
        "collections": collections,
        "tokens": tokens,
        "revokeAllCalls": st.server.revoke_all_calls,
        "handshakes": st.server.handshakes,
        "failedHandshakes": st.server.failed_handshakes,
        "connections": shared.connections_opened(),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedToken {
    owner: Option<String>,
    /// A collection name; absent or null: all collections.
    collection: Option<String>,
    display_name: String,
    scope: Option<String>,
    valid_to: Option<String>,
    valid_from: Option<String>,
    revoked: Option<bool>,
}

fn seed_token(shared: &Shared, body: &Value) -> Response<Body> {
    let req: SeedToken = match serde_json::from_value(body.clone()) {
        Ok(r) => r,
        Err(e) => return bad(format!("invalid token: {e}")),
    };
    let mut st = shared.lock();
    let now = st.now();
    let owner = req
        .owner
        .unwrap_or_else(|| super::world::DEMO_LOGIN.to_string());
    if st.server.user(&owner).is_none() {
        return bad(format!("unknown account {owner}"));
    }
    let targets = match &req.collection {
        None => None,
        Some(name) => match st.server.collection(name) {
            Some(c) => Some(vec![c.id.clone()]),
            None => return bad(format!("unknown collection {name}")),
        },
    };
    let parse = |s: Option<&String>, default| match s {
        None => Ok(default),
        Some(s) => wire::parse_time(s).ok_or_else(|| bad(format!("{s} is not an ISO-8601 date"))),
    };
    let valid_to = match parse(req.valid_to.as_ref(), now + Duration::days(30)) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let valid_from = match parse(req.valid_from.as_ref(), now) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let secret = crate::pats::new_secret(true);
    let id = uuid::Uuid::new_v4().to_string();
    st.server.tokens.push(SessionToken {
        authorization_id: id.clone(),
        access_id: uuid::Uuid::new_v4().to_string(),
        owner,
        display_name_stored: html_encode(&req.display_name),
        scope: req.scope.unwrap_or_else(|| "app_token".into()),
        target_accounts: targets,
        valid_from,
        valid_to: wire::round_to_10ms(valid_to),
        revoked: req.revoked.unwrap_or(false),
        compact: true,
        by_web_ui: true,
        secret_sha256: Some(secret_digest(&secret)),
    });
    // A test route: the secret is handed back so tests can sign in with the token (Basic).
    ok(json!({ "authorizationId": id, "token": secret }))
}
