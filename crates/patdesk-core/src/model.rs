//! The token model shared by the core, the shell and the window: exactly the types of `docs/ipc.md`.
//!
//! Every type that crosses IPC derives `Serialize` (camelCase) and `ts_rs::TS`; the TypeScript in
//! `ui/src/lib/generated/` is produced from here by `cargo test -p patdesk-core export_bindings`.
//! The one exception is [`CreatedToken`], which holds the new secret as a [`Sensitive`] and therefore cannot be
//! serialized. The window gets [`CreatedToken::view`] (no secret) and, only when the person presses Reveal,
//! the value once through the shell's `reveal_secret` ([`RevealedSecret`]); the CLI prints
//! [`CreatedToken::into_reveal`], the value with its token.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

/// Longest lifespan Azure DevOps allows without a policy (§2.16).
pub const MAX_LIFESPAN_DAYS: u32 = 365;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum ListFilter {
    #[default]
    Active,
    Expired,
    Revoked,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum SortBy {
    #[default]
    DisplayName,
    ValidTo,
    Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct Organization {
    /// The organization GUID (`accountId`), the value found in `targetAccounts`.
    pub id: String,
    /// The name used in URL paths (`accountName`).
    pub name: String,
    /// `https://dev.azure.com/{name}`
    pub url: String,
}

impl Organization {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        let name = name.into();
        Organization {
            id: id.into().to_ascii_lowercase(),
            url: format!("https://dev.azure.com/{name}"),
            name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct Profile {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub initials: String,
    pub organizations: Vec<Organization>,
}

/// Up to two initials from a display name ("Normal Paulk" → "NP"), for the avatar.
pub fn initials_of(display_name: &str, email: &str) -> String {
    let from_name: String = display_name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if !from_name.is_empty() {
        return from_name;
    }
    email
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_string())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct PatToken {
    pub authorization_id: String,
    pub display_name: String,
    /// Raw, space separated, or `app_token`.
    pub scope: String,
    /// In words, from the catalogue: `["Full access"]` or `["Code (read and write)", …]`.
    pub scope_summary: Vec<String>,
    /// `None` = global (all organizations).
    pub target_organizations: Option<Vec<Organization>>,
    pub is_global: bool,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub status: TokenStatus,
    /// A global token past the retirement of global PATs (2026-12-01): listed, but it no longer works
    /// anywhere (see `retirement`).
    pub stopped_working: bool,
    /// The organization it was listed through (for a global PAT: the first one it was seen in).
    pub organization: String,
}

/// A freshly created token with its secret. Deliberately not `Serialize`: see [`CreatedToken::into_reveal`].
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub token: PatToken,
    pub secret: Sensitive<String>,
    /// The `validTo` that was asked for, when the service shortened it (policy clamp).
    pub clamped_from: Option<DateTime<Utc>>,
}

impl CreatedToken {
    /// What the window gets after Create, Regenerate or a replacement: the token, without its value (that
    /// crosses only on Reveal, as [`RevealedSecret`]).
    pub fn view(&self) -> CreatedTokenView {
        CreatedTokenView {
            token: self.token.clone(),
            clamped_from: self.clamped_from,
        }
    }

    /// The token with its value, as the CLI prints it (`create --json`).
    pub fn into_reveal(self) -> CreatedTokenReveal {
        CreatedTokenReveal {
            token: self.token.clone(),
            secret: self.secret.expose().clone(),
            clamped_from: self.clamped_from,
        }
    }
}

/// What the window receives after Create (`CreatedToken` in TypeScript): the new token without its value,
/// which stays in the shell for Copy, the keychain and the hand-offs and crosses to the window only when the
/// person presses Reveal (`reveal_secret`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export, rename = "CreatedToken"))]
pub struct CreatedTokenView {
    pub token: PatToken,
    pub clamped_from: Option<DateTime<Utc>>,
}

/// A new token's value, the one time it crosses to the window (`reveal_secret`: a JSON string). Wiped when
/// dropped, and its `Debug` is redacted.
#[derive(Serialize)]
#[serde(transparent)]
pub struct RevealedSecret(String);

impl RevealedSecret {
    /// The value of `secret`, to send to the window once.
    pub fn of(secret: &Sensitive<String>) -> Self {
        RevealedSecret(secret.expose().clone())
    }
}

impl std::fmt::Debug for RevealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(crate::secret::REDACTED)
    }
}

impl Drop for RevealedSecret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// A new token with its value, as the CLI prints it (`create --json`). Build it only with
/// [`CreatedToken::into_reveal`].
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedTokenReveal {
    pub token: PatToken,
    pub secret: String,
    pub clamped_from: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for CreatedTokenReveal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedTokenReveal")
            .field("token", &self.token)
            .field("secret", &crate::secret::REDACTED)
            .field("clamped_from", &self.clamped_from)
            .finish()
    }
}

impl Drop for CreatedTokenReveal {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ScopeLevel {
    pub label: String,
    pub scope: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ScopeGroup {
    pub id: String,
    pub title: String,
    pub description: String,
    pub levels: Vec<ScopeLevel>,
    pub common: bool,
    pub deprecated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct FullAccessScope {
    pub scope: String,
    pub label: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ScopePreset {
    pub id: String,
    pub label: String,
    pub description: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ScopeCatalogue {
    pub full_access: FullAccessScope,
    pub groups: Vec<ScopeGroup>,
    pub presets: Vec<ScopePreset>,
}

/// How long a new or extended token lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum Lifespan {
    /// This many days from now (1–365).
    Days { days: u32 },
    /// Until the end of this day (UTC), `YYYY-MM-DD`.
    Until { date: NaiveDate },
}

impl Lifespan {
    /// The `validTo` to send, checked against the one-year service maximum and the organization's policy
    /// maximum when known.
    pub fn valid_to(
        &self,
        now: DateTime<Utc>,
        policy_max_days: Option<u32>,
    ) -> Result<DateTime<Utc>, Error> {
        let limit_days = policy_max_days
            .map(|p| p.clamp(1, MAX_LIFESPAN_DAYS))
            .unwrap_or(MAX_LIFESPAN_DAYS);
        let policy_error = |max: u32| {
            Error::new(
                ErrorCode::PolicyLifespan,
                format!("Your organization only allows tokens that last up to {max} days. Pick a shorter lifespan and try again."),
            )
        };
        match *self {
            Lifespan::Days { days } => {
                if days == 0 {
                    return Err(Error::new(
                        ErrorCode::InvalidExpiry,
                        "A token must last at least one day. Pick a longer lifespan.",
                    ));
                }
                if days > MAX_LIFESPAN_DAYS {
                    return Err(Error::new(
                        ErrorCode::InvalidExpiry,
                        "A token can last at most one year (365 days). Pick a shorter lifespan.",
                    ));
                }
                if let Some(max) = policy_max_days.filter(|m| days > *m) {
                    return Err(policy_error(max));
                }
                Ok(now + Duration::days(i64::from(days)))
            }
            Lifespan::Until { date } => {
                let end_of_day = date
                    .and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"))
                    .and_utc();
                if date <= now.date_naive() || end_of_day <= now {
                    return Err(Error::new(
                        ErrorCode::InvalidExpiry,
                        "The expiry date must be in the future. Pick a later date.",
                    ));
                }
                let service_limit = now + Duration::days(i64::from(MAX_LIFESPAN_DAYS));
                if date > service_limit.date_naive() {
                    return Err(Error::new(
                        ErrorCode::InvalidExpiry,
                        "A token can last at most one year. Pick a date within the next 365 days.",
                    ));
                }
                if let Some(max) = policy_max_days {
                    let policy_limit = now + Duration::days(i64::from(limit_days));
                    if date > policy_limit.date_naive() {
                        return Err(policy_error(max));
                    }
                    return Ok(end_of_day.min(policy_limit));
                }
                Ok(end_of_day.min(service_limit))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct NewTokenRequest {
    pub organization: String,
    pub display_name: String,
    /// `["app_token"]` for full access. Never empty.
    pub scopes: Vec<String>,
    pub lifespan: Lifespan,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct UpdateTokenRequest {
    pub organization: String,
    pub authorization_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub lifespan: Option<Lifespan>,
}

/// What Update answered (Edit, Extend): the token as it is now and, when the service shortened the expiry
/// that was asked for (policy clamp, contract §11 #2), the date that was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct UpdatedToken {
    pub token: PatToken,
    pub clamped_from: Option<DateTime<Utc>>,
}

/// Regenerate a token (contract §2.10): a new token with the same name, scopes and organization and a fresh
/// expiry, then the old one revoked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct RegenerateRequest {
    pub organization: String,
    pub authorization_id: String,
    pub lifespan: Lifespan,
    /// Put the new value where PAT Desk had handed the old one (Git, NuGet, npm, pip): yes unless `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub update_copies: Option<bool>,
}

/// A place outside Azure DevOps where PAT Desk itself had put the old token's value, and where the new value
/// replaced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum ReplacedCopy {
    /// The copy saved in the system keychain ("Save in my keychain").
    Keychain,
    /// Git's credential for `https://dev.azure.com/{organization}` ("Use with Git").
    Git,
    /// A NuGet package source's credential ("Use with NuGet").
    #[serde(rename = "nuget")]
    NuGet,
    /// The lines for an npm feed in the user's `.npmrc` ("Use with npm").
    Npm,
    /// pip's keychain item (or `pip.conf` line) for a Python feed ("Use with pip").
    Pip,
}

/// What the window receives after Regenerate (`RegeneratedToken` in TypeScript): the new token (its value
/// crosses only on Reveal, as after Create), what happened to the old token, and where the new value replaced
/// the old one. Build it only with [`crate::lifecycle::Regenerated::into_reveal`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export, rename = "RegeneratedToken"))]
pub struct RegeneratedTokenReveal {
    pub created: CreatedTokenView,
    /// The old token: `revoked`, `alreadyGone`, or `failed` (then both tokens exist and are listed).
    pub previous: RevokeResult,
    pub replaced: Vec<ReplacedCopy>,
    /// A copy that could not be replaced, and why (the new value is still on the screen to copy).
    pub replace_error: Option<Error>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum RevokeOutcome {
    Revoked,
    /// The token was already revoked or no longer exists: the person's goal is met.
    AlreadyGone,
    Failed {
        error: Error,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct RevokeResult {
    pub authorization_id: String,
    pub display_name: String,
    pub outcome: RevokeOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct BulkProgress {
    pub done: u32,
    pub total: u32,
    pub latest: RevokeResult,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct BulkSummary {
    pub results: Vec<RevokeResult>,
    pub revoked: u32,
    pub already_gone: u32,
    pub failed: u32,
    pub cancelled: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct SessionInfo {
    pub profile: Profile,
    pub demo: bool,
    pub account_label: String,
    /// When global PATs stopped (or stop) working (`retirement::global_pat_retirement`).
    pub global_pat_retirement: DateTime<Utc>,
    /// Signed in to an Azure DevOps Server (its collections are in `profile.organizations`); `None` for
    /// Azure DevOps Services.
    pub server: Option<ServerSessionInfo>,
}

/// The Azure DevOps Server (or TFS) a session is signed in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ServerSessionInfo {
    /// The server's address without a collection: `https://tfs.contoso.local:8080/tfs`.
    pub url: String,
    /// The host name as the window names the server: `tfs.contoso.local`.
    pub host: String,
    /// How the person signed in: with their Windows account, or with an existing token (which can list and
    /// revoke but not create).
    pub signed_in_with: ServerCredentialKind,
    /// The `organization` of a new token that works in every collection (server level).
    pub all_collections: String,
    /// The lifespans the server's own page offers, in days.
    pub lifespan_presets: Vec<u32>,
    /// When the person chose to use this server's unencrypted (`http://`, another computer) connection; `None`
    /// on `https://` and on this computer. The profile shows it with a way to take it back.
    pub plain_http_chosen_at: Option<DateTime<Utc>>,
}

/// The ways of signing in to an Azure DevOps Server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum ServerCredentialKind {
    /// User (`DOMAIN\user` or `user@domain`) and password, over NTLM or Negotiate.
    Windows,
    /// The person signed in to Windows (Windows only: [`SignInAddress::Server`]'s `windows_account`), through
    /// Windows' own sign-in (Kerberos or NTLM); no password is typed or kept.
    CurrentWindowsUser,
    /// An existing personal access token (Basic).
    PersonalAccessToken,
}

/// What the sign-in field holds, as PAT Desk reads it: an Azure DevOps Services organization (Microsoft
/// sign-in) or the address of an Azure DevOps Server (Windows sign-in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum SignInAddress {
    Services {
        organization: Organization,
    },
    #[serde(rename_all = "camelCase")]
    Server {
        /// The server's address without a collection.
        url: String,
        host: String,
        /// The collection named in the address (`…/tfs/DefaultCollection`), if any.
        collection: Option<String>,
        /// The account of the person signed in to Windows (`CONTOSO\dana`), which can sign in without a
        /// password ([`ServerCredentialKind::CurrentWindowsUser`]); `None` off Windows.
        windows_account: Option<String>,
        /// The address is plain `http://` to another computer: nothing is sent before the person chose to use
        /// the unencrypted connection (`server::plain_http`).
        unencrypted: bool,
        /// The server as the choice names it (`tfs.example:8080`).
        server_label: String,
        /// When the person chose to use this unencrypted connection, if they did (filled in by the shell from
        /// the settings; `None` from the core).
        plain_http_chosen_at: Option<DateTime<Utc>>,
    },
}

/// "Sign in to the server": what the person typed. The password or token crosses IPC once, from the window to
/// Rust, and lives on in Rust only (memory, and the keychain when `remember` is set).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ServerSignInRequest {
    /// The server address as typed (any form [`SignInAddress::Server`] accepts).
    pub address: String,
    pub credential: ServerCredentialKind,
    /// `DOMAIN\user` or `user@domain`; empty with a token or as the current Windows user.
    pub user: String,
    /// The Windows password, or the token; empty as the current Windows user.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub secret: crate::secret::Sensitive<String>,
    /// Remember the sign-in in the system keychain (never in a file).
    pub remember: bool,
}

/// The browser sign-in is waiting for the person: the URL opened in their browser, shown as a fallback to copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct SignInWaiting {
    pub authorize_url: String,
    /// False when PAT Desk did not (or could not) open the browser itself: the person opens the URL.
    pub browser_opened: bool,
}

/// The device-code sign-in's code to show (contract §3.6). The code is not a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct DeviceCodeInfo {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    /// Seconds until the code expires.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub expires_in: u64,
}

/// Whether the system keychain can remember sign-ins (checked at start with a write-read-delete probe).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct KeychainStatus {
    pub available: bool,
    /// The person chose "Continue without remembering my sign-in".
    pub memory_only: bool,
    /// What is wrong and what to do, when it is not available.
    pub message: Option<String>,
}

/// An account whose sign-in PAT Desk remembers (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct AccountSummary {
    pub tenant_id: String,
    pub user_id: String,
    pub username: String,
    pub display_name: Option<String>,
    /// The account of the current session.
    pub current: bool,
}

/// A PAT whose value is saved in the keychain (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct SavedToken {
    pub organization: String,
    pub authorization_id: String,
    pub display_name: String,
    pub valid_to: Option<String>,
    pub saved_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ClipboardCountdown {
    pub seconds_left: u32,
    pub cleared: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials() {
        assert_eq!(initials_of("Normal Paulk", "x@y"), "NP");
        assert_eq!(initials_of("  ", "ada@example.com"), "A");
        assert_eq!(initials_of("Ada Lovelace Byron", ""), "AL");
    }
}
