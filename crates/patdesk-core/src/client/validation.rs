//! What the client checks and normalises before it sends a name, scopes or an expiry (§2.7, §2.16), so that
//! the service's refusals become sentences PAT Desk wrote, and create and update apply the same rules.

use chrono::{DateTime, Utc};

use crate::error::{Error, ErrorCode};

/// The longest name the service takes, counted as [`encoded_name_length`] counts (§2.16).
pub(crate) const MAX_NAME_LENGTH: usize = 256;

/// A name's length as the service counts it: `&`, `<`, `>` and `"` HTML-encoded.
pub(crate) fn encoded_name_length(name: &str) -> usize {
    name.chars()
        .map(|c| match c {
            '&' => 5,
            '<' | '>' => 4,
            '"' => 6,
            _ => 1,
        })
        .sum()
}

/// A character that is there but cannot be seen, or that changes how the text around it is shown: zero-width
/// characters (U+200B–U+200D, the word joiner U+2060, the byte-order mark U+FEFF), direction marks, embeddings,
/// overrides and isolates (U+200E–U+200F, U+202A–U+202E, U+2066–U+2069). In a token's name they could make it
/// look like another token's (`build\u{202e}gpj.exe` shows as `buildexe.jpg`).
pub fn is_hidden_character(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}

/// Names longer than 256 characters after HTML-encoding are refused (§2.16), and so are names holding a
/// control character or a [hidden one](is_hidden_character). The New-token form checks the same rule with the
/// same sentences (ui/src/lib/tokenName.ts); both sides test the same cases.
pub(crate) fn validate_display_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidDisplayName,
            "The token needs a name. Type a name and try again.",
        ));
    }
    if encoded_name_length(name) > MAX_NAME_LENGTH {
        return Err(Error::new(
            ErrorCode::InvalidDisplayName,
            "The name is too long. Use at most 256 characters (& < > and \" count as several).",
        ));
    }
    if name
        .chars()
        .any(|c| c.is_control() || is_hidden_character(c))
    {
        return Err(Error::new(
            ErrorCode::InvalidDisplayName,
            "The name holds an invisible or control character (such as a zero-width space or a text-direction \
             mark) that could hide what it says. Remove it and try again.",
        ));
    }
    Ok(name.to_string())
}

/// A token id as the service gives it: a GUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, any case), not the
/// nil one. Anything else (an empty id above all: the service answers a DELETE without one as if it had
/// worked) is refused before a request is built, so it can never be reported "Revoked".
pub fn validate_token_id(id: &str) -> Result<&str, Error> {
    let nil = id.bytes().all(|b| b == b'0' || b == b'-');
    if crate::settings::is_guid(id) && !nil {
        return Ok(id);
    }
    Err(Error::new(
        ErrorCode::InvalidInput,
        "This is not a token id. A token id looks like 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0: copy it from the \
         token list and try again.",
    )
    .with_raw(format!("authorization id {id:?}")))
}

/// Space-separated, de-duplicated, known scopes; `app_token` alone for full access. Never empty, because the
/// service would read an empty scope as full access (§2.7). The rules are the catalogue's
/// ([`crate::scopes::normalise_scopes`]), shared with the server path.
pub(super) fn normalise_scopes(scopes: &[String]) -> Result<String, Error> {
    crate::scopes::normalise_scopes(scopes)
}

/// A scope field as a set (lower case, sorted, no duplicates), to compare two tokens' scopes.
pub(crate) fn scope_set(scope: &str) -> Vec<String> {
    let mut v: Vec<String> = scope
        .split_whitespace()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The service keeps `validTo` with about 10 ms precision; sending it pre-rounded makes the echo exact.
pub(crate) fn round_to_10ms(d: DateTime<Utc>) -> DateTime<Utc> {
    let ms = d.timestamp_millis();
    DateTime::from_timestamp_millis(ms - ms.rem_euclid(10)).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_names() {
        assert_eq!(
            normalise_scopes(&[
                "vso.code_write".into(),
                "VSO.code_write vso.packaging".into()
            ])
            .unwrap(),
            "vso.code_write vso.packaging"
        );
        assert_eq!(
            normalise_scopes(&["vso.code".into(), "app_token".into()]).unwrap(),
            "app_token"
        );
        assert_eq!(
            normalise_scopes(&[]).unwrap_err().code,
            ErrorCode::InvalidScope
        );
        assert_eq!(
            normalise_scopes(&["  ".into()]).unwrap_err().code,
            ErrorCode::InvalidScope
        );
        assert_eq!(
            normalise_scopes(&["vso.bogus".into()]).unwrap_err().code,
            ErrorCode::InvalidScope
        );
        assert!(validate_display_name(&"a".repeat(256)).is_ok());
        assert!(validate_display_name(&"&".repeat(52)).is_err());
        assert!(validate_display_name(" ").is_err());
    }

    /// The same cases as ui/src/lib/tokenName.test.ts: the New-token form refuses exactly these names, with
    /// these sentences. Change the rule here and that test must change too (and the other way round).
    #[test]
    fn display_name_rule_matches_the_window() {
        const REQUIRED: &str = "The token needs a name. Type a name and try again.";
        const TOO_LONG: &str =
            "The name is too long. Use at most 256 characters (& < > and \" count as several).";
        const HIDDEN: &str = "The name holds an invisible or control character (such as a zero-width space or a \
                              text-direction mark) that could hide what it says. Remove it and try again.";
        let cases: Vec<(String, &str)> = vec![
            ("&".repeat(60), TOO_LONG), // 300 once HTML-encoded
            ("a".repeat(256), ""),
            ("a".repeat(257), TOO_LONG),
            ("&".repeat(51), ""),                        // 255
            (format!("{}a", "&".repeat(51)), ""),        // 256
            (format!("{}ab", "&".repeat(51)), TOO_LONG), // 257
            ("&".repeat(52), TOO_LONG),                  // 260
            ("<".repeat(64), ""),                        // 256
            (format!("{}a", ">".repeat(64)), TOO_LONG),  // 257
            (format!("{}aaaa", "\"".repeat(42)), ""),    // 256
            ("\"".repeat(43), TOO_LONG),                 // 258
            ("'".repeat(256), ""),                       // ' is not counted as several
            ("é".repeat(256), ""),                       // code points, not UTF-8 bytes
            ("😀".repeat(256), ""),                      // code points, not UTF-16 units
            ("😀".repeat(257), TOO_LONG),
            (format!("  {}\t\n", "a".repeat(256)), ""), // white space at either end is not counted
            (format!("\u{a0}{}\u{3000}", "a".repeat(256)), ""),
            (String::new(), REQUIRED),
            (" ".into(), REQUIRED),
            ("\t\n\u{a0}\u{2003}\u{85}".into(), REQUIRED),
            ("\u{feff}".into(), HIDDEN), // not white space, but invisible
            ("pay\u{200b}roll".into(), HIDDEN), // zero-width space
            ("a\u{200c}b".into(), HIDDEN),
            ("a\u{200d}b".into(), HIDDEN),
            ("a\u{200e}b".into(), HIDDEN), // left-to-right mark
            ("a\u{200f}b".into(), HIDDEN),
            ("a\u{2060}b".into(), HIDDEN),           // word joiner
            ("build\u{202e}gpj.exe".into(), HIDDEN), // right-to-left override
            ("a\u{202a}b".into(), HIDDEN),
            ("a\u{202c}b".into(), HIDDEN),
            ("a\u{2066}b".into(), HIDDEN), // isolates
            ("a\u{2069}b".into(), HIDDEN),
            ("a\u{1b}[2Jb".into(), HIDDEN), // escape: clears a terminal
            ("a\tb".into(), HIDDEN),
            ("a\nb".into(), HIDDEN),
            ("a\u{7f}b".into(), HIDDEN),
            ("a\u{85}b".into(), HIDDEN), // white space at the ends, a control character inside
            ("a\u{2029}b".into(), ""),   // a separator, not hidden
            ("Café – ünïcode ✓ 日本".into(), ""),
            ("\u{202e}".repeat(300), TOO_LONG), // the length is checked first, as in the window
        ];
        for (name, expected) in cases {
            let got = match validate_display_name(&name) {
                Ok(_) => String::new(),
                Err(e) => {
                    assert_eq!(e.code, ErrorCode::InvalidDisplayName, "{name:?}");
                    e.message
                }
            };
            assert_eq!(got, expected, "{name:?}");
        }
        assert_eq!(
            validate_display_name("\u{85} a  b \u{2028}").unwrap(),
            "a  b"
        );
    }
}
