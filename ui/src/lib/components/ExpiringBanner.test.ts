import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { renderTokens } from '../../test/render';
import { token } from '../../test/tokens';

describe('The expiring-soon banner', () => {
  it('lists the tokens that expire within 7 days, soonest first, each with Extend', async () => {
    const { user, backend } = await renderTokens({
      tokens: [token('Later', 10), token('Week', 6), token('Tomorrow', 1), token('Past', -1)],
    });
    const note = screen.getByTestId('expiring-note');
    expect(note).toHaveTextContent('2 tokens expire within 7 days.');
    const items = within(note).getAllByRole('listitem');
    expect(items.map((i) => i.textContent)).toEqual([
      expect.stringContaining('Tomorrow (contoso) expires tomorrow'),
      expect.stringContaining('Week (contoso) expires in 6 days'),
    ]);

    await user.click(within(items[0]).getByTestId('expiring-extend-button'));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByTestId('extend-30'));
    await within(dialog).findByTestId('extend-result');
    expect(backend.callsOf('updateToken')).toHaveLength(1);
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.getByTestId('expiring-note')).toHaveTextContent('1 token expires within 7 days.'));

    // Hidden until the next refresh.
    await user.click(screen.getByTestId('expiring-hide'));
    expect(screen.queryByTestId('expiring-note')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('refresh-button'));
    expect(await screen.findByTestId('expiring-note')).toBeInTheDocument();
  });
});
