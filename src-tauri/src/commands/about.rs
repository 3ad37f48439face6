//! The About screen: the app's version, where the diagnostics log is, and "Copy diagnostics", which puts the
//! log's last lines on the clipboard through the shell's clipboard service (the window has no clipboard access).

use patdesk_core::diagnostics::{self, AboutInfo, DIAGNOSTIC_LINES};
use patdesk_core::Error;
use tauri::{AppHandle, Manager, Runtime};

use crate::logging::{log_file, outcome};
use crate::state::AppState;

/// The version and the log file's path.
#[tauri::command]
pub fn about<R: Runtime>(app: AppHandle<R>) -> Result<AboutInfo, Error> {
    Ok(AboutInfo {
        version: app.package_info().version.to_string(),
        log_file: log_file(&app)?.display().to_string(),
    })
}

/// Copy the version and the last lines of the log (which never holds a secret) to the clipboard.
#[tauri::command]
pub async fn copy_diagnostics<R: Runtime>(app: AppHandle<R>) -> Result<(), Error> {
    let path = log_file(&app)?;
    let version = app.package_info().version.to_string();
    let copied = tauri::async_runtime::spawn_blocking(move || {
        let report = diagnostics::report(&version, &path, DIAGNOSTIC_LINES)
            .map_err(|e| Error::internal(format!("read {}: {e}", path.display())))?;
        app.state::<AppState>().clipboard.copy_text(&report)
    })
    .await
    .map_err(Error::internal)?;
    tracing::info!(code = outcome(&copied), "diagnostics copied");
    copied
}
