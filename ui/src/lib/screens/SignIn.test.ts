import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/svelte';
import { renderApp } from '../../test/render';
import { parseOrganization, parseServerAddress, testServer } from '$lib/backend/TestBackend';

describe('Sign in', () => {
  it('asks for an organization before signing in', async () => {
    const { user, backend } = renderApp();
    await user.click(await screen.findByTestId('sign-in-button'));
    expect(screen.getByTestId('org-error')).toHaveTextContent('Enter your organization');
    expect(screen.getByTestId('org-input')).toHaveAttribute('aria-invalid', 'true');
    expect(backend.callsOf('signIn')).toHaveLength(0);
  });

  it('explains an organization the shell cannot parse, inline', async () => {
    const { user, backend } = renderApp();
    await user.type(await screen.findByTestId('org-input'), 'not an org!');
    await user.click(screen.getByTestId('sign-in-button'));
    expect(await screen.findByTestId('org-error')).toHaveTextContent('does not look like an Azure DevOps organization');
    expect(backend.callsOf('validateOrganization')).toEqual([['not an org!']]);
    expect(backend.callsOf('signIn')).toHaveLength(0);
  });

  it('waits for the browser with the address as a fallback, and Cancel returns to the form with a sentence', async () => {
    const { user, backend } = renderApp();
    backend.holdSignIn = true;
    await user.type(await screen.findByTestId('org-input'), 'https://contoso.visualstudio.com');
    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('sign-in-waiting')).toHaveTextContent(
      'Waiting for you to finish signing in with your browser…',
    );
    expect(screen.getByTestId('authorize-url')).toHaveTextContent(backend.authorizeUrl);
    expect(backend.callsOf('signIn')).toEqual([['contoso']]);
    // The form was replaced: the focus moved to the panel's first button, not to the page.
    await waitFor(() => expect(screen.getByTestId('copy-sign-in-address')).toHaveFocus());
    // The address box is the only other copy of the address: it scrolls with the keyboard and can be copied.
    expect(screen.getByTestId('authorize-url')).toHaveAttribute('tabindex', '0');
    await user.click(screen.getByTestId('copy-sign-in-address'));
    expect(backend.callsOf('copySignInAddress')).toHaveLength(1);
    expect(backend.clipboardText).toBe(backend.authorizeUrl);
    expect(screen.getByTestId('copy-sign-in-address')).toHaveTextContent('Copied');
    await user.click(screen.getByTestId('cancel-sign-in'));
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent('You cancelled the sign-in.');
    await waitFor(() => expect(screen.getByTestId('org-input')).toHaveFocus());
    expect(backend.callsOf('cancelSignIn')).toHaveLength(1);
    expect(screen.queryByTestId('sign-in-waiting')).not.toBeInTheDocument();
    // The organization stays, normalised to its address.
    expect(screen.getByTestId('org-input')).toHaveValue('https://dev.azure.com/contoso');
  });

  it('returns to the form with a sentence when the browser sign-in times out', async () => {
    const { user, backend } = renderApp();
    backend.holdSignIn = true;
    await user.type(await screen.findByTestId('org-input'), 'contoso');
    await user.click(screen.getByTestId('sign-in-button'));
    await screen.findByTestId('sign-in-waiting');
    backend.finishSignIn({ code: 'signInExpired', message: 'expired' });
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent('The sign-in took too long');
    expect(screen.getByTestId('sign-in-button')).toHaveAttribute('aria-disabled', 'false');
  });

  it('shows the device code large, copies it through the shell, and signs in when done', async () => {
    const { user, backend } = renderApp();
    backend.holdSignIn = true;
    await user.type(await screen.findByTestId('org-input'), 'contoso');
    await user.click(screen.getByTestId('device-sign-in-button'));
    expect(await screen.findByTestId('device-code')).toHaveTextContent('K7QH2MZP');
    expect(screen.getByTestId('device-verification-uri')).toHaveTextContent('https://microsoft.com/devicelogin');
    await user.click(screen.getByTestId('copy-device-code'));
    expect(backend.callsOf('copyDeviceCode')).toHaveLength(1);
    expect(backend.clipboardText).toBe('K7QH2MZP');
    expect(screen.getByTestId('copy-device-code')).toHaveTextContent('Copied');
    backend.finishSignIn();
    expect(await screen.findByRole('heading', { name: 'Personal access tokens' })).toBeInTheDocument();
  });

  it.each([
    ['signInDeclined', 'You declined the sign-in.'],
    ['signInExpired', 'The sign-in took too long'],
  ] as const)('ends a device-code sign-in that was %s with a sentence', async (code, sentence) => {
    const { user, backend } = renderApp();
    backend.holdSignIn = true;
    await user.type(await screen.findByTestId('org-input'), 'contoso');
    await user.click(screen.getByTestId('device-sign-in-button'));
    await screen.findByTestId('device-code');
    backend.finishSignIn({ code, message: 'You declined the sign-in.' });
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent(sentence);
    expect(screen.queryByTestId('device-code')).not.toBeInTheDocument();
  });

  it('opens the app when sign-in succeeds', async () => {
    const { user } = renderApp();
    await user.type(await screen.findByTestId('org-input'), 'contoso');
    await user.click(screen.getByTestId('sign-in-button'));
    expect(await screen.findByRole('heading', { name: 'Personal access tokens' })).toBeInTheDocument();
    expect(screen.queryByTestId('demo-banner')).not.toBeInTheDocument();
  });

  it('starts the demo, with its banner', async () => {
    const { user, backend } = renderApp();
    await user.click(await screen.findByTestId('demo-button'));
    expect(await screen.findByTestId('demo-banner')).toHaveTextContent('Demo — nothing here touches a real account');
    expect(backend.callsOf('startDemo')).toHaveLength(1);
    await waitFor(() => expect(screen.getAllByTestId('token-row').length).toBeGreaterThan(0));
  });

  it('shows why the demo could not start', async () => {
    const { user, backend } = renderApp();
    backend.failWith('startDemo', 'internal', 'The demo simulator did not start.');
    await user.click(await screen.findByTestId('demo-button'));
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent('The demo simulator did not start.');
  });

  it('works from the keyboard alone', async () => {
    const { user, backend } = renderApp();
    await screen.findByTestId('org-input');
    await user.tab();
    expect(screen.getByTestId('org-input')).toHaveFocus();
    await user.tab();
    expect(screen.getByTestId('sign-in-button')).toHaveFocus();
    await user.tab();
    expect(screen.getByTestId('device-sign-in-button')).toHaveFocus();
    await user.tab();
    expect(screen.getByTestId('demo-button')).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('demo-banner')).toBeInTheDocument();
    expect(backend.callsOf('startDemo')).toHaveLength(1);
  });

  it('resumes a session the shell already holds', async () => {
    renderApp({ signedIn: true });
    expect(await screen.findByTestId('demo-banner')).toBeInTheDocument();
  });
});

describe('parseOrganization (TestBackend stand-in for the shell parser)', () => {
  it.each([
    ['contoso', 'contoso'],
    ['https://dev.azure.com/contoso', 'contoso'],
    ['https://dev.azure.com/contoso/', 'contoso'],
    ['https://contoso.visualstudio.com', 'contoso'],
    ['  Contoso-Labs ', 'contoso-labs'],
  ])('accepts %s', (input, name) => expect(parseOrganization(input)).toBe(name));

  it.each(['', 'https://example.com/x', 'two words', 'contoso.com'])('refuses %s', (input) =>
    expect(parseOrganization(input)).toBeNull(),
  );
});

describe('Sign in to an Azure DevOps Server', () => {
  it('reads every server address form, and nothing of Azure DevOps Services as a server', () => {
    expect(parseServerAddress('https://tfs.contoso.local:8080/tfs')).toEqual({
      url: 'https://tfs.contoso.local:8080/tfs',
      host: 'tfs.contoso.local',
      collection: null,
    });
    expect(parseServerAddress('https://tfs.contoso.local:8080/tfs/DefaultCollection')?.collection).toBe('DefaultCollection');
    expect(parseServerAddress('http://server:8080/tfs/')?.url).toBe('http://server:8080/tfs');
    expect(parseServerAddress('https://devops.contoso.local/Research')).toEqual({
      url: 'https://devops.contoso.local',
      host: 'devops.contoso.local',
      collection: 'Research',
    });
    expect(parseServerAddress('tfs.contoso.local/tfs/DefaultCollection/Project/_git/repo')).toEqual({
      url: 'https://tfs.contoso.local/tfs',
      host: 'tfs.contoso.local',
      collection: 'DefaultCollection',
    });
    for (const services of ['https://dev.azure.com/contoso', 'https://contoso.visualstudio.com']) {
      expect(parseServerAddress(services)).toBeNull();
    }
  });

  it('asks for a Windows account once the address is a server, and keeps what was typed when the password is wrong', async () => {
    const { user, backend } = renderApp();
    await user.type(await screen.findByTestId('org-input'), `${testServer.url}/DefaultCollection`);
    expect(await screen.findByTestId('server-sign-in')).toBeInTheDocument();
    expect(screen.getByTestId('server-host')).toHaveTextContent(testServer.host);
    expect(screen.getByText(/collection DefaultCollection/)).toBeInTheDocument();
    // Microsoft's sign-in is not offered for a server.
    expect(screen.queryByTestId('sign-in-button')).not.toBeInTheDocument();
    expect(screen.queryByTestId('device-sign-in-button')).not.toBeInTheDocument();
    expect(screen.getByTestId('server-sign-in-button')).toHaveTextContent(`Sign in to ${testServer.host}`);

    // Nothing typed yet: each field says what it needs, and nothing is sent.
    await user.click(screen.getByTestId('server-sign-in-button'));
    expect(screen.getByTestId('server-user-error')).toHaveTextContent('Enter your Windows user name');
    expect(screen.getByTestId('server-secret-error')).toHaveTextContent('Enter your Windows password');
    await waitFor(() => expect(screen.getByTestId('server-user')).toHaveFocus());
    expect(backend.callsOf('signInToServer')).toHaveLength(0);

    await user.type(screen.getByTestId('server-user'), testServer.user);
    await user.type(screen.getByTestId('server-secret'), 'not the password');
    await user.click(screen.getByTestId('server-sign-in-button'));
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent('did not accept that user name and password');
    expect(screen.getByTestId('org-input')).toHaveValue(`${testServer.url}/DefaultCollection`);
    expect(screen.getByTestId('server-user')).toHaveValue(testServer.user);
    await waitFor(() => expect(screen.getByTestId('server-secret')).toHaveFocus());
    // The call log never holds the password.
    expect(JSON.stringify(backend.calls)).not.toContain('not the password');

    await user.clear(screen.getByTestId('server-secret'));
    await user.type(screen.getByTestId('server-secret'), testServer.password);
    await user.click(screen.getByTestId('server-sign-in-button'));
    await waitFor(() => expect(screen.queryByTestId('server-sign-in')).not.toBeInTheDocument());
    expect(backend.callsOf('signInToServer').at(-1)).toEqual([
      {
        address: `${testServer.url}/DefaultCollection`,
        credential: 'windows',
        user: testServer.user,
        secret: '(secret)',
        remember: true,
      },
    ]);
    const session = await backend.currentSession();
    expect(session?.server).toMatchObject({ url: testServer.url, host: testServer.host, signedInWith: 'windows' });
  });

  it('offers to sign in as the current Windows user first, with the password form after it', async () => {
    const { user, backend } = renderApp({ windowsAccount: 'CONTOSO\\dana' });
    await user.type(await screen.findByTestId('org-input'), `${testServer.url}/DefaultCollection`);
    const offer = await screen.findByTestId('current-user-button');
    expect(offer).toHaveTextContent('Sign in as CONTOSO\\dana');
    // First: before the choice of credential, the user name, the password and their button.
    const form = screen.getByTestId('server-sign-in');
    expect(offer.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const order = [...document.querySelectorAll('[data-testid="current-user-button"], [data-testid="server-sign-in-button"]')];
    expect(order.map((b) => b.getAttribute('data-testid'))).toEqual(['current-user-button', 'server-sign-in-button']);
    expect(offer).toHaveClass('btn-primary');
    expect(screen.getByTestId('server-sign-in-button')).not.toHaveClass('btn-primary');

    // Nothing to type: no user name or password is sent, only which account kind.
    await user.click(offer);
    await waitFor(() => expect(screen.queryByTestId('current-user-button')).not.toBeInTheDocument());
    expect(backend.callsOf('signInToServer')).toEqual([
      [{ address: `${testServer.url}/DefaultCollection`, credential: 'currentWindowsUser', user: '', secret: '', remember: true }],
    ]);
    const session = await backend.currentSession();
    expect(session?.server?.signedInWith).toBe('currentWindowsUser');
    expect(session?.accountLabel).toBe(`CONTOSO\\dana on ${testServer.host}`);
  });

  it('offers no current Windows user when the shell names none (not Windows)', async () => {
    const { user } = renderApp();
    await user.type(await screen.findByTestId('org-input'), `${testServer.url}/DefaultCollection`);
    await screen.findByTestId('server-sign-in');
    expect(screen.queryByTestId('current-user-sign-in')).not.toBeInTheDocument();
    expect(screen.queryByText(/Sign in as/)).not.toBeInTheDocument();
    expect(screen.getByTestId('server-sign-in-button')).toHaveClass('btn-primary');
  });

  it('says why signing in as the current Windows user failed, and leaves the password form to use', async () => {
    const { user, backend } = renderApp({ windowsAccount: 'CONTOSO\\dana' });
    backend.failWith(
      'signInToServer',
      'signInFailed',
      'The server did not accept your Windows sign-in as CONTOSO\\dana. Sign in with your user name and password instead, or with a personal access token.',
    );
    await user.type(await screen.findByTestId('org-input'), testServer.url);
    await user.click(await screen.findByTestId('current-user-button'));
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent('did not accept your Windows sign-in as CONTOSO\\dana');
    expect(screen.getByTestId('server-user')).toBeInTheDocument();
    expect(screen.getByTestId('current-user-button')).toHaveTextContent('Sign in as CONTOSO\\dana');
  });

  it('signs in with an existing token, saying plainly what a token cannot do', async () => {
    const { user, backend } = renderApp();
    await user.type(await screen.findByTestId('org-input'), 'https://server:8080/tfs/');
    await screen.findByTestId('server-sign-in');
    await user.click(screen.getByTestId('credential-token'));
    expect(screen.getByTestId('token-sign-in-note')).toHaveTextContent(
      'Creating new tokens needs the sign-in with your Windows account',
    );
    expect(screen.queryByTestId('server-user')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('server-sign-in-button'));
    expect(screen.getByTestId('server-secret-error')).toHaveTextContent('Paste the personal access token');
    await user.type(screen.getByTestId('server-secret'), 'a-token-value');
    await user.click(screen.getByTestId('server-remember'));
    await user.click(screen.getByTestId('server-sign-in-button'));
    await waitFor(() => expect(screen.queryByTestId('server-sign-in')).not.toBeInTheDocument());
    expect(backend.callsOf('signInToServer').at(-1)).toEqual([
      { address: 'https://server:8080/tfs/', credential: 'personalAccessToken', user: '', secret: '(secret)', remember: false },
    ]);
  });
});

describe('An Azure DevOps Server on plain http:// (another computer)', () => {
  const plain = 'http://tfs.contoso.local:8080/tfs/DefaultCollection';

  it('warns before anything is sent, offers the https address, and signs in only after the explicit choice', async () => {
    const { user, backend } = renderApp({ httpsAddress: 'https://tfs.contoso.local/tfs/DefaultCollection' });
    await user.type(await screen.findByTestId('org-input'), plain);
    const warning = await screen.findByTestId('plain-http-warning');
    expect(warning).toHaveTextContent('The connection to tfs.contoso.local:8080 is not encrypted');
    expect(warning).toHaveTextContent('read every new token the server creates for you');
    expect(warning).toHaveTextContent('relay your Windows sign-in');
    expect(warning).toHaveTextContent('Nothing has been sent to the server yet.');
    // No sign-in form, nothing sent: only the probe of https, which carries no credential.
    expect(screen.queryByTestId('server-sign-in')).not.toBeInTheDocument();
    expect(screen.queryByTestId('server-sign-in-button')).not.toBeInTheDocument();
    expect(await screen.findByTestId('https-address')).toHaveTextContent('https://tfs.contoso.local/tfs/DefaultCollection');
    expect(backend.callsOf('findHttpsAddress')).toEqual([[plain]]);
    expect(backend.callsOf('signInToServer')).toHaveLength(0);

    expect(screen.getByTestId('choose-plain-http-button')).toHaveTextContent(
      'Use the unencrypted connection to tfs.contoso.local:8080',
    );
    await user.click(screen.getByTestId('choose-plain-http-button'));
    expect(await screen.findByTestId('server-sign-in')).toBeInTheDocument();
    expect(screen.queryByTestId('plain-http-warning')).not.toBeInTheDocument();
    expect(screen.getByTestId('plain-http-chosen')).toHaveTextContent('Unencrypted connection to tfs.contoso.local:8080, chosen on');
    expect(backend.callsOf('choosePlainHttp')).toEqual([[plain]]);
    // A token never crosses an unencrypted connection: that way in is off, and says why.
    expect(screen.getByTestId('credential-token')).toBeDisabled();
    await user.type(screen.getByTestId('server-user'), testServer.user);
    await user.type(screen.getByTestId('server-secret'), testServer.password);
    await user.click(screen.getByTestId('server-sign-in-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    expect((await backend.currentSession())?.server?.plainHttpChosenAt).toBe('2026-12-02T09:00:00Z');
  });

  it('switches to the https address when the person takes it, and then asks nothing about http', async () => {
    const { user, backend } = renderApp({ httpsAddress: 'https://tfs.contoso.local/tfs/DefaultCollection' });
    await user.type(await screen.findByTestId('org-input'), plain);
    await user.click(await screen.findByTestId('use-https-button'));
    expect(screen.getByTestId('org-input')).toHaveValue('https://tfs.contoso.local/tfs/DefaultCollection');
    expect(await screen.findByTestId('server-sign-in')).toBeInTheDocument();
    expect(screen.queryByTestId('plain-http-warning')).not.toBeInTheDocument();
    expect(backend.callsOf('choosePlainHttp')).toHaveLength(0);
  });

  it('says so when the server has no https address, and a server on this computer is not warned about', async () => {
    const { user } = renderApp();
    await user.type(await screen.findByTestId('org-input'), plain);
    expect(await screen.findByTestId('https-none')).toHaveTextContent('did not answer over https://');
    await user.clear(screen.getByTestId('org-input'));
    await user.type(screen.getByTestId('org-input'), 'http://127.0.0.1:8080/tfs');
    expect(await screen.findByTestId('server-sign-in')).toBeInTheDocument();
    expect(screen.queryByTestId('plain-http-warning')).not.toBeInTheDocument();
  });
});

describe('The demo of an Azure DevOps Server', () => {
  it('starts from the sign-in screen and speaks of the server’s collections', async () => {
    const { user, backend } = renderApp();
    await user.click(await screen.findByTestId('server-demo-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    expect(backend.callsOf('startServerDemo')).toHaveLength(1);
    const session = await backend.currentSession();
    expect(session?.demo).toBe(true);
    expect(session?.server?.host).toBe(testServer.host);
    await waitFor(() => expect(screen.queryByTestId('list-loading')).not.toBeInTheDocument());
    expect(screen.getByRole('columnheader', { name: 'Collection' })).toBeInTheDocument();
  });
});
