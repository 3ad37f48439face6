import { afterEach, describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/svelte';
import { renderApp, renderTokens } from '../../test/render';
import { defaultSettings, TestBackend } from '$lib/backend/TestBackend';

afterEach(() => {
  delete document.documentElement.dataset.theme;
});

async function openSettings(backend?: TestBackend) {
  const rendered = await renderTokens({}, backend);
  await rendered.user.click(screen.getByTestId('nav-settings'));
  await screen.findByTestId('settings-clipboard-timeout');
  return rendered;
}

describe('Settings', () => {
  it('shows the saved settings from the sidebar', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.savedSettings = { ...defaultSettings(), clipboardClearSeconds: 120, notifications: false, theme: 'light' };
    await openSettings(backend);
    expect(screen.getByTestId('nav-settings')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('nav-tokens')).not.toHaveAttribute('aria-current');
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByTestId('settings-clipboard-timeout')).toHaveValue('120');
    expect(screen.getByRole('option', { name: '2 minutes' })).toHaveProperty('selected', true);
    expect(screen.getByTestId('settings-notifications')).not.toBeChecked();
    expect(screen.getByRole('radio', { name: 'Light' })).toBeChecked();
    expect(screen.getByTestId('settings-client-id')).toHaveValue('872cd9fa-d31f-45e0-9eab-6e460a02d1f1');
    expect(screen.getByTestId('settings-authority')).toHaveValue('organizations');
    expect(screen.queryByTestId('settings-notice')).not.toBeInTheDocument();
  });

  it('says nothing about the environment when no variable decides a setting', async () => {
    await openSettings();
    await screen.findByRole('heading', { name: 'Advanced' });
    expect(screen.queryByTestId('override-clipboardClearSeconds')).not.toBeInTheDocument();
    expect(screen.queryByTestId('override-clientId')).not.toBeInTheDocument();
    expect(screen.queryByTestId('override-authority')).not.toBeInTheDocument();
  });

  it('says beside each setting when an environment variable decides it for this run', async () => {
    const overridden = new TestBackend({ signedIn: true });
    overridden.settingOverrides = [
      { setting: 'clipboardClearSeconds', variable: 'PATDESK_CLIPBOARD_CLEAR_SECONDS', value: '5 seconds' },
      { setting: 'authority', variable: 'PATDESK_AUTHORITY', value: 'contoso.onmicrosoft.com' },
    ];
    await openSettings(overridden);
    expect(await screen.findByTestId('override-clipboardClearSeconds')).toHaveTextContent(
      'For now PATDESK_CLIPBOARD_CLEAR_SECONDS (set where PAT Desk was started) decides this: 5 seconds.',
    );
    expect(screen.getByTestId('override-authority')).toHaveTextContent('PATDESK_AUTHORITY');
    expect(screen.getByTestId('override-authority')).toHaveTextContent('contoso.onmicrosoft.com');
    expect(screen.queryByTestId('override-clientId')).not.toBeInTheDocument();
  });

  it('saves the clipboard timeout and notifications as soon as they change', async () => {
    const { user, backend } = await openSettings();
    await user.selectOptions(screen.getByTestId('settings-clipboard-timeout'), '10 seconds');
    await waitFor(() => expect(backend.savedSettings.clipboardClearSeconds).toBe(10));
    expect(await screen.findByTestId('settings-saved')).toHaveTextContent('Saved.');
    await user.click(screen.getByTestId('settings-notifications'));
    await waitFor(() => expect(backend.savedSettings.notifications).toBe(false));
    const saves = backend.callsOf('saveSettings');
    expect(saves).toHaveLength(2);
    expect(saves[1]).toEqual([{ ...defaultSettings(), clipboardClearSeconds: 10, notifications: false }]);
  });

  it('applies the theme at once, saves it, and applies the saved one at start', async () => {
    const { user, backend, unmount } = await openSettings();
    expect(document.documentElement.dataset.theme).toBe('system');
    await user.click(screen.getByRole('radio', { name: 'Dark' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    await waitFor(() => expect(backend.savedSettings.theme).toBe('dark'));
    await user.click(screen.getByRole('radio', { name: 'Light' }));
    expect(document.documentElement.dataset.theme).toBe('light');
    await waitFor(() => expect(backend.savedSettings.theme).toBe('light'));
    unmount();

    // The next start applies the saved theme before anyone opens Settings.
    delete document.documentElement.dataset.theme;
    renderApp({}, backend);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('light'));
  });

  it('keeps a client id that is not one, with the reason beside the field, and saves nothing', async () => {
    const { user, backend } = await openSettings();
    const field = screen.getByTestId('settings-client-id');
    await user.clear(field);
    await user.type(field, 'my company app');
    await user.click(screen.getByTestId('save-advanced'));
    const error = await screen.findByTestId('client-id-error');
    expect(error).toHaveTextContent('A client id looks like');
    expect(field).toHaveValue('my company app');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAttribute('aria-describedby', error.id);
    expect(backend.savedSettings).toEqual(defaultSettings());
    expect(screen.queryByTestId('advanced-saved')).not.toBeInTheDocument();

    // Fixed, it is saved (trimmed) and the message goes.
    await user.clear(field);
    await user.type(field, ' 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 ');
    await user.clear(screen.getByTestId('settings-authority'));
    await user.type(screen.getByTestId('settings-authority'), 'contoso.onmicrosoft.com');
    await user.click(screen.getByTestId('save-advanced'));
    expect(await screen.findByTestId('advanced-saved')).toBeInTheDocument();
    expect(screen.queryByTestId('client-id-error')).not.toBeInTheDocument();
    expect(field).toHaveValue('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
    expect(backend.savedSettings.clientId).toBe('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
    expect(backend.savedSettings.authority).toBe('contoso.onmicrosoft.com');
  });

  it('shows a refused authority beside its field', async () => {
    const { user, backend } = await openSettings();
    const field = screen.getByTestId('settings-authority');
    await user.clear(field);
    await user.type(field, 'consumers');
    await user.click(screen.getByTestId('save-advanced'));
    expect(await screen.findByTestId('authority-error')).toHaveTextContent('organizations, common');
    expect(field).toHaveValue('consumers');
    expect(screen.queryByTestId('client-id-error')).not.toBeInTheDocument();
    expect(backend.savedSettings.authority).toBe('organizations');
  });

  it('offers what the remembered sign-in may do, saves the narrow choice, and says how to remove it', async () => {
    const { user, backend } = await openSettings();
    const everything = screen.getByRole('radio', { name: /Everything you can do in Azure DevOps/ });
    const tokensOnly = screen.getByRole('radio', { name: /Only manage your personal access tokens/ });
    expect(everything).toBeChecked();
    expect(screen.getByRole('group', { name: 'What your remembered sign-in may do' })).toBeInTheDocument();
    const explained = screen.getByTestId('remembered-sign-in-explained');
    expect(explained).toHaveTextContent("keeps your sign-in in this computer's keychain");
    expect(explained).toHaveTextContent('To remove it, sign out on your profile.');

    await user.click(tokensOnly);
    // Saved with the other sign-in settings, not on its own.
    expect(backend.savedSettings.signInScopes).toBe('azureDevOps');
    await user.click(screen.getByTestId('save-advanced'));
    expect(await screen.findByTestId('advanced-saved')).toBeInTheDocument();
    expect(backend.savedSettings.signInScopes).toBe('tokensOnly');
    expect(tokensOnly).toBeChecked();

    // Reset goes back to everything.
    await user.click(screen.getByTestId('reset-advanced'));
    await waitFor(() => expect(backend.savedSettings.signInScopes).toBe('azureDevOps'));
    expect(everything).toBeChecked();
  });

  it('resets the sign-in settings to the defaults, keeping the other choices', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.savedSettings = {
      ...defaultSettings(),
      clipboardClearSeconds: 60,
      clientId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      authority: 'common',
      signInScopes: 'tokensOnly',
    };
    const { user } = await openSettings(backend);
    // An unsaved typo goes too.
    await user.type(screen.getByTestId('settings-authority'), 'xx');
    await user.click(screen.getByTestId('reset-advanced'));
    expect(await screen.findByTestId('advanced-saved')).toBeInTheDocument();
    expect(screen.getByTestId('settings-client-id')).toHaveValue('872cd9fa-d31f-45e0-9eab-6e460a02d1f1');
    expect(screen.getByTestId('settings-authority')).toHaveValue('organizations');
    expect(backend.savedSettings).toEqual({ ...defaultSettings(), clipboardClearSeconds: 60 });
  });

  it('says in one line that an unreadable settings file was set aside, until new settings are saved', async () => {
    const backend = new TestBackend({ signedIn: true });
    const notice =
      'PAT Desk could not read its settings file, so it is using the default settings; the old file is kept as settings.json.bak.';
    backend.settingsNotice = notice;
    const { user } = await renderTokens({}, backend);
    // At the top of the window first, with a way to Settings.
    expect(await screen.findByTestId('settings-notice-banner')).toHaveTextContent(notice);
    await user.click(screen.getByTestId('settings-notice-open'));
    expect(await screen.findByTestId('settings-notice')).toHaveTextContent(notice);
    expect(screen.getByTestId('settings-clipboard-timeout')).toHaveValue('30');
    expect(screen.queryByTestId('settings-notice-banner')).not.toBeInTheDocument();

    await user.selectOptions(screen.getByTestId('settings-clipboard-timeout'), '1 minute');
    await waitFor(() => expect(screen.queryByTestId('settings-notice')).not.toBeInTheDocument());
    await user.click(screen.getByTestId('nav-tokens'));
    await screen.findByRole('heading', { name: 'Personal access tokens' });
    expect(screen.queryByTestId('settings-notice-banner')).not.toBeInTheDocument();
  });

  it('dismisses the notice at the top without saving anything', async () => {
    const backend = new TestBackend({ signedIn: true });
    backend.settingsNotice = 'PAT Desk could not read its settings file.';
    const { user } = await renderTokens({}, backend);
    await user.click(await screen.findByTestId('settings-notice-dismiss'));
    expect(screen.queryByTestId('settings-notice-banner')).not.toBeInTheDocument();
    expect(backend.callsOf('saveSettings')).toHaveLength(0);
  });

  it('says why a choice could not be saved', async () => {
    const { user, backend } = await openSettings();
    backend.failWith('saveSettings', 'internal', 'PAT Desk could not save your settings.');
    await user.selectOptions(screen.getByTestId('settings-clipboard-timeout'), '5 minutes');
    expect(await screen.findByTestId('settings-general-error')).toHaveTextContent('PAT Desk could not save your settings.');
    expect(screen.queryByTestId('settings-saved')).not.toBeInTheDocument();
    expect(backend.savedSettings.clipboardClearSeconds).toBe(30);
  });
});
