/// <reference types="node" />
// The theme colours of app.css, checked against WCAG in both themes: text colours 4.5 : 1 on every surface
// (1.4.3), control boundaries 3 : 1 (1.4.11), the placeholder (the search field's only visible label) in a
// text colour, and the system-dark block the same as the pinned-dark one. axe in the real window checks the
// rendered text; it does not check boundaries or placeholders, and WebKit does not expose placeholder styles.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Vitest runs in ui/ (npm --prefix ui test) or in the repository's root.
const cssPath = ['src/app.css', 'ui/src/app.css'].map((p) => resolve(process.cwd(), p)).find((p) => existsSync(p));
if (!cssPath) throw new Error('app.css not found from ' + process.cwd());
const css = readFileSync(cssPath, 'utf8');

/** The custom properties declared in the first block whose selector line is exactly `selector {`. */
function variables(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no block ${selector}`);
  const body = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => [m[1], m[2].toLowerCase()]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = (v: number) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function ratio(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

const light = variables(':root');
const dark = { ...light, ...variables(":root[data-theme='dark']") };
const systemDark = { ...light, ...variables(":root:not([data-theme='light'])") };
const surfaces = ['--bg', '--surface', '--surface-2'];

describe.each([
  ['light', light],
  ['dark', dark],
])('The %s theme', (_name, theme) => {
  it.each(['--text', '--muted', '--accent', '--danger', '--warn', '--ok'])('%s is readable (4.5 : 1) on every surface', (colour) => {
    for (const surface of surfaces) expect(ratio(theme[colour], theme[surface]), `${colour} on ${surface}`).toBeGreaterThanOrEqual(4.5);
  });

  it('draws control boundaries at 3 : 1 or more against every surface', () => {
    for (const surface of surfaces) expect(ratio(theme['--control-border'], theme[surface]), surface).toBeGreaterThanOrEqual(3);
  });

  it('keeps the accent readable on its soft background (selected rows, badges)', () => {
    expect(ratio(theme['--accent'], theme['--accent-soft'])).toBeGreaterThanOrEqual(4.5);
    expect(ratio(theme['--text'], theme['--accent-soft'])).toBeGreaterThanOrEqual(4.5);
  });
});

describe('app.css', () => {
  it('gives inputs the control boundary and placeholders the muted text colour, fully opaque', () => {
    expect(css).toMatch(/\.input \{[^}]*border: 1px solid var\(--control-border\)/);
    expect(css).toMatch(/::placeholder \{\s*color: var\(--muted\);\s*opacity: 1;/);
  });

  it('has the same dark colours whether dark is pinned or the system’s', () => {
    expect(systemDark).toEqual(dark);
  });

  it('sizes the root in % so the window’s zoom and the system font size scale everything', () => {
    expect(css).toMatch(/:root \{[^}]*font-size: \d+(\.\d+)?%;/);
  });
});
