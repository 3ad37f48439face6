//! PAT Desk's Tauri shell: builds the window, manages [`state::AppState`] and wires the thin IPC commands of
//! `docs/ipc.md` (in [`commands`]) to `patdesk-core`. No Azure DevOps logic lives here.
//!
//! Environment:
//! * `PATDESK_DEMO=1` (or the `--demo` argument): open straight into the offline demo.
//! * `PATDESK_DEMO_PORT`: port of the demo's embedded simulator (default: a free one), so tests can reach
//!   `http://127.0.0.1:{port}/_sim/`.
//! * `PATDESK_CLIPBOARD_CLEAR_SECONDS`: how long a copied secret stays on the clipboard; wins over the
//!   Settings screen's choice (default 30).
//! * `PATDESK_LOGIN_URL`, `PATDESK_APP_VSSPS_URL`, `PATDESK_VSSPS_URL`, `PATDESK_DEV_URL`: the hosts signed in
//!   to (default: the real Microsoft ones); `PATDESK_CLIENT_ID`, `PATDESK_AUTHORITY`: the Entra app (win over Settings › Advanced).
//! * `PATDESK_BROWSER=none`: the browser sign-in does not open a browser (the window shows the URL).
//! * `PATDESK_SIGN_IN_TIMEOUT_SECONDS`: how long the browser sign-in waits (default 600).
//! * `PATDESK_KEYCHAIN_NAMESPACE`: the keychain service name PAT Desk's entries live under.
//! * `PATDESK_LOG`: how much the diagnostics log (`patdesk.log` in the app's log directory, see [`logging`])
//!   records: `info` by default; `debug` adds every HTTP request (method, URL without its query, status,
//!   duration); also `warn`, `error`, `trace`.

pub mod commands;
pub mod demo;
pub mod logging;
pub mod navigation;
pub mod reminders;
pub mod state;
pub mod webview_runtime;
#[cfg(windows)]
mod windows_runtime;

use tauri::{Manager, RunEvent};

use state::{AppState, LaunchMode};

/// Event carrying [`patdesk_core::model::ClipboardCountdown`] ticks to the window.
pub const CLIPBOARD_COUNTDOWN_EVENT: &str = "clipboard-countdown";

/// The builder with every command and the state, shared by [`run`] and the command tests.
pub fn app_builder<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    launch: LaunchMode,
) -> tauri::Builder<R> {
    builder
        // The window never leaves PAT Desk's own pages.
        .plugin(navigation::guard())
        .manage(AppState::new(launch))
        .manage(commands::zoom::Zoom::default())
        .invoke_handler(tauri::generate_handler![
            commands::session::start_demo,
            commands::session::current_session,
            commands::session::sign_in,
            commands::session::cancel_sign_in,
            commands::session::start_device_sign_in,
            commands::session::keychain_status,
            commands::session::continue_without_keychain,
            commands::session::accounts,
            commands::session::switch_account,
            commands::session::add_account,
            commands::session::sign_out,
            commands::session::validate_organization,
            commands::server::read_sign_in_address,
            commands::server::sign_in_to_server,
            commands::server::find_https_address,
            commands::server::choose_plain_http,
            commands::server::forget_plain_http,
            commands::server::start_server_demo,
            commands::tokens::list_tokens,
            commands::tokens::scope_catalogue,
            commands::tokens::create_token,
            commands::tokens::update_token,
            commands::tokens::regenerate_token,
            commands::tokens::revoke_token,
            commands::tokens::bulk_revoke,
            commands::tokens::retry_failed_revokes,
            commands::tokens::cancel_bulk_revoke,
            commands::replace::plan_replacement,
            commands::replace::create_replacement,
            commands::replace::revoke_replaced_token,
            commands::export::export_tokens,
            commands::clipboard::copy_secret,
            commands::clipboard::reveal_secret,
            commands::clipboard::clear_clipboard,
            commands::clipboard::forget_created_secret,
            commands::clipboard::copy_device_code,
            commands::clipboard::copy_sign_in_address,
            commands::saved::save_created_token,
            commands::saved::saved_tokens,
            commands::saved::copy_saved_token,
            commands::saved::forget_saved_token,
            commands::saved::git_status,
            commands::handoff::use_created_token_with_git,
            commands::handoff::git_helper_check,
            commands::handoff::nuget_status,
            commands::handoff::use_created_token_with_nuget,
            commands::handoff::copy_nuget_credential_snippet,
            commands::handoff::use_created_token_with_npm,
            commands::handoff::npm_env_lines,
            commands::handoff::pip_status,
            commands::handoff::use_created_token_with_pip,
            commands::handoff::hand_offs,
            commands::handoff::remove_copies,
            commands::about::about,
            commands::about::copy_diagnostics,
            commands::zoom::zoom,
            commands::settings::settings,
            commands::settings::save_settings,
        ])
}

/// The configuration, capabilities and embedded `ui/dist` of `tauri.conf.json`, for [`run`] and the tests.
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Start the app.
pub fn run() {
    // Without a usable WebView2 Runtime there can be no window: say so plainly instead of crashing.
    #[cfg(windows)]
    windows_runtime::explain_and_exit_unless_usable(&windows_runtime::current_runtime());
    let launch = LaunchMode::from_env_and_args();
    let builder = tauri::Builder::default()
        // First: a second launch focuses the window that is already open instead of opening another.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        // Remembers the window's size and position; used from Rust only (no permission for the webview).
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init());
    app_builder(builder, launch)
        .setup(|app| {
            setup(app.handle());
            exit_cleanly_on_signals(app.handle().clone());
            Ok(())
        })
        .build(context())
        .unwrap_or_else(window_failed)
        .run(|app, event| {
            if let RunEvent::Exit = event {
                tracing::info!("PAT Desk quit");
                let state = app.state::<AppState>();
                // A copied secret must not outlive the app on the clipboard.
                let _ = state.clipboard.clear_now();
                state.forget_created_secret(None);
            }
        });
}

/// What the app does once it is built, before its window loads (shared by [`run`] and the tests that start the
/// app on the mock runtime): core dumps off, the diagnostics log in the app's log directory, the settings in its config
/// directory, the hand-off record and the expiry reminders in its data directory, then the demo or the
/// remembered sign-in as [`AppState`]'s launch mode says.
pub fn setup<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    // Before any secret is read (the remembered sign-in below): no core dump of this process.
    let core_dumps_off = patdesk_core::secret::keep_out_of_core_dumps();
    logging::start(app);
    if let Err(e) = core_dumps_off {
        tracing::warn!(error = %e, "could not turn core dumps off");
    }
    // Read the settings now: the notice of an unreadable file is logged and waits for the window.
    let state = app.state::<AppState>();
    let launch = state.launch;
    if commands::settings::use_config_dir(app, &state).is_ok() {
        state.settings_view();
    }
    if let Ok(dir) = app.path().app_data_dir() {
        state.use_data_dir(&dir);
    }
    tracing::info!(
        version = %app.package_info().version,
        demo = launch.demo,
        "PAT Desk started"
    );
    if launch.demo {
        // Start the demo while the window loads; `current_session` waits for it.
        let handle = app.clone();
        tauri::async_runtime::spawn(async move {
            let state = handle.state::<AppState>();
            let _ = demo::ensure_demo_session(&state).await;
        });
    } else if launch.restore_session {
        // Probe the keychain and restore the remembered sign-in while the window loads; the window's
        // first `current_session` waits for it.
        let handle = app.clone();
        tauri::async_runtime::spawn(async move {
            let state = handle.state::<AppState>();
            let _ = commands::session::restore_at_launch(&state).await;
        });
    }
    reminders::start(app);
}

/// The window could not be made: on Windows a message box says why (the WebView2 Runtime) and PAT Desk exits
/// with its exit code; elsewhere the error ends the app as before.
fn window_failed<R: tauri::Runtime>(error: tauri::Error) -> tauri::App<R> {
    #[cfg(windows)]
    windows_runtime::explain_window_failure_and_exit(&error);
    #[cfg(not(windows))]
    panic!("PAT Desk could not start its window: {error}");
}

/// SIGTERM / SIGINT (logging out, `kill`, Ctrl+C in a terminal) end the app through its normal exit, so
/// `RunEvent::Exit` still clears a copied secret from the clipboard and the window state is saved.
fn exit_cleanly_on_signals<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut terminate), Ok(mut interrupt)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        app.exit(0);
    });
    // A console's Ctrl+C, Ctrl+Break and closing the console (debug builds, or started from a console). Log-off
    // and shutdown reach a windowed app as WM_ENDSESSION instead, which tao turns into `RunEvent::Exit` too.
    #[cfg(windows)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close};
        let (Ok(mut interrupt), Ok(mut break_key), Ok(mut close)) =
            (ctrl_c(), ctrl_break(), ctrl_close())
        else {
            return;
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = break_key.recv() => {}
            _ = close.recv() => {}
        }
        app.exit(0);
    });
    #[cfg(not(any(unix, windows)))]
    drop(app);
}
