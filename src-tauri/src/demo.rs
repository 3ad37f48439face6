//! The offline demo in the window: starts the core's demo session (`patdesk_core::session::demo`, an embedded
//! simulator signed in to through the real device-code path) and makes it the current session.

use std::sync::Arc;

use patdesk_core::model::SessionInfo;
use patdesk_core::session::demo::{start_demo_server_session, start_demo_session};
use patdesk_core::session::ActiveSession;
use patdesk_core::Error;

use crate::state::AppState;

/// The demo session, started if there is none; an existing demo session is reused and a real one is
/// replaced.
pub async fn ensure_demo_session(state: &AppState) -> Result<SessionInfo, Error> {
    let _changing = state.session_change.lock().await;
    if let Some(session) = state
        .session()
        .filter(|s| s.demo() && s.services().is_some())
    {
        return Ok(session.info());
    }
    tracing::info!(kind = "demo", "sign-in started");
    let started = start_demo_session().await;
    tracing::info!(
        kind = "demo",
        code = crate::logging::outcome(&started),
        "sign-in ended"
    );
    let session = Arc::new(ActiveSession::from(started?));
    let info = session.info();
    state.start_first_listing(&session);
    state.set_session(Some(session));
    Ok(info)
}

/// The demo of an Azure DevOps Server (the embedded simulator's server mode, signed in to with its demo
/// Windows account): started if the current session is not already that demo.
pub async fn ensure_server_demo_session(state: &AppState) -> Result<SessionInfo, Error> {
    let _changing = state.session_change.lock().await;
    if let Some(session) = state.session().filter(|s| s.demo() && s.server().is_some()) {
        return Ok(session.info());
    }
    tracing::info!(kind = "server demo", "sign-in started");
    let started = start_demo_server_session().await;
    tracing::info!(
        kind = "server demo",
        code = crate::logging::outcome(&started),
        "sign-in ended"
    );
    let session = Arc::new(ActiveSession::from(started?));
    let info = session.info();
    state.cancel_bulk();
    state.forget_created_secret(None);
    state.set_session(Some(session));
    Ok(info)
}
