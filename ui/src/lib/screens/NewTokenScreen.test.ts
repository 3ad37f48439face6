import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { renderApp, renderTokens } from '../../test/render';
import { testServer } from '$lib/backend/TestBackend';
import { localDay } from '$lib/expiry';
import type { NewTokenRequest } from '$lib/ipc';

async function openNewToken(options = {}) {
  const rendered = await renderTokens(options);
  await rendered.user.click(screen.getByTestId('new-token-button'));
  await screen.findByRole('heading', { name: 'New token' });
  await screen.findByTestId('preset-build-agent');
  return rendered;
}

describe('New token', () => {
  it('explains missing name and scopes inline and sends nothing', async () => {
    const { user, backend } = await openNewToken();
    await user.click(screen.getByTestId('create-button'));
    expect(screen.getByTestId('token-name-error')).toHaveTextContent('The token needs a name. Type a name and try again.');
    expect(screen.getByTestId('scope-error')).toHaveTextContent('Choose at least one scope');
    expect(screen.getByTestId('token-name-input')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId('token-name-input')).toHaveFocus();
    expect(backend.callsOf('createToken')).toHaveLength(0);
  });

  it('limits names to 256 characters after HTML-encoding, keeps the text, and warns about < > & "', async () => {
    const { user, backend } = await openNewToken();
    const input = screen.getByTestId('token-name-input');
    const tooLong = 'The name is too long. Use at most 256 characters (& < > and " count as several).';
    await fireEvent.input(input, { target: { value: 'x'.repeat(257) } });
    await user.click(screen.getByTestId('preset-git'));
    await user.click(screen.getByTestId('create-button'));
    expect(screen.getByTestId('token-name-error')).toHaveTextContent(tooLong);
    expect(backend.callsOf('createToken')).toHaveLength(0);

    // 60 × & is 300 characters once encoded as &amp;: the core refuses it, so the form does too.
    await fireEvent.input(input, { target: { value: '&'.repeat(60) } });
    await user.click(screen.getByTestId('create-button'));
    expect(screen.getByTestId('token-name-error')).toHaveTextContent(tooLong);
    expect(screen.getByTestId('token-name-help')).toHaveTextContent('300/256');
    expect(input).toHaveValue('&'.repeat(60));
    expect(backend.callsOf('createToken')).toHaveLength(0);

    await fireEvent.input(input, { target: { value: '&'.repeat(51) } });
    expect(screen.queryByTestId('token-name-error')).not.toBeInTheDocument();
    expect(screen.getByTestId('token-name-help')).toHaveTextContent('255/256');

    await fireEvent.input(input, { target: { value: 'Tom & Jerry <build>' } });
    expect(screen.queryByTestId('token-name-error')).not.toBeInTheDocument();
    expect(screen.getByTestId('token-name-warning')).toHaveTextContent('< > & and "');
  });

  it('refuses a name with an invisible or control character, says why and keeps what was typed', async () => {
    const { user, backend } = await openNewToken();
    const input = screen.getByTestId('token-name-input');
    const hidden =
      'The name holds an invisible or control character (such as a zero-width space or a text-direction mark) that could hide what it says. Remove it and try again.';
    await user.click(screen.getByTestId('preset-git'));
    for (const name of ['pay\u200broll', 'build\u202egpj.exe', 'a\u001b[2Jb']) {
      await fireEvent.input(input, { target: { value: name } });
      await user.click(screen.getByTestId('create-button'));
      expect(screen.getByTestId('token-name-error')).toHaveTextContent(hidden);
      expect(input).toHaveValue(name);
    }
    expect(backend.callsOf('createToken')).toHaveLength(0);
    await fireEvent.input(input, { target: { value: 'payroll' } });
    expect(screen.queryByTestId('token-name-error')).not.toBeInTheDocument();
  });

  it('offers only the person’s organizations, never all organizations', async () => {
    await openNewToken();
    const options = Array.from((screen.getByTestId('org-select') as HTMLSelectElement).options).map((o) => o.value);
    expect(options).toEqual(['contoso', 'contoso-labs', 'fabrikam-partners']);
  });

  it('sets the selection from presets', async () => {
    const { user } = await openNewToken();
    await user.click(screen.getByTestId('preset-build-agent'));
    expect(screen.getByTestId('scope-vso.agentpools_manage')).toBeChecked();
    expect(screen.getByTestId('preset-build-agent')).toHaveAttribute('aria-pressed', 'true');

    await user.click(screen.getByTestId('preset-git'));
    expect(screen.getByTestId('scope-vso.code_write')).toBeChecked();
    expect(screen.getByTestId('scope-vso.agentpools_manage')).not.toBeChecked();

    await user.click(screen.getByTestId('preset-packages-read'));
    expect(screen.getByTestId('scope-vso.packaging')).toBeChecked();
    expect(screen.getByTestId('scope-vso.code_write')).not.toBeChecked();
  });

  it('shows common groups first and the rest on "Show all scopes"', async () => {
    const { user } = await openNewToken();
    expect(screen.getByTestId('scope-group-code')).toBeInTheDocument();
    expect(screen.queryByTestId('scope-group-wiki')).not.toBeInTheDocument();
    expect(screen.queryByTestId('scope-group-loadTest')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('show-all-scopes'));
    expect(screen.getByTestId('show-all-scopes')).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByTestId('scope-group-wiki')).toHaveTextContent('Wiki');
    // Deprecated groups are only for displaying old tokens.
    expect(screen.queryByTestId('scope-group-loadTest')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('scope-vso.wiki_write'));
    expect(screen.getByTestId('scope-vso.wiki_write')).toBeChecked();
  });

  it('creates a custom token with the chosen lifespan and scopes', async () => {
    const { user, backend } = await openNewToken();
    await user.type(screen.getByTestId('token-name-input'), 'Laptop git');
    await user.selectOptions(screen.getByTestId('org-select'), 'contoso-labs');
    await user.click(screen.getByTestId('lifespan-90'));
    await user.click(screen.getByTestId('preset-git'));
    await user.click(screen.getByTestId('scope-vso.work'));
    await user.click(screen.getByTestId('create-button'));
    await screen.findByRole('heading', { name: 'Token created' });
    expect(backend.callsOf('createToken')).toEqual([
      [
        {
          organization: 'contoso-labs',
          displayName: 'Laptop git',
          scopes: ['vso.code_write', 'vso.work'],
          lifespan: { kind: 'days', days: 90 },
        } satisfies NewTokenRequest,
      ],
    ]);
  });

  it('sends full access as app_token and a custom date as "until"', async () => {
    const { user, backend } = await openNewToken();
    await user.type(screen.getByTestId('token-name-input'), 'Everything');
    await user.click(screen.getByTestId('scope-mode-full'));
    expect(screen.getByTestId('full-access-warning')).toBeInTheDocument();
    await user.click(screen.getByTestId('lifespan-custom'));
    const date = screen.getByTestId('custom-date-input');
    expect(date).toHaveAttribute('max', localDay(365));
    await fireEvent.input(date, { target: { value: localDay(366) } });
    await user.click(screen.getByTestId('create-button'));
    expect(screen.getByTestId('custom-date-error')).toHaveTextContent('no later than');
    expect(backend.callsOf('createToken')).toHaveLength(0);

    await fireEvent.input(date, { target: { value: localDay(200) } });
    await user.click(screen.getByTestId('create-button'));
    await screen.findByRole('heading', { name: 'Token created' });
    expect(backend.callsOf('createToken')[0][0]).toMatchObject({
      scopes: ['app_token'],
      lifespan: { kind: 'until', date: localDay(200) },
    });
  });

  it.each([
    ['policyLifespan', 'Your organization allows tokens to last at most 30 days.', 'limits how long'],
    ['policyFullScope', 'Full-access tokens are not allowed.', 'does not allow full-access'],
    ['policyCreationRestricted', 'Only some people may create tokens.', 'restricts who can create'],
    ['globalPatRetired', 'Global tokens can no longer be created.', 'can no longer be created'],
    ['invalidInput', 'The name contains characters Azure DevOps refuses.', 'did not accept'],
  ] as const)('shows a %s refusal in words and keeps everything typed', async (code, message, title) => {
    const { user, backend } = await openNewToken();
    backend.failWith('createToken', code, message);
    await user.type(screen.getByTestId('token-name-input'), 'Release pipeline');
    await user.selectOptions(screen.getByTestId('org-select'), 'fabrikam-partners');
    await user.click(screen.getByTestId('lifespan-60'));
    await user.click(screen.getByTestId('preset-build-agent'));
    await user.click(screen.getByTestId('create-button'));

    const error = await screen.findByTestId('form-error');
    expect(error).toHaveAttribute('data-code', code);
    expect(error).toHaveTextContent(message);
    expect(error).toHaveTextContent(title);
    await waitFor(() => expect(error).toHaveFocus());
    expect(screen.getByTestId('token-name-input')).toHaveValue('Release pipeline');
    expect(screen.getByTestId('org-select')).toHaveValue('fabrikam-partners');
    expect(screen.getByTestId('lifespan-60')).toBeChecked();
    expect(screen.getByTestId('scope-vso.agentpools_manage')).toBeChecked();

    // Fixing and sending again works from the kept state.
    await user.click(screen.getByTestId('create-button'));
    await screen.findByRole('heading', { name: 'Token created' });
    expect(backend.callsOf('createToken')).toHaveLength(2);
    expect(backend.callsOf('createToken')[1]).toEqual(backend.callsOf('createToken')[0]);
  });

  it.each([
    [
      'createdButSecretLost',
      'The token "Release pipeline" was created, but its value could not be received, so it cannot be used. Revoke it from the list and create a new one.',
      'The token was created, but its value was lost.',
    ],
    [
      'serverError',
      'Azure DevOps had a problem. Please try again in a moment. PAT Desk could not check whether the token was created: refresh the list before trying again.',
      'Azure DevOps is having trouble.',
    ],
    [
      'malformedResponse',
      'Azure DevOps sent an answer PAT Desk could not understand. Please try again. No token was created.',
      'Azure DevOps sent an unreadable answer.',
    ],
  ] as const)('never titles a %s failure "not created", since the token may exist', async (code, message, title) => {
    const { user, backend } = await openNewToken();
    backend.failWith('createToken', code, message);
    await user.type(screen.getByTestId('token-name-input'), 'Release pipeline');
    await user.click(screen.getByTestId('preset-build-agent'));
    await user.click(screen.getByTestId('create-button'));

    const error = await screen.findByTestId('form-error');
    expect(error).toHaveAttribute('data-code', code);
    expect(error.querySelector('strong')).toHaveTextContent(title);
    expect(error).toHaveTextContent(message);
    expect(error).not.toHaveTextContent('not created');
  });

  it('submits with Enter from the name field', async () => {
    const { user, backend } = await openNewToken();
    await user.click(screen.getByTestId('preset-packages-read'));
    await user.type(screen.getByTestId('token-name-input'), 'Feed restore{Enter}');
    await screen.findByRole('heading', { name: 'Token created' });
    expect(backend.callsOf('createToken')[0][0]).toMatchObject({ displayName: 'Feed restore', scopes: ['vso.packaging'] });
  });

  it('returns to the list on Cancel', async () => {
    const { user } = await openNewToken();
    await user.click(screen.getByTestId('cancel-new-token'));
    expect(await screen.findByRole('heading', { name: 'Personal access tokens' })).toBeInTheDocument();
  });
});

describe('New token on an Azure DevOps Server', () => {
  async function signedInToServer(credential: 'windows' | 'personalAccessToken') {
    const rendered = renderApp();
    const { user } = rendered;
    await user.type(await screen.findByTestId('org-input'), testServer.url);
    await screen.findByTestId('server-sign-in');
    if (credential === 'personalAccessToken') await user.click(screen.getByTestId('credential-token'));
    else await user.type(screen.getByTestId('server-user'), testServer.user);
    await user.type(screen.getByTestId('server-secret'), credential === 'windows' ? testServer.password : 'a-token');
    await user.click(screen.getByTestId('server-sign-in-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await user.click(await screen.findByTestId('new-token-button'));
    await screen.findByRole('heading', { name: 'New token' });
    return rendered;
  }

  it('offers the collections and all accessible collections, with the server page’s lifespans', async () => {
    await signedInToServer('windows');
    expect(screen.getByLabelText('Collection')).toBeInTheDocument();
    const options = Array.from(screen.getByTestId<HTMLSelectElement>('org-select').options).map((o) => o.value);
    expect(options).toEqual(['DefaultCollection', 'Research', 'All accessible collections']);
    for (const days of ['30', '60', '90', '180', '365']) expect(screen.getByTestId(`lifespan-${days}`)).toBeInTheDocument();
    expect(screen.queryByTestId('token-cannot-create')).not.toBeInTheDocument();
  });

  it('says at once that a token sign-in cannot create tokens', async () => {
    await signedInToServer('personalAccessToken');
    expect(screen.getByTestId('token-cannot-create')).toHaveTextContent(
      `${testServer.host} only lets you create tokens when you sign in with your Windows account`,
    );
  });
});
