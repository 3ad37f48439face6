//! "Sign in with Microsoft": the system browser, PKCE (S256) and a loopback redirect (contract §3.4), the
//! primary sign-in of PAT Desk (the device code in `device_code.rs` is the fallback).
//!
//! 1. [`LoopbackSignIn::start`] listens on `127.0.0.1:{free port}` and builds the authorize URL
//!    (`{login}/{tenant}/oauth2/v2.0/authorize`, `redirect_uri=http://localhost:{port}`, `response_mode=query`,
//!    a random `state`, a PKCE S256 challenge and `prompt=select_account`).
//! 2. The shell opens [`PendingSignIn::authorize_url`] in the system browser (`tauri-plugin-opener` /
//!    `open::that`); opening it is not this module's job.
//! 3. [`PendingSignIn::wait`] answers the browser's `GET /?code=…&state=…` on the loopback listener, checks
//!    `state`, redeems the code **in Rust** (a public client: no `client_secret`, and no `Origin` header, which
//!    Entra would refuse with AADSTS90023), and shows the browser a short "You're signed in" page — or, when
//!    Entra sent an error (`access_denied`, `consent_required`, …), the same plain sentence PAT Desk shows.
//!
//! **One callback** (decision): the first request that carries our `state` (a code, or Entra's error) ends the
//! listening at once — both listeners and every connection not yet answered are closed before the code is
//! redeemed, so a replayed or second callback finds the port closed.
//!
//! **State mismatch** (decision): a request whose `state` is missing or not ours is refused with an error page
//! and the sign-in **keeps waiting** — its code is never redeemed. It is most likely an old browser tab from an
//! earlier attempt, or another program poking the port; neither should end (or hijack) the sign-in the person
//! is doing right now. The wait still ends on the timeout or on cancel, never hangs.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::{
    internal, logged, map_token_error, oauth_client, scopes_of, token_scopes, token_set,
    EntraConfig, EntraUrls, TokenSet, TOKEN_REQUEST_TIMEOUT,
};
use crate::endpoints::Endpoints;
use crate::error::{Error, ErrorCode};
use crate::http::build_client as build_http_client;

/// How long the browser may take to send its request once connected (a pre-connected idle socket is
/// dropped after this, without holding up the real redirect).
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest request head accepted on the loopback listener.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Default for how long to wait for the browser: long enough to type a password and do MFA.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Starts browser sign-ins.
pub struct LoopbackSignIn;

/// Optional extras of the authorize request.
#[derive(Debug, Clone, Default)]
pub struct SignInHints {
    /// Pre-fill the account (`login_hint`), e.g. a remembered account's UPN.
    pub login_hint: Option<String>,
    /// Skip home-realm discovery (`domain_hint`).
    pub domain_hint: Option<String>,
}

impl LoopbackSignIn {
    /// Listen on a free loopback port and build the authorize URL. `tenant` overrides the configured
    /// authority (a guest's tenant, §3.3). Call [`PendingSignIn::wait`] next; the listener closes when the
    /// `PendingSignIn` is dropped.
    pub fn start(
        endpoints: &Endpoints,
        config: &EntraConfig,
        tenant: Option<&str>,
    ) -> Result<PendingSignIn, Error> {
        Self::start_with_hints(endpoints, config, tenant, &SignInHints::default())
    }

    /// [`LoopbackSignIn::start`] with `login_hint` / `domain_hint`.
    pub fn start_with_hints(
        endpoints: &Endpoints,
        config: &EntraConfig,
        tenant: Option<&str>,
        hints: &SignInHints,
    ) -> Result<PendingSignIn, Error> {
        let tenant = tenant
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(config.authority.as_str())
            .trim_matches('/')
            .to_string();
        let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .map_err(|e| {
                Error::new(
                    ErrorCode::SignInFailed,
                    "PAT Desk could not start the sign-in on this computer (no free local port). Close other programs and try again.",
                )
                .with_raw(e.to_string())
            })?;
        listener
            .set_nonblocking(true)
            .map_err(|e| internal(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| internal(e.to_string()))?
            .port();
        // `localhost` may resolve to ::1 first; answer there too when the same port is free (best effort).
        let listener_v6 =
            std::net::TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port)))
                .ok()
                .filter(|l| l.set_nonblocking(true).is_ok());

        let redirect_uri = format!("http://localhost:{port}");
        let urls = EntraUrls::new(endpoints, &tenant, &redirect_uri)?;
        let client = oauth_client(&config.client_id, &urls);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(scopes_of(&config.scopes))
            .set_pkce_challenge(challenge)
            .add_extra_param("response_mode", "query")
            .add_extra_param("prompt", "select_account");
        if let Some(hint) = hints.login_hint.as_deref().filter(|h| !h.is_empty()) {
            request = request.add_extra_param("login_hint", hint.to_string());
        }
        if let Some(hint) = hints.domain_hint.as_deref().filter(|h| !h.is_empty()) {
            request = request.add_extra_param("domain_hint", hint.to_string());
        }
        let (authorize_url, state) = request.url();
        // Not the authorize URL: its query holds the state and the PKCE challenge.
        tracing::info!(tenant, port, "browser sign-in: waiting for the browser");

        Ok(PendingSignIn {
            listener,
            listener_v6,
            port,
            authorize_url,
            state,
            verifier,
            urls,
            client_id: config.client_id.clone(),
            token_scopes: token_scopes(&config.scopes),
            tenant,
        })
    }
}

/// A sign-in waiting for the browser to come back.
pub struct PendingSignIn {
    listener: std::net::TcpListener,
    listener_v6: Option<std::net::TcpListener>,
    port: u16,
    authorize_url: Url,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    urls: EntraUrls,
    client_id: String,
    token_scopes: Vec<String>,
    tenant: String,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("port", &self.port)
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl PendingSignIn {
    /// The URL to open in the system browser.
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    /// The loopback port the browser will return to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://localhost:{port}`, exactly as sent in the authorize and token requests.
    pub fn redirect_uri(&self) -> &str {
        self.urls.redirect.as_str()
    }

    /// The tenant segment this sign-in uses (`organizations`, or a tenant id).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Wait for the browser, then redeem the code. Ends with [`ErrorCode::SignInCancelled`] when `cancel`
    /// fires, [`ErrorCode::SignInExpired`] after `timeout`, the mapped Entra error when the person declined or
    /// Entra refused, or the tokens.
    pub async fn wait(
        self,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<TokenSet, Error> {
        let listener = TcpListener::from_std(self.listener).map_err(|e| internal(e.to_string()))?;
        let listener_v6 = match self.listener_v6 {
            Some(l) => TcpListener::from_std(l).ok(),
            None => None,
        };
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut readers: JoinSet<Option<(TcpStream, Request)>> = JoinSet::new();
        let http = build_http_client(TOKEN_REQUEST_TIMEOUT)?;
        let mut verifier = Some(self.verifier);

        loop {
            let (mut stream, request) = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Error::from_code(ErrorCode::SignInCancelled)),
                _ = &mut deadline => return Err(timed_out()),
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        readers.spawn(read_request(stream));
                    }
                    continue;
                }
                accepted = accept_optional(listener_v6.as_ref()) => {
                    if let Ok((stream, _)) = accepted {
                        readers.spawn(read_request(stream));
                    }
                    continue;
                }
                Some(read) = readers.join_next(), if !readers.is_empty() => match read {
                    Ok(Some(got)) => got,
                    _ => continue,
                },
            };

            match classify(&request, self.state.secret()) {
                Callback::NotOurs(status, page) => {
                    tracing::info!(
                        status,
                        "browser sign-in: a request that is not the sign-in's"
                    );
                    respond(&mut stream, status, &page).await;
                }
                Callback::Refused(err) => {
                    tracing::info!(code = err.code.as_str(), "browser sign-in: Entra refused");
                    respond(&mut stream, 200, &error_page(&err.message)).await;
                    return Err(err);
                }
                Callback::Code(code) => {
                    // One valid callback ends the listening: the port closes before the code is redeemed, so
                    // nothing else (a replay, a second tab, another program) can reach the sign-in any more,
                    // and connections still waiting to be read are closed with it.
                    drop(listener);
                    drop(listener_v6);
                    drop(readers);
                    // Never the code: it is redeemed once, here, and goes nowhere else.
                    tracing::info!("browser sign-in: the browser came back; redeeming the code");
                    let verifier = verifier.take().expect("the code is redeemed once");
                    let exchange = exchange_code(
                        &http,
                        &self.client_id,
                        &self.urls,
                        code,
                        verifier,
                        &self.token_scopes,
                    );
                    let result = tokio::select! {
                        biased;
                        _ = cancel.cancelled() => Err(Error::from_code(ErrorCode::SignInCancelled)),
                        r = exchange => r,
                    };
                    match &result {
                        Ok(_) => respond(&mut stream, 200, &success_page()).await,
                        Err(e) => respond(&mut stream, 200, &error_page(&e.message)).await,
                    }
                    return result;
                }
            }
        }
    }
}

async fn exchange_code(
    http: &reqwest::Client,
    client_id: &str,
    urls: &EntraUrls,
    code: String,
    verifier: PkceCodeVerifier,
    scopes: &[String],
) -> Result<TokenSet, Error> {
    let client = oauth_client(client_id, urls);
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .set_redirect_uri(Cow::Borrowed(&urls.redirect))
        .add_extra_param("scope", scopes.join(" "))
        .request_async(&logged(http))
        .await
        .map_err(|e| {
            let e = map_token_error(e);
            if e.raw.as_deref().is_some_and(|r| r.starts_with("invalid_grant")) {
                // A refused code at this point is a failed hand-over, not an expired session.
                let raw = e.raw.clone().unwrap_or_default();
                Error::new(
                    ErrorCode::SignInFailed,
                    "Microsoft did not accept PAT Desk's sign-in request, so the sign-in could not be finished. Please sign in again.",
                )
                .with_raw(raw)
            } else {
                e
            }
        })?;
    Ok(token_set(&response, None))
}

// ----- the loopback listener ----------------------------------------------------------------------------

async fn accept_optional(
    listener: Option<&TcpListener>,
) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// The part of the browser's request that matters.
struct Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
}

impl Request {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Read one request head; `None` for a connection that sent nothing usable in time (pre-connects).
async fn read_request(mut stream: TcpStream) -> Option<(TcpStream, Request)> {
    let mut buf = Vec::with_capacity(2048);
    let read = tokio::time::timeout(REQUEST_READ_TIMEOUT, async {
        let mut chunk = [0u8; 2048];
        loop {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
                return Some(());
            }
            if buf.len() > MAX_REQUEST_HEAD {
                return None;
            }
        }
    })
    .await;
    if !matches!(read, Ok(Some(()))) {
        if buf.len() > MAX_REQUEST_HEAD {
            respond(&mut stream, 431, &error_page("The request was too large.")).await;
        }
        return None;
    }
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?;
    let url = Url::parse(&format!("http://localhost{target}")).ok()?;
    let query = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Some((
        stream,
        Request {
            method,
            path: url.path().to_string(),
            query,
        },
    ))
}

enum Callback {
    /// Not the redirect we wait for: answer and keep waiting.
    NotOurs(u16, String),
    /// Entra sent an error for our sign-in: the sign-in is over.
    Refused(Error),
    /// The authorization code of our sign-in.
    Code(String),
}

fn classify(request: &Request, expected_state: &str) -> Callback {
    if request.method != "GET" {
        return Callback::NotOurs(
            405,
            error_page("PAT Desk only expects the sign-in page here."),
        );
    }
    if request.path != "/" {
        return Callback::NotOurs(
            404,
            error_page("There is nothing here. Go back to PAT Desk."),
        );
    }
    let code = request.param("code").filter(|c| !c.is_empty());
    let error = request.param("error").filter(|e| !e.is_empty());
    if code.is_none() && error.is_none() {
        return Callback::NotOurs(
            400,
            error_page("This page is where Microsoft sends you back after signing in to PAT Desk. Start the sign-in from PAT Desk."),
        );
    }
    let state_ok = request
        .param("state")
        .is_some_and(|s| constant_time_eq(s.as_bytes(), expected_state.as_bytes()));
    if !state_ok {
        return Callback::NotOurs(
            400,
            error_page("This sign-in page does not belong to the sign-in PAT Desk is waiting for (it may be from an earlier attempt). Go back to PAT Desk and finish or restart the sign-in there."),
        );
    }
    if let Some(error) = error {
        return Callback::Refused(super::sign_in_error(
            error,
            request.param("error_description"),
        ));
    }
    Callback::Code(code.unwrap_or_default().to_string())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn respond(stream: &mut TcpStream, status: u16, page: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Referrer-Policy: no-referrer\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Connection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

/// The page the browser shows after a successful sign-in.
pub fn success_page() -> String {
    page(
        "You're signed in",
        "You're signed in — you can return to PAT Desk.",
        "You can close this browser tab.",
        true,
    )
}

/// The page the browser shows when the sign-in did not work.
pub fn error_page(message: &str) -> String {
    page(
        "Sign-in did not finish",
        "Sign-in did not finish",
        message,
        false,
    )
}

fn page(title: &str, heading: &str, text: &str, ok: bool) -> String {
    let (accent, mark) = if ok {
        ("#1a7f37", "&#10003;")
    } else {
        ("#b42318", "!")
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PAT Desk — {title}</title>
<style>
body{{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f6f8;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;color:#1f2328}}
main{{background:#fff;border-radius:14px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:40px 48px;max-width:460px;text-align:center}}
.mark{{width:56px;height:56px;border-radius:50%;margin:0 auto 16px;display:flex;align-items:center;justify-content:center;
background:{accent};color:#fff;font-size:30px;font-weight:700}}
h1{{font-size:1.35rem;margin:0 0 10px}} p{{margin:0;line-height:1.5;color:#57606a}}
</style></head>
<body><main><div class="mark">{mark}</div><h1>{heading}</h1><p>{text}</p></main></body></html>
"#,
        title = html_escape(title),
        heading = html_escape(heading),
        text = html_escape(text),
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn timed_out() -> Error {
    Error::new(
        ErrorCode::SignInExpired,
        "The sign-in was not finished in time. Start the sign-in again when you're ready.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str) -> Request {
        let url = Url::parse(&format!("http://localhost{target}")).unwrap();
        Request {
            method: "GET".into(),
            path: url.path().into(),
            query: url
                .query_pairs()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    #[test]
    fn classify_accepts_only_our_state() {
        assert!(matches!(
            classify(&request("/?code=abc&state=s1"), "s1"),
            Callback::Code(c) if c == "abc"
        ));
        assert!(matches!(
            classify(&request("/?code=abc&state=s2"), "s1"),
            Callback::NotOurs(400, _)
        ));
        assert!(matches!(
            classify(&request("/?code=abc"), "s1"),
            Callback::NotOurs(400, _)
        ));
        assert!(matches!(
            classify(&request("/favicon.ico"), "s1"),
            Callback::NotOurs(404, _)
        ));
        match classify(&request("/?error=access_denied&state=s1"), "s1") {
            Callback::Refused(e) => assert_eq!(e.code, ErrorCode::SignInDeclined),
            _ => panic!("access_denied must end the sign-in"),
        }
    }

    #[test]
    fn pages_escape_text() {
        assert!(error_page("<script>").contains("&lt;script&gt;"));
        assert!(success_page().contains("You're signed in — you can return to PAT Desk"));
    }
}
