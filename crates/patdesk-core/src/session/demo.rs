//! The offline demo: an embedded `patdesk-sim` on 127.0.0.1 with the `demo` seed, signed in to through the
//! very path a real device-code sign-in takes ([`DeviceCodeFlow`] → [`Session::sign_in_with_tokens`], the
//! simulator approving at once), so exploring the demo exercises the real code, not a mock.
//!
//! `PATDESK_DEMO_PORT` fixes the simulator's port (the end-to-end tests use it to reach `{base}/_sim/`);
//! otherwise a free port is picked.

use std::net::SocketAddr;

use patdesk_sim::{Seed, SimOptions, Simulator};
use tokio_util::sync::CancellationToken;

use super::{ServerSession, Session};
use crate::endpoints::Endpoints;
use crate::entra::{DeviceCodeFlow, EntraConfig};
use crate::error::{Error, ErrorCode};

/// Environment variable: the port of the embedded demo simulator.
pub const DEMO_PORT_ENV: &str = "PATDESK_DEMO_PORT";

fn demo_port() -> Result<u16, Error> {
    match std::env::var(DEMO_PORT_ENV) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse::<u16>().map_err(|_| {
            Error::new(
                ErrorCode::Internal,
                format!("{DEMO_PORT_ENV} must be a port number (1–65535), not \"{v}\"."),
            )
        }),
        _ => Ok(0),
    }
}

fn demo_unavailable(raw: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Internal,
        "The demo could not start on this computer. Please try again, or close other copies of PAT Desk.",
    )
    .with_raw(raw.to_string())
}

/// Start the embedded simulator (on `PATDESK_DEMO_PORT`, or any free port) and sign in to it like to a real
/// account.
pub async fn start_demo_session() -> Result<Session, Error> {
    let options = SimOptions {
        seed: Seed::Demo,
        auto_approve: true,
        // Approved on the first poll: the demo opens without waiting a polling interval.
        device_pending_polls: 0,
        ..SimOptions::default()
    };
    let address = SocketAddr::from(([127, 0, 0, 1], demo_port()?));
    let simulator = Simulator::start_on(address, options)
        .await
        .map_err(demo_unavailable)?;
    let session = sign_in_to_simulator(&simulator).await?;
    Ok(session.into_demo(Box::new(simulator)))
}

/// A device-code sign-in to `simulator`, exactly as a person signs in to the real service with a code (the
/// simulator approves it; no keychain is involved).
pub async fn sign_in_to_simulator(simulator: &Simulator) -> Result<Session, Error> {
    let sim_endpoints = serde_json::to_string(&simulator.endpoints()).map_err(demo_unavailable)?;
    let endpoints = Endpoints::from_sim_json(&sim_endpoints)?;
    let config = EntraConfig::default();
    let prompt = DeviceCodeFlow::start(&endpoints, &config).await?;
    let tokens = DeviceCodeFlow::poll_until_done(&prompt, &CancellationToken::new()).await?;
    Session::sign_in_with_tokens(&endpoints, &config, &config.authority, tokens, None).await
}

/// The demo's Azure DevOps Server: the embedded simulator (on `PATDESK_DEMO_PORT`, or any free port) signed in
/// to under `/tfs` with the Windows sign-in (NTLM) of its demo account, like a real server.
pub async fn start_demo_server_session() -> Result<ServerSession, Error> {
    let options = SimOptions {
        seed: Seed::Demo,
        ..SimOptions::default()
    };
    let address = SocketAddr::from(([127, 0, 0, 1], demo_port()?));
    let simulator = Simulator::start_on(address, options)
        .await
        .map_err(demo_unavailable)?;
    let session = ServerSession::sign_in(
        &simulator.server_url(),
        crate::server::ServerCredential::Windows {
            user: patdesk_sim::SERVER_DEMO_LOGIN.into(),
            password: crate::secret::Sensitive::new(patdesk_sim::SERVER_DEMO_PASSWORD.into()),
        },
        crate::server::TransportOptions::default(),
        None,
        None,
    )
    .await?;
    Ok(session.into_demo(Box::new(simulator)))
}
