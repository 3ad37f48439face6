//! Copying the secret of the token just created, and the end of its life in the shell.
//!
//! The window never sends the secret back: `copy_secret` copies one the shell kept from `create_token`,
//! `regenerate_token` or `create_replacement`, `reveal_secret` shows it to the window once (when the person
//! presses Reveal), and `forget_created_secret` drops it when the screen that showed it closes.

use patdesk_core::clipboard::ClipboardCountdown;
use patdesk_core::model::RevealedSecret;
use patdesk_core::{Error, ErrorCode, Sensitive};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::state::AppState;
use crate::CLIPBOARD_COUNTDOWN_EVENT;

/// Copy the secret of a token just created (`authorization_id`, or the last one); the countdown arrives as
/// `clipboard-countdown` events.
#[tauri::command]
pub async fn copy_secret<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    authorization_id: Option<String>,
) -> Result<(), Error> {
    let secret = state
        .created_secret(authorization_id.as_deref())
        .ok_or_else(|| {
            Error::new(
            ErrorCode::TokenNotFound,
            "There is no new token to copy any more. Create a new token to get a value to copy.",
        )
        })?;
    // Never the value: only that a secret went to the clipboard.
    tracing::info!(
        clear_after_s = state.settings().clear_after().as_secs(),
        "new token copied"
    );
    copy_with_countdown(app, secret).await
}

/// The value of the token just created (`authorization_id`), for Reveal: the only way it crosses to the window,
/// once per token (a second call is refused; the window keeps the value in the screen's state until it closes).
#[tauri::command]
pub fn reveal_secret(
    state: State<'_, AppState>,
    authorization_id: String,
) -> Result<RevealedSecret, Error> {
    let secret = state.reveal_created_secret(&authorization_id)?;
    // Never the value: only that it was shown.
    tracing::info!("new token revealed");
    Ok(RevealedSecret::of(&secret))
}

/// Puts `secret` on the clipboard for the person's timeout (unless `PATDESK_CLIPBOARD_CLEAR_SECONDS`
/// overrides it), announcing the countdown as `clipboard-countdown` events, then clears it.
pub async fn copy_with_countdown<R: Runtime>(
    app: AppHandle<R>,
    secret: Sensitive<String>,
) -> Result<(), Error> {
    let clear_after = app.state::<AppState>().settings().clear_after();
    let emitter = app.clone();
    // The clipboard service answers from its own thread; don't hold up the async runtime meanwhile.
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<AppState>().clipboard.copy_secret(
            &secret,
            clear_after,
            move |tick: ClipboardCountdown| {
                let _ = emitter.emit(CLIPBOARD_COUNTDOWN_EVENT, tick);
            },
        )
    })
    .await
    .map_err(Error::internal)?
}

/// Clear the clipboard now, if it still holds the secret we copied.
#[tauri::command]
pub async fn clear_clipboard<R: Runtime>(app: AppHandle<R>) -> Result<(), Error> {
    tauri::async_runtime::spawn_blocking(move || app.state::<AppState>().clipboard.clear_now())
        .await
        .map_err(Error::internal)?
        .map(|_| ())
}

/// The screen that showed a new secret was closed: drop it (`authorization_id`), or every one kept when `None`
/// (it is zeroized).
#[tauri::command]
pub fn forget_created_secret(state: State<'_, AppState>, authorization_id: Option<String>) {
    state.forget_created_secret(authorization_id.as_deref());
}

/// Copy the address of the browser sign-in that is waiting, the one the screen offers to open by hand when no
/// browser opened (not a secret; cleared from the clipboard after the usual countdown, like the device code).
#[tauri::command]
pub async fn copy_sign_in_address<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<(), Error> {
    let address = state.sign_in_address().ok_or_else(|| {
        Error::new(
            ErrorCode::SignInExpired,
            "There is no sign-in address to copy any more. Start the sign-in again.",
        )
    })?;
    let address = patdesk_core::Sensitive::new(address);
    let clear_after = state.settings().clear_after();
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<AppState>().clipboard.copy_secret(
            &address,
            clear_after,
            |_tick: ClipboardCountdown| {},
        )
    })
    .await
    .map_err(Error::internal)?
}

/// Copy the device-code sign-in's code (not a secret; it is still cleared from the clipboard after the
/// usual countdown).
#[tauri::command]
pub async fn copy_device_code<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<(), Error> {
    let code = state.device_code().ok_or_else(|| {
        Error::new(
            ErrorCode::SignInExpired,
            "There is no sign-in code to copy any more. Start the sign-in again.",
        )
    })?;
    let code = patdesk_core::Sensitive::new(code);
    // The person's setting, unless PATDESK_CLIPBOARD_CLEAR_SECONDS overrides it.
    let clear_after = state.settings().clear_after();
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<AppState>().clipboard.copy_secret(
            &code,
            clear_after,
            |_tick: ClipboardCountdown| {},
        )
    })
    .await
    .map_err(Error::internal)?
}
