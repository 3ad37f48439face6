// How the window speaks about dates and expiry: one place so the list, the form and the
// "Token created" screen say "expires in 3 days" and "1 Dec 2026" the same way.
import type { PatToken } from '$lib/ipc';

const DAY = 24 * 60 * 60 * 1000;

/** Days within which an active token is flagged as expiring soon (the banner lists these). */
export const EXPIRY_WARNING_DAYS = 7;
/** The badges' thresholds, as the reminders' (patdesk_core::reminders): 14, 7 and 1 days. */
export const EXPIRY_NOTICE_DAYS = 14;
export const EXPIRY_URGENT_DAYS = 1;

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "1 Dec 2026" (UTC, as Azure DevOps stores it). */
export function formatDate(iso: string): string {
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

/** Whole days from `now` until `iso`, rounded up (so "later today" is 0 and "tomorrow" 1). */
export function daysUntil(iso: string, now: Date = new Date()): number {
  return Math.ceil((new Date(iso).getTime() - now.getTime()) / DAY);
}

export type Badge = { kind: 'revoked' | 'expired' | 'stopped' | 'urgent' | 'warn' | 'soon' | 'ok'; text: string };

/**
 * The status badge of a row: revoked, stopped working (a global token after the retirement of global PATs,
 * as the core marks it), expired, "expires in N days" at the reminders' thresholds (within 14 days, a warning
 * within 7, urgent within 1) or active.
 */
export function badgeFor(token: PatToken, now: Date = new Date()): Badge {
  if (token.status === 'revoked') return { kind: 'revoked', text: 'Revoked' };
  if (token.stoppedWorking) return { kind: 'stopped', text: 'Stopped working' };
  const days = daysUntil(token.validTo, now);
  if (token.status === 'expired' || days < 0) return { kind: 'expired', text: 'Expired' };
  if (days <= EXPIRY_NOTICE_DAYS) {
    const text = days <= 0 ? 'Expires today' : days === 1 ? 'Expires in 1 day' : `Expires in ${days} days`;
    return { kind: days <= EXPIRY_URGENT_DAYS ? 'urgent' : days <= EXPIRY_WARNING_DAYS ? 'warn' : 'soon', text };
  }
  return { kind: 'ok', text: 'Active' };
}

/** YYYY-MM-DD of the local calendar day `offsetDays` from `now` (what a date input speaks). */
export function localDay(offsetDays = 0, now: Date = new Date()): string {
  const date = new Date(now.getFullYear(), now.getMonth(), now.getDate() + offsetDays);
  const mm = String(date.getMonth() + 1).padStart(2, '0');
  const dd = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${mm}-${dd}`;
}
