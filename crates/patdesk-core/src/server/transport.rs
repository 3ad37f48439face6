//! The connection to one Azure DevOps Server: ONE kept-alive HTTP/1.1 connection (hyper's client connection
//! API, so the connection is never swapped under the handshake, as reqwest's pool could), signed in once with
//! NTLM — or Negotiate carrying NTLM where only Negotiate is offered — or sending a PAT (Basic) on every
//! request (contract §4–§5). When the connection drops it connects and signs in again.
//!
//! TLS is rustls with the operating system's trust store (`rustls-native-certs`: the system store, or the
//! file `SSL_CERT_FILE` names) plus any extra roots the caller gives; a certificate the machine does not trust
//! becomes [`ErrorCode::TlsNotTrusted`] naming the problem. `HTTPS_PROXY` / `HTTP_PROXY` are honoured with a
//! `CONNECT` tunnel, except for the hosts `NO_PROXY` names and this machine.
//!
//! Requests are sent one at a time (a second caller waits for the connection), which is what a single
//! NTLM-authenticated connection allows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT, WWW_AUTHENTICATE,
};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::Url;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

use super::handshake::{authorization, Handshake};
use super::request::ServerRequest;

/// The most answers the client gives the server's tokens in one sign-in (NTLM needs one).
const MAX_HANDSHAKE_ROUNDS: usize = 4;

/// How PAT Desk signs in to a server.
#[derive(Clone)]
pub enum ServerCredential {
    /// Windows sign-in (NTLM): `DOMAIN\user` or `user@domain`, and the password.
    Windows {
        user: String,
        password: Sensitive<String>,
    },
    /// The person signed in to Windows ([`super::current_windows_account`]), through Windows' own SSPI
    /// (Negotiate: Kerberos or NTLM): no password typed, none kept. Windows only; elsewhere a transport with it
    /// cannot be made (a plain error).
    CurrentWindowsUser,
    /// An existing personal access token, sent as Basic. It can list and revoke, not create.
    Pat(Sensitive<String>),
}

impl std::fmt::Debug for ServerCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerCredential::Windows { user, .. } => f
                .debug_struct("Windows")
                .field("user", user)
                .field("password", &crate::secret::REDACTED)
                .finish(),
            ServerCredential::CurrentWindowsUser => f.write_str("CurrentWindowsUser"),
            ServerCredential::Pat(_) => f.write_str("Pat(<redacted>)"),
        }
    }
}

impl ServerCredential {
    /// The user name a window shows ("a personal access token" for a PAT).
    pub fn label(&self) -> String {
        match self {
            ServerCredential::Windows { user, .. } => user.clone(),
            ServerCredential::CurrentWindowsUser => {
                super::current_windows_account().unwrap_or_else(|| "your Windows account".into())
            }
            ServerCredential::Pat(_) => "a personal access token".into(),
        }
    }

    pub fn is_pat(&self) -> bool {
        matches!(self, ServerCredential::Pat(_))
    }

    /// The scheme to sign in with among those the server offers (`None`: none this credential can use). The
    /// pure-Rust client prefers NTLM (inside Negotiate it can only send NTLM, which a Kerberos-only server
    /// refuses); Windows' SSPI prefers Negotiate, which is Kerberos on a domain.
    fn scheme_for(&self, offered: &[String]) -> Option<&'static str> {
        let has = |s: &str| offered.iter().any(|o| o.eq_ignore_ascii_case(s));
        let preferred: [&'static str; 2] = match self {
            ServerCredential::CurrentWindowsUser => ["Negotiate", "NTLM"],
            _ => ["NTLM", "Negotiate"],
        };
        preferred.into_iter().find(|s| has(s))
    }
}

/// The plain error for the current Windows user where there is none (not Windows).
#[cfg(not(windows))]
fn no_current_windows_user() -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        "Signing in as the current Windows user works only on Windows. Sign in with your Windows user name and password instead.",
    )
}

/// Transport settings.
#[derive(Debug, Clone)]
pub struct TransportOptions {
    /// Longest wait for one request (the handshake's round trips included).
    pub request_timeout: Duration,
    /// Certificates (PEM) to trust besides the operating system's store.
    pub extra_roots_pem: Option<String>,
    /// The person's choice to use this server although its address is plain `http://` to another computer
    /// (from the settings, or the CLI's `--allow-plain-http`); without it such a transport cannot be made
    /// ([`super::plain_http`]).
    pub plain_http_choice: Option<crate::settings::PlainHttpChoice>,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            request_timeout: crate::http::REQUEST_TIMEOUT,
            extra_roots_pem: None,
            plain_http_choice: None,
        }
    }
}

/// `Basic base64(":" + PAT)`, built in buffers that are wiped when dropped (no copy of the PAT is left behind
/// in freed memory by the formatting).
fn basic_authorization(pat: &Sensitive<String>) -> Zeroizing<String> {
    let mut user_pass = Zeroizing::new(String::with_capacity(pat.expose().len() + 1));
    user_pass.push(':');
    user_pass.push_str(pat.expose());
    let encoded_len = user_pass.len().div_ceil(3) * 4;
    let mut header = Zeroizing::new(String::with_capacity("Basic ".len() + encoded_len));
    header.push_str("Basic ");
    base64::engine::general_purpose::STANDARD.encode_string(user_pass.as_bytes(), &mut header);
    header
}

/// An answer from the server.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The status, the headers and the body's length only: a Create's body holds the new token.
impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

struct Live {
    send: SendRequest<Full<Bytes>>,
    signed_in: bool,
}

/// The one connection to a server and how it signs in.
pub struct Transport {
    base: Url,
    credential: ServerCredential,
    options: TransportOptions,
    tls: Option<tokio_rustls::TlsConnector>,
    live: tokio::sync::Mutex<Option<Live>>,
    /// The Windows schemes the server offered the last time it challenged (`NTLM`, `Negotiate`).
    offered: std::sync::Mutex<Option<Vec<String>>>,
    connections: AtomicU64,
    handshakes: AtomicU64,
    /// Windows' SSPI signs in as this account instead of the logon session's (tests under Wine only).
    #[cfg(all(windows, test))]
    sspi_identity: Option<super::windows_sspi::ExplicitIdentity>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base", &crate::http::url_for_log(&self.base))
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed: the request never left (hyper handed it back: send it again on a new connection),
/// the connection went away after the request may have been sent (reconnect; send again only what is harmless
/// twice), or an error.
enum Failure {
    Unsent(Error),
    Dropped(Error),
    Fatal(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Fatal(e)
    }
}

impl Transport {
    /// A transport for the server at `base` (`https://host[:port][/tfs]`). Nothing is sent yet.
    pub fn new(
        base: Url,
        credential: ServerCredential,
        options: TransportOptions,
    ) -> Result<Transport, Error> {
        if credential.is_pat()
            && base.scheme() == "http"
            && crate::endpoints::check_secure(&base).is_err()
        {
            // NTLM never sends the password; Basic would send the token in clear text.
            return Err(Error::from_code(ErrorCode::InsecureUrl).with_raw("PAT over plain http"));
        }
        // Before any connection: an unencrypted address nobody chose is refused here, whoever the caller.
        super::plain_http::require_choice(&base, options.plain_http_choice.as_ref())?;
        #[cfg(not(windows))]
        if matches!(credential, ServerCredential::CurrentWindowsUser) {
            return Err(no_current_windows_user());
        }
        let tls = match base.scheme() {
            "https" => Some(tls_connector(options.extra_roots_pem.as_deref())?),
            _ => None,
        };
        Ok(Transport {
            base,
            credential,
            options,
            tls,
            live: tokio::sync::Mutex::new(None),
            offered: std::sync::Mutex::new(None),
            connections: AtomicU64::new(0),
            handshakes: AtomicU64::new(0),
            #[cfg(all(windows, test))]
            sspi_identity: None,
        })
    }

    /// The client computing this credential's tokens for `scheme`.
    fn handshake_client(&self, scheme: &'static str) -> Result<Box<dyn Handshake>, Error> {
        match &self.credential {
            ServerCredential::Windows { user, password } => {
                Ok(Box::new(super::ntlm::NtlmClient::new(user, password)?))
            }
            #[cfg(windows)]
            ServerCredential::CurrentWindowsUser => {
                let host = self.base.host_str().unwrap_or_default();
                #[cfg(test)]
                if let Some(identity) = &self.sspi_identity {
                    return Ok(Box::new(super::windows_sspi::SspiClient::with_identity(
                        scheme, host, identity,
                    )?));
                }
                Ok(Box::new(super::windows_sspi::SspiClient::current_user(
                    scheme, host,
                )?))
            }
            #[cfg(not(windows))]
            ServerCredential::CurrentWindowsUser => {
                let _ = scheme;
                Err(no_current_windows_user())
            }
            ServerCredential::Pat(_) => Err(Error::internal("no handshake with a PAT")),
        }
    }

    /// The server refused the sign-in after its challenge was answered: for a typed account, the password
    /// (or a locked account, when the server says so).
    fn refused(&self, answer: &Answer) -> Error {
        let body = String::from_utf8_lossy(&answer.body).to_ascii_lowercase();
        if body.contains("locked out") || body.contains("account is locked") {
            return Error::from_code(ErrorCode::AccountLocked).with_status(401);
        }
        match &self.credential {
            ServerCredential::CurrentWindowsUser => Error::new(
                ErrorCode::SignInFailed,
                format!(
                    "The server did not accept your Windows sign-in as {}. Sign in with your user name and password instead, or with a personal access token.",
                    self.credential.label()
                ),
            )
            .with_status(401),
            _ => Error::from_code(ErrorCode::WrongPassword).with_status(401),
        }
    }

    /// TCP connections made so far (one, unless the server dropped it).
    pub fn connections_made(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// NTLM handshakes completed so far.
    pub fn handshakes_made(&self) -> u64 {
        self.handshakes.load(Ordering::SeqCst)
    }

    pub fn credential(&self) -> &ServerCredential {
        &self.credential
    }

    /// Sends `request` on the connection, connecting and signing in first when needed; reconnects once when
    /// the connection turns out to be gone. A request is sent again only when hyper handed it back unsent
    /// (`try_send_request`), or when sending it twice is harmless: a Create whose connection dropped after it
    /// may have left is never repeated here, it fails with [`ErrorCode::Network`] (not marked
    /// [`crate::http::never_sent`]), and the caller looks for the token before anything else is sent.
    pub async fn send(&self, request: &ServerRequest) -> Result<Answer, Error> {
        let mut live = self.live.lock().await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let fresh = live.as_ref().is_none_or(|l| l.send.is_closed());
            if fresh {
                *live = None;
                *live = Some(self.connect().await?);
            }
            let current = live.as_mut().expect("connected");
            let outcome = tokio::time::timeout(
                self.options.request_timeout,
                self.exchange(current, request),
            )
            .await;
            match outcome {
                Err(_) => {
                    *live = None;
                    return Err(Error::new(
                        ErrorCode::Timeout,
                        "The server took too long to answer. Check your connection and try again.",
                    ));
                }
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(Failure::Fatal(e))) => {
                    if e.code == ErrorCode::MalformedResponse {
                        // An answer cut off unread (too large): the connection cannot carry another request.
                        *live = None;
                    }
                    return Err(e);
                }
                Ok(Err(Failure::Unsent(e))) => {
                    *live = None;
                    // The connection was gone before the request was written (a server closes idle
                    // connections): nothing reached the server, so connect again and send it, once.
                    if attempt >= 2 {
                        return Err(crate::http::mark_never_sent(e));
                    }
                }
                Ok(Err(Failure::Dropped(e))) => {
                    *live = None;
                    // The request may have reached the server: repeat it only when repeating is harmless.
                    if attempt >= 2 || !request.is_idempotent() {
                        return Err(e);
                    }
                }
            }
        }
    }

    async fn exchange(&self, live: &mut Live, request: &ServerRequest) -> Result<Answer, Failure> {
        match &self.credential {
            ServerCredential::Pat(pat) => {
                let header = basic_authorization(pat);
                let answer = self
                    .round_trip(live, request, Some(header.as_str()))
                    .await?;
                if answer.status == 401 {
                    return Err(Failure::Fatal(
                        Error::from_code(ErrorCode::PatRejected).with_status(401),
                    ));
                }
                Ok(answer)
            }
            ServerCredential::Windows { .. } | ServerCredential::CurrentWindowsUser => {
                if live.signed_in {
                    let answer = self.round_trip(live, request, None).await?;
                    if answer.status != 401 {
                        return Ok(answer);
                    }
                    // The server forgot the connection's sign-in: sign in again on it.
                    live.signed_in = false;
                }
                self.handshake(live, request).await
            }
        }
    }

    /// The Windows sign-in, carried by `request` itself: the client's first token (NTLM's NEGOTIATE), then
    /// as long as the server answers with its next token (NTLM's CHALLENGE), the client's answer to it
    /// (AUTHENTICATE), until the server answers the request. Kerberos is done after the first token.
    async fn handshake(&self, live: &mut Live, request: &ServerRequest) -> Result<Answer, Failure> {
        let mut offered = self.offered.lock().map(|o| o.clone()).unwrap_or(None);
        // Twice at most: when the schemes remembered from an earlier challenge are no longer what the server
        // offers, the bare challenge it answers with says what it offers now; and Windows' SSPI, refused under
        // Negotiate, tries NTLM once when the server offers it too.
        for attempt in 0..2 {
            let schemes_now = match offered.take() {
                Some(o) => o,
                None => {
                    let anonymous = self.round_trip(live, request, None).await?;
                    if anonymous.status != 401 {
                        return Ok(anonymous);
                    }
                    schemes(&anonymous.headers)
                }
            };
            self.remember_schemes(&schemes_now);
            let Some(scheme) = self.credential.scheme_for(&schemes_now) else {
                return Err(Failure::Fatal(Error::from_code(ErrorCode::NoWindowsSignIn)));
            };
            let mut client = self.handshake_client(scheme)?;
            let first = client.first_token()?;
            let answer = self
                .round_trip(live, request, Some(authorization(scheme, &first).as_str()))
                .await?;
            if answer.status != 401 {
                // One token was enough (Kerberos).
                self.signed_in(live);
                return Ok(answer);
            }
            let Some(challenge) = continuation(&answer.headers, scheme) else {
                let now_offered = schemes(&answer.headers);
                let changed = !now_offered.iter().any(|s| s.eq_ignore_ascii_case(scheme));
                if attempt == 0 && changed && !now_offered.is_empty() {
                    offered = Some(now_offered);
                    continue;
                }
                self.remember_schemes(&now_offered);
                let ntlm_offered = now_offered.iter().any(|s| s.eq_ignore_ascii_case("NTLM"));
                if attempt == 0
                    && scheme == "Negotiate"
                    && ntlm_offered
                    && matches!(self.credential, ServerCredential::CurrentWindowsUser)
                {
                    offered = Some(vec!["NTLM".to_string()]);
                    continue;
                }
                // The first token was refused outright: the server would not take this scheme's content.
                let code = match (&self.credential, scheme) {
                    (ServerCredential::CurrentWindowsUser, _) => {
                        return Err(Failure::Fatal(self.refused(&answer)));
                    }
                    (_, "Negotiate") => ErrorCode::KerberosOnly,
                    _ => ErrorCode::NoWindowsSignIn,
                };
                return Err(Failure::Fatal(Error::from_code(code).with_status(401)));
            };
            return self
                .finish_handshake(live, request, client, scheme, challenge)
                .await;
        }
        Err(Failure::Fatal(Error::from_code(ErrorCode::NoWindowsSignIn)))
    }

    fn remember_schemes(&self, schemes: &[String]) {
        if let Ok(mut o) = self.offered.lock() {
            *o = Some(schemes.to_vec());
        }
    }

    fn signed_in(&self, live: &mut Live) {
        live.signed_in = true;
        self.handshakes.fetch_add(1, Ordering::SeqCst);
    }

    /// The client's answers to the server's tokens, and the server's verdict.
    async fn finish_handshake(
        &self,
        live: &mut Live,
        request: &ServerRequest,
        mut client: Box<dyn Handshake>,
        scheme: &str,
        mut challenge: Vec<u8>,
    ) -> Result<Answer, Failure> {
        // NTLM needs one answer; Negotiate a few at most.
        for _ in 0..MAX_HANDSHAKE_ROUNDS {
            let token = client.next_token(&challenge)?;
            let answer = self
                .round_trip(live, request, Some(authorization(scheme, &token).as_str()))
                .await?;
            if answer.status != 401 {
                self.signed_in(live);
                return Ok(answer);
            }
            match continuation(&answer.headers, scheme) {
                Some(next) if !matches!(self.credential, ServerCredential::Windows { .. }) => {
                    challenge = next;
                }
                _ => return Err(Failure::Fatal(self.refused(&answer))),
            }
        }
        Err(Failure::Fatal(
            Error::from_code(ErrorCode::NoWindowsSignIn).with_raw("too many handshake rounds"),
        ))
    }

    async fn round_trip(
        &self,
        live: &mut Live,
        request: &ServerRequest,
        authorization: Option<&str>,
    ) -> Result<Answer, Failure> {
        let uri = format!(
            "{}{}",
            self.base.path().trim_end_matches('/'),
            request.path_and_query()
        );
        let host = match self.base.port() {
            Some(p) => format!("{}:{p}", self.base.host_str().unwrap_or_default()),
            None => self.base.host_str().unwrap_or_default().to_string(),
        };
        let mut builder = hyper::Request::builder()
            .method(request.method().clone())
            .uri(&uri)
            .header(HOST, host)
            .header(USER_AGENT, crate::http::user_agent())
            .header("accept", "application/json");
        if let Some(a) = authorization {
            let mut v = HeaderValue::from_str(a).map_err(Error::internal)?;
            v.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, v);
        }
        let body = match request.body() {
            Some(b) => {
                builder = builder.header(CONTENT_TYPE, "application/json; charset=utf-8");
                Full::new(Bytes::copy_from_slice(b))
            }
            None => Full::new(Bytes::new()),
        };
        let hyper_request = builder.body(body).map_err(Error::internal)?;
        let started = std::time::Instant::now();
        let lost = |raw: String| {
            Error::new(
                ErrorCode::Network,
                "The connection to the server was lost. Check your connection and try again.",
            )
            .with_raw(raw)
        };
        // A connection that closed before this request was handed over: the request never left.
        live.send
            .ready()
            .await
            .map_err(|e| Failure::Unsent(lost(format!("{e:?}"))))?;
        // `try_send_request` hands the request back when it was never written to the connection; without it
        // back, it may have reached the server (hyper's `send_request` cannot tell the two apart).
        let response = match live.send.try_send_request(hyper_request).await {
            Ok(response) => response,
            Err(mut e) => {
                let unsent = e.take_message().is_some();
                let error = lost(format!("{:?}", e.into_error()));
                return Err(if unsent {
                    Failure::Unsent(error)
                } else {
                    Failure::Dropped(error)
                });
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // At most 16 MiB (`crate::http::MAX_BODY_BYTES`): a longer answer is refused, and the rest of it is
        // never read (the connection is dropped with the body).
        let body = match Limited::new(response.into_body(), crate::http::MAX_BODY_BYTES)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
                return Err(Failure::Fatal(crate::http::body_too_large()));
            }
            Err(e) => return Err(Failure::Dropped(lost(format!("{e:?}")))),
        };
        crate::http::log_response(
            request.method().as_str(),
            &format!(
                "{}{}",
                crate::http::url_for_log(&self.base),
                uri_path(request)
            ),
            Some(status),
            started.elapsed(),
        );
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    async fn connect(&self) -> Result<Live, Error> {
        let host = self.base.host_str().unwrap_or_default().to_string();
        let port = self.base.port_or_known_default().unwrap_or(443);
        let unreachable = |raw: String| {
            crate::http::mark_never_sent(
                Error::from_code(ErrorCode::ServerUnreachable).with_raw(raw),
            )
        };
        let tcp = match super::proxy::proxy_for(&self.base) {
            None => tokio::time::timeout(
                crate::http::CONNECT_TIMEOUT,
                TcpStream::connect((host.trim_start_matches('[').trim_end_matches(']'), port)),
            )
            .await
            .map_err(|_| unreachable("connect timed out".into()))?
            .map_err(|e| unreachable(format!("connect: {e}")))?,
            Some(proxy) => super::proxy::tunnel(&proxy, &host, port)
                .await
                .map_err(|e| {
                    unreachable(format!(
                        "proxy {}: {e}",
                        proxy.host_str().unwrap_or_default()
                    ))
                })?,
        };
        let _ = tcp.set_nodelay(true);
        let io: Box<dyn Io> = match &self.tls {
            None => Box::new(tcp),
            Some(connector) => {
                let name = rustls::pki_types::ServerName::try_from(
                    host.trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_string(),
                )
                .map_err(|e| {
                    Error::from_code(ErrorCode::InvalidServerUrl).with_raw(e.to_string())
                })?;
                let tls = tokio::time::timeout(
                    crate::http::CONNECT_TIMEOUT,
                    connector.connect(name, tcp),
                )
                .await
                .map_err(|_| unreachable("TLS handshake timed out".into()))?
                .map_err(|e| crate::http::mark_never_sent(tls_error(&e)))?;
                Box::new(tls)
            }
        };
        let (send, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| unreachable(format!("http handshake: {e}")))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        self.connections.fetch_add(1, Ordering::SeqCst);
        Ok(Live {
            send,
            signed_in: false,
        })
    }
}

fn uri_path(request: &ServerRequest) -> &str {
    request
        .path_and_query()
        .split('?')
        .next()
        .unwrap_or_default()
}

/// The schemes of every `WWW-Authenticate` header (`Negotiate`, `NTLM`, `Basic`, `Bearer`). Reads what a
/// server sent: any header value gives a list (maybe empty), never a panic.
pub fn schemes(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|v| v.split_whitespace().next())
        .filter(|s| !s.contains('='))
        .map(str::to_string)
        .collect()
}

/// The server's next NTLM message in `WWW-Authenticate: {scheme} <base64>` (`None` when there is none or it
/// is not base64). Reads what a server sent: never a panic.
pub fn continuation(headers: &HeaderMap, scheme: &str) -> Option<Vec<u8>> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (s, token) = v.trim().split_once(' ')?;
            (s.eq_ignore_ascii_case(scheme) && !token.trim().is_empty())
                .then(|| {
                    base64::engine::general_purpose::STANDARD
                        .decode(token.trim())
                        .ok()
                })
                .flatten()
        })
}

/// The root store: the operating system's certificates (or `SSL_CERT_FILE`'s) plus `extra_pem`.
pub(super) fn tls_connector(extra_pem: Option<&str>) -> Result<tokio_rustls::TlsConnector, Error> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        let _ = roots.add(cert);
    }
    if let Some(pem) = extra_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| {
                Error::new(
                    ErrorCode::TlsNotTrusted,
                    "The extra certificate PAT Desk was given could not be read. Ask your IT help desk for the company's root certificate as a .pem or .crt file.",
                )
                .with_raw(e.to_string())
            })?;
            let _ = roots.add(cert);
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(Error::internal)?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// A failed TLS handshake as [`ErrorCode::TlsNotTrusted`] naming the certificate problem, or
/// [`ErrorCode::ServerUnreachable`] when it was not about the certificate.
fn tls_error(e: &std::io::Error) -> Error {
    crate::http::tls::certificate_error(e).unwrap_or_else(|| {
        Error::new(
            ErrorCode::ServerUnreachable,
            "PAT Desk could not open a secure connection to the server. Check the address (https:// or http://, and the port), then try again.",
        )
        .with_raw(format!("tls: {e}"))
    })
}

#[cfg(test)]
mod tests {
    //! The transport's Windows sign-in against the simulator's server mode (a real NTLM acceptor) over
    //! loopback, through each client of the handshake interface this platform has: the pure-Rust NTLM client
    //! everywhere, and on Windows (under Wine, its NTLM through Samba's `ntlm_auth`) Windows' own SSPI.

    use super::*;
    use patdesk_sim::{Seed, SimOptions, SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD};
    use patdesk_test_support::TestSim;
    use reqwest::Method;
    use serde_json::{json, Value};

    #[test]
    fn an_answer_never_prints_its_body() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let answer = Answer {
            status: 200,
            headers,
            body: br#"{"token":"the-new-pat-value-42"}"#.to_vec(),
        };
        let printed = format!("{answer:?} {answer:#?}");
        assert!(!printed.contains("the-new-pat-value-42"), "{printed}");
        // Nor as the numbers of its bytes.
        let as_bytes = format!("{:?}", b"the-new-pat-value-42".as_slice());
        assert!(
            !printed.contains(as_bytes.trim_matches(['[', ']'])),
            "{printed}"
        );
        assert!(printed.contains("200"), "{printed}");
    }

    async fn sim() -> TestSim {
        TestSim::start_at_test_now(SimOptions {
            seed: Seed::Demo,
            ..Default::default()
        })
        .await
    }

    fn transport(sim: &TestSim, credential: ServerCredential) -> Result<Transport, Error> {
        Transport::new(
            Url::parse(&sim.sim.server_url()).unwrap(),
            credential,
            TransportOptions {
                request_timeout: Duration::from_secs(20),
                ..Default::default()
            },
        )
    }

    async fn server_state(sim: &TestSim) -> Value {
        sim.control(Method::GET, "server/state", None).await
    }

    async fn offer(sim: &TestSim, windows_auth: &str) {
        sim.control(
            Method::POST,
            "server/switches",
            Some(json!({ "windowsAuth": windows_auth })),
        )
        .await;
    }

    /// Who the server says signed in on `transport` (the first request carries the handshake), and that a
    /// second request rode the same signed-in connection with no second handshake.
    async fn signed_in_as(sim: &TestSim, transport: &Transport) -> Result<String, Error> {
        let before = server_state(sim).await["handshakes"].as_u64().unwrap();
        let request = ServerRequest::connection_data(&super::super::TokenHost::Deployment);
        let answer = transport.send(&request).await?;
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let again = transport.send(&ServerRequest::collections()).await?;
        assert_eq!(again.status, 200);
        assert_eq!(transport.connections_made(), 1);
        assert_eq!(transport.handshakes_made(), 1);
        assert_eq!(server_state(sim).await["handshakes"], before + 1);
        let body: Value = serde_json::from_slice(&answer.body).unwrap();
        Ok(body["authenticatedUser"]["properties"]["Account"]["$value"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    fn dana() -> ServerCredential {
        ServerCredential::Windows {
            user: SERVER_DEMO_LOGIN.into(),
            password: Sensitive::new(SERVER_DEMO_PASSWORD.into()),
        }
    }

    #[test]
    fn the_pure_rust_client_speaks_ntlm_through_the_handshake_interface() {
        let mut client: Box<dyn Handshake> = Box::new(
            super::super::ntlm::NtlmClient::new(
                SERVER_DEMO_LOGIN,
                &Sensitive::new(SERVER_DEMO_PASSWORD.into()),
            )
            .unwrap(),
        );
        let negotiate = client.first_token().unwrap();
        assert!(negotiate.starts_with(b"NTLMSSP\0"));
        assert_eq!(negotiate[8], 1, "a NEGOTIATE message");
        // A challenge that is not one is refused in plain words, not a panic.
        let e = client.next_token(b"not a challenge").unwrap_err();
        assert_eq!(e.code, ErrorCode::SignInFailed);
        assert!(e.message.contains("Try again"), "{}", e.message);
    }

    #[tokio::test]
    async fn the_pure_rust_client_signs_in_under_each_scheme_the_server_offers() {
        let sim = sim().await;
        for offered in ["negotiateAndNtlm", "ntlmOnly", "negotiateOnly"] {
            offer(&sim, offered).await;
            let transport = transport(&sim, dana()).unwrap();
            let who = signed_in_as(&sim, &transport).await.expect(offered);
            assert_eq!(
                who.to_ascii_lowercase(),
                SERVER_DEMO_LOGIN.to_ascii_lowercase()
            );
        }
        // A Kerberos-only server refuses the NTLM inside Negotiate: said plainly, a token offered instead.
        offer(&sim, "kerberosOnly").await;
        let e = signed_in_as(&sim, &transport(&sim, dana()).unwrap())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::KerberosOnly);
    }

    #[cfg(not(windows))]
    #[tokio::test]
    async fn the_current_windows_user_is_a_plain_error_off_windows() {
        let sim = sim().await;
        assert_eq!(super::super::current_windows_account(), None);
        let e = transport(&sim, ServerCredential::CurrentWindowsUser).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains("only on Windows"), "{}", e.message);
        assert!(
            e.message.contains("user name and password"),
            "{}",
            e.message
        );
        assert!(sim.requests().await.is_empty(), "nothing was sent");
    }

    /// Windows' own SSPI with the simulator's account and password instead of the logon session's.
    #[cfg(windows)]
    fn through_windows_sspi(sim: &TestSim, user: &str, domain: &str, password: &str) -> Transport {
        let mut transport = transport(sim, ServerCredential::CurrentWindowsUser).unwrap();
        transport.sspi_identity = Some(super::super::windows_sspi::ExplicitIdentity {
            user: user.into(),
            domain: domain.into(),
            password: Sensitive::new(password.into()),
        });
        transport
    }

    #[cfg(windows)]
    #[tokio::test]
    async fn windows_sspi_signs_in_with_the_accounts_password_under_each_scheme() {
        let sim = sim().await;
        let (domain, user) = SERVER_DEMO_LOGIN.split_once('\\').unwrap();
        // Negotiate and NTLM offered: the Negotiate package first (Kerberos on a domain; here its NTLM, or NTLM
        // itself when Negotiate's token is refused); NTLM only: the NTLM package.
        for offered in ["negotiateAndNtlm", "ntlmOnly"] {
            offer(&sim, offered).await;
            let transport = through_windows_sspi(&sim, user, domain, SERVER_DEMO_PASSWORD);
            let who = signed_in_as(&sim, &transport).await.expect(offered);
            assert_eq!(
                who.to_ascii_lowercase(),
                SERVER_DEMO_LOGIN.to_ascii_lowercase()
            );
        }
    }

    #[cfg(windows)]
    #[tokio::test]
    async fn windows_sspi_with_a_wrong_password_is_refused_in_plain_words() {
        let sim = sim().await;
        let (domain, user) = SERVER_DEMO_LOGIN.split_once('\\').unwrap();
        let transport = through_windows_sspi(&sim, user, domain, "not-the-password");
        let e = transport
            .send(&ServerRequest::collections())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::SignInFailed, "{e:?}");
        assert!(
            e.message.contains("user name and password instead"),
            "{}",
            e.message
        );
        assert!(
            server_state(&sim).await["failedHandshakes"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }

    /// The person signed in to Windows is no account of the simulator's (under Wine: `<COMPUTER>\root`, whose
    /// logon session has no credentials: Negotiate has no Kerberos ticket, SEC_E_NO_CREDENTIALS, and NTLM asks
    /// Samba's `ntlm_auth` for cached credentials, which need winbindd; on a real Windows machine the server
    /// refuses the account): either way a plain sentence naming the account and the next step, nothing signed in.
    #[cfg(windows)]
    #[tokio::test]
    async fn the_current_windows_user_unknown_to_the_server_is_refused_in_plain_words() {
        let sim = sim().await;
        let account = super::super::current_windows_account().expect("Windows names its user");
        assert!(account.contains('\\'), "DOMAIN\\user: {account}");
        for offered in ["negotiateAndNtlm", "ntlmOnly"] {
            offer(&sim, offered).await;
            let transport = transport(&sim, ServerCredential::CurrentWindowsUser).unwrap();
            let e = transport
                .send(&ServerRequest::collections())
                .await
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::SignInFailed, "{offered}: {e:?}");
            assert!(e.message.contains(&account), "{}", e.message);
            assert!(
                e.message.contains("user name and password instead"),
                "{}",
                e.message
            );
            assert_eq!(transport.handshakes_made(), 0);
            assert_eq!(server_state(&sim).await["handshakes"], 0);
        }
    }
}
