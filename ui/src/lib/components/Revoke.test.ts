import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { names, renderTokens, rowNamed, rows } from '../../test/render';
import { token } from '../../test/tokens';
import { appError, TestBackend } from '$lib/backend/TestBackend';
import type { BulkItem } from '$lib/ipc';

const fiveTokens = () => [
  token('Alpha', 20),
  token('Bravo', -3),
  token('Charlie', -40),
  token('Delta', 50),
  token('Echo', -1),
];

describe('Revoke one token', () => {
  it('confirms with the token’s name and revokes it', async () => {
    const { user, backend } = await renderTokens({ tokens: fiveTokens() });
    const button = within(rowNamed('Alpha')).getByTestId('row-revoke-button');
    await user.click(button);
    const dialog = screen.getByRole('dialog', { name: 'Revoke “Alpha”?' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    // The safe choice has the focus: Enter on arrival does not revoke.
    await waitFor(() => expect(within(dialog).getByTestId('cancel-button')).toHaveFocus());
    await user.click(within(dialog).getByTestId('confirm-button'));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(backend.callsOf('revokeToken')).toEqual([['contoso', 'id-alpha']]);
    expect(names()).not.toContain('Alpha');
    expect(screen.getByTestId('status-message')).toHaveTextContent('“Alpha” was revoked.');
    await user.click(screen.getByTestId('filter-revoked'));
    expect(names()).toEqual(['Alpha']);
  });

  it('closes on Escape without revoking, keeping focus inside while open', async () => {
    const { user, backend } = await renderTokens({ tokens: fiveTokens() });
    const opener = within(rowNamed('Delta')).getByTestId('row-revoke-button');
    await user.click(opener);
    const dialog = screen.getByRole('dialog');
    // Tab cycles between the dialog's two buttons only.
    await waitFor(() => expect(within(dialog).getByTestId('cancel-button')).toHaveFocus());
    await user.tab();
    expect(within(dialog).getByTestId('confirm-button')).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByTestId('cancel-button')).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(backend.callsOf('revokeToken')).toHaveLength(0);
  });

  it('shows a failure in the dialog and lets the person try again', async () => {
    const { user, backend } = await renderTokens({ tokens: fiveTokens() });
    backend.failingRevokes.set('id-alpha', appError('serverBusy', 'Azure DevOps did not answer in time.'));
    await user.click(within(rowNamed('Alpha')).getByTestId('row-revoke-button'));
    await user.click(screen.getByTestId('confirm-button'));
    expect(await screen.findByTestId('dialog-error')).toHaveTextContent('Azure DevOps did not answer in time.');
    backend.failingRevokes.clear();
    await user.click(screen.getByTestId('confirm-button'));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(backend.callsOf('revokeToken')).toHaveLength(2);
  });
});

describe('Bulk revoke', () => {
  async function selectExpired(backend: TestBackend) {
    const rendered = await renderTokens({}, backend);
    await rendered.user.click(screen.getByTestId('select-all-expired'));
    return rendered;
  }

  it('selects all expired tokens and confirms with the count and the names', async () => {
    const backend = new TestBackend({ signedIn: true, tokens: fiveTokens() });
    const { user } = await selectExpired(backend);
    expect(screen.getByTestId('bulk-revoke-button')).toHaveTextContent('Revoke 3 tokens');
    await user.click(screen.getByTestId('bulk-revoke-button'));
    const dialog = screen.getByRole('dialog', { name: 'Revoke 3 tokens?' });
    expect(within(dialog).getAllByTestId('bulk-confirm-name').map((n) => n.textContent)).toEqual([
      expect.stringContaining('Bravo'),
      expect.stringContaining('Charlie'),
      expect.stringContaining('Echo'),
    ]);
    await user.click(within(dialog).getByTestId('cancel-button'));
    expect(backend.callsOf('bulkRevoke')).toHaveLength(0);
  });

  it('selects the shown tokens with "Select all" and single rows with their checkbox', async () => {
    const { user } = await renderTokens({ tokens: fiveTokens() });
    await user.click(screen.getByTestId('select-all'));
    expect(screen.getByTestId('bulk-revoke-button')).toHaveTextContent('Revoke 2 tokens');
    await user.click(within(rowNamed('Alpha')).getByTestId('row-checkbox'));
    expect(screen.getByTestId('bulk-revoke-button')).toHaveTextContent('Revoke 1 token');
    await user.click(screen.getByTestId('clear-selection'));
    expect(screen.queryByTestId('bulk-revoke-button')).not.toBeInTheDocument();
  });

  it('shows progress and one result per token, and "Retry failed" re-sends only the failed ones', async () => {
    const backend = new TestBackend({ signedIn: true, tokens: fiveTokens() });
    backend.failingRevokes.set('id-charlie', appError('serverBusy', 'Azure DevOps did not answer in time.'));
    const { user } = await renderTokens({}, backend);
    await user.click(screen.getByTestId('filter-all'));
    for (const name of ['Alpha', 'Bravo', 'Charlie']) await user.click(within(rowNamed(name)).getByTestId('row-checkbox'));
    await user.click(screen.getByTestId('bulk-revoke-button'));
    await user.click(screen.getByTestId('confirm-button'));

    await screen.findByTestId('retry-failed-button');
    const progress = screen.getByTestId('bulk-progress');
    expect(progress).toHaveAttribute('value', '3');
    expect(progress).toHaveAttribute('max', '3');
    const outcome = (id: string) =>
      screen.getAllByTestId('bulk-result-row').find((r) => r.dataset.authorizationId === id)?.dataset.outcome;
    expect(outcome('id-alpha')).toBe('revoked');
    expect(outcome('id-bravo')).toBe('revoked');
    expect(outcome('id-charlie')).toBe('failed');
    // The failure is listed first, where the person sees it without scrolling.
    expect(screen.getAllByTestId('bulk-result-row')[0].dataset.authorizationId).toBe('id-charlie');
    expect(screen.getAllByTestId('bulk-result-row').find((r) => r.dataset.authorizationId === 'id-charlie')).toHaveTextContent(
      'Failed: Azure DevOps did not answer in time.',
    );
    expect(screen.getByTestId('bulk-progress-text')).toHaveTextContent('2 revoked, 1 failed');

    backend.failingRevokes.clear();
    await user.click(screen.getByTestId('retry-failed-button'));
    await waitFor(() => expect(outcome('id-charlie')).toBe('revoked'));
    const sent = backend.callsOf('bulkRevoke').map((args) => (args[0] as BulkItem[]).map((i) => i.authorizationId));
    expect(sent).toEqual([['id-alpha', 'id-bravo', 'id-charlie']]);
    // The retry is the shell's (the core picks the failed ones of the last run).
    expect(backend.callsOf('retryFailedRevokes')).toHaveLength(1);
    expect(screen.queryByTestId('retry-failed-button')).not.toBeInTheDocument();

    await user.click(screen.getByTestId('bulk-close-button'));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.queryByTestId('bulk-revoke-button')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('filter-revoked'));
    expect(names()).toEqual(['Charlie', 'Bravo', 'Alpha']);
  });

  it('reports a token that was already gone', async () => {
    const backend = new TestBackend({ signedIn: true, tokens: fiveTokens() });
    const { user } = await selectExpired(backend);
    backend.tokens = backend.tokens.filter((t) => t.authorizationId !== 'id-echo');
    await user.click(screen.getByTestId('bulk-revoke-button'));
    await user.click(screen.getByTestId('confirm-button'));
    await screen.findByTestId('bulk-close-button');
    const echo = screen.getAllByTestId('bulk-result-row').find((r) => r.dataset.authorizationId === 'id-echo');
    expect(echo).toHaveAttribute('data-outcome', 'alreadyGone');
    expect(echo).toHaveTextContent('Was already gone');
    expect(screen.getByTestId('bulk-progress-text')).toHaveTextContent('2 revoked, 1 already gone');
  });

  it('cancels while running: the rest is not started', async () => {
    const backend = new TestBackend({ signedIn: true, tokens: fiveTokens() });
    const { user } = await selectExpired(backend);
    backend.pauseBulkAfter(1);
    await user.click(screen.getByTestId('bulk-revoke-button'));
    await user.click(screen.getByTestId('confirm-button'));
    await waitFor(() => expect(screen.getByTestId('bulk-progress')).toHaveAttribute('value', '1'));
    expect(screen.getByTestId('bulk-progress-text')).toHaveTextContent('1 of 3 done');
    // Escape does not close the dialog while tokens are being revoked.
    await user.keyboard('{Escape}');
    expect(screen.getByRole('dialog')).toBeInTheDocument();

    await user.click(screen.getByTestId('bulk-cancel-button'));
    await screen.findByTestId('bulk-close-button');
    expect(backend.callsOf('cancelBulkRevoke')).toHaveLength(1);
    const outcomes = screen.getAllByTestId('bulk-result-row').map((r) => r.dataset.outcome);
    // Once finished, the tokens that need attention are listed first.
    expect(outcomes).toEqual(['cancelled', 'cancelled', 'revoked']);
    expect(screen.getByTestId('bulk-progress-text')).toHaveTextContent('1 revoked, 2 not started');
    expect(backend.tokens.filter((t) => t.status === 'revoked').map((t) => t.displayName)).toEqual(['Bravo']);
  });

  it('marks every token failed when the whole run fails, so Retry failed sends them all again', async () => {
    const backend = new TestBackend({ signedIn: true, tokens: fiveTokens() });
    const { user } = await selectExpired(backend);
    backend.failWith('bulkRevoke', 'sessionExpired', 'You are signed out. Sign in again to continue.');
    await user.click(screen.getByTestId('bulk-revoke-button'));
    await user.click(screen.getByTestId('confirm-button'));
    expect(await screen.findByTestId('bulk-error')).toHaveTextContent('You are signed out.');
    expect(screen.getAllByTestId('bulk-result-row').every((r) => r.dataset.outcome === 'failed')).toBe(true);
    await user.click(screen.getByTestId('retry-failed-button'));
    await waitFor(() => expect(screen.getAllByTestId('bulk-result-row').every((r) => r.dataset.outcome === 'revoked')).toBe(true));
  });

  it('leaves revoked tokens out of "Select all"', async () => {
    const { user } = await renderTokens({ tokens: [token('Old', 10, { status: 'revoked' }), token('New', 10)] });
    await user.click(screen.getByTestId('filter-all'));
    expect(rows()).toHaveLength(2);
    await user.click(screen.getByTestId('select-all'));
    expect(screen.getByTestId('bulk-revoke-button')).toHaveTextContent('Revoke 1 token');
    expect(within(rowNamed('Old')).getByTestId('row-checkbox')).not.toBeChecked();
  });
});
