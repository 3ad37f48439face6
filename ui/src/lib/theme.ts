// The theme is a `data-theme` attribute on <html> that app.css honours: `light` and `dark` pin the colours,
// `system` follows the system's light or dark preference (prefers-color-scheme). Only an attribute changes:
// no style is injected, so the strict CSP stays as it is.
import type { Theme } from '$lib/ipc';

export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  root.dataset.theme = theme;
}
