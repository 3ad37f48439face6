// "New token for: Git, Packages, Build agent…" on the token list: one pick opens the New token form filled in
// (a suggested name, the organization used last, 30 days, the preset's scopes), so that the common case is
// pick → Create → Copy. The organization used last is a name, not a secret: it is kept in the window's
// local storage.
import type { Organization, ScopePreset } from '$lib/ipc';
import { formatDate } from '$lib/expiry';
import type { NewTokenPrefill } from '$lib/scopeSelection';

const LAST_ORGANIZATION_KEY = 'patdesk.lastOrganization';

/** The organization a token was last created in, if the person still belongs to it; else their first one. */
export function lastOrganization(organizations: Organization[]): string {
  let remembered: string | null = null;
  try {
    remembered = localStorage.getItem(LAST_ORGANIZATION_KEY);
  } catch {
    // Storage unavailable: fall back to the first organization.
  }
  return organizations.find((o) => o.name === remembered)?.name ?? organizations[0]?.name ?? '';
}

export function rememberOrganization(name: string): void {
  try {
    localStorage.setItem(LAST_ORGANIZATION_KEY, name);
  } catch {
    // Not remembered; the next quick pick starts from the first organization.
  }
}

/** The New token form for `preset`: "Build agent, 3 Dec 2026" in the last used organization, 30 days. */
export function quickPickPrefill(preset: ScopePreset, organizations: Organization[], now: Date = new Date()): NewTokenPrefill {
  return {
    displayName: `${preset.label}, ${formatDate(now.toISOString())}`,
    organization: lastOrganization(organizations),
    scopes: [...preset.scopes],
    preset: preset.id,
  };
}
