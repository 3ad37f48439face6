// The New token form's scope choice: one level (or none) per catalogue group, presets that set the
// selection, and the conversion to the `scopes` list of a NewTokenRequest.
import type { ScopeCatalogue } from '$lib/ipc';

/** What the New token form starts from (a quick pick on the token list: a suggested name, organization and scopes). */
export type NewTokenPrefill = { displayName: string; organization: string; scopes: string[]; preset?: string };

/** groupId → the chosen level's scope, or absent for "None". */
export type ScopeChoice = Record<string, string>;

/** Picks, for each scope string, the group that offers it; unknown scopes are returned separately. */
export function choiceFromScopes(catalogue: ScopeCatalogue, scopes: string[]): { choice: ScopeChoice; unknown: string[] } {
  const choice: ScopeChoice = {};
  const unknown: string[] = [];
  for (const scope of scopes) {
    const group = catalogue.groups.find((g) => g.levels.some((level) => level.scope === scope));
    if (group) choice[group.id] = scope;
    else unknown.push(scope);
  }
  return { choice, unknown };
}

export function scopesFromChoice(catalogue: ScopeCatalogue, choice: ScopeChoice): string[] {
  // Catalogue order keeps requests stable whatever order the person clicked in.
  return catalogue.groups.map((group) => choice[group.id]).filter((scope): scope is string => Boolean(scope));
}

export function isFullAccess(catalogue: ScopeCatalogue, scopes: string[]): boolean {
  return scopes.length === 0 || scopes.includes(catalogue.fullAccess.scope);
}
