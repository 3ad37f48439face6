//! `_apis/Token/SessionTokens` as Azure DevOps Server answers it (contract §3): the full list and the paged
//! list (seven required parameters, the RFC 1123 page timestamp), Get, Create (`tokenType=Compact`, names
//! stored HTML-encoded, lifetimes clamped silently, collection-level tokens forced to their collection, a PAT
//! caller refused with `AccessDenied`), Update (a POST with the id; `validTo` taken as sent), Revoke (`200`,
//! `404` when already gone) and the id-less `DELETE` that revokes every token of the caller.

use axum::body::Body;
use axum::http::{Method, Response, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use crate::router::Ctx;
use crate::server::Shared;
use crate::state::{secret_digest, SimState};
use crate::wire;

use super::auth::Caller;
use super::world::{html_encode, SessionToken};

/// The location id of the resource (§1).
pub const LOCATION_ID: &str = "ada996bc-8c18-4193-b20c-cd41b13f5b4d";

/// `0001-01-01T00:00:00Z`: what .NET makes of a `DateTime` the body left out.
fn dotnet_min() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn to_json(st: &SimState, t: &SessionToken, secret: Option<&str>) -> Value {
    let user_id = st
        .server
        .user(&t.owner)
        .map(|u| u.id.clone())
        .unwrap_or_default();
    json!({
        "clientId": "00000000-0000-0000-0000-000000000000",
        "accessId": t.access_id,
        "authorizationId": t.authorization_id,
        "hostAuthorizationId": "00000000-0000-0000-0000-000000000000",
        "userId": user_id,
        "validFrom": wire::fmt_ticks(&t.valid_from),
        "validTo": wire::fmt_trimmed(&t.valid_to),
        "displayName": t.display_name_stored,
        "scope": t.scope,
        "targetAccounts": t.target_accounts,
        "token": secret,
        "alternateToken": null,
        "isValid": t.is_valid(st.now()),
        "isPublic": false,
        "publicData": null,
        "source": null,
        "claims": null,
    })
}

fn create_error(message: &str) -> Response<Body> {
    wire::vss_error(
        StatusCode::BAD_REQUEST,
        "SessionTokenCreateException",
        message,
        0,
    )
}

fn not_found() -> Response<Body> {
    wire::vss_error(
        StatusCode::NOT_FOUND,
        "SessionTokenNotFoundException",
        "NoValidSessionTokenFound",
        0,
    )
}

fn forbidden() -> Response<Body> {
    wire::vss_error(
        StatusCode::FORBIDDEN,
        "AccessCheckException",
        "Access denied. You do not have permission to access this session token.",
        0,
    )
}

fn argument(message: &str) -> Response<Body> {
    wire::vss_error(StatusCode::BAD_REQUEST, "ArgumentException", message, 0)
}

/// Handles one SessionTokens request of `caller`. `collection`: the collection in the URL (`None`: the
/// deployment level); `id`: the id in the URL.
pub fn handle(
    shared: &Shared,
    ctx: &Ctx,
    caller: &Caller,
    collection: Option<&str>,
    id: Option<&str>,
) -> Response<Body> {
    let mut st = shared.lock();
    if !st.server.switches.session_tokens_route {
        return wire::vss_error(
            StatusCode::NOT_FOUND,
            "VssResourceNotFoundException",
            &format!(
                "VS800075: The API resource location {LOCATION_ID} is not registered on {}/tfs.",
                shared.base_url
            ),
            0,
        );
    }
    let collection = match collection {
        None => None,
        Some(name) => match st.server.collection(name) {
            Some(c) => Some(c.clone()),
            None => {
                return wire::vss_error(
                    StatusCode::NOT_FOUND,
                    "CollectionDoesNotExistException",
                    &format!("TF400898: The collection {name} does not exist."),
                    0,
                )
            }
        },
    };
    let collection_id = collection.as_ref().map(|c| c.id.clone());
    match (&ctx.method, id) {
        (&Method::OPTIONS, _) => wire::json(
            StatusCode::OK,
            &json!({"count": 1, "value": [{
                "id": LOCATION_ID, "area": "Token", "resourceName": "SessionTokens",
                "routeTemplate": "_apis/{area}/{resource}/{authorizationId}",
                "minVersion": "1.0", "maxVersion": "7.2", "releasedVersion": "7.1", "resourceVersion": 1
            }]}),
        ),
        (&Method::GET, None) => list(&mut st, ctx, caller),
        (&Method::GET, Some(id)) => match st.server.token_index(id) {
            Some(i)
                if !st.server.tokens[i]
                    .owner
                    .eq_ignore_ascii_case(&caller.login) =>
            {
                forbidden()
            }
            Some(i) if st.server.tokens[i].compact => {
                wire::json(StatusCode::OK, &to_json(&st, &st.server.tokens[i], None))
            }
            _ => not_found(),
        },
        (&Method::POST, None) => {
            let body: Map<String, Value> = match serde_json::from_slice(&ctx.body) {
                Ok(Value::Object(m)) => m,
                _ => return argument("The request body must be a SessionToken."),
            };
            let update_id = body
                .get("authorizationId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty() && *s != "00000000-0000-0000-0000-000000000000")
                .map(str::to_string);
            match update_id {
                Some(id) => update(&mut st, caller, &id, &body),
                None => create(&mut st, ctx, caller, collection_id.as_deref(), &body),
            }
        }
        (&Method::DELETE, Some(id)) => match st.server.token_index(id) {
            Some(i)
                if !st.server.tokens[i]
                    .owner
                    .eq_ignore_ascii_case(&caller.login) =>
            {
                forbidden()
            }
            Some(i) if !st.server.tokens[i].revoked && st.server.tokens[i].compact => {
                st.server.tokens[i].revoked = true;
                wire::empty(StatusCode::OK)
            }
            _ => not_found(),
        },
        (&Method::DELETE, None) => {
            // Revoke all: every token of the caller. PAT Desk must never send this.
            st.server.revoke_all_calls += 1;
            for t in st.server.tokens.iter_mut() {
                if t.owner.eq_ignore_ascii_case(&caller.login) {
                    t.revoked = true;
                }
            }
            wire::empty(StatusCode::OK)
        }
        _ => wire::vss_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "VssResourceNotFoundException",
            "The requested resource does not support this method.",
            0,
        ),
    }
}

const PAGING_PARAMS: [&str; 7] = [
    "displayFilterOption",
    "createdByOption",
    "sortByOption",
    "isSortAscending",
    "startRowNumber",
    "pageSize",
    "pageRequestTimeStamp",
];

fn enum_value(raw: &str, names: &[&str]) -> Option<usize> {
    if let Ok(n) = raw.trim().parse::<usize>() {
        return (1..=names.len()).contains(&n).then_some(n);
    }
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(raw.trim()))
        .map(|i| i + 1)
}

fn list(st: &mut SimState, ctx: &Ctx, caller: &Caller) -> Response<Body> {
    if ctx
        .q("isPublic")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        // SSH keys; the simulated people have none.
        return wire::json(StatusCode::OK, &json!({"count": 0, "value": []}));
    }
    let now = st.now();
    let mine: Vec<&SessionToken> = st
        .server
        .tokens
        .iter()
        .filter(|t| t.compact && t.owner.eq_ignore_ascii_case(&caller.login))
        .collect();
    if !PAGING_PARAMS.iter().any(|p| ctx.q(p).is_some()) {
        let value: Vec<Value> = mine.iter().map(|t| to_json(st, t, None)).collect();
        return wire::json(
            StatusCode::OK,
            &json!({"count": value.len(), "value": value}),
        );
    }
    // The paged list: all seven parameters are required.
    for p in PAGING_PARAMS {
        if ctx.q(p).is_none_or(|v| v.trim().is_empty()) {
            return argument(&format!(
                "Value cannot be null or whitespace.\r\nParameter name: {p}"
            ));
        }
    }
    let q = |p: &str| ctx.q(p).unwrap_or_default();
    let stamp = q("pageRequestTimeStamp");
    if DateTime::parse_from_rfc2822(stamp).is_err() || !stamp.trim_end().ends_with("GMT") {
        return argument(&format!(
            "String '{stamp}' was not recognized as a valid DateTime.\r\nParameter name: pageRequestTimeStamp"
        ));
    }
    let (Some(filter), Some(created_by), Some(sort)) = (
        enum_value(
            q("displayFilterOption"),
            &["Active", "Revoked", "Expired", "All"],
        ),
        enum_value(q("createdByOption"), &["VstsWebUi", "NonVstsWebUi", "All"]),
        enum_value(q("sortByOption"), &["DisplayName", "DisplayDate", "Status"]),
    ) else {
        return argument("The value of an enumeration parameter is not valid.");
    };
    let (Ok(start), Ok(size)) = (
        q("startRowNumber").trim().parse::<usize>(),
        q("pageSize").trim().parse::<usize>(),
    ) else {
        return argument("startRowNumber and pageSize must be numbers.");
    };
    if !st.server.switches.paging {
        // An older server without the stored procedure.
        return wire::vss_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SqlException",
            "TF246017: Could not find stored procedure 'prc_GetAccessTokensByUserIdByPage'.",
            0,
        );
    }
    let ascending = q("isSortAscending").eq_ignore_ascii_case("true");
    let status = |t: &SessionToken| {
        if t.revoked {
            2
        } else if t.valid_to <= now {
            3
        } else {
            1
        }
    };
    let mut rows: Vec<&SessionToken> = mine
        .into_iter()
        .filter(|t| filter == 4 || status(t) == filter)
        .filter(|t| created_by == 3 || (created_by == 1) == t.by_web_ui)
        .collect();
    rows.sort_by(|a, b| {
        let o = match sort {
            1 => a
                .display_name_stored
                .to_lowercase()
                .cmp(&b.display_name_stored.to_lowercase()),
            2 => a.valid_to.cmp(&b.valid_to),
            _ => status(a).cmp(&status(b)),
        }
        .then_with(|| a.authorization_id.cmp(&b.authorization_id));
        if ascending {
            o
        } else {
            o.reverse()
        }
    });
    let start = start.max(1);
    let size = size.clamp(1, 1000);
    let page: Vec<Value> = rows
        .iter()
        .skip(start - 1)
        .take(size)
        .map(|t| to_json(st, t, None))
        .collect();
    let next = if start - 1 + size < rows.len() {
        start + size
    } else {
        0
    };
    wire::json(
        StatusCode::OK,
        &json!({"nextRowNumber": next, "sessionTokens": page}),
    )
}

fn parse_valid_to(body: &Map<String, Value>) -> Result<Option<DateTime<Utc>>, Response<Body>> {
    match body.get("validTo") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => match wire::parse_time(s) {
            Some(t) => Ok(Some(t)),
            None => Err(argument("validTo is not a valid date.")),
        },
        Some(_) => Err(argument("validTo is not a valid date.")),
    }
}

/// Scopes the 2022 build does not offer (not `Public`, or feature-flagged; contract §6).
const NOT_ON_SERVERS: &[&str] = &[
    "vso.pats",
    "vso.chat",
    "vso.hooks",
    "vso.drop",
    "vso.blobstore",
    "vso.buildcache",
    "vso.githubconnections",
];

fn normalise_scope(scope: &str) -> Option<String> {
    let scope = scope.trim();
    if scope.eq_ignore_ascii_case("app_token") {
        return Some("app_token".into());
    }
    if scope.split_whitespace().any(|s| {
        NOT_ON_SERVERS
            .iter()
            .any(|p| s.to_ascii_lowercase().starts_with(p))
    }) {
        return None;
    }
    crate::scopes::normalise(scope)
}

fn clamp(st: &SimState, valid_to: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let max = now + Duration::days(i64::from(st.server.switches.max_lifetime_days));
    wire::round_to_10ms(valid_to.min(max))
}

fn create(
    st: &mut SimState,
    ctx: &Ctx,
    caller: &Caller,
    collection_id: Option<&str>,
    body: &Map<String, Value>,
) -> Response<Body> {
    if caller.with_pat {
        // An alternate credential (a PAT) cannot mint a PAT (§4).
        return create_error("AccessDenied");
    }
    let now = st.now();
    let name = body
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = if name.trim().is_empty() {
        uuid::Uuid::new_v4().to_string()
    } else {
        name
    };
    if name.chars().count() > 256 {
        return create_error("InvalidDisplayName");
    }
    let Some(scope) = normalise_scope(
        body.get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    ) else {
        return create_error("InvalidScope");
    };
    let valid_to = match parse_valid_to(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let valid_to = match valid_to {
        None => now + Duration::days(i64::from(st.server.switches.default_lifetime_days)),
        Some(t) if t <= dotnet_min() + Duration::days(1) => {
            now + Duration::days(i64::from(st.server.switches.default_lifetime_days))
        }
        Some(t) => t,
    };
    let valid_to = clamp(st, valid_to, now);
    let requested: Option<Vec<String>> = match body.get("targetAccounts") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect(),
        ),
        Some(_) => return create_error("InvalidTargetAccounts"),
    };
    let targets = match collection_id {
        // Collection level: forced to the collection; anything else is refused.
        Some(cid) => match requested.as_deref() {
            None | Some([]) => Some(vec![cid.to_string()]),
            Some([one]) if one.eq_ignore_ascii_case(cid) => Some(vec![cid.to_string()]),
            _ => return create_error("InvalidTargetAccounts"),
        },
        // Deployment level: all collections, or collections of this server.
        None => match requested {
            None => None,
            Some(v) if v.is_empty() => None,
            Some(v) => {
                if v.iter().all(|id| {
                    st.server
                        .collections
                        .iter()
                        .any(|c| c.id.eq_ignore_ascii_case(id))
                }) {
                    Some(v)
                } else {
                    return create_error("InvalidTargetAccounts");
                }
            }
        },
    };
    let compact = ctx
        .q("tokenType")
        .is_some_and(|t| t.eq_ignore_ascii_case("compact"));
    let secret = if compact {
        crate::pats::new_secret(true)
    } else {
        // SelfDescribing: a JWT, not a PAT.
        format!("eyJ0eXAiOiJKV1QifQ.{}.sig", uuid::Uuid::new_v4().simple())
    };
    let token = SessionToken {
        authorization_id: uuid::Uuid::new_v4().to_string(),
        access_id: uuid::Uuid::new_v4().to_string(),
        owner: caller.login.clone(),
        display_name_stored: html_encode(&name),
        scope,
        target_accounts: targets,
        valid_from: now,
        valid_to,
        revoked: false,
        compact,
        by_web_ui: ctx
            .q("isRequestedByTfsPatWebUI")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        secret_sha256: Some(secret_digest(&secret)),
    };
    let out = to_json(st, &token, Some(&secret));
    st.server.tokens.push(token);
    wire::json(StatusCode::OK, &out)
}

fn update(
    st: &mut SimState,
    caller: &Caller,
    id: &str,
    body: &Map<String, Value>,
) -> Response<Body> {
    let now = st.now();
    let Some(i) = st.server.token_index(id) else {
        return not_found();
    };
    if !st.server.tokens[i]
        .owner
        .eq_ignore_ascii_case(&caller.login)
    {
        return forbidden();
    }
    if st.server.tokens[i].revoked || !st.server.tokens[i].compact {
        return not_found();
    }
    // `validTo` is a non-nullable DateTime passed through: left out, it becomes 0001-01-01 (§3 "Update").
    let valid_to = match parse_valid_to(body) {
        Ok(v) => v.unwrap_or_else(dotnet_min),
        Err(r) => return r,
    };
    let scope = match body
        .get("scope")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
    {
        None => None,
        Some(s) => match normalise_scope(s) {
            Some(s) => Some(s),
            None => return argument("The scope is not valid."),
        },
    };
    let name = body
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(html_encode);
    let valid_to = if valid_to <= dotnet_min() + Duration::days(1) {
        valid_to
    } else {
        clamp(st, valid_to, now)
    };
    let t = &mut st.server.tokens[i];
    t.valid_to = valid_to;
    if let Some(s) = scope {
        t.scope = s;
    }
    if let Some(n) = name {
        t.display_name_stored = n;
    }
    let out = to_json(st, &st.server.tokens[i], None);
    wire::json(StatusCode::OK, &out)
}
