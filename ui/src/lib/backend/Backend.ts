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
  ChosenReplacement,
  ExportFormat,
  PatToken,
  ReplacementPlan,
  RevokeResult,
  TokenRef,
  ScopeCatalogue,
  TokenListing,
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

export type Unsubscribe = () => void;

/** A step of the window's zoom. */
export type ZoomStep = 'in' | 'out' | 'reset';

export interface Backend {
  /** Starts a session against the built-in simulator: nothing touches a real account. */
  startDemo(): Promise<SessionInfo>;
  /**
   * Signs in with Microsoft in the system browser for the given organization. `onWaiting` receives the
   * authorize URL while the shell waits for the browser; rejects `signInCancelled` / `signInExpired`.
   */
  signIn(organization: string, onWaiting: (waiting: SignInWaiting) => void): Promise<SessionInfo>;
  /**
   * Reads the sign-in field: an Azure DevOps Services organization (Microsoft sign-in) or the address of an Azure
   * DevOps Server (Windows sign-in). Rejects `invalidOrganization` when it is neither.
   */
  readSignInAddress(input: string): Promise<SignInAddress>;
  /**
   * Signs in to an Azure DevOps Server with a Windows account (NTLM) or an existing token; the password or token
   * is sent once and kept in Rust (and in the keychain when `remember` is set).
   */
  signInToServer(request: ServerSignInRequest): Promise<SessionInfo>;
  /**
   * The `https://` address of the server typed (same host and path, port 443) when the server answers there with a
   * certificate this computer trusts; `null` otherwise. Sends no credential.
   */
  findHttpsAddress(address: string): Promise<string | null>;
  /**
   * "Use the unencrypted connection to tfs.example:8080": remembered in the settings for that server; answers the
   * address as read again, with `plainHttpChosenAt` set. Without it, a sign-in to such a server is refused
   * (`plainHttpNotChosen`).
   */
  choosePlainHttp(address: string): Promise<SignInAddress>;
  /** Takes the choice back: the next sign-in to that server asks again. */
  forgetPlainHttp(address: string): Promise<void>;
  /** Starts the demo of an Azure DevOps Server against the built-in simulator. */
  startServerDemo(): Promise<SessionInfo>;
  /** Stops the sign-in that is waiting (browser or device code). */
  cancelSignIn(): Promise<void>;
  /** Signs in with a device code; `onCode` receives the code to show. */
  startDeviceSignIn(organization: string, onCode: (code: DeviceCodeInfo) => void): Promise<SessionInfo>;
  /** Copies the device-code sign-in's code (Rust holds it; the window has no clipboard access). */
  copyDeviceCode(): Promise<void>;
  /** Copies the address of the browser sign-in that is waiting (Rust holds it). */
  copySignInAddress(): Promise<void>;
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
  /** Saves a token just created (that one, or the last) in the system keychain. */
  saveCreatedToken(authorizationId?: string): Promise<SavedToken>;
  savedTokens(): Promise<SavedToken[]>;
  /** Copies a saved token's value (read from the keychain in Rust). */
  copySavedToken(organization: string, authorizationId: string): Promise<void>;
  forgetSavedToken(organization: string, authorizationId: string): Promise<void>;
  /** Whether Git is installed (for "Use with Git"). */
  gitStatus(): Promise<boolean>;
  /** What Git's credential helper would do with a token just created (that one, or the last): shown before handing it over. */
  gitHelperCheck(authorizationId?: string): Promise<GitHelperCheck>;
  /**
   * Hands a token just created (that one, or the last) to Git's credential helper; resolves with the sentence to
   * show. `plainFileOk`: the person accepted that the helper writes it to a plain file (refused otherwise).
   */
  useCreatedTokenWithGit(authorizationId?: string, plainFileOk?: boolean): Promise<string>;
  /** Which NuGet client runs here, and whether it can keep a token only in plain text. */
  nugetStatus(): Promise<NuGetStatus>;
  /**
   * Adds the feed `feedUrl` as a NuGet package source with a token just created; `plainTextOk`: the person
   * accepted plain text (required off Windows). Resolves with the sentence to show.
   */
  useCreatedTokenWithNuget(feedUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string>;
  /** Copies the ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS line for the feed (cleared like a copied token). */
  /** Copies the credential-provider line for `feedUrl`, quoted for `shell` (this computer's usual one when not given). */
  copyNugetCredentialSnippet(feedUrl: string, authorizationId?: string, shell?: SnippetShell): Promise<void>;
  /**
   * Sets the npm feed's six lines in the user's .npmrc with a token just created; npm has no keychain, so only
   * with `plainTextOk`. Resolves with the sentence to show.
   */
  useCreatedTokenWithNpm(registryUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string>;
  /** The feed's six .npmrc lines with ${AZDO_NPM_PAT_B64} in place of the token (no secret), to copy. */
  npmEnvLines(registryUrl: string, authorizationId?: string): Promise<string>;
  /** Whether pip runs here and python-keyring's back end (the keychain route), if any. */
  pipStatus(): Promise<PipStatus>;
  /**
   * Hands a token just created to pip for the Python feed `indexUrl`: the keychain where python-keyring has a
   * back end, else pip.conf only with `plainTextOk`. Resolves with the sentence to show.
   */
  useCreatedTokenWithPip(indexUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string>;
  /**
   * Every place PAT Desk handed a token to (no secrets), for "Used with" on the token list, and the sentence to
   * show when the record was damaged and kept aside as handoffs.json.bak.
   */
  handOffs(): Promise<HandOffRecord>;
  /** After a revoke: removes each copy PAT Desk put elsewhere of these tokens, with a result per place. */
  removeCopies(tokens: TokenRef[]): Promise<CopyResult[]>;
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
  /**
   * "Retry failed": revokes again the tokens of the last bulk revoke that failed (the core chooses them; cancelled
   * ones are not retried). Rejects `invalidInput` when none failed.
   */
  retryFailedRevokes(onProgress: (progress: BulkProgress) => void): Promise<BulkSummary>;
  cancelBulkRevoke(): Promise<void>;
  /**
   * Writes `tokens` (what the list shows) as CSV or JSON where the person picks in the system's save dialog;
   * resolves with the path written, or null when they cancelled.
   */
  exportTokens(tokens: PatToken[], format: ExportFormat): Promise<string | null>;
  /** One organization-scoped replacement per organization of the person, for a global token. */
  planReplacement(organization: string, authorizationId: string): Promise<ReplacementPlan>;
  /** Creates one replacement; unlike `createToken`, the secrets of replacements created before stay held. */
  createReplacement(request: NewTokenRequest): Promise<CreatedToken>;
  /**
   * Revokes the global token once every chosen organization has its replacement (checked with the service);
   * rejects, revoking nothing, otherwise.
   */
  revokeReplacedToken(original: TokenRef, chosen: ChosenReplacement[]): Promise<RevokeResult>;
  /** Copies a created secret (that one, or the last); Rust holds it, the window never sends it back. */
  copySecret(authorizationId?: string): Promise<void>;
  /**
   * The value of a created token, for Reveal: the only time it crosses to the window, once per token (a second
   * call rejects with `notAllowed`). Keep it in the screen's state, never in storage.
   */
  revealSecret(authorizationId: string): Promise<string>;
  clearClipboard(): Promise<void>;
  /** Drops a created secret Rust holds (that one, or all of them) once the screen that showed it closes. */
  forgetCreatedSecret(authorizationId?: string): Promise<void>;
  /** The app's version and where its diagnostics log is. */
  about(): Promise<AboutInfo>;
  /** Copies the version and the last lines of the diagnostics log (no secrets) to the clipboard, in Rust. */
  copyDiagnostics(): Promise<void>;
  /** Zooms the window a step in or out, or back to 100 % (Ctrl + / Ctrl − / Ctrl 0); resolves with the new level. */
  zoom(step: ZoomStep): Promise<number>;
  /** The person's settings, with a notice when the settings file could not be read (it is kept as `.bak`). */
  settings(): Promise<SettingsView>;
  /** Saves the settings; rejects `invalidClientId`, `invalidAuthority` or `invalidInput`, saving nothing. */
  saveSettings(settings: Settings): Promise<SettingsView>;
  /** Subscribes to `clipboard-countdown` events. */
  onClipboardCountdown(callback: (countdown: ClipboardCountdown) => void): Unsubscribe;
}
