//! Declares PAT Desk's own IPC commands so Tauri generates an `allow-<command>` permission for each; the
//! capability in `capabilities/main.json` then grants exactly those to the main window.

/// Every command of `docs/ipc.md`, plus `sign_in` and `forget_created_secret`. Keep in step with
/// `generate_handler!` in `src/lib.rs`.
const COMMANDS: &[&str] = &[
    // session
    "start_demo",
    "current_session",
    "sign_in",
    "sign_out",
    "validate_organization",
    // tokens
    "list_tokens",
    "scope_catalogue",
    "create_token",
    "update_token",
    "revoke_token",
    "bulk_revoke",
    "cancel_bulk_revoke",
    // clipboard
    "copy_secret",
    "clear_clipboard",
    "forget_created_secret",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
