// The token-name rule. The same cases are in `validate_display_name`'s test in
// crates/patdesk-core/src/client/validation.rs: change the rule on one side and a test fails until the other side
// follows.
import { describe, expect, it } from 'vitest';
import {
  MAX_NAME_LENGTH,
  NAME_HIDDEN_CHARACTER,
  NAME_REQUIRED,
  NAME_TOO_LONG,
  encodedNameLength,
  tokenNameError,
  trimName,
} from './tokenName';

describe('tokenNameError (same rule as the core)', () => {
  it('refuses 60 × & (300 characters once HTML-encoded)', () => {
    expect(encodedNameLength('&'.repeat(60))).toBe(300);
    expect(tokenNameError('&'.repeat(60))).toBe(NAME_TOO_LONG);
  });

  it.each([
    ['a'.repeat(256), ''],
    ['a'.repeat(257), NAME_TOO_LONG],
    ['&'.repeat(51), ''], // 255
    ['&'.repeat(51) + 'a', ''], // 256
    ['&'.repeat(51) + 'ab', NAME_TOO_LONG], // 257
    ['&'.repeat(52), NAME_TOO_LONG], // 260
    ['<'.repeat(64), ''], // 256
    ['>'.repeat(64) + 'a', NAME_TOO_LONG], // 257
    ['"'.repeat(42) + 'aaaa', ''], // 256
    ['"'.repeat(43), NAME_TOO_LONG], // 258
    ["'".repeat(256), ''], // ' is not counted as several
    ['é'.repeat(256), ''], // code points, not UTF-8 bytes
    ['😀'.repeat(256), ''], // code points, not UTF-16 units
    ['😀'.repeat(257), NAME_TOO_LONG],
    ['  ' + 'a'.repeat(256) + '\t\n', ''], // white space at either end is not counted
    ['\u00a0' + 'a'.repeat(256) + '\u3000', ''],
    ['', NAME_REQUIRED],
    [' ', NAME_REQUIRED],
    ['\t\n\u00a0\u2003\u0085', NAME_REQUIRED],
    ['\ufeff', NAME_HIDDEN_CHARACTER], // not white space for Rust, but invisible
    ['pay\u200broll', NAME_HIDDEN_CHARACTER], // zero-width space
    ['a\u200cb', NAME_HIDDEN_CHARACTER],
    ['a\u200db', NAME_HIDDEN_CHARACTER],
    ['a\u200eb', NAME_HIDDEN_CHARACTER], // left-to-right mark
    ['a\u200fb', NAME_HIDDEN_CHARACTER],
    ['a\u2060b', NAME_HIDDEN_CHARACTER], // word joiner
    ['build\u202egpj.exe', NAME_HIDDEN_CHARACTER], // right-to-left override
    ['a\u202ab', NAME_HIDDEN_CHARACTER],
    ['a\u202cb', NAME_HIDDEN_CHARACTER],
    ['a\u2066b', NAME_HIDDEN_CHARACTER], // isolates
    ['a\u2069b', NAME_HIDDEN_CHARACTER],
    ['a\u001b[2Jb', NAME_HIDDEN_CHARACTER], // escape: clears a terminal
    ['a\tb', NAME_HIDDEN_CHARACTER],
    ['a\nb', NAME_HIDDEN_CHARACTER],
    ['a\u007fb', NAME_HIDDEN_CHARACTER],
    ['a\u0085b', NAME_HIDDEN_CHARACTER], // white space at the ends, a control character inside
    ['a\u2029b', ''], // a separator, not hidden
    ['Café – ünïcode ✓ 日本', ''],
    ['\u202e'.repeat(300), NAME_TOO_LONG], // the length is checked first, as in Rust
  ])('%j → %j', (name, error) => {
    expect(tokenNameError(name)).toBe(error);
  });

  it('trims like Rust, inside characters stay', () => {
    expect(trimName('\u0085 a  b \u2028')).toBe('a  b');
    expect(MAX_NAME_LENGTH).toBe(256);
  });
});
