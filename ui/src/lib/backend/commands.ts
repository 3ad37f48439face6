// Every IPC command of the shell, as named in docs/ipc.md. `call` in TauriBackend.ts takes only these, so a
// misspelt command fails `npm run check`. src-tauri/tests/command_lists_agree.rs checks this list against
// build.rs, generate_handler! in lib.rs, capabilities/main.json and docs/ipc.md.
export type Command =
  // session
  | 'start_demo'
  | 'current_session'
  | 'sign_in'
  | 'cancel_sign_in'
  | 'start_device_sign_in'
  | 'keychain_status'
  | 'continue_without_keychain'
  | 'accounts'
  | 'switch_account'
  | 'add_account'
  | 'sign_out'
  | 'validate_organization'
  | 'read_sign_in_address'
  | 'sign_in_to_server'
  | 'find_https_address'
  | 'choose_plain_http'
  | 'forget_plain_http'
  | 'start_server_demo'
  // tokens
  | 'list_tokens'
  | 'scope_catalogue'
  | 'create_token'
  | 'update_token'
  | 'regenerate_token'
  | 'revoke_token'
  | 'bulk_revoke'
  | 'retry_failed_revokes'
  | 'cancel_bulk_revoke'
  // replacing a global token
  | 'plan_replacement'
  | 'create_replacement'
  | 'revoke_replaced_token'
  | 'export_tokens'
  // clipboard
  | 'copy_secret'
  | 'reveal_secret'
  | 'clear_clipboard'
  | 'forget_created_secret'
  | 'copy_device_code'
  | 'copy_sign_in_address'
  // keeping a created token (keychain, Git)
  | 'save_created_token'
  | 'saved_tokens'
  | 'copy_saved_token'
  | 'forget_saved_token'
  | 'git_status'
  | 'use_created_token_with_git'
  // handing a token to the tools that use it, and the record of those copies
  | 'git_helper_check'
  | 'nuget_status'
  | 'use_created_token_with_nuget'
  | 'copy_nuget_credential_snippet'
  | 'use_created_token_with_npm'
  | 'npm_env_lines'
  | 'pip_status'
  | 'use_created_token_with_pip'
  | 'hand_offs'
  | 'remove_copies'
  // about and diagnostics
  | 'about'
  | 'copy_diagnostics'
  // the window's zoom (Ctrl +/-/0)
  | 'zoom'
  // settings
  | 'settings'
  | 'save_settings';
