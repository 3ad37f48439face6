//! The offline demo: an embedded `patdesk-sim` on 127.0.0.1 with the `demo` seed, signed in to through the
//! very same path as a real account (device-code flow → refreshing access-token provider →
//! `AzureDevOpsClient`), so exploring the demo exercises the real code, not a mock.
//!
//! `PATDESK_DEMO_PORT` fixes the simulator's port (the end-to-end tests use it to reach `{base}/_sim/`);
//! otherwise a free port is picked.

use std::net::SocketAddr;
use std::sync::Arc;

use patdesk_core::auth::EntraConfig;
use patdesk_core::bulk::CancellationToken;
use patdesk_core::endpoints::Endpoints;
use patdesk_core::model::SessionInfo;
use patdesk_core::{Error, ErrorCode};
use patdesk_sim::{Seed, SimOptions, Simulator};

use crate::session::Session;
use crate::state::AppState;

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

/// Start the embedded simulator and sign in to it like to a real account.
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
    let sim_endpoints = serde_json::to_string(&simulator.endpoints()).map_err(demo_unavailable)?;
    let endpoints = Endpoints::from_sim_json(&sim_endpoints)?;

    // From here on: exactly what a real device-code sign-in does (the simulator approves at once).
    let signed_in = Session::sign_in_with_device_code(
        &endpoints,
        &EntraConfig::default(),
        &|_prompt| {},
        &CancellationToken::new(),
    )
    .await?;
    let account_label = format!("{} (demo)", signed_in.profile.email);
    Ok(Session::new(
        signed_in,
        true,
        account_label,
        Some(simulator),
    ))
}

/// The demo session, started if there is none; an existing demo session is reused and a real one is
/// replaced.
pub async fn ensure_demo_session(state: &AppState) -> Result<SessionInfo, Error> {
    let _changing = state.session_change.lock().await;
    if let Some(session) = state.session().filter(|s| s.demo) {
        return Ok(session.info());
    }
    let session = Arc::new(start_demo_session().await?);
    let info = session.info();
    state.set_session(Some(session));
    Ok(info)
}
