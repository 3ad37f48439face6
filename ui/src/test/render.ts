// Renders the whole app over a TestBackend, the way a person meets it, for the screen tests.
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import App from '../App.svelte';
import { TestBackend, type TestBackendOptions } from '$lib/backend/TestBackend';

export function renderApp(options: TestBackendOptions = {}, backend = new TestBackend(options)) {
  const user = userEvent.setup();
  const result = render(App, { props: { backend } });
  return { backend, user, ...result };
}

/** Signed in as the demo and on the tokens list, rows loaded. */
export async function renderTokens(options: TestBackendOptions = {}, backend?: TestBackend) {
  const rendered = renderApp({ signedIn: true, ...options }, backend ?? new TestBackend({ signedIn: true, ...options }));
  await screen.findByRole('heading', { name: 'Personal access tokens' });
  await waitFor(() => {
    if (screen.queryByTestId('list-loading')) throw new Error('still listing');
  });
  return rendered;
}

export function rows(): HTMLElement[] {
  return screen.queryAllByTestId('token-row');
}

export function rowNamed(name: string): HTMLElement {
  const row = rows().find((r) => within(r).getByTestId('token-name').textContent === name);
  if (!row) throw new Error(`no row named ${name}`);
  return row;
}

export function names(): string[] {
  return rows().map((r) => within(r).getByTestId('token-name').textContent ?? '');
}
