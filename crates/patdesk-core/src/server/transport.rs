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
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT, WWW_AUTHENTICATE,
};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::Url;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

use super::request::ServerRequest;

/// How PAT Desk signs in to a server.
#[derive(Clone)]
pub enum ServerCredential {
    /// Windows sign-in (NTLM): `DOMAIN\user` or `user@domain`, and the password.
    Windows {
        user: String,
        password: Sensitive<String>,
    },
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
            ServerCredential::Pat(_) => f.write_str("Pat(<redacted>)"),
        }
    }
}

impl ServerCredential {
    /// The user name a window shows ("a personal access token" for a PAT).
    pub fn label(&self) -> String {
        match self {
            ServerCredential::Windows { user, .. } => user.clone(),
            ServerCredential::Pat(_) => "a personal access token".into(),
        }
    }

    pub fn is_pat(&self) -> bool {
        matches!(self, ServerCredential::Pat(_))
    }
}

/// Transport settings.
#[derive(Debug, Clone)]
pub struct TransportOptions {
    /// Longest wait for one request (the handshake's round trips included).
    pub request_timeout: Duration,
    /// Certificates (PEM) to trust besides the operating system's store.
    pub extra_roots_pem: Option<String>,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            request_timeout: crate::http::REQUEST_TIMEOUT,
            extra_roots_pem: None,
        }
    }
}

/// An answer from the server.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
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
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base", &crate::http::url_for_log(&self.base))
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed: the connection went away before an answer (worth reconnecting), or an error.
enum Failure {
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
        })
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
    /// the connection turns out to be gone.
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
                Ok(Err(Failure::Fatal(e))) => return Err(e),
                Ok(Err(Failure::Dropped(e))) => {
                    *live = None;
                    // A connection that was already open may have been closed by the server while idle:
                    // connect again, once. A request on a connection made just now is not repeated unless
                    // repeating it is harmless.
                    if attempt >= 2 || (fresh && !request.is_idempotent()) {
                        return Err(e);
                    }
                }
            }
        }
    }

    async fn exchange(&self, live: &mut Live, request: &ServerRequest) -> Result<Answer, Failure> {
        match &self.credential {
            ServerCredential::Pat(pat) => {
                let header = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!(":{}", pat.expose()))
                );
                let answer = self.round_trip(live, request, Some(&header)).await?;
                if answer.status == 401 {
                    return Err(Failure::Fatal(
                        Error::from_code(ErrorCode::PatRejected).with_status(401),
                    ));
                }
                Ok(answer)
            }
            ServerCredential::Windows { user, password } => {
                if live.signed_in {
                    let answer = self.round_trip(live, request, None).await?;
                    if answer.status != 401 {
                        return Ok(answer);
                    }
                    // The server forgot the connection's sign-in: sign in again on it.
                    live.signed_in = false;
                }
                self.handshake(live, request, user, password).await
            }
        }
    }

    /// The NTLM handshake, carried by `request` itself: NEGOTIATE → CHALLENGE → AUTHENTICATE → the answer.
    async fn handshake(
        &self,
        live: &mut Live,
        request: &ServerRequest,
        user: &str,
        password: &Sensitive<String>,
    ) -> Result<Answer, Failure> {
        let mut offered = self.offered.lock().map(|o| o.clone()).unwrap_or(None);
        // Twice at most: when the schemes remembered from an earlier challenge are no longer what the server
        // offers, the bare challenge it answers with says what it offers now.
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
            let scheme = if schemes_now.iter().any(|s| s.eq_ignore_ascii_case("NTLM")) {
                "NTLM"
            } else if schemes_now
                .iter()
                .any(|s| s.eq_ignore_ascii_case("Negotiate"))
            {
                "Negotiate"
            } else {
                return Err(Failure::Fatal(Error::from_code(ErrorCode::NoWindowsSignIn)));
            };
            let mut ntlm = super::ntlm::NtlmClient::new(user, password)?;
            let negotiate = ntlm.negotiate()?;
            let header = format!(
                "{scheme} {}",
                base64::engine::general_purpose::STANDARD.encode(negotiate)
            );
            let answer = self.round_trip(live, request, Some(&header)).await?;
            if answer.status != 401 {
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
                // No NTLM message came back: the server would not take NTLM.
                let code = if scheme == "Negotiate" {
                    ErrorCode::KerberosOnly
                } else {
                    ErrorCode::NoWindowsSignIn
                };
                return Err(Failure::Fatal(Error::from_code(code).with_status(401)));
            };
            return self
                .finish_handshake(live, request, ntlm, scheme, &challenge)
                .await;
        }
        Err(Failure::Fatal(Error::from_code(ErrorCode::NoWindowsSignIn)))
    }

    fn remember_schemes(&self, schemes: &[String]) {
        if let Ok(mut o) = self.offered.lock() {
            *o = Some(schemes.to_vec());
        }
    }

    /// The AUTHENTICATE message answering `challenge`, and the server's verdict.
    async fn finish_handshake(
        &self,
        live: &mut Live,
        request: &ServerRequest,
        mut ntlm: super::ntlm::NtlmClient,
        scheme: &str,
        challenge: &[u8],
    ) -> Result<Answer, Failure> {
        let authenticate = ntlm.authenticate(challenge)?;
        let header = format!(
            "{scheme} {}",
            base64::engine::general_purpose::STANDARD.encode(authenticate)
        );
        let answer = self.round_trip(live, request, Some(&header)).await?;
        if answer.status == 401 {
            let body = String::from_utf8_lossy(&answer.body).to_ascii_lowercase();
            let code = if body.contains("locked out") || body.contains("account is locked") {
                ErrorCode::AccountLocked
            } else {
                ErrorCode::WrongPassword
            };
            return Err(Failure::Fatal(Error::from_code(code).with_status(401)));
        }
        live.signed_in = true;
        self.handshakes.fetch_add(1, Ordering::SeqCst);
        Ok(answer)
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
        let dropped = |e: hyper::Error| {
            Failure::Dropped(
                Error::new(
                    ErrorCode::Network,
                    "The connection to the server was lost. Check your connection and try again.",
                )
                .with_raw(format!("{e:?}")),
            )
        };
        live.send.ready().await.map_err(dropped)?;
        let response = live
            .send
            .send_request(hyper_request)
            .await
            .map_err(dropped)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(dropped)?
            .to_bytes()
            .to_vec();
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

/// The schemes of every `WWW-Authenticate` header (`Negotiate`, `NTLM`, `Basic`, `Bearer`).
fn schemes(headers: &HeaderMap) -> Vec<String> {
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

/// The server's next NTLM message in `WWW-Authenticate: {scheme} <base64>`.
fn continuation(headers: &HeaderMap, scheme: &str) -> Option<Vec<u8>> {
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
fn tls_connector(extra_pem: Option<&str>) -> Result<tokio_rustls::TlsConnector, Error> {
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
