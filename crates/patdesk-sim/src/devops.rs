//! Azure DevOps authentication as every Azure DevOps route applies it (§2.4, §2.13, checklist items 11–16), plus
//! the small identity routes: Profile, Accounts, connectionData (§4) and unauthenticated tenant discovery (§3.3).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, Response, StatusCode};
use serde_json::json;

use crate::jwt::AccessClaims;
use crate::router::{Ctx, Route};
use crate::server::Shared;
use crate::state::{Org, SimState};
use crate::wire::{self, ADO_RESOURCE};

/// Which Entra permission a call needs in strict scope mode (§11 #3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any valid user token.
    Any,
    /// `vso.pats` (Get, List).
    PatsRead,
    /// `vso.pats_manage` (Create, Update, Revoke).
    PatsManage,
}

fn suppressed(ctx: &Ctx) -> bool {
    ctx.header("x-tfs-fedauthredirect")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("suppress"))
}

/// "Not signed in": `401` VSS JSON with a Bearer challenge when the client suppresses redirects or the verb is
/// PUT/DELETE, otherwise the `203` HTML sign-in page.
pub fn unauthenticated(
    shared: &Shared,
    ctx: &Ctx,
    tenant: Option<&str>,
    user: &str,
) -> Response<Body> {
    if suppressed(ctx) || ctx.method == Method::PUT || ctx.method == Method::DELETE {
        let mut r = wire::vss_error(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedRequestException",
            &format!("TF400813: The user '{user}' is not authorized to access this resource."),
            3000,
        );
        let challenge = format!(
            "Bearer authorization_uri={}/{}",
            shared.endpoints.login,
            tenant.unwrap_or("organizations")
        );
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            r.headers_mut().insert("www-authenticate", v);
        }
        r
    } else {
        wire::signin_page_203()
    }
}

/// Checks the caller of an Azure DevOps route. `org` is the organization addressed (for the tenant check).
pub fn authenticate(
    shared: &Shared,
    st: &SimState,
    ctx: &Ctx,
    org: Option<&Org>,
    need: Need,
) -> Result<AccessClaims, Response<Body>> {
    let tenant = org.map(|o| o.tenant_id.as_str());
    let Some(auth) = ctx.header("authorization") else {
        return Err(unauthenticated(shared, ctx, tenant, ""));
    };
    let (scheme, value) = auth.trim().split_once(' ').unwrap_or((auth.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Err(wire::vss_error(
            StatusCode::FORBIDDEN,
            "InvalidAccessException",
            "The requested operation is not allowed.",
            3000,
        ));
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(unauthenticated(shared, ctx, tenant, ""));
    }
    let Some(claims) = shared.decode_access(value) else {
        return Err(unauthenticated(shared, ctx, tenant, ""));
    };
    let now = st.now().timestamp();
    let audience_ok = claims.aud.eq_ignore_ascii_case(ADO_RESOURCE)
        || claims
            .aud
            .trim_end_matches('/')
            .eq_ignore_ascii_case(wire::ADO_RESOURCE_URI);
    if !audience_ok || claims.exp <= now || claims.nbf > now || !st.world.tenant_known(&claims.tid)
    {
        return Err(unauthenticated(shared, ctx, tenant, ""));
    }
    if claims.is_app_only() {
        if st.switches.app_only_redirect {
            let reply = format!("{}{}", shared.base_url, ctx.path);
            return Err(wire::redirect(&format!(
                "{}/_signin?realm=vssps.dev.azure.com&reply_to={}",
                shared.endpoints.app_vssps,
                url::form_urlencoded::byte_serialize(reply.as_bytes()).collect::<String>()
            )));
        }
        return Err(wire::vss_error(
            StatusCode::FORBIDDEN,
            "InvalidAccessException",
            "Service principals are not allowed to perform this action.",
            3000,
        ));
    }
    if st.world.user(&claims.oid).is_none() {
        return Err(unauthenticated(shared, ctx, tenant, ""));
    }
    if let Some(org) = org {
        let member = org
            .members
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&claims.oid));
        let tenant_ok =
            !st.switches.tenant_check || org.tenant_id.eq_ignore_ascii_case(&claims.tid);
        if !member || !tenant_ok {
            return Err(unauthenticated(shared, ctx, tenant, &claims.oid));
        }
        if st.org_policy(&org.account_id).conditional_access {
            return Err(wire::vss_error(
                StatusCode::UNAUTHORIZED,
                "UnauthorizedRequestException",
                "VS403463: The conditional access policy defined by your Azure Active Directory administrator has failed.",
                3000,
            ));
        }
    }
    let scopes = claims.scopes();
    let has = |s: &str| scopes.iter().any(|x| x.eq_ignore_ascii_case(s));
    let allowed = match (need, st.switches.scope_mode.as_str()) {
        (Need::Any, _) => true,
        (_, "strict") => match need {
            Need::PatsRead => has("vso.pats"),
            _ => has("vso.pats_manage"),
        },
        _ => has("user_impersonation") || has("vso.pats") || has("vso.pats_manage"),
    };
    if !allowed {
        let status =
            StatusCode::from_u16(st.switches.scope_failure_status).unwrap_or(StatusCode::FORBIDDEN);
        let needed = if need == Need::PatsRead {
            "vso.pats"
        } else {
            "vso.pats_manage"
        };
        return Err(wire::vss_error(
            status,
            if status == StatusCode::UNAUTHORIZED { "UnauthorizedRequestException" } else { "InvalidAccessException" },
            &format!("VS403403: The access token does not carry the required scope '{needed}'. An administrator may need to consent to the application's permissions."),
            3000,
        ));
    }
    Ok(claims)
}

/// Profile, Accounts, connectionData and discovery.
pub fn handle(shared: &Arc<Shared>, ctx: &Ctx) -> Response<Body> {
    let st = shared.lock();
    match &ctx.route {
        Route::Discovery { org } => discovery(shared, &st, ctx, org),
        Route::Profile => {
            let claims = match authenticate(shared, &st, ctx, None, Need::Any) {
                Ok(c) => c,
                Err(r) => return r,
            };
            let Some(u) = st.world.user(&claims.oid) else {
                return unauthenticated(shared, ctx, None, "");
            };
            wire::json(
                StatusCode::OK,
                &json!({
                    "displayName": u.user.display_name,
                    "publicAlias": u.member_id,
                    "emailAddress": u.user.email,
                    "coreRevision": 1647,
                    "timeStamp": st.now().format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string(),
                    "id": u.member_id,
                    "revision": 1647,
                }),
            )
        }
        Route::ConnectionData => {
            let claims = match authenticate(shared, &st, ctx, None, Need::Any) {
                Ok(c) => c,
                Err(r) => return r,
            };
            match st.world.user(&claims.oid) {
                Some(u) => connection_data(u),
                None => unauthenticated(shared, ctx, None, ""),
            }
        }
        Route::OrgConnectionData { org } => org_connection_data(shared, &st, ctx, org),
        Route::Accounts => {
            let claims = match authenticate(shared, &st, ctx, None, Need::Any) {
                Ok(c) => c,
                Err(r) => return r,
            };
            let Some(u) = st.world.user(&claims.oid) else {
                return unauthenticated(shared, ctx, None, "");
            };
            let member = ctx.q("memberId");
            let owner = ctx.q("ownerId");
            if member.is_none() && owner.is_none() {
                return wire::vss_error(
                    StatusCode::BAD_REQUEST,
                    "ArgumentException",
                    "VS403290: Either memberId or ownerId must be specified.",
                    0,
                );
            }
            let is_me = |id: &str| id.eq_ignore_ascii_case(&u.member_id);
            let orgs: Vec<&Org> = st
                .world
                .orgs
                .iter()
                .filter(|o| match (member, owner) {
                    (Some(m), _) => {
                        is_me(m)
                            && o.members
                                .iter()
                                .any(|x| x.eq_ignore_ascii_case(&claims.oid))
                    }
                    (None, Some(ow)) => {
                        is_me(ow)
                            && o.owner
                                .as_deref()
                                .is_some_and(|x| x.eq_ignore_ascii_case(&claims.oid))
                    }
                    (None, None) => false,
                })
                .collect();
            let value: Vec<serde_json::Value> = orgs
                .iter()
                .map(|o| {
                    json!({
                        "accountId": o.account_id,
                        "accountUri": format!("{}/{}/", shared.endpoints.vssps, o.account_name),
                        "accountName": o.account_name,
                        "properties": {},
                    })
                })
                .collect();
            if st.switches.accounts_bare_array {
                wire::json(StatusCode::OK, &value)
            } else {
                wire::json(
                    StatusCode::OK,
                    &json!({ "count": value.len(), "value": value }),
                )
            }
        }
        _ => wire::vss_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            "Not found.",
            0,
        ),
    }
}

/// `connectionData` for the person `u` (§4.3).
fn connection_data(u: &crate::state::UserRecord) -> Response<Body> {
    let identity = json!({
        "id": u.member_id,
        "descriptor": format!("Microsoft.IdentityModel.Claims.ClaimsIdentity;{}\\{}", u.user.tenant_id, u.user.email),
        "subjectDescriptor": format!("aad.{}", u.member_id.replace('-', "")),
        "providerDisplayName": u.user.display_name,
        "isActive": true,
        "properties": { "Account": { "$type": "System.String", "$value": u.user.email } },
        "resourceVersion": 2,
        "metaTypeId": 0,
    });
    wire::json(
        StatusCode::OK,
        &json!({
            "authenticatedUser": identity,
            "authorizedUser": identity,
            "instanceId": "a5e3c4d1-0f9b-4e8a-b7c6-d5e4f3a2b1c0",
            "deploymentId": "b6f4d5e2-1a0c-4f9b-c8d7-e6f5a4b3c2d1",
            "deploymentType": "hosted",
            "locationServiceData": {
                "serviceOwner": "8d299418-9467-402b-a171-9165e2f703e2",
                "defaultAccessMappingMoniker": "PublicAccessMapping",
                "lastChangeId": 1,
                "lastChangeId64": 1,
            },
        }),
    )
}

/// An organization's API used with a PAT (Basic, any user name) or an Entra token: the call every tool that
/// holds a PAT makes. A PAT works in the organizations it targets; a global one in all of the person's
/// organizations until the retirement of global PATs (2026-12-01, `globalRetirement`), after which it is
/// refused though it is still listed (`global-pat-retirement.md` §2; the exact answer is not documented, so
/// the simulator gives the `401` an expired PAT gets, with its own message).
fn org_connection_data(shared: &Shared, st: &SimState, ctx: &Ctx, org: &str) -> Response<Body> {
    let Some(org) = st.world.org(org) else {
        return wire::vss_error(
            StatusCode::NOT_FOUND,
            "AccountNotFoundException",
            "TF400813: The organization could not be found.",
            0,
        );
    };
    let auth = ctx.header("authorization").unwrap_or_default();
    let (scheme, value) = auth.trim().split_once(' ').unwrap_or((auth.trim(), ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        let claims = match authenticate(shared, st, ctx, Some(org), Need::Any) {
            Ok(c) => c,
            Err(r) => return r,
        };
        return match st.world.user(&claims.oid) {
            Some(u) => connection_data(u),
            None => unauthenticated(shared, ctx, None, ""),
        };
    }
    let refused = |message: &str| {
        wire::vss_error(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedRequestException",
            message,
            3000,
        )
    };
    match pat_from_basic(st, value, org) {
        Ok(pat) => match st.world.user(&pat.owner_oid) {
            Some(u) => connection_data(u),
            None => refused(NOT_AUTHORIZED),
        },
        Err(message) => refused(message),
    }
}

/// The refusal of a Basic credential that is no active PAT of the organization's members.
pub const NOT_AUTHORIZED: &str = "TF400813: The user '' is not authorized to access this resource.";

/// The PAT a Basic credential (`value`: base64 of `user:PAT`, any user name) carries, if it is one the
/// simulator issued, is neither revoked nor expired, targets `org` (or is a global one before the retirement
/// of global PATs) and belongs to a member of `org`; else the sentence of the `401` Azure DevOps answers.
/// Every route a tool holding a PAT calls (connectionData, Git, NuGet feeds) checks it this way.
pub fn pat_from_basic<'s>(
    st: &'s SimState,
    value: &str,
    org: &Org,
) -> Result<&'s crate::state::Pat, &'static str> {
    use base64::Engine;
    let password = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(_, p)| p.to_string()))
        .unwrap_or_default();
    let digest = crate::state::secret_digest(&password);
    let now = st.now();
    let Some(pat) = st
        .world
        .pats
        .iter()
        .find(|p| p.secret_sha256 == Some(digest) && !password.is_empty())
    else {
        return Err(NOT_AUTHORIZED);
    };
    if pat.revoked {
        return Err("Access Denied: The Personal Access Token used has been revoked.");
    }
    if pat.valid_to <= now {
        return Err("Access Denied: The Personal Access Token used has expired.");
    }
    match &pat.target_accounts {
        None if now >= st.global_retirement => {
            return Err("Access Denied: Personal Access Tokens scoped to all accessible organizations are no longer supported. Use a token scoped to this organization.");
        }
        None => {}
        Some(targets)
            if targets
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&org.account_id)) => {}
        Some(_) => return Err(NOT_AUTHORIZED),
    }
    match st.world.user(&pat.owner_oid) {
        Some(u)
            if org
                .members
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&u.user.oid)) =>
        {
            Ok(pat)
        }
        _ => Err(NOT_AUTHORIZED),
    }
}

fn discovery(shared: &Shared, st: &SimState, ctx: &Ctx, org: &str) -> Response<Body> {
    let Some(o) = st.world.org(org) else {
        return wire::vss_error(
            StatusCode::NOT_FOUND,
            "HostNotFoundException",
            &format!("TF400898: The organization '{org}' could not be found."),
            0,
        );
    };
    // A signed-in browser would get the organization's home page.
    if let Some(auth) = ctx.header("authorization") {
        if let Some(token) = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("bearer "))
        {
            if shared
                .decode_access(token)
                .is_some_and(|c| c.exp > st.now().timestamp())
            {
                return wire::html(
                    StatusCode::OK,
                    format!(
                        "<html><head><title>{} - Azure DevOps</title></head><body></body></html>",
                        wire::html_escape(&o.account_name)
                    ),
                );
            }
        }
    }
    let mut r = wire::vss_error(
        StatusCode::UNAUTHORIZED,
        "UnauthorizedRequestException",
        "TF400813: The user '' is not authorized to access this resource.",
        3000,
    );
    if ctx.method == Method::HEAD {
        *r.body_mut() = Body::empty();
    }
    let h = r.headers_mut();
    let mut add = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.append(k, v);
        }
    };
    add(
        "www-authenticate",
        format!(
            "Bearer authorization_uri={}/{}",
            shared.endpoints.login, o.tenant_id
        ),
    );
    add(
        "www-authenticate",
        format!("Basic realm=\"{}/\"", shared.endpoints.dev),
    );
    add("www-authenticate", "TFS-Federated".to_string());
    add("x-vss-resourcetenant", o.tenant_id.clone());
    add(
        "x-vss-authorizationendpoint",
        format!("{}/{}/", shared.endpoints.vssps, o.account_name),
    );
    r
}
