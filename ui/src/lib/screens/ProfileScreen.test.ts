import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/svelte';
import { renderTokens } from '../../test/render';

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
