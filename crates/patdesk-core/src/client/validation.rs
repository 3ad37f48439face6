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

/// Names longer than 256 characters after HTML-encoding are refused (§2.16). The New-token form checks the
/// same rule with the same sentences (ui/src/lib/tokenName.ts); both sides test the same cases.
pub(super) fn validate_display_name(name: &str) -> Result<String, Error> {
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
    Ok(name.to_string())
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
            ("\u{feff}".into(), ""), // not white space, so a (strange) name of one character
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
