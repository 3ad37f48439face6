// The one "today" of the UI tests: no test depends on the day it runs (the suite passes a year ahead or
// behind). A month before the retirement of global PATs (1 Dec 2026), so the future-tense warning is the
// default; tests of the "stopped working" state move past it explicitly.
export const TEST_NOW = new Date('2026-11-02T10:00:00Z');

/** The retirement of global PATs, as the core reports it in SessionInfo. */
export const TEST_GLOBAL_PAT_RETIREMENT = '2026-12-01T00:00:00Z';
