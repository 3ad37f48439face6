// Pins what TauriBackend sends over IPC: the command names and argument names of docs/ipc.md, channels
// for progress, the `clipboard-countdown` event, and AppError rejections passed through unchanged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { Channel } from '@tauri-apps/api/core';
import { emit } from '@tauri-apps/api/event';
import { TauriBackend } from './TauriBackend';
import type { BulkProgress, ClipboardCountdown, NewTokenRequest } from '$lib/ipc';

type Call = { cmd: string; args: Record<string, unknown> };

function record(answer: (call: Call) => unknown = () => null): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, args) => {
      const call = { cmd, args: (args ?? {}) as Record<string, unknown> };
      if (!cmd.startsWith('plugin:event')) calls.push(call);
      return answer(call);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

afterEach(() => clearMocks());

describe('TauriBackend', () => {
  it('reads and saves the settings, passing a refusal through unchanged', async () => {
    const settings = {
      clipboardClearSeconds: 10,
      notifications: false,
      theme: 'dark' as const,
      clientId: '872cd9fa-d31f-45e0-9eab-6e460a02d1f1',
      authority: 'common',
      signInScopes: 'tokensOnly' as const,
      plainHttpServers: [{ server: 'http://tfs.contoso.local:8080', chosenAt: '2026-12-01T10:00:00Z' }],
    };
    const calls = record((call) => {
      if (call.cmd === 'save_settings' && (call.args.settings as { authority: string }).authority === 'consumers') {
        throw { code: 'invalidAuthority', message: 'Not an authority.' };
      }
      return { settings, defaults: settings, notice: null };
    });
    const backend = new TauriBackend();
    expect((await backend.settings()).settings).toEqual(settings);
    await backend.saveSettings(settings);
    await expect(backend.saveSettings({ ...settings, authority: 'consumers' })).rejects.toEqual({
      code: 'invalidAuthority',
      message: 'Not an authority.',
    });
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ['settings', {}],
      ['save_settings', { settings }],
      ['save_settings', { settings: { ...settings, authority: 'consumers' } }],
    ]);
  });

  it('sends every command with the names of docs/ipc.md', async () => {
    const calls = record();
    const backend = new TauriBackend();
    const request = {
      organization: 'contoso',
      displayName: 'Laptop git',
      scopes: ['vso.code_write'],
      lifespan: { kind: 'days', days: 30 } as const,
    };
    await backend.startDemo();
    await backend.currentSession();
    await backend.signOut();
    await backend.validateOrganization('https://dev.azure.com/contoso');
    await backend.readSignInAddress('https://tfs.contoso.local/tfs');
    const serverSignIn = {
      address: 'https://tfs.contoso.local/tfs',
      credential: 'windows' as const,
      user: 'CONTOSO\\dana',
      secret: 'pw',
      remember: true,
    };
    await backend.signInToServer(serverSignIn);
    await backend.startServerDemo();
    await backend.findHttpsAddress('http://tfs.contoso.local:8080/tfs');
    await backend.choosePlainHttp('http://tfs.contoso.local:8080/tfs');
    await backend.forgetPlainHttp('http://tfs.contoso.local:8080/tfs');
    await backend.scopeCatalogue();
    await backend.createToken(request);
    await backend.updateToken({ organization: 'contoso', authorizationId: 'a1', displayName: 'Renamed' });
    await backend.regenerateToken({ organization: 'contoso', authorizationId: 'a1', lifespan: { kind: 'days', days: 30 } });
    await backend.revokeToken('contoso', 'a1');
    await backend.cancelBulkRevoke();
    await backend.copySecret();
    await backend.clearClipboard();
    await backend.forgetCreatedSecret();
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ['start_demo', {}],
      ['current_session', {}],
      ['sign_out', {}],
      ['validate_organization', { input: 'https://dev.azure.com/contoso' }],
      ['read_sign_in_address', { input: 'https://tfs.contoso.local/tfs' }],
      ['sign_in_to_server', { request: serverSignIn }],
      ['start_server_demo', {}],
      ['find_https_address', { address: 'http://tfs.contoso.local:8080/tfs' }],
      ['choose_plain_http', { address: 'http://tfs.contoso.local:8080/tfs' }],
      ['forget_plain_http', { address: 'http://tfs.contoso.local:8080/tfs' }],
      ['scope_catalogue', {}],
      ['create_token', { request }],
      ['update_token', { request: { organization: 'contoso', authorizationId: 'a1', displayName: 'Renamed' } }],
      ['regenerate_token', { request: { organization: 'contoso', authorizationId: 'a1', lifespan: { kind: 'days', days: 30 } } }],
      ['revoke_token', { organization: 'contoso', authorizationId: 'a1' }],
      ['cancel_bulk_revoke', {}],
      ['copy_secret', { authorizationId: null }],
      ['clear_clipboard', {}],
      ['forget_created_secret', { authorizationId: null }],
    ]);
  });

  it('sends the Replace assistant commands, and names the created token a secret command is about', async () => {
    const calls = record();
    const backend = new TauriBackend();
    const request: NewTokenRequest = {
      organization: 'contoso',
      displayName: 'n (contoso)',
      scopes: ['vso.code'],
      lifespan: { kind: 'days', days: 90 },
    };
    await backend.planReplacement('contoso', 'g1');
    await backend.createReplacement(request);
    await backend.revokeReplacedToken({ organization: 'contoso', authorizationId: 'g1' }, [
      { organization: 'contoso', authorizationId: 'n1' },
    ]);
    await backend.copySecret('n1');
    await backend.saveCreatedToken('n1');
    await backend.useCreatedTokenWithGit('n1');
    await backend.forgetCreatedSecret('n1');
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ['plan_replacement', { organization: 'contoso', authorizationId: 'g1' }],
      ['create_replacement', { request }],
      [
        'revoke_replaced_token',
        { original: { organization: 'contoso', authorizationId: 'g1' }, chosen: [{ organization: 'contoso', authorizationId: 'n1' }] },
      ],
      ['copy_secret', { authorizationId: 'n1' }],
      ['save_created_token', { authorizationId: 'n1' }],
      ['use_created_token_with_git', { authorizationId: 'n1', plainFileOk: false }],
      ['forget_created_secret', { authorizationId: 'n1' }],
    ]);
  });

  it('sends the sign-in, keychain and saved-token commands with their argument names', async () => {
    const calls = record();
    const backend = new TauriBackend();
    await backend.cancelSignIn();
    await backend.copyDeviceCode();
    await backend.copySignInAddress();
    await backend.keychainStatus();
    await backend.continueWithoutKeychain();
    await backend.accounts();
    await backend.switchAccount('t1', 'u1');
    await backend.addAccount();
    await backend.saveCreatedToken();
    await backend.savedTokens();
    await backend.copySavedToken('contoso', 'a1');
    await backend.forgetSavedToken('contoso', 'a1');
    await backend.gitStatus();
    await backend.useCreatedTokenWithGit(undefined, true);
    await backend.gitHelperCheck('n1');
    await backend.nugetStatus();
    await backend.useCreatedTokenWithNuget('https://pkgs.dev.azure.com/contoso/_packaging/feed/nuget/v3/index.json', true, 'n1');
    await backend.copyNugetCredentialSnippet('https://pkgs.dev.azure.com/contoso/_packaging/feed/nuget/v3/index.json', undefined, 'powerShell');
    await backend.useCreatedTokenWithNpm('https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/', true);
    await backend.npmEnvLines('https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/', 'n1');
    await backend.pipStatus();
    await backend.useCreatedTokenWithPip('https://pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/', false, 'n1');
    await backend.handOffs();
    await backend.removeCopies([{ organization: 'contoso', authorizationId: 'a1' }]);
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ['cancel_sign_in', {}],
      ['copy_device_code', {}],
      ['copy_sign_in_address', {}],
      ['keychain_status', {}],
      ['continue_without_keychain', {}],
      ['accounts', {}],
      ['switch_account', { tenantId: 't1', userId: 'u1' }],
      ['add_account', {}],
      ['save_created_token', { authorizationId: null }],
      ['saved_tokens', {}],
      ['copy_saved_token', { organization: 'contoso', authorizationId: 'a1' }],
      ['forget_saved_token', { organization: 'contoso', authorizationId: 'a1' }],
      ['git_status', {}],
      ['use_created_token_with_git', { authorizationId: null, plainFileOk: true }],
      ['git_helper_check', { authorizationId: 'n1' }],
      ['nuget_status', {}],
      [
        'use_created_token_with_nuget',
        { authorizationId: 'n1', feedUrl: 'https://pkgs.dev.azure.com/contoso/_packaging/feed/nuget/v3/index.json', plainTextOk: true },
      ],
      [
        'copy_nuget_credential_snippet',
        { authorizationId: null, feedUrl: 'https://pkgs.dev.azure.com/contoso/_packaging/feed/nuget/v3/index.json', shell: 'powerShell' },
      ],
      [
        'use_created_token_with_npm',
        { authorizationId: null, registryUrl: 'https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/', plainTextOk: true },
      ],
      ['npm_env_lines', { authorizationId: 'n1', registryUrl: 'https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/' }],
      ['pip_status', {}],
      [
        'use_created_token_with_pip',
        { authorizationId: 'n1', indexUrl: 'https://pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/', plainTextOk: false },
      ],
      ['hand_offs', {}],
      ['remove_copies', { tokens: [{ organization: 'contoso', authorizationId: 'a1' }] }],
    ]);
  });

  it('signs in with a channel that receives the authorize URL, and with a device code', async () => {
    const seen: string[] = [];
    const calls = record(({ cmd, args }) => {
      if (cmd === 'sign_in') {
        (args.onWaiting as Channel<unknown>).onmessage({ authorizeUrl: 'http://sim/authorize', browserOpened: false });
      }
      if (cmd === 'start_device_sign_in') {
        (args.onCode as Channel<unknown>).onmessage({
          userCode: 'ABCD1234',
          verificationUri: 'http://sim/devicelogin',
          message: 'm',
          expiresIn: 900,
        });
      }
      return null;
    });
    const backend = new TauriBackend();
    await backend.signIn('contoso', (w) => seen.push(w.authorizeUrl));
    await backend.startDeviceSignIn('contoso', (c) => seen.push(c.userCode));
    expect(calls.map((c) => [c.cmd, c.args.organization])).toEqual([
      ['sign_in', 'contoso'],
      ['start_device_sign_in', 'contoso'],
    ]);
    expect(calls[0].args.onWaiting).toBeInstanceOf(Channel);
    expect(seen).toEqual(['http://sim/authorize', 'ABCD1234']);
  });

  it('lists tokens with a filter and a progress channel', async () => {
    const progress: number[] = [];
    const calls = record(({ args }) => {
      const channel = args.onProgress as Channel<number>;
      channel.onmessage(1);
      channel.onmessage(2);
      return [];
    });
    await expect(new TauriBackend().listTokens('expired', (n) => progress.push(n))).resolves.toEqual([]);
    expect(calls[0].cmd).toBe('list_tokens');
    expect(calls[0].args.filter).toBe('expired');
    expect(calls[0].args.onProgress).toBeInstanceOf(Channel);
    expect(progress).toEqual([1, 2]);
  });

  it('bulk-revokes with items and a progress channel', async () => {
    const items = [{ organization: 'contoso', authorizationId: 'a1', displayName: 'One' }];
    const update: BulkProgress = {
      done: 1,
      total: 1,
      latest: { authorizationId: 'a1', displayName: 'One', outcome: { kind: 'revoked' } },
    };
    const seen: BulkProgress[] = [];
    const calls = record(({ args }) => {
      (args.onProgress as Channel<BulkProgress>).onmessage(update);
      return { results: [update.latest], revoked: 1, alreadyGone: 0, failed: 0, cancelled: 0 };
    });
    const summary = await new TauriBackend().bulkRevoke(items, (p) => seen.push(p));
    expect(calls[0].cmd).toBe('bulk_revoke');
    expect(calls[0].args.items).toEqual(items);
    expect(seen).toEqual([update]);
    expect(summary.revoked).toBe(1);

    // "Retry failed" sends no items: the shell keeps the last run and the core picks the failed ones.
    await new TauriBackend().retryFailedRevokes((p) => seen.push(p));
    expect(calls[1].cmd).toBe('retry_failed_revokes');
    expect(Object.keys(calls[1].args)).toEqual(['onProgress']);
    expect(seen).toEqual([update, update]);
  });

  it('passes AppError rejections through and wraps anything else', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    record(({ cmd }) => {
      if (cmd === 'validate_organization') throw { code: 'invalidOrganization', message: 'Not an organization.' };
      throw 'boom';
    });
    const backend = new TauriBackend();
    await expect(backend.validateOrganization('x y')).rejects.toEqual({ code: 'invalidOrganization', message: 'Not an organization.' });
    await expect(backend.startDemo()).rejects.toMatchObject({ code: 'internal' });
    expect(logged).toHaveBeenCalledWith('PAT Desk: unexpected error', 'boom');
    logged.mockRestore();
  });

  it('delivers clipboard-countdown events until unsubscribed', async () => {
    record();
    const seen: ClipboardCountdown[] = [];
    const stop = new TauriBackend().onClipboardCountdown((c) => seen.push(c));
    await new Promise((resolve) => setTimeout(resolve, 0)); // `listen` registers asynchronously
    await emit('clipboard-countdown', { secondsLeft: 30, cleared: false });
    await emit('clipboard-countdown', { secondsLeft: 29, cleared: false });
    stop();
    await emit('clipboard-countdown', { secondsLeft: 28, cleared: false });
    expect(seen).toEqual([
      { secondsLeft: 30, cleared: false },
      { secondsLeft: 29, cleared: false },
    ]);
  });
});
