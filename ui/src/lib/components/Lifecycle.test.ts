import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { renderTokens, rowNamed, rows } from '../../test/render';
import { token } from '../../test/tokens';
import { appError } from '$lib/backend/TestBackend';
import { formatDate } from '$lib/expiry';
import type { PatToken } from '$lib/ipc';

const DAY = 24 * 60 * 60 * 1000;
const inDays = (days: number) => formatDate(new Date(Date.now() + days * DAY).toISOString());

const tokens = (): PatToken[] => [
  token('Alpha', 20, { scope: 'vso.code vso.build' }),
  token('Bravo', -3),
  token('Global sync', 40, { isGlobal: true, targetOrganizations: null }),
];

type User = Awaited<ReturnType<typeof renderTokens>>['user'];

/** Opens the "More" menu of the row named `name` and chooses `item` (edit, extend, regenerate). */
async function openMenuItem(user: User, name: string, item: string) {
  await user.click(within(rowNamed(name)).getByTestId('row-menu'));
  await user.click(await screen.findByTestId(`menu-${item}`));
}

describe('The row menu', () => {
  it('opens from the keyboard, moves with the arrows and closes on Escape', async () => {
    const { user } = await renderTokens({ tokens: tokens() });
    const more = within(rowNamed('Alpha')).getByTestId('row-menu');
    expect(more).toHaveAttribute('aria-haspopup', 'menu');
    expect(more).toHaveAccessibleName('More actions for Alpha');
    more.focus();
    await user.keyboard('{Enter}');
    const menu = await screen.findByRole('menu', { name: 'Actions for Alpha' });
    expect(more).toHaveAttribute('aria-expanded', 'true');
    const items = within(menu).getAllByRole('menuitem');
    expect(items.map((i) => i.textContent?.trim())).toEqual(['Edit…', 'Extend…', 'Regenerate…']);
    await waitFor(() => expect(items[0]).toHaveFocus());
    await user.keyboard('{ArrowDown}');
    expect(items[1]).toHaveFocus();
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(items[2]).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    expect(more).toHaveFocus();
  });

  it('offers no Regenerate for a token of all organizations (it has Replace)', async () => {
    const { user } = await renderTokens({ tokens: tokens() });
    await user.click(within(rowNamed('Global sync')).getByTestId('row-menu'));
    const menu = await screen.findByRole('menu');
    expect(within(menu).getAllByRole('menuitem').map((i) => i.textContent?.trim())).toEqual(['Edit…', 'Extend…']);
  });
});

describe('Extend', () => {
  it('extends in one click, keeping the token and its value', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    await openMenuItem(user, 'Alpha', 'extend');
    const dialog = screen.getByRole('dialog', { name: 'Extend “Alpha”' });
    expect(within(dialog).getByTestId('extend-explanation')).toHaveTextContent(
      "Extending keeps the token's value: nothing needs to change where it is used.",
    );
    expect(within(dialog).getByTestId('extend-60')).toHaveTextContent(`until ${inDays(60)}`);
    await user.click(within(dialog).getByTestId('extend-60'));
    expect(await within(dialog).findByTestId('extend-result')).toHaveTextContent(`“Alpha” now works until ${inDays(60)}.`);
    expect(within(dialog).queryByTestId('clamped-note')).not.toBeInTheDocument();
    expect(backend.callsOf('updateToken')).toEqual([
      [{ organization: 'contoso', authorizationId: 'id-alpha', lifespan: { kind: 'days', days: 60 } }],
    ]);
    await user.click(within(dialog).getByTestId('close-button'));
    const row = rowNamed('Alpha');
    expect(row).toHaveAttribute('data-authorization-id', 'id-alpha');
    expect(row).toHaveTextContent(inDays(60));
  });

  it('says in words when a policy shortened the date', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    backend.policy = { maxLifespanDays: { days: 30, mode: 'clamp' } };
    await openMenuItem(user, 'Alpha', 'extend');
    await user.click(screen.getByTestId('extend-90'));
    const note = await screen.findByTestId('clamped-note');
    expect(note).toHaveTextContent(
      `Your organization's policy shortened the expiry: you asked for ${inDays(90)}, the token works until ${inDays(30)}.`,
    );
  });

  it('refuses a date in the past before sending anything, keeping the date typed', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    await openMenuItem(user, 'Alpha', 'extend');
    const input = screen.getByTestId('extend-date-input') as HTMLInputElement;
    await user.clear(input);
    await user.type(input, '2020-01-01');
    await user.click(screen.getByTestId('extend-date-button'));
    expect(screen.getByTestId('extend-date-error')).toHaveTextContent('Choose a day after today.');
    expect(input.value).toBe('2020-01-01');
    expect(backend.callsOf('updateToken')).toHaveLength(0);
  });

  it('says an expired token cannot be extended and offers Regenerate', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    await user.click(screen.getByTestId('filter-expired'));
    await openMenuItem(user, 'Bravo', 'extend');
    expect(screen.getByTestId('expired-note')).toHaveTextContent('an expired token cannot be extended');
    expect(backend.callsOf('updateToken')).toHaveLength(0);
    await user.click(screen.getByTestId('regenerate-instead'));
    expect(screen.getByRole('dialog', { name: 'Regenerate “Bravo”?' })).toBeInTheDocument();
  });

  it('turns a refusal for an expired token into the same offer', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    backend.failWith('updateToken', 'expiredCannotExtend', 'This token has already expired and can no longer be extended.');
    await openMenuItem(user, 'Alpha', 'extend');
    await user.click(screen.getByTestId('extend-30'));
    expect(await screen.findByTestId('expired-note')).toBeInTheDocument();
    expect(screen.getByTestId('regenerate-instead')).toBeInTheDocument();
  });
});

describe('Edit', () => {
  it('sends only what changed and shows the token as it is now', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    await openMenuItem(user, 'Alpha', 'edit');
    const dialog = screen.getByRole('dialog', { name: 'Edit “Alpha”' });
    const name = within(dialog).getByTestId('edit-name-input');
    expect(name).toHaveValue('Alpha');
    await user.clear(name);
    await user.type(name, 'Alpha renamed');
    const build = await within(dialog).findByTestId('edit-scope-build');
    await user.selectOptions(build, '');
    expect(within(dialog).getByTestId('expiry-keep')).toBeChecked();
    await user.click(within(dialog).getByTestId('save-button'));
    expect(await within(dialog).findByTestId('edit-result')).toHaveTextContent('Saved. “Alpha renamed”');
    expect(backend.callsOf('updateToken')).toEqual([
      [{ organization: 'contoso', authorizationId: 'id-alpha', displayName: 'Alpha renamed', scopes: ['vso.code'] }],
    ]);
    await user.click(within(dialog).getByTestId('close-button'));
    const row = rowNamed('Alpha renamed');
    expect(row).toHaveAttribute('data-authorization-id', 'id-alpha');
  });

  it('keeps what was typed when the name or a policy is refused', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    await openMenuItem(user, 'Alpha', 'edit');
    const name = screen.getByTestId('edit-name-input');
    await user.clear(name);
    await user.click(screen.getByTestId('save-button'));
    expect(screen.getByTestId('edit-name-error')).toHaveTextContent('The token needs a name.');
    expect(backend.callsOf('updateToken')).toHaveLength(0);

    await user.type(name, 'Everything');
    backend.policy = { restrictFullScope: true };
    await user.click(screen.getByTestId('edit-scope-full'));
    await user.click(screen.getByTestId('save-button'));
    expect(await screen.findByTestId('dialog-error')).toHaveTextContent('does not allow full-access tokens');
    expect(screen.getByTestId('edit-name-input')).toHaveValue('Everything');
    expect(screen.getByTestId('edit-scope-full')).toBeChecked();
    expect(rowNamed('Alpha')).toBeInTheDocument();
  });
});

describe('Regenerate', () => {
  it('explains the new value, reveals it once, revokes the old token and replaces the keychain copy', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    backend.saved.set('id-alpha', {
      token: { organization: 'contoso', authorizationId: 'id-alpha', displayName: 'Alpha', validTo: null, savedAt: new Date().toISOString() },
      secret: 'old-secret-value',
    });
    await openMenuItem(user, 'Alpha', 'regenerate');
    const dialog = screen.getByRole('dialog', { name: 'Regenerate “Alpha”?' });
    expect(within(dialog).getByTestId('regenerate-explanation')).toHaveTextContent(
      'Regenerating gives the token a new value: paste it wherever the old one was used.',
    );
    await user.click(within(dialog).getByTestId('expiry-90'));
    await user.click(within(dialog).getByTestId('confirm-regenerate'));

    expect(await screen.findByRole('heading', { name: 'Token regenerated' })).toBeInTheDocument();
    expect(screen.getByTestId('previous-revoked')).toHaveTextContent('The old token was revoked');
    expect(screen.getByTestId('replaced-note')).toHaveTextContent('the copy saved in your keychain now holds the new value');
    expect(screen.getByTestId('save-keychain-button')).toHaveAttribute('aria-disabled', 'true');
    expect(backend.callsOf('regenerateToken')).toEqual([
      [{ organization: 'contoso', authorizationId: 'id-alpha', lifespan: { kind: 'days', days: 90 } }],
    ]);
    const fresh = backend.tokens.find((t) => t.displayName === 'Alpha' && t.authorizationId !== 'id-alpha');
    expect(fresh?.scope).toBe('vso.code vso.build');
    expect(backend.tokens.find((t) => t.authorizationId === 'id-alpha')?.status).toBe('revoked');
    expect([...backend.saved.keys()]).toEqual([fresh?.authorizationId]);

    await user.click(screen.getByTestId('copy-button'));
    await user.click(screen.getByTestId('done-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await waitFor(() => expect(rows().filter((r) => r.textContent?.includes('Alpha'))).toHaveLength(1));
  });

  it('hands Git the new value where PAT Desk had handed it the old one, and says so', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    backend.handedToGit.set('contoso', 'id-alpha');
    await openMenuItem(user, 'Alpha', 'regenerate');
    await user.click(screen.getByTestId('confirm-regenerate'));
    const note = await screen.findByTestId('replaced-note');
    expect(note).toHaveTextContent("Updated for you: Git's stored value for https://dev.azure.com/contoso now holds the new value.");
    expect(screen.getByTestId('git-result')).toHaveTextContent('Git now uses the new value');
    const fresh = backend.tokens.find((t) => t.displayName === 'Alpha' && t.authorizationId !== 'id-alpha');
    expect(backend.handedToGit.get('contoso')).toBe(fresh?.authorizationId);
  });

  it('says so when the old token could not be revoked, keeps both and the new value copyable', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    backend.failingRevokes.set('id-alpha', appError('serverError', 'Azure DevOps had a problem. Please try again in a moment.'));
    await openMenuItem(user, 'Alpha', 'regenerate');
    await user.click(screen.getByTestId('confirm-regenerate'));
    const failed = await screen.findByTestId('previous-not-revoked');
    expect(failed).toHaveTextContent('The old token could not be revoked, so both tokens work for now.');
    expect(failed).toHaveTextContent('Azure DevOps had a problem.');
    await user.click(screen.getByTestId('copy-button'));
    expect(await screen.findByTestId('clipboard-countdown')).toHaveTextContent('Copied');
    await user.click(screen.getByTestId('done-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await waitFor(() => expect(rows().filter((r) => r.textContent?.includes('Alpha'))).toHaveLength(2));
  });

  it('leaves the old token alone and keeps the choice when the new one cannot be made', async () => {
    const { user, backend } = await renderTokens({ tokens: tokens() });
    backend.policy = { restrictCreation: true };
    await openMenuItem(user, 'Alpha', 'regenerate');
    await user.click(screen.getByTestId('expiry-60'));
    await user.click(screen.getByTestId('confirm-regenerate'));
    expect(await screen.findByTestId('dialog-error')).toHaveTextContent('The token was not regenerated; the old one still works.');
    expect(screen.getByTestId('expiry-60')).toBeChecked();
    expect(backend.tokens.find((t) => t.authorizationId === 'id-alpha')?.status).toBe('active');
  });
});
