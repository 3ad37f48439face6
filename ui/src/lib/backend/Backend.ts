// The window talks to the shell only through this interface: one method per command of docs/ipc.md.
// TauriBackend sends each call over IPC; TestBackend answers in memory so every screen state can be
// exercised in Vitest and in a browser (`?backend=test`). Every method rejects with an `AppError`.
import type {
  BulkProgress,
  BulkSummary,
  ClipboardCountdown,
  CreatedToken,
  ListFilter,
  NewTokenRequest,
  Organization,
  PatToken,
  BulkItem,
  RevokeResult,
  ScopeCatalogue,
  SessionInfo,
  UpdateTokenRequest,
} from '$lib/ipc';

export type Unsubscribe = () => void;

export interface Backend {
  /** Starts a session against the built-in simulator: nothing touches a real account. */
  startDemo(): Promise<SessionInfo>;
  /** Signs in with Microsoft for the given organization (rejects `signInUnavailable` when it cannot). */
  signIn(organization: string): Promise<SessionInfo>;
  /** The session the shell already holds (e.g. after a reload), or null. */
  currentSession(): Promise<SessionInfo | null>;
  signOut(): Promise<void>;
  /** Parses a URL or bare name into an organization (rejects `invalidOrganization`). */
  validateOrganization(input: string): Promise<Organization>;
  /** Every token of every organization, de-duplicated; `onProgress` receives organizations listed so far. */
  listTokens(filter: ListFilter, onProgress: (listed: number) => void): Promise<PatToken[]>;
  scopeCatalogue(): Promise<ScopeCatalogue>;
  createToken(request: NewTokenRequest): Promise<CreatedToken>;
  updateToken(request: UpdateTokenRequest): Promise<PatToken>;
  revokeToken(organization: string, authorizationId: string): Promise<RevokeResult>;
  bulkRevoke(items: BulkItem[], onProgress: (progress: BulkProgress) => void): Promise<BulkSummary>;
  cancelBulkRevoke(): Promise<void>;
  /** Copies the last created secret; Rust holds it, the window never sends it back. */
  copySecret(): Promise<void>;
  clearClipboard(): Promise<void>;
  /** Drops the secret Rust holds for the "Token created" screen. */
  forgetCreatedSecret(): Promise<void>;
  /** Subscribes to `clipboard-countdown` events. */
  onClipboardCountdown(callback: (countdown: ClipboardCountdown) => void): Unsubscribe;
}
