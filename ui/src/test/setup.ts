// Vitest set-up: DOM matchers, the few browser APIs jsdom lacks, and a clean DOM after every test.
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/svelte';
import { afterEach, vi } from 'vitest';
import { TEST_NOW } from './now';

// Every test runs on the same day (TEST_NOW), whatever the calendar says: only `Date` is faked, timers stay
// real, and the clock runs on from there.
vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
vi.setSystemTime(TEST_NOW);

// Svelte's bind:clientHeight observes size changes; jsdom does no layout, so an inert observer is enough.
if (!('ResizeObserver' in globalThis)) {
  class InertResizeObserver {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  }
  (globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = InertResizeObserver;
}

afterEach(() => cleanup());
