// Hand-made tokens for tests that need exact names, dates and statuses.
import type { PatToken } from '$lib/ipc';
import { demoOrganizations } from '$lib/backend/TestBackend';
import { describeScope } from '$lib/backend/demoCatalogue';

const DAY = 24 * 60 * 60 * 1000;

export function token(displayName: string, days: number, overrides: Partial<PatToken> = {}): PatToken {
  const org = demoOrganizations[0];
  const scope = overrides.scope ?? 'vso.code';
  return {
    authorizationId: `id-${displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    displayName,
    scope,
    scopeSummary: describeScope(scope),
    targetOrganizations: [org],
    isGlobal: false,
    stoppedWorking: false,
    validFrom: new Date(Date.now() - 30 * DAY).toISOString(),
    // Mid-day offsets keep "in N days" away from day boundaries.
    validTo: new Date(Date.now() + days * DAY - 2 * 60 * 60 * 1000).toISOString(),
    status: days < 0 ? 'expired' : 'active',
    organization: org.name,
    ...overrides,
  };
}
