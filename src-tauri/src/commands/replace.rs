//! The Replace assistant for a global PAT (which stopped working when global PATs were retired): the plan, one
//! create per organization (each secret kept beside the others until its line is closed), and revoking the
//! global token once every chosen replacement exists. The rules live in `patdesk_core::replacement`.

use patdesk_core::model::{CreatedTokenView, NewTokenRequest, RevokeOutcome, RevokeResult};
use patdesk_core::replacement::{ChosenReplacement, ReplacementPlan, TokenRef};
use patdesk_core::Error;
use tauri::State;

use crate::commands::{saved, tokens};
use crate::state::AppState;

/// One organization-scoped replacement per organization of the person, for the global token `authorization_id`.
#[tauri::command]
pub async fn plan_replacement(
    state: State<'_, AppState>,
    organization: String,
    authorization_id: String,
) -> Result<ReplacementPlan, Error> {
    let session = state.require_session()?;
    session
        .require_services("Replacing a global token")?
        .plan_replacement(&organization, &authorization_id)
        .await
}

/// Create one replacement. Like `create_token`, its secret stays in the shell until Reveal (`reveal_secret`);
/// unlike it, the secrets of the other replacements already created stay available to copy or keep.
#[tauri::command]
pub async fn create_replacement(
    state: State<'_, AppState>,
    request: NewTokenRequest,
) -> Result<CreatedTokenView, Error> {
    let session = state.require_session()?;
    tokens::create_and_keep(&state, &session, &request, "replacement created").await
}

/// Revoke the global token `original` once every organization in `chosen` has its replacement (checked with the
/// service); also forgets the global token's saved copy in the keychain.
#[tauri::command]
pub async fn revoke_replaced_token(
    state: State<'_, AppState>,
    original: TokenRef,
    chosen: Vec<ChosenReplacement>,
) -> Result<RevokeResult, Error> {
    let session = state.require_session()?;
    let result = session
        .require_services("Replacing a global token")?
        .revoke_replaced(&original, &chosen)
        .await;
    tracing::info!(
        organization = %original.organization,
        id = %original.authorization_id,
        replacements = chosen.len(),
        code = match &result {
            Ok(r) => match &r.outcome {
                RevokeOutcome::Failed { error } => error.code.as_str(),
                _ => "ok",
            },
            Err(e) => e.code.as_str(),
        },
        "global token revoked after replacement"
    );
    let result = result?;
    if !matches!(result.outcome, RevokeOutcome::Failed { .. }) {
        saved::forget_revoked(
            &state,
            vec![(original.organization, original.authorization_id)],
        )
        .await;
    }
    Ok(result)
}
