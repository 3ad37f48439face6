// "Save in my keychain", "Use with Git" on the Token created screen, and the Saved tokens view.
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { renderTokens } from '../../test/render';
import { TestBackend } from '$lib/backend/TestBackend';

async function createToken(setup: (backend: TestBackend) => void = () => {}, backend?: TestBackend) {
  const rendered = await renderTokens({}, backend);
  setup(rendered.backend);
  const { user } = rendered;
  await user.click(screen.getByTestId('new-token-button'));
  await screen.findByTestId('preset-git');
  await user.type(screen.getByTestId('token-name-input'), 'Laptop git');
  await user.click(screen.getByTestId('preset-git'));
  await user.click(screen.getByTestId('lifespan-90'));
  await user.click(screen.getByTestId('create-button'));
  await screen.findByRole('heading', { name: 'Token created' });
  return rendered;
}

describe('Keeping a created token', () => {
  it('saves it in the keychain on request, labelled with organization and name', async () => {
    const { user, backend } = await createToken();
    expect(backend.saved.size).toBe(0);
    await user.click(screen.getByTestId('save-keychain-button'));
    expect(await screen.findByTestId('save-keychain-result')).toHaveTextContent(/PAT Desk — .+ — Laptop git/);
    expect(backend.callsOf('saveCreatedToken')).toEqual([[]]);
    expect(backend.saved.size).toBe(1);
    expect(screen.getByTestId('save-keychain-button')).toHaveAttribute('aria-disabled', 'true');
  });

  it('is not offered when the keychain is not used this run', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.keychain = { available: false, memoryOnly: true, message: 'no keychain' };
    await createToken(() => {}, backend);
    expect(screen.getByTestId('save-keychain-button')).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId('save-keychain-unavailable')).toHaveTextContent("can't reach your system keychain");
  });

  it('hands it to Git and says what happened in one sentence', async () => {
    const { user, backend } = await createToken();
    await waitFor(() => expect(screen.getByTestId('use-with-git-button')).toHaveAttribute('aria-disabled', 'false'));
    await user.click(screen.getByTestId('use-with-git-button'));
    expect(await screen.findByTestId('git-result')).toHaveTextContent('Git will now use this token for https://dev.azure.com/');
    expect(backend.callsOf('useCreatedTokenWithGit')).toEqual([[]]);
  });

  it('disables Use with Git with a reason when git is missing', async () => {
    await createToken((backend) => (backend.gitInstalled = false));
    expect(await screen.findByTestId('git-missing-reason')).toHaveTextContent('Git is not installed');
    expect(screen.getByTestId('use-with-git-button')).toHaveAttribute('aria-disabled', 'true');
  });

  it('shows the saved token under Saved tokens, copies it through the shell and forgets it', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('save-keychain-button'));
    await screen.findByTestId('save-keychain-result');
    await user.click(screen.getByTestId('nav-saved'));
    const row = await screen.findByTestId('saved-row');
    expect(within(row).getByTestId('saved-name')).toHaveTextContent('Laptop git');
    await user.click(within(row).getByTestId('saved-copy'));
    expect(backend.callsOf('copySavedToken')).toHaveLength(1);
    expect(backend.clipboardText).toMatch(/^[A-Za-z0-9]{84}$/);
    backend.emitCountdown(9);
    await waitFor(() => expect(screen.getByTestId('saved-countdown')).toHaveTextContent('Clipboard clears in 9 s'));
    await user.click(within(row).getByTestId('saved-forget'));
    expect(await screen.findByTestId('saved-empty')).toBeInTheDocument();
    expect(backend.saved.size).toBe(0);
  });

  it('forgets the saved copy when the token is revoked', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('save-keychain-button'));
    await screen.findByTestId('save-keychain-result');
    const id = [...backend.saved.keys()][0];
    await backend.revokeToken('contoso-web', id);
    expect(backend.saved.size).toBe(0);
    await user.click(screen.getByTestId('nav-saved'));
    expect(await screen.findByTestId('saved-empty')).toBeInTheDocument();
  });
});
