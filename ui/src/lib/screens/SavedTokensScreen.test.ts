import { describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import SavedTokensScreen from './SavedTokensScreen.svelte';
import { defaultSettings, TestBackend } from '$lib/backend/TestBackend';
import type { ServerSessionInfo, SessionInfo } from '$lib/ipc';

const services: SessionInfo = {
  profile: { id: 'dana', displayName: 'Dana Whitfield', email: 'dana@contoso.example', initials: 'DW', organizations: [] },
  demo: false,
  accountLabel: 'dana@contoso.example',
  globalPatRetirement: '2026-12-01T00:00:00Z',
  server: null,
};

function onServer(signedInWith: ServerSessionInfo['signedInWith']): SessionInfo {
  return {
    ...services,
    server: {
      url: 'https://tfs.contoso.local/tfs',
      host: 'tfs.contoso.local',
      signedInWith,
      allCollections: 'All accessible collections',
      lifespanPresets: [30, 90],
      plainHttpChosenAt: null,
    },
  };
}

async function remembered(session: SessionInfo, backend = new TestBackend({ signedIn: true }), memoryOnly = false) {
  render(SavedTokensScreen, { backend, memoryOnly, session });
  await screen.findByTestId('saved-empty');
  return screen.queryByTestId('remembered-sign-in');
}

describe('Saved tokens: the remembered sign-in', () => {
  it('says the remembered Microsoft sign-in can do everything in Azure DevOps, and how to remove it', async () => {
    await remembered(services);
    const card = await screen.findByTestId('remembered-sign-in');
    expect(card).toHaveTextContent('can do everything you can do in Azure DevOps');
    expect(card).toHaveTextContent('Settings › Advanced can limit it');
    expect(card).toHaveTextContent('To remove it, sign out on your profile.');
  });

  it('follows the narrower choice of Settings › Advanced', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.savedSettings = { ...defaultSettings(), signInScopes: 'tokensOnly' };
    await remembered(services, backend);
    const card = await screen.findByTestId('remembered-sign-in');
    expect(card).toHaveTextContent('only read your profile and manage your personal access tokens');
    expect(card).not.toHaveTextContent('everything');
  });

  it('names what a server sign-in keeps in the keychain: the Windows password or the token', async () => {
    await remembered(onServer('windows'));
    expect(screen.getByTestId('remembered-sign-in')).toHaveTextContent(
      'holds the Windows password you signed in to tfs.contoso.local with',
    );
    cleanup();
    await remembered(onServer('personalAccessToken'));
    expect(screen.getByTestId('remembered-sign-in')).toHaveTextContent('holds the token you signed in to');
  });

  it('keeps no password for the current Windows user', async () => {
    const card = await remembered(onServer('currentWindowsUser'));
    expect(card).toHaveTextContent('keeps no password');
    expect(card).not.toHaveTextContent('sign out');
  });

  it('says nothing of a remembered sign-in in the demo or without a keychain', async () => {
    expect(await remembered({ ...services, demo: true })).toBeNull();
    cleanup();
    expect(await remembered(services, new TestBackend({ signedIn: true }), true)).toBeNull();
  });
});
