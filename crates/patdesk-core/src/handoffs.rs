//! The record of every place PAT Desk put a token's value: which tool (Git, NuGet, …), where that tool keeps
//! it (a credential helper or a file), for which host or feed, and when — never the value itself. Revoke and
//! Regenerate read it to clean up or refresh each copy, and the token list shows it ("Used with: Git, NuGet
//! feed contoso-packages").
//!
//! It lives beside the reminders' log as `handoffs.json` in the app's data directory: plain, non-secret state,
//! private to the user and changed under a lock through a temporary file renamed over the old one
//! ([`crate::private_file`]), so two windows (or a window and a script) writing at once lose nothing. A missing
//! file is an empty record. A damaged one (not the record's JSON) is never thrown away: it is kept as
//! `handoffs.json.bak` and the window says so ([`HandOffStore::notice`]), because the copies it listed are no
//! longer offered for cleanup. A file that cannot be read at all is left where it is, and no change is written
//! over it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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

/// The record kept in `dir/handoffs.json`. Clones share what [`HandOffStore::notice`] reports.
#[derive(Debug, Clone)]
pub struct HandOffStore {
    path: PathBuf,
    /// Where a damaged record was kept during this run, for the window's notice.
    kept_aside: Arc<Mutex<Option<PathBuf>>>,
}

/// What the window shows for the record: the hand-offs, and a sentence when a damaged record was kept aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct HandOffRecord {
    pub hand_offs: Vec<HandOff>,
    /// Set when PAT Desk found `handoffs.json` damaged and kept it aside during this run.
    pub notice: Option<String>,
}

/// The sentence the window shows when the record was damaged and kept as `kept`.
pub fn damaged_notice(kept: &Path) -> String {
    let name = kept.file_name().unwrap_or_default().to_string_lossy();
    format!(
        "PAT Desk's list of the places it handed tokens to (Git, NuGet, npm, pip) was damaged, so it starts a \
         new one and keeps the old file as {name}. Copies made before now are not offered for removal when \
         you revoke a token: remove them in the tool itself if you need to."
    )
}

impl HandOffStore {
    pub fn in_dir(dir: &Path) -> HandOffStore {
        HandOffStore {
            path: dir.join(HANDOFFS_FILE_NAME),
            kept_aside: Arc::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sentence for the window when a damaged record was kept aside during this run.
    pub fn notice(&self) -> Option<String> {
        self.kept_aside
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref()
            .map(damaged_notice)
    }

    /// The hand-offs and the notice, as the window gets them.
    pub fn view(&self) -> HandOffRecord {
        let hand_offs = self.all();
        HandOffRecord {
            hand_offs,
            notice: self.notice(),
        }
    }

    /// Every hand-off, oldest first; empty when the file is missing, damaged (then kept aside) or unreadable.
    pub fn all(&self) -> Vec<HandOff> {
        match self.read_locked() {
            Ok(all) => all,
            Err(e) => {
                tracing::warn!(error = %e, "hand-off record unreadable; left in place");
                Vec::new()
            }
        }
    }

    fn read_locked(&self) -> std::io::Result<Vec<HandOff>> {
        if let Some(dir) = self.path.parent() {
            crate::private_file::private_dir(dir)?;
        }
        let _lock = crate::private_file::FileLock::acquire(&self.path)?;
        self.read()
    }

    /// The record, read while the caller holds the lock: empty when there is none; a damaged file is kept
    /// aside (noted for [`HandOffStore::notice`]) and reads as empty; a read error is an error.
    fn read(&self) -> std::io::Result<Vec<HandOff>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        match serde_json::from_slice::<File>(&bytes) {
            Ok(file) => Ok(file.hand_offs),
            Err(why) => {
                let kept = crate::private_file::keep_aside(&self.path, Utc::now())?;
                tracing::warn!(
                    reason = %why,
                    kept = %kept.display(),
                    "hand-off record damaged; kept aside and a new one started"
                );
                *self.kept_aside.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
                Ok(Vec::new())
            }
        }
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

    /// Read, edit and write the record under its lock, so a writer never overwrites another's change.
    fn change(&self, edit: impl FnOnce(&mut Vec<HandOff>)) -> Result<(), Error> {
        let unsaved = |e: std::io::Error| {
            Error::new(
                crate::error::ErrorCode::Internal,
                "PAT Desk could not update its list of the places it handed tokens to. Check that your home \
                 folder is not full or read-only, then try again.",
            )
            .with_raw(format!("{}: {e}", self.path.display()))
        };
        if let Some(dir) = self.path.parent() {
            crate::private_file::private_dir(dir).map_err(unsaved)?;
        }
        let _lock = crate::private_file::FileLock::acquire(&self.path).map_err(unsaved)?;
        let mut all = self.read().map_err(unsaved)?;
        edit(&mut all);
        let text = serde_json::to_vec_pretty(&File { hand_offs: all }).map_err(Error::internal)?;
        crate::private_file::write_atomically(&self.path, &text).map_err(unsaved)
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
    fn the_file_holds_no_value() {
        let (store, dir) = store();
        store.record(feed("a", "contoso-packages")).unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("contoso-packages") && !text.contains("password"));
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A damaged record is never thrown away: it is kept as `handoffs.json.bak` (a second one beside it, with
    /// the time in its name) and the window is told, since the copies it listed are no longer offered for
    /// cleanup.
    #[test]
    fn a_damaged_record_is_kept_as_bak_and_the_window_is_told() {
        let (store, dir) = store();
        store.record(git("a", "contoso")).unwrap();
        std::fs::write(store.path(), "{ not json").unwrap();
        assert!(store.all().is_empty());
        assert_eq!(
            std::fs::read_to_string(dir.join("handoffs.json.bak")).unwrap(),
            "{ not json"
        );
        let notice = store.notice().expect("the window is told");
        assert!(notice.contains("handoffs.json.bak"), "{notice}");
        assert!(!notice.contains('\n'), "one line: {notice}");
        // A clone (what each command gets) knows it too; a new record starts beside the kept one.
        assert!(store.clone().notice().is_some());
        store.record(git("b", "fabrikam")).unwrap();
        assert_eq!(store.all().len(), 1);

        std::fs::write(store.path(), "[1, 2").unwrap();
        store.record(git("c", "contoso")).unwrap();
        assert_eq!(store.all(), [git("c", "contoso")]);
        let kept: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".bak"))
            .collect();
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert_eq!(
            std::fs::read_to_string(dir.join("handoffs.json.bak")).unwrap(),
            "{ not json",
            "the first stays as it was"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A record that cannot be read (here a folder in its place) is not a damaged one: it stays where it is,
    /// and a change is refused rather than written over it.
    #[test]
    fn a_record_that_cannot_be_read_is_left_alone_and_not_written_over() {
        let (store, dir) = store();
        std::fs::create_dir_all(store.path().join("in-the-way")).unwrap();
        assert!(store.all().is_empty());
        assert!(store.record(git("a", "contoso")).is_err());
        assert!(store.path().join("in-the-way").is_dir());
        assert!(!dir.join("handoffs.json.bak").exists());
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Two writers at once (two windows, or a window and the CLI) each keep their hand-offs.
    #[test]
    fn two_writers_at_once_lose_nothing() {
        let (store, dir) = store();
        let writers: Vec<_> = ["contoso", "fabrikam"]
            .into_iter()
            .map(|org| {
                let store = HandOffStore::in_dir(&dir);
                std::thread::spawn(move || {
                    for i in 0..40 {
                        store.record(feed(org, &format!("{org}-{i}"))).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(store.for_token("contoso").len(), 40);
        assert_eq!(store.for_token("fabrikam").len(), 40);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[cfg(unix)]
    #[test]
    fn the_record_is_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let (store, dir) = store();
        store.record(git("a", "contoso")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(store.path()), 0o600);
        assert_eq!(mode(&dir), 0o700);
        let _ = std::fs::remove_dir_all(dir);
    }
}
