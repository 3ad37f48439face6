// Vite builds the window's front end into ui/dist, which Tauri embeds at compile time.
// Under Vitest, Svelte must resolve its browser build or `mount` is unavailable.
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  plugins: [svelte()],
  resolve: {
    alias: { $lib: fileURLToPath(new URL('./src/lib', import.meta.url)) },
    // Only under Vitest: an explicit list replaces Vite's defaults, which the normal build needs.
    ...(process.env.VITEST ? { conditions: ['browser'] } : {}),
  },
  // Tauri serves the built files itself; a fixed port keeps `dev` predictable.
  server: { port: 5173, strictPort: true },
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // CSP is `default-src 'self'`: never inline assets as data: URLs.
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.ts'],
  },
});
