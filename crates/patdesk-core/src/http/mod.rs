//! HTTP plumbing shared by every client in the core: the Azure DevOps client, the Entra sign-in and, later, an
//! Azure DevOps Server client.
//!
//! It exists so that the transport rules live in one place and cannot drift apart between those callers: how
//! the reqwest client is built (user agent, timeouts, redirects never followed — contract §0.3), how a transport
//! failure becomes an [`Error`] code, how `Retry-After` is read (§2.15), and the one back-off every retry in the
//! core uses ([`backoff`]: the client's [`RetryPolicy`], the bulk-revoke engine and the clipboard), and how
//! the rate limit a server announces on its answers is read and kept under ([`rate_limit`]: the [`Pacer`] of
//! the bulk-revoke engine and of the client's reads).

mod backoff;
mod rate_limit;
pub mod tls;

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

use crate::error::{Error, ErrorCode};

pub use backoff::{backoff, rate_limit_wait, RetryPolicy, DEFAULT_RATE_LIMIT_WAIT};
pub use rate_limit::{Pace, PaceTicket, Pacer, RateLimit, Sent, SharedPacer};

/// Longest wait for a connection to be established.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for a whole request (a hung server is a [`ErrorCode::Timeout`], never a frozen window).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `PATDesk/{version}`
pub fn user_agent() -> String {
    format!("PATDesk/{}", env!("CARGO_PKG_VERSION"))
}

/// A reqwest client with the contract's transport rules: rustls trusting the operating system's certificate
/// store as well as the public roots (so a company's own authority works; `SSL_CERT_FILE` is honoured), the
/// environment's proxy (`HTTPS_PROXY`, `HTTP_PROXY`) except for the hosts `NO_PROXY` names and this machine,
/// no redirects (a redirect on an Azure DevOps API call means "not signed in", §2.13), a connect timeout and
/// `request_timeout` for the whole request.
pub fn build_client(request_timeout: Duration) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder().no_proxy();
    for proxy in environment_proxies() {
        builder = builder.proxy(proxy);
    }
    builder
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(request_timeout))
        .timeout(request_timeout)
        .user_agent(user_agent())
        .build()
        .map_err(Error::internal)
}

/// `NO_PROXY` plus this machine (loopback is never sent through a proxy).
fn no_proxy_list() -> String {
    let from_env = std::env::var("NO_PROXY")
        .or_else(|_| std::env::var("no_proxy"))
        .unwrap_or_default();
    let mut list = ["localhost", "127.0.0.1", "::1"].join(",");
    if !from_env.trim().is_empty() {
        list = format!("{},{list}", from_env.trim());
    }
    list
}

/// The proxies the environment names, each exempting [`no_proxy_list`].
fn environment_proxies() -> Vec<reqwest::Proxy> {
    let var = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok())
            .filter(|v| !v.trim().is_empty())
    };
    let mut proxies = Vec::new();
    let exempt = || reqwest::NoProxy::from_string(&no_proxy_list());
    if let Some(p) = var(&["HTTPS_PROXY", "https_proxy"]) {
        if let Ok(p) = reqwest::Proxy::https(p.trim()) {
            proxies.push(p.no_proxy(exempt()));
        }
    }
    if let Some(p) = var(&["HTTP_PROXY", "http_proxy"]) {
        if let Ok(p) = reqwest::Proxy::http(p.trim()) {
            proxies.push(p.no_proxy(exempt()));
        }
    }
    if let Some(p) = var(&["ALL_PROXY", "all_proxy"]) {
        if let Ok(p) = reqwest::Proxy::all(p.trim()) {
            proxies.push(p.no_proxy(exempt()));
        }
    }
    proxies
}

/// Prefix of `Error::raw` for connections that were never established.
const CONNECT_FAILED: &str = "connect: ";

/// A transport failure as an [`Error`]: [`ErrorCode::Timeout`] for timeouts, [`ErrorCode::Network`] for
/// connections that failed or dropped, [`ErrorCode::Internal`] for a request that could not even be built.
/// A connection that was never made (refused, unreachable, or timed out while connecting) is marked, so
/// [`never_sent`] can tell that the request never left.
pub fn map_transport_error(e: reqwest::Error) -> Error {
    let raw = format!("{e:?}");
    if let Some(tls) = tls::certificate_error(&e) {
        return mark_never_sent(tls);
    }
    let error = if e.is_timeout() {
        Error::from_code(ErrorCode::Timeout).with_raw(raw)
    } else if e.is_builder() {
        return Error::internal(raw);
    } else {
        // Connect, request, body and decode failures, and anything reqwest adds later.
        Error::from_code(ErrorCode::Network).with_raw(raw)
    };
    if e.is_connect() {
        mark_never_sent(error)
    } else {
        error
    }
}

/// `url` as it may appear in the diagnostics log: scheme, host, port and path only. The query and the fragment
/// can hold codes and continuation tokens, and user info a password, so none of them is ever logged.
pub fn url_for_log(url: &url::Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    shown
}

/// Sends `request` and logs it (debug; info when the server is failing or throttling, warn when no answer
/// came): the method, [`url_for_log`], the status and how long it took. Never a header or a body.
pub async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Error> {
    let (client, request) = request.build_split();
    let request = request.map_err(map_transport_error)?;
    let (method, url) = (request.method().clone(), url_for_log(request.url()));
    let started = std::time::Instant::now();
    let answer = client.execute(request).await;
    log_response(
        method.as_str(),
        &url,
        answer.as_ref().map(|r| r.status().as_u16()).ok(),
        started.elapsed(),
    );
    answer.map_err(map_transport_error)
}

/// One HTTP request in the diagnostics log (`url` already through [`url_for_log`]); `status` is `None` when no
/// answer came.
pub(crate) fn log_response(method: &str, url: &str, status: Option<u16>, took: Duration) {
    let ms = took.as_millis() as u64;
    match status {
        // Other refusals (401, 403, 404) are the answers the callers expect or turn into an error code of
        // their own, which they log.
        Some(status) if status >= 500 || status == 429 => {
            tracing::info!(method, url, status, ms, "http")
        }
        Some(status) => tracing::debug!(method, url, status, ms, "http"),
        None => tracing::warn!(method, url, ms, "http: no answer"),
    }
}

/// Marks `error` as a request that never left because its connection was never made.
pub fn mark_never_sent(error: Error) -> Error {
    let raw = format!(
        "{CONNECT_FAILED}{}",
        error.raw.as_deref().unwrap_or_default()
    );
    error.with_raw(raw)
}

/// Whether `error` is a request that never reached the server (its connection was never made), so sending it
/// again cannot do anything twice.
pub fn never_sent(error: &Error) -> bool {
    error
        .raw
        .as_deref()
        .is_some_and(|raw| raw.starts_with(CONNECT_FAILED))
}

/// The most PAT Desk reads of one answer's body, on every transport (Services, a server, Entra). A token list
/// of thousands of tokens is a few MiB; anything larger is not an answer PAT Desk asked for, and reading it
/// whole would let a server (or whatever answers at its address) fill the memory.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The longest wait a server can ask for (`Retry-After`, `X-RateLimit-Reset`, `X-RateLimit-Delay`, the
/// device-code interval): a longer one is read as this long.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(60 * 60);

/// A number of seconds a server sent, as a wait PAT Desk can honour: `None` for what is no wait at all (`NaN`,
/// negative); anything longer than [`MAX_SERVER_WAIT`] (`1e30`, `inf`) is [`MAX_SERVER_WAIT`]. Never panics,
/// whatever the number (`Duration::from_secs_f64` does on a value it cannot hold).
pub fn server_wait(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    match Duration::try_from_secs_f64(secs) {
        Ok(wait) => Some(wait.min(MAX_SERVER_WAIT)),
        // Only too large is left (infinite, or beyond what a Duration holds).
        Err(_) => Some(MAX_SERVER_WAIT),
    }
}

/// The error for an answer longer than [`MAX_BODY_BYTES`]: nothing past the limit was read.
pub fn body_too_large() -> Error {
    Error::new(
        ErrorCode::MalformedResponse,
        "The server sent an answer too large to be a token list or a sign-in (more than 16 MB), so PAT Desk stopped reading it. Check that the address is your Azure DevOps, then try again.",
    )
    .with_raw(format!("answer body over {MAX_BODY_BYTES} bytes"))
}

/// Reads a reqwest answer's body, at most [`MAX_BODY_BYTES`] of it: a `Content-Length` over the limit is
/// refused before anything is read, and the chunks are counted as they arrive, so an endless answer is cut off
/// at the limit instead of filling the memory.
pub async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, Error> {
    read_capped(&mut response)
        .await
        .map_err(map_transport_error)?
        .ok_or_else(body_too_large)
}

/// [`read_body`] for callers with their own error type: `Ok(None)` when the body is longer than
/// [`MAX_BODY_BYTES`] (the rest is never read).
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// How long the server asked us to wait: `Retry-After` (delta-seconds or HTTP-date), else `X-RateLimit-Reset`
/// (Unix time) — §2.15. At most [`MAX_SERVER_WAIT`].
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, Utc::now())
}

/// [`retry_after`], with "now" given (for the dates in the headers). Reads what a server sent: any value,
/// however large, small or malformed, is a wait of at most [`MAX_SERVER_WAIT`] or none, never a panic.
pub fn retry_after_at(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    if let Some(wait) = retry_after_header(headers, now) {
        return Some(wait);
    }
    let epoch = header_str(headers, "x-ratelimit-reset")?
        .parse::<f64>()
        .ok()?;
    let wait = epoch - now.timestamp_millis() as f64 / 1000.0;
    server_wait(wait.max(0.0))
}

/// `Retry-After` alone, as delta-seconds or an HTTP-date (§11 #23), at most [`MAX_SERVER_WAIT`].
fn retry_after_header(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let v = header_str(headers, "retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return server_wait(secs);
    }
    let date = DateTime::parse_from_rfc2822(v).ok()?;
    let wait = date.with_timezone(&Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO).min(MAX_SERVER_WAIT))
}

/// A header's value, trimmed, if it is text.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after_at(&h, now()), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static(" 0.5 "));
        assert_eq!(retry_after_at(&h, now()), Some(Duration::from_millis(500)));
        // An HTTP-date 100 s after "now".
        h.insert(
            "retry-after",
            HeaderValue::from_static("Mon, 23 Nov 2026 20:01:40 GMT"),
        );
        assert_eq!(retry_after_at(&h, now()), Some(Duration::from_secs(100)));
        // A date in the past: no wait.
        h.insert(
            "retry-after",
            HeaderValue::from_static("Mon, 23 Nov 2026 19:00:00 GMT"),
        );
        assert_eq!(retry_after_at(&h, now()), Some(Duration::ZERO));
        // No Retry-After: X-RateLimit-Reset.
        let mut h = HeaderMap::new();
        let reset = (now().timestamp() + 50).to_string();
        h.insert("x-ratelimit-reset", HeaderValue::from_str(&reset).unwrap());
        assert_eq!(retry_after_at(&h, now()), Some(Duration::from_secs(50)));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after_at(&h, now()), Some(Duration::from_secs(50)));
        assert_eq!(retry_after_at(&HeaderMap::new(), now()), None);
    }

    #[test]
    fn server_sent_waits_never_panic_and_never_exceed_an_hour() {
        let hour = Duration::from_secs(3600);
        for (value, expected) in [
            ("1e30", Some(hour)),
            ("inf", Some(hour)),
            ("-inf", None),
            ("NaN", None),
            ("-5", None),
            ("1e-30", Some(Duration::ZERO)),
            ("86400", Some(hour)),
            ("59.5", Some(Duration::from_millis(59_500))),
        ] {
            let mut h = HeaderMap::new();
            h.insert("retry-after", HeaderValue::from_str(value).unwrap());
            assert_eq!(retry_after_at(&h, now()), expected, "Retry-After: {value}");
            let mut h = HeaderMap::new();
            h.insert("x-ratelimit-reset", HeaderValue::from_str(value).unwrap());
            let got = retry_after_at(&h, now());
            assert!(
                got.is_none_or(|w| w <= hour),
                "X-RateLimit-Reset: {value}: {got:?}"
            );
        }
        // A reset far in the future, and a date years ahead: an hour.
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1e300"));
        assert_eq!(retry_after_at(&h, now()), Some(hour));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Fri, 01 Jan 9999 00:00:00 GMT"),
        );
        assert_eq!(retry_after_at(&h, now()), Some(hour));
    }

    #[test]
    fn server_wait_reads_any_number() {
        assert_eq!(server_wait(f64::MAX), Some(MAX_SERVER_WAIT));
        assert_eq!(server_wait(f64::INFINITY), Some(MAX_SERVER_WAIT));
        assert_eq!(server_wait(f64::NAN), None);
        assert_eq!(server_wait(-0.5), None);
        assert_eq!(server_wait(0.25), Some(Duration::from_millis(250)));
    }

    #[test]
    fn logged_urls_have_no_query_fragment_or_password() {
        let url = url::Url::parse(
            "http://user:pw@localhost:4321/organizations/oauth2/v2.0/token?code=abc&state=s#frag",
        )
        .unwrap();
        assert_eq!(
            url_for_log(&url),
            "http://localhost:4321/organizations/oauth2/v2.0/token"
        );
        let url = url::Url::parse(
            "https://vssps.dev.azure.com/contoso/_apis/tokens/pats?continuationToken=x",
        )
        .unwrap();
        assert_eq!(
            url_for_log(&url),
            "https://vssps.dev.azure.com/contoso/_apis/tokens/pats"
        );
    }

    #[tokio::test]
    async fn refused_connections_are_marked_as_never_sent() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let http = build_client(Duration::from_secs(5)).unwrap();
        let e = http
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .map_err(map_transport_error)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Network);
        assert!(never_sent(&e), "{:?}", e.raw);
        assert!(!never_sent(&Error::from_code(ErrorCode::Network)));
    }
}
