// The window talks to the shell only through this interface: one method per command of docs/ipc.md.
// TauriBackend sends each call over IPC; TestBackend answers in memory so every screen state can be
// exercised in Vitest and in a browser (`?backend=test`). Every method rejects with an `AppError`.
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
  BulkItem,
  RevokeResult,
  ScopeCatalogue,
  TokenListing,
  SessionInfo,
  UpdateTokenRequest,
  UpdatedToken,
  RegenerateRequest,
  RegeneratedToken,
} from '$lib/ipc';

export type Unsubscribe = () => void;

export interface Backend {
  /** Starts a session against the built-in simulator: nothing touches a real account. */
  startDemo(): Promise<SessionInfo>;
  /**
   * Signs in with Microsoft in the system browser for the given organization. `onWaiting` receives the
   * authorize URL while the shell waits for the browser; rejects `signInCancelled` / `signInExpired`.
   */
  signIn(organization: string, onWaiting: (waiting: SignInWaiting) => void): Promise<SessionInfo>;
  /** Stops the sign-in that is waiting (browser or device code). */
  cancelSignIn(): Promise<void>;
  /** Signs in with a device code; `onCode` receives the code to show. */
  startDeviceSignIn(organization: string, onCode: (code: DeviceCodeInfo) => void): Promise<SessionInfo>;
  /** Copies the device-code sign-in's code (Rust holds it; the window has no clipboard access). */
  copyDeviceCode(): Promise<void>;
  /** Whether the system keychain can remember the sign-in (probed by the shell). */
  keychainStatus(): Promise<KeychainStatus>;
  /** "Continue without remembering my sign-in": memory only. */
  continueWithoutKeychain(): Promise<KeychainStatus>;
  /** The accounts whose sign-in is remembered. */
  accounts(): Promise<AccountSummary[]>;
  /** Switches to another remembered account. */
  switchAccount(tenantId: string, userId: string): Promise<SessionInfo>;
  /** Leaves the session but keeps remembering the account, to sign in with another one. */
  addAccount(): Promise<void>;
  /** Saves the token just created in the system keychain. */
  saveCreatedToken(): Promise<SavedToken>;
  savedTokens(): Promise<SavedToken[]>;
  /** Copies a saved token's value (read from the keychain in Rust). */
  copySavedToken(organization: string, authorizationId: string): Promise<void>;
  forgetSavedToken(organization: string, authorizationId: string): Promise<void>;
  /** Whether Git is installed (for "Use with Git"). */
  gitStatus(): Promise<boolean>;
  /** Hands the token just created to Git's credential helper; resolves with the sentence to show. */
  useCreatedTokenWithGit(): Promise<string>;
  /** The session the shell already holds (e.g. after a reload), or null. */
  currentSession(): Promise<SessionInfo | null>;
  signOut(): Promise<void>;
  /** Parses a URL or bare name into an organization (rejects `invalidOrganization`). */
  validateOrganization(input: string): Promise<Organization>;
  /**
   * Every token of every organization (or only of `organizations`, to retry those that could not be listed),
   * de-duplicated, with one entry per organization that could not be listed. Rejects only when no
   * organization could be listed. `onProgress` receives organizations listed so far.
   */
  listTokens(filter: ListFilter, onProgress: (listed: number) => void, organizations?: string[]): Promise<TokenListing>;
  scopeCatalogue(): Promise<ScopeCatalogue>;
  createToken(request: NewTokenRequest): Promise<CreatedToken>;
  /** Edit or extend: the value stays the same. `clampedFrom` is the expiry asked for when a policy shortened it. */
  updateToken(request: UpdateTokenRequest): Promise<UpdatedToken>;
  /**
   * A new token with the same name, scopes and organization, then the old one revoked (`previous.outcome`
   * says whether that worked). The new token becomes the created token: Copy, keychain and Git use it.
   */
  regenerateToken(request: RegenerateRequest): Promise<RegeneratedToken>;
  revokeToken(organization: string, authorizationId: string): Promise<RevokeResult>;
  bulkRevoke(items: BulkItem[], onProgress: (progress: BulkProgress) => void): Promise<BulkSummary>;
  cancelBulkRevoke(): Promise<void>;
  /** Copies the last created secret; Rust holds it, the window never sends it back. */
  copySecret(): Promise<void>;
  clearClipboard(): Promise<void>;
  /** Drops the secret Rust holds for the "Token created" screen. */
  forgetCreatedSecret(): Promise<void>;
  /** The app's version and where its diagnostics log is. */
  about(): Promise<AboutInfo>;
  /** Copies the version and the last lines of the diagnostics log (no secrets) to the clipboard, in Rust. */
  copyDiagnostics(): Promise<void>;
  /** Subscribes to `clipboard-countdown` events. */
  onClipboardCountdown(callback: (countdown: ClipboardCountdown) => void): Unsubscribe;
}
