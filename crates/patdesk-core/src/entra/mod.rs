//! Signing in with Microsoft Entra ID, all of it on the `oauth2` crate (contract §3): the browser with PKCE
//! ([`browser`], the primary sign-in), the device code ([`device_code`], the fallback), and the refresh token
//! that mints every access token afterwards, one per tenant ([`tokens`]).
//!
//! Everything the three flows share lives here, once: the settings ([`EntraConfig`]), the one scope rule
//! ([`token_scopes`]), the one error mapping ([`sign_in_error`]: every Entra `error` and every AADSTS code the
//! contract names, whichever flow met it), the one refresh margin ([`REFRESH_MARGIN`]) and the OAuth client.
//! No token endpoint is spoken to by hand.

pub mod browser;
pub mod device_code;
pub mod tokens;

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, ClientId, DeviceAuthorizationUrl, ErrorResponseType, HttpClientError,
    RedirectUrl, RequestTokenError, Scope, StandardErrorResponse, TokenResponse, TokenUrl,
};
use serde::Deserialize;

pub use browser::{LoopbackSignIn, PendingSignIn, SignInHints, DEFAULT_SIGN_IN_TIMEOUT};
pub use device_code::{DeviceCodeFlow, DeviceCodePrompt};
pub use tokens::{RefreshChain, RefreshTokenHook, TenantTokens};

use crate::endpoints::{join, Endpoints};
use crate::error::{default_message, Error, ErrorCode};
use crate::http::{log_response, map_transport_error, url_for_log};
use crate::secret::Sensitive;

/// The Azure DevOps resource id (§3.1).
pub const AZURE_DEVOPS_RESOURCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";
/// Visual Studio's public client id, as Git Credential Manager uses (§0.3, §3.2).
pub const DEFAULT_CLIENT_ID: &str = "872cd9fa-d31f-45e0-9eab-6e460a02d1f1";
pub const DEFAULT_AUTHORITY: &str = "organizations";
/// Default sign-in scopes (§3.1).
pub const DEFAULT_SCOPES: &str =
    "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access openid profile";
/// The narrow sign-in (§3.1, "an alternative setting uses explicit scopes"): only the PAT API (`vso.pats` to
/// read, `vso.pats_manage` to create, change and revoke) and the profile, never `.default`. Both PAT scopes
/// always together. An organization's own app registration must allow them.
pub const TOKENS_ONLY_SCOPES: &str = "499b84ac-1321-427f-aa17-267ca6975798/vso.pats \
     499b84ac-1321-427f-aa17-267ca6975798/vso.pats_manage \
     499b84ac-1321-427f-aa17-267ca6975798/vso.profile offline_access openid profile";
/// Refresh this long before an access token expires (§3.5).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Timeout of one request to Entra.
const TOKEN_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Entra settings (§0.3): client id, authority (tenant segment) and scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraConfig {
    pub client_id: String,
    /// `organizations`, `common` or a tenant GUID.
    pub authority: String,
    /// Space separated, as sent to the authorize and device-code endpoints.
    pub scopes: String,
}

impl Default for EntraConfig {
    fn default() -> Self {
        EntraConfig {
            client_id: DEFAULT_CLIENT_ID.to_string(),
            authority: DEFAULT_AUTHORITY.to_string(),
            scopes: DEFAULT_SCOPES.to_string(),
        }
    }
}

/// The environment variable that pins the Entra app's client id (wins over Settings › Advanced).
pub const CLIENT_ID_ENV: &str = "PATDESK_CLIENT_ID";
/// The environment variable that pins the Entra authority (wins over Settings › Advanced).
pub const AUTHORITY_ENV: &str = "PATDESK_AUTHORITY";

impl EntraConfig {
    /// Defaults overridden by `PATDESK_CLIENT_ID` and `PATDESK_AUTHORITY`.
    pub fn from_env() -> Self {
        EntraConfig::default().with_env_overrides()
    }

    /// These settings with the client id and authority replaced by `PATDESK_CLIENT_ID` and
    /// `PATDESK_AUTHORITY` when they are set (not empty): the environment wins over the Settings screen.
    pub fn with_env_overrides(self) -> Self {
        let mut c = self;
        if let Ok(v) = std::env::var(CLIENT_ID_ENV) {
            if !v.trim().is_empty() {
                c.client_id = v.trim().to_string();
            }
        }
        if let Ok(v) = std::env::var(AUTHORITY_ENV) {
            if !v.trim().is_empty() {
                c.authority = v.trim().to_string();
            }
        }
        c
    }

    /// The same settings for another tenant (a guest's organization, §3.3).
    pub fn for_tenant(&self, tenant_id: &str) -> Self {
        EntraConfig {
            authority: tenant_id.to_string(),
            ..self.clone()
        }
    }

    /// The tenant segment of the endpoints' paths.
    fn tenant(&self) -> &str {
        self.authority.trim_matches('/')
    }
}

/// Tokens from a sign-in or a refresh.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Sensitive<String>,
    pub refresh_token: Option<Sensitive<String>>,
    pub expires_at: DateTime<Utc>,
}

/// The scopes of every token-endpoint request (§3.4–§3.6), the one rule for every flow: the configured
/// scopes without `openid`/`profile` (they only shape the ID token), always with `offline_access` (a refresh
/// token is what keeps the person signed in), and the Azure DevOps resource when none is configured.
pub fn token_scopes(configured: &str) -> Vec<String> {
    let mut scopes: Vec<String> = configured
        .split_whitespace()
        .filter(|s| !matches!(*s, "openid" | "profile" | "offline_access"))
        .map(str::to_string)
        .collect();
    if scopes.is_empty() {
        scopes.push(format!("{AZURE_DEVOPS_RESOURCE}/.default"));
    }
    scopes.push("offline_access".to_string());
    scopes
}

/// Scopes as sent to the authorize and device-code endpoints (as configured).
fn scopes_of(scopes: &str) -> Vec<Scope> {
    scopes
        .split_whitespace()
        .map(|s| Scope::new(s.to_string()))
        .collect()
}

/// Who a token belongs to, read from the access token's claims (§3.8) **for labels and keychain keys only**:
/// the signature is not checked (PAT Desk treats tokens as opaque and never trusts these for access).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAccount {
    /// `tid`
    pub tenant_id: String,
    /// `oid`
    pub object_id: String,
    /// `upn`, `preferred_username`, `unique_name` or `email`, whichever comes first.
    pub username: Option<String>,
    /// `name`
    pub display_name: Option<String>,
}

impl TokenAccount {
    /// The account named in a JWT-shaped access (or ID) token, if it names one.
    pub fn from_token(token: &Sensitive<String>) -> Option<TokenAccount> {
        #[derive(Deserialize)]
        struct Claims {
            tid: Option<String>,
            oid: Option<String>,
            upn: Option<String>,
            preferred_username: Option<String>,
            unique_name: Option<String>,
            email: Option<String>,
            name: Option<String>,
        }
        let payload = token.expose().split('.').nth(1)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        let c: Claims = serde_json::from_slice(&bytes).ok()?;
        Some(TokenAccount {
            tenant_id: c.tid?.to_ascii_lowercase(),
            object_id: c.oid?.to_ascii_lowercase(),
            username: c.upn.or(c.preferred_username).or(c.unique_name).or(c.email),
            display_name: c.name,
        })
    }
}

// ----- the OAuth client ---------------------------------------------------------------------------------

/// The endpoints of one tenant (§3.1).
struct EntraUrls {
    authorize: AuthUrl,
    device: DeviceAuthorizationUrl,
    token: TokenUrl,
    redirect: RedirectUrl,
}

impl EntraUrls {
    fn new(endpoints: &Endpoints, tenant: &str, redirect_uri: &str) -> Result<Self, Error> {
        let leaf = |name: &str| join(&endpoints.login, &format!("{tenant}/oauth2/v2.0/{name}"));
        Ok(EntraUrls {
            authorize: AuthUrl::from_url(leaf("authorize")),
            device: DeviceAuthorizationUrl::from_url(leaf("devicecode")),
            token: TokenUrl::from_url(leaf("token")),
            redirect: RedirectUrl::new(redirect_uri.to_string())
                .map_err(|e| internal(e.to_string()))?,
        })
    }

    /// The redirect URI is not part of a refresh or a device code; any well-formed one satisfies the client.
    fn without_redirect(endpoints: &Endpoints, tenant: &str) -> Result<Self, Error> {
        Self::new(endpoints, tenant, "http://localhost")
    }
}

type EntraClient = BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn oauth_client(client_id: &str, urls: &EntraUrls) -> EntraClient {
    BasicClient::new(ClientId::new(client_id.to_string()))
        // A public client: the client id goes in the form, and there is no secret.
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(urls.authorize.clone())
        .set_device_authorization_url(urls.device.clone())
        .set_token_uri(urls.token.clone())
        .set_redirect_uri(urls.redirect.clone())
}

/// The longest an access token is taken to last, whatever Entra's `expires_in` says (its tokens last about an
/// hour): a bogus value neither panics nor keeps a token long past its life (a `401` refreshes it anyway).
const MAX_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

fn token_set(response: &impl TokenResponse, previous: Option<&Sensitive<String>>) -> TokenSet {
    let expires_in = response
        .expires_in()
        .unwrap_or(Duration::from_secs(3599))
        .min(MAX_ACCESS_TOKEN_LIFETIME);
    let expires_in = chrono::Duration::from_std(expires_in).unwrap_or(chrono::Duration::hours(1));
    TokenSet {
        access_token: Sensitive::new(response.access_token().secret().clone()),
        // Keep the old refresh token if the response lacks a new one (§3.5).
        refresh_token: response
            .refresh_token()
            .map(|t| Sensitive::new(t.secret().clone()))
            .or_else(|| previous.cloned()),
        expires_at: Utc::now() + expires_in,
    }
}

/// `AADSTS50011` in an Entra error description, if there is one.
fn aadsts_number(description: &str) -> Option<&str> {
    let at = description.find("AADSTS")?;
    let digits = description[at + 6..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(description.len() - at - 6);
    (digits > 0).then(|| &description[at..at + 6 + digits])
}

/// The HTTP client of every Entra request: reqwest, with each request in the diagnostics log
/// ([`crate::http::log_response`]: method, URL without its query, status, duration). The bodies, which hold
/// codes and tokens, are never logged.
fn logged(
    http: &reqwest::Client,
) -> impl Fn(
    oauth2::HttpRequest,
) -> futures::future::BoxFuture<
    'static,
    Result<oauth2::HttpResponse, HttpClientError<reqwest::Error>>,
> + Send
       + Sync {
    let http = http.clone();
    move |request: oauth2::HttpRequest| {
        let http = http.clone();
        Box::pin(async move {
            let method = request.method().to_string();
            let url = url::Url::parse(&request.uri().to_string())
                .map(|u| url_for_log(&u))
                .unwrap_or_default();
            let started = std::time::Instant::now();
            let answer = call_capped(&http, request).await;
            let status = answer.as_ref().ok().map(|r| r.status().as_u16());
            log_response(&method, &url, status, started.elapsed());
            answer
        })
    }
}

/// What [`call_capped`] says when Entra's answer is longer than [`crate::http::MAX_BODY_BYTES`].
const BODY_TOO_LARGE: &str = "answer body too large";

/// `oauth2`'s own reqwest call, except that the body is read through [`crate::http::read_capped`]: at most
/// 16 MiB, so a token or device-code answer cannot fill the memory.
async fn call_capped(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, HttpClientError<reqwest::Error>> {
    let request = reqwest::Request::try_from(request).map_err(Box::new)?;
    let mut response = http.execute(request).await.map_err(Box::new)?;
    let mut builder = oauth2::http::Response::builder()
        .status(response.status())
        .version(response.version());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = crate::http::read_capped(&mut response)
        .await
        .map_err(Box::new)?
        .ok_or_else(|| HttpClientError::Other(BODY_TOO_LARGE.into()))?;
    builder.body(body).map_err(HttpClientError::Http)
}

/// Any `oauth2` request error, whichever flow, in PAT Desk's words.
fn map_token_error<T>(
    e: RequestTokenError<HttpClientError<reqwest::Error>, StandardErrorResponse<T>>,
) -> Error
where
    T: ErrorResponseType + AsRef<str> + std::fmt::Display + 'static,
{
    match e {
        RequestTokenError::ServerResponse(err) => {
            let description = err.error_description().map(String::as_str);
            let mapped = sign_in_error(err.error().as_ref(), description);
            // The OAuth error and the AADSTS number only: the rest of Entra's answer is never logged.
            let aadsts = description.and_then(aadsts_number).unwrap_or_default();
            let error = err.error().as_ref();
            tracing::warn!(code = mapped.code.as_str(), error, aadsts, "entra refused");
            mapped
        }
        RequestTokenError::Request(HttpClientError::Reqwest(e)) => map_transport_error(*e),
        RequestTokenError::Request(HttpClientError::Other(what)) if what == BODY_TOO_LARGE => {
            crate::http::body_too_large()
        }
        RequestTokenError::Request(other) => {
            Error::from_code(ErrorCode::Network).with_raw(other.to_string())
        }
        RequestTokenError::Parse(e, _) => Error::new(
            ErrorCode::MalformedResponse,
            "Microsoft sign-in sent an answer PAT Desk could not understand. Please try again in a moment.",
        )
        .with_raw(e.to_string()),
        RequestTokenError::Other(text) => Error::new(
            ErrorCode::MalformedResponse,
            "Microsoft sign-in sent an answer PAT Desk could not understand. Please try again in a moment.",
        )
        .with_raw(text),
    }
}

/// An Entra error (`error` and `error_description`, from the token, device-code or authorize endpoint) in
/// plain words: the one mapping of every flow (§3.7). Well-known AADSTS codes in the description win over the
/// generic `error`.
pub fn sign_in_error(error: &str, description: Option<&str>) -> Error {
    let aadsts = description.unwrap_or("");
    let known_aadsts: Option<(ErrorCode, &str)> = if aadsts.contains("AADSTS50105") {
        Some((ErrorCode::SignInConfiguration, "Your organization has not given you access to PAT Desk. Ask an administrator to assign you to the app, then sign in again."))
    } else if aadsts.contains("AADSTS65004") {
        Some((ErrorCode::SignInDeclined, "You declined to give PAT Desk access, so it can't manage your tokens. Sign in again and accept if you want to continue."))
    } else if aadsts.contains("AADSTS50011") {
        Some((ErrorCode::SignInConfiguration, "PAT Desk's sign-in address is not registered for this app (AADSTS50011). Ask your administrator to add http://localhost as a redirect URI under \"Mobile and desktop applications\"."))
    } else if aadsts.contains("AADSTS700016") {
        Some((ErrorCode::SignInConfiguration, "This app is not known in your organization's Microsoft Entra tenant (AADSTS700016). Ask your administrator to check PAT Desk's client id."))
    } else if aadsts.contains("AADSTS7000218") {
        Some((ErrorCode::SignInConfiguration, "Signing in with a code is turned off for this app in your organization (AADSTS7000218: \"Allow public client flows\"). Use \"Sign in with Microsoft\" in the browser instead, or ask your administrator to allow public client flows."))
    } else if aadsts.contains("AADSTS70011") {
        Some((ErrorCode::SignInConfiguration, "Microsoft did not accept the permissions PAT Desk asked for (AADSTS70011). Ask your administrator to check PAT Desk's sign-in settings (scopes)."))
    } else if aadsts.contains("AADSTS90023") {
        Some((ErrorCode::SignInConfiguration, "Microsoft refused to finish the sign-in from inside an app window (AADSTS90023). Please sign in again; if it keeps happening, report it."))
    } else if aadsts.contains("AADSTS53003") {
        Some((ErrorCode::SignInDeclined, "Your organization's Conditional Access rules blocked this sign-in (AADSTS53003). Try from a company-managed device or network, or ask your IT help desk which rule blocked you."))
    } else {
        None
    };
    let code = match error {
        "authorization_declined" | "access_denied" => ErrorCode::SignInDeclined,
        "expired_token" | "bad_verification_code" => ErrorCode::SignInExpired,
        "invalid_client"
        | "unauthorized_client"
        | "invalid_scope"
        | "invalid_resource"
        | "unsupported_grant_type" => ErrorCode::SignInConfiguration,
        "temporarily_unavailable" | "server_error" => ErrorCode::ServerBusy,
        _ => ErrorCode::SignInFailed,
    };
    let message = match error {
        "access_denied" | "authorization_declined" => "The sign-in was declined, so PAT Desk can't manage your tokens. Sign in again and accept the request if you want to continue.",
        "consent_required" => "Your organization must approve PAT Desk before you can use it (\"Need admin approval\"). Ask an administrator to grant consent, then sign in again.",
        "interaction_required" => "Microsoft needs you to confirm your sign-in again (for example with multi-factor authentication). Please sign in again.",
        "login_required" => "Microsoft needs you to sign in again. Please start the sign-in once more.",
        "invalid_grant" => "Your sign-in has expired or was revoked. Please sign in again.",
        "bad_verification_code" => "The sign-in code was not recognised. Start the sign-in again to get a new code.",
        "temporarily_unavailable" => "Microsoft sign-in is busy right now. Please try again in a moment.",
        "server_error" => "Microsoft sign-in had a problem. Please try again in a moment.",
        "invalid_resource" => "Azure DevOps is not available in your organization's Microsoft Entra tenant. Ask an administrator to enable it.",
        _ => default_message(code),
    };
    let (code, message) = known_aadsts.unwrap_or((code, message));
    let mut raw = error.to_string();
    if let Some(d) = description {
        raw.push_str(": ");
        raw.push_str(d);
    }
    Error::new(code, message).with_raw(raw)
}

fn internal(raw: String) -> Error {
    Error::from_code(ErrorCode::Internal).with_raw(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_scope_rule_for_every_token_request() {
        assert_eq!(
            token_scopes(DEFAULT_SCOPES),
            vec![
                "499b84ac-1321-427f-aa17-267ca6975798/.default".to_string(),
                "offline_access".to_string()
            ]
        );
        let explicit = "499b84ac-1321-427f-aa17-267ca6975798/vso.pats 499b84ac-1321-427f-aa17-267ca6975798/vso.pats_manage openid profile";
        assert_eq!(
            token_scopes(explicit).join(" "),
            "499b84ac-1321-427f-aa17-267ca6975798/vso.pats 499b84ac-1321-427f-aa17-267ca6975798/vso.pats_manage offline_access"
        );
        assert_eq!(
            token_scopes("").join(" "),
            "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access"
        );
    }

    #[test]
    fn entra_config_defaults() {
        let c = EntraConfig::default();
        assert_eq!(c.client_id, DEFAULT_CLIENT_ID);
        assert_eq!(c.authority, "organizations");
        assert_eq!(c.for_tenant("t").authority, "t");
        let urls = EntraUrls::without_redirect(&Endpoints::azure(), c.tenant()).unwrap();
        assert_eq!(
            urls.token.as_str(),
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        );
        assert_eq!(
            urls.device.as_str(),
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode"
        );
    }

    #[test]
    fn every_known_entra_answer_gets_its_sentence() {
        let cases = [
            ("invalid_grant", None, ErrorCode::SignInFailed),
            ("consent_required", None, ErrorCode::SignInFailed),
            ("authorization_declined", None, ErrorCode::SignInDeclined),
            ("access_denied", None, ErrorCode::SignInDeclined),
            ("expired_token", None, ErrorCode::SignInExpired),
            ("bad_verification_code", None, ErrorCode::SignInExpired),
            ("unauthorized_client", None, ErrorCode::SignInConfiguration),
            ("invalid_client", None, ErrorCode::SignInConfiguration),
            ("temporarily_unavailable", None, ErrorCode::ServerBusy),
            ("server_error", None, ErrorCode::ServerBusy),
            (
                "unauthorized_client",
                Some("AADSTS7000218: The request body must contain client_assertion"),
                ErrorCode::SignInConfiguration,
            ),
            (
                "invalid_request",
                Some("AADSTS50011: The redirect URI does not match"),
                ErrorCode::SignInConfiguration,
            ),
            (
                "invalid_grant",
                Some("AADSTS53003: Access has been blocked by Conditional Access policies."),
                ErrorCode::SignInDeclined,
            ),
        ];
        for (error, description, code) in cases {
            let e = sign_in_error(error, description);
            assert_eq!(e.code, code, "{error} {description:?}");
            assert!(!e.message.is_empty());
            assert!(e.raw.as_deref().unwrap().starts_with(error));
        }
        assert!(sign_in_error("consent_required", None)
            .message
            .contains("Need admin approval"));
        assert!(sign_in_error(
            "unauthorized_client",
            Some("AADSTS7000218: The request body must contain client_assertion")
        )
        .message
        .contains("Allow public client flows"));
    }

    #[test]
    fn a_huge_expires_in_is_a_day_at_most_never_a_panic() {
        for expires_in in [
            "18446744073709551615",
            "9223372036854775807",
            "1000000000000",
        ] {
            let response: oauth2::basic::BasicTokenResponse = serde_json::from_str(&format!(
                r#"{{"access_token":"a","token_type":"bearer","expires_in":{expires_in}}}"#
            ))
            .unwrap();
            let tokens = token_set(&response, None);
            let lasts = tokens.expires_at - Utc::now();
            assert!(lasts <= chrono::Duration::days(1), "{expires_in}: {lasts}");
            assert!(lasts > chrono::Duration::hours(23), "{expires_in}: {lasts}");
        }
    }

    #[test]
    fn aadsts_numbers_are_found() {
        assert_eq!(
            aadsts_number("AADSTS50011: The redirect URI does not match"),
            Some("AADSTS50011")
        );
        assert_eq!(
            aadsts_number("Trace: x AADSTS7000218"),
            Some("AADSTS7000218")
        );
        assert_eq!(aadsts_number("AADSTS: none"), None);
        assert_eq!(aadsts_number("no code"), None);
    }

    #[test]
    fn token_account_reads_claims() {
        let payload = URL_SAFE_NO_PAD
            .encode(br#"{"tid":"T-1","oid":"O-2","upn":"ann@contoso.com","name":"Ann"}"#);
        let token = Sensitive::new(format!("e30.{payload}.sig"));
        let account = TokenAccount::from_token(&token).unwrap();
        assert_eq!(account.tenant_id, "t-1");
        assert_eq!(account.object_id, "o-2");
        assert_eq!(account.username.as_deref(), Some("ann@contoso.com"));
        assert!(TokenAccount::from_token(&Sensitive::new("opaque".to_string())).is_none());
    }
}
