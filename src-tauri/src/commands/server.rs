//! Azure DevOps Server (and TFS): reading the sign-in field, and signing in with a Windows account or an
//! existing token. Everything after the sign-in (list, create, revoke…) goes through the same commands as
//! Azure DevOps Services: the session knows its kind (`patdesk_core::session::ActiveSession`).

use patdesk_core::model::{ServerSignInRequest, SessionInfo, SignInAddress};
use patdesk_core::server::{read_sign_in_address as read_address, TransportOptions};
use patdesk_core::session::ServerSession;
use patdesk_core::vault::RememberedServer;
use patdesk_core::Error;
use tauri::State;

use crate::commands::session::make_current;
use crate::logging::outcome;
use crate::state::AppState;

/// What the sign-in field holds: an organization (Microsoft sign-in) or a server address (Windows sign-in).
#[tauri::command]
pub fn read_sign_in_address(input: String) -> Result<SignInAddress, Error> {
    read_address(&input)
}

/// "Try the demo" of an Azure DevOps Server: the built-in simulator's server mode, nothing real touched.
#[tauri::command]
pub async fn start_server_demo(state: State<'_, AppState>) -> Result<SessionInfo, Error> {
    crate::demo::ensure_server_demo_session(&state).await
}

/// Sign in to an Azure DevOps Server; with `remember`, the password or token is kept in the keychain (never
/// in a file), when the keychain can.
#[tauri::command]
pub async fn sign_in_to_server(
    state: State<'_, AppState>,
    request: ServerSignInRequest,
) -> Result<SessionInfo, Error> {
    tracing::info!(kind = "server", with = ?request.credential, "sign-in started");
    let vault = request
        .remember
        .then(|| state.remembering_vault())
        .flatten();
    let signed_in = ServerSession::sign_in(
        &request.address,
        request.credential(),
        TransportOptions::default(),
        vault.as_ref(),
        None,
    )
    .await;
    tracing::info!(kind = "server", code = outcome(&signed_in), "sign-in ended");
    make_current(&state, signed_in?).await
}

/// Sign in again to a remembered server, from its password or token in the keychain.
pub async fn restore(state: &AppState, server: &RememberedServer) -> Result<SessionInfo, Error> {
    tracing::info!(kind = "remembered server", "sign-in started");
    let restored = async {
        let session =
            ServerSession::restore(&state.vault, server, TransportOptions::default()).await?;
        make_current(state, session).await
    }
    .await;
    tracing::info!(
        kind = "remembered server",
        code = outcome(&restored),
        "sign-in ended"
    );
    restored
}
