//! Who is signed in: the offline demo, signing in and out, and checking an organization name.

use patdesk_core::endpoints::parse_organization;
use patdesk_core::model::{Organization, SessionInfo};
use patdesk_core::{Error, ErrorCode};
use tauri::State;

use crate::demo;
use crate::state::AppState;

/// Start (or return) the offline demo session.
#[tauri::command]
pub async fn start_demo(state: State<'_, AppState>) -> Result<SessionInfo, Error> {
    demo::ensure_demo_session(&state).await
}

/// The signed-in session, if any. When the app was started in demo mode this waits for (or starts) the
/// demo session, so the window opens straight into it.
#[tauri::command]
pub async fn current_session(state: State<'_, AppState>) -> Result<Option<SessionInfo>, Error> {
    if state.launch.demo && state.session().is_none() && !state.demo_left() {
        return demo::ensure_demo_session(&state).await.map(Some);
    }
    let _settled = state.session_change.lock().await;
    Ok(state.session().map(|s| s.info()))
}

/// Sign in with Microsoft to reach `organization`.
///
/// Not in this build yet: it answers a plain error instead of pretending to sign in.
#[tauri::command]
pub async fn sign_in(organization: String) -> Result<SessionInfo, Error> {
    parse_organization(&organization)?;
    Err(Error::new(
        ErrorCode::SignInConfiguration,
        "Signing in with Microsoft is not available in this build yet. Try the demo to explore PAT Desk.",
    ))
}

/// End the session (and stop the demo simulator). The created secret is forgotten and the clipboard
/// cleared if it still holds it.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), Error> {
    let _changing = state.session_change.lock().await;
    state.cancel_bulk();
    if state.set_session(None).is_some_and(|s| s.demo) {
        state.note_demo_left();
    }
    state.forget_created_secret();
    let _ = state.clipboard.clear_now();
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
        s.profile
            .organizations
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(&name))
            .cloned()
    });
    // Outside a session the id is unknown until the organization is looked up after sign-in.
    Ok(known.unwrap_or_else(|| Organization::new("", name)))
}
