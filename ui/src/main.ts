// Entry point of the window: picks the backend (Tauri IPC, or the in-memory one with `?backend=test`
// in a browser development build) and mounts the app.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import type { Backend } from '$lib/backend/Backend';
import { TauriBackend } from '$lib/backend/TauriBackend';

async function chooseBackend(): Promise<Backend> {
  const wantsTest = new URLSearchParams(window.location.search).get('backend') === 'test';
  if (import.meta.env.DEV && wantsTest) {
    const { TestBackend } = await import('$lib/backend/TestBackend');
    return new TestBackend({ latencyMs: 350, autoCountdown: true });
  }
  return new TauriBackend();
}

const target = document.getElementById('app');
if (target) {
  chooseBackend().then((backend) => mount(App, { target, props: { backend } }));
}
