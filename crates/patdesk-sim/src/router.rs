//! The request pipeline shared by every simulated host: read the request, name its route, record it, apply the
//! injected faults, dispatch to the host's handler, and record the status. Paths are matched
//! case-insensitively (`_apis/Tokens/Pats`), and query names too (`$top` arrives decoded from `%24top`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::faults::{FaultKind, FaultRule};
use crate::server::{ResetConnection, Shared};
use crate::state::RecordedRequest;
use crate::wire;

/// The routes faults and the request log name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Authorize {
        tenant: String,
    },
    AuthorizeApprove {
        tenant: String,
    },
    Token {
        tenant: String,
    },
    DeviceCode {
        tenant: String,
    },
    DeviceLogin,
    Profile,
    Accounts,
    ConnectionData,
    /// `GET {dev}/{org}/_apis/connectionData`: any Azure DevOps API a PAT is used with (Basic auth).
    OrgConnectionData {
        org: String,
    },
    Pats {
        org: String,
    },
    Discovery {
        org: String,
    },
    /// Azure DevOps Server: `{base}/tfs[/{collection}]/_apis/Token/SessionTokens[/{id}]`.
    ServerTokens {
        collection: Option<String>,
        id: Option<String>,
    },
    /// Azure DevOps Server: `{base}/tfs/_apis/projectCollections`.
    ServerCollections,
    /// Azure DevOps Server: `{base}/tfs[/{collection}]/_apis/connectionData`.
    ServerConnectionData {
        collection: Option<String>,
    },
    /// Anything else under `{base}/tfs`.
    ServerNotFound,
    /// `GET {dev}/{org}[/{project}]/_git/{repo}/info/refs`: Git's smart-HTTP ref advertisement (Basic auth).
    GitInfoRefs {
        org: String,
    },
    /// `{pkgs}/{org}[/{project}]/_packaging/{feed}/nuget/{rest}`: a NuGet feed (Basic auth).
    NuGetFeed {
        org: String,
        rest: String,
    },
    /// `{pkgs}/{org}[/{project}]/_packaging/{feed}/pypi/simple/[{project}/]`: a Python package index (Basic auth).
    PyPiFeed {
        org: String,
        rest: String,
    },
    /// `{pkgs}/{org}[/{project}]/_packaging/{feed}/npm/registry/{package}`: an npm feed (Basic auth).
    NpmFeed {
        org: String,
        package: String,
    },
    NotFound,
}

/// One parsed request.
pub struct Ctx {
    pub method: Method,
    pub path: String,
    pub raw_query: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: axum::body::Bytes,
    pub route: Route,
    /// Server mode: who signed in (set once IIS let the request through).
    pub caller: Option<crate::onprem::auth::Caller>,
}

impl Ctx {
    /// A query parameter, name compared case-insensitively.
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The fault route name (`pats.list`, `entra.token`, …).
    pub fn route_name(&self) -> &'static str {
        match &self.route {
            Route::Authorize { .. } | Route::AuthorizeApprove { .. } => "entra.authorize",
            Route::Token { .. } => "entra.token",
            Route::DeviceCode { .. } => "entra.devicecode",
            Route::DeviceLogin => "entra.devicelogin",
            Route::Profile => "profile",
            Route::Accounts => "accounts",
            Route::ConnectionData => "connectionData",
            Route::OrgConnectionData { .. } => "org.connectionData",
            Route::Discovery { .. } => "discovery",
            Route::GitInfoRefs { .. } => "git.infoRefs",
            Route::NuGetFeed { .. } => "nuget.feed",
            Route::NpmFeed { .. } => "npm.feed",
            Route::PyPiFeed { .. } => "pypi.feed",
            Route::NotFound => "notFound",
            Route::ServerTokens { id, .. } => match (&self.method, id.is_some()) {
                (&Method::POST, _) if self.body_has_authorization_id() => "server.tokens.update",
                (&Method::POST, _) => "server.tokens.create",
                (&Method::DELETE, true) => "server.tokens.revoke",
                (&Method::DELETE, false) => "server.tokens.revokeAll",
                (&Method::OPTIONS, _) => "server.tokens.options",
                (_, true) => "server.tokens.get",
                _ => "server.tokens.list",
            },
            Route::ServerCollections => "server.collections",
            Route::ServerConnectionData { .. } => "server.connectionData",
            Route::ServerNotFound => "server.notFound",
            Route::Pats { .. } => match self.method {
                Method::POST => "pats.create",
                Method::PUT => "pats.update",
                Method::DELETE => "pats.revoke",
                _ if self.q("authorizationId").is_some() => "pats.get",
                _ => "pats.list",
            },
        }
    }

    fn body_has_authorization_id(&self) -> bool {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| {
                v.get("authorizationId")
                    .and_then(|a| a.as_str())
                    .map(|a| !a.is_empty())
            })
            .unwrap_or(false)
    }

    /// Whether the request is for the Azure DevOps Server mode.
    pub fn is_server(&self) -> bool {
        matches!(
            self.route,
            Route::ServerTokens { .. }
                | Route::ServerCollections
                | Route::ServerConnectionData { .. }
                | Route::ServerNotFound
        )
    }

    /// The token id a PAT request is about (query for Get/Revoke, body for Update).
    pub fn authorization_id(&self) -> Option<String> {
        if let Route::ServerTokens { id: Some(id), .. } = &self.route {
            return Some(id.clone());
        }
        if let Some(a) = self.q("authorizationId") {
            return Some(a.to_string());
        }
        if matches!(self.route, Route::Pats { .. }) && self.method == Method::PUT {
            let v: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
            return v
                .get("authorizationId")
                .and_then(|a| a.as_str())
                .map(str::to_string);
        }
        None
    }
}

fn classify(method: &Method, path: &str) -> Route {
    let lower = path.to_ascii_lowercase();
    let segs: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
    let orig: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let _ = method;
    match segs.as_slice() {
        ["login", "devicelogin"] => Route::DeviceLogin,
        ["login", _, "oauth2", "v2.0", "authorize"] => Route::Authorize {
            tenant: orig[1].to_string(),
        },
        ["login", _, "oauth2", "v2.0", "authorize", "approve"] => Route::AuthorizeApprove {
            tenant: orig[1].to_string(),
        },
        ["login", _, "oauth2", "v2.0", "token"] => Route::Token {
            tenant: orig[1].to_string(),
        },
        ["login", _, "oauth2", "v2.0", "devicecode"] => Route::DeviceCode {
            tenant: orig[1].to_string(),
        },
        ["app_vssps", "_apis", "profile", "profiles", "me"] => Route::Profile,
        ["app_vssps", "_apis", "accounts"] => Route::Accounts,
        ["app_vssps", "_apis", "connectiondata"] => Route::ConnectionData,
        ["vssps", _, "_apis", "tokens", "pats"] => Route::Pats {
            org: orig[1].to_string(),
        },
        ["dev", _, "_apis", "connectiondata"] => Route::OrgConnectionData {
            org: orig[1].to_string(),
        },
        ["dev", _] => Route::Discovery {
            org: orig[1].to_string(),
        },
        [first, rest @ ..] if *first == crate::onprem::VIRTUAL_DIRECTORY => {
            crate::onprem::classify(rest, &orig[1..])
        }
        ["dev", _, .., "_git", _, "info", "refs"] if segs.len() <= 8 => Route::GitInfoRefs {
            org: orig[1].to_string(),
        },
        ["pkgs", _, ..] => match segs.iter().position(|s| *s == "_packaging") {
            Some(at @ (2 | 3)) if segs.get(at + 2) == Some(&"nuget") => Route::NuGetFeed {
                org: orig[1].to_string(),
                rest: orig[at + 3..].join("/"),
            },
            Some(at @ (2 | 3)) if segs.get(at + 2) == Some(&"pypi") => Route::PyPiFeed {
                org: orig[1].to_string(),
                rest: orig[at + 3..].join("/"),
            },
            Some(at @ (2 | 3))
                if segs.get(at + 2) == Some(&"npm") && segs.get(at + 3) == Some(&"registry") =>
            {
                Route::NpmFeed {
                    org: orig[1].to_string(),
                    package: orig[at + 4..].join("/"),
                }
            }
            _ => Route::NotFound,
        },
        _ => Route::NotFound,
    }
}

/// Headers never recorded: credentials and cookies.
fn recordable_headers(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .filter(|(k, _)| {
            let k = k.as_str();
            !k.eq_ignore_ascii_case("authorization") && !k.eq_ignore_ascii_case("cookie")
        })
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect()
}

const MAX_RECORDED: usize = 50_000;

/// Handles one request end to end.
pub async fn handle(
    shared: Arc<Shared>,
    connection: Arc<crate::server::Connection>,
    req: hyper::Request<Incoming>,
) -> Result<Response<Body>, ResetConnection> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    if path.to_ascii_lowercase().starts_with("/_sim/") || path.eq_ignore_ascii_case("/_sim") {
        return Ok(crate::control::handle(&shared, &parts.method, &path, &body));
    }
    let query = url::form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let route = classify(&parts.method, &path);
    let mut ctx = Ctx {
        method: parts.method,
        path,
        raw_query,
        query,
        headers: parts.headers,
        body,
        route,
        caller: None,
    };
    let route_name = ctx.route_name();
    let server_mode = ctx.is_server();
    if server_mode {
        connection.mark_server(&shared);
    }

    // Record (no credentials: Authorization is dropped; Entra bodies carry codes and tokens and are not kept).
    let seq = {
        let mut st = shared.lock();
        st.next_seq += 1;
        st.request_count += 1;
        if route_name == "pats.revoke" {
            st.revoke_calls += 1;
        }
        let seq = st.next_seq;
        let body_text = matches!(ctx.route, Route::Pats { .. } | Route::ServerTokens { .. })
            .then(|| String::from_utf8_lossy(&ctx.body).into_owned())
            .filter(|b| !b.is_empty());
        if st.requests.len() >= MAX_RECORDED {
            st.requests.drain(..MAX_RECORDED / 10);
        }
        st.requests.push(RecordedRequest {
            seq,
            method: ctx.method.to_string(),
            path: ctx.path.clone(),
            query: ctx.raw_query.clone(),
            route: route_name.to_string(),
            status: 0,
            headers: recordable_headers(&ctx.headers),
            body: body_text,
            connection: server_mode.then_some(connection.id),
        });
        seq
    };

    // The server mode sits behind IIS: who is calling is settled (or a 401 sent) before anything else.
    if server_mode {
        match crate::onprem::auth::authenticate(&shared, &connection.auth, &ctx) {
            Ok(caller) => ctx.caller = Some(caller),
            Err(challenge) => {
                let challenge = dated(&shared, challenge);
                record_status(&shared, seq, challenge.status().as_u16());
                return Ok(challenge);
            }
        }
    }
    let plan = {
        let mut st = shared.lock();
        let auth_id = ctx.authorization_id();
        crate::faults::plan(&mut st, route_name, auth_id.as_deref())
    };

    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    // A throttled answer carries its own rate-limit headers.
    let announce = plan.announce.filter(|_| plan.throttle.is_none());
    let result = if let Some(t) = plan.throttle {
        Ok(throttled(&t))
    } else {
        match plan.terminal {
            None => Ok(dispatch(&shared, &ctx, None).await),
            Some(rule) => apply_terminal(&shared, &ctx, rule).await,
        }
    };
    let result = result.map(|mut r| {
        if let Some(a) = &announce {
            announced(r.headers_mut(), a);
        }
        r
    });
    // Every answer carries the simulator's clock in `Date` (hyper would send the machine's), so a client that
    // reasons about "now" from the server sees the moved clock.
    let result = result.map(|r| dated(&shared, r));
    let status = match &result {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    };
    record_status(&shared, seq, status);
    result
}

/// The answer with the simulator's clock in `Date`.
fn dated(shared: &Shared, mut r: Response<Body>) -> Response<Body> {
    let now = shared.lock().now();
    if let Ok(v) = HeaderValue::from_str(&now.format("%a, %d %b %Y %H:%M:%S GMT").to_string()) {
        r.headers_mut().insert(axum::http::header::DATE, v);
    }
    r
}

fn record_status(shared: &Shared, seq: u64, status: u16) {
    let mut st = shared.lock();
    if let Some(r) = st.requests.iter_mut().rev().find(|r| r.seq == seq) {
        r.status = status;
    }
}

async fn dispatch(
    shared: &Arc<Shared>,
    ctx: &Ctx,
    forced_pat_error: Option<String>,
) -> Response<Body> {
    match &ctx.route {
        Route::Authorize { .. }
        | Route::AuthorizeApprove { .. }
        | Route::Token { .. }
        | Route::DeviceCode { .. }
        | Route::DeviceLogin => crate::entra::handle(shared, ctx),
        Route::Profile
        | Route::Accounts
        | Route::ConnectionData
        | Route::OrgConnectionData { .. }
        | Route::Discovery { .. } => crate::devops::handle(shared, ctx),
        Route::Pats { .. } => crate::pats::handle(shared, ctx, forced_pat_error),
        Route::ServerTokens { .. }
        | Route::ServerCollections
        | Route::ServerConnectionData { .. }
        | Route::ServerNotFound => crate::onprem::handle(shared, ctx),
        Route::GitInfoRefs { org } => crate::tools::git_info_refs(shared, ctx, org),
        Route::NuGetFeed { org, rest } => crate::tools::nuget_feed(shared, ctx, org, rest),
        Route::NpmFeed { org, package } => crate::tools::npm_feed(shared, ctx, org, package),
        Route::PyPiFeed { org, rest } => crate::tools::pypi_feed(shared, ctx, org, rest),
        Route::NotFound => wire::vss_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("VS800075: The resource {} could not be found.", ctx.path),
            0,
        ),
    }
}

fn is_entra(ctx: &Ctx) -> bool {
    ctx.route_name().starts_with("entra.")
}

async fn apply_terminal(
    shared: &Arc<Shared>,
    ctx: &Ctx,
    rule: FaultRule,
) -> Result<Response<Body>, ResetConnection> {
    let after = rule.after_effect.unwrap_or(false);
    let real = if after && rule.kind != FaultKind::PatError && rule.kind != FaultKind::Html203 {
        Some(dispatch(shared, ctx, None).await)
    } else {
        None
    };
    match rule.kind {
        FaultKind::Status => {
            let status = StatusCode::from_u16(rule.status.unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if is_entra(ctx) {
                let now = shared.lock().now();
                let error = if status.as_u16() == 503 {
                    "temporarily_unavailable"
                } else {
                    "server_error"
                };
                Ok(wire::entra_error(now, status, error, 50000, "There was an error issuing a token or an authorization code. Please try again later."))
            } else {
                Ok(wire::vss_error(
                    status,
                    "VssServiceException",
                    &format!(
                        "TF246017: The service is unavailable (simulated {}).",
                        status.as_u16()
                    ),
                    0,
                ))
            }
        }
        FaultKind::Timeout => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            Err(ResetConnection)
        }
        FaultKind::Reset => Err(ResetConnection),
        FaultKind::MalformedJson => {
            let full = match real {
                Some(r) => r.into_body().collect().await.map(|c| c.to_bytes().to_vec()).unwrap_or_default(),
                None => br#"{"continuationToken":"","patTokens":[{"displayName":"truncated","validTo":"2026-"#.to_vec(),
            };
            let cut = (full.len() / 2).max(1).min(full.len());
            let mut r = Response::new(Body::from(full[..cut].to_vec()));
            r.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            Ok(r)
        }
        FaultKind::Html203 => Ok(wire::signin_page_203()),
        FaultKind::OversizedBody => Ok(oversized_body(
            rule.size_bytes
                .unwrap_or(crate::faults::OVERSIZED_BODY_BYTES),
        )),
        FaultKind::PatError => {
            if matches!(ctx.route, crate::router::Route::Pats { .. }) {
                let e = rule
                    .pat_error
                    .clone()
                    .unwrap_or_else(|| "failedToReadTenantPolicy".into());
                Ok(dispatch(shared, ctx, Some(e)).await)
            } else {
                Ok(dispatch(shared, ctx, None).await)
            }
        }
        FaultKind::Latency | FaultKind::RateLimit => Ok(dispatch(shared, ctx, None).await),
    }
}

/// A `200` JSON answer of `size` bytes (`{"value":[],"padding":"xxx…"}`), streamed in 64 KiB chunks with no
/// `Content-Length`, so only a client that counts what it reads can stop early.
fn oversized_body(size: u64) -> Response<Body> {
    const CHUNK: usize = 64 * 1024;
    let head = br#"{"value":[],"padding":""#.to_vec();
    let tail = br#""}"#.to_vec();
    let padding = size.saturating_sub((head.len() + tail.len()) as u64);
    let full = padding / CHUNK as u64;
    let rest = (padding % CHUNK as u64) as usize;
    let chunks = std::iter::once(head)
        .chain((0..full).map(|_| vec![b'x'; CHUNK]))
        .chain(std::iter::once(vec![b'x'; rest]))
        .chain(std::iter::once(tail))
        .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::from(c)));
    let mut r = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// The rate-limit headers of an answer a rate-limit rule let through (§2.15): the limit, what is left of it and
/// when the window is empty again; for a request that was held back, how long and how long to pause.
fn announced(h: &mut HeaderMap, a: &crate::faults::Announcement) {
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put("x-ratelimit-resource", "patdesk-sim/Simulated".into());
    put("x-ratelimit-limit", format!("{}", a.limit));
    put("x-ratelimit-remaining", format!("{}", a.remaining));
    put("x-ratelimit-reset", format!("{:.3}", a.reset_epoch));
    if let Some(delay) = a.delay {
        put("x-ratelimit-delay", format!("{:.3}", delay.as_secs_f64()));
    }
    if let Some(secs) = a.retry_after_secs {
        put("retry-after", secs.to_string());
    }
}

fn throttled(t: &crate::faults::Throttle) -> Response<Body> {
    let mut r = wire::vss_error(
        StatusCode::TOO_MANY_REQUESTS,
        "RequestBlockedException",
        "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'Simulated' in namespace 'patdesk-sim'.",
        0,
    );
    let h = r.headers_mut();
    let put = |h: &mut HeaderMap, k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put(h, "retry-after", t.retry_after_secs.to_string());
    put(h, "x-ratelimit-resource", "patdesk-sim/Simulated".into());
    put(h, "x-ratelimit-delay", "0.000".into());
    put(h, "x-ratelimit-limit", format!("{}", t.limit));
    put(h, "x-ratelimit-remaining", "0".into());
    put(h, "x-ratelimit-reset", t.reset_epoch.to_string());
    r
}
