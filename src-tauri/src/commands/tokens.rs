//! The token list and everything done to tokens: list, create, edit and extend, regenerate, revoke one or many.
//!
//! Long work reports progress through a `tauri::ipc::Channel` the window passes in.

use patdesk_core::bulk::{self, BulkItem, BulkOptions};
use patdesk_core::copies;
use patdesk_core::lifecycle;
use patdesk_core::listing::TokenListing;
use patdesk_core::model::{
    BulkProgress, BulkSummary, CreatedTokenView, ListFilter, NewTokenRequest, RegenerateRequest,
    RegeneratedTokenReveal, RevokeOutcome, RevokeResult, ScopeCatalogue, UpdateTokenRequest,
    UpdatedToken,
};
use patdesk_core::scopes::Catalogue;
use patdesk_core::session::ActiveSession;
use patdesk_core::{Error, ErrorCode};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::commands::saved;
use crate::logging::outcome;
use crate::reminders;
use crate::state::AppState;

/// Every token of the signed-in person across their organizations (or only `organizations`, to retry the
/// ones that could not be listed), de-duplicated, with one entry per organization that could not be listed.
/// `on_progress` receives how many organizations have been listed so far.
#[tauri::command]
pub async fn list_tokens<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    filter: ListFilter,
    organizations: Option<Vec<String>>,
    on_progress: Channel<u32>,
) -> Result<TokenListing, Error> {
    let session = state.require_session()?;
    let reminding = session.clone();
    let retry = organizations.is_some();
    // The window's first list of a new session was started with the session (see `AppState::start_first_listing`).
    let first = (filter == ListFilter::All && !retry)
        .then(|| state.take_first_listing(&session))
        .flatten();
    let listing = match first {
        Some(started) => {
            let listing = started.await.map_err(Error::internal)?;
            let _ = on_progress.send(session.organizations().len() as u32);
            listing
        }
        // The listing future is not provably `Send` (a higher-ranked lifetime in its stream closure), which
        // async commands require, so it is driven on a blocking thread.
        None => tauri::async_runtime::spawn_blocking(move || {
            tauri::async_runtime::block_on(session.list_tokens(
                filter,
                organizations.as_deref(),
                |organizations_listed| {
                    let _ = on_progress.send(organizations_listed);
                },
            ))
        })
        .await
        .map_err(Error::internal)?,
    };
    match &listing {
        Ok(l) => tracing::info!(
            ?filter,
            retry,
            tokens = l.tokens.len(),
            unavailable = l.unavailable.len(),
            "token list"
        ),
        Err(e) => tracing::warn!(?filter, retry, code = e.code.as_str(), "token list failed"),
    }
    if let Ok(l) = &listing {
        reminders::check(&app, &l.tokens, reminding.server_now()).await;
    }
    listing
}

/// The permissions a token can have, in words.
#[tauri::command]
pub fn scope_catalogue(state: State<'_, AppState>) -> ScopeCatalogue {
    match state.session() {
        Some(session) => session.scope_catalogue(),
        None => Catalogue::load().to_ipc(),
    }
}

/// Create a token. Its secret stays in the shell (for `copy_secret`, the keychain and the hand-offs); the window
/// gets it only through `reveal_secret`, when the person presses Reveal.
#[tauri::command]
pub async fn create_token(
    state: State<'_, AppState>,
    request: NewTokenRequest,
) -> Result<CreatedTokenView, Error> {
    let session = state.require_session()?;
    // A new token replaces the previous secret even if creating this one fails.
    state.forget_created_secret(None);
    create_and_keep(&state, &session, &request, "token created").await
}

/// Creates `request`'s token, logs the outcome as `event`, keeps the secret in the shell (beside any kept
/// before) and hands the window the token without it.
pub async fn create_and_keep(
    state: &AppState,
    session: &ActiveSession,
    request: &NewTokenRequest,
    event: &str,
) -> Result<CreatedTokenView, Error> {
    let created = session.create(request).await;
    tracing::info!(
        organization = %request.organization,
        id = created.as_ref().map(|c| c.token.authorization_id.as_str()).unwrap_or(""),
        code = outcome(&created),
        "{event}"
    );
    let created = created?;
    let view = created.view();
    state.keep_created(created.token, created.secret);
    Ok(view)
}

/// Rename a token, change its permissions or extend it (the value stays the same).
#[tauri::command]
pub async fn update_token(
    state: State<'_, AppState>,
    request: UpdateTokenRequest,
) -> Result<UpdatedToken, Error> {
    let session = state.require_session()?;
    let updated = session.update(&request).await;
    tracing::info!(
        organization = %request.organization,
        id = %request.authorization_id,
        code = outcome(&updated),
        "token updated"
    );
    updated
}

/// Regenerate a token: a new one with the same name, scopes and organization, then the old one revoked
/// (a failed revoke is in the result). The new token becomes "the created token": the shell keeps its secret
/// for Copy, the keychain and Git, and the window gets it only through `reveal_secret`, as after Create. Where PAT Desk
/// had put the old value (a copy saved in the keychain, Git's credential) the new value replaces it.
#[tauri::command]
pub async fn regenerate_token(
    state: State<'_, AppState>,
    request: RegenerateRequest,
) -> Result<RegeneratedTokenReveal, Error> {
    let session = state.require_session()?;
    state.forget_created_secret(None);
    let regenerated = session.regenerate(&request).await;
    tracing::info!(
        organization = %request.organization,
        id = %request.authorization_id,
        new_id = regenerated.as_ref().map(|r| r.created.token.authorization_id.as_str()).unwrap_or(""),
        code = outcome(&regenerated),
        previous = regenerated.as_ref().map(|r| revoke_code(&r.previous.outcome)).unwrap_or(""),
        "token regenerated"
    );
    let regenerated = regenerated?;
    let new = &regenerated.created;
    state.keep_created(new.token.clone(), new.secret.clone());
    let mut tools = crate::commands::handoff::tools_for(Some(&*session), &new.token.organization);
    tools.vault = state.remembering_vault();
    let (mut replaced, mut replace_error) =
        lifecycle::replace_copies(state.remembering_vault().as_ref(), &tools.git, &regenerated)
            .await;
    // Every other place the hand-off record names (Git, NuGet feeds) gets the new value too, unless the person
    // chose to update them themselves.
    let update_copies = request.update_copies != Some(false);
    if let Some(store) = state.hand_off_store().filter(|_| update_copies) {
        let (old_id, created) = (
            regenerated.previous.authorization_id.clone(),
            regenerated.created.clone(),
        );
        let results = tauri::async_runtime::spawn_blocking(move || {
            copies::replace_recorded_copies(&store, &tools, &old_id, &created)
        })
        .await
        .map_err(Error::internal)?;
        let mut problems = Vec::new();
        for (kind, result) in results {
            match result.error {
                None if !replaced.contains(&kind) => replaced.push(kind),
                None => {}
                Some(e) => {
                    problems.push(format!(
                        "{} could not be given the new value: {}",
                        result.label, e.message
                    ));
                    replace_error.get_or_insert(e);
                }
            }
        }
        if let (false, Some(e)) = (problems.is_empty(), replace_error.as_mut()) {
            e.message = format!(
                "{} Copy the new value now and put it there yourself.",
                problems.join(" ")
            );
        }
    }
    Ok(regenerated.into_reveal(replaced, replace_error))
}

/// Revoke one token. A token that is already gone counts as done; a failure is reported in the outcome,
/// as in a bulk revoke.
#[tauri::command]
pub async fn revoke_token(
    state: State<'_, AppState>,
    organization: String,
    authorization_id: String,
) -> Result<RevokeResult, Error> {
    let session = state.require_session()?;
    // Only for the result's name: a failed look-up must not stop the revoke.
    let display_name = session
        .token_name(&organization, &authorization_id)
        .await
        .unwrap_or_default();
    let outcome = match session.revoke(&organization, &authorization_id).await {
        Ok(outcome) => outcome,
        Err(error) => RevokeOutcome::Failed { error },
    };
    tracing::info!(
        organization = %organization,
        id = %authorization_id,
        code = revoke_code(&outcome),
        "token revoked"
    );
    if !matches!(outcome, RevokeOutcome::Failed { .. }) {
        saved::forget_revoked(&state, vec![(organization, authorization_id.clone())]).await;
    }
    Ok(RevokeResult {
        authorization_id,
        display_name,
        outcome,
    })
}

/// Revoke many tokens with the bulk engine; one `BulkProgress` per finished token.
#[tauri::command]
pub async fn bulk_revoke(
    state: State<'_, AppState>,
    items: Vec<BulkItem>,
    on_progress: Channel<BulkProgress>,
) -> Result<BulkSummary, Error> {
    run_bulk(&state, items, on_progress).await
}

/// "Retry failed": revoke again the tokens of the last bulk revoke that failed (the core's
/// `bulk::retry_failed` chooses them: cancelled ones are not retried), with progress as for `bulk_revoke`.
#[tauri::command]
pub async fn retry_failed_revokes(
    state: State<'_, AppState>,
    on_progress: Channel<BulkProgress>,
) -> Result<BulkSummary, Error> {
    let again = state
        .last_bulk()
        .map(|(items, summary)| bulk::retry_failed(&summary, &items))
        .unwrap_or_default();
    if again.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            "Nothing failed in the last bulk revoke, so there is nothing to try again.",
        ));
    }
    run_bulk(&state, again, on_progress).await
}

/// One bulk run: the engine, the log, the keychain copies of revoked tokens forgotten, and the run kept for
/// "Retry failed".
async fn run_bulk(
    state: &AppState,
    items: Vec<BulkItem>,
    on_progress: Channel<BulkProgress>,
) -> Result<BulkSummary, Error> {
    let session = state.require_session()?;
    let organizations: std::collections::HashMap<String, String> = items
        .iter()
        .map(|i| (i.authorization_id.clone(), i.organization.clone()))
        .collect();
    let (run, cancel) = state.begin_bulk();
    let sent = items.clone();
    let summary = bulk::bulk_revoke(
        &*session,
        items,
        &BulkOptions::default(),
        &cancel,
        |progress| {
            let _ = on_progress.send(progress);
        },
    )
    .await;
    state.end_bulk(run);
    state.keep_last_bulk(sent, summary.clone());
    tracing::info!(
        tokens = summary.results.len() + summary.cancelled as usize,
        revoked = summary.revoked,
        already_gone = summary.already_gone,
        failed = summary.failed,
        cancelled = summary.cancelled,
        "bulk revoke"
    );
    for result in &summary.results {
        if let RevokeOutcome::Failed { error } = &result.outcome {
            tracing::warn!(
                organization = organizations.get(&result.authorization_id).map_or("", |o| o.as_str()),
                id = %result.authorization_id,
                code = error.code.as_str(),
                "bulk revoke: not revoked"
            );
        }
    }
    let revoked = summary
        .results
        .iter()
        .filter(|r| !matches!(r.outcome, RevokeOutcome::Failed { .. }))
        .filter_map(|r| {
            organizations
                .get(&r.authorization_id)
                .map(|org| (org.clone(), r.authorization_id.clone()))
        })
        .collect();
    saved::forget_revoked(state, revoked).await;
    Ok(summary)
}

/// How the log names a revoke's outcome: `revoked`, `alreadyGone`, or the error's code.
fn revoke_code(outcome: &RevokeOutcome) -> &'static str {
    match outcome {
        RevokeOutcome::Revoked => "revoked",
        RevokeOutcome::AlreadyGone => "alreadyGone",
        RevokeOutcome::Failed { error } => error.code.as_str(),
    }
}

/// Stop the bulk revoke in progress: requests in flight finish, the rest are reported as cancelled.
#[tauri::command]
pub fn cancel_bulk_revoke(state: State<'_, AppState>) {
    tracing::info!("bulk revoke: cancel asked");
    state.cancel_bulk();
}
