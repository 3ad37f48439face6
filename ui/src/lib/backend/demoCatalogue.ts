// The scope catalogue for TestBackend (Vitest and the `?backend=test` browser demo), exactly as the shell serves
// it: `ui/src/lib/generated/scopeCatalogue.json` is written by the core's test `export_bindings_scope_catalogue`
// (crates/patdesk-core/src/scopes.rs) from `Catalogue::load().to_ipc()`, so it is crates/patdesk-core/scopes.json
// plus the core's "common" marks and presets. `make test` fails when the committed file differs from Rust's.
// Regenerate with `cargo test -p patdesk-core export_bindings`; never edit the JSON by hand.
import type { ScopeCatalogue } from '$lib/ipc';
import catalogue from '$lib/generated/scopeCatalogue.json';

export const demoCatalogue: ScopeCatalogue = catalogue;

// Rust's `to_ascii_lowercase` and `split_whitespace` (Unicode White_Space), which `describe` uses.
const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
const WHITE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

const levelTitles = new Map<string, string>(
  demoCatalogue.groups.flatMap((group) => group.levels.map((level) => [asciiLower(level.scope), level.title] as const)),
);

/**
 * A PAT's `scope` field in words, as the core's `Catalogue::describe` fills `PatToken.scopeSummary`: the full-access
 * label when the field is empty or names full access, otherwise each level's title (case-insensitive), other
 * scopes as they are, without repeats. Every title comes from the generated catalogue; the rule itself is checked
 * against Rust's own summaries (`ui/src/lib/generated/scopeSummaries.json`) by src/test/scopeSummary.test.ts.
 */
export function describeScope(scopeField: string): string[] {
  const parts = scopeField.split(WHITE_SPACE).filter(Boolean);
  const fullAccess = demoCatalogue.fullAccess;
  if (parts.length === 0 || parts.some((part) => asciiLower(part) === fullAccess.scope)) return [fullAccess.label];
  return [...new Set(parts.map((part) => levelTitles.get(asciiLower(part)) ?? part))];
}
