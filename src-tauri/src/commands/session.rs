//! Who is signed in: the offline demo, signing in with Microsoft (system browser + PKCE, or a device code),
//! the keychain that remembers the sign-in, switching between remembered accounts, and signing out.

use std::sync::Arc;
use std::time::Duration;

use patdesk_core::client::AzureDevOpsClient;
use patdesk_core::credentials::StaticToken;
use patdesk_core::endpoints::{parse_organization, Endpoints};
use patdesk_core::entra::{
    DeviceCodeFlow, EntraConfig, LoopbackSignIn, TokenSet, DEFAULT_SIGN_IN_TIMEOUT,
};
use patdesk_core::model::{
    AccountSummary, DeviceCodeInfo, KeychainStatus, Organization, SessionInfo, SignInWaiting,
};
use patdesk_core::session::{ActiveSession, Session};
use patdesk_core::vault::RememberedAccount;
use patdesk_core::{Error, ErrorCode};
use tauri::ipc::Channel;
use tauri::State;

use crate::demo;
use crate::logging::outcome;
use crate::state::{AppState, Keychain};

/// `PATDESK_BROWSER=none`: do not open a browser (tests play the browser with the URL the window shows).
pub const BROWSER_ENV: &str = "PATDESK_BROWSER";
/// `PATDESK_SIGN_IN_TIMEOUT_SECONDS`: how long the browser sign-in waits (default 10 minutes).
pub const SIGN_IN_TIMEOUT_ENV: &str = "PATDESK_SIGN_IN_TIMEOUT_SECONDS";

fn sign_in_timeout() -> Duration {
    std::env::var(SIGN_IN_TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_SIGN_IN_TIMEOUT)
}

/// Start (or return) the offline demo session.
#[tauri::command]
pub async fn start_demo(state: State<'_, AppState>) -> Result<SessionInfo, Error> {
    demo::ensure_demo_session(&state).await
}

/// Probe the keychain (write, read back, delete) unless it already passed or the person chose to go on
/// without it. Runs off the async executor.
pub async fn check_keychain(state: &AppState) -> KeychainStatus {
    match state.keychain() {
        Keychain::Available => return state.keychain().status(),
        Keychain::MemoryOnly(_) => return state.keychain().status(),
        Keychain::Unchecked | Keychain::Unavailable(_) => {}
    }
    let found = match state.vault.run(|v| v.probe()).await {
        Ok(()) => Keychain::Available,
        Err(e) => Keychain::Unavailable(e.message),
    };
    state.set_keychain(found);
    state.keychain().status()
}

/// Whether the system keychain can remember sign-ins. Probes it the first time (and again while it is
/// unavailable, so "Try again" works after the person unlocks it).
#[tauri::command]
pub async fn keychain_status(state: State<'_, AppState>) -> Result<KeychainStatus, Error> {
    Ok(check_keychain(&state).await)
}

/// The person chose "Continue without remembering my sign-in": sign-ins stay in memory only.
#[tauri::command]
pub fn continue_without_keychain(state: State<'_, AppState>) -> KeychainStatus {
    let message = match state.keychain() {
        Keychain::Unavailable(m) | Keychain::MemoryOnly(m) => m,
        _ => patdesk_core::vault::UNAVAILABLE_MESSAGE.to_string(),
    };
    if state.keychain() != Keychain::Available {
        state.set_keychain(Keychain::MemoryOnly(message));
    }
    state.keychain().status()
}

/// The signed-in session, if any. In demo mode this waits for (or starts) the demo session. Otherwise, the
/// first time, it waits for the silent sign-in of the most recently used remembered account from its refresh
/// token ([`restore_at_launch`], which the app starts before the window has loaded), and reports its error.
#[tauri::command]
pub async fn current_session(state: State<'_, AppState>) -> Result<Option<SessionInfo>, Error> {
    if state.launch.demo && state.session().is_none() && !state.demo_left() {
        return demo::ensure_demo_session(&state).await.map(Some);
    }
    if state.launch.restore_session && !state.launch.demo && state.first_restore() {
        restore_at_launch(&state).await?;
    }
    let _settled = state.session_change.lock().await;
    Ok(state.session().map(|s| s.info()))
}

/// Probes the keychain and signs in again as the most recently used remembered account, once per run: the
/// app's setup starts it so that it overlaps the window's loading, and the window's first `current_session`
/// waits for the same run (never a second one).
pub async fn restore_at_launch(state: &AppState) -> Result<(), Error> {
    state
        .launch_restore
        .get_or_init(|| async {
            check_keychain(state).await;
            let Some(vault) = state.remembering_vault() else {
                return Ok(());
            };
            // The most recently used of the remembered sign-ins: a Microsoft account or a server.
            let account = vault.run(|v| v.accounts()).await?.into_iter().next();
            let server = vault.run(|v| v.servers()).await?.into_iter().next();
            match (account, server) {
                (Some(a), Some(s)) if s.updated_at > a.updated_at => {
                    crate::commands::server::restore(state, &s)
                        .await
                        .map(|_| ())
                }
                (Some(account), _) => restore(state, &account).await.map(|_| ()),
                (None, Some(server)) => crate::commands::server::restore(state, &server)
                    .await
                    .map(|_| ()),
                (None, None) => Ok(()),
            }
        })
        .await
        .clone()
}

/// Sign in again as a remembered account, from its refresh token in the keychain.
async fn restore(state: &AppState, account: &RememberedAccount) -> Result<SessionInfo, Error> {
    tracing::info!(kind = "remembered", "sign-in started");
    let restored = async {
        let session = Session::restore(
            &Endpoints::from_env()?,
            &state.settings().entra_config(),
            &state.vault,
            account,
        )
        .await?;
        make_current(state, session).await
    }
    .await;
    signed_in("remembered", &restored);
    restored
}

/// The end of a sign-in of `kind` in the log, with its outcome code.
fn signed_in(kind: &str, result: &Result<SessionInfo, Error>) {
    match result {
        Err(e) if e.code != ErrorCode::SignInCancelled => {
            tracing::warn!(kind, code = e.code.as_str(), "sign-in ended")
        }
        _ => tracing::info!(kind, code = outcome(result), "sign-in ended"),
    }
}

/// Turn the tokens of a sign-in into the current session (and remember it when the keychain can).
async fn establish(
    state: &AppState,
    endpoints: &Endpoints,
    config: &EntraConfig,
    tokens: TokenSet,
) -> Result<SessionInfo, Error> {
    let vault = state.remembering_vault();
    let session =
        Session::sign_in_with_tokens(endpoints, config, &config.authority, tokens, vault.as_ref())
            .await?;
    make_current(state, session).await
}

/// The new session replaces the current one (its bulk revoke and created secret end with it).
pub async fn make_current(
    state: &AppState,
    session: impl Into<ActiveSession>,
) -> Result<SessionInfo, Error> {
    let session = Arc::new(session.into());
    let info = session.info();
    let _changing = state.session_change.lock().await;
    state.cancel_bulk();
    state.forget_created_secret(None);
    state.set_session(Some(session));
    Ok(info)
}

/// Check the organization before a sign-in: it must exist and not be backed by personal Microsoft accounts.
async fn check_organization(endpoints: &Endpoints, organization: &str) -> Result<(), Error> {
    let name = parse_organization(organization)?;
    let anonymous = AzureDevOpsClient::new(endpoints.clone(), Arc::new(StaticToken::new("")))?;
    let tenant = anonymous.discover_tenant(&name).await?;
    if tenant.msa_backed {
        return Err(Error::new(
            ErrorCode::NotAllowed,
            format!("The organization \"{name}\" uses personal Microsoft accounts. Azure DevOps does not let apps manage personal access tokens there; manage them on the Azure DevOps website instead."),
        ));
    }
    Ok(())
}

/// Sign in with Microsoft in the system browser (PKCE, loopback redirect). `on_waiting` receives the
/// authorize URL once the browser is asked to open it (the window shows it as a fallback to copy).
/// `PATDESK_BROWSER=none` leaves opening it to someone else (the end-to-end tests).
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    organization: String,
    on_waiting: Channel<SignInWaiting>,
) -> Result<SessionInfo, Error> {
    tracing::info!(kind = "browser", "sign-in started");
    let result = browser_sign_in(&state, organization, on_waiting).await;
    signed_in("browser", &result);
    result
}

async fn browser_sign_in(
    state: &AppState,
    organization: String,
    on_waiting: Channel<SignInWaiting>,
) -> Result<SessionInfo, Error> {
    let endpoints = Endpoints::from_env()?;
    let config = state.settings().entra_config();
    check_organization(&endpoints, &organization).await?;
    let cancel = state.begin_sign_in();
    let pending = LoopbackSignIn::start(&endpoints, &config, None)?;
    let url = pending.authorize_url().to_string();
    let browser_opened = match std::env::var(BROWSER_ENV) {
        Ok(v) if v.trim().eq_ignore_ascii_case("none") => false,
        _ => tauri_plugin_opener::open_url(&url, None::<&str>).is_ok(),
    };
    state.set_sign_in_address(Some(url.clone()));
    let _ = on_waiting.send(SignInWaiting {
        authorize_url: url,
        browser_opened,
    });
    let tokens = pending.wait(sign_in_timeout(), &cancel).await;
    state.set_sign_in_address(None);
    establish(state, &endpoints, &config, tokens?).await
}

/// Stop the sign-in that is waiting (browser or device code); it ends with `signInCancelled`.
#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) {
    state.cancel_sign_in();
    state.set_device_code(None);
    state.set_sign_in_address(None);
}

/// Sign in with a device code (the fallback when the browser sign-in cannot be used). `on_code` receives
/// the code to show; the command ends when the person finished (or declined, or the code expired).
#[tauri::command]
pub async fn start_device_sign_in(
    state: State<'_, AppState>,
    organization: String,
    on_code: Channel<DeviceCodeInfo>,
) -> Result<SessionInfo, Error> {
    tracing::info!(kind = "device code", "sign-in started");
    let result = device_sign_in(&state, organization, on_code).await;
    signed_in("device code", &result);
    result
}

async fn device_sign_in(
    state: &AppState,
    organization: String,
    on_code: Channel<DeviceCodeInfo>,
) -> Result<SessionInfo, Error> {
    let endpoints = Endpoints::from_env()?;
    let config = state.settings().entra_config();
    check_organization(&endpoints, &organization).await?;
    let cancel = state.begin_sign_in();
    let prompt = DeviceCodeFlow::start(&endpoints, &config).await?;
    state.set_device_code(Some(prompt.user_code.clone()));
    let _ = on_code.send(DeviceCodeInfo {
        user_code: prompt.user_code.clone(),
        verification_uri: prompt.verification_uri.clone(),
        message: prompt.message.clone(),
        expires_in: prompt.expires_in.as_secs(),
    });
    let tokens = DeviceCodeFlow::poll_until_done(&prompt, &cancel).await;
    state.set_device_code(None);
    establish(state, &endpoints, &config, tokens?).await
}

/// The accounts whose sign-in the keychain remembers (none when it is unavailable).
#[tauri::command]
pub async fn accounts(state: State<'_, AppState>) -> Result<Vec<AccountSummary>, Error> {
    let Some(vault) = state.remembering_vault() else {
        return Ok(Vec::new());
    };
    let current = state
        .session()
        .and_then(|s| s.services().and_then(|s| s.account.clone()));
    let remembered = vault.run(|v| v.accounts()).await?;
    Ok(remembered
        .into_iter()
        .map(|a| AccountSummary {
            current: current
                .as_ref()
                .is_some_and(|c| c.entry_name() == a.entry_name()),
            tenant_id: a.tenant_id,
            user_id: a.user_id,
            username: a.username,
            display_name: a.display_name,
        })
        .collect())
}

/// Switch to another remembered account (signed in silently from its refresh token).
#[tauri::command]
pub async fn switch_account(
    state: State<'_, AppState>,
    tenant_id: String,
    user_id: String,
) -> Result<SessionInfo, Error> {
    let vault = state
        .remembering_vault()
        .ok_or_else(|| Error::from_code(ErrorCode::KeychainUnavailable))?;
    let account = vault
        .run(|v| v.accounts())
        .await?
        .into_iter()
        .find(|a| a.tenant_id == tenant_id && a.user_id == user_id)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::SessionExpired,
                "PAT Desk no longer remembers this account. Please sign in with it again.",
            )
        })?;
    restore(&state, &account).await
}

/// Leave the current session but keep remembering its account (to sign in with another one).
#[tauri::command]
pub async fn add_account(state: State<'_, AppState>) -> Result<(), Error> {
    tracing::info!("left the session to add an account");
    end_session(&state).await;
    Ok(())
}

async fn end_session(state: &AppState) -> Option<Arc<ActiveSession>> {
    let _changing = state.session_change.lock().await;
    state.cancel_bulk();
    let previous = state.set_session(None);
    if previous.as_ref().is_some_and(|s| s.demo()) {
        state.note_demo_left();
    }
    state.forget_created_secret(None);
    let _ = state.clipboard.clear_now();
    previous
}

/// End the session (and stop the demo simulator) and forget the account's remembered sign-in. The
/// created secret is forgotten and the clipboard cleared if it still holds it.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), Error> {
    tracing::info!("signed out");
    let previous = end_session(&state).await;
    if state.keychain() != Keychain::Available {
        return Ok(());
    }
    match previous.as_deref() {
        Some(ActiveSession::Services(session)) => {
            if let Some(account) = session.account.clone() {
                state
                    .vault
                    .run(move |v| v.forget_account(&account.tenant_id, &account.user_id))
                    .await?;
            }
        }
        Some(ActiveSession::Server(session)) if session.remembered => {
            let server = session.account.clone();
            state.vault.run(move |v| v.forget_server(&server)).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Turn what the person typed (a name or an address) into an organization.
#[tauri::command]
pub fn validate_organization(
    state: State<'_, AppState>,
    input: String,
) -> Result<Organization, Error> {
    let name = parse_organization(&input)?;
    let known = state.session().and_then(|s| {
        s.organizations()
            .into_iter()
            .find(|o| o.name.eq_ignore_ascii_case(&name))
    });
    // Outside a session the id is unknown until the organization is looked up after sign-in.
    Ok(known.unwrap_or_else(|| Organization::new("", name)))
}
