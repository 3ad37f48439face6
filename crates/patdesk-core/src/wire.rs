//! The JSON shapes of the wire contract (§2.11, §2.14, §3.4–§3.7, §4), kept apart from the model so that the
//! service's naming and quirks (`targetAccounts`, `{count,value}` or a bare array, tolerant error bodies)
//! never leak into what the window sees. Everything here tolerates unknown and missing optional fields.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::secret::Sensitive;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePatToken {
    #[serde(default)]
    pub display_name: String,
    pub valid_to: DateTime<Utc>,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub target_accounts: Option<Vec<String>>,
    pub valid_from: DateTime<Utc>,
    pub authorization_id: String,
    #[serde(default)]
    pub token: Option<Sensitive<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePatTokenResult {
    #[serde(default)]
    pub pat_token: Option<WirePatToken>,
    #[serde(default)]
    pub pat_token_error: Option<String>,
    #[serde(default)]
    pub pat_token_error_message: Option<String>,
}

impl WirePatTokenResult {
    /// The business error, if `patTokenError` is present and not `none`.
    pub fn business_error(&self) -> Option<&str> {
        self.pat_token_error
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("none"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePagedPatTokens {
    #[serde(default)]
    pub continuation_token: Option<String>,
    #[serde(default)]
    pub pat_tokens: Vec<WirePatToken>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireCreateRequest<'a> {
    pub display_name: &'a str,
    pub scope: &'a str,
    pub valid_to: String,
    pub all_orgs: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireUpdateRequest<'a> {
    pub authorization_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
}

/// ISO-8601 UTC with millisecond precision and a `Z`, as the contract's examples send it.
pub(crate) fn format_date(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireProfile {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub public_alias: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireAccount {
    pub account_id: String,
    pub account_name: String,
}

/// `{count, value}` (what the service sends) or a bare array (what the spec says).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireAccounts {
    Wrapped { value: Vec<WireAccount> },
    Bare(Vec<WireAccount>),
}

impl WireAccounts {
    pub fn into_vec(self) -> Vec<WireAccount> {
        match self {
            WireAccounts::Wrapped { value } => value,
            WireAccounts::Bare(v) => v,
        }
    }
}

/// The VSS error body (§2.14); any field may be missing.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VssError {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub type_key: Option<String>,
}

impl VssError {
    /// Parse whatever came back; an empty, HTML or partial body gives an empty error.
    pub fn parse(body: &[u8]) -> VssError {
        serde_json::from_slice(body).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_both_shapes() {
        let wrapped: WireAccounts = serde_json::from_str(
            r#"{"count":1,"value":[{"accountId":"A","accountName":"fab","accountUri":"x","properties":{}}]}"#,
        )
        .unwrap();
        assert_eq!(wrapped.into_vec()[0].account_name, "fab");
        let bare: WireAccounts =
            serde_json::from_str(r#"[{"accountId":"A","accountName":"fab"}]"#).unwrap();
        assert_eq!(bare.into_vec().len(), 1);
    }

    #[test]
    fn dates_with_any_fraction() {
        for d in [
            "2020-11-02T22:56:52Z",
            "2020-11-02T22:56:52.1033333Z",
            "2020-11-02T22:56:52.1+00:00",
        ] {
            let j = format!(
                r#"{{"validTo":"{d}","validFrom":"{d}","authorizationId":"x","scope":"app_token","displayName":"n","targetAccounts":null,"token":null}}"#
            );
            let t: WirePatToken = serde_json::from_str(&j).unwrap();
            assert_eq!(t.valid_to.timestamp(), 1604357812);
        }
    }

    #[test]
    fn paging_ends_on_empty_null_or_missing() {
        for body in [
            r#"{"continuationToken":"","patTokens":[]}"#,
            r#"{"continuationToken":null,"patTokens":[]}"#,
            r#"{"patTokens":[]}"#,
            r#"{}"#,
        ] {
            let p: WirePagedPatTokens = serde_json::from_str(body).unwrap();
            assert!(
                p.continuation_token.filter(|c| !c.is_empty()).is_none(),
                "{body}"
            );
        }
        let p: WirePagedPatTokens =
            serde_json::from_str(r#"{"continuationToken":"MjEtcGF0YXBpdG9rZW4=","patTokens":[]}"#)
                .unwrap();
        assert_eq!(
            p.continuation_token.as_deref(),
            Some("MjEtcGF0YXBpdG9rZW4=")
        );
    }

    #[test]
    fn vss_error_tolerant() {
        assert!(VssError::parse(b"").message.is_none());
        assert!(VssError::parse(b"<html>").message.is_none());
        let e = VssError::parse(br#"{"message":"m"}"#);
        assert_eq!(e.message.as_deref(), Some("m"));
        assert!(e.type_key.is_none());
    }
}
