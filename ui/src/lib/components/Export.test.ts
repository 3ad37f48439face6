import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { names, renderTokens } from '../../test/render';

describe('Export', () => {
  it('exports the tokens the list shows, in the chosen format, and says where the file went', async () => {
    const { user, backend } = await renderTokens();
    await user.type(screen.getByTestId('search-input'), 'git');
    const shown = names();
    expect(shown.length).toBeGreaterThan(0);
    await user.click(screen.getByTestId('export-button'));
    const dialog = screen.getByTestId('export-dialog');
    expect(within(dialog).getByTestId('export-summary')).toHaveTextContent(
      `${shown.length === 1 ? '1 token' : `${shown.length} tokens`}: active tokens matching “git”, as listed now`,
    );
    expect(dialog).toHaveTextContent('never its value');
    await user.click(within(dialog).getByTestId('export-json'));
    await user.click(within(dialog).getByTestId('export-save-button'));
    await waitFor(() => expect(screen.queryByTestId('export-dialog')).not.toBeInTheDocument());
    expect(backend.callsOf('exportTokens')).toEqual([[shown, 'json']]);
    expect(screen.getByTestId('export-result')).toHaveTextContent(
      `Exported ${shown.length === 1 ? '1 token' : `${shown.length} tokens`} to ~/Documents/pat-desk-tokens.csv.`,
    );
  });

  it('leaves everything as it was when the save dialog is cancelled, and shows a failure in the dialog', async () => {
    const { user, backend } = await renderTokens();
    backend.exportPath = null;
    await user.click(screen.getByTestId('export-button'));
    await user.click(screen.getByTestId('export-save-button'));
    await waitFor(() => expect(backend.callsOf('exportTokens')).toHaveLength(1));
    expect(screen.getByTestId('export-dialog')).toBeInTheDocument();
    expect(screen.queryByTestId('export-result')).not.toBeInTheDocument();

    backend.failWith('exportTokens', 'invalidInput', 'PAT Desk could not write the file. Choose another folder.');
    await user.click(screen.getByTestId('export-save-button'));
    expect(await screen.findByTestId('export-error')).toHaveTextContent('Choose another folder.');
    await user.click(screen.getByTestId('cancel-button'));
    expect(screen.queryByTestId('export-dialog')).not.toBeInTheDocument();
  });
});
