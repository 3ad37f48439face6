//! The PAT Lifecycle Management API (`{vssps}/{org}/_apis/tokens/pats`, §2.5–§2.12, §2.16–§2.18, checklist items
//! 17–27): List with paging, Get, Create, Update and Revoke, the api-version rules, business errors as `200` with
//! `patTokenError`, and the tenant and organization policies.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Response, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::Serialize;
use serde_json::{json, Value};

use crate::devops::{authenticate, Need};
use crate::jwt::AccessClaims;
use crate::router::{Ctx, Route};
use crate::server::Shared;
use crate::state::{Org, Pat, PatStatus, SimState};
use crate::{scopes, wire};

/// api-versions the PAT API accepts (checklist item 17).
const API_VERSIONS: &[&str] = &[
    "6.1-preview",
    "6.1-preview.1",
    "7.0-preview",
    "7.0-preview.1",
    "7.1-preview",
    "7.1-preview.1",
    "7.2-preview",
    "7.2-preview.1",
];

/// A `PatToken` in the property order the service emits (§2.11).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PatTokenOut<'a> {
    display_name: &'a str,
    valid_to: String,
    scope: &'a str,
    target_accounts: &'a Option<Vec<String>>,
    valid_from: String,
    authorization_id: &'a str,
    token: Option<String>,
}

fn pat_json(p: &Pat, secret: Option<String>) -> Value {
    serde_json::to_value(PatTokenOut {
        display_name: &p.display_name,
        valid_to: wire::fmt_trimmed(&p.valid_to),
        scope: &p.scope,
        target_accounts: &p.target_accounts,
        valid_from: wire::fmt_ticks(&p.valid_from),
        authorization_id: &p.authorization_id,
        token: secret,
    })
    .unwrap_or(Value::Null)
}

fn error_message(e: &str) -> String {
    match e {
        "displayNameRequired" => "A display name is required.".into(),
        "invalidDisplayName" => "The display name is invalid or longer than 256 characters after HTML encoding.".into(),
        "invalidValidTo" => "The expiration date is invalid or in the past.".into(),
        "invalidScope" => "One or more scopes are invalid.".into(),
        "tokenNotFound" => "No personal access token with this authorization id exists for this user.".into(),
        "invalidToken" => "The personal access token is revoked or otherwise invalid and cannot be updated.".into(),
        "invalidAuthorizationId" => "The authorization id is missing or malformed.".into(),
        "accessDenied" => "Access denied.".into(),
        "globalPatPolicyViolation" => "Your organization's policy restricts the creation of global personal access tokens.".into(),
        "fullScopePatPolicyViolation" => "Your organization's policy restricts the creation of full-scoped personal access tokens.".into(),
        "patLifespanPolicyViolation" => "The expiration date exceeds the maximum lifespan allowed by your organization's policy.".into(),
        "disablePatCreationPolicyViolation" => "Your ability to create and regenerate personal access tokens (PATs) is restricted by your organization. Contact your organization administrator.".into(),
        "globalPATCreationBlocked" => "Global personal access tokens (All accessible organizations) can no longer be created.".into(),
        "expiredPatCannotBeExtended" => "An expired personal access token cannot be extended. Regenerate it instead.".into(),
        "failedToReadTenantPolicy" => "The tenant's personal access token policies could not be read. Try again later.".into(),
        "failedToReadOrgPolicy" => "The organization's policies could not be read. Try again later.".into(),
        "failedToIssueAccessToken" => "The personal access token could not be issued. Try again later.".into(),
        "failedToUpdateAccessToken" => "The personal access token could not be updated. Try again later.".into(),
        other => format!("The operation failed: {other}."),
    }
}

fn result(error: &str, v72: bool, token: Value) -> Response<Body> {
    let mut body = json!({ "patToken": token, "patTokenError": error });
    if v72 && error != "none" {
        body["patTokenErrorMessage"] = Value::String(error_message(error));
    }
    wire::json(StatusCode::OK, &body)
}

fn bad_request(type_key: &str, message: &str) -> Response<Body> {
    wire::vss_error(StatusCode::BAD_REQUEST, type_key, message, 0)
}

fn malformed_json() -> Response<Body> {
    bad_request(
        "JsonReaderException",
        &format!(
            "TF400898: An Internal Error Occurred. Activity Id: {}.",
            uuid::Uuid::new_v4()
        ),
    )
}

/// Handles one PAT API request. `forced` is a `patError` fault to answer instead of the real outcome.
pub fn handle(shared: &Arc<Shared>, ctx: &Ctx, forced: Option<String>) -> Response<Body> {
    let Route::Pats { org } = &ctx.route else {
        return bad_request("ArgumentException", "Not a PAT route.");
    };
    let mut st = shared.lock();
    let Some(org) = st.world.org(org).cloned() else {
        return wire::vss_error(
            StatusCode::NOT_FOUND,
            "HostNotFoundException",
            &format!("TF400898: The organization '{org}' could not be found."),
            0,
        );
    };
    let need = if ctx.method == Method::GET || ctx.method == Method::HEAD {
        Need::PatsRead
    } else {
        Need::PatsManage
    };
    let claims = match authenticate(shared, &st, ctx, Some(&org), need) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let version = match ctx.q("api-version") {
        None | Some("") => {
            return bad_request(
                "VssVersionNotSpecifiedException",
                "VS800074: The api-version query parameter must be specified for this request.",
            )
        }
        Some(v) => v.trim().to_ascii_lowercase(),
    };
    if !API_VERSIONS.contains(&version.as_str()) {
        return bad_request(
            "VssInvalidApiResourceVersionException",
            &format!("VS800073: The requested REST API version of {version} is not supported for the resource Pats of the area Tokens."),
        );
    }
    let v72 = version.starts_with("7.2");
    let now = st.now();
    match ctx.method {
        Method::GET => {
            if let Some(id) = ctx.q("authorizationId") {
                if let Some(e) = forced {
                    return result(&e, v72, Value::Null);
                }
                get(&st, &org, &claims, id, v72, now)
            } else {
                if let Some(e) = forced {
                    return pascal_error(&e);
                }
                list(&st, &org, &claims, ctx, now)
            }
        }
        Method::POST => {
            let body = match parse_body(&ctx.body) {
                Ok(b) => b,
                Err(r) => return r,
            };
            if let Some(e) = forced {
                return result(&e, v72, Value::Null);
            }
            create(&mut st, &org, &claims, &body, v72, now)
        }
        Method::PUT => {
            let body = match parse_body(&ctx.body) {
                Ok(b) => b,
                Err(r) => return r,
            };
            if let Some(e) = forced {
                return result(&e, v72, Value::Null);
            }
            update(&mut st, &org, &claims, &body, v72, now)
        }
        Method::DELETE => {
            if let Some(e) = forced {
                return pascal_error(&e);
            }
            revoke(&mut st, &org, &claims, ctx, now)
        }
        _ => wire::vss_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "HttpMethodNotSupportedException",
            "The requested resource does not support this HTTP method.",
            0,
        ),
    }
}

/// Errors of operations without a `patTokenError` field, as the legacy API reports them (PascalCase, §5).
fn pascal_error(e: &str) -> Response<Body> {
    let mut c = e.chars();
    let pascal = match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    };
    bad_request("SessionTokenException", &pascal)
}

fn parse_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, Response<Body>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(malformed_json()),
    }
}

/// Whether a PAT can be seen and managed through `org` (§11 #7, #24).
fn visible_through(st: &SimState, p: &Pat, org: &Org) -> bool {
    match &p.target_accounts {
        None => true,
        Some(targets) => {
            targets
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&org.account_id))
                || (st.switches.list_tenant_wide
                    && targets.iter().any(|t| {
                        st.world
                            .org_by_id(t)
                            .is_some_and(|o| o.tenant_id.eq_ignore_ascii_case(&org.tenant_id))
                    }))
        }
    }
}

fn parse_filter(v: Option<&str>) -> Option<Option<PatStatus>> {
    match v.map(|s| s.trim().to_ascii_lowercase()) {
        None => Some(Some(PatStatus::Active)),
        Some(s) => match s.as_str() {
            "active" | "1" | "" => Some(Some(PatStatus::Active)),
            "revoked" | "2" => Some(Some(PatStatus::Revoked)),
            "expired" | "3" => Some(Some(PatStatus::Expired)),
            "all" | "4" => Some(None),
            _ => None,
        },
    }
}

#[derive(Clone, Copy)]
enum SortBy {
    DisplayName,
    DisplayDate,
    Status,
}

fn list(
    st: &SimState,
    org: &Org,
    claims: &AccessClaims,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Response<Body> {
    let Some(filter) = parse_filter(ctx.q("displayFilterOption")) else {
        return bad_request(
            "ArgumentException",
            "VS800065: The value of displayFilterOption is not valid.",
        );
    };
    let sort = match ctx.q("sortByOption").map(|s| s.trim().to_ascii_lowercase()) {
        None => SortBy::DisplayName,
        Some(s) => match s.as_str() {
            "displayname" | "1" | "" => SortBy::DisplayName,
            "displaydate" | "2" => SortBy::DisplayDate,
            "status" | "3" => SortBy::Status,
            _ => {
                return bad_request(
                    "ArgumentException",
                    "VS800065: The value of sortByOption is not valid.",
                )
            }
        },
    };
    let ascending = match ctx
        .q("isSortAscending")
        .map(|s| s.trim().to_ascii_lowercase())
    {
        None => true,
        Some(s) if s == "true" || s.is_empty() => true,
        Some(s) if s == "false" => false,
        Some(_) => {
            return bad_request(
                "ArgumentException",
                "VS800065: The value of isSortAscending is not valid.",
            )
        }
    };
    let top = match ctx.q("$top") {
        None => 20,
        Some(t) => match t.trim().parse::<i64>() {
            Ok(n) if n >= 1 => n.min(100) as usize,
            _ => {
                return bad_request(
                    "ArgumentOutOfRangeException",
                    "VS800065: The value of $top must be between 1 and 100.",
                )
            }
        },
    };
    let start_row = match ctx.q("continuationToken").filter(|c| !c.is_empty()) {
        None => 1usize,
        Some(c) => match decode_continuation(c) {
            Some(n) => n,
            None => {
                return bad_request(
                    "ArgumentException",
                    "VS800065: The continuation token is not valid.",
                )
            }
        },
    };

    let mut rows: Vec<&Pat> = if st.switches.list_tenant_wide {
        st.world
            .pats
            .iter()
            .filter(|p| visible_through(st, p, org))
            .collect()
    } else {
        let own = st.world.by_target.get(&org.account_id.to_ascii_lowercase());
        let global = st.world.by_target.get("*");
        own.into_iter()
            .chain(global)
            .flatten()
            .map(|&i| &st.world.pats[i])
            .collect()
    };
    rows.retain(|p| {
        p.owner_oid.eq_ignore_ascii_case(&claims.oid) && filter.is_none_or(|f| p.status(now) == f)
    });
    match sort {
        SortBy::DisplayName => {
            rows.sort_by_cached_key(|p| (p.display_name.to_lowercase(), p.authorization_id.clone()))
        }
        SortBy::DisplayDate => rows.sort_by(|a, b| {
            a.valid_to
                .cmp(&b.valid_to)
                .then_with(|| a.authorization_id.cmp(&b.authorization_id))
        }),
        SortBy::Status => rows.sort_by_cached_key(|p| {
            (
                p.status(now),
                p.display_name.to_lowercase(),
                p.authorization_id.clone(),
            )
        }),
    }
    if !ascending {
        rows.reverse();
    }
    let begin = (start_row - 1).min(rows.len());
    let end = (begin + top).min(rows.len());
    let page: Vec<Value> = rows[begin..end].iter().map(|p| pat_json(p, None)).collect();
    let continuation = if end < rows.len() {
        encode_continuation(end + 1)
    } else {
        String::new()
    };
    wire::json(
        StatusCode::OK,
        &json!({ "continuationToken": continuation, "patTokens": page }),
    )
}

/// `base64(utf8("{nextRow}-patapitoken"))` (§2.5).
pub fn encode_continuation(next_row: usize) -> String {
    STANDARD.encode(format!("{next_row}-patapitoken"))
}

fn decode_continuation(c: &str) -> Option<usize> {
    let raw = STANDARD.decode(c.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let n: usize = text.strip_suffix("-patapitoken")?.parse().ok()?;
    (n >= 1).then_some(n)
}

enum Lookup {
    Found(usize),
    Error(&'static str),
}

fn parse_id(id: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(id.trim()).ok()
}

fn lookup(st: &SimState, org: &Org, claims: &AccessClaims, id: &uuid::Uuid) -> Lookup {
    if id.is_nil() {
        return Lookup::Error("invalidAuthorizationId");
    }
    match st.world.pat_index(&id.to_string()) {
        None => Lookup::Error("tokenNotFound"),
        Some(i) => {
            let p = &st.world.pats[i];
            if !p.owner_oid.eq_ignore_ascii_case(&claims.oid) {
                Lookup::Error("accessDenied")
            } else if !visible_through(st, p, org) {
                Lookup::Error("tokenNotFound")
            } else {
                Lookup::Found(i)
            }
        }
    }
}

fn get(
    st: &SimState,
    org: &Org,
    claims: &AccessClaims,
    id: &str,
    v72: bool,
    _now: DateTime<Utc>,
) -> Response<Body> {
    let Some(uuid) = parse_id(id) else {
        return bad_request(
            "ArgumentException",
            &format!("VS800065: The value '{id}' of authorizationId is not a valid GUID."),
        );
    };
    match lookup(st, org, claims, &uuid) {
        Lookup::Error(e) => result(e, v72, Value::Null),
        Lookup::Found(i) => result("none", v72, pat_json(&st.world.pats[i], None)),
    }
}

/// Length of a name after the service's HTML encoding (§2.16).
fn encoded_len(name: &str) -> usize {
    name.chars()
        .map(|c| match c {
            '&' => 5,
            '<' | '>' => 4,
            '"' => 6,
            '\'' => 5,
            _ => 1,
        })
        .sum()
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.trim().is_empty() {
        return Err("displayNameRequired");
    }
    if encoded_len(name) > 256 || name.chars().any(|c| c.is_control()) {
        return Err("invalidDisplayName");
    }
    Ok(())
}

fn str_field<'a>(
    body: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, ()> {
    match body
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
    {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(()),
    }
}

fn bool_field(body: &serde_json::Map<String, Value>, key: &str) -> Result<Option<bool>, ()> {
    match body
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
    {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(()),
    }
}

fn allowed(list: &[String], oid: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(oid))
}

/// Global-PAT policies for a PAT that would be global after this operation.
fn check_global(
    st: &SimState,
    org: &Org,
    oid: &str,
    now: DateTime<Utc>,
) -> Result<(), &'static str> {
    let tp = st.tenant_policy(&org.tenant_id);
    if tp.restrict_global && !allowed(&tp.allow_list, oid) {
        return Err("globalPatPolicyViolation");
    }
    if st.global_creation_cutoff.is_some_and(|c| now >= c) || now >= st.global_retirement {
        return Err("globalPATCreationBlocked");
    }
    Ok(())
}

/// Applies the maximum-lifespan policy: clamp (default) or refuse (§11 #2).
fn check_lifespan(
    st: &SimState,
    org: &Org,
    oid: &str,
    valid_to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, &'static str> {
    let tp = st.tenant_policy(&org.tenant_id);
    let exempt = allowed(&tp.allow_list, oid);
    let policy_days = tp.max_lifespan_days.filter(|_| !exempt);
    let days = policy_days.map(i64::from).unwrap_or(365).min(365);
    let limit = wire::round_to_10ms(now + Duration::days(days));
    if valid_to <= limit {
        return Ok(valid_to);
    }
    if policy_days.is_some() && tp.lifespan_refuse {
        return Err("patLifespanPolicyViolation");
    }
    Ok(limit)
}

fn check_creation_policy(
    st: &SimState,
    org: &Org,
    oid: &str,
    scope: &str,
) -> Result<(), &'static str> {
    let op = st.org_policy(&org.account_id);
    if op.restrict_creation
        && !allowed(&op.allow_list, oid)
        && !(op.packaging_only && scopes::packaging_only(scope))
    {
        return Err("disablePatCreationPolicyViolation");
    }
    Ok(())
}

fn check_full_scope(st: &SimState, org: &Org, oid: &str, scope: &str) -> Result<(), &'static str> {
    let tp = st.tenant_policy(&org.tenant_id);
    if scope == "app_token" && tp.restrict_full_scope && !allowed(&tp.allow_list, oid) {
        return Err("fullScopePatPolicyViolation");
    }
    Ok(())
}

/// A new secret: 84 characters of `[A-Za-z0-9]` with `AZDO` at 76..80, or a 52-character legacy one (§2.16).
pub fn new_secret(legacy: bool) -> String {
    let mut rng = rand::thread_rng();
    if legacy {
        const B32: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
        return (0..52)
            .map(|_| B32[rng.gen_range(0..B32.len())] as char)
            .collect();
    }
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s: String = (0..76)
        .map(|_| ALNUM[rng.gen_range(0..ALNUM.len())] as char)
        .collect();
    s.push_str("AZDO");
    s.extend((0..4).map(|_| ALNUM[rng.gen_range(0..ALNUM.len())] as char));
    s
}

fn create(
    st: &mut SimState,
    org: &Org,
    claims: &AccessClaims,
    body: &serde_json::Map<String, Value>,
    v72: bool,
    now: DateTime<Utc>,
) -> Response<Body> {
    let (Ok(name), Ok(scope), Ok(valid_to), Ok(all_orgs)) = (
        str_field(body, "displayName"),
        str_field(body, "scope"),
        str_field(body, "validTo"),
        bool_field(body, "allOrgs"),
    ) else {
        return malformed_json();
    };
    let oid = claims.oid.clone();
    let outcome = (|| -> Result<Pat, &'static str> {
        let name = match name {
            None | Some("") => uuid::Uuid::new_v4().to_string(),
            Some(n) => n.to_string(),
        };
        check_name(&name)?;
        let scope = scopes::normalise(scope.unwrap_or("")).ok_or("invalidScope")?;
        let valid_to = match valid_to {
            None => now + Duration::days(365),
            Some(v) => wire::parse_time(v).ok_or("invalidValidTo")?,
        };
        if valid_to <= now {
            return Err("invalidValidTo");
        }
        check_creation_policy(st, org, &oid, &scope)?;
        let global = all_orgs.unwrap_or(false);
        if global {
            check_global(st, org, &oid, now)?;
        }
        check_full_scope(st, org, &oid, &scope)?;
        let valid_to = check_lifespan(st, org, &oid, wire::round_to_10ms(valid_to), now)?;
        Ok(Pat {
            authorization_id: uuid::Uuid::new_v4().to_string(),
            owner_oid: oid.clone(),
            org: org.account_name.clone(),
            display_name: name,
            scope,
            target_accounts: if global {
                None
            } else {
                Some(vec![org.account_id.clone()])
            },
            valid_from: now,
            valid_to,
            revoked: false,
            secret_sha256: None,
        })
    })();
    match outcome {
        Err(e) => result(e, v72, Value::Null),
        Ok(mut p) => {
            let secret = new_secret(st.switches.legacy_secrets);
            p.secret_sha256 = Some(crate::state::secret_digest(&secret));
            let out = pat_json(&p, Some(secret));
            st.world.add_pat(p);
            result("none", v72, out)
        }
    }
}

/// Name, scope, expiry and targets after an update.
type Changes = (String, String, DateTime<Utc>, Option<Vec<String>>);

fn update(
    st: &mut SimState,
    org: &Org,
    claims: &AccessClaims,
    body: &serde_json::Map<String, Value>,
    v72: bool,
    now: DateTime<Utc>,
) -> Response<Body> {
    let (Ok(id), Ok(name), Ok(scope), Ok(valid_to), Ok(all_orgs)) = (
        str_field(body, "authorizationId"),
        str_field(body, "displayName"),
        str_field(body, "scope"),
        str_field(body, "validTo"),
        bool_field(body, "allOrgs"),
    ) else {
        return malformed_json();
    };
    let Some(uuid) = id.and_then(parse_id) else {
        return result("invalidAuthorizationId", v72, Value::Null);
    };
    let i = match lookup(st, org, claims, &uuid) {
        Lookup::Error(e) => return result(e, v72, Value::Null),
        Lookup::Found(i) => i,
    };
    let oid = claims.oid.clone();
    let current = st.world.pats[i].clone();
    let outcome = (|| -> Result<Changes, &'static str> {
        if current.revoked {
            return Err("invalidToken");
        }
        if current.valid_to <= now && st.switches.expired_update != "allow" {
            return Err("expiredPatCannotBeExtended");
        }
        let new_name = match name {
            None => current.display_name.clone(),
            Some(n) => {
                check_name(n)?;
                n.to_string()
            }
        };
        let new_scope = match scope {
            None => current.scope.clone(),
            Some(s) => scopes::normalise(s).ok_or("invalidScope")?,
        };
        let new_valid_to = match valid_to {
            None => current.valid_to,
            Some(v) => {
                let t = wire::parse_time(v).ok_or("invalidValidTo")?;
                if t <= now {
                    return Err("invalidValidTo");
                }
                wire::round_to_10ms(t)
            }
        };
        if st.org_policy(&org.account_id).on_update {
            check_creation_policy(st, org, &oid, &new_scope)?;
        }
        let new_targets = match all_orgs {
            None => current.target_accounts.clone(),
            Some(true) => None,
            Some(false) => Some(vec![org.account_id.clone()]),
        };
        if all_orgs == Some(true) {
            check_global(st, org, &oid, now)?;
        }
        if scope.is_some() {
            check_full_scope(st, org, &oid, &new_scope)?;
        }
        let new_valid_to = if valid_to.is_some() {
            check_lifespan(st, org, &oid, new_valid_to, now)?
        } else {
            new_valid_to
        };
        Ok((new_name, new_scope, new_valid_to, new_targets))
    })();
    match outcome {
        Err(e) => result(e, v72, Value::Null),
        Ok((n, s, t, targets)) => {
            {
                let p = &mut st.world.pats[i];
                p.display_name = n;
                p.scope = s;
                p.valid_to = t;
            }
            st.world.retarget(i, targets);
            result("none", v72, pat_json(&st.world.pats[i], None))
        }
    }
}

fn revoke(
    st: &mut SimState,
    org: &Org,
    claims: &AccessClaims,
    ctx: &Ctx,
    _now: DateTime<Utc>,
) -> Response<Body> {
    let Some(id) = ctx.q("authorizationId") else {
        return bad_request(
            "ArgumentNullException",
            "Value cannot be null.\r\nParameter name: authorizationId",
        );
    };
    let Some(uuid) = parse_id(id) else {
        return bad_request(
            "ArgumentException",
            &format!("VS800065: The value '{id}' of authorizationId is not a valid GUID."),
        );
    };
    let found = match lookup(st, org, claims, &uuid) {
        Lookup::Found(i) if !st.world.pats[i].revoked => Some(i),
        _ => None,
    };
    match found {
        Some(i) => {
            st.world.pats[i].revoked = true;
            let status = StatusCode::from_u16(st.switches.revoke_success_status)
                .unwrap_or(StatusCode::NO_CONTENT);
            wire::empty(status)
        }
        None => {
            let status = StatusCode::from_u16(st.switches.revoke_unknown_status)
                .unwrap_or(StatusCode::NOT_FOUND);
            if status.is_success() {
                return wire::empty(status);
            }
            wire::vss_error(
                status,
                "SessionTokenNotFoundException",
                &format!("No session token exists for given Authorization ID. Invalid Authorization ID : {id}"),
                0,
            )
        }
    }
}
