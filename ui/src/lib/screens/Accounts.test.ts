// The keychain screen at start, restoring a remembered sign-in, and the account menu.
import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/svelte';
import { renderApp } from '../../test/render';
import { TestBackend } from '$lib/backend/TestBackend';

const unavailable = {
  available: false,
  memoryOnly: false,
  message: "PAT Desk can't reach your system keychain. Install or unlock GNOME Keyring (or KWallet), then reopen PAT Desk.",
};

const dana = { tenantId: 't-contoso', userId: 'u-dana', username: 'dana@contoso.example', displayName: 'Dana', current: false };
const sam = { tenantId: 't-contoso', userId: 'u-sam', username: 'sam@contoso.example', displayName: 'Sam', current: false };

describe('Keychain at start', () => {
  it('shows a plain screen when the keychain cannot be reached, and continues in memory only on request', async () => {
    const backend = new TestBackend();
    backend.keychain = { ...unavailable };
    const { user } = renderApp({}, backend);
    expect(await screen.findByTestId('keychain-screen')).toHaveTextContent("PAT Desk can't reach your system keychain");
    // The first sentence says what happened and what it means, not the title again.
    expect(screen.getByTestId('keychain-message')).toHaveTextContent(
      "Your keychain is missing or not answering, so PAT Desk can't remember your sign-in or save tokens on this computer.",
    );
    expect(screen.getByTestId('keychain-message')).not.toHaveTextContent("can't reach your system keychain");
    expect(screen.queryByTestId('org-input')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('keychain-continue'));
    expect(await screen.findByTestId('org-input')).toBeInTheDocument();
    expect(backend.callsOf('continueWithoutKeychain')).toHaveLength(1);
    // Signed in in memory only: nothing is remembered, and the menu says so.
    await user.type(screen.getByTestId('org-input'), 'contoso');
    await user.click(screen.getByTestId('sign-in-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    expect(backend.remembered).toEqual([]);
    await user.click(screen.getByTestId('account-menu-button'));
    expect(await screen.findByTestId('account-not-remembered')).toHaveTextContent('Not remembered');
  });

  it('tries the keychain again, and says when it is still unavailable', async () => {
    const backend = new TestBackend();
    backend.keychain = { ...unavailable };
    const { user } = renderApp({}, backend);
    await user.click(await screen.findByTestId('keychain-retry'));
    expect(await screen.findByTestId('keychain-still-unavailable')).toBeInTheDocument();
    backend.keychain = { available: true, memoryOnly: false, message: null };
    await user.click(screen.getByTestId('keychain-retry'));
    expect(await screen.findByTestId('org-input')).toBeInTheDocument();
  });

  it('shows the backend sentence first when it says more than the title (a locked keychain)', async () => {
    const backend = new TestBackend();
    const locked =
      "Your system keychain is locked, so PAT Desk can't read or save your sign-in. Unlock it (for example in \"Passwords and Keys\", or by signing in to your desktop again), then try again. Nothing stored in it was removed.";
    backend.keychain = { available: false, memoryOnly: false, message: locked };
    renderApp({}, backend);
    await screen.findByTestId('keychain-screen');
    expect(screen.getByTestId('keychain-message')).toHaveTextContent(locked);
  });

  it('offers the demo, which needs no keychain', async () => {
    const backend = new TestBackend();
    backend.keychain = { ...unavailable };
    const { user } = renderApp({}, backend);
    await user.click(await screen.findByTestId('demo-button'));
    expect(await screen.findByTestId('demo-banner')).toBeInTheDocument();
  });
});

describe('Remembered accounts', () => {
  it('restores the remembered sign-in without asking', async () => {
    const backend = new TestBackend();
    backend.remembered = [{ ...dana }];
    renderApp({}, backend);
    expect(await screen.findByRole('heading', { name: 'Personal access tokens' })).toBeInTheDocument();
    expect(screen.getByTestId('account-label')).toHaveTextContent('dana@contoso.example');
    expect(screen.queryByTestId('demo-banner')).not.toBeInTheDocument();
  });

  it('shows who is signed in, switches to another remembered account, and signs out', async () => {
    const backend = new TestBackend();
    backend.remembered = [{ ...dana }, { ...sam }];
    const { user } = renderApp({}, backend);
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await user.click(screen.getByTestId('account-menu-button'));
    expect(await screen.findByTestId('account-current')).toHaveTextContent('dana@contoso.example');
    const options = await screen.findAllByTestId('account-option');
    expect(options.map((o) => o.textContent?.trim())).toEqual(['Switch to sam@contoso.example']);
    await user.click(options[0]);
    expect(backend.callsOf('switchAccount')).toEqual([['t-contoso', 'u-sam']]);
    expect(await screen.findByTestId('account-label')).toHaveTextContent('sam@contoso.example');
    await user.click(screen.getByTestId('account-menu-button'));
    await user.click(await screen.findByTestId('menu-sign-out'));
    expect(await screen.findByTestId('org-input')).toBeInTheDocument();
    expect(backend.remembered.map((a) => a.username)).toEqual(['dana@contoso.example']);
  });

  it('signs in with another account without forgetting the current one', async () => {
    const backend = new TestBackend();
    backend.remembered = [{ ...dana }];
    const { user } = renderApp({}, backend);
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await user.click(screen.getByTestId('account-menu-button'));
    await user.click(await screen.findByTestId('add-account'));
    expect(await screen.findByTestId('org-input')).toBeInTheDocument();
    expect(backend.callsOf('addAccount')).toHaveLength(1);
    expect(backend.remembered).toHaveLength(1);
  });
});
