//! The PAT scope catalogue: turns raw scope strings (`vso.code_write vso.packaging`) into words a person
//! understands, and gives the window the groups, levels and presets for the "Permissions" picker.
//!
//! The data is `scopes.json` from the shared contract, compiled into the binary so it can never be missing.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::{Error, ErrorCode};
use crate::model::{FullAccessScope, ScopeCatalogue, ScopeGroup, ScopeLevel, ScopePreset};

/// The full-access scope string.
pub const FULL_ACCESS: &str = "app_token";

/// What "Full access" means, for the person choosing it.
pub const FULL_ACCESS_IN_WORDS: &str = "The token can do everything you can do, in every organization it is \
     made for: read and change code, work items, builds, packages and settings. Anyone who gets hold of it \
     can do the same.";

const SCOPES_JSON: &str = include_str!("../scopes.json");

/// Groups shown before "Show all scopes": the ones most people need.
const COMMON_GROUPS: &[&str] = &[
    "code",
    "build",
    "release",
    "packaging",
    "workItems",
    "agentPools",
    "projectAndTeam",
    "variableGroups",
    "serviceConnections",
];

/// Ready-made choices for common jobs: (id, label, description, scopes).
const PRESETS: &[(&str, &str, &str, &[&str])] = &[
    (
        "git",
        "Git (clone and push)",
        "Read and write code in Git repositories, for example to clone and push from a tool.",
        &["vso.code_write"],
    ),
    (
        "packages-read",
        "Packages (read)",
        "Download packages from Azure Artifacts feeds (NuGet, npm, Maven, Python).",
        &["vso.packaging"],
    ),
    (
        "packages-publish",
        "Packages (publish)",
        "Download and publish packages to Azure Artifacts feeds.",
        &["vso.packaging_write"],
    ),
    (
        "build-agent",
        "Build agent",
        "Register a self-hosted build or release agent in an agent pool.",
        &["vso.agentpools_manage"],
    ),
    (
        "pipelines",
        "Run pipelines",
        "Queue builds and read their results.",
        &["vso.build_execute"],
    ),
    (
        "work-items",
        "Work items",
        "Read and update work items and boards.",
        &["vso.work_write"],
    ),
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalogue {
    full_access: RawFullAccess,
    groups: Vec<RawGroup>,
    #[serde(default)]
    not_selectable: Vec<RawNotSelectable>,
    #[serde(default)]
    not_selectable_prefixes: Vec<RawPrefix>,
}

#[derive(Debug, Deserialize)]
struct RawFullAccess {
    scope: String,
    label: String,
}

#[derive(Debug, Deserialize)]
struct RawGroup {
    id: String,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    deprecated: bool,
    levels: Vec<RawLevel>,
}

#[derive(Debug, Deserialize)]
struct RawLevel {
    label: String,
    scope: String,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    deprecated: bool,
}

#[derive(Debug, Deserialize)]
struct RawNotSelectable {
    scope: String,
}

#[derive(Debug, Deserialize)]
struct RawPrefix {
    prefix: String,
}

/// A scope level with its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub label: String,
    pub scope: String,
    pub title: String,
    pub description: String,
    pub deprecated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub description: String,
    pub deprecated: bool,
    pub common: bool,
    pub levels: Vec<Level>,
}

/// The parsed catalogue. Get it with [`Catalogue::load`].
#[derive(Debug)]
pub struct Catalogue {
    full_access: FullAccessScope,
    groups: Vec<Group>,
    /// lower-case scope → (group index, level index)
    index: HashMap<String, (usize, usize)>,
    not_selectable: Vec<String>,
    not_selectable_prefixes: Vec<String>,
}

impl Catalogue {
    /// The catalogue compiled into PAT Desk.
    pub fn load() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| Catalogue::parse(SCOPES_JSON).expect("scopes.json is valid"))
    }

    fn parse(json: &str) -> Result<Catalogue, serde_json::Error> {
        let raw: RawCatalogue = serde_json::from_str(json)?;
        let mut index = HashMap::new();
        let groups: Vec<Group> = raw
            .groups
            .into_iter()
            .enumerate()
            .map(|(gi, g)| {
                let levels = g
                    .levels
                    .into_iter()
                    .enumerate()
                    .map(|(li, l)| {
                        index.insert(l.scope.to_ascii_lowercase(), (gi, li));
                        Level {
                            label: l.label,
                            scope: l.scope,
                            title: l.title,
                            description: l.description,
                            deprecated: l.deprecated,
                        }
                    })
                    .collect();
                Group {
                    common: COMMON_GROUPS.contains(&g.id.as_str()),
                    id: g.id,
                    title: g.title,
                    description: g.description,
                    deprecated: g.deprecated,
                    levels,
                }
            })
            .collect();
        Ok(Catalogue {
            full_access: FullAccessScope {
                scope: raw.full_access.scope,
                label: raw.full_access.label,
                // The contract's description is written for developers (wire details, policy names);
                // the window shows this sentence instead.
                description: FULL_ACCESS_IN_WORDS.to_string(),
            },
            groups,
            index,
            not_selectable: raw
                .not_selectable
                .into_iter()
                .map(|n| n.scope.to_ascii_lowercase())
                .collect(),
            not_selectable_prefixes: raw
                .not_selectable_prefixes
                .into_iter()
                .map(|p| p.prefix.to_ascii_lowercase())
                .collect(),
        })
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The group a scope string belongs to (case-insensitive), if it is a selectable level.
    pub fn group_for_scope(&self, scope: &str) -> Option<&Group> {
        self.index
            .get(&scope.to_ascii_lowercase())
            .map(|(g, _)| &self.groups[*g])
    }

    /// The level a scope string names (case-insensitive).
    pub fn level(&self, scope: &str) -> Option<&Level> {
        self.index
            .get(&scope.to_ascii_lowercase())
            .map(|(g, l)| &self.groups[*g].levels[*l])
    }

    /// A scope that exists: a level, full access, or a known non-selectable scope.
    pub fn is_known(&self, scope: &str) -> bool {
        let lower = scope.to_ascii_lowercase();
        lower == FULL_ACCESS
            || self.index.contains_key(&lower)
            || self.not_selectable.contains(&lower)
            || self
                .not_selectable_prefixes
                .iter()
                .any(|p| lower.starts_with(p))
    }

    /// A scope a person may choose for a new token (a non-deprecated level, or full access).
    pub fn is_selectable(&self, scope: &str) -> bool {
        scope.eq_ignore_ascii_case(FULL_ACCESS) || self.level(scope).is_some_and(|l| !l.deprecated)
    }

    /// A PAT's `scope` field in words: `["Full access"]`, `["Code (read and write)", …]`. Unknown and
    /// non-selectable scopes appear as their raw string. Empty means full access (how the service reads it).
    pub fn describe(&self, scope_field: &str) -> Vec<String> {
        let parts: Vec<&str> = scope_field.split_whitespace().collect();
        if parts.is_empty() || parts.iter().any(|p| p.eq_ignore_ascii_case(FULL_ACCESS)) {
            return vec![self.full_access.label.clone()];
        }
        let mut out: Vec<String> = Vec::with_capacity(parts.len());
        for p in parts {
            let words = match self.level(p) {
                Some(level) => level.title.clone(),
                None => p.to_string(),
            };
            if !out.contains(&words) {
                out.push(words);
            }
        }
        out
    }

    /// The catalogue for an Azure DevOps Server: [`Self::to_ipc`] without the scopes such a server does not
    /// offer (not `Public` in the Azure DevOps Server 2022 build, or behind feature flags there; see
    /// [`not_on_servers`]). Groups left empty and presets that need a hidden scope are dropped.
    pub fn to_ipc_for_server(&self) -> ScopeCatalogue {
        let mut catalogue = self.to_ipc();
        for group in &mut catalogue.groups {
            group.levels.retain(|l| !not_on_servers(&l.scope));
        }
        catalogue.groups.retain(|g| !g.levels.is_empty());
        catalogue
            .presets
            .retain(|p| p.scopes.iter().all(|s| !not_on_servers(s)));
        catalogue
    }

    /// The catalogue as the window sees it.
    pub fn to_ipc(&self) -> ScopeCatalogue {
        ScopeCatalogue {
            full_access: self.full_access.clone(),
            groups: self
                .groups
                .iter()
                .map(|g| ScopeGroup {
                    id: g.id.clone(),
                    title: g.title.clone(),
                    description: g.description.clone(),
                    levels: g
                        .levels
                        .iter()
                        .map(|l| ScopeLevel {
                            label: l.label.clone(),
                            scope: l.scope.clone(),
                            title: l.title.clone(),
                            description: l.description.clone(),
                        })
                        .collect(),
                    common: g.common,
                    deprecated: g.deprecated,
                })
                .collect(),
            presets: PRESETS
                .iter()
                .filter(|(_, _, _, scopes)| scopes.iter().all(|s| self.level(s).is_some()))
                .map(|(id, label, description, scopes)| ScopePreset {
                    id: id.to_string(),
                    label: label.to_string(),
                    description: description.to_string(),
                    scopes: scopes.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
        }
    }
}

/// Scopes an Azure DevOps Server does not offer (contract `azure-devops-server.md` §6): `vso.pats`,
/// `vso.pats_manage`, `vso.chat_*` and `vso.hooks*` are not `Public` in the 2022 build; Drop, Blobstore,
/// BuildCache and GitHubConnections are feature-flagged.
pub fn not_on_servers(scope: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "vso.pats",
        "vso.chat",
        "vso.hooks",
        "vso.drop",
        "vso.blobstore",
        "vso.buildcache",
        "vso.githubconnections",
    ];
    let scope = scope.trim().to_ascii_lowercase();
    PREFIXES.iter().any(|p| scope.starts_with(p))
}

/// A new or changed token's scopes as Azure DevOps Services takes them: trimmed, split on white space, blanks
/// and duplicates dropped (case-insensitively), each one known to the catalogue; `app_token` alone for full
/// access. Never empty: the service would read an empty scope as full access (§2.7), so choosing nothing is a
/// plain input error instead.
pub fn normalise_scopes(scopes: &[String]) -> Result<String, Error> {
    normalise(scopes, |_| None)
}

/// [`normalise_scopes`] for an Azure DevOps Server: the same rules, against the server's catalogue (the scopes
/// [`not_on_servers`] names are refused, as the server would refuse them with `InvalidScope`). An empty or blank
/// scope never reaches the server, which may read it as full access.
pub fn normalise_server_scopes(scopes: &[String]) -> Result<String, Error> {
    normalise(scopes, |scope| {
        not_on_servers(scope).then(|| {
            format!(
                "\"{scope}\" is not offered by Azure DevOps Server. Choose the permissions again from the list."
            )
        })
    })
}

/// The rules of [`normalise_scopes`]; `refuse` says why a known scope cannot be used here, if it cannot.
fn normalise(scopes: &[String], refuse: impl Fn(&str) -> Option<String>) -> Result<String, Error> {
    let catalogue = Catalogue::load();
    let mut out: Vec<String> = Vec::new();
    for s in scopes.iter().flat_map(|s| s.split_whitespace()) {
        let lower = s.to_ascii_lowercase();
        if lower == FULL_ACCESS {
            return Ok(FULL_ACCESS.to_string());
        }
        if !catalogue.is_known(&lower) {
            return Err(Error::new(
                ErrorCode::InvalidScope,
                format!("\"{s}\" is not a permission PAT Desk knows. Choose the permissions again from the list."),
            ));
        }
        if let Some(why) = refuse(&lower) {
            return Err(Error::new(ErrorCode::InvalidScope, why));
        }
        if !out.contains(&lower) {
            out.push(lower);
        }
    }
    if out.is_empty() {
        return Err(Error::from_code(ErrorCode::InvalidScope));
    }
    Ok(out.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_scopes_are_trimmed_deduplicated_checked_and_never_empty() {
        let scopes = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            normalise_server_scopes(&scopes(&[" vso.code ", "", "VSO.code", "vso.packaging\t"]))
                .unwrap(),
            "vso.code vso.packaging"
        );
        assert_eq!(
            normalise_server_scopes(&scopes(&["vso.code", "APP_TOKEN"])).unwrap(),
            FULL_ACCESS
        );
        for nothing in [scopes(&[]), scopes(&[""]), scopes(&["  ", "\t\n"])] {
            let e = normalise_server_scopes(&nothing).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidScope, "{nothing:?}");
            assert!(
                e.message.contains("at least one permission"),
                "{}",
                e.message
            );
        }
        let e = normalise_server_scopes(&scopes(&["vso.code", "vso.bogus"])).unwrap_err();
        assert!(e.message.contains("\"vso.bogus\""), "{}", e.message);
        let e = normalise_server_scopes(&scopes(&["vso.pats_manage"])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidScope);
        assert!(
            e.message.contains("not offered by Azure DevOps Server"),
            "{}",
            e.message
        );
        // Services takes what a server does not offer.
        assert_eq!(
            normalise_scopes(&scopes(&["vso.pats_manage"])).unwrap(),
            "vso.pats_manage"
        );
    }

    #[test]
    fn the_server_catalogue_hides_what_servers_do_not_offer() {
        let all = Catalogue::load().to_ipc();
        let server = Catalogue::load().to_ipc_for_server();
        let scopes = |c: &ScopeCatalogue| -> Vec<String> {
            c.groups
                .iter()
                .flat_map(|g| g.levels.iter().map(|l| l.scope.clone()))
                .collect()
        };
        let (all, kept) = (scopes(&all), scopes(&server));
        for hidden in ["vso.githubconnections", "vso.githubconnections_manage"] {
            assert!(
                all.contains(&hidden.to_string()),
                "{hidden} is in the Services catalogue"
            );
            assert!(
                !kept.contains(&hidden.to_string()),
                "{hidden} is hidden on servers"
            );
        }
        for shown in [
            "vso.code",
            "vso.code_write",
            "vso.packaging",
            "vso.build_execute",
            "vso.tokens",
        ] {
            if all.contains(&shown.to_string()) {
                assert!(kept.contains(&shown.to_string()), "{shown} stays");
            }
        }
        assert!(server.groups.iter().all(|g| !g.levels.is_empty()));
        for scope in [
            "vso.pats_manage",
            "vso.hooks_write",
            "vso.chat_manage",
            "VSO.Drop",
            "vso.buildcache",
        ] {
            assert!(not_on_servers(scope), "{scope}");
        }
        assert!(!not_on_servers("vso.tokens") && !not_on_servers("vso.code"));
        assert!(!server.presets.is_empty());
    }

    /// Scope fields whose summary the window's test backend must show as Rust does: the demo tokens' scopes
    /// (`ui/src/lib/backend/TestBackend.ts`) and one case of each rule of [`Catalogue::describe`].
    const SUMMARY_SAMPLES: &[&str] = &[
        "",
        "app_token",
        "vso.code",
        "vso.code_write",
        "vso.agentpools_manage",
        "vso.packaging",
        "vso.packaging_write",
        "vso.build_execute",
        "vso.work_write vso.project",
        "vso.release_execute vso.build",
        "vso.analytics",
        "vso.wiki",
        "vso.work vso.analytics",
        "vso.code app_token",
        "VSO.CODE_WRITE vso.code_write  vso.packaging",
        "vso.governance vso.made_up",
    ];

    /// The window shows the full-access description to the person choosing it: plain words, no wire names.
    #[test]
    fn full_access_is_described_in_plain_words() {
        let shown = Catalogue::load().to_ipc().full_access.description;
        for developer_word in [
            "'scope'",
            "app_token",
            "fullScopePat",
            "Create",
            "tenant policy",
        ] {
            assert!(
                !shown.contains(developer_word),
                "{developer_word} in {shown}"
            );
        }
        assert!(shown.contains("everything"), "{shown}");
    }

    /// Writes the catalogue as the window receives it (`scopeCatalogue.json`) and the summaries of
    /// [`SUMMARY_SAMPLES`] (`scopeSummaries.json`) next to the ts-rs types, for the UI's test backend. Named
    /// like ts-rs's tests so `cargo test -p patdesk-core export_bindings` writes them too; `make test`'s
    /// generated-types step fails when the committed files differ.
    #[test]
    fn export_bindings_scope_catalogue() {
        let dir = std::env::var_os("TS_RS_EXPORT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/generated")
            });
        let c = Catalogue::load();
        let write = |name: &str, text: String| std::fs::write(dir.join(name), text + "\n").unwrap();
        write(
            "scopeCatalogue.json",
            serde_json::to_string_pretty(&c.to_ipc()).unwrap(),
        );
        let summaries: Vec<serde_json::Value> = SUMMARY_SAMPLES
            .iter()
            .map(|s| serde_json::json!({ "scope": s, "summary": c.describe(s) }))
            .collect();
        write(
            "scopeSummaries.json",
            serde_json::to_string_pretty(&summaries).unwrap(),
        );
    }

    #[test]
    fn describes_in_words() {
        let c = Catalogue::load();
        assert_eq!(c.describe("app_token"), vec!["Full access"]);
        assert_eq!(c.describe(""), vec!["Full access"]);
        let d = c.describe("vso.code_write VSO.PACKAGING vso.governance vso.made_up");
        assert_eq!(d[0], c.level("vso.code_write").unwrap().title);
        assert_eq!(d[1], c.level("vso.packaging").unwrap().title);
        assert_eq!(&d[2..], ["vso.governance", "vso.made_up"]);
    }

    #[test]
    fn known_and_groups() {
        let c = Catalogue::load();
        assert!(c.is_known("vso.code"));
        assert!(c.is_known("vso.governance"));
        assert!(c.is_known("vso.blobstore_anything"));
        assert!(c.is_known("app_token"));
        assert!(!c.is_known("vso.nope"));
        assert_eq!(c.group_for_scope("vso.code_status").unwrap().id, "code");
        assert!(c.group_for_scope("vso.governance").is_none());
        assert!(!c.is_selectable("vso.loadtest"));
    }

    #[test]
    fn ipc_has_common_groups_and_valid_presets() {
        let c = Catalogue::load();
        let ipc = c.to_ipc();
        assert_eq!(ipc.full_access.scope, "app_token");
        let common: Vec<_> = ipc.groups.iter().filter(|g| g.common).collect();
        assert!(common.len() >= 8, "{common:?}");
        assert!(ipc.presets.len() >= 5);
        for p in &ipc.presets {
            assert!(p.scopes.iter().all(|s| c.is_selectable(s)), "{p:?}");
        }
        assert!(ipc
            .presets
            .iter()
            .any(|p| p.scopes == ["vso.agentpools_manage"]));
    }
}
