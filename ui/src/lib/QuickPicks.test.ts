import { beforeEach, describe, expect, it } from 'vitest';
import { screen } from '@testing-library/svelte';
import { renderTokens } from '../test/render';

describe('Quick picks on the token list', () => {
  beforeEach(() => localStorage.clear());

  it('open New token filled in: a suggested name, 30 days, the preset, then the organization used last', async () => {
    const { user, backend } = await renderTokens();
    await user.click(screen.getByTestId('quick-pick-build-agent'));
    expect(await screen.findByRole('heading', { name: 'New token' })).toBeInTheDocument();
    expect(screen.getByTestId('token-name-input')).toHaveValue('Build agent, 2 Nov 2026');
    expect(screen.getByTestId('preset-build-agent')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('org-select')).toHaveValue('contoso');

    // Create it in another organization: the next pick starts there.
    await user.selectOptions(screen.getByTestId('org-select'), 'fabrikam-partners');
    await user.click(screen.getByTestId('create-button'));
    await screen.findByRole('heading', { name: 'Token created' });
    expect(backend.callsOf('createToken')[0][0]).toMatchObject({
      organization: 'fabrikam-partners',
      displayName: 'Build agent, 2 Nov 2026',
      lifespan: { kind: 'days', days: 30 },
    });
    await user.click(screen.getByTestId('copy-button'));
    await user.click(screen.getByTestId('done-button'));
    await user.click(await screen.findByTestId('quick-pick-git'));
    expect(await screen.findByTestId('org-select')).toHaveValue('fabrikam-partners');
    expect(screen.getByTestId('preset-git')).toHaveAttribute('aria-pressed', 'true');
  });
});
