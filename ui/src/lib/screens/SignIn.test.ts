import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/svelte';
import { renderApp } from '../../test/render';
import { parseOrganization } from '$lib/backend/TestBackend';

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
    await user.type(await screen.findByTestId('org-input'), 'https://example.com/not/azure');
    await user.click(screen.getByTestId('sign-in-button'));
    expect(await screen.findByTestId('org-error')).toHaveTextContent('does not look like an Azure DevOps organization');
    expect(backend.callsOf('validateOrganization')).toEqual([['https://example.com/not/azure']]);
    expect(backend.callsOf('signIn')).toHaveLength(0);
  });

  it('signs in through the backend and shows its sentence when sign-in is unavailable', async () => {
    const { user, backend } = renderApp();
    await user.type(await screen.findByTestId('org-input'), 'https://contoso.visualstudio.com');
    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent('Signing in with Microsoft is not set up');
    expect(backend.callsOf('signIn')).toEqual([['contoso']]);
    // The organization stays, normalised to its address.
    expect(screen.getByTestId('org-input')).toHaveValue('https://dev.azure.com/contoso');
  });

  it('opens the app when sign-in succeeds', async () => {
    const { user, backend } = renderApp();
    backend.signInAvailable = true;
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
