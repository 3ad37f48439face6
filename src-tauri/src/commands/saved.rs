//! Keeping a created token: **Save in my keychain** (opt-in; the Saved tokens view copies or forgets it).
//! Handing it to Git or NuGet is `handoff`.
//!
//! The secret never comes back from the window: both use the one the shell kept from `create_token`, and
//! copying a saved token reads it from the keychain in Rust.

use patdesk_core::git_credential;
use patdesk_core::model::SavedToken;
use patdesk_core::vault::{SavedPat, Vault};
use patdesk_core::{Error, ErrorCode};
use tauri::{AppHandle, Runtime, State};

use crate::state::{AppState, CreatedToken};

pub fn no_created_token() -> Error {
    Error::new(
        ErrorCode::TokenNotFound,
        "There is no new token to keep any more. Create a new token first.",
    )
}

fn keychain_needed(state: &AppState) -> Result<Vault, Error> {
    state.remembering_vault().ok_or_else(|| {
        Error::new(
            ErrorCode::KeychainUnavailable,
            "PAT Desk can't reach your system keychain, so it cannot save tokens there. Install or unlock GNOME Keyring (or KWallet), then reopen PAT Desk.",
        )
    })
}

fn to_ipc(pat: SavedPat) -> SavedToken {
    SavedToken {
        organization: pat.organization,
        authorization_id: pat.authorization_id,
        display_name: pat.display_name,
        valid_to: pat.valid_to,
        saved_at: pat.saved_at.to_rfc3339(),
    }
}

/// Save a token just created (`authorization_id`, or the last one) in the system keychain, labelled
/// "PAT Desk — {organization} — {name}".
#[tauri::command]
pub async fn save_created_token(
    state: State<'_, AppState>,
    authorization_id: Option<String>,
) -> Result<SavedToken, Error> {
    let vault = keychain_needed(&state)?;
    let Some(CreatedToken { token, secret }) = state.created(authorization_id.as_deref()) else {
        return Err(no_created_token());
    };
    let pat = SavedPat {
        organization: token.organization.clone(),
        authorization_id: token.authorization_id.clone(),
        display_name: token.display_name.clone(),
        valid_to: Some(token.valid_to.to_rfc3339()),
        saved_at: chrono::Utc::now(),
    };
    let saved = pat.clone();
    vault.run(move |v| v.save_pat(&saved, &secret)).await?;
    Ok(to_ipc(pat))
}

/// The tokens saved in the keychain (names only, no values).
#[tauri::command]
pub async fn saved_tokens(state: State<'_, AppState>) -> Result<Vec<SavedToken>, Error> {
    let Some(vault) = state.remembering_vault() else {
        return Ok(Vec::new());
    };
    Ok(vault
        .run(|v| v.saved_pats())
        .await?
        .into_iter()
        .map(to_ipc)
        .collect())
}

/// Copy a saved token's value (read from the keychain in Rust); the countdown arrives as
/// `clipboard-countdown` events, as for a new token.
#[tauri::command]
pub async fn copy_saved_token<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    organization: String,
    authorization_id: String,
) -> Result<(), Error> {
    let vault = keychain_needed(&state)?;
    let secret = vault
        .run(move |v| v.saved_pat_secret(&organization, &authorization_id))
        .await?;
    crate::commands::clipboard::copy_with_countdown(app, secret).await
}

/// Forget a saved token's value (the token itself stays valid in Azure DevOps).
#[tauri::command]
pub async fn forget_saved_token(
    state: State<'_, AppState>,
    organization: String,
    authorization_id: String,
) -> Result<(), Error> {
    let vault = keychain_needed(&state)?;
    vault
        .run(move |v| v.forget_pat(&organization, &authorization_id))
        .await
}

/// After a revoke: forget the saved copy of each revoked token, if the keychain holds one. Best effort; a
/// locked keychain leaves the (now useless) copy rather than failing the revoke.
pub async fn forget_revoked(state: &AppState, revoked: Vec<(String, String)>) {
    let Some(vault) = state.remembering_vault() else {
        return;
    };
    let _ = vault
        .run(move |v| {
            let saved = v.saved_pats()?;
            for (organization, id) in revoked {
                if saved.iter().any(|p| {
                    p.authorization_id.eq_ignore_ascii_case(&id)
                        && p.organization.eq_ignore_ascii_case(&organization)
                }) {
                    v.forget_pat(&organization, &id)?;
                }
            }
            Ok(())
        })
        .await;
}

/// Whether `git` can be run (the "Use with Git" button is disabled with a reason otherwise).
#[tauri::command]
pub async fn git_status() -> Result<bool, Error> {
    tauri::async_runtime::spawn_blocking(git_credential::git_available)
        .await
        .map_err(Error::internal)
}
