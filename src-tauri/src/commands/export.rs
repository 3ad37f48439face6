//! Export: the tokens the window shows (its filter and search applied) written as CSV or JSON to a file the
//! person picks in the system's save dialog. Listed tokens hold no secret, so neither does the file; it is still
//! written private to the user and in one step (`export::write_file`).

use patdesk_core::export::{self, ExportFormat};
use patdesk_core::model::PatToken;
use patdesk_core::{Error, ErrorCode};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::DialogExt;

/// Asks where to save, then writes the file. Answers the path written, or `None` when the person cancelled.
#[tauri::command]
pub async fn export_tokens<R: Runtime>(
    app: AppHandle<R>,
    tokens: Vec<PatToken>,
    format: ExportFormat,
) -> Result<Option<String>, Error> {
    let text = export::export(&tokens, format);
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Export tokens")
        .set_file_name(export::suggested_file_name(chrono::Utc::now(), format))
        .add_filter(format.description(), &[format.extension()]);
    if let Ok(documents) = app.path().document_dir() {
        dialog = dialog.set_directory(documents);
    }
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    dialog.save_file(move |chosen| {
        let _ = sender.send(chosen);
    });
    let Some(chosen) = receiver.await.map_err(Error::internal)? else {
        return Ok(None);
    };
    let path = chosen.into_path().map_err(|_| {
        Error::new(
            ErrorCode::InvalidInput,
            "PAT Desk can only save to a folder on this computer. Choose another place.",
        )
    })?;
    let written = path.clone();
    tauri::async_runtime::spawn_blocking(move || export::write_file(&written, &text))
        .await
        .map_err(Error::internal)?
        .map_err(|e| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("PAT Desk could not write the file ({e}). Choose another folder, or check that the disk is not full."),
            )
        })?;
    tracing::info!(tokens = tokens.len(), ?format, "tokens exported");
    Ok(Some(path.display().to_string()))
}
