//! The Settings screen: the clipboard timeout, reminders, the theme and the sign-in app, kept as
//! `settings.json` in the app's config directory by `patdesk_core::settings` (no secrets in it).

use patdesk_core::settings::{Settings, SettingsView, SETTINGS_FILE_NAME};
use patdesk_core::Error;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::logging::outcome;
use crate::state::AppState;

/// Point the state at `settings.json` in the app's config directory, unless it already knows a file.
pub fn use_config_dir<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> Result<(), Error> {
    if state.settings_file().is_none() {
        let dir = app.path().app_config_dir().map_err(Error::internal)?;
        state.use_settings_file(dir.join(SETTINGS_FILE_NAME));
    }
    Ok(())
}

/// The settings, with a one-line notice when the file could not be read (it is then kept as `.bak`).
#[tauri::command]
pub fn settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<SettingsView, Error> {
    use_config_dir(&app, &state)?;
    Ok(state.settings_view())
}

/// Save the settings; a value that is not allowed is refused with the field's code (`invalidClientId`,
/// `invalidAuthority`, `invalidInput`) and nothing is saved.
#[tauri::command]
pub fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<SettingsView, Error> {
    use_config_dir(&app, &state)?;
    let saved = state.save_settings(&settings);
    tracing::info!(code = outcome(&saved), "settings changed");
    saved
}
