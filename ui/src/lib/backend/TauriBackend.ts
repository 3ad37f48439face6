// The Backend over Tauri IPC. Command and argument names are exactly those of docs/ipc.md; Tauri maps
// the camelCase argument keys below to the snake_case parameters of the Rust commands.
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  AboutInfo,
  AccountSummary,
  DeviceCodeInfo,
  KeychainStatus,
  SavedToken,
  SignInWaiting,
  BulkProgress,
  BulkSummary,
  ClipboardCountdown,
  CreatedToken,
  ListFilter,
  NewTokenRequest,
  Organization,
  TokenListing,
  BulkItem,
  ChosenReplacement,
  ExportFormat,
  PatToken,
  ReplacementPlan,
  TokenRef,
  RevokeResult,
  ScopeCatalogue,
  SessionInfo,
  Settings,
  SettingsView,
  UpdateTokenRequest,
  UpdatedToken,
  RegenerateRequest,
  RegeneratedToken,
  ServerSignInRequest,
  SignInAddress,
  GitHelperCheck,
  NuGetStatus,
  HandOffRecord,
  SnippetShell,
  CopyResult,
  PipStatus,
} from '$lib/ipc';
import { toAppError } from '$lib/ipc';
import type { Backend, Unsubscribe, ZoomStep } from './Backend';
import type { Command } from './commands';

/** Every command rejects with the AppError the shell sent, or a generic one for anything else. */
async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toAppError(error);
  }
}

export class TauriBackend implements Backend {
  startDemo(): Promise<SessionInfo> {
    return call('start_demo');
  }

  signIn(organization: string, onWaiting: (waiting: SignInWaiting) => void): Promise<SessionInfo> {
    const channel = new Channel<SignInWaiting>();
    channel.onmessage = onWaiting;
    return call('sign_in', { organization, onWaiting: channel });
  }

  readSignInAddress(input: string): Promise<SignInAddress> {
    return call('read_sign_in_address', { input });
  }

  signInToServer(request: ServerSignInRequest): Promise<SessionInfo> {
    return call('sign_in_to_server', { request });
  }

  startServerDemo(): Promise<SessionInfo> {
    return call('start_server_demo');
  }

  findHttpsAddress(address: string): Promise<string | null> {
    return call('find_https_address', { address });
  }

  choosePlainHttp(address: string): Promise<SignInAddress> {
    return call('choose_plain_http', { address });
  }

  forgetPlainHttp(address: string): Promise<void> {
    return call('forget_plain_http', { address });
  }

  cancelSignIn(): Promise<void> {
    return call('cancel_sign_in');
  }

  startDeviceSignIn(organization: string, onCode: (code: DeviceCodeInfo) => void): Promise<SessionInfo> {
    const channel = new Channel<DeviceCodeInfo>();
    channel.onmessage = onCode;
    return call('start_device_sign_in', { organization, onCode: channel });
  }

  copyDeviceCode(): Promise<void> {
    return call('copy_device_code');
  }

  copySignInAddress(): Promise<void> {
    return call('copy_sign_in_address');
  }

  keychainStatus(): Promise<KeychainStatus> {
    return call('keychain_status');
  }

  continueWithoutKeychain(): Promise<KeychainStatus> {
    return call('continue_without_keychain');
  }

  accounts(): Promise<AccountSummary[]> {
    return call('accounts');
  }

  switchAccount(tenantId: string, userId: string): Promise<SessionInfo> {
    return call('switch_account', { tenantId, userId });
  }

  addAccount(): Promise<void> {
    return call('add_account');
  }

  saveCreatedToken(authorizationId?: string): Promise<SavedToken> {
    return call('save_created_token', { authorizationId: authorizationId ?? null });
  }

  savedTokens(): Promise<SavedToken[]> {
    return call('saved_tokens');
  }

  copySavedToken(organization: string, authorizationId: string): Promise<void> {
    return call('copy_saved_token', { organization, authorizationId });
  }

  forgetSavedToken(organization: string, authorizationId: string): Promise<void> {
    return call('forget_saved_token', { organization, authorizationId });
  }

  gitStatus(): Promise<boolean> {
    return call('git_status');
  }

  gitHelperCheck(authorizationId?: string): Promise<GitHelperCheck> {
    return call('git_helper_check', { authorizationId: authorizationId ?? null });
  }

  useCreatedTokenWithGit(authorizationId?: string, plainFileOk = false): Promise<string> {
    return call('use_created_token_with_git', { authorizationId: authorizationId ?? null, plainFileOk });
  }

  nugetStatus(): Promise<NuGetStatus> {
    return call('nuget_status');
  }

  useCreatedTokenWithNuget(feedUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string> {
    return call('use_created_token_with_nuget', { authorizationId: authorizationId ?? null, feedUrl, plainTextOk });
  }

  copyNugetCredentialSnippet(feedUrl: string, authorizationId?: string, shell?: SnippetShell): Promise<void> {
    return call('copy_nuget_credential_snippet', { authorizationId: authorizationId ?? null, feedUrl, shell: shell ?? null });
  }

  useCreatedTokenWithNpm(registryUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string> {
    return call('use_created_token_with_npm', { authorizationId: authorizationId ?? null, registryUrl, plainTextOk });
  }

  npmEnvLines(registryUrl: string, authorizationId?: string): Promise<string> {
    return call('npm_env_lines', { authorizationId: authorizationId ?? null, registryUrl });
  }

  pipStatus(): Promise<PipStatus> {
    return call('pip_status');
  }

  useCreatedTokenWithPip(indexUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string> {
    return call('use_created_token_with_pip', { authorizationId: authorizationId ?? null, indexUrl, plainTextOk });
  }

  handOffs(): Promise<HandOffRecord> {
    return call('hand_offs');
  }

  removeCopies(tokens: TokenRef[]): Promise<CopyResult[]> {
    return call('remove_copies', { tokens });
  }

  currentSession(): Promise<SessionInfo | null> {
    return call('current_session');
  }

  signOut(): Promise<void> {
    return call('sign_out');
  }

  validateOrganization(input: string): Promise<Organization> {
    return call('validate_organization', { input });
  }

  listTokens(filter: ListFilter, onProgress: (listed: number) => void, organizations?: string[]): Promise<TokenListing> {
    const channel = new Channel<number>();
    channel.onmessage = onProgress;
    return call('list_tokens', { filter, organizations: organizations ?? null, onProgress: channel });
  }

  scopeCatalogue(): Promise<ScopeCatalogue> {
    return call('scope_catalogue');
  }

  createToken(request: NewTokenRequest): Promise<CreatedToken> {
    return call('create_token', { request });
  }

  updateToken(request: UpdateTokenRequest): Promise<UpdatedToken> {
    return call('update_token', { request });
  }

  regenerateToken(request: RegenerateRequest): Promise<RegeneratedToken> {
    return call('regenerate_token', { request });
  }

  revokeToken(organization: string, authorizationId: string): Promise<RevokeResult> {
    return call('revoke_token', { organization, authorizationId });
  }

  bulkRevoke(items: BulkItem[], onProgress: (progress: BulkProgress) => void): Promise<BulkSummary> {
    const channel = new Channel<BulkProgress>();
    channel.onmessage = onProgress;
    return call('bulk_revoke', { items, onProgress: channel });
  }

  retryFailedRevokes(onProgress: (progress: BulkProgress) => void): Promise<BulkSummary> {
    const channel = new Channel<BulkProgress>();
    channel.onmessage = onProgress;
    return call('retry_failed_revokes', { onProgress: channel });
  }

  cancelBulkRevoke(): Promise<void> {
    return call('cancel_bulk_revoke');
  }

  exportTokens(tokens: PatToken[], format: ExportFormat): Promise<string | null> {
    return call('export_tokens', { tokens, format });
  }

  planReplacement(organization: string, authorizationId: string): Promise<ReplacementPlan> {
    return call('plan_replacement', { organization, authorizationId });
  }

  createReplacement(request: NewTokenRequest): Promise<CreatedToken> {
    return call('create_replacement', { request });
  }

  revokeReplacedToken(original: TokenRef, chosen: ChosenReplacement[]): Promise<RevokeResult> {
    return call('revoke_replaced_token', { original, chosen });
  }

  copySecret(authorizationId?: string): Promise<void> {
    return call('copy_secret', { authorizationId: authorizationId ?? null });
  }

  revealSecret(authorizationId: string): Promise<string> {
    return call('reveal_secret', { authorizationId });
  }

  clearClipboard(): Promise<void> {
    return call('clear_clipboard');
  }

  forgetCreatedSecret(authorizationId?: string): Promise<void> {
    return call('forget_created_secret', { authorizationId: authorizationId ?? null });
  }

  about(): Promise<AboutInfo> {
    return call('about');
  }

  zoom(step: ZoomStep): Promise<number> {
    return call('zoom', { step });
  }

  copyDiagnostics(): Promise<void> {
    return call('copy_diagnostics');
  }

  settings(): Promise<SettingsView> {
    return call('settings');
  }

  saveSettings(settings: Settings): Promise<SettingsView> {
    return call('save_settings', { settings });
  }

  onClipboardCountdown(callback: (countdown: ClipboardCountdown) => void): Unsubscribe {
    let unlisten: (() => void) | null = null;
    let stopped = false;
    listen<ClipboardCountdown>('clipboard-countdown', (event) => callback(event.payload)).then(
      (stop) => {
        if (stopped) stop();
        else unlisten = stop;
      },
      () => {
        // Without the event the screen still works; the countdown just does not tick.
      },
    );
    return () => {
      stopped = true;
      unlisten?.();
    };
  }
}
