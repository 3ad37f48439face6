//! The record of every place PAT Desk put a token's value: which tool (Git, NuGet, …), where that tool keeps
//! it (a credential helper or a file), for which host or feed, and when — never the value itself. Revoke and
//! Regenerate read it to clean up or refresh each copy, and the token list shows it ("Used with: Git, NuGet
//! feed contoso-packages").
//!
//! It lives beside the reminders' log as `handoffs.json` in the app's data directory: plain, non-secret state,
//! written through a temporary file renamed over the old one. A missing or unreadable file is an empty record
//! (at worst a copy is not offered for cleanup; the tool itself still holds it).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::Error;

/// The file's name in the app's data directory.
pub const HANDOFFS_FILE_NAME: &str = "handoffs.json";

/// A tool PAT Desk can hand a token to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum Tool {
    Git,
    #[serde(rename = "nuget")]
    NuGet,
    Npm,
    Pip,
}

/// One hand-off: the token `authorization_id` of `organization` was given to `tool`, which keeps it in
/// `place`, for `target`. No field holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct HandOff {
    pub authorization_id: String,
    pub organization: String,
    pub tool: Tool,
    /// Where the tool keeps the value: Git's credential helper(s) (`"store"`, `"libsecret"`, …) or, for
    /// NuGet, the client and its configuration file.
    pub place: String,
    /// What the value is for: `https://dev.azure.com/{org}` for Git, the feed URL for NuGet.
    pub target: String,
    /// The name the tool knows the target by (NuGet's package source name), when it has one.
    #[serde(default)]
    pub name: Option<String>,
    /// The person chose to let the tool keep the value in plain text (after the warning).
    #[serde(default)]
    pub plain_text: bool,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub handed_at: DateTime<Utc>,
}

impl HandOff {
    /// How the token list names it: "Git" or "NuGet feed contoso-packages".
    pub fn label(&self) -> String {
        match self.tool {
            Tool::Git => "Git".to_string(),
            Tool::NuGet => format!(
                "NuGet feed {}",
                self.name.as_deref().unwrap_or(self.target.as_str())
            ),
            Tool::Npm => format!(
                "npm feed {}",
                self.name.as_deref().unwrap_or(self.target.as_str())
            ),
            Tool::Pip => format!(
                "pip feed {}",
                self.name.as_deref().unwrap_or(self.target.as_str())
            ),
        }
    }

    /// Whether `other` is the same place (the same tool for the same target): a newer hand-off there
    /// replaces the older one, since the tool keeps one value per place.
    pub fn same_place(&self, other: &HandOff) -> bool {
        self.tool == other.tool
            && self.target.eq_ignore_ascii_case(&other.target)
            && self
                .name
                .as_deref()
                .unwrap_or("")
                .eq_ignore_ascii_case(other.name.as_deref().unwrap_or(""))
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    hand_offs: Vec<HandOff>,
}

/// The record kept in `dir/handoffs.json`.
#[derive(Debug, Clone)]
pub struct HandOffStore {
    path: PathBuf,
}

impl HandOffStore {
    pub fn in_dir(dir: &Path) -> HandOffStore {
        HandOffStore {
            path: dir.join(HANDOFFS_FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every hand-off, oldest first; empty when the file is missing or unreadable.
    pub fn all(&self) -> Vec<HandOff> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<File>(&bytes).ok())
            .map(|f| f.hand_offs)
            .unwrap_or_default()
    }

    /// The hand-offs of one token.
    pub fn for_token(&self, authorization_id: &str) -> Vec<HandOff> {
        self.all()
            .into_iter()
            .filter(|h| h.authorization_id.eq_ignore_ascii_case(authorization_id))
            .collect()
    }

    /// Note a hand-off; it replaces the earlier one for the same place (whichever token that was).
    pub fn record(&self, hand_off: HandOff) -> Result<(), Error> {
        self.change(|all| {
            all.retain(|h| !h.same_place(&hand_off));
            all.push(hand_off);
        })
    }

    /// Forget one hand-off (its copy was removed).
    pub fn forget(&self, hand_off: &HandOff) -> Result<(), Error> {
        self.change(|all| {
            all.retain(|h| {
                !(h.same_place(hand_off)
                    && h.authorization_id
                        .eq_ignore_ascii_case(&hand_off.authorization_id))
            })
        })
    }

    fn change(&self, edit: impl FnOnce(&mut Vec<HandOff>)) -> Result<(), Error> {
        let mut all = self.all();
        edit(&mut all);
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(Error::internal)?;
        }
        let text = serde_json::to_vec_pretty(&File { hand_offs: all }).map_err(Error::internal)?;
        let partial = self.path.with_extension("json.partial");
        std::fs::write(&partial, text).map_err(Error::internal)?;
        std::fs::rename(&partial, &self.path).map_err(Error::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap()
    }

    fn git(id: &str, org: &str) -> HandOff {
        HandOff {
            authorization_id: id.into(),
            organization: org.into(),
            tool: Tool::Git,
            place: "libsecret".into(),
            target: format!("https://dev.azure.com/{org}"),
            name: None,
            plain_text: false,
            handed_at: at(),
        }
    }

    fn feed(id: &str, name: &str) -> HandOff {
        HandOff {
            tool: Tool::NuGet,
            place: "nuget".into(),
            target: format!(
                "https://pkgs.dev.azure.com/contoso/_packaging/{name}/nuget/v3/index.json"
            ),
            name: Some(name.into()),
            plain_text: true,
            ..git(id, "contoso")
        }
    }

    fn store() -> (HandOffStore, PathBuf) {
        let dir = std::env::temp_dir().join(format!("patdesk-handoffs-{}", uuid::Uuid::new_v4()));
        (HandOffStore::in_dir(&dir), dir)
    }

    #[test]
    fn records_per_token_and_a_newer_hand_off_to_the_same_place_replaces_the_older() {
        let (store, dir) = store();
        assert!(store.all().is_empty(), "no file yet");
        store.record(git("a", "contoso")).unwrap();
        store.record(feed("a", "contoso-packages")).unwrap();
        store.record(git("b", "fabrikam")).unwrap();
        let labels: Vec<String> = store.for_token("A").iter().map(HandOff::label).collect();
        assert_eq!(labels, ["Git", "NuGet feed contoso-packages"]);

        // Git keeps one value per organization: token c now holds contoso's place.
        store.record(git("c", "contoso")).unwrap();
        assert_eq!(store.for_token("a").len(), 1);
        assert_eq!(
            store.for_token("c")[0].target,
            "https://dev.azure.com/contoso"
        );

        store.forget(&feed("a", "contoso-packages")).unwrap();
        assert!(store.for_token("a").is_empty());
        assert_eq!(store.all().len(), 2);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_file_holds_no_value_and_an_unreadable_one_is_an_empty_record() {
        let (store, dir) = store();
        store.record(feed("a", "contoso-packages")).unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("contoso-packages") && !text.contains("password"));
        std::fs::write(store.path(), "{ not json").unwrap();
        assert!(store.all().is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}
