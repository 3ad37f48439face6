// Handing a created token to Git and NuGet, "Used with" on its row, and the cleanup Revoke (one and bulk)
// offers for those copies.
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { renderTokens, rowNamed } from '../../test/render';
import { TestBackend } from '$lib/backend/TestBackend';

const FEED = 'https://pkgs.dev.azure.com/contoso/_packaging/contoso-packages/nuget/v3/index.json';

async function createToken(setup: (backend: TestBackend) => void = () => {}) {
  const backend = new TestBackend({ signedIn: true });
  setup(backend);
  const rendered = await renderTokens({}, backend);
  const { user } = rendered;
  await user.click(screen.getByTestId('new-token-button'));
  await screen.findByTestId('preset-git');
  await user.type(screen.getByTestId('token-name-input'), 'Build agent');
  await user.click(screen.getByTestId('preset-git'));
  await user.click(screen.getByTestId('lifespan-90'));
  await user.click(screen.getByTestId('create-button'));
  await screen.findByRole('heading', { name: 'Token created' });
  await waitFor(() => expect(screen.getByTestId('use-with-git-button')).toHaveAttribute('aria-disabled', 'false'));
  return rendered;
}

describe('Use with Git', () => {
  it('asks for an explicit go-ahead before a helper that writes a plain file', async () => {
    const { user, backend } = await createToken((b) => {
      b.gitHelper = {
        helpers: ['store'],
        verdict: 'plainFile',
        message: 'Your Git credential helper ("store") writes passwords to a plain text file in your home folder.',
      };
    });
    await user.click(screen.getByTestId('use-with-git-button'));
    const warning = await screen.findByTestId('git-plain-warning');
    expect(warning).toHaveTextContent('plain text file');
    expect(backend.callsOf('useCreatedTokenWithGit')).toEqual([]);
    const confirm = within(warning).getByTestId('git-plain-confirm');
    expect(confirm).toHaveAttribute('aria-disabled', 'true');
    await user.click(confirm);
    expect(backend.callsOf('useCreatedTokenWithGit')).toEqual([]);
    await user.click(within(warning).getByTestId('git-plain-consent'));
    await user.click(confirm);
    expect(await screen.findByTestId('git-result')).toHaveTextContent('Git will now use this token');
    expect(backend.callsOf('useCreatedTokenWithGit')).toEqual([[true]]);
    expect(backend.handOffRecords.map((h) => [h.tool, h.plainText])).toEqual([['git', true]]);
  });

  it('explains instead of handing off when Git would not use the token', async () => {
    const { user, backend } = await createToken((b) => {
      b.gitHelper = {
        helpers: ['manager'],
        verdict: 'unusable',
        message: 'Git Credential Manager is set to sign in with your Microsoft account (OAuth) for Azure Repos, so it would not use this token.',
      };
    });
    await user.click(screen.getByTestId('use-with-git-button'));
    expect(await screen.findByTestId('git-error')).toHaveTextContent('OAuth');
    expect(backend.callsOf('useCreatedTokenWithGit')).toEqual([]);
    expect(backend.handOffRecords).toEqual([]);
  });
});

describe('Use with NuGet', () => {
  it('adds the feed only after the plain-text choice, offers the credential-provider line, and the row says where it went', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('use-with-git-button'));
    await screen.findByTestId('git-result');
    await user.click(screen.getByTestId('use-with-nuget-button'));
    const form = await screen.findByTestId('nuget-form');
    expect(await within(form).findByTestId('nuget-plain-warning')).toHaveTextContent('plain text');
    await user.type(within(form).getByTestId('nuget-feed-input'), FEED);
    const add = within(form).getByTestId('nuget-add-button');
    expect(add).toHaveAttribute('aria-disabled', 'true');

    await user.click(within(form).getByTestId('nuget-snippet-button'));
    expect(await within(form).findByTestId('nuget-snippet-result')).toHaveTextContent('ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS');
    expect(backend.clipboardText).toContain(`"endpoint":"${FEED}"`);

    await user.click(within(form).getByTestId('nuget-plain-consent'));
    expect(add).toHaveAttribute('aria-disabled', 'false');
    await user.click(add);
    expect(await screen.findByTestId('nuget-result')).toHaveTextContent('feed contoso-packages');
    expect(backend.callsOf('useCreatedTokenWithNuget')).toEqual([[FEED, true]]);

    await user.click(screen.getByTestId('done-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await waitFor(() =>
      expect(within(rowNamed('Build agent')).getByTestId('used-with')).toHaveTextContent(
        'Used with: Git, NuGet feed contoso-packages',
      ),
    );
  });

  it('refuses a feed that is not Azure Artifacts under its field, keeping what was typed', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('use-with-nuget-button'));
    const form = await screen.findByTestId('nuget-form');
    const input = within(form).getByTestId('nuget-feed-input');
    const typed = 'https://evil.example/contoso/_packaging/contoso-packages/nuget/v3/index.json';
    await user.type(input, typed);
    await user.click(within(form).getByTestId('nuget-snippet-button'));
    const refusal = await within(form).findByTestId('nuget-feed-error');
    expect(refusal).toHaveTextContent('https://evil.example is not an Azure Artifacts address.');
    expect(refusal).toHaveTextContent('an address starting with https://pkgs.dev.azure.com/contoso/');
    expect(input).toHaveValue(typed);
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input.getAttribute('aria-describedby')).toContain('nuget-feed-error');
    expect(screen.queryByTestId('nuget-error')).toBeNull();
    expect(backend.clipboardText).toBeNull();

    // Typing again clears the refusal; a feed of the organization is quoted for the shell picked.
    await user.clear(input);
    expect(within(form).queryByTestId('nuget-feed-error')).toBeNull();
    await user.type(input, FEED);
    await user.click(within(form).getByTestId('nuget-shell-powershell'));
    await user.click(within(form).getByTestId('nuget-snippet-button'));
    expect(await within(form).findByTestId('nuget-snippet-result')).toHaveTextContent('PowerShell');
    expect(backend.clipboardText).toMatch(/^\$env:ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS = '/);
    expect(backend.callsOf('copyNugetCredentialSnippet').at(-1)).toEqual([FEED, undefined, 'powerShell']);
  });

  it('refuses an npm feed of another organization and a pip index with a user name in it, under their fields', async () => {
    const { user } = await createToken();
    await user.click(screen.getByTestId('use-with-npm-button'));
    const npm = await screen.findByTestId('npm-form');
    await user.type(within(npm).getByTestId('npm-registry-input'), 'https://pkgs.dev.azure.com/fabrikam/_packaging/web/npm/registry/');
    await user.click(within(npm).getByTestId('npm-env-button'));
    expect(await within(npm).findByTestId('npm-feed-error')).toHaveTextContent('belongs to the organization fabrikam, not to contoso');

    await user.click(screen.getByTestId('use-with-pip-button'));
    const pip = await screen.findByTestId('pip-form');
    await user.type(within(pip).getByTestId('pip-index-input'), 'https://me@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/');
    const consent = within(pip).queryByTestId('pip-plain-consent');
    if (consent) await user.click(consent);
    await user.click(within(pip).getByTestId('pip-add-button'));
    expect(await within(pip).findByTestId('pip-feed-error')).toHaveTextContent('user name or password');
  });

  it('says how to get NuGet when no client is installed', async () => {
    const { user } = await createToken((b) => {
      b.nuget = { client: null, plainTextOnly: true, message: 'No NuGet client was found on this computer. Install the .NET SDK.' };
    });
    await user.click(screen.getByTestId('use-with-nuget-button'));
    expect(await screen.findByTestId('nuget-missing')).toHaveTextContent('Install the .NET SDK');
    expect(screen.getByTestId('nuget-add-button')).toHaveAttribute('aria-disabled', 'true');
  });
});

describe('Use with npm', () => {
  const REGISTRY = 'https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/';

  it('shows the lines without the token, and writes them only after the plain-text choice', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('use-with-npm-button'));
    const form = await screen.findByTestId('npm-form');
    expect(within(form).getByTestId('npm-plain-warning')).toHaveTextContent('base64 is not encryption');
    await user.type(within(form).getByTestId('npm-registry-input'), REGISTRY);
    await user.click(within(form).getByTestId('npm-env-button'));
    const lines = (await within(form).findByTestId('npm-env-lines')) as HTMLTextAreaElement;
    expect(lines.value).toContain('//pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/:_password=${AZDO_NPM_PAT_B64}');
    expect(lines.value.split('\n').filter((l) => l.startsWith('//'))).toHaveLength(6);

    const write = within(form).getByTestId('npm-write-button');
    expect(write).toHaveAttribute('aria-disabled', 'true');
    await user.click(within(form).getByTestId('npm-plain-consent'));
    await user.click(write);
    expect(await screen.findByTestId('npm-result')).toHaveTextContent('feed web');
    expect(backend.callsOf('useCreatedTokenWithNpm')).toEqual([[REGISTRY, true]]);
    expect(backend.handOffRecords.map((h) => h.tool)).toEqual(['npm']);
  });
});

describe('Use with pip', () => {
  const INDEX = 'https://pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/';

  it('uses the keychain where python-keyring has a back end, with no plain-text question', async () => {
    const { user, backend } = await createToken();
    await user.click(screen.getByTestId('use-with-pip-button'));
    const form = await screen.findByTestId('pip-form');
    expect(await within(form).findByTestId('pip-keyring-note')).toHaveTextContent('system keychain');
    expect(within(form).queryByTestId('pip-plain-warning')).not.toBeInTheDocument();
    await user.type(within(form).getByTestId('pip-index-input'), INDEX);
    await user.click(within(form).getByTestId('pip-add-button'));
    expect(await screen.findByTestId('pip-result')).toHaveTextContent('finds it in your system keychain');
    expect(backend.handOffRecords.map((h) => [h.tool, h.plainText])).toEqual([['pip', false]]);
  });

  it('asks for the plain-text choice when there is no keyring back end', async () => {
    const { user, backend } = await createToken((b) => {
      b.pip = { pip: true, keyring: null, message: 'Your Python has no keyring back end, so pip can only keep the token in plain text.' };
    });
    await user.click(screen.getByTestId('use-with-pip-button'));
    const warning = await screen.findByTestId('pip-plain-warning');
    await user.type(screen.getByTestId('pip-index-input'), INDEX);
    expect(screen.getByTestId('pip-add-button')).toHaveAttribute('aria-disabled', 'true');
    await user.click(within(warning).getByTestId('pip-plain-consent'));
    await user.click(screen.getByTestId('pip-add-button'));
    expect(await screen.findByTestId('pip-result')).toHaveTextContent('plain text in pip.conf');
    expect(backend.handOffRecords.map((h) => [h.tool, h.plainText])).toEqual([['pip', true]]);
  });
});

describe('Regenerate', () => {
  /** A token handed to Git, then its Regenerate dialog open; the old token's id. */
  async function regenerateAfterGit() {
    const rendered = await createToken();
    const { user, backend } = rendered;
    await user.click(screen.getByTestId('use-with-git-button'));
    await screen.findByTestId('git-result');
    await user.click(screen.getByTestId('done-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    const row = await waitFor(() => {
      const r = rowNamed('Build agent');
      within(r).getByTestId('used-with');
      return r;
    });
    const oldId = backend.handOffRecords[0].authorizationId;
    await user.click(within(row).getByRole('button', { name: /more/i }));
    await user.click(await screen.findByRole('menuitem', { name: /regenerate/i }));
    return { ...rendered, oldId };
  }

  it('says where the new value goes, and the copies then name the new token', async () => {
    const { user, backend, oldId } = await regenerateAfterGit();
    expect(await screen.findByTestId('regenerate-copies')).toHaveTextContent('Git');
    await user.click(within(screen.getByTestId('regenerate-dialog')).getByTestId('confirm-regenerate'));
    expect(await screen.findByTestId('replaced-note')).toHaveTextContent('Git');
    expect(backend.handOffRecords.map((h) => h.authorizationId)).not.toContain(oldId);
    expect(backend.callsOf('regenerateToken').at(-1)?.[0]).toMatchObject({ updateCopies: true });
  });

  it('leaves the places alone when the person unticks them', async () => {
    const { user, backend, oldId } = await regenerateAfterGit();
    const box = await screen.findByTestId('regenerate-update-copies');
    expect(box).toBeChecked();
    await user.click(box);
    await user.click(within(screen.getByTestId('regenerate-dialog')).getByTestId('confirm-regenerate'));
    await screen.findByRole('heading', { name: 'Token regenerated' });
    expect(backend.callsOf('regenerateToken').at(-1)?.[0]).toMatchObject({ updateCopies: false });
    expect(backend.handOffRecords.map((h) => h.authorizationId)).toEqual([oldId]);
  });
});

describe('Revoke offers to remove the copies', () => {
  async function handedEverywhere() {
    const rendered = await createToken();
    const { user } = rendered;
    await user.click(screen.getByTestId('use-with-git-button'));
    await screen.findByTestId('git-result');
    await user.click(screen.getByTestId('use-with-nuget-button'));
    await user.type(await screen.findByTestId('nuget-feed-input'), FEED);
    await user.click(await screen.findByTestId('nuget-plain-consent'));
    await user.click(screen.getByTestId('nuget-add-button'));
    await screen.findByTestId('nuget-result');
    await user.click(screen.getByTestId('done-button'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    await waitFor(() => within(rowNamed('Build agent')).getByTestId('used-with'));
    return rendered;
  }

  it('removes each copy after one revoke and says what became of each place', async () => {
    const { user, backend } = await handedEverywhere();
    await user.click(within(rowNamed('Build agent')).getByTestId('row-revoke-button'));
    const dialog = screen.getByRole('dialog');
    const option = within(dialog).getByTestId('remove-copies-option');
    expect(option).toHaveTextContent('Git, NuGet feed contoso-packages');
    expect(within(option).getByTestId('remove-copies-checkbox')).toBeChecked();
    await user.click(within(dialog).getByTestId('confirm-button'));
    const result = await screen.findByTestId('revoke-copies-result');
    const lines = within(result).getAllByTestId('copy-result');
    expect(lines.map((l) => l.textContent)).toEqual([
      expect.stringContaining('Git: removed'),
      expect.stringContaining('NuGet feed contoso-packages: removed'),
    ]);
    expect(backend.handOffRecords).toEqual([]);
  });

  it('leaves the copies when the person unticks the option', async () => {
    const { user, backend } = await handedEverywhere();
    await user.click(within(rowNamed('Build agent')).getByTestId('row-revoke-button'));
    await user.click(screen.getByTestId('remove-copies-checkbox'));
    await user.click(screen.getByTestId('confirm-button'));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(backend.callsOf('removeCopies')).toEqual([]);
    expect(backend.handOffRecords).toHaveLength(2);
  });

  it('does the same for a bulk revoke, with a line per place', async () => {
    const { user, backend } = await handedEverywhere();
    await user.click(within(rowNamed('Build agent')).getByTestId('row-checkbox'));
    await user.click(screen.getByTestId('bulk-revoke-button'));
    const dialog = screen.getByTestId('bulk-dialog');
    expect(within(dialog).getByTestId('remove-copies-option')).toHaveTextContent('Git (Build agent), NuGet feed contoso-packages (Build agent)');
    await user.click(within(dialog).getByTestId('confirm-button'));
    const results = await within(dialog).findByTestId('copy-results');
    expect(within(results).getAllByTestId('copy-result')).toHaveLength(2);
    expect(backend.callsOf('removeCopies')).toHaveLength(1);
    expect(backend.handOffRecords).toEqual([]);
  });
});
