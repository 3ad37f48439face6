// The token-name rule, the same as `validate_display_name` in crates/patdesk-core/src/client/validation.rs
// (tests on both sides check the same boundary cases, so a change on one side fails a test until the other
// follows).
//
// Azure DevOps HTML-encodes a name, then refuses it if it is longer than 256 characters (contract §2.16).
// Rust trims the name (Unicode White_Space), then counts Unicode code points, with & as 5, < and > as 4 and
// " as 6 (the length of &amp; &lt; &gt; &quot;). A name holding a control character or an invisible one
// (zero-width characters, text-direction marks and overrides: `is_hidden_character`) is refused, because it could
// make the name look like another.

export const MAX_NAME_LENGTH = 256;

/** The same sentences as Rust's `invalidDisplayName` errors. */
export const NAME_REQUIRED = 'The token needs a name. Type a name and try again.';
export const NAME_TOO_LONG = 'The name is too long. Use at most 256 characters (& < > and " count as several).';
export const NAME_HIDDEN_CHARACTER =
  'The name holds an invisible or control character (such as a zero-width space or a text-direction mark) that could hide what it says. Remove it and try again.';

// Rust's `char::is_control` (Unicode Cc) and `is_hidden_character`: U+200B–U+200F, U+202A–U+202E, U+2060,
// U+2066–U+2069, U+FEFF.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/u;

// Rust's `char::is_whitespace` (the Unicode White_Space property), which `str::trim` uses. JavaScript's
// `trim()` differs: it also trims U+FEFF and keeps U+0085.
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGES = new RegExp(`^[${WHITE_SPACE}]+|[${WHITE_SPACE}]+$`, 'gu');

/** The name as Rust sends it: without white space at either end. */
export function trimName(name: string): string {
  return name.replace(EDGES, '');
}

/** How long Azure DevOps counts the (trimmed) name: its length after HTML-encoding. */
export function encodedNameLength(name: string): number {
  let length = 0;
  for (const c of trimName(name)) {
    length += c === '&' ? 5 : c === '<' || c === '>' ? 4 : c === '"' ? 6 : 1;
  }
  return length;
}

/** Why PAT Desk refuses this name, or '' when it accepts it. The text typed is never changed. */
export function tokenNameError(name: string): string {
  if (trimName(name) === '') return NAME_REQUIRED;
  if (encodedNameLength(name) > MAX_NAME_LENGTH) return NAME_TOO_LONG;
  if (HIDDEN.test(trimName(name))) return NAME_HIDDEN_CHARACTER;
  return '';
}
