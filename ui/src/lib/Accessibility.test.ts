// The keyboard and screen-reader rules the whole window keeps: the focus never falls to the page after an
// action, busy buttons stay focusable (aria-disabled, not disabled), confirmations of something that cannot
// be undone focus the safe choice, and the clipboard countdown is announced once when copied and once when
// cleared, not every second.
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { renderApp, renderTokens, rowNamed } from '../test/render';
import { token } from '../test/tokens';
import type { TestBackend } from '$lib/backend/TestBackend';

async function createToken() {
  const rendered = await renderTokens();
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

/** Every text a live region showed, in order, from now on (repeats of the same text are one announcement). */
function recordAnnouncements(region: HTMLElement): string[] {
  const seen: string[] = [];
  const note = () => {
    const text = region.textContent?.trim() ?? '';
    if (text !== '' && text !== seen[seen.length - 1]) seen.push(text);
  };
  new MutationObserver(note).observe(region, { childList: true, characterData: true, subtree: true });
  note();
  return seen;
}

/** The live regions that can be heard, each with the text it holds now. */
function liveTexts(): string[] {
  return Array.from(document.querySelectorAll('[role="status"], [aria-live="polite"], [aria-live="assertive"]')).map(
    (r) => r.textContent?.trim() ?? '',
  );
}

async function tickTheCountdown(backend: TestBackend) {
  for (let left = 30; left > 0; left -= 1) backend.emitCountdown(left);
  backend.emitCountdown(0, true);
  await waitFor(() => expect(screen.getByTestId('clipboard-countdown')).toHaveTextContent('Clipboard cleared.'));
}

describe('Clipboard countdown announcements', () => {
  it('are made once when copied and once when cleared, while the seconds tick on screen only', async () => {
    const { user, backend } = await createToken();
    const region = screen.getByTestId('clipboard-announcement');
    expect(region).toHaveAttribute('role', 'status');
    const heard = recordAnnouncements(region);
    const liveBefore = liveTexts();

    await user.click(screen.getByTestId('copy-button'));
    await tickTheCountdown(backend);

    expect(heard).toEqual(['Copied to the clipboard. PAT Desk clears it after a while.', 'Clipboard cleared.']);
    // The ticking text itself is not a live region, and no other live region carries the seconds.
    expect(screen.getByTestId('clipboard-countdown')).not.toHaveAttribute('role');
    expect(screen.getByTestId('clipboard-countdown').closest('[aria-live], [role="status"]')).toBeNull();
    expect(liveTexts().filter((t) => /\d+ s\b/.test(t))).toEqual([]);
    expect(liveTexts().length).toBe(liveBefore.length);
  });

  it('change at most twice for a second copy too', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('copy-button'));
    await tickTheCountdown(backend);
    const heard = recordAnnouncements(screen.getByTestId('clipboard-announcement'));
    const before = heard.length;

    await user.click(screen.getByTestId('copy-button'));
    await waitFor(() => expect(screen.getByTestId('clipboard-announcement')).toHaveTextContent('Copied to the clipboard.'));
    await tickTheCountdown(backend);

    expect(heard.length - before).toBeLessThanOrEqual(2);
    expect(heard[heard.length - 1]).toBe('Clipboard cleared.');
  });

  it('on Saved tokens follow the same rule', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('save-keychain-button'));
    await screen.findByTestId('save-keychain-result');
    await user.click(screen.getByTestId('done-button'));
    await user.click(screen.getByTestId('nav-saved'));
    await user.click(await screen.findByTestId('saved-copy'));
    const region = screen.getByTestId('clipboard-announcement');
    const heard = recordAnnouncements(region);
    for (let left = 30; left > 0; left -= 1) backend.emitCountdown(left);
    await waitFor(() => expect(screen.getByTestId('saved-countdown')).toHaveTextContent('Clipboard clears in 1 s'));
    backend.emitCountdown(0, true);
    await waitFor(() => expect(region).toHaveTextContent('Clipboard cleared.'));
    expect(heard).toEqual(['Copied to the clipboard. PAT Desk clears it after a while.', 'Clipboard cleared.']);
    expect(screen.getByTestId('saved-countdown')).not.toHaveAttribute('role');
  });
});

describe('Busy buttons keep the focus', () => {
  it('Copy stays focused (aria-disabled, never disabled) while the copy runs and after', async () => {
    const { user, backend } = await createToken();
    const copy = screen.getByTestId('copy-button');
    copy.focus();
    backend.hold('copySecret');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(copy).toHaveAttribute('aria-disabled', 'true'));
    expect(copy).not.toBeDisabled();
    expect(copy).toHaveFocus();
    // Pressed again while busy, nothing more is asked of the shell.
    await user.keyboard('{Enter}');
    backend.release('copySecret');
    await waitFor(() => expect(copy).toHaveAttribute('aria-disabled', 'false'));
    expect(backend.callsOf('copySecret')).toHaveLength(1);
    expect(copy).toHaveFocus();
  });

  it('Save in my keychain and Use with Git keep the focus once done', async () => {
    const { user } = await createToken();
    const save = screen.getByTestId('save-keychain-button');
    save.focus();
    await user.keyboard('{Enter}');
    await screen.findByTestId('save-keychain-result');
    expect(save).toHaveFocus();
    const git = screen.getByTestId('use-with-git-button');
    await waitFor(() => expect(git).toHaveAttribute('aria-disabled', 'false'));
    git.focus();
    await user.keyboard('{Enter}');
    await screen.findByTestId('git-result');
    expect(git).toHaveFocus();
    expect(git).toHaveAttribute('aria-disabled', 'true');
  });

  it('Refresh stays focused while the list loads again', async () => {
    const { user, backend } = await renderTokens();
    const refresh = screen.getByTestId('refresh-button');
    refresh.focus();
    backend.hold('listTokens');
    await user.keyboard('{Enter}');
    await screen.findByTestId('list-loading');
    expect(refresh).toHaveAttribute('aria-disabled', 'true');
    expect(refresh).toHaveFocus();
    backend.release('listTokens');
    await waitFor(() => expect(screen.queryByTestId('list-loading')).not.toBeInTheDocument());
    expect(refresh).toHaveFocus();
  });
});

describe('Focus after actions and screen changes', () => {
  it('signing in lands on the token list’s heading, not the page', async () => {
    const { user } = renderApp();
    await user.click(await screen.findByTestId('demo-button'));
    const heading = await screen.findByRole('heading', { name: 'Personal access tokens' });
    await waitFor(() => expect(heading).toHaveFocus());
  });

  it('a confirmation focuses the safe choice; a bulk revoke moves on to Cancel, then Close, then the list', async () => {
    const tokens = [token('Alpha', 20), token('Bravo', 30), token('Charlie', 40)];
    const { user, backend } = await renderTokens({ tokens });
    await user.click(within(rowNamed('Alpha')).getByTestId('row-checkbox'));
    await user.click(within(rowNamed('Bravo')).getByTestId('row-checkbox'));
    await user.click(screen.getByTestId('bulk-revoke-button'));
    const dialog = await screen.findByTestId('bulk-dialog');
    await waitFor(() => expect(within(dialog).getByTestId('cancel-button')).toHaveFocus());

    backend.pauseBulkAfter(1);
    await user.click(within(dialog).getByTestId('confirm-button'));
    await waitFor(() => expect(screen.getByTestId('bulk-cancel-button')).toHaveFocus());
    backend.resumeBulk();
    await waitFor(() => expect(screen.getByTestId('bulk-close-button')).toHaveFocus());

    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByTestId('bulk-dialog')).not.toBeInTheDocument());
    expect(document.activeElement).not.toBe(document.body);
    expect(screen.getByRole('heading', { name: 'Personal access tokens' })).toHaveFocus();
  });

  it('revoking one token from its row leaves the focus on the list’s heading, not the page', async () => {
    const { user } = await renderTokens({ tokens: [token('Alpha', 20), token('Bravo', 30)] });
    await user.click(within(rowNamed('Alpha')).getByTestId('row-revoke-button'));
    const dialog = await screen.findByTestId('revoke-dialog');
    await user.click(within(dialog).getByTestId('confirm-button'));
    await waitFor(() => expect(screen.queryByTestId('revoke-dialog')).not.toBeInTheDocument());
    expect(document.activeElement).not.toBe(document.body);
  });

  it('the skip button reaches the selection’s Revoke from the top of the list', async () => {
    const { user } = await renderTokens({ tokens: [token('Alpha', 20), token('Bravo', 30)] });
    await user.click(within(rowNamed('Alpha')).getByTestId('row-checkbox'));
    const skip = screen.getByTestId('skip-to-selection');
    skip.focus();
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('bulk-revoke-button')).toHaveFocus();
  });

  it('the account menu opens with the focus inside; arrow keys move, Escape returns to its button', async () => {
    const { user } = await renderTokens();
    const button = screen.getByTestId('account-menu-button');
    button.focus();
    await user.keyboard('{Enter}');
    const menu = await screen.findByTestId('account-menu');
    expect(menu).not.toHaveAttribute('role', 'menu');
    const items = within(menu).getAllByRole('button');
    await waitFor(() => expect(items[0]).toHaveFocus());
    await user.keyboard('{ArrowUp}');
    expect(items[items.length - 1]).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(items[0]).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('account-menu')).not.toBeInTheDocument();
    expect(button).toHaveFocus();
  });
});
