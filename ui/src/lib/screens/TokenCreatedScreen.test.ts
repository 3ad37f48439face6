import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { renderTokens, rows } from '../../test/render';

async function createToken(setup: (backend: import('$lib/backend/TestBackend').TestBackend) => void = () => {}) {
  const rendered = await renderTokens();
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

describe('Token created', () => {
  it('masks the value until Reveal', async () => {
    const { user } = await createToken();
    const value = screen.getByTestId('secret-value');
    // The bullets are for the eyes; a screen reader hears "hidden".
    const masked = () => value.querySelector('[aria-hidden="true"]')?.textContent?.trim();
    expect(masked()).toMatch(/^•+$/);
    expect(value.querySelector('.visually-hidden')).toHaveTextContent('hidden');
    // The label says what a press does; there is no pressed state on top of it.
    expect(screen.getByTestId('reveal-button')).toHaveTextContent('Reveal');
    await user.click(screen.getByTestId('reveal-button'));
    expect(screen.getByTestId('reveal-button')).toHaveTextContent('Hide');
    expect(screen.getByTestId('reveal-button')).not.toHaveAttribute('aria-pressed');
    expect(value.textContent?.trim()).toMatch(/^[A-Za-z0-9]{84}$/);
    await user.click(screen.getByTestId('reveal-button'));
    expect(masked()).toMatch(/^•+$/);
  });

  it('gets the value from the shell only when Reveal is pressed, and only once', async () => {
    const { user, backend } = await createToken();
    const held = backend.heldSecret();
    // Create answered without the value: nothing of it is on the page, and nobody asked for it yet.
    expect(backend.callsOf('revealSecret')).toEqual([]);
    expect(document.body.textContent).not.toContain(held);
    await user.click(screen.getByTestId('reveal-button'));
    const id = backend.callsOf('revealSecret')[0]?.[0];
    expect(id).toMatch(/^new-/);
    expect(screen.getByTestId('secret-value')).toHaveTextContent(held);
    // Hide and Reveal again: the value comes from the screen's state, not from the shell a second time.
    await user.click(screen.getByTestId('reveal-button'));
    await user.click(screen.getByTestId('reveal-button'));
    expect(screen.getByTestId('secret-value')).toHaveTextContent(held);
    expect(backend.callsOf('revealSecret')).toHaveLength(1);
    // Copy still works from the shell's copy.
    await user.click(screen.getByTestId('copy-button'));
    expect(backend.clipboardText).toBe(held);
  });

  it('says why the value cannot be shown', async () => {
    const { user, backend } = await createToken();
    backend.failWith('revealSecret', 'tokenNotFound', 'There is no new token to show any more. Create a new token to get a value.');
    await user.click(screen.getByTestId('reveal-button'));
    expect(await screen.findByTestId('reveal-error')).toHaveTextContent('There is no new token to show any more.');
    expect(screen.getByTestId('reveal-button')).toHaveTextContent('Reveal');
  });

  it('copies through the backend and shows the clipboard countdown from its events', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('copy-button'));
    expect(backend.callsOf('copySecret')).toEqual([[]]);
    expect(screen.getByTestId('clipboard-countdown')).toHaveTextContent('Copied to the clipboard.');
    backend.emitCountdown(30);
    await waitFor(() => expect(screen.getByTestId('clipboard-countdown')).toHaveTextContent('Clipboard clears in 30 s'));
    backend.emitCountdown(12);
    await waitFor(() => expect(screen.getByTestId('clipboard-countdown')).toHaveTextContent('Clipboard clears in 12 s'));
    backend.emitCountdown(0, true);
    await waitFor(() => expect(screen.getByTestId('clipboard-countdown')).toHaveTextContent('Clipboard cleared.'));
  });

  it('ignores a countdown still running from an earlier copy', async () => {
    const { user, backend } = await createToken();
    backend.emitCountdown(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.getByTestId('clipboard-countdown').textContent?.trim()).toBe('');
    await user.click(screen.getByTestId('copy-button'));
    backend.emitCountdown(30);
    await waitFor(() => expect(screen.getByTestId('clipboard-countdown')).toHaveTextContent('Clipboard clears in 30 s'));
  });

  it('shows why copying failed', async () => {
    const { user, backend } = await createToken();
    backend.failWith('copySecret', 'clipboardUnavailable', 'The clipboard is not available right now.');
    await user.click(screen.getByTestId('copy-button'));
    expect(await screen.findByTestId('copy-error')).toHaveTextContent('The clipboard is not available right now.');
  });

  it('asks before closing when the value was never copied, then forgets it', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('done-button'));
    const dialog = screen.getByRole('dialog', { name: 'Close without copying?' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    await user.click(within(dialog).getByTestId('cancel-button'));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Token created' })).toBeInTheDocument();
    expect(backend.holdsSecret).toBe(true);

    await user.click(screen.getByTestId('done-button'));
    await user.click(screen.getByTestId('confirm-button'));
    expect(await screen.findByRole('heading', { name: 'Personal access tokens' })).toBeInTheDocument();
    expect(backend.callsOf('forgetCreatedSecret')).toHaveLength(1);
    expect(backend.holdsSecret).toBe(false);
    // The new token is in the list.
    await waitFor(() => expect(rows().some((r) => r.dataset.authorizationId?.startsWith('new-'))).toBe(true));
  });

  it('closes straight away after Copy', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('copy-button'));
    await user.click(screen.getByTestId('done-button'));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Personal access tokens' })).toBeInTheDocument();
    expect(backend.holdsSecret).toBe(false);
  });

  it('says when the server shortened the expiry', async () => {
    await createToken((backend) => (backend.policy.maxLifespanDays = { days: 30, mode: 'clamp' }));
    expect(screen.getByTestId('clamped-note')).toHaveTextContent("Your organization's policy shortened the expiry");
  });

  it('says nothing about shortening when the expiry was kept', async () => {
    await createToken();
    expect(screen.queryByTestId('clamped-note')).not.toBeInTheDocument();
  });

  it('never puts the value in web storage', async () => {
    const { user } = await createToken();
    await user.click(screen.getByTestId('reveal-button'));
    const secret = screen.getByTestId('secret-value').textContent?.trim() ?? '';
    const stored = [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => s.getItem(k) ?? ''));
    expect(secret.length).toBe(84);
    expect(stored.some((v) => v.includes(secret))).toBe(false);
  });
});
