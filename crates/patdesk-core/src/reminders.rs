//! Expiry reminders: a desktop notification when an active token comes within 14, 7 and 1 days of its expiry,
//! once per threshold per token. What was already announced is remembered across restarts in a small JSON file
//! of ids and dates (never a name's secret, never a value), so reopening the app does not repeat itself; a token
//! that was extended (a new expiry date) is reminded again when it comes close to the new date. The file is
//! private to the user and written in one step ([`crate::private_file`]).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{PatToken, TokenStatus};

/// Days before expiry at which a reminder is due, largest first.
pub const THRESHOLDS_DAYS: [i64; 3] = [14, 7, 1];

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub authorization_id: String,
    pub display_name: String,
    pub organization: String,
    pub valid_to: DateTime<Utc>,
    /// The threshold crossed: 14, 7 or 1.
    pub threshold_days: i64,
    /// Whole days left, rounded up as the window's badges count them.
    pub days_left: i64,
}

impl Reminder {
    pub fn title(&self) -> String {
        let when = match self.days_left {
            i64::MIN..=0 => "today".to_string(),
            1 => "in 1 day".to_string(),
            n => format!("in {n} days"),
        };
        format!("“{}” expires {when}", self.display_name)
    }

    pub fn body(&self) -> String {
        format!(
            "It stops working on {} in {}. Open PAT Desk to extend it.",
            self.valid_to.format("%-d %b %Y"),
            self.organization
        )
    }
}

/// What has been announced: one entry per token, threshold and expiry date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifiedLog {
    entries: Vec<Notified>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notified {
    authorization_id: String,
    threshold_days: i64,
    /// The expiry day announced (a day, not an instant: extending changes it, re-reading the same token does not).
    valid_to: NaiveDate,
}

impl NotifiedLog {
    fn has(&self, token: &PatToken, threshold_days: i64) -> bool {
        self.entries.iter().any(|e| {
            e.authorization_id
                .eq_ignore_ascii_case(&token.authorization_id)
                && e.valid_to == token.valid_to.date_naive()
                && e.threshold_days <= threshold_days
        })
    }

    pub fn record(&mut self, reminder: &Reminder) {
        self.entries.push(Notified {
            authorization_id: reminder.authorization_id.clone(),
            threshold_days: reminder.threshold_days,
            valid_to: reminder.valid_to.date_naive(),
        });
    }

    /// Forgets what was announced for tokens `tokens` shows changed: revoked, expired or extended. Tokens not
    /// in `tokens` keep their entries (a listing may have missed an organization).
    pub fn forget_changed(&mut self, tokens: &[PatToken]) {
        self.entries.retain(|e| {
            tokens
                .iter()
                .filter(|t| t.authorization_id.eq_ignore_ascii_case(&e.authorization_id))
                .all(|t| t.valid_to.date_naive() == e.valid_to && t.status == TokenStatus::Active)
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The reminders due for `tokens` at `now` that `log` has not announced: for each active token, the smallest
/// threshold it has crossed. A token crossing several at once (first seen 5 days before expiry) gets one
/// reminder, for the smallest, and the larger ones count as announced.
pub fn due(tokens: &[PatToken], now: DateTime<Utc>, log: &NotifiedLog) -> Vec<Reminder> {
    let mut due = Vec::new();
    for token in tokens {
        if token.status != TokenStatus::Active || token.stopped_working || token.valid_to <= now {
            continue;
        }
        let seconds_left = (token.valid_to - now).num_seconds();
        // Rounded up, as the window's badges count: 20 hours left is "1 day".
        let days_left = (seconds_left + 86_399) / 86_400;
        let Some(threshold) = THRESHOLDS_DAYS
            .iter()
            .rev()
            .copied()
            .find(|t| seconds_left <= t * 86_400)
        else {
            continue;
        };
        if log.has(token, threshold) {
            continue;
        }
        due.push(Reminder {
            authorization_id: token.authorization_id.clone(),
            display_name: token.display_name.clone(),
            organization: token.organization.clone(),
            valid_to: token.valid_to,
            threshold_days: threshold,
            days_left: days_left.max(0),
        });
    }
    due
}

/// The log kept in `dir/reminders.json`.
pub struct ReminderStore {
    path: PathBuf,
}

impl ReminderStore {
    pub fn in_dir(dir: &Path) -> ReminderStore {
        ReminderStore {
            path: dir.join("reminders.json"),
        }
    }

    /// The log, or an empty one when the file is missing or unreadable (at worst a reminder repeats).
    pub fn load(&self) -> NotifiedLog {
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Write the log, private to the user, through a unique temporary file renamed over the old one.
    pub fn save(&self, log: &NotifiedLog) -> Result<(), Error> {
        if let Some(dir) = self.path.parent() {
            crate::private_file::private_dir(dir).map_err(Error::internal)?;
        }
        let text = serde_json::to_vec_pretty(log).map_err(Error::internal)?;
        crate::private_file::write_atomically(&self.path, &text).map_err(Error::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap()
    }

    fn token(id: &str, left: Duration) -> PatToken {
        PatToken {
            authorization_id: id.into(),
            display_name: format!("token {id}"),
            scope: "vso.code".into(),
            scope_summary: vec![],
            target_organizations: Some(vec![]),
            is_global: false,
            valid_from: now() - Duration::days(30),
            valid_to: now() + left,
            status: TokenStatus::Active,
            stopped_working: false,
            organization: "contoso-web".into(),
        }
    }

    fn thresholds(reminders: &[Reminder]) -> Vec<(String, i64)> {
        reminders
            .iter()
            .map(|r| (r.authorization_id.clone(), r.threshold_days))
            .collect()
    }

    #[test]
    fn each_threshold_once_and_only_the_smallest_crossed() {
        let tokens = [
            token("far", Duration::days(20)),
            token("fortnight", Duration::days(13)),
            token("week", Duration::days(5)),
            token("day", Duration::hours(20)),
        ];
        let mut log = NotifiedLog::default();
        let first = due(&tokens, now(), &log);
        assert_eq!(
            thresholds(&first),
            [
                ("fortnight".to_string(), 14),
                ("week".to_string(), 7),
                ("day".to_string(), 1)
            ]
        );
        assert_eq!(first[2].days_left, 1);
        assert_eq!(first[2].title(), "“token day” expires in 1 day");
        assert_eq!(first[1].title(), "“token week” expires in 5 days");
        for r in &first {
            log.record(r);
        }
        assert!(due(&tokens, now(), &log).is_empty(), "nothing twice");

        // A week later the far token crosses 14 days and the fortnight one 7; the others have expired.
        let later = now() + Duration::days(7);
        assert_eq!(
            thresholds(&due(&tokens, later, &log)),
            [("far".to_string(), 14), ("fortnight".to_string(), 7)]
        );
    }

    #[test]
    fn an_extended_token_is_reminded_again_and_inactive_ones_never() {
        let mut log = NotifiedLog::default();
        let soon = token("t", Duration::days(6));
        for r in due(std::slice::from_ref(&soon), now(), &log) {
            log.record(&r);
        }
        let mut extended = soon.clone();
        extended.valid_to = now() + Duration::days(10);
        assert_eq!(
            thresholds(&due(std::slice::from_ref(&extended), now(), &log)),
            [("t".to_string(), 14)]
        );
        log.forget_changed(&[]);
        assert_eq!(
            log.len(),
            1,
            "a token missing from a listing keeps its entry"
        );
        log.forget_changed(std::slice::from_ref(&extended));
        assert!(log.is_empty(), "the old date is forgotten");

        let mut revoked = token("r", Duration::days(3));
        revoked.status = TokenStatus::Revoked;
        let mut stopped = token("g", Duration::days(3));
        stopped.stopped_working = true;
        let expired = token("e", Duration::days(-1));
        assert!(due(&[revoked, stopped, expired], now(), &log).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("patdesk-reminders-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        ReminderStore::in_dir(&dir)
            .save(&NotifiedLog::default())
            .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("reminders.json")), 0o600);
        assert_eq!(mode(&dir), 0o700);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_log_survives_a_restart_in_its_file() {
        let dir = std::env::temp_dir().join(format!("patdesk-reminders-{}", std::process::id()));
        let store = ReminderStore::in_dir(&dir);
        assert!(store.load().is_empty());
        let mut log = NotifiedLog::default();
        for r in due(&[token("a", Duration::days(2))], now(), &log) {
            log.record(&r);
        }
        store.save(&log).unwrap();
        assert_eq!(ReminderStore::in_dir(&dir).load(), log);
        let text = std::fs::read_to_string(dir.join("reminders.json")).unwrap();
        assert!(
            !text.contains("token a"),
            "ids and dates only, no names: {text}"
        );
        std::fs::write(dir.join("reminders.json"), "not json").unwrap();
        assert!(store.load().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
