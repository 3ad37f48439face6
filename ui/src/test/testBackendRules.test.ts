// The test backend follows the core instead of rules of its own: its scope catalogue and scope summaries come
// from what Rust generated (ui/src/lib/generated/scope*.json), and it refuses token names as the core does.
import { describe, expect, it } from 'vitest';
import { TestBackend } from '$lib/backend/TestBackend';
import { demoCatalogue, describeScope } from '$lib/backend/demoCatalogue';
import catalogue from '$lib/generated/scopeCatalogue.json';
import summaries from '$lib/generated/scopeSummaries.json';
import { NAME_REQUIRED, NAME_TOO_LONG } from '$lib/tokenName';

describe('TestBackend scopes', () => {
  it('serves the catalogue Rust generated', async () => {
    expect(await new TestBackend().scopeCatalogue()).toEqual(catalogue);
  });

  it.each(summaries.map(({ scope, summary }) => [scope, summary] as const))(
    'summarises %j as the core does',
    (scope, summary) => {
      expect(describeScope(scope)).toEqual(summary);
    },
  );

  it('summarises every level as its title, and every demo token as the core would', () => {
    for (const level of demoCatalogue.groups.flatMap((group) => group.levels)) {
      expect(describeScope(level.scope)).toEqual([level.title]);
    }
    // Every demo token's scope field is one of Rust's samples, so its summary is Rust's own. A new demo scope
    // goes into SUMMARY_SAMPLES in crates/patdesk-core/src/scopes.rs too.
    const fromRust = new Map<string, string[]>(summaries.map(({ scope, summary }) => [scope, summary]));
    for (const token of new TestBackend().tokens) {
      expect(fromRust.get(token.scope), `${token.scope} is not in SUMMARY_SAMPLES`).toEqual(token.scopeSummary);
    }
  });
});

describe('TestBackend createToken names', () => {
  const request = (displayName: string) => ({
    organization: 'contoso',
    displayName,
    scopes: ['vso.code'],
    lifespan: { kind: 'days' as const, days: 30 },
  });

  it.each([
    ['', NAME_REQUIRED],
    [' \u3000\t', NAME_REQUIRED],
    ['x'.repeat(257), NAME_TOO_LONG],
    ['&'.repeat(52), NAME_TOO_LONG],
  ])('refuses %j with invalidDisplayName, as the core does', async (name, message) => {
    const backend = new TestBackend({ signedIn: true });
    await expect(backend.createToken(request(name))).rejects.toEqual({ code: 'invalidDisplayName', message });
  });

  it('accepts 256 encoded characters and keeps the name trimmed', async () => {
    const backend = new TestBackend({ signedIn: true });
    const created = await backend.createToken(request(`  ${'&'.repeat(51)}x  `));
    expect(created.token.displayName).toBe(`${'&'.repeat(51)}x`);
    expect(created.token.scopeSummary).toEqual(describeScope('vso.code'));
  });
});
