import { describe, expect, it, vi } from 'vitest';
import { TEST_NOW } from '../../test/now';
import { screen, waitFor, within } from '@testing-library/svelte';
import { names, renderApp, renderTokens, rowNamed, rows } from '../../test/render';
import { token } from '../../test/tokens';
import { manyTokens, TestBackend } from '$lib/backend/TestBackend';

describe('Token list', () => {
  it('shows a skeleton and the listing progress until the tokens arrive', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.hold('listTokens');
    renderApp({}, backend);
    const loading = await screen.findByTestId('list-loading');
    expect(loading).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByTestId('list-progress')).toHaveAttribute('max', '3');
    await waitFor(() => expect(screen.getByTestId('list-progress')).toHaveAttribute('value', '1'));
    expect(loading).toHaveTextContent('Listing tokens… 1 of 3 organizations');
    expect(rows()).toHaveLength(0);
    backend.release('listTokens');
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(screen.queryByTestId('list-loading')).not.toBeInTheDocument();
    expect(backend.callsOf('listTokens')).toEqual([['all']]);
  });

  it('says so when the record of hand-offs was damaged and kept aside, until dismissed', async () => {
    const backend = new TestBackend({ signedIn: true });
    const sentence =
      "PAT Desk's list of the places it handed tokens to (Git, NuGet, npm, pip) was damaged, so it starts a new one and keeps the old file as handoffs.json.bak.";
    backend.handOffNotice = sentence;
    const { user } = await renderTokens({}, backend);
    const notice = await screen.findByTestId('hand-off-notice');
    expect(notice).toHaveTextContent(sentence);
    await user.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('hand-off-notice')).not.toBeInTheDocument();
  });

  it('says there are no tokens yet and offers to create one', async () => {
    const { user } = await renderTokens({ tokens: [] });
    const empty = await screen.findByTestId('list-empty');
    expect(empty).toHaveTextContent('No tokens yet — create one');
    await user.click(within(empty).getByRole('button', { name: 'Create a token' }));
    expect(await screen.findByRole('heading', { name: 'New token' })).toBeInTheDocument();
  });

  it('shows the error and lists again on "Try again"', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.failWith('listTokens', 'network', 'Azure DevOps could not be reached. Check your connection.');
    const { user } = renderApp({}, backend);
    const error = await screen.findByTestId('list-error');
    expect(error).toHaveTextContent('Azure DevOps could not be reached. Check your connection.');
    await user.click(screen.getByTestId('retry-button'));
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(backend.callsOf('listTokens')).toHaveLength(2);
  });

  it('shows the organizations that answered and one line with a Retry for the one that did not', async () => {
    const backend = new TestBackend({ signedIn: true, tokens: [] });
    backend.tokens.push(
      token('Web deploy', 20, { organization: 'contoso' }),
      token('Labs build', 20, { organization: 'contoso-labs' }),
      token('Partner feed', 20, { organization: 'fabrikam-partners' }),
    );
    const policy = "This organization's administrator only allows access from devices or sign-ins that meet their rules.";
    backend.refuseListing('contoso-labs', 'conditionalAccess', policy);
    const { user } = await renderTokens({}, backend);
    expect(names()).toEqual(['Partner feed', 'Web deploy']);
    const notice = screen.getByTestId('unavailable-organizations');
    expect(notice).toHaveTextContent('The tokens of 1 organization could not be listed.');
    expect(within(notice).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByTestId('unavailable-contoso-labs')).toHaveTextContent(`contoso-labs: ${policy}`);
    expect(screen.queryByTestId('list-error')).not.toBeInTheDocument();

    // Still refused: the line stays, with the new reason; nothing else changes.
    backend.refuseListing('contoso-labs', 'rateLimited', 'Azure DevOps asked PAT Desk to slow down.');
    await user.click(screen.getByTestId('retry-organization-contoso-labs'));
    await waitFor(() =>
      expect(screen.getByTestId('unavailable-contoso-labs')).toHaveTextContent('Azure DevOps asked PAT Desk to slow down.'),
    );
    expect(names()).toEqual(['Partner feed', 'Web deploy']);

    // Retry lists that organization alone and adds its tokens.
    backend.allowListing('contoso-labs');
    await user.click(screen.getByTestId('retry-organization-contoso-labs'));
    await waitFor(() => expect(screen.queryByTestId('unavailable-organizations')).not.toBeInTheDocument());
    expect(names()).toEqual(['Labs build', 'Partner feed', 'Web deploy']);
    expect(backend.callsOf('listTokens')).toEqual([['all'], ['all', ['contoso-labs']], ['all', ['contoso-labs']]]);
  });

  it('shows the one error when no organization could be listed', async () => {
    const backend = new TestBackend({ signedIn: true });
    for (const org of ['contoso', 'contoso-labs', 'fabrikam-partners']) {
      backend.refuseListing(org, 'conditionalAccess', 'Blocked by Conditional Access.');
    }
    renderApp({}, backend);
    expect(await screen.findByTestId('list-error')).toHaveTextContent('Blocked by Conditional Access.');
    expect(screen.queryByTestId('unavailable-organizations')).not.toBeInTheDocument();
  });

  it('lists again on Refresh, picking up changes made elsewhere', async () => {
    const { user, backend } = await renderTokens({ tokens: [token('First', 20)] });
    expect(names()).toEqual(['First']);
    backend.tokens.push(token('Made in the browser', 30));
    await user.click(screen.getByTestId('refresh-button'));
    await waitFor(() => expect(names()).toEqual(['First', 'Made in the browser']));
    expect(backend.callsOf('listTokens')).toHaveLength(2);
  });

  it('filters by status with the segmented control', async () => {
    const { user } = await renderTokens();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(screen.getByTestId('filter-active')).toHaveAttribute('aria-pressed', 'true');
    expect(rows().every((r) => r.dataset.status === 'active')).toBe(true);

    for (const status of ['expired', 'revoked'] as const) {
      await user.click(screen.getByTestId(`filter-${status}`));
      expect(screen.getByTestId(`filter-${status}`)).toHaveAttribute('aria-pressed', 'true');
      expect(rows().length).toBeGreaterThan(0);
      expect(rows().every((r) => r.dataset.status === status)).toBe(true);
    }
    await user.click(screen.getByTestId('filter-all'));
    expect(screen.getByTestId('filter-all')).toHaveTextContent('All41');
    expect(screen.getByRole('table')).toHaveAttribute('aria-rowcount', '42');
    expect(new Set(rows().map((r) => r.dataset.status))).toEqual(new Set(['active', 'expired', 'revoked']));
  });

  it('searches by name', async () => {
    const { user } = await renderTokens();
    await user.click(screen.getByTestId('filter-all'));
    await user.type(screen.getByTestId('search-input'), 'npm');
    expect(names()).toEqual(['npm publish', 'npm publish 2']);
    await user.clear(screen.getByTestId('search-input'));
    await user.type(screen.getByTestId('search-input'), 'no such token');
    expect(rows()).toHaveLength(0);
    expect(screen.getByTestId('list-no-match')).toHaveTextContent('match “no such token”');
  });

  it('sorts by expiry, name and status', async () => {
    const tokens = [
      token('Charlie', 40),
      token('alpha', 3),
      token('Bravo', -10),
      token('Delta', 100, { status: 'revoked' }),
    ];
    const { user } = await renderTokens({ tokens });
    await user.click(screen.getByTestId('filter-all'));
    expect(names()).toEqual(['Bravo', 'alpha', 'Charlie', 'Delta']);
    await user.selectOptions(screen.getByTestId('sort-select'), 'displayName');
    expect(names()).toEqual(['alpha', 'Bravo', 'Charlie', 'Delta']);
    await user.selectOptions(screen.getByTestId('sort-select'), 'status');
    expect(names()).toEqual(['alpha', 'Charlie', 'Bravo', 'Delta']);
  });

  it('badges tokens at 14, 7 and 1 days before expiry, expired and revoked ones', async () => {
    const tokens = [
      token('Soon', 3),
      token('Tomorrow', 1),
      token('Week', 7),
      token('Later', 8),
      token('Fortnight', 14),
      token('Month', 15),
      token('Past', -2),
      token('Gone', 30, { status: 'revoked' }),
    ];
    const { user } = await renderTokens({ tokens });
    await user.click(screen.getByTestId('filter-all'));
    const badge = (name: string) => within(rowNamed(name)).getByTestId('status-badge');
    expect(badge('Soon')).toHaveTextContent('Expires in 3 days');
    expect(badge('Soon')).toHaveClass('warn');
    expect(badge('Tomorrow')).toHaveTextContent('Expires in 1 day');
    expect(badge('Tomorrow')).toHaveClass('urgent');
    expect(badge('Week')).toHaveTextContent('Expires in 7 days');
    expect(badge('Week')).toHaveClass('warn');
    expect(badge('Later')).toHaveTextContent('Expires in 8 days');
    expect(badge('Later')).toHaveClass('soon');
    expect(badge('Fortnight')).toHaveTextContent('Expires in 14 days');
    expect(badge('Month')).toHaveTextContent('Active');
    expect(badge('Month')).not.toHaveClass('soon');
    expect(badge('Past')).toHaveTextContent('Expired');
    expect(badge('Gone')).toHaveTextContent('Revoked');
    expect(within(rowNamed('Gone')).queryByTestId('row-revoke-button')).not.toBeInTheDocument();
    expect(within(rowNamed('Gone')).getByTestId('row-checkbox')).toBeDisabled();
  });

  it('shows each token with its organization, scopes in words and dates', async () => {
    await renderTokens({ tokens: [token('Laptop git', 50, { scope: 'vso.code_write vso.packaging' })] });
    const row = await waitFor(() => rowNamed('Laptop git'));
    expect(row).toHaveAttribute('data-authorization-id', 'id-laptop-git');
    expect(within(row).getByTestId('token-scopes')).toHaveTextContent('Code (read and write), Packaging (read)');
    expect(row).toHaveTextContent('contoso');
  });

  it('flags the global PAT, explains it, and Replace opens the Replace assistant for it', async () => {
    const { user, backend } = await renderTokens();
    await user.type(screen.getByTestId('search-input'), 'Reporting');
    const row = rowNamed('Reporting across all orgs');
    expect(within(row).getByTestId('global-flag')).toHaveTextContent('Stops working on 1 Dec 2026');
    expect(row).toHaveTextContent('All organizations');
    expect(screen.getByTestId('global-note')).toHaveTextContent('1 token works in all your organizations');
    await user.click(within(row).getByTestId('replace-button'));
    expect(await screen.findByRole('heading', { name: 'Replace “Reporting across all orgs”' })).toBeInTheDocument();
    expect(screen.getByText(/so it stops working on 1 Dec 2026/)).toBeInTheDocument();
    expect(backend.callsOf('planReplacement')).toEqual([['contoso', 'g0000001-6c1b-4e0a-9d7f-global000001']]);
  });

  it('after 1 Dec 2026 shows the global token as stopped working, first, counted in its own banner', async () => {
    vi.setSystemTime(new Date('2026-12-02T09:00:00Z'));
    try {
      const { user } = await renderTokens();
      const note = screen.getByTestId('stopped-note');
      expect(note).toHaveTextContent(
        '1 of your tokens stopped working on 1 Dec 2026 because it worked in all organizations.',
      );
      expect(screen.queryByTestId('global-note')).not.toBeInTheDocument();
      // First among the active tokens, whatever the sort.
      expect(names()[0]).toBe('Reporting across all orgs');
      await user.selectOptions(screen.getByTestId('sort-select'), 'displayName');
      expect(names()[0]).toBe('Reporting across all orgs');
      const row = rowNamed('Reporting across all orgs');
      expect(within(row).getByTestId('status-badge')).toHaveTextContent('Stopped working');
      expect(within(row).getByTestId('global-flag')).toHaveTextContent('Since 1 Dec 2026');
      expect(within(row).getByTestId('replace-button')).toBeInTheDocument();
    } finally {
      vi.setSystemTime(TEST_NOW);
    }
  });

  it('keeps only a window of rows in the DOM for 10,000 tokens', async () => {
    const { user } = await renderTokens({ tokens: manyTokens(10_000) });
    await user.click(screen.getByTestId('filter-all'));
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(rows().length).toBeLessThan(40);
    expect(screen.getByRole('table')).toHaveAttribute('aria-rowcount', '10001');

    // Scrolling far down renders the rows there, and still only a window of them.
    await user.selectOptions(screen.getByTestId('sort-select'), 'displayName');
    const viewport = screen.getByRole('rowgroup', { name: 'Tokens' });
    viewport.scrollTop = 60 * 5000;
    viewport.dispatchEvent(new Event('scroll'));
    await waitFor(() => expect(names()).toContain('Token 05000'));
    expect(rows().length).toBeLessThan(40);
    expect(names()).not.toContain('Token 00000');
    expect(rowNamed('Token 05000')).toHaveAttribute('aria-rowindex', String(5000 + 2));
  });
});
