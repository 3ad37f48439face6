import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { TEST_NOW } from '../../test/now';
import { renderTokens } from '../../test/render';
import { appError, TestBackend } from '$lib/backend/TestBackend';

const GLOBAL = 'Reporting across all orgs';
const line = (org: string) => screen.getByTestId(`replacement-${org}`);

/** On the token list after the retirement, the Replace assistant opened from the banner. */
async function openAssistant(backend = new TestBackend({ signedIn: true })) {
  const rendered = await renderTokens({}, backend);
  await rendered.user.click(within(screen.getByTestId('stopped-note')).getByTestId('banner-replace-button'));
  await screen.findByRole('heading', { name: `Replace “${GLOBAL}”` });
  await screen.findByTestId('replacement-contoso');
  return rendered;
}

describe('Replace assistant', () => {
  beforeEach(() => vi.setSystemTime(new Date('2026-12-02T09:00:00Z')));
  afterEach(() => vi.setSystemTime(TEST_NOW));

  it('proposes one token per organization with the same name, scopes and expiry', async () => {
    const { backend } = await openAssistant();
    const lines = screen.getAllByTestId(/^replacement-/);
    expect(lines.map((l) => l.dataset.testid)).toEqual([
      'replacement-contoso',
      'replacement-contoso-labs',
      'replacement-fabrikam-partners',
    ]);
    expect(within(line('contoso-labs')).getByTestId('line-name')).toHaveTextContent(`“${GLOBAL} (contoso-labs)”`);
    expect(within(line('contoso-labs')).getByTestId('line-scopes')).toHaveTextContent('Work items (read)');
    expect(line('contoso-labs')).toHaveTextContent('like the old token');
    expect(screen.getByTestId('create-replacements')).toHaveTextContent('Create 3 tokens');
    expect(backend.callsOf('planReplacement')).toHaveLength(1);
  });

  it('creates the others when one organization refuses, and revokes the old token only once every chosen one exists', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.creationRefusals.set(
      'contoso-labs',
      appError('policyCreationRestricted', 'contoso-labs only allows tokens for Packaging. Pick narrower scopes.'),
    );
    const { user } = await openAssistant(backend);
    await user.click(screen.getByTestId('create-replacements'));

    await waitFor(() => expect(screen.getByTestId('replace-progress')).toHaveTextContent('Created 2 of 3 replacements.'));
    expect(line('contoso')).toHaveAttribute('data-state', 'created');
    expect(line('fabrikam-partners')).toHaveAttribute('data-state', 'created');
    expect(within(line('contoso-labs')).getByTestId('line-error')).toHaveTextContent('only allows tokens for Packaging');
    expect(screen.queryByTestId('revoke-original')).not.toBeInTheDocument();
    expect(screen.getByTestId('revoke-waiting')).toBeInTheDocument();

    // Each value is on its own line; Copy copies that one.
    const created = backend.callsOf('createReplacement').length;
    expect(created).toBe(3);
    await user.click(within(line('fabrikam-partners')).getByTestId('copy-button'));
    const fabrikamId = backend.callsOf('copySecret')[0][0] as string;
    expect(backend.clipboardText).toMatch(/\S{20,}/);
    expect(fabrikamId).toMatch(/^new-/);

    // "Pick narrower scopes" opens that line's scopes; creating it there succeeds.
    await user.click(screen.getByTestId('pick-scopes-contoso-labs'));
    const picker = screen.getByTestId('scope-picker-contoso-labs');
    const preset = within(picker).getAllByRole('radio')[0];
    await user.click(preset);
    backend.creationRefusals.delete('contoso-labs');
    await user.click(screen.getByTestId('create-contoso-labs'));
    await waitFor(() => expect(line('contoso-labs')).toHaveAttribute('data-state', 'created'));
    expect(backend.callsOf('createReplacement').at(-1)?.[0]).toMatchObject({ organization: 'contoso-labs' });
    expect((backend.callsOf('createReplacement').at(-1)?.[0] as { scopes: string[] }).scopes).not.toEqual(['vso.work', 'vso.analytics']);

    await user.click(screen.getByTestId('revoke-original'));
    const dialog = screen.getByTestId('revoke-original-dialog');
    expect(backend.callsOf('revokeReplacedToken')).toHaveLength(0);
    await user.click(within(dialog).getByTestId('confirm-button'));
    await screen.findByTestId('replace-done');
    const [original, chosen] = backend.callsOf('revokeReplacedToken')[0] as [
      { authorizationId: string },
      { organization: string; authorizationId?: string }[],
    ];
    expect(original.authorizationId).toBe('g0000001-6c1b-4e0a-9d7f-global000001');
    expect(chosen.map((c) => c.organization)).toEqual(['contoso', 'contoso-labs', 'fabrikam-partners']);
    expect(chosen.every((c) => c.authorizationId?.startsWith('new-'))).toBe(true);
    expect(backend.tokens.find((t) => t.displayName === GLOBAL)?.status).toBe('revoked');
  });

  it('lets the person leave a refusing organization out and then revoke', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.creationRefusals.set('contoso-labs', appError('policyCreationRestricted', 'Only certain people may create tokens here.'));
    const { user } = await openAssistant(backend);
    await user.click(screen.getByTestId('create-replacements'));
    await screen.findByTestId('leave-out-contoso-labs');
    await user.click(screen.getByTestId('leave-out-contoso-labs'));
    await user.click(await screen.findByTestId('revoke-original'));
    await user.click(within(screen.getByTestId('revoke-original-dialog')).getByTestId('confirm-button'));
    await screen.findByTestId('replace-done');
    const chosen = backend.callsOf('revokeReplacedToken')[0][1] as { organization: string }[];
    expect(chosen.map((c) => c.organization)).toEqual(['contoso', 'fabrikam-partners']);
  });

  it('asks before leaving with a value nobody copied, and forgets the values once it is left', async () => {
    const backend = new TestBackend({ signedIn: true });
    const { user } = await openAssistant(backend);
    await user.click(screen.getByTestId('choose-contoso-labs'));
    await user.click(screen.getByTestId('choose-fabrikam-partners'));
    expect(screen.getByTestId('create-replacements')).toHaveTextContent('Create 1 token');
    await user.click(screen.getByTestId('create-replacements'));
    await waitFor(() => expect(line('contoso')).toHaveAttribute('data-state', 'created'));
    expect(backend.heldSecrets).toBe(1);

    await user.click(screen.getByTestId('nav-tokens'));
    const dialog = await screen.findByTestId('leave-dialog');
    expect(dialog).toHaveTextContent('You have not copied or kept the new token for contoso');
    await user.click(within(dialog).getByTestId('cancel-button'));
    expect(screen.getByRole('heading', { name: `Replace “${GLOBAL}”` })).toBeInTheDocument();

    await user.click(within(line('contoso')).getByTestId('copy-button'));
    await user.click(screen.getByTestId('nav-tokens'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    expect(screen.queryByTestId('leave-dialog')).not.toBeInTheDocument();
    await waitFor(() => expect(backend.heldSecrets).toBe(0));
    expect(backend.callsOf('revokeReplacedToken')).toHaveLength(0);
  });

  it('while tokens are being created, leaving stops after the current one and shows it', async () => {
    const backend = new TestBackend({ signedIn: true });
    const { user } = await openAssistant(backend);
    backend.hold('createReplacement');
    await user.click(screen.getByTestId('create-replacements'));
    await waitFor(() => expect(line('contoso')).toHaveAttribute('data-state', 'creating'));
    await user.click(screen.getByTestId('replace-close'));
    const dialog = await screen.findByTestId('leave-dialog');
    expect(dialog).toHaveTextContent('PAT Desk is still creating tokens');
    await user.click(within(dialog).getByTestId('confirm-button'));
    backend.release('createReplacement');
    await waitFor(() => expect(line('contoso')).toHaveAttribute('data-state', 'created'));
    expect(within(line('contoso')).getByTestId('new-secret')).toBeInTheDocument();
    expect(line('contoso-labs')).toHaveAttribute('data-state', 'waiting');
    expect(backend.callsOf('createReplacement')).toHaveLength(1);
  });
});

describe('Replace assistant and lifespan policies', () => {
  beforeEach(() => vi.setSystemTime(new Date('2026-12-02T09:00:00Z')));
  afterEach(() => vi.setSystemTime(TEST_NOW));

  it("says on a line when the organization's policy shortened the expiry", async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.policy.maxLifespanDays = { days: 30, mode: 'clamp' };
    const { user } = await openAssistant(backend);
    await user.click(screen.getByTestId('create-replacements'));
    await waitFor(() => expect(screen.getByTestId('replace-progress')).toHaveTextContent('Created 3 of 3 replacements.'));
    expect(within(line('contoso')).getByTestId('line-clamped')).toHaveTextContent("contoso's policy shortened it: it works until 1 Jan 2027");
  });
});
