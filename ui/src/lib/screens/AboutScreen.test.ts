import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/svelte';
import { renderTokens } from '../../test/render';

describe('About', () => {
  it('shows the version and where the diagnostics log is, from the sidebar', async () => {
    const { user, backend } = await renderTokens();
    backend.aboutInfo = { version: '1.4.2', logFile: '~/.local/share/dev.patdesk.app/logs/patdesk.log' };
    await user.click(screen.getByTestId('nav-about'));
    expect(screen.getByTestId('nav-about')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('nav-tokens')).not.toHaveAttribute('aria-current');
    expect(screen.getByRole('heading', { name: 'About PAT Desk' })).toBeInTheDocument();
    expect(await screen.findByTestId('about-version')).toHaveTextContent('1.4.2');
    expect(screen.getByTestId('about-log-file')).toHaveTextContent(
      '~/.local/share/dev.patdesk.app/logs/patdesk.log',
    );
    expect(backend.callsOf('about')).toHaveLength(1);
  });

  it('copies the diagnostics through the shell, never through the window', async () => {
    const { user, backend } = await renderTokens();
    backend.diagnostics = 'PAT Desk 1.4.2 (linux x86_64)\nLast 1 line(s):\nINFO listed organization=contoso\n';
    await user.click(screen.getByTestId('nav-about'));
    expect(screen.queryByTestId('diagnostics-copied')).not.toBeInTheDocument();
    await user.click(await screen.findByTestId('copy-diagnostics-button'));
    expect(await screen.findByTestId('diagnostics-copied')).toHaveTextContent('Copied');
    expect(backend.callsOf('copyDiagnostics')).toEqual([[]]);
    expect(backend.clipboardText).toBe(backend.diagnostics);
    // The report went from the shell to the clipboard: the window never shows it.
    expect(document.body.textContent).not.toContain('organization=contoso');
  });

  it('says why the diagnostics could not be copied, and copies on a second try', async () => {
    const { user, backend } = await renderTokens();
    backend.failWith('copyDiagnostics', 'clipboardUnavailable', 'PAT Desk could not use the clipboard.');
    await user.click(screen.getByTestId('nav-about'));
    await user.click(await screen.findByTestId('copy-diagnostics-button'));
    expect(await screen.findByTestId('diagnostics-error')).toHaveTextContent('PAT Desk could not use the clipboard.');
    expect(screen.queryByTestId('diagnostics-copied')).not.toBeInTheDocument();
    expect(backend.clipboardText).toBeNull();

    await user.click(screen.getByTestId('copy-diagnostics-button'));
    expect(await screen.findByTestId('diagnostics-copied')).toBeInTheDocument();
    expect(screen.queryByTestId('diagnostics-error')).not.toBeInTheDocument();
    expect(backend.clipboardText).toBe(backend.diagnostics);
  });

  it('shows a loading state, then the error when the shell cannot say', async () => {
    const { user, backend } = await renderTokens();
    backend.hold('about');
    backend.failWith('about', 'internal', 'Something went wrong inside PAT Desk.');
    await user.click(screen.getByTestId('nav-about'));
    expect(screen.getByTestId('about-loading')).toBeInTheDocument();
    backend.release('about');
    expect(await screen.findByTestId('about-error')).toHaveTextContent('Something went wrong inside PAT Desk.');
    expect(screen.queryByTestId('copy-diagnostics-button')).not.toBeInTheDocument();
  });

  it('lists the keyboard shortcuts, zoom included', async () => {
    const { user } = await renderTokens();
    await user.click(screen.getByTestId('nav-about'));
    const help = screen.getByRole('region', { name: 'Keyboard shortcuts' });
    expect(help).toHaveTextContent('Escape');
    expect(help).toHaveTextContent('Skip to the selection');
    expect(help).toHaveTextContent('Ctrl+0');
  });
});

describe('Zoom keys', () => {
  it('Ctrl + / Ctrl − / Ctrl 0 ask the shell to zoom the window; other Ctrl keys are left alone', async () => {
    const { user, backend } = await renderTokens();
    await user.keyboard('{Control>}={/Control}');
    await user.keyboard('{Control>}={/Control}');
    await user.keyboard('{Control>}-{/Control}');
    await user.keyboard('{Control>}c{/Control}');
    await user.keyboard('{Control>}0{/Control}');
    expect(backend.callsOf('zoom')).toEqual([['in'], ['in'], ['out'], ['reset']]);
    expect(backend.zoomLevel).toBe(1);
  });
});
