//! The HTTP server: one listener, one hyper HTTP/1.1 connection per socket, and the shared state every route
//! works on. It is hand-wired (rather than `axum::serve`) so that the `reset` fault can end a connection with a
//! real TCP reset instead of a response.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rand::Rng;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::jwt::{self, AccessClaims};
use crate::state::{SimState, SimUser, Switches};
use crate::{seed, Endpoints, SimOptions};

/// Returned by a route to make the connection end without a response.
#[derive(Debug)]
pub struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ResetConnection {}

/// Overrides for minted access tokens (`POST /_sim/access-token`).
#[derive(Debug, Default, Clone)]
pub struct MintOverrides {
    pub app_only: bool,
    pub tenant_id: Option<String>,
    pub scp: Option<String>,
    pub audience: Option<String>,
    pub ttl_seconds: Option<i64>,
}

/// State shared by every connection.
pub struct Shared {
    pub state: Mutex<SimState>,
    pub endpoints: Endpoints,
    pub base_url: String,
    pub key: [u8; 32],
    pub initial: SimOptions,
    /// HTTPS, when [`SimOptions::tls`] was given.
    tls: Option<tokio_rustls::TlsAcceptor>,
    /// Bumped to close every connection that reached the server mode.
    drop_signal: tokio::sync::watch::Sender<u64>,
    /// Connections accepted so far (they are numbered from 1).
    accepted: AtomicU64,
    /// Connections open now that reached the server mode.
    open_server_connections: AtomicU64,
}

/// What one TCP connection carries from request to request.
pub struct Connection {
    pub id: u64,
    /// The server mode's sign-in (NTLM state belongs to the connection).
    pub auth: Mutex<crate::onprem::auth::ConnectionAuth>,
    /// Whether a server-mode route was requested on it (only those are closed by `drop-connections`).
    pub reached_server: AtomicBool,
}

fn tls_acceptor(tls: &crate::SimTls) -> io::Result<tokio_rustls::TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(tls.cert_chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| io::Error::other(format!("TLS certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes())
        .map_err(|e| io::Error::other(format!("TLS key: {e}")))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(io::Error::other)?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(io::Error::other)?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

impl Shared {
    pub fn new(listener: &TcpListener, opts: SimOptions) -> io::Result<Arc<Shared>> {
        let local = listener.local_addr()?;
        let host = if local.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else if local.is_ipv6() {
            format!("[{}]", local.ip())
        } else {
            local.ip().to_string()
        };
        let tls = opts.tls.as_ref().map(tls_acceptor).transpose()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{host}:{}", local.port());
        let shared = Shared {
            state: Mutex::new(fresh_state(&opts)),
            endpoints: Endpoints::for_base(&base_url),
            base_url,
            key: rand::thread_rng().gen(),
            initial: opts,
            tls,
            drop_signal: tokio::sync::watch::channel(0).0,
            accepted: AtomicU64::new(0),
            open_server_connections: AtomicU64::new(0),
        };
        Ok(Arc::new(shared))
    }

    /// Closes every open connection that reached the server mode; returns how many were open.
    pub fn drop_connections(&self) -> u64 {
        let open = self.open_server_connections.load(Ordering::SeqCst);
        self.drop_signal.send_modify(|n| *n += 1);
        open
    }

    /// How many TCP connections were accepted so far.
    pub fn connections_opened(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    pub fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Resets everything to the start-up options with another seed.
    pub fn reseed(&self, seed: seed::Seed) {
        let mut opts = self.initial.clone();
        opts.seed = seed;
        let mut st = self.lock();
        *st = fresh_state(&opts);
    }

    pub fn demo_user(&self) -> SimUser {
        let st = self.lock();
        st.world
            .user(&st.world.demo_oid)
            .map(|u| u.user.clone())
            .unwrap_or_else(|| SimUser {
                oid: seed::DANA_OID.into(),
                display_name: "Dana Whitfield".into(),
                email: "dana.whitfield@contoso.example".into(),
                tenant_id: seed::CONTOSO_TENANT.into(),
            })
    }

    /// Mints a user (or app-only) access token the Azure DevOps routes accept.
    pub fn mint_user_token(&self, oid: &str, overrides: Option<MintOverrides>) -> String {
        let o = overrides.unwrap_or_default();
        let st = self.lock();
        let user = st.world.user(oid).map(|u| u.user.clone());
        let tid = o
            .tenant_id
            .clone()
            .or_else(|| user.as_ref().map(|u| u.tenant_id.clone()))
            .unwrap_or_else(|| seed::CONTOSO_TENANT.to_string());
        let scp = if o.app_only {
            None
        } else {
            Some(o.scp.clone().unwrap_or_else(|| {
                "user_impersonation vso.pats vso.pats_manage vso.profile".into()
            }))
        };
        let ttl = o
            .ttl_seconds
            .unwrap_or(st.switches.access_token_ttl_seconds as i64);
        let aud = o
            .audience
            .clone()
            .unwrap_or_else(|| crate::wire::ADO_RESOURCE.to_string());
        self.issue_access_token(
            &st,
            oid,
            &tid,
            &aud,
            scp,
            crate::TEST_CLIENT_ID,
            o.app_only,
            ttl,
        )
    }

    /// Builds and signs an access token.
    #[allow(clippy::too_many_arguments)]
    pub fn issue_access_token(
        &self,
        st: &SimState,
        oid: &str,
        tid: &str,
        aud: &str,
        scp: Option<String>,
        client_id: &str,
        app_only: bool,
        ttl_seconds: i64,
    ) -> String {
        let now = st.now().timestamp();
        let user = st.world.user(oid).map(|u| u.user.clone());
        let claims = AccessClaims {
            aud: aud.to_string(),
            iss: format!("https://sts.windows.net/{tid}/"),
            iat: now,
            nbf: now - 300,
            exp: now + ttl_seconds,
            tid: tid.to_string(),
            oid: oid.to_string(),
            sub: oid.to_string(),
            scp: if app_only { None } else { scp },
            roles: app_only.then(Vec::new),
            idtyp: Some(if app_only { "app" } else { "user" }.to_string()),
            appid: client_id.to_string(),
            azp: client_id.to_string(),
            upn: user.as_ref().filter(|_| !app_only).map(|u| u.email.clone()),
            unique_name: user.as_ref().filter(|_| !app_only).map(|u| u.email.clone()),
            name: user
                .as_ref()
                .filter(|_| !app_only)
                .map(|u| u.display_name.clone()),
            ver: "1.0".into(),
            uti: uuid::Uuid::new_v4().simple().to_string(),
        };
        jwt::encode(&self.key, &claims)
    }

    pub fn decode_access(&self, token: &str) -> Option<AccessClaims> {
        jwt::decode_access(&self.key, token)
    }
}

fn fresh_state(opts: &SimOptions) -> SimState {
    let offset = opts
        .start_at
        .map(|at| at - chrono::Utc::now())
        .unwrap_or_else(chrono::Duration::zero);
    let switches = Switches {
        auto_approve: opts.auto_approve,
        device_pending_polls: opts.device_pending_polls,
        access_token_ttl_seconds: opts.access_token_ttl.as_secs(),
        ..Switches::default()
    };
    let client_ids = opts.client_ids.clone();
    let mut st = SimState {
        world: seed::build(&opts.seed, chrono::Utc::now() + offset),
        clock_offset: offset,
        start_offset: offset,
        switches,
        tenant_policies: Default::default(),
        org_policies: Default::default(),
        global_creation_cutoff: Some(crate::state::default_global_creation_cutoff()),
        global_retirement: crate::state::default_global_retirement(),
        auth_codes: Default::default(),
        pending_authorize: Default::default(),
        refresh_tokens: Default::default(),
        device_codes: Default::default(),
        faults: Vec::new(),
        next_fault_id: 0,
        requests: Vec::new(),
        next_seq: 0,
        request_count: 0,
        revoke_calls: 0,
        client_ids,
        server: crate::onprem::world::build(&opts.seed, chrono::Utc::now() + offset),
    };
    for f in &opts.faults {
        crate::faults::add(&mut st, f.clone());
    }
    st
}

/// A TCP stream that ends with RST instead of FIN when its connection was reset by a fault.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // SO_LINGER 0 makes close() send RST; with a zero timeout it never blocks.
            #[allow(deprecated)]
            let _ = self.inner.set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Accepts connections until the task is aborted; aborting drops every connection with it.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(c) => c,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        connections.spawn(async move {
            let reset = Arc::new(AtomicBool::new(false));
            let stream = ResettableStream {
                inner: stream,
                reset: reset.clone(),
            };
            let connection = Arc::new(Connection {
                id: shared.accepted.fetch_add(1, Ordering::SeqCst) + 1,
                auth: Mutex::new(Default::default()),
                reached_server: AtomicBool::new(false),
            });
            match shared.tls.clone() {
                None => serve_connection(stream, shared, connection, reset).await,
                Some(acceptor) => {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
                    {
                        serve_connection(tls, shared, connection, reset).await
                    }
                }
            }
        });
    }
}

/// Serves HTTP/1.1 on one connection (plain or TLS) until it ends, or until `drop-connections` closes it when
/// it reached the server mode.
async fn serve_connection<I>(
    io: I,
    shared: Arc<Shared>,
    connection: Arc<Connection>,
    reset: Arc<AtomicBool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut dropped = shared.drop_signal.subscribe();
    let service = {
        let shared = shared.clone();
        let connection = connection.clone();
        hyper::service::service_fn(move |req| {
            let shared = shared.clone();
            let reset = reset.clone();
            let connection = connection.clone();
            async move {
                let out = crate::router::handle(shared, connection, req).await;
                if out.is_err() {
                    reset.store(true, Ordering::SeqCst);
                }
                out
            }
        })
    };
    let served = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(served);
    loop {
        tokio::select! {
            _ = &mut served => break,
            changed = dropped.changed() => {
                if changed.is_err() {
                    let _ = (&mut served).await;
                    break;
                }
                if connection.reached_server.load(Ordering::SeqCst) {
                    break;
                }
            }
        }
    }
    if connection.reached_server.load(Ordering::SeqCst) {
        shared
            .open_server_connections
            .fetch_sub(1, Ordering::SeqCst);
    }
}

impl Connection {
    /// Marks the connection as one that reached the server mode.
    pub fn mark_server(&self, shared: &Shared) {
        if !self.reached_server.swap(true, Ordering::SeqCst) {
            shared
                .open_server_connections
                .fetch_add(1, Ordering::SeqCst);
        }
    }
}
