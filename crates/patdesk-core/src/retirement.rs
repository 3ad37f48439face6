//! The retirement of global ("all accessible organizations") PATs, in one place (contract
//! `global-pat-retirement.md`, `azure-devops-api.md` §2.18): since 2026-12-01 every global PAT has stopped
//! working, though Azure DevOps keeps listing it with no flag of its own, so PAT Desk marks it.
//!
//! "Now" is the server's: [`ServerClock`] follows the `Date` header of Azure DevOps' answers, so a machine whose
//! own clock is wrong (or a test that moves the simulator's clock) still sees the right side of the cut-off.
//! The date itself is configuration, because it has moved once already: `PATDESK_GLOBAL_PAT_RETIREMENT`
//! (an ISO-8601 date) overrides it.

use std::sync::RwLock;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::{HeaderMap, DATE};

/// Environment variable: another retirement date (ISO-8601), for tests and if Microsoft moves it again.
pub const GLOBAL_PAT_RETIREMENT_ENV: &str = "PATDESK_GLOBAL_PAT_RETIREMENT";

/// The day every global PAT stopped working (§2.18), unless [`GLOBAL_PAT_RETIREMENT_ENV`] says otherwise.
pub fn global_pat_retirement() -> DateTime<Utc> {
    std::env::var(GLOBAL_PAT_RETIREMENT_ENV)
        .ok()
        .and_then(|v| parse_date(v.trim()))
        .unwrap_or_else(default_global_pat_retirement)
}

/// 2026-12-01T00:00:00Z.
pub fn default_global_pat_retirement() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
}

/// Whether a token stopped working because it was global: global and `now` is past the retirement.
pub fn stopped_working(is_global: bool, now: DateTime<Utc>, retirement: DateTime<Utc>) -> bool {
    is_global && now >= retirement
}

/// The server's "now": the machine's clock moved by how far the last `Date` header was from it.
#[derive(Debug, Default)]
pub struct ServerClock {
    offset: RwLock<Option<chrono::Duration>>,
}

impl ServerClock {
    /// Learn the server's time from an answer's `Date` header (ignored when missing or unreadable).
    pub fn observe(&self, headers: &HeaderMap) {
        let Some(date) = headers
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())
        else {
            return;
        };
        let offset = date.with_timezone(&Utc) - Utc::now();
        *self.offset.write().unwrap_or_else(|e| e.into_inner()) = Some(offset);
    }

    /// The server's "now" (the machine's until a `Date` header was seen).
    pub fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.read().unwrap_or_else(|e| e.into_inner());
        Utc::now() + offset.unwrap_or_else(chrono::Duration::zero)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn a_global_token_stops_working_at_the_retirement() {
        let retirement = default_global_pat_retirement();
        let before = retirement - chrono::Duration::seconds(1);
        assert!(!stopped_working(true, before, retirement));
        assert!(stopped_working(true, retirement, retirement));
        assert!(!stopped_working(false, retirement, retirement));
        assert_eq!(
            parse_date("2027-01-15"),
            Utc.with_ymd_and_hms(2027, 1, 15, 0, 0, 0).single()
        );
        assert_eq!(
            parse_date("2027-01-15T10:00:00Z"),
            Utc.with_ymd_and_hms(2027, 1, 15, 10, 0, 0).single()
        );
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn the_server_clock_follows_the_date_header() {
        let clock = ServerClock::default();
        assert!((clock.now() - Utc::now()).num_seconds().abs() < 60);
        let mut headers = HeaderMap::new();
        headers.insert(
            DATE,
            HeaderValue::from_static("Mon, 01 Mar 2027 12:00:00 GMT"),
        );
        clock.observe(&headers);
        let expected = Utc.with_ymd_and_hms(2027, 3, 1, 12, 0, 0).unwrap();
        assert!((clock.now() - expected).num_seconds().abs() < 60);
        headers.insert(DATE, HeaderValue::from_static("not a date"));
        clock.observe(&headers);
        assert!((clock.now() - expected).num_seconds().abs() < 60, "kept");
    }
}
