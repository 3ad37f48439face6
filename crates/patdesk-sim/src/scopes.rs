//! The PAT scope catalogue as the simulator uses it (the one `scopes.json` of the repository, in
//! `crates/patdesk-core`, a copy of the contract's file; the app reads the same file):
//! deciding which `scope` strings Create and Update accept (§2.7, checklist item 20) and which scopes the
//! packaging-only creation policy allows (§2.17).

use std::collections::HashSet;
use std::sync::OnceLock;

const CATALOGUE: &str = include_str!("../../patdesk-core/scopes.json");

/// Entra sign-in or system scopes that exist but never belong inside a PAT.
const NEVER_IN_A_PAT: &[&str] = &[
    "user_impersonation",
    "vso.pats",
    "vso.pats_manage",
    "signout",
    "vso.authorization_grant",
];

/// The scope strings of the packaging group, the only ones the packaging-only policy allows.
pub const PACKAGING_SCOPES: &[&str] = &[
    "vso.packaging",
    "vso.packaging_write",
    "vso.packaging_manage",
];

struct Catalogue {
    known: HashSet<String>,
    prefixes: Vec<String>,
}

fn catalogue() -> &'static Catalogue {
    static CELL: OnceLock<Catalogue> = OnceLock::new();
    CELL.get_or_init(|| {
        let v: serde_json::Value =
            serde_json::from_str(CATALOGUE).expect("scopes.json is valid JSON");
        let mut known = HashSet::new();
        for g in v["groups"].as_array().into_iter().flatten() {
            for l in g["levels"].as_array().into_iter().flatten() {
                if let Some(s) = l["scope"].as_str() {
                    known.insert(s.to_ascii_lowercase());
                }
            }
        }
        for n in v["notSelectable"].as_array().into_iter().flatten() {
            if let Some(s) = n["scope"].as_str() {
                if !NEVER_IN_A_PAT.contains(&s) {
                    known.insert(s.to_ascii_lowercase());
                }
            }
        }
        let prefixes = v["notSelectablePrefixes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["prefix"].as_str().map(str::to_ascii_lowercase))
            .collect();
        Catalogue { known, prefixes }
    })
}

/// Normalises a PAT `scope` string the way the service does (lower case, de-duplicated, order kept).
/// Empty means full access (`app_token`). `None` means the scope cannot be normalised (`invalidScope`).
pub fn normalise(scope: &str) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for part in scope.split_whitespace() {
        let s = part.to_ascii_lowercase();
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    if seen.is_empty() {
        return Some("app_token".to_string());
    }
    if seen.iter().any(|s| s == "app_token") {
        return (seen.len() == 1).then(|| "app_token".to_string());
    }
    let cat = catalogue();
    let ok = seen
        .iter()
        .all(|s| cat.known.contains(s) || cat.prefixes.iter().any(|p| s.starts_with(p.as_str())));
    ok.then(|| seen.join(" "))
}

/// True when every scope of a normalised scope string belongs to the packaging group.
pub fn packaging_only(scope: &str) -> bool {
    scope
        .split_whitespace()
        .all(|s| PACKAGING_SCOPES.contains(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_validates() {
        assert_eq!(normalise("").as_deref(), Some("app_token"));
        assert_eq!(
            normalise("VSO.Code_Write vso.packaging vso.code_write").as_deref(),
            Some("vso.code_write vso.packaging")
        );
        assert_eq!(
            normalise("vso.governance").as_deref(),
            Some("vso.governance")
        );
        assert_eq!(normalise("vso.nonsense"), None);
        assert_eq!(normalise("vso.pats"), None);
        assert_eq!(normalise("app_token vso.code"), None);
        assert!(packaging_only("vso.packaging vso.packaging_write"));
        assert!(!packaging_only("vso.packaging vso.code"));
    }
}
