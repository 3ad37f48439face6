//! Declares PAT Desk's own IPC commands so Tauri generates an `allow-<command>` permission for each; the
//! capability in `capabilities/main.json` then grants exactly those to the main window.

/// Every command of `docs/ipc.md`. Keep in step with `generate_handler!` in `src/lib.rs`, the capability,
/// docs/ipc.md and the UI's `Command` union: `tests/command_lists_agree.rs` fails when they differ.
const COMMANDS: &[&str] = &[
    // session
    "start_demo",
    "current_session",
    "sign_in",
    "cancel_sign_in",
    "start_device_sign_in",
    "keychain_status",
    "continue_without_keychain",
    "accounts",
    "switch_account",
    "add_account",
    "sign_out",
    "validate_organization",
    "read_sign_in_address",
    "sign_in_to_server",
    "find_https_address",
    "choose_plain_http",
    "forget_plain_http",
    "start_server_demo",
    // tokens
    "list_tokens",
    "scope_catalogue",
    "create_token",
    "update_token",
    "regenerate_token",
    "revoke_token",
    "bulk_revoke",
    "retry_failed_revokes",
    "cancel_bulk_revoke",
    // replacing a global token
    "plan_replacement",
    "create_replacement",
    "revoke_replaced_token",
    "export_tokens",
    // clipboard
    "copy_secret",
    "reveal_secret",
    "clear_clipboard",
    "forget_created_secret",
    "copy_device_code",
    "copy_sign_in_address",
    // keeping a created token (keychain, Git)
    "save_created_token",
    "saved_tokens",
    "copy_saved_token",
    "forget_saved_token",
    "git_status",
    "use_created_token_with_git",
    // handing a token to the tools that use it, and the record of those copies
    "git_helper_check",
    "nuget_status",
    "use_created_token_with_nuget",
    "copy_nuget_credential_snippet",
    "use_created_token_with_npm",
    "npm_env_lines",
    "pip_status",
    "use_created_token_with_pip",
    "hand_offs",
    "remove_copies",
    // about and diagnostics
    "about",
    "copy_diagnostics",
    // the window's zoom (Ctrl +/-/0)
    "zoom",
    // settings
    "settings",
    "save_settings",
];

fn main() {
    // The Windows exe's version resource (FileVersion, ProductVersion) takes the version from the Tauri
    // configuration, which names none so that the workspace's Cargo.toml stays the one place for it: hand it
    // over as a configuration addition, the way the Tauri CLI hands over its own.
    if std::env::var_os("TAURI_CONFIG").is_none() {
        std::env::set_var(
            "TAURI_CONFIG",
            format!(r#"{{"version":"{}"}}"#, env!("CARGO_PKG_VERSION")),
        );
    }
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
