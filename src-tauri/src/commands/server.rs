//! Azure DevOps Server (and TFS): reading the sign-in field, and signing in with a Windows account or an
//! existing token. Everything after the sign-in (list, create, revoke…) goes through the same commands as
//! Azure DevOps Services: the session knows its kind (`patdesk_core::session::ActiveSession`).
//!
//! A server on plain `http://` off this computer (`patdesk_core::server::plain_http`): the sign-in field's
//! reading says so, `find_https_address` looks for its `https://` address, and `choose_plain_http` /
//! `forget_plain_http` record and take back the person's choice in the settings; every sign-in passes the
//! recorded choice to the core, which refuses the address without it.

use patdesk_core::model::{ServerSignInRequest, SessionInfo, SignInAddress};
use patdesk_core::server::{
    plain_http, read_sign_in_address as read_address, ServerAddress, TransportOptions,
};
use patdesk_core::session::ServerSession;
use patdesk_core::vault::RememberedServer;
use patdesk_core::Error;
use tauri::{AppHandle, Runtime, State};

use crate::commands::session::make_current;
use crate::logging::outcome;
use crate::state::AppState;

/// What the sign-in field holds: an organization (Microsoft sign-in) or a server address (Windows sign-in);
/// for an unencrypted server, when the person chose to use it anyway.
#[tauri::command]
pub fn read_sign_in_address<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: String,
) -> Result<SignInAddress, Error> {
    let mut read = read_address(&input)?;
    if let SignInAddress::Server {
        url,
        unencrypted: true,
        plain_http_chosen_at,
        ..
    } = &mut read
    {
        crate::commands::settings::use_config_dir(&app, &state)?;
        let base = ServerAddress::parse(url)?.base;
        *plain_http_chosen_at = state
            .settings()
            .plain_http_choice(&base)
            .map(|c| c.chosen_at);
    }
    Ok(read)
}

/// The `https://` address of the server typed (same host and path, port 443) when the server answers there
/// with a certificate this computer trusts; `null` otherwise. Sends no credential.
#[tauri::command]
pub async fn find_https_address(address: String) -> Result<Option<String>, Error> {
    let address = ServerAddress::parse(&address)?;
    let found = plain_http::find_https(&address, None).await;
    tracing::info!(found = found.is_some(), "https address looked for");
    Ok(found)
}

/// "Use the unencrypted connection to tfs.example:8080": remembered in the settings (the date it was made);
/// answers the sign-in field's reading with that date.
#[tauri::command]
pub fn choose_plain_http<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    address: String,
) -> Result<SignInAddress, Error> {
    crate::commands::settings::use_config_dir(&app, &state)?;
    let base = ServerAddress::parse(&address)?.base;
    let mut settings = state.settings();
    settings.choose_plain_http(&base, chrono::Utc::now());
    let saved = state.save_settings(&settings);
    tracing::info!(code = outcome(&saved), "unencrypted connection chosen");
    saved?;
    read_sign_in_address(app, state, address)
}

/// Takes the choice back: the next sign-in to that server asks again.
#[tauri::command]
pub fn forget_plain_http<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    address: String,
) -> Result<(), Error> {
    crate::commands::settings::use_config_dir(&app, &state)?;
    let base = ServerAddress::parse(&address)?.base;
    let mut settings = state.settings();
    settings.forget_plain_http(&base);
    let saved = state.save_settings(&settings);
    tracing::info!(code = outcome(&saved), "unencrypted connection taken back");
    saved.map(|_| ())
}

/// The transport options of a sign-in to `address`: the person's recorded choice for it, if any (the core
/// refuses an unencrypted server on another computer without it).
fn options_for(state: &AppState, address: &str) -> TransportOptions {
    let choice = ServerAddress::parse(address)
        .ok()
        .and_then(|a| state.settings().plain_http_choice(&a.base).cloned());
    TransportOptions {
        plain_http_choice: choice,
        ..TransportOptions::default()
    }
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
        options_for(&state, &request.address),
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
            ServerSession::restore(&state.vault, server, options_for(state, &server.server_url))
                .await?;
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
