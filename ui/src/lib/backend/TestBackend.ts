// An in-memory Backend with realistic data (one person in three organizations, about forty tokens of
// mixed status and expiry, one global PAT). Vitest drives every screen through it, and a browser build
// opened with `?backend=test` uses it too. Knobs inject errors, latency, policies and pauses so each
// screen's loading, empty, error and partial-failure states can be reached deterministically.
import type {
  AboutInfo,
  AccountSummary,
  DeviceCodeInfo,
  KeychainStatus,
  SavedToken,
  SignInWaiting,
  AppError,
  BulkProgress,
  BulkSummary,
  ClipboardCountdown,
  CreatedToken,
  ErrorCode,
  ListFilter,
  NewTokenRequest,
  Organization,
  PatToken,
  TokenListing,
  Profile,
  BulkItem,
  ChosenReplacement,
  ExportFormat,
  ReplacementPlan,
  RevokeResult,
  TokenRef,
  ScopeCatalogue,
  SessionInfo,
  Settings,
  SettingsView,
  TokenStatus,
  UpdateTokenRequest,
  UpdatedToken,
  Lifespan,
  RegenerateRequest,
  RegeneratedToken,
  ReplacedCopy,
  ServerSignInRequest,
  SettingOverride,
  SignInAddress,
  GitHelperCheck,
  NuGetStatus,
  HandOff,
  HandOffRecord,
  CopyResult,
  SnippetShell,
  PipStatus,
} from '$lib/ipc';
import type { Backend, Unsubscribe, ZoomStep } from './Backend';
import { demoCatalogue, describeScope } from './demoCatalogue';
import { tokenNameError, trimName } from '$lib/tokenName';
import { feedName, handOffLabel } from '$lib/handOffs';

const DAY = 24 * 60 * 60 * 1000;


/** The settings of a first start (patdesk_core::settings::Settings::default). */
export function defaultSettings(): Settings {
  return {
    clipboardClearSeconds: 30,
    notifications: true,
    theme: 'system',
    clientId: '872cd9fa-d31f-45e0-9eab-6e460a02d1f1',
    authority: 'organizations',
    signInScopes: 'azureDevOps',
    plainHttpServers: [],
  };
}

function isGuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export type BackendMethod = Exclude<keyof Backend, 'onClipboardCountdown'>;

export interface TestBackendOptions {
  /** Milliseconds every call waits before answering (0 in tests: no timing involved). */
  latencyMs?: number;
  /** "Today" for generated expiry dates. */
  now?: Date;
  /** When global PATs stop working (default: 1 Dec 2026, as the core says). */
  globalPatRetirement?: string;
  /** Replace the generated tokens (e.g. [] for the empty state, or 10,000 for scale). */
  tokens?: PatToken[];
  /** Starts signed in (as the demo) instead of at the sign-in screen. */
  signedIn?: boolean;
  /** Emits clipboard-countdown events on a real 1 s timer after Copy (browser demo); tests step by hand. */
  autoCountdown?: boolean;
  /** The account the person is signed in to Windows with (`CONTOSO\dana`), as the shell names it on
   * Windows; none (the default) as off Windows. */
  windowsAccount?: string | null;
  /** What `findHttpsAddress` answers (default `null`: the server does not answer over https). */
  httpsAddress?: string | null;
  /** When a choice of an unencrypted connection is recorded as made. */
  plainHttpChoiceDate?: string;
}

/** Tenant/organization policies the simulated server enforces on create. */
export interface TestPolicy {
  /** Longest lifespan in days; `mode` says whether longer requests are refused or shortened. */
  maxLifespanDays?: { days: number; mode: 'refuse' | 'clamp' };
  restrictFullScope?: boolean;
  restrictCreation?: boolean;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export function appError(code: ErrorCode, message: string): AppError {
  return { code, message };
}

/**
 * The core's feed check (crates/patdesk-core/src/feed_address.rs) for an organization of Azure DevOps Services: only
 * Azure Artifacts feeds of `organization`, with no user name, password, query or fragment.
 */
export function checkFeed(address: string, organization: string): void {
  const expected = `an address starting with https://pkgs.dev.azure.com/${organization}/ or https://${organization}.pkgs.visualstudio.com/`;
  const refuse = (reason: string) =>
    appError(
      'feedAddressNotAllowed',
      `${reason} PAT Desk only hands tokens to Azure Artifacts feeds of ${organization}: ${expected}. Copy the feed's address from its "Connect to feed" page.`,
    );
  const trimmed = address.trim();
  let url: URL;
  try {
    if (trimmed === '' || /\s/.test(trimmed)) throw new Error('blank');
    url = new URL(trimmed);
  } catch {
    throw refuse('This is not a web address.');
  }
  if (url.username !== '' || url.password !== '') throw refuse('The address has a user name or password in it.');
  if (/[?#]/.test(trimmed)) throw refuse('The address has a part after ? or # in it.');
  const host = url.hostname.toLowerCase();
  const segments = url.pathname.split('/').filter((s) => s !== '');
  let org: string | null = null;
  if (url.protocol === 'https:' && url.port === '') {
    if (host === 'pkgs.dev.azure.com') org = segments[0] ?? null;
    else if (host.endsWith('.pkgs.visualstudio.com')) {
      const label = host.slice(0, -'.pkgs.visualstudio.com'.length);
      if (label !== '' && !label.includes('.')) org = label;
    }
  }
  if (org === null) throw refuse(`${url.protocol}//${url.host} is not an Azure Artifacts address.`);
  if (org.toLowerCase() !== organization.toLowerCase()) {
    throw refuse(`This feed belongs to the organization ${org}, not to ${organization}.`);
  }
  if (!segments.some((s) => s.toLowerCase() === '_packaging')) {
    throw refuse("This address is not a feed's (it has no /_packaging/ in it).");
  }
}

/** The credential-provider line for `shell`, quoted as the core quotes it (nuget.rs `external_feed_endpoints`). */
function feedEndpointsLine(json: string, shell: SnippetShell): string {
  const ascii = json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shell === 'powerShell'
    ? `$env:ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS = '${ascii.replaceAll("'", "''")}'`
    : `export ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS='${ascii.replaceAll("'", "'\\''")}'`;
}

/** A small deterministic generator so demo data is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export const demoOrganizations: Organization[] = [
  { id: 'c0a1e5f2-0001-4d6e-9a10-000000000001', name: 'contoso', url: 'https://dev.azure.com/contoso' },
  { id: 'c0a1e5f2-0002-4d6e-9a10-000000000002', name: 'contoso-labs', url: 'https://dev.azure.com/contoso-labs' },
  { id: 'c0a1e5f2-0003-4d6e-9a10-000000000003', name: 'fabrikam-partners', url: 'https://dev.azure.com/fabrikam-partners' },
];

/** The Azure DevOps Server of the test backend: its collections, and the one Windows account it knows. */
export const testServer = {
  url: 'https://tfs.contoso.local/tfs',
  host: 'tfs.contoso.local',
  user: 'CONTOSO\\dana',
  password: 'correct horse battery staple',
  collections: [
    { id: 'c0a1e5f2-1001-4d6e-9a10-000000000001', name: 'DefaultCollection', url: 'https://tfs.contoso.local/tfs/DefaultCollection' },
    { id: 'c0a1e5f2-1002-4d6e-9a10-000000000002', name: 'Research', url: 'https://tfs.contoso.local/tfs/Research' },
  ] as Organization[],
};

export const demoProfile: Profile = {
  id: '8d3f6b1e-5a2c-4e7f-9b0d-1c2e3f4a5b6c',
  displayName: 'Alex Morgan',
  email: 'alex.morgan@contoso.com',
  initials: 'AM',
  organizations: demoOrganizations,
};

const tokenNames = [
  'Build agent – westeurope',
  'Release pipeline',
  'Laptop git',
  'NuGet feed restore',
  'npm publish',
  'Work item sync',
  'Dashboard widget',
  'Terraform state',
  'Wiki export',
  'Backlog report',
  'Self-hosted agent (Mac mini)',
  'VS Code extension',
  'Pipeline trigger bot',
  'Test results upload',
  'Service hook relay',
  'Symbol server',
  'Artifact cleanup',
  'Code search script',
  'Power BI analytics',
  'Migration tool',
];

const scopeChoices = [
  'vso.code_write',
  'vso.code',
  'vso.agentpools_manage',
  'vso.packaging',
  'vso.packaging_write',
  'vso.build_execute',
  'vso.work_write vso.project',
  'vso.release_execute vso.build',
  'vso.analytics',
  'vso.wiki',
  'app_token',
];

/** About forty tokens over three organizations, with a few near expiry, some expired, some revoked. */
export function demoTokens(now: Date = new Date(), count = 40): PatToken[] {
  const random = seeded(7);
  const tokens: PatToken[] = [];
  for (let i = 0; i < count; i++) {
    // Mixes organizations across statuses (i % 3 alone would put every expired token in one).
    const org = demoOrganizations[(i + Math.floor(i / 4)) % demoOrganizations.length];
    const baseName = tokenNames[i % tokenNames.length];
    const round = Math.floor(i / tokenNames.length);
    const displayName = round === 0 ? baseName : `${baseName} ${round + 1}`;
    const scope = scopeChoices[Math.floor(random() * scopeChoices.length)];
    // Spread expiries: the first few within a week, a third already past, the rest months ahead.
    let offsetDays: number;
    if (i % 9 === 1) offsetDays = 1 + (i % 6);
    else if (i % 3 === 2) offsetDays = -(5 + Math.floor(random() * 200));
    else offsetDays = 20 + Math.floor(random() * 300);
    const validTo = new Date(now.getTime() + offsetDays * DAY + 3 * 60 * 60 * 1000);
    const validFrom = new Date(validTo.getTime() - (30 + Math.floor(random() * 335)) * DAY);
    const revoked = i % 7 === 4;
    const status: TokenStatus = revoked ? 'revoked' : offsetDays < 0 ? 'expired' : 'active';
    tokens.push({
      authorizationId: `a${String(i + 1).padStart(7, '0')}-6c1b-4e0a-9d7f-${String(i + 1).padStart(12, '0')}`,
      displayName,
      scope,
      scopeSummary: describeScope(scope),
      targetOrganizations: [org],
      isGlobal: false,
      stoppedWorking: false,
      validFrom: validFrom.toISOString(),
      validTo: validTo.toISOString(),
      status,
      organization: org.name,
    });
  }
  tokens.push({
    authorizationId: 'g0000001-6c1b-4e0a-9d7f-global000001',
    displayName: 'Reporting across all orgs',
    scope: 'vso.work vso.analytics',
    scopeSummary: describeScope('vso.work vso.analytics'),
    targetOrganizations: null,
    isGlobal: true,
    stoppedWorking: false,
    validFrom: new Date(now.getTime() - 100 * DAY).toISOString(),
    validTo: new Date(now.getTime() + 200 * DAY).toISOString(),
    status: 'active',
    organization: demoOrganizations[0].name,
  });
  return tokens;
}

/** The same shape at scale, for the virtualized list. */
export function manyTokens(count: number, now: Date = new Date()): PatToken[] {
  const tokens: PatToken[] = [];
  for (let i = 0; i < count; i++) {
    const org = demoOrganizations[i % demoOrganizations.length];
    tokens.push({
      authorizationId: `bulk-${i}`,
      displayName: `Token ${String(i).padStart(5, '0')}`,
      scope: 'vso.code',
      scopeSummary: describeScope('vso.code'),
      targetOrganizations: [org],
      isGlobal: false,
      stoppedWorking: false,
      validFrom: new Date(now.getTime() - 10 * DAY).toISOString(),
      validTo: new Date(now.getTime() + ((i % 400) - 100) * DAY).toISOString(),
      status: i % 400 < 100 ? 'expired' : 'active',
      organization: org.name,
    });
  }
  return tokens;
}

export class TestBackend implements Backend {
  latencyMs: number;
  now: Date;
  readonly globalPatRetirement: string;
  tokens: PatToken[];
  session: SessionInfo | null;
  policy: TestPolicy = {};
  autoCountdown: boolean;
  /** Browser and device-code sign-ins wait for `finishSignIn()` / `cancelSignIn()` instead of succeeding at once. */
  holdSignIn = false;
  /** What the start-up keychain probe found. */
  keychain: KeychainStatus = { available: true, memoryOnly: false, message: null };
  /** Accounts whose sign-in is remembered (the first is restored by `currentSession`). */
  remembered: AccountSummary[] = [];
  /** Which token PAT Desk handed to Git, by organization (the shell notes it in the keychain's index). */
  readonly handedToGit = new Map<string, string>();
  /** Tokens saved in the keychain, with their values (never handed to the window). */
  readonly saved = new Map<string, { token: SavedToken; secret: string }>();
  /** Whether `git` is installed. */
  gitInstalled = true;
  /** What Git's configured credential helper would do with a token (the shell's `git_helper_check`). */
  gitHelper: GitHelperCheck = {
    helpers: ['libsecret'],
    verdict: 'ready',
    message: 'Git keeps the token with your credential helper (libsecret).',
  };
  /** The NuGet client found on this computer, and whether it keeps tokens only in plain text. */
  nuget: NuGetStatus = {
    client: 'nuget',
    plainTextOnly: true,
    message:
      'On this computer NuGet can keep the token only in plain text, in its configuration file in your home folder (~/.nuget/NuGet/NuGet.Config or ~/.config/NuGet/NuGet.Config), where any program you run can read it.',
  };
  /** pip and python-keyring on this computer (the keychain route when `keyring` is set). */
  pip: PipStatus = {
    pip: true,
    keyring: 'keyring.backends.SecretService.Keyring',
    message: 'pip will find the token in your system keychain (python-keyring: keyring.backends.SecretService.Keyring).',
  };
  /** The record of hand-offs (the shell's handoffs.json): tool, place, target; no secrets. */
  readonly handOffRecords: HandOff[] = [];
  /** The shell's sentence for a damaged handoffs.json (kept aside), or null. */
  handOffNotice: string | null = null;
  /** What `copySavedToken` put on the (pretend) clipboard, for tests. */
  clipboardText: string | null = null;
  /** What the About screen shows. */
  aboutInfo: AboutInfo = { version: '0.1.0', logFile: '~/.local/share/dev.patdesk.app/logs/patdesk.log' };
  /** The diagnostics report `copyDiagnostics` puts on the (pretend) clipboard. */
  diagnostics = 'PAT Desk 0.1.0 (linux x86_64)\nLog: ~/.local/share/dev.patdesk.app/logs/patdesk.log\n(the log is empty)\n';
  /** Settings the environment decides for this run (as `PATDESK_CLIENT_ID` does in the shell). */
  settingOverrides: SettingOverride[] = [];
  /** The settings as saved, and the notice of a settings file that could not be read (until saved). */
  savedSettings: Settings = defaultSettings();
  settingsNotice: string | null = null;
  /** The authorize URL the browser sign-in reports. */
  authorizeUrl = 'http://127.0.0.1:41000/login/organizations/oauth2/v2.0/authorize?client_id=test&state=s';
  deviceCode: DeviceCodeInfo = {
    userCode: 'K7QH2MZP',
    verificationUri: 'https://microsoft.com/devicelogin',
    message: 'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code K7QH2MZP to authenticate.',
    expiresIn: 900,
  };
  private pendingSignIn: { resolve: (s: SessionInfo) => void; reject: (e: AppError) => void } | null = null;
  /** The tokens just created with their secrets (what `forget_created_secret` drops); `revealed` once Reveal got it. */
  private created: { token: PatToken; secret: string; revealed?: boolean }[] = [];
  /** Creating a token in these organizations is refused with the given error (a policy of that organization). */
  readonly creationRefusals = new Map<string, AppError>();
  /** Every call, in order, with its arguments (what a test checks was sent). */
  readonly calls: { method: BackendMethod; args: unknown[] }[] = [];
  /** Revokes of these ids fail with the given error (one-token and bulk). */
  readonly failingRevokes = new Map<string, AppError>();

  private readonly errors = new Map<BackendMethod, { error: AppError; persistent: boolean }>();
  private readonly holds = new Map<BackendMethod, Deferred>();
  private readonly listingRefusals = new Map<string, AppError>();
  private bulkPauseAfter: number | null = null;
  private bulkResume: Deferred | null = null;
  private bulkCancelled = false;
  private countdownListeners = new Set<(countdown: ClipboardCountdown) => void>();
  private countdownTimer: ReturnType<typeof setInterval> | null = null;
  private secretCounter = 0;
  private readonly windowsAccount: string | null;
  /** The servers whose unencrypted connection was chosen: origin (`http://host:port`) → when. */
  private readonly plainHttpChoices = new Map<string, string>();
  /** What `findHttpsAddress` answers. */
  httpsAddress: string | null;
  /** The date a choice of an unencrypted connection is recorded with (fixed, so tests never depend on today). */
  plainHttpChoiceDate: string;

  constructor(options: TestBackendOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.now = options.now ?? new Date();
    this.globalPatRetirement = options.globalPatRetirement ?? '2026-12-01T00:00:00Z';
    this.tokens = options.tokens ? [...options.tokens] : demoTokens(this.now);
    this.session = options.signedIn ? this.demoSession() : null;
    this.autoCountdown = options.autoCountdown ?? false;
    this.windowsAccount = options.windowsAccount ?? null;
    this.httpsAddress = options.httpsAddress ?? null;
    this.plainHttpChoiceDate = options.plainHttpChoiceDate ?? '2026-12-02T09:00:00Z';
  }

  // ---- knobs -------------------------------------------------------------------------------

  /** The next call of `method` rejects with this error (every call, if `persistent`). */
  failWith(method: BackendMethod, code: ErrorCode, message: string, persistent = false): void {
    this.errors.set(method, { error: appError(code, message), persistent });
  }

  clearFailures(): void {
    this.errors.clear();
  }

  /** Calls of `method` wait until `release(method)`: lets a test look at a loading state. */
  hold(method: BackendMethod): void {
    if (!this.holds.has(method)) this.holds.set(method, deferred());
  }

  release(method: BackendMethod): void {
    this.holds.get(method)?.resolve();
    this.holds.delete(method);
  }

  /** The next bulk revoke stops after `n` tokens until `resumeBulk()` or a cancel. */
  pauseBulkAfter(n: number): void {
    this.bulkPauseAfter = n;
  }

  resumeBulk(): void {
    this.bulkPauseAfter = null;
    this.bulkResume?.resolve();
  }

  /** Sends one clipboard-countdown event, as the Rust clipboard service does every second. */
  emitCountdown(secondsLeft: number, cleared = secondsLeft === 0): void {
    for (const listener of this.countdownListeners) listener({ secondsLeft, cleared });
  }

  callsOf(method: BackendMethod): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  // ---- Backend -----------------------------------------------------------------------------

  async startDemo(): Promise<SessionInfo> {
    await this.enter('startDemo');
    this.session = this.demoSession();
    return this.session;
  }

  async signIn(organization: string, onWaiting: (waiting: SignInWaiting) => void): Promise<SessionInfo> {
    await this.enter('signIn', [organization]);
    onWaiting({ authorizeUrl: this.authorizeUrl, browserOpened: true });
    return this.waitForSignIn();
  }

  async readSignInAddress(input: string): Promise<SignInAddress> {
    await this.enter('readSignInAddress', [input]);
    // As the core's `read_sign_in_address`: an organization first; a server only for something address-like.
    const name = parseOrganization(input);
    const server = /[/.:]/.test(input) ? parseServerAddress(input) : null;
    if (!name && server) {
      const plain = plainHttpOf(server.url);
      return {
        kind: 'server',
        ...server,
        windowsAccount: this.windowsAccount,
        unencrypted: plain.unencrypted,
        serverLabel: plain.label,
        plainHttpChosenAt: plain.unencrypted ? (this.plainHttpChoices.get(plain.origin) ?? null) : null,
      };
    }
    if (!name) {
      throw appError(
        'invalidOrganization',
        'That does not look like an Azure DevOps organization or server. Use its name, or its address.',
      );
    }
    const known = demoOrganizations.find((org) => org.name === name);
    return { kind: 'services', organization: known ?? { id: `org-${name}`, name, url: `https://dev.azure.com/${name}` } };
  }

  async signInToServer(request: ServerSignInRequest): Promise<SessionInfo> {
    // The secret is not kept in the call log.
    await this.enter('signInToServer', [{ ...request, secret: request.secret === '' ? '' : '(secret)' }]);
    const server = parseServerAddress(request.address);
    if (!server) throw appError('invalidOrganization', 'That is not the address of an Azure DevOps Server.');
    // As the core's transport: an unencrypted server on another computer only by the person's choice, and never a token.
    const plain = plainHttpOf(server.url);
    if (plain.unencrypted && request.credential === 'personalAccessToken') {
      throw appError('insecureUrl', `PAT Desk will not send your sign-in over the unencrypted address ${server.url}. Use an https:// address instead.`);
    }
    if (plain.unencrypted && !this.plainHttpChoices.has(plain.origin)) {
      throw appError(
        'plainHttpNotChosen',
        `The connection to ${plain.label} is not encrypted (http://): a new token, and your Windows sign-in, could be read or misused by anyone on the network. Use the server's https:// address if it has one; to go on anyway, choose "Use the unencrypted connection to ${plain.label}" on the sign-in screen (with patdesk-cli, add --allow-plain-http).`,
      );
    }
    const knownUser = request.user.toLowerCase() === testServer.user.toLowerCase();
    if (request.credential === 'windows' && (!knownUser || request.secret !== testServer.password)) {
      throw appError(
        'wrongPassword',
        `${server.host} did not accept that user name and password. Check them (the user name is often DOMAIN\\name) and try again.`,
      );
    }
    if (request.credential === 'currentWindowsUser') {
      if (!this.windowsAccount) {
        throw appError(
          'invalidInput',
          'Signing in as the current Windows user works only on Windows. Sign in with your Windows user name and password instead.',
        );
      }
      return this.enterServer(server, request.credential, this.windowsAccount, false);
    }
    return this.enterServer(server, request.credential, request.user, false);
  }

  async findHttpsAddress(address: string): Promise<string | null> {
    await this.enter('findHttpsAddress', [address]);
    return this.httpsAddress;
  }

  async choosePlainHttp(address: string): Promise<SignInAddress> {
    await this.enter('choosePlainHttp', [address]);
    const server = parseServerAddress(address);
    if (!server) throw appError('invalidServerUrl', 'That does not look like a server address.');
    const plain = plainHttpOf(server.url);
    if (!this.plainHttpChoices.has(plain.origin)) this.plainHttpChoices.set(plain.origin, this.plainHttpChoiceDate);
    return this.readSignInAddress(address);
  }

  async forgetPlainHttp(address: string): Promise<void> {
    await this.enter('forgetPlainHttp', [address]);
    const server = parseServerAddress(address);
    if (server) this.plainHttpChoices.delete(plainHttpOf(server.url).origin);
  }

  async startServerDemo(): Promise<SessionInfo> {
    await this.enter('startServerDemo');
    return this.enterServer(parseServerAddress(testServer.url)!, 'windows', testServer.user, true);
  }

  /** Signed in to the test server: its collections, and the demo tokens spread over them. */
  private enterServer(
    server: { url: string; host: string },
    credential: ServerSignInRequest['credential'],
    user: string,
    demo: boolean,
  ): SessionInfo {
    const withAccount = credential !== 'personalAccessToken';
    const label = withAccount ? `${user} on ${server.host}` : server.host;
    const session: SessionInfo = {
      profile: {
        ...demoProfile,
        displayName: 'Dana Kim',
        email: withAccount ? user : `token on ${server.host}`,
        initials: 'DK',
        organizations: testServer.collections,
      },
      demo,
      accountLabel: demo ? `${label} (demo)` : label,
      globalPatRetirement: this.globalPatRetirement,
      server: {
        url: server.url,
        host: server.host,
        signedInWith: credential,
        allCollections: 'All accessible collections',
        lifespanPresets: [30, 60, 90, 180, 365],
        plainHttpChosenAt: this.plainHttpChoices.get(plainHttpOf(server.url).origin) ?? null,
      },
    };
    this.session = session;
    this.tokens = this.tokens.map((token, i) => {
      const collection = testServer.collections[i % testServer.collections.length];
      return { ...token, organization: collection.name, targetOrganizations: token.isGlobal ? null : [collection] };
    });
    return session;
  }

  async cancelSignIn(): Promise<void> {
    this.calls.push({ method: 'cancelSignIn', args: [] });
    this.finishSignIn(appError('signInCancelled', 'You cancelled the sign-in.'));
  }

  async startDeviceSignIn(organization: string, onCode: (code: DeviceCodeInfo) => void): Promise<SessionInfo> {
    await this.enter('startDeviceSignIn', [organization]);
    onCode({ ...this.deviceCode });
    return this.waitForSignIn();
  }

  async copyDeviceCode(): Promise<void> {
    await this.enter('copyDeviceCode');
    this.clipboardText = this.deviceCode.userCode;
  }

  async copySignInAddress(): Promise<void> {
    await this.enter('copySignInAddress');
    if (!this.pendingSignIn) throw appError('signInExpired', 'There is no sign-in address to copy any more. Start the sign-in again.');
    this.clipboardText = this.authorizeUrl;
  }

  /** Ends a held sign-in: signed in as the demo person (a real account), or with `error`. */
  finishSignIn(error?: AppError): void {
    const pending = this.pendingSignIn;
    this.pendingSignIn = null;
    if (!pending) return;
    if (error) pending.reject(error);
    else pending.resolve(this.signInAs());
  }

  get signInWaiting(): boolean {
    return this.pendingSignIn !== null;
  }

  async keychainStatus(): Promise<KeychainStatus> {
    await this.enter('keychainStatus');
    return { ...this.keychain };
  }

  async continueWithoutKeychain(): Promise<KeychainStatus> {
    await this.enter('continueWithoutKeychain');
    this.keychain = { ...this.keychain, memoryOnly: true };
    return { ...this.keychain };
  }

  async accounts(): Promise<AccountSummary[]> {
    await this.enter('accounts');
    const current = this.session && !this.session.demo ? this.session.accountLabel : null;
    return this.remembered.map((a) => ({ ...a, current: a.username === current }));
  }

  async switchAccount(tenantId: string, userId: string): Promise<SessionInfo> {
    await this.enter('switchAccount', [tenantId, userId]);
    const account = this.remembered.find((a) => a.tenantId === tenantId && a.userId === userId);
    if (!account) throw appError('sessionExpired', 'PAT Desk no longer remembers this account.');
    this.session = this.sessionFor(account);
    return this.session;
  }

  async addAccount(): Promise<void> {
    await this.enter('addAccount');
    this.session = null;
  }

  async saveCreatedToken(authorizationId?: string): Promise<SavedToken> {
    await this.enter('saveCreatedToken', authorizationId === undefined ? [] : [authorizationId]);
    if (!this.keychain.available) throw appError('keychainUnavailable', "PAT Desk can't reach your system keychain.");
    const created = this.createdFor(authorizationId);
    const token: SavedToken = {
      organization: created.token.organization,
      authorizationId: created.token.authorizationId,
      displayName: created.token.displayName,
      validTo: created.token.validTo,
      savedAt: this.now.toISOString(),
    };
    this.saved.set(token.authorizationId, { token, secret: created.secret });
    return { ...token };
  }

  async savedTokens(): Promise<SavedToken[]> {
    await this.enter('savedTokens');
    return [...this.saved.values()].map((s) => ({ ...s.token }));
  }

  async copySavedToken(organization: string, authorizationId: string): Promise<void> {
    await this.enter('copySavedToken', [organization, authorizationId]);
    const saved = this.saved.get(authorizationId);
    if (!saved) throw appError('tokenNotFound', "This token's value is no longer saved in your keychain.");
    this.clipboardText = saved.secret;
    if (this.autoCountdown) this.startCountdown();
  }

  async forgetSavedToken(organization: string, authorizationId: string): Promise<void> {
    await this.enter('forgetSavedToken', [organization, authorizationId]);
    this.saved.delete(authorizationId);
  }

  async gitStatus(): Promise<boolean> {
    await this.enter('gitStatus');
    return this.gitInstalled;
  }

  async gitHelperCheck(authorizationId?: string): Promise<GitHelperCheck> {
    await this.enter('gitHelperCheck', authorizationId === undefined ? [] : [authorizationId]);
    if (!this.gitInstalled) throw appError('gitUnavailable', 'Git is not installed on this computer.');
    this.createdFor(authorizationId);
    return { ...this.gitHelper, helpers: [...this.gitHelper.helpers] };
  }

  async useCreatedTokenWithGit(authorizationId?: string, plainFileOk = false): Promise<string> {
    await this.enter('useCreatedTokenWithGit', [authorizationId, plainFileOk].filter((a) => a !== undefined && a !== false));
    if (!this.gitInstalled) throw appError('gitUnavailable', 'Git is not installed on this computer.');
    const { token } = this.createdFor(authorizationId);
    // As the core: refused where Git would not keep or use it, and for a plain file without the go-ahead.
    if (this.gitHelper.verdict === 'unusable') throw appError('gitUnavailable', this.gitHelper.message);
    if (this.gitHelper.verdict === 'plainFile' && !plainFileOk) throw appError('invalidInput', this.gitHelper.message);
    // As the shell: which token Git was given is recorded (no secret) for Regenerate and revoke.
    if (this.keychain.available) this.handedToGit.set(token.organization, token.authorizationId);
    const target = `https://dev.azure.com/${token.organization}`;
    this.recordHandOff({
      authorizationId: token.authorizationId,
      organization: token.organization,
      tool: 'git',
      place: this.gitHelper.helpers.join(', '),
      target,
      name: null,
      plainText: this.gitHelper.verdict === 'plainFile',
      handedAt: this.now.toISOString(),
    });
    return `Git will now use this token for ${target}: git clone, pull and push there no longer ask for a password. ${this.gitHelper.message}`;
  }

  async nugetStatus(): Promise<NuGetStatus> {
    await this.enter('nugetStatus');
    return { ...this.nuget };
  }

  async useCreatedTokenWithNuget(feedUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string> {
    await this.enter('useCreatedTokenWithNuget', [feedUrl, plainTextOk, ...(authorizationId === undefined ? [] : [authorizationId])]);
    const { token } = this.createdFor(authorizationId);
    checkFeed(feedUrl, token.organization);
    const name = feedName(feedUrl);
    if (name === null) throw appError('invalidInput', 'This is not the address of an Azure Artifacts feed.');
    if (this.nuget.client === null) throw appError('invalidInput', 'No NuGet client was found on this computer.');
    if (this.nuget.plainTextOnly && !plainTextOk) throw appError('invalidInput', this.nuget.message);
    this.recordHandOff({
      authorizationId: token.authorizationId,
      organization: token.organization,
      tool: 'nuget',
      place: `${this.nuget.client} (your NuGet configuration)`,
      target: feedUrl.trim(),
      name,
      plainText: this.nuget.plainTextOnly,
      handedAt: this.now.toISOString(),
    });
    return this.nuget.plainTextOnly
      ? `NuGet now uses this token for the feed ${name}. It keeps it in plain text in your NuGet configuration, as you chose.`
      : `NuGet now uses this token for the feed ${name}; it keeps it encrypted for your account.`;
  }

  async copyNugetCredentialSnippet(feedUrl: string, authorizationId?: string, shell?: SnippetShell): Promise<void> {
    await this.enter('copyNugetCredentialSnippet', [
      feedUrl,
      ...(authorizationId === undefined && shell === undefined ? [] : [authorizationId]),
      ...(shell === undefined ? [] : [shell]),
    ]);
    const { token, secret } = this.createdFor(authorizationId);
    if (feedUrl.trim() === '') throw appError('invalidInput', 'Enter the feed\'s address first.');
    checkFeed(feedUrl, token.organization);
    const json = JSON.stringify({ endpointCredentials: [{ endpoint: feedUrl.trim(), username: token.organization, password: secret }] });
    this.clipboardText = feedEndpointsLine(json, shell ?? 'posix');
    if (this.autoCountdown) this.startCountdown();
  }

  async useCreatedTokenWithNpm(registryUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string> {
    await this.enter('useCreatedTokenWithNpm', [registryUrl, plainTextOk, ...(authorizationId === undefined ? [] : [authorizationId])]);
    const { token } = this.createdFor(authorizationId);
    checkFeed(registryUrl, token.organization);
    const name = feedName(registryUrl);
    if (name === null || !/\/npm\/registry\/?$/i.test(registryUrl.trim())) {
      throw appError('invalidInput', 'This is not the address of an Azure Artifacts npm feed.');
    }
    if (!plainTextOk) throw appError('invalidInput', 'npm keeps credentials only in plain text.');
    this.recordHandOff({
      authorizationId: token.authorizationId,
      organization: token.organization,
      tool: 'npm',
      place: 'npm (the .npmrc in your home folder)',
      target: registryUrl.trim(),
      name,
      plainText: true,
      handedAt: this.now.toISOString(),
    });
    return `npm now uses this token for the feed ${name}. It keeps it in plain text in the .npmrc in your home folder, as you chose.`;
  }

  async npmEnvLines(registryUrl: string, authorizationId?: string): Promise<string> {
    await this.enter('npmEnvLines', [registryUrl, ...(authorizationId === undefined ? [] : [authorizationId])]);
    const { token } = this.createdFor(authorizationId);
    checkFeed(registryUrl, token.organization);
    const match = /^https?:\/\/([^/]+)(\/.*\/_packaging\/[^/]+)\/npm\/registry\/?$/i.exec(registryUrl.trim());
    if (!match) throw appError('invalidInput', 'This is not the address of an Azure Artifacts npm feed.');
    const base = `//${match[1]}${match[2]}`;
    const lines = [`${base}/npm/registry/`, `${base}/npm/`].flatMap((prefix) => [
      `${prefix}:username=${token.organization}`,
      `${prefix}:_password=\${AZDO_NPM_PAT_B64}`,
      `${prefix}:email=npm requires email to be set but doesn't use the value`,
    ]);
    return `; begin auth token\n${lines.join('\n')}\n; end auth token\n`;
  }

  async pipStatus(): Promise<PipStatus> {
    await this.enter('pipStatus');
    return { ...this.pip };
  }

  async useCreatedTokenWithPip(indexUrl: string, plainTextOk: boolean, authorizationId?: string): Promise<string> {
    await this.enter('useCreatedTokenWithPip', [indexUrl, plainTextOk, ...(authorizationId === undefined ? [] : [authorizationId])]);
    const { token } = this.createdFor(authorizationId);
    checkFeed(indexUrl, token.organization);
    const name = feedName(indexUrl);
    if (name === null || !/\/pypi\/simple\/?$/i.test(indexUrl.trim())) {
      throw appError('invalidInput', 'This is not the address of an Azure Artifacts Python feed.');
    }
    if (!this.pip.pip) throw appError('invalidInput', this.pip.message);
    const keychain = this.pip.keyring !== null && this.keychain.available;
    if (!keychain && !plainTextOk) throw appError('invalidInput', this.pip.message);
    this.recordHandOff({
      authorizationId: token.authorizationId,
      organization: token.organization,
      tool: 'pip',
      place: keychain ? 'pip (your system keychain, through python-keyring)' : 'pip (pip.conf in your home folder)',
      target: indexUrl.trim(),
      name,
      plainText: !keychain,
      handedAt: this.now.toISOString(),
    });
    return keychain
      ? `pip now uses this token for the feed ${name}: it finds it in your system keychain, and pip.conf holds only the feed's address.`
      : `pip now uses this token for the feed ${name}. It keeps it in plain text in pip.conf in your home folder, as you chose.`;
  }

  async handOffs(): Promise<HandOffRecord> {
    await this.enter('handOffs');
    return { handOffs: this.handOffRecords.map((h) => ({ ...h })), notice: this.handOffNotice };
  }

  async removeCopies(tokens: TokenRef[]): Promise<CopyResult[]> {
    await this.enter('removeCopies', [tokens.map((t) => ({ ...t }))]);
    const results: CopyResult[] = [];
    for (const t of tokens) {
      for (const h of this.handOffRecords.filter((r) => r.authorizationId === t.authorizationId)) {
        this.handOffRecords.splice(this.handOffRecords.indexOf(h), 1);
        if (h.tool === 'git') this.handedToGit.delete(h.organization);
        results.push({ authorizationId: h.authorizationId, label: handOffLabel(h), place: h.place, done: true, error: null, needsGoAhead: false });
      }
      if (this.saved.has(t.authorizationId)) {
        this.saved.delete(t.authorizationId);
        results.push({ authorizationId: t.authorizationId, label: 'Keychain', place: "PAT Desk's entry in your system keychain", done: true, error: null, needsGoAhead: false });
      }
    }
    return results;
  }

  /** As the shell's record: a newer hand-off to the same place replaces the older one. */
  private recordHandOff(record: HandOff): void {
    const same = this.handOffRecords.findIndex(
      (h) => h.tool === record.tool && h.target.toLowerCase() === record.target.toLowerCase() && (h.name ?? '') === (record.name ?? ''),
    );
    if (same >= 0) this.handOffRecords.splice(same, 1);
    this.handOffRecords.push(record);
  }

  async currentSession(): Promise<SessionInfo | null> {
    await this.enter('currentSession');
    if (!this.session && !this.restoreTried && this.keychain.available && this.remembered.length > 0) {
      this.session = this.sessionFor(this.remembered[0]);
    }
    this.restoreTried = true;
    return this.session;
  }

  async signOut(): Promise<void> {
    await this.enter('signOut');
    if (this.session && !this.session.demo) {
      const label = this.session.accountLabel;
      this.remembered = this.remembered.filter((a) => a.username !== label);
    }
    this.session = null;
  }

  async validateOrganization(input: string): Promise<Organization> {
    await this.enter('validateOrganization', [input]);
    const name = parseOrganization(input);
    if (!name) {
      throw appError(
        'invalidOrganization',
        'That does not look like an Azure DevOps organization. Use its name, or an address like https://dev.azure.com/your-org.',
      );
    }
    const known = demoOrganizations.find((org) => org.name === name);
    return known ?? { id: `org-${name}`, name, url: `https://dev.azure.com/${name}` };
  }

  /** From now on, listing `organization` fails with this error (one line in the window, the rest listed). */
  refuseListing(organization: string, code: ErrorCode, message: string): void {
    this.listingRefusals.set(organization, appError(code, message));
  }

  /** Listing `organization` works again (for a Retry of that organization). */
  allowListing(organization: string): void {
    this.listingRefusals.delete(organization);
  }

  async listTokens(filter: ListFilter, onProgress: (listed: number) => void, organizations?: string[]): Promise<TokenListing> {
    // A hold on listTokens stops after the first organization, so a test sees the progress mid-way.
    await this.enter('listTokens', organizations ? [filter, organizations] : [filter], { holdAtEntry: false });
    this.requireSession();
    const places = this.session?.profile.organizations ?? demoOrganizations;
    const orgs = places.filter((org) => !organizations || organizations.includes(org.name));
    for (let index = 0; index < orgs.length; index++) {
      onProgress(index + 1);
      if (index === 0) await this.holds.get('listTokens')?.promise;
    }
    const unavailable = orgs
      .filter((org) => this.listingRefusals.has(org.name))
      .map((org) => ({ organization: org, error: { ...this.listingRefusals.get(org.name)! } }));
    if (orgs.length > 0 && unavailable.length === orgs.length) throw unavailable[0].error;
    const listed = new Set(orgs.filter((org) => !this.listingRefusals.has(org.name)).map((org) => org.name));
    // As the core does: a global token past the retirement (by the server's "now") stopped working.
    const retired = Date.now() >= Date.parse(this.globalPatRetirement);
    const tokens = this.tokens
      .filter((token) => filter === 'all' || token.status === filter)
      .filter((token) => listed.has(token.organization) || (token.isGlobal && listed.size > 0))
      .map((t) => ({ ...t, stoppedWorking: t.isGlobal && t.status !== 'revoked' && retired }));
    return { tokens, unavailable };
  }

  async scopeCatalogue(): Promise<ScopeCatalogue> {
    await this.enter('scopeCatalogue');
    return demoCatalogue;
  }

  async createToken(request: NewTokenRequest): Promise<CreatedToken> {
    await this.enter('createToken', [request]);
    // As in the shell: a new token replaces the secrets kept before, even if creating it fails.
    this.created = [];
    return this.mint(request);
  }

  /** Where `exportTokens` says it saved (the save dialog's answer); null plays "Cancel". */
  exportPath: string | null = '~/Documents/pat-desk-tokens.csv';

  async exportTokens(tokens: PatToken[], format: ExportFormat): Promise<string | null> {
    await this.enter('exportTokens', [tokens.map((t) => t.displayName), format]);
    return this.exportPath;
  }

  async planReplacement(organization: string, authorizationId: string): Promise<ReplacementPlan> {
    await this.enter('planReplacement', [organization, authorizationId]);
    this.requireSession();
    const original = this.tokens.find((t) => t.authorizationId === authorizationId);
    if (!original) throw appError('tokenNotFound', 'The token to replace no longer exists. Refresh the list.');
    if (!original.isGlobal) throw appError('invalidInput', `“${original.displayName}” already works in one organization only.`);
    // The core's `replacement::plan`: the old expiry while it is ahead and within a year, else 90 days.
    const validTo = new Date(original.validTo).getTime();
    const keepsExpiry = validTo > this.now.getTime() && validTo - this.now.getTime() <= 364 * DAY;
    return {
      original: { ...original },
      replacements: demoOrganizations.map((org) => ({
        organization: org.name,
        displayName: `${original.displayName} (${org.name})`,
        scopes: original.scope.split(' ').filter(Boolean),
        lifespan: keepsExpiry ? { kind: 'until', date: original.validTo.slice(0, 10) } : { kind: 'days', days: 90 },
        keepsExpiry,
      })),
    };
  }

  async createReplacement(request: NewTokenRequest): Promise<CreatedToken> {
    await this.enter('createReplacement', [request]);
    return this.mint(request);
  }

  async revokeReplacedToken(original: TokenRef, chosen: ChosenReplacement[]): Promise<RevokeResult> {
    await this.enter('revokeReplacedToken', [{ ...original }, chosen.map((c) => ({ ...c }))]);
    if (chosen.length === 0) throw appError('invalidInput', 'Create at least one replacement before revoking the old token.');
    for (const line of chosen) {
      const made = this.tokens.find((t) => t.authorizationId === line.authorizationId);
      if (!line.authorizationId || !made || made.status !== 'active' || made.organization !== line.organization) {
        throw appError(
          'invalidInput',
          `The new token for ${line.organization} has not been created yet, so PAT Desk left the old token alone.`,
        );
      }
    }
    return this.revokeOne({ ...original, displayName: '' });
  }

  /** Creates a token as the shell does, keeping its secret beside those already kept. */
  private mint(request: NewTokenRequest): CreatedToken {
    this.requireSession();
    const org = demoOrganizations.find((o) => o.name === request.organization);
    if (!org) throw appError('invalidInput', `You are not a member of the organization “${request.organization}”.`);
    // The core's `validate_display_name`: the same rule and sentences, code `invalidDisplayName`.
    const nameError = tokenNameError(request.displayName);
    if (nameError) throw appError('invalidDisplayName', nameError);
    const name = trimName(request.displayName);
    const refusal = this.creationRefusals.get(org.name);
    if (refusal) throw { ...refusal };
    if (this.policy.restrictCreation) {
      throw appError(
        'policyCreationRestricted',
        'Your organization only lets certain people create personal access tokens. Ask an administrator to add you.',
      );
    }
    const fullAccess = request.scopes.length === 0 || request.scopes.includes(demoCatalogue.fullAccess.scope);
    if (fullAccess && this.policy.restrictFullScope) {
      throw appError(
        'policyFullScope',
        'Your organization does not allow full-access tokens. Choose the scopes the token needs.',
      );
    }
    const today = new Date(this.now);
    const { validTo, clampedFrom } = this.expiryFor(request.lifespan);
    const scope = fullAccess ? demoCatalogue.fullAccess.scope : request.scopes.join(' ');
    const token: PatToken = {
      authorizationId: `new-${++this.secretCounter}-${Date.now().toString(36)}`,
      displayName: name,
      scope,
      scopeSummary: describeScope(scope),
      targetOrganizations: [org],
      isGlobal: false,
      stoppedWorking: false,
      validFrom: today.toISOString(),
      validTo: validTo.toISOString(),
      status: 'active',
      organization: org.name,
    };
    this.tokens.unshift(token);
    const secret = makeSecret(this.secretCounter);
    this.created.push({ token: { ...token }, secret });
    // As the shell: the value stays here; the window gets it only through `revealSecret`.
    return { token: { ...token }, clampedFrom };
  }

  /** The expiry a lifespan asks for, shortened or refused by the lifespan policy, as the simulator does. */
  private expiryFor(lifespan: Lifespan): { validTo: Date; clampedFrom: string | null } {
    const today = new Date(this.now);
    let validTo =
      lifespan.kind === 'days'
        ? new Date(today.getTime() + lifespan.days * DAY)
        : new Date(`${lifespan.date}T23:59:59Z`);
    let clampedFrom: string | null = null;
    const limit = this.policy.maxLifespanDays;
    if (limit && validTo.getTime() > today.getTime() + limit.days * DAY) {
      if (limit.mode === 'refuse') {
        throw appError(
          'policyLifespan',
          `Your organization allows tokens to last at most ${limit.days} days. Choose a shorter lifespan.`,
        );
      }
      clampedFrom = validTo.toISOString();
      validTo = new Date(today.getTime() + limit.days * DAY);
    }
    return { validTo, clampedFrom };
  }

  async updateToken(request: UpdateTokenRequest): Promise<UpdatedToken> {
    await this.enter('updateToken', [request]);
    this.requireSession();
    const token = this.tokens.find((t) => t.authorizationId === request.authorizationId);
    if (!token) throw appError('tokenNotFound', 'This token no longer exists. Refresh the list to see your current tokens.');
    // The simulator's default (contract §11 #6): revoked and expired tokens cannot be changed.
    if (token.status === 'revoked') {
      throw appError('tokenInvalid', 'This token has been revoked and can no longer be changed. Refresh the list, or create a new token.');
    }
    if (token.status === 'expired' || Date.parse(token.validTo) <= this.now.getTime()) {
      throw appError(
        'expiredCannotExtend',
        'This token has already expired and can no longer be extended. Regenerate it to get a new token with the same name and permissions.',
      );
    }
    let name = token.displayName;
    if (request.displayName !== undefined) {
      const nameError = tokenNameError(request.displayName);
      if (nameError) throw appError('invalidDisplayName', nameError);
      name = trimName(request.displayName);
    }
    let scope = token.scope;
    if (request.scopes) {
      if (request.scopes.length === 0) throw appError('invalidScope', 'Choose at least one permission, or Full access.');
      const fullAccess = request.scopes.includes(demoCatalogue.fullAccess.scope);
      if (fullAccess && this.policy.restrictFullScope) {
        throw appError('policyFullScope', 'Your organization does not allow full-access tokens. Choose the scopes the token needs.');
      }
      scope = fullAccess ? demoCatalogue.fullAccess.scope : request.scopes.join(' ');
    }
    const expiry = request.lifespan ? this.expiryFor(request.lifespan) : null;
    token.displayName = name;
    token.scope = scope;
    token.scopeSummary = describeScope(scope);
    if (expiry) token.validTo = expiry.validTo.toISOString();
    return { token: { ...token }, clampedFrom: expiry?.clampedFrom ?? null };
  }

  async regenerateToken(request: RegenerateRequest): Promise<RegeneratedToken> {
    await this.enter('regenerateToken', [request]);
    this.requireSession();
    const old = this.tokens.find((t) => t.authorizationId === request.authorizationId);
    if (!old) throw appError('tokenNotFound', 'This token no longer exists. Refresh the list to see your current tokens.');
    if (old.isGlobal) {
      throw appError(
        'globalPatRetired',
        'This token works in all organizations, and such tokens can no longer be created. Use Replace to make a token for one organization instead.',
      );
    }
    // As the core: the new token first, then the old one revoked; as the shell, it replaces the secrets kept before.
    this.created = [];
    const created = this.mint({
      organization: old.organization,
      displayName: old.displayName,
      scopes: old.scope.split(' ').filter(Boolean),
      lifespan: request.lifespan,
    });
    const replaced: ReplacedCopy[] = [];
    const kept = this.saved.get(old.authorizationId);
    if (kept && this.keychain.available) {
      this.saved.delete(old.authorizationId);
      this.saved.set(created.token.authorizationId, {
        token: {
          organization: created.token.organization,
          authorizationId: created.token.authorizationId,
          displayName: created.token.displayName,
          validTo: created.token.validTo,
          savedAt: this.now.toISOString(),
        },
        secret: this.createdFor(created.token.authorizationId).secret,
      });
      replaced.push('keychain');
    }
    if (this.keychain.available && this.handedToGit.get(old.organization) === old.authorizationId) {
      this.handedToGit.set(old.organization, created.token.authorizationId);
      replaced.push('git');
    }
    // Every place in the record of hand-offs gets the new value (as the core's copies::replace_recorded_copies),
    // unless the person unticked it.
    const recorded = request.updateCopies === false ? [] : this.handOffRecords;
    for (const h of recorded.filter((r) => r.authorizationId === old.authorizationId)) {
      h.authorizationId = created.token.authorizationId;
      if (!replaced.includes(h.tool)) replaced.push(h.tool);
    }
    const previous = this.revokeOne({ organization: old.organization, authorizationId: old.authorizationId, displayName: old.displayName });
    return { created, previous, replaced, replaceError: null };
  }

  async revokeToken(organization: string, authorizationId: string): Promise<RevokeResult> {
    await this.enter('revokeToken', [organization, authorizationId]);
    return this.revokeOne({ organization, authorizationId, displayName: '' });
  }

  async bulkRevoke(items: BulkItem[], onProgress: (progress: BulkProgress) => void): Promise<BulkSummary> {
    await this.enter('bulkRevoke', [items.map((item) => ({ ...item }))]);
    return this.runBulk(items, onProgress);
  }

  async retryFailedRevokes(onProgress: (progress: BulkProgress) => void): Promise<BulkSummary> {
    await this.enter('retryFailedRevokes');
    // The core's `bulk::retry_failed`: the failed ones of the last run, not the cancelled ones.
    const last = this.lastBulk;
    const failed = new Set(
      (last?.summary.results ?? [])
        .filter((r) => r.outcome.kind === 'failed' && r.outcome.error.code !== 'cancelled')
        .map((r) => r.authorizationId),
    );
    const again = (last?.items ?? []).filter((item) => failed.has(item.authorizationId));
    if (again.length === 0) throw appError('invalidInput', 'Nothing failed in the last bulk revoke, so there is nothing to try again.');
    return this.runBulk(again, onProgress);
  }

  /** The last bulk run, as the shell keeps it for "Retry failed". */
  private lastBulk: { items: BulkItem[]; summary: BulkSummary } | null = null;

  private async runBulk(items: BulkItem[], onProgress: (progress: BulkProgress) => void): Promise<BulkSummary> {
    this.bulkCancelled = false;
    const results: RevokeResult[] = [];
    for (const item of items) {
      if (this.bulkPauseAfter !== null && results.length >= this.bulkPauseAfter) {
        this.bulkResume = deferred();
        await this.bulkResume.promise;
        this.bulkResume = null;
      }
      if (this.bulkCancelled) break;
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const result = this.revokeOne(item);
      results.push(result);
      onProgress({ done: results.length, total: items.length, latest: result });
    }
    this.bulkPauseAfter = null;
    const count = (kind: string) => results.filter((r) => r.outcome.kind === kind).length;
    const summary = {
      results,
      revoked: count('revoked'),
      alreadyGone: count('alreadyGone'),
      failed: count('failed'),
      cancelled: items.length - results.length,
    };
    this.lastBulk = { items: items.map((item) => ({ ...item })), summary };
    return summary;
  }

  async cancelBulkRevoke(): Promise<void> {
    this.calls.push({ method: 'cancelBulkRevoke', args: [] });
    this.bulkCancelled = true;
    this.bulkResume?.resolve();
  }

  async copySecret(authorizationId?: string): Promise<void> {
    await this.enter('copySecret', authorizationId === undefined ? [] : [authorizationId]);
    this.clipboardText = this.createdFor(authorizationId).secret;
    if (this.autoCountdown) this.startCountdown();
  }

  async revealSecret(authorizationId: string): Promise<string> {
    await this.enter('revealSecret', [authorizationId]);
    const created = this.created.find((c) => c.token.authorizationId === authorizationId);
    if (!created) throw appError('tokenNotFound', 'There is no new token to show any more. Create a new token to get a value.');
    if (created.revealed) {
      throw appError('notAllowed', "This token's value was already shown once. Use Copy to put it on the clipboard.");
    }
    created.revealed = true;
    return created.secret;
  }

  /** The value of the created token `authorizationId` as the shell holds it (for tests; not a backend call). */
  heldSecret(authorizationId?: string): string {
    return this.createdFor(authorizationId).secret;
  }

  async clearClipboard(): Promise<void> {
    await this.enter('clearClipboard');
    this.stopCountdown();
    this.emitCountdown(0, true);
  }

  async forgetCreatedSecret(authorizationId?: string): Promise<void> {
    await this.enter('forgetCreatedSecret', authorizationId === undefined ? [] : [authorizationId]);
    this.created = authorizationId === undefined ? [] : this.created.filter((c) => c.token.authorizationId !== authorizationId);
  }

  /** Whether a created secret is still held (what `forget_created_secret` drops). */
  get holdsSecret(): boolean {
    return this.created.length > 0;
  }

  /** How many created secrets are held. */
  get heldSecrets(): number {
    return this.created.length;
  }

  private createdFor(authorizationId?: string): { token: PatToken; secret: string } {
    const created =
      authorizationId === undefined ? this.created.at(-1) : this.created.find((c) => c.token.authorizationId === authorizationId);
    if (!created) throw appError('tokenNotFound', 'There is no new token to keep any more. Create a new token first.');
    return created;
  }

  async about(): Promise<AboutInfo> {
    await this.enter('about');
    return { ...this.aboutInfo };
  }

  /** The window's zoom level, as the shell keeps it. */
  zoomLevel = 1;

  async zoom(step: ZoomStep): Promise<number> {
    await this.enter('zoom', [step]);
    const levels = [0.5, 0.67, 0.75, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3];
    const index = levels.indexOf(this.zoomLevel);
    this.zoomLevel = step === 'reset' ? 1 : levels[Math.min(levels.length - 1, Math.max(0, index + (step === 'in' ? 1 : -1)))];
    return this.zoomLevel;
  }

  async copyDiagnostics(): Promise<void> {
    await this.enter('copyDiagnostics');
    this.clipboardText = this.diagnostics;
  }

  async settings(): Promise<SettingsView> {
    await this.enter('settings');
    return {
      settings: { ...this.savedSettings },
      defaults: defaultSettings(),
      notice: this.settingsNotice,
      overrides: [...this.settingOverrides],
    };
  }

  async saveSettings(settings: Settings): Promise<SettingsView> {
    await this.enter('saveSettings', [settings]);
    const next = { ...settings, clientId: settings.clientId.trim(), authority: settings.authority.trim() };
    // The same rules as patdesk_core::settings.
    if (![10, 20, 30, 60, 120, 300].includes(next.clipboardClearSeconds)) {
      throw appError('invalidInput', 'Choose how long a copied token stays on the clipboard from the list.');
    }
    if (!isGuid(next.clientId)) {
      throw appError('invalidClientId', 'A client id looks like 872cd9fa-d31f-45e0-9eab-6e460a02d1f1. Copy it from your app registration, or choose Reset to defaults.');
    }
    const authority = next.authority.toLowerCase();
    if (!(authority === 'organizations' || authority === 'common' || isGuid(authority) || /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z][a-z0-9-]*$/.test(authority))) {
      throw appError('invalidAuthority', 'The authority must be organizations, common, your tenant id or your tenant\'s domain. Choose Reset to defaults if you are not sure.');
    }
    this.savedSettings = next;
    this.settingsNotice = null;
    return { settings: { ...next }, defaults: defaultSettings(), notice: null, overrides: [...this.settingOverrides] };
  }

  onClipboardCountdown(callback: (countdown: ClipboardCountdown) => void): Unsubscribe {
    this.countdownListeners.add(callback);
    return () => this.countdownListeners.delete(callback);
  }

  // ---- internals ---------------------------------------------------------------------------

  private restoreTried = false;

  private waitForSignIn(): Promise<SessionInfo> {
    if (!this.holdSignIn) return Promise.resolve(this.signInAs());
    this.pendingSignIn?.reject(appError('signInCancelled', 'A new sign-in started.'));
    return new Promise((resolve, reject) => (this.pendingSignIn = { resolve, reject }));
  }

  /** The demo person signed in for real (and remembered, when the keychain allows). */
  private signInAs(): SessionInfo {
    const account: AccountSummary = {
      tenantId: 'contoso-tenant',
      userId: demoProfile.id,
      username: demoProfile.email,
      displayName: demoProfile.displayName,
      current: true,
    };
    if (this.keychain.available && !this.remembered.some((a) => a.username === account.username)) {
      this.remembered.unshift(account);
    }
    this.session = this.sessionFor(account);
    return this.session;
  }

  private sessionFor(account: AccountSummary): SessionInfo {
    return {
      profile: { ...demoProfile, displayName: account.displayName ?? account.username, email: account.username },
      demo: false,
      accountLabel: account.username,
      globalPatRetirement: this.globalPatRetirement,
      server: null,
    };
  }

  private demoSession(): SessionInfo {
    return {
      profile: demoProfile,
      demo: true,
      accountLabel: 'Demo account',
      globalPatRetirement: this.globalPatRetirement,
      server: null,
    };
  }

  private requireSession(): void {
    if (!this.session) throw appError('sessionExpired', 'You are signed out. Sign in again to continue.');
  }

  /** Records the call, then applies latency, a hold (unless the method holds elsewhere) and injected errors. */
  private async enter(method: BackendMethod, args: unknown[] = [], { holdAtEntry = true } = {}): Promise<void> {
    this.calls.push({ method, args });
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const hold = holdAtEntry ? this.holds.get(method) : undefined;
    if (hold) await hold.promise;
    const failure = this.errors.get(method);
    if (failure) {
      if (!failure.persistent) this.errors.delete(method);
      throw { ...failure.error };
    }
  }

  private revokeOne(item: BulkItem): RevokeResult {
    const token = this.tokens.find((t) => t.authorizationId === item.authorizationId);
    const displayName = item.displayName || token?.displayName || item.authorizationId;
    const failure = this.failingRevokes.get(item.authorizationId);
    if (failure) return { authorizationId: item.authorizationId, displayName, outcome: { kind: 'failed', error: failure } };
    if (!token || token.status === 'revoked') {
      return { authorizationId: item.authorizationId, displayName, outcome: { kind: 'alreadyGone' } };
    }
    token.status = 'revoked';
    this.saved.delete(item.authorizationId);
    return { authorizationId: item.authorizationId, displayName, outcome: { kind: 'revoked' } };
  }

  private startCountdown(): void {
    this.stopCountdown();
    let left = 30;
    this.emitCountdown(left, false);
    this.countdownTimer = setInterval(() => {
      left -= 1;
      this.emitCountdown(left, left === 0);
      if (left === 0) this.stopCountdown();
    }, 1000);
  }

  private stopCountdown(): void {
    if (this.countdownTimer) clearInterval(this.countdownTimer);
    this.countdownTimer = null;
  }
}

/** Accepts `https://dev.azure.com/{org}`, `https://{org}.visualstudio.com` or a bare name. */
/**
 * An Azure DevOps Server address as the core's `ServerAddress::parse` reads it: http(s) (https when no scheme is
 * typed), a host that is not Azure DevOps Services, an optional `/tfs`, then the collection (what follows it, a
 * project or a page such as `_apis`, is dropped); null for anything else.
 */
export function parseServerAddress(input: string): { url: string; host: string; collection: string | null } | null {
  const text = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  const match = /^(https?):\/\/([^/?#\s:@]+)(:\d+)?((?:\/[^/?#\s]*)*)(?:[?#].*)?$/i.exec(withScheme);
  if (!match || text === '') return null;
  const [, scheme, host, port = '', path] = match;
  if (/^(.*\.)?dev\.azure\.com$/i.test(host) || /(^|\.)visualstudio\.com$/i.test(host)) return null;
  const segments = path.split('/').filter(Boolean);
  const virtualDirectory = segments[0]?.toLowerCase() === 'tfs' ? `/${segments[0]}` : '';
  const rest = virtualDirectory ? segments.slice(1) : segments;
  const collection = rest[0] && !rest[0].startsWith('_') ? rest[0] : null;
  return { url: `${scheme.toLowerCase()}://${host.toLowerCase()}${port}${virtualDirectory}`, host: host.toLowerCase(), collection };
}

/** As the core's `server::plain_http`: `http://` off this computer is unencrypted; its origin and label. */
export function plainHttpOf(url: string): { unencrypted: boolean; origin: string; label: string } {
  const match = /^(https?):\/\/([^/:]+|\[[^\]]+\])(:\d+)?/i.exec(url);
  const [, scheme = '', host = '', port = ''] = match ?? [];
  const loopback = /^(localhost|127(\.\d+){3}|\[::1\])$/i.test(host);
  return {
    unencrypted: scheme.toLowerCase() === 'http' && !loopback,
    origin: `${scheme.toLowerCase()}://${host.toLowerCase()}${port}`,
    label: `${host.toLowerCase()}${port}`,
  };
}

export function parseOrganization(input: string): string | null {
  const text = input.trim();
  const namePattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,48}[A-Za-z0-9]?$/;
  let name: string | null = null;
  const devAzure = /^(?:https?:\/\/)?dev\.azure\.com\/([^/?#\s]+)\/?(?:[?#].*)?$/i.exec(text);
  const vsCom = /^(?:https?:\/\/)?([^./\s]+)\.visualstudio\.com\/?(?:[?#].*)?$/i.exec(text);
  if (devAzure) name = devAzure[1];
  else if (vsCom) name = vsCom[1];
  else if (!text.includes('/') && !text.includes('.')) name = text;
  return name && namePattern.test(name) ? name.toLowerCase() : null;
}

function makeSecret(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const random = seeded(1000 + n);
  let secret = '';
  for (let i = 0; i < 84; i++) secret += alphabet[Math.floor(random() * alphabet.length)];
  return secret;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

