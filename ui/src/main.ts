// Entry point of the window: picks the backend (Tauri IPC, or the in-memory one with `?backend=test`
// in a browser development build) and mounts the app.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import type { Backend } from '$lib/backend/Backend';
import { TauriBackend } from '$lib/backend/TauriBackend';

async function chooseBackend(): Promise<Backend> {
  const params = new URLSearchParams(window.location.search);
  if (import.meta.env.DEV && params.get('backend') === 'test') {
    // Development only: `&session=demo` starts signed in, `&tokens=10000` lists that many tokens.
    const { TestBackend, manyTokens } = await import('$lib/backend/TestBackend');
    const count = Number(params.get('tokens'));
    return new TestBackend({
      latencyMs: 350,
      autoCountdown: true,
      signedIn: params.get('session') === 'demo',
      tokens: count > 0 ? manyTokens(count) : undefined,
    });
  }
  return new TauriBackend();
}

const target = document.getElementById('app');
if (target) {
  chooseBackend().then((backend) => mount(App, { target, props: { backend } }));
}
