//! `patdesk-sim`: a faithful loopback simulator of Azure DevOps (PAT Lifecycle, Profile, Accounts, tenant
//! discovery) and Microsoft Entra ID (authorization code + PKCE, refresh-token rotation, device code), following
//! `shared/contract/azure-devops-api.md`. PAT Desk's tests and its offline demo run against it, since test
//! machines have no internet.
//!
//! One HTTP server serves the four real hosts under path prefixes (`/login`, `/app_vssps`, `/vssps`, `/dev`) and
//! a test-only control surface under `/_sim/`.

// Handlers return a ready HTTP response as their error; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod control;
mod devops;
mod entra;
mod faults;
mod jwt;
mod onprem;
mod pats;
mod router;
mod scopes;
mod seed;
mod server;
mod state;
mod tools;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use faults::{FaultKind, FaultRule};
pub use onprem::world::{
    COLLEAGUE_LOGIN as SERVER_COLLEAGUE_LOGIN, COLLEAGUE_PASSWORD as SERVER_COLLEAGUE_PASSWORD,
    DEMO_LOGIN as SERVER_DEMO_LOGIN, DEMO_PASSWORD as SERVER_DEMO_PASSWORD,
};
pub use seed::Seed;
pub use state::SimUser;

/// The Visual Studio public client id PAT Desk signs in with by default (§3.2).
pub const VISUAL_STUDIO_CLIENT_ID: &str = "872cd9fa-d31f-45e0-9eab-6e460a02d1f1";
/// A client id the simulator always accepts, for tests.
pub const TEST_CLIENT_ID: &str = "patdesk-test-client";
/// A registered client without "Allow public client flows": device code gives `AADSTS7000218`.
pub const NO_PUBLIC_FLOWS_CLIENT_ID: &str = "patdesk-no-public-flows";

/// How a simulator starts.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: Seed,
    /// `false`: authorize shows a sign-in page with a "Sign in as …" button and device codes wait for
    /// `/_sim/device/approve`. `true`: authorize redirects at once; device codes succeed after
    /// `device_pending_polls` polls.
    pub auto_approve: bool,
    pub device_pending_polls: u32,
    pub access_token_ttl: Duration,
    pub faults: Vec<FaultRule>,
    pub client_ids: Vec<String>,
    /// The simulator's "now" when it starts (and after every reseed); its clock runs on from there.
    /// `None`: the machine's clock. Tests that reason about fixed dates (the 2026-12-01 global-PAT
    /// retirement, cut-offs) set it so they pass on any day.
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Serve HTTPS with this certificate instead of plain HTTP (every host, the server mode's included).
    pub tls: Option<SimTls>,
}

/// A certificate (chain, leaf first) and its private key, both PEM, for [`SimOptions::tls`]. The leaf must
/// name `127.0.0.1` (and `localhost`), where the simulator listens.
#[derive(Clone)]
pub struct SimTls {
    pub cert_chain_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for SimTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimTls").finish_non_exhaustive()
    }
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: Seed::Demo,
            auto_approve: false,
            device_pending_polls: 1,
            access_token_ttl: Duration::from_secs(3600),
            faults: Vec::new(),
            client_ids: vec![
                VISUAL_STUDIO_CLIENT_ID.to_string(),
                TEST_CLIENT_ID.to_string(),
            ],
            start_at: None,
            tls: None,
        }
    }
}

/// The four base URLs, in the simulator's one-line JSON form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    pub login: String,
    pub app_vssps: String,
    pub vssps: String,
    pub dev: String,
}

impl Endpoints {
    fn for_base(base: &str) -> Self {
        Endpoints {
            login: format!("{base}/login"),
            app_vssps: format!("{base}/app_vssps"),
            vssps: format!("{base}/vssps"),
            dev: format!("{base}/dev"),
        }
    }
}

enum Runner {
    Task(tokio::task::JoinHandle<()>),
    Thread {
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    },
}

/// A running simulator. Dropping it stops the server.
pub struct Simulator {
    shared: Arc<server::Shared>,
    runner: Runner,
}

impl Simulator {
    /// Starts on `127.0.0.1` with a free port, inside the caller's tokio runtime.
    pub async fn start(opts: SimOptions) -> std::io::Result<Simulator> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), opts).await
    }

    /// Starts on `addr`, inside the caller's tokio runtime.
    pub async fn start_on(addr: SocketAddr, opts: SimOptions) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let shared = server::Shared::new(&listener, opts)?;
        let task = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(Simulator {
            shared,
            runner: Runner::Task(task),
        })
    }

    /// Starts on `127.0.0.1` with a free port, on its own runtime in a background thread, for callers that
    /// have no tokio runtime (the desktop app's offline demo).
    pub fn start_blocking(opts: SimOptions) -> std::io::Result<Simulator> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("patdesk-sim".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let started = async {
                        let listener =
                            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                                .await?;
                        let shared = server::Shared::new(&listener, opts)?;
                        Ok::<_, std::io::Error>((listener, shared))
                    }
                    .await;
                    match started {
                        Ok((listener, shared)) => {
                            let task = tokio::spawn(server::serve(listener, shared.clone()));
                            let _ = ready_tx.send(Ok(shared));
                            let _ = stop_rx.await;
                            task.abort();
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let shared = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("simulator thread ended before start-up"))??;
        Ok(Simulator {
            shared,
            runner: Runner::Thread {
                stop: Some(stop_tx),
                thread: Some(thread),
            },
        })
    }

    /// The four base URLs (no trailing slash).
    pub fn endpoints(&self) -> Endpoints {
        self.shared.endpoints.clone()
    }

    /// The simulated Azure DevOps Server: `http://127.0.0.1:PORT/tfs` (its collections below it), where
    /// [`SERVER_DEMO_LOGIN`] signs in with [`SERVER_DEMO_PASSWORD`]. Its control routes are under
    /// `/_sim/server/`.
    pub fn server_url(&self) -> String {
        format!("{}/{}", self.shared.base_url, onprem::VIRTUAL_DIRECTORY)
    }

    /// Closes every open connection that reached the server mode (as a server restart or an idle timeout
    /// would), returning how many.
    pub fn drop_server_connections(&self) -> u64 {
        self.shared.drop_connections()
    }

    /// `http://127.0.0.1:PORT`, where the `/_sim/` control routes live.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/pkgs`: the simulator's stand-in for `https://pkgs.dev.azure.com`, where the
    /// organizations' NuGet feeds live (`{pkgs}/{org}/_packaging/{feed}/nuget/v3/index.json`).
    pub fn pkgs_url(&self) -> String {
        format!("{}/pkgs", self.shared.base_url)
    }

    /// The simulator's "now": the machine's clock moved by `/_sim/clock` or [`SimOptions::start_at`].
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.shared.lock().now()
    }

    /// Moves the simulator's clock so that "now" is `at` (it runs on from there).
    pub fn set_now(&self, at: chrono::DateTime<chrono::Utc>) {
        self.shared.lock().set_now(at);
    }

    /// The person who signs in by default.
    pub fn demo_user(&self) -> SimUser {
        self.shared.demo_user()
    }

    /// A valid Azure DevOps user access token for `user_oid` (a test shortcut around sign-in).
    pub fn mint_access_token(&self, user_oid: &str) -> String {
        self.shared.mint_user_token(user_oid, None)
    }

    /// Stops the server and waits for it to end.
    pub async fn shutdown(mut self) {
        match &mut self.runner {
            Runner::Task(task) => {
                task.abort();
                let _ = task.await;
            }
            Runner::Thread { stop, thread } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                if let Some(thread) = thread.take() {
                    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
                }
            }
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        match &mut self.runner {
            Runner::Task(task) => task.abort(),
            Runner::Thread { stop, .. } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
            }
        }
    }
}
