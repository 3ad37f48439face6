//! The one error type that crosses IPC: a stable `code` the window branches on and a plain-language
//! `message` that tells a non-technical person what happened and what to do next.
//!
//! Everything the wire can throw at us (`patTokenError` values, HTTP statuses, Entra token-endpoint errors,
//! transport failures) is folded into [`ErrorCode`] here, so the rest of the crate never invents messages.
//! Diagnostics that must not reach the window (the raw server value, the HTTP status, `Retry-After`) are
//! kept in fields that are not serialized.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

/// What went wrong, in the categories the window acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum ErrorCode {
    // --- the person's input (patTokenError "fix the input" group and local validation) ---
    /// The token name is empty, too long or has characters the service refuses.
    InvalidDisplayName,
    /// The expiry date is in the past, too far away or malformed.
    InvalidExpiry,
    /// A scope is unknown, or none was chosen.
    InvalidScope,
    /// Another part of the request was refused (target organizations, token id).
    InvalidInput,
    /// What was typed is not an organization name or URL.
    InvalidOrganization,
    /// The sign-in client id in Settings is not a GUID.
    InvalidClientId,
    /// The sign-in authority in Settings is not `organizations`, `common`, a tenant id or a tenant domain.
    InvalidAuthority,
    // --- blocked by a policy ---
    /// "Restrict global PAT creation".
    PolicyGlobalPat,
    /// "Restrict full-scoped PAT creation".
    PolicyFullScope,
    /// "Enforce maximum PAT lifespan".
    PolicyLifespan,
    /// The organization's "Restrict personal access token (PAT) creation".
    PolicyCreationRestricted,
    /// Global (all-organizations) PATs are being retired.
    GlobalPatRetired,
    /// The service refuses to extend a PAT that has already expired.
    ExpiredCannotExtend,
    // --- token state ---
    TokenNotFound,
    /// The token is revoked or otherwise unusable and cannot be changed.
    TokenInvalid,
    /// The token is not this person's.
    AccessDenied,
    // --- the service ---
    /// A transient `patTokenError` (the service could not issue, store or read policy): try again.
    ServerBusy,
    /// The signed-in account cannot manage PATs in this organization.
    AccountCannotManagePats,
    /// A `patTokenError` value PAT Desk does not know.
    UnknownServerError,
    /// Create succeeded on the server but the secret never arrived; see `client::AzureDevOpsClient::create_pat`.
    CreatedButSecretLost,
    // --- HTTP ---
    /// 203 sign-in page, 401, 3xx or an HTML answer: sign in again.
    SessionExpired,
    /// `VS403463`: the organization's Conditional Access policy refused this device or sign-in (signing in
    /// again does not help).
    ConditionalAccess,
    /// `TF401444`: the person has never signed in to this organization through the web; one browser sign-in
    /// fixes it.
    FirstSignInNeeded,
    /// 403: the credentials cannot manage PATs (PAT/Basic caller, service principal, missing consent).
    NotAllowed,
    /// 404.
    OrganizationNotFound,
    /// 429.
    RateLimited,
    /// 5xx.
    ServerError,
    Timeout,
    /// Could not connect, or the connection was dropped.
    Network,
    /// The answer could not be understood.
    MalformedResponse,
    /// A configured URL uses plain `http://` to a machine other than this one.
    InsecureUrl,
    /// A feed address is not an Azure Artifacts feed of the signed-in organization or server (another host,
    /// a user name or password in it, a query or fragment); the message names the address expected.
    FeedAddressNotAllowed,
    // --- Azure DevOps Server (on-premises) ---
    /// What was typed is not a server address (or is an Azure DevOps Services address).
    InvalidServerUrl,
    /// The server's address is plain `http://` to another computer and the person has not chosen to use that
    /// unencrypted connection (`crate::server::plain_http`).
    PlainHttpNotChosen,
    /// The server refused the user name and password at the end of the Windows sign-in.
    WrongPassword,
    /// The Windows account is locked out.
    AccountLocked,
    /// The server could not be reached (name not found, refused, timed out while connecting).
    ServerUnreachable,
    /// The server's TLS certificate is not trusted by this computer; the message names the problem.
    TlsNotTrusted,
    /// The server offers only Kerberos (Negotiate without NTLM), which PAT Desk cannot do with a password.
    KerberosOnly,
    /// The server offers no Windows sign-in at all.
    NoWindowsSignIn,
    /// A PAT (Basic) sign-in tried to create a token: the server only allows that with Windows sign-in.
    PatCannotCreate,
    /// The PAT used to sign in was refused (expired, revoked or mistyped).
    PatRejected,
    /// The server has no `_apis/Token/SessionTokens` route (older than TFS 2017).
    ServerTooOld,
    /// The collection does not exist on the server.
    CollectionNotFound,
    // --- sign-in (Entra) ---
    SignInFailed,
    SignInDeclined,
    SignInExpired,
    SignInCancelled,
    /// The app registration (client id, public client flows) is not set up for this sign-in.
    SignInConfiguration,
    // --- this machine ---
    ClipboardUnavailable,
    KeychainUnavailable,
    /// `git` is not installed (or could not be run), so a token cannot be handed to Git.
    GitUnavailable,
    /// The person Cancelled the operation.
    Cancelled,
    /// A bug in PAT Desk.
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire (`"policyLifespan"`).
    pub fn as_str(self) -> &'static str {
        ALL_CODES
            .iter()
            .find(|(c, _)| *c == self)
            .map(|(_, n)| *n)
            .unwrap_or("internal")
    }
}

macro_rules! code_names {
    ($($v:ident => $n:literal),* $(,)?) => {
        /// Every code with its wire name, for tests and diagnostics.
        pub const ALL_CODES: &[(ErrorCode, &str)] = &[$((ErrorCode::$v, $n)),*];
    };
}
code_names!(
    InvalidDisplayName => "invalidDisplayName",
    InvalidExpiry => "invalidExpiry",
    InvalidScope => "invalidScope",
    InvalidInput => "invalidInput",
    InvalidOrganization => "invalidOrganization",
    InvalidClientId => "invalidClientId",
    InvalidAuthority => "invalidAuthority",
    PolicyGlobalPat => "policyGlobalPat",
    PolicyFullScope => "policyFullScope",
    PolicyLifespan => "policyLifespan",
    PolicyCreationRestricted => "policyCreationRestricted",
    GlobalPatRetired => "globalPatRetired",
    ExpiredCannotExtend => "expiredCannotExtend",
    TokenNotFound => "tokenNotFound",
    TokenInvalid => "tokenInvalid",
    AccessDenied => "accessDenied",
    ServerBusy => "serverBusy",
    AccountCannotManagePats => "accountCannotManagePats",
    UnknownServerError => "unknownServerError",
    CreatedButSecretLost => "createdButSecretLost",
    SessionExpired => "sessionExpired",
    ConditionalAccess => "conditionalAccess",
    FirstSignInNeeded => "firstSignInNeeded",
    NotAllowed => "notAllowed",
    OrganizationNotFound => "organizationNotFound",
    RateLimited => "rateLimited",
    ServerError => "serverError",
    Timeout => "timeout",
    Network => "network",
    MalformedResponse => "malformedResponse",
    InsecureUrl => "insecureUrl",
    FeedAddressNotAllowed => "feedAddressNotAllowed",
    InvalidServerUrl => "invalidServerUrl",
    PlainHttpNotChosen => "plainHttpNotChosen",
    WrongPassword => "wrongPassword",
    AccountLocked => "accountLocked",
    ServerUnreachable => "serverUnreachable",
    TlsNotTrusted => "tlsNotTrusted",
    KerberosOnly => "kerberosOnly",
    NoWindowsSignIn => "noWindowsSignIn",
    PatCannotCreate => "patCannotCreate",
    PatRejected => "patRejected",
    ServerTooOld => "serverTooOld",
    CollectionNotFound => "collectionNotFound",
    SignInFailed => "signInFailed",
    SignInDeclined => "signInDeclined",
    SignInExpired => "signInExpired",
    SignInCancelled => "signInCancelled",
    SignInConfiguration => "signInConfiguration",
    ClipboardUnavailable => "clipboardUnavailable",
    KeychainUnavailable => "keychainUnavailable",
    GitUnavailable => "gitUnavailable",
    Cancelled => "cancelled",
    Internal => "internal",
);

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of every fallible operation in PAT Desk. Serializes as exactly `{"code": …, "message": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "ts", ts(export, rename = "AppError"))]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// How long the server asked us to wait (429 `Retry-After`).
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub retry_after: Option<Duration>,
    /// The raw server value (a `patTokenError`, an Entra `error`, a VSS `typeKey`) for diagnostics.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub raw: Option<String>,
    /// The HTTP status, when there was one.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub status: Option<u16>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            retry_after: None,
            raw: None,
            status: None,
        }
    }

    /// An error with the standard message for its code.
    pub fn from_code(code: ErrorCode) -> Self {
        Error::new(code, default_message(code))
    }

    pub fn with_raw(mut self, raw: impl Into<String>) -> Self {
        self.raw = Some(raw.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }

    /// Worth retrying the same request later (throttling, server trouble, timeouts, dropped connections).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.code,
            ErrorCode::RateLimited
                | ErrorCode::ServerError
                | ErrorCode::ServerBusy
                | ErrorCode::Timeout
                | ErrorCode::Network
        )
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    pub fn is_rate_limited(&self) -> bool {
        self.code == ErrorCode::RateLimited
    }

    pub fn internal(message: impl fmt::Display) -> Self {
        Error::new(
            ErrorCode::Internal,
            "Something went wrong inside PAT Desk. Please try again, and report it if it keeps happening.",
        )
        .with_raw(message.to_string())
    }

    pub fn cancelled() -> Self {
        Error::from_code(ErrorCode::Cancelled)
    }

    /// Map a `patTokenError` value (anything but `none`) to an error, showing the server's own
    /// `patTokenErrorMessage` when there is one. Values are compared case-insensitively.
    pub fn from_pat_token_error(raw: &str, server_message: Option<&str>) -> Self {
        let (code, message): (ErrorCode, String) = match raw.to_ascii_lowercase().as_str() {
            "displaynamerequired" => (
                ErrorCode::InvalidDisplayName,
                "The token needs a name. Type a name and try again.".into(),
            ),
            "invaliddisplayname" => (
                ErrorCode::InvalidDisplayName,
                "Azure DevOps did not accept this name. Use at most 256 characters and avoid < > & and \", then try again.".into(),
            ),
            "invalidvalidto" => (
                ErrorCode::InvalidExpiry,
                "Azure DevOps did not accept this expiry date. Pick a date in the future, at most one year away.".into(),
            ),
            "invalidscope" => (
                ErrorCode::InvalidScope,
                "Azure DevOps did not accept one of the chosen permissions. Choose the permissions again from the list and retry.".into(),
            ),
            "invalidtargetaccounts" => (
                ErrorCode::InvalidInput,
                "This token cannot be used with the chosen organization. Refresh the list and try again from the organization the token belongs to.".into(),
            ),
            "invalidauthorizationid" => (
                ErrorCode::InvalidInput,
                "PAT Desk sent an invalid token id. Refresh the list and try again.".into(),
            ),
            "globalpatpolicyviolation" => (
                ErrorCode::PolicyGlobalPat,
                "Your organization's administrator does not allow tokens for all organizations. Create a token for one organization instead.".into(),
            ),
            "fullscopepatpolicyviolation" => (
                ErrorCode::PolicyFullScope,
                "Your organization's administrator does not allow full-access tokens. Choose only the permissions you need and try again.".into(),
            ),
            "patlifespanpolicyviolation" => (
                ErrorCode::PolicyLifespan,
                "Your organization's administrator limits how long tokens may last. Pick a shorter lifespan and try again.".into(),
            ),
            "disablepatcreationpolicyviolation" => (
                ErrorCode::PolicyCreationRestricted,
                "Your organization restricts who can create personal access tokens. Ask an administrator to add you to the allow-list, or choose only Packaging permissions if your organization allows that.".into(),
            ),
            "globalpatcreationblocked" => (
                ErrorCode::GlobalPatRetired,
                "Tokens for all organizations can no longer be created. Create a token for one organization instead.".into(),
            ),
            "expiredpatcannotbeextended" => (
                ErrorCode::ExpiredCannotExtend,
                "This token has already expired and can no longer be extended. Regenerate it to get a new token with the same name and permissions.".into(),
            ),
            "tokennotfound" => (
                ErrorCode::TokenNotFound,
                "This token no longer exists. Refresh the list to see your current tokens.".into(),
            ),
            "invalidtoken" => (
                ErrorCode::TokenInvalid,
                "This token has been revoked and can no longer be changed. Refresh the list, or create a new token.".into(),
            ),
            "accessdenied" => (
                ErrorCode::AccessDenied,
                "This token belongs to someone else, so you cannot change it. Refresh the list to see your own tokens.".into(),
            ),
            "failedtoissueaccesstoken" | "failedtoreadtenantpolicy" | "failedtoreadorgpolicy"
            | "failedtoupdateaccesstoken" | "duplicatehash" => (
                ErrorCode::ServerBusy,
                "Azure DevOps could not finish this right now. Please try again in a moment.".into(),
            ),
            "useridrequired" | "invaliduserid" | "invalidusertype" | "invalidclient"
            | "invalidclienttype" | "invalidclientid" | "invalidtokentype" | "invalidaudience"
            | "invalidsubject" | "deploymenthostnotsupported" | "hostauthorizationnotfound"
            | "authorizationnotfound" | "sourcenotsupported" | "invalidsourceip" | "invalidsource"
            | "sshpolicydisabled" => (
                ErrorCode::AccountCannotManagePats,
                format!("The account you signed in with cannot manage personal access tokens in this organization (Azure DevOps said: {raw}). Try signing in with your own work account."),
            ),
            _ => (
                ErrorCode::UnknownServerError,
                format!("Azure DevOps refused the request with an error PAT Desk does not know ({raw}). Please try again, or do this in the Azure DevOps website."),
            ),
        };
        let message = match server_message.map(str::trim).filter(|m| !m.is_empty()) {
            Some(extra) => format!("{message} Azure DevOps says: {extra}"),
            None => message,
        };
        Error::new(code, message).with_raw(raw)
    }
}

/// The standard, plain-language message for each code.
pub fn default_message(code: ErrorCode) -> &'static str {
    use ErrorCode::*;
    match code {
        InvalidDisplayName => "Please give the token a name of at most 256 characters.",
        InvalidExpiry => "Pick an expiry date in the future, at most one year away.",
        InvalidScope => "Choose at least one permission, or Full access.",
        InvalidInput => "Azure DevOps did not accept this request. Refresh the list and try again.",
        InvalidOrganization => "That does not look like an Azure DevOps organization. Type its name (for example \"fabrikam\") or paste its address (https://dev.azure.com/fabrikam).",
        InvalidClientId => "A client id looks like 872cd9fa-d31f-45e0-9eab-6e460a02d1f1 (digits and the letters a to f, in groups of 8-4-4-4-12). Copy it from your app registration, or choose Reset to defaults.",
        InvalidAuthority => "The authority must be organizations, common, your tenant id (a GUID) or your tenant's domain, such as contoso.onmicrosoft.com. Choose Reset to defaults if you are not sure.",
        PolicyGlobalPat => "Your organization's administrator does not allow tokens for all organizations. Create a token for one organization instead.",
        PolicyFullScope => "Your organization's administrator does not allow full-access tokens. Choose only the permissions you need and try again.",
        PolicyLifespan => "Your organization's administrator limits how long tokens may last. Pick a shorter lifespan and try again.",
        PolicyCreationRestricted => "Your organization restricts who can create personal access tokens. Ask an administrator to add you to the allow-list.",
        GlobalPatRetired => "Tokens for all organizations can no longer be created. Create a token for one organization instead.",
        ExpiredCannotExtend => "This token has already expired and can no longer be extended. Regenerate it instead.",
        TokenNotFound => "This token no longer exists. Refresh the list to see your current tokens.",
        TokenInvalid => "This token has been revoked and can no longer be changed. Refresh the list, or create a new token.",
        AccessDenied => "This token belongs to someone else, so you cannot change it.",
        ServerBusy => "Azure DevOps could not finish this right now. Please try again in a moment.",
        AccountCannotManagePats => "The account you signed in with cannot manage personal access tokens in this organization. Try signing in with your own work account.",
        UnknownServerError => "Azure DevOps refused the request with an unexpected error. Please try again.",
        CreatedButSecretLost => "The token was created, but its value could not be received. Revoke it and create a new one.",
        SessionExpired => "Your sign-in has expired. Please sign in again.",
        ConditionalAccess => "This organization's administrator only allows access from devices or sign-ins that meet their rules (Conditional Access), and this one did not. Signing in again will not help: try from a company-managed device or network, or ask your IT help desk which rule blocked you.",
        FirstSignInNeeded => "You have not yet signed in to this organization on the web. Open it once in your browser (https://dev.azure.com/ and the organization's name), sign in there, then try again here.",
        NotAllowed => "Only a signed-in person can manage personal access tokens, and PAT Desk is not allowed to do this yet. Sign in again; if this keeps happening, an administrator may need to approve PAT Desk for your organization.",
        OrganizationNotFound => "This organization was not found. Check its name and that you are a member of it.",
        RateLimited => "Azure DevOps asked PAT Desk to slow down. Wait a little and try again.",
        ServerError => "Azure DevOps had a problem. Please try again in a moment.",
        Timeout => "Azure DevOps took too long to answer. Check your connection and try again.",
        Network => "PAT Desk could not reach Azure DevOps. Check your internet connection and try again.",
        MalformedResponse => "Azure DevOps sent an answer PAT Desk could not understand. Please try again.",
        InsecureUrl => "This address is not secure (it uses http://). Use an https:// address.",
        FeedAddressNotAllowed => "PAT Desk only hands tokens to Azure Artifacts feeds of your organization. Copy the feed's address from its \"Connect to feed\" page.",
        PlainHttpNotChosen => "This server's address is not encrypted (http://): a new token, and your Windows sign-in, could be read or misused by anyone on the network. Use the server's https:// address, or choose to use the unencrypted connection first.",
        InvalidServerUrl => "That does not look like a server address. Type it as it appears in your browser, for example https://tfs.contoso.local:8080/tfs or https://devops.contoso.local/DefaultCollection.",
        WrongPassword => "The server did not accept this user name and password. Check them (the user name as DOMAIN\\user or user@domain) and try again.",
        AccountLocked => "Your Windows account is locked, so the server refused the sign-in. Ask your IT help desk to unlock it, then try again.",
        ServerUnreachable => "PAT Desk could not reach the server. Check the address and that you are on the company network (or VPN), then try again.",
        TlsNotTrusted => "This computer does not trust the server's security certificate. Ask your IT help desk for the company's root certificate and install it on this computer, then try again.",
        KerberosOnly => "This server only accepts Kerberos sign-in, which PAT Desk cannot do with a password. Sign in with one of your personal access tokens instead: it can list and revoke your tokens (creating new ones needs the Windows sign-in).",
        NoWindowsSignIn => "This server does not offer Windows sign-in. Sign in with one of your personal access tokens instead: it can list and revoke your tokens.",
        PatCannotCreate => "Your server only lets you create tokens when you sign in with your Windows account. Sign in with your Windows user name and password to create one.",
        PatRejected => "The server did not accept this personal access token: it may have expired, been revoked or been mistyped. Sign in with another token or with your Windows account.",
        ServerTooOld => "This server is too old for PAT Desk: it has no personal access token API (it needs TFS 2017 or newer). Manage your tokens on the server's web page instead.",
        CollectionNotFound => "This collection was not found on the server. Check its name, or pick one from the list.",
        SignInFailed => "Sign-in did not work. Please sign in again.",
        SignInDeclined => "The sign-in was declined. Sign in again and accept the request if you want to continue.",
        SignInExpired => "The sign-in code expired before it was used. Start the sign-in again.",
        SignInCancelled => "Sign-in was cancelled.",
        SignInConfiguration => "PAT Desk is not set up correctly for your organization's sign-in. Ask your administrator to check the app registration (client id and \"Allow public client flows\").",
        ClipboardUnavailable => "The clipboard is not available. Reveal the token and copy it by hand.",
        KeychainUnavailable => "The system keychain is not available, so PAT Desk cannot remember your sign-in. You will need to sign in again next time.",
        GitUnavailable => "Git is not installed on this computer, so PAT Desk cannot hand the token to it. Install Git, then try again.",
        Cancelled => "Cancelled.",
        Internal => "Something went wrong inside PAT Desk. Please try again, and report it if it keeps happening.",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_wire_name() {
        for (code, name) in ALL_CODES {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(name));
            assert_eq!(code.as_str(), *name);
            assert!(!default_message(*code).is_empty());
        }
    }
}
