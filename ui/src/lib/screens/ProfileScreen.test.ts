import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { renderApp, renderTokens, rowNamed } from '../../test/render';
import { testServer } from '$lib/backend/TestBackend';

describe('Profile', () => {
  it('shows the person and their organizations', async () => {
    const { user } = await renderTokens();
    await user.click(screen.getByTestId('nav-profile'));
    expect(screen.getByTestId('nav-profile')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('profile-name')).toHaveTextContent('Alex Morgan');
    expect(screen.getByTestId('profile-email')).toHaveTextContent('alex.morgan@contoso.com');
    expect(screen.getByTestId('profile-initials')).toHaveTextContent('AM');
    const orgs = within(screen.getByTestId('profile-organizations')).getAllByTestId('profile-organization');
    expect(orgs.map((o) => o.textContent)).toEqual([
      expect.stringContaining('contoso'),
      expect.stringContaining('contoso-labs'),
      expect.stringContaining('fabrikam-partners'),
    ]);
  });

  it('signs out back to the sign-in screen', async () => {
    const { user, backend } = await renderTokens();
    await user.click(screen.getByTestId('nav-profile'));
    await user.click(screen.getByTestId('sign-out-button'));
    expect(await screen.findByTestId('org-input')).toBeInTheDocument();
    expect(backend.callsOf('signOut')).toHaveLength(1);
    expect(backend.session).toBeNull();
  });
});

describe('Profile and tokens on an Azure DevOps Server', () => {
  it('speaks of the server’s collections, and its all-collections tokens are not “retired”', async () => {
    const { user, backend } = renderApp();
    await user.type(await screen.findByTestId('org-input'), testServer.url);
    await user.type(await screen.findByTestId('server-user'), testServer.user);
    await user.type(screen.getByTestId('server-secret'), testServer.password);
    await user.click(screen.getByTestId('server-sign-in-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await waitFor(() => expect(screen.queryByTestId('list-loading')).not.toBeInTheDocument());
    expect(screen.getByRole('columnheader', { name: 'Collection' })).toBeInTheDocument();
    const allCollections = rowNamed('Reporting across all orgs');
    expect(allCollections).toHaveTextContent('All collections');
    expect(within(allCollections).queryByTestId('replace-button')).not.toBeInTheDocument();
    expect(within(allCollections).queryByTestId('global-flag')).not.toBeInTheDocument();
    expect(screen.queryByTestId('global-note')).not.toBeInTheDocument();
    expect(screen.queryByTestId('stopped-note')).not.toBeInTheDocument();
    expect(backend.callsOf('listTokens').length).toBeGreaterThan(0);

    await user.click(screen.getByTestId('nav-profile'));
    expect(screen.getByTestId('profile-places-title')).toHaveTextContent(`Collections on ${testServer.host}`);
    const collections = within(screen.getByTestId('profile-organizations')).getAllByTestId('profile-organization');
    expect(collections.map((c) => c.textContent)).toEqual([
      expect.stringContaining('DefaultCollection'),
      expect.stringContaining('Research'),
    ]);
  });
});

describe('Profile of a server reached over an unencrypted connection', () => {
  it('shows since when the unencrypted connection was chosen, and taking it back signs out and asks again', async () => {
    const { user, backend } = renderApp();
    const plain = 'http://tfs.contoso.local:8080/tfs';
    await user.type(await screen.findByTestId('org-input'), plain);
    await user.click(await screen.findByTestId('choose-plain-http-button'));
    await user.type(await screen.findByTestId('server-user'), testServer.user);
    await user.type(screen.getByTestId('server-secret'), testServer.password);
    await user.click(screen.getByTestId('server-sign-in-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await user.click(screen.getByTestId('nav-profile'));
    expect(screen.getByTestId('profile-plain-http-since')).toHaveTextContent(
      /You chose to use the unencrypted \(http:\/\/\) connection to tfs\.contoso\.local:8080 on .*2026/,
    );
    await user.click(screen.getByTestId('take-back-plain-http'));
    expect(backend.callsOf('forgetPlainHttp')).toEqual([[plain]]);
    expect(await screen.findByTestId('org-input')).toBeInTheDocument();
    expect(backend.session).toBeNull();
    // The next sign-in to that server asks again.
    await user.type(screen.getByTestId('org-input'), plain);
    expect(await screen.findByTestId('plain-http-warning')).toBeInTheDocument();
  });

  it('says nothing of it for an https server', async () => {
    const { user } = renderApp();
    await user.type(await screen.findByTestId('org-input'), testServer.url);
    await user.type(await screen.findByTestId('server-user'), testServer.user);
    await user.type(screen.getByTestId('server-secret'), testServer.password);
    await user.click(screen.getByTestId('server-sign-in-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await user.click(screen.getByTestId('nav-profile'));
    expect(screen.queryByTestId('profile-plain-http')).not.toBeInTheDocument();
  });
});
