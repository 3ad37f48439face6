//! The token list as a file a person can open elsewhere (a spreadsheet, a script): CSV or JSON, one row per
//! token with its name, organizations, permissions in words and raw, dates and status. Built from listed
//! tokens, which never hold a secret, so an export cannot contain one.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::model::{PatToken, TokenStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }

    /// What the save dialog calls the file type.
    pub fn description(self) -> &'static str {
        match self {
            ExportFormat::Csv => "Spreadsheet (CSV)",
            ExportFormat::Json => "JSON",
        }
    }
}

/// One exported token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRow {
    pub name: String,
    /// The organizations it works in; "All organizations" for a global token.
    pub organizations: Vec<String>,
    pub scopes_in_words: Vec<String>,
    /// Space-separated, as Azure DevOps spells them (`app_token` for full access).
    pub scopes: String,
    pub created: String,
    pub expires: String,
    /// Active, Expired, Revoked or Stopped working.
    pub status: String,
    pub id: String,
}

const ALL_ORGANIZATIONS: &str = "All organizations";

impl ExportRow {
    pub fn from_token(token: &PatToken) -> ExportRow {
        ExportRow {
            name: token.display_name.clone(),
            organizations: match &token.target_organizations {
                None => vec![ALL_ORGANIZATIONS.to_string()],
                Some(orgs) => orgs.iter().map(|o| o.name.clone()).collect(),
            },
            scopes_in_words: token.scope_summary.clone(),
            scopes: token.scope.clone(),
            created: date(token.valid_from),
            expires: date(token.valid_to),
            status: status_in_words(token).to_string(),
            id: token.authorization_id.clone(),
        }
    }
}

fn date(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn status_in_words(token: &PatToken) -> &'static str {
    match token.status {
        TokenStatus::Revoked => "Revoked",
        _ if token.stopped_working => "Stopped working",
        TokenStatus::Active => "Active",
        TokenStatus::Expired => "Expired",
    }
}

/// The file's text for `tokens`, in their order.
pub fn export(tokens: &[PatToken], format: ExportFormat) -> String {
    let rows: Vec<ExportRow> = tokens.iter().map(ExportRow::from_token).collect();
    match format {
        ExportFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&rows).expect("export rows are plain strings");
            text.push('\n');
            text
        }
        ExportFormat::Csv => {
            let mut text = String::new();
            let header = [
                "Name",
                "Organizations",
                "Permissions",
                "Scopes",
                "Created",
                "Expires",
                "Status",
                "Id",
            ];
            push_record(&mut text, header.iter().map(|h| h.to_string()));
            for row in rows {
                push_record(
                    &mut text,
                    [
                        row.name,
                        row.organizations.join("; "),
                        row.scopes_in_words.join("; "),
                        row.scopes,
                        row.created,
                        row.expires,
                        row.status,
                        row.id,
                    ],
                );
            }
            text
        }
    }
}

/// One CSV record (RFC 4180, CRLF line ends, as spreadsheets expect).
fn push_record(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let fields: Vec<String> = fields.into_iter().map(|f| csv_field(&f)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

/// Quoted when needed; a value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) is
/// prefixed with `'` so that opening the file never runs a token's name.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Write an export to `path` (a place the person chose, so its folder is left as it is): in one step, through
/// a temporary file beside it, and readable only by this user (0600 on Unix), since the list names every token,
/// organization and permission.
pub fn write_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    crate::private_file::write_atomically(path, text.as_bytes())
}

/// A file name to offer in the save dialog: `pat-desk-tokens-2026-12-02.csv`.
pub fn suggested_file_name(now: DateTime<Utc>, format: ExportFormat) -> String {
    format!(
        "pat-desk-tokens-{}.{}",
        now.format("%Y-%m-%d"),
        format.extension()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Organization;
    use chrono::TimeZone;

    fn token(name: &str, orgs: Option<&[&str]>) -> PatToken {
        PatToken {
            authorization_id: format!("id-{}", name.len()),
            display_name: name.into(),
            scope: "vso.code vso.packaging".into(),
            scope_summary: vec!["Code (read)".into(), "Packaging (read)".into()],
            target_organizations: orgs.map(|o| {
                o.iter()
                    .map(|n| Organization::new(format!("g-{n}"), n.to_string()))
                    .collect()
            }),
            is_global: orgs.is_none(),
            valid_from: Utc.with_ymd_and_hms(2026, 10, 1, 8, 30, 0).unwrap(),
            valid_to: Utc.with_ymd_and_hms(2027, 1, 1, 23, 59, 59).unwrap(),
            status: TokenStatus::Active,
            stopped_working: orgs.is_none(),
            organization: "contoso-web".into(),
        }
    }

    #[test]
    fn csv_has_a_header_and_one_row_per_token_escaped_for_spreadsheets() {
        let text = export(
            &[
                token("Laptop, \"git\"", Some(&["contoso-web"])),
                token("=HYPERLINK(\"x\")", None),
            ],
            ExportFormat::Csv,
        );
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Name,Organizations,Permissions,Scopes,Created,Expires,Status,Id"
        );
        assert_eq!(
            lines[1],
            "\"Laptop, \"\"git\"\"\",contoso-web,Code (read); Packaging (read),vso.code vso.packaging,2026-10-01T08:30:00Z,2027-01-01T23:59:59Z,Active,id-13"
        );
        assert!(
            lines[2].starts_with("\"'=HYPERLINK(\"\"x\"\")\",All organizations,"),
            "{}",
            lines[2]
        );
        assert!(lines[2].contains(",Stopped working,"));
        assert_eq!(lines.len(), 4, "three records and the final line end");
    }

    #[test]
    fn every_cell_a_spreadsheet_would_run_is_neutralised() {
        for start in ["=", "+", "-", "@", "\t", "\r"] {
            let name = format!("{start}1+1");
            let text = export(&[token(&name, Some(&["contoso-web"]))], ExportFormat::Csv);
            let cell = text
                .split("\r\n")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap();
            assert_eq!(cell.trim_matches('"'), format!("'{name}"), "{start:?}");
        }
        let text = export(&[token("plain name", Some(&["x"]))], ExportFormat::Csv);
        assert!(text
            .split("\r\n")
            .nth(1)
            .unwrap()
            .starts_with("plain name,"));
    }

    /// The exported file is private to the user (0600 on Unix) and written in one step: a file already there
    /// is replaced whole, and nothing else is left in the folder.
    #[test]
    fn the_file_is_written_whole_and_private() {
        let dir = std::env::temp_dir().join(format!("patdesk-export-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens.csv");
        std::fs::write(&path, "an older, longer export that must not show through").unwrap();
        write_file(&path, "Name\r\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "Name\r\n");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn json_is_an_array_of_rows() {
        let text = export(&[token("ci", Some(&["a", "b"]))], ExportFormat::Json);
        let rows: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(rows[0]["name"], "ci");
        assert_eq!(rows[0]["organizations"], serde_json::json!(["a", "b"]));
        assert_eq!(rows[0]["scopesInWords"][1], "Packaging (read)");
        assert_eq!(rows[0]["expires"], "2027-01-01T23:59:59Z");
        assert_eq!(rows[0]["status"], "Active");
    }

    #[test]
    fn the_suggested_name_carries_the_day_and_extension() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
        assert_eq!(
            suggested_file_name(now, ExportFormat::Csv),
            "pat-desk-tokens-2026-12-02.csv"
        );
    }
}
