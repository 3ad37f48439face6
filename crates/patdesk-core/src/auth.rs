//! Sign-in with Microsoft Entra ID and the access tokens every Azure DevOps call carries.
//!
//! The client asks an [`AccessTokenProvider`] for a bearer token and, after a `401`, for a refreshed one, so it
//! does not care where tokens come from: a fixed token ([`StaticToken`], e.g. `PATDESK_ACCESS_TOKEN`), or the
//! device-code flow ([`DeviceCodeFlow`], §3.6) followed by a [`RefreshingProvider`] that rotates the refresh
//! token (§3.5). The browser PKCE flow comes later. Tokens are opaque; timing uses `expires_in`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

use crate::client::{build_http_client, map_transport_error};
use crate::endpoints::{join, Endpoints};
use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;
use crate::wire::{WireDeviceCode, WireEntraError, WireTokenResponse};

/// The Azure DevOps resource id (§3.1).
pub const AZURE_DEVOPS_RESOURCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";
/// Visual Studio's public client id, as Git Credential Manager uses (§0.3, §3.2).
pub const DEFAULT_CLIENT_ID: &str = "872cd9fa-d31f-45e0-9eab-6e460a02d1f1";
pub const DEFAULT_AUTHORITY: &str = "organizations";
/// Default sign-in scopes (§3.1).
pub const DEFAULT_SCOPES: &str =
    "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access openid profile";
/// Scopes for refreshing (§3.5): the configured resource scopes plus `offline_access`, without the ID-token
/// scopes (`openid`, `profile`), which a refresh does not need.
fn refresh_scopes(configured: &str) -> String {
    let mut scopes: Vec<&str> = configured
        .split_whitespace()
        .filter(|s| !matches!(*s, "openid" | "profile" | "offline_access"))
        .collect();
    if scopes.is_empty() {
        scopes.push("499b84ac-1321-427f-aa17-267ca6975798/.default");
    }
    scopes.push("offline_access");
    scopes.join(" ")
}
/// Refresh this long before the access token expires (§3.5).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Gives the client a bearer token for Azure DevOps.
pub trait AccessTokenProvider: Send + Sync {
    /// A token that is valid now (refreshing first if it is about to expire).
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, Error>>;
    /// Azure DevOps refused the current token (`401`, `203`): get a new one, or fail with `sessionExpired`.
    fn refresh_after_unauthorized(&self) -> BoxFuture<'_, Result<Sensitive<String>, Error>>;
}

/// A fixed access token (`PATDESK_ACCESS_TOKEN`, the simulator's minted tokens). It cannot be refreshed.
pub struct StaticToken(Sensitive<String>);

impl StaticToken {
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(Sensitive::new(token.into()))
    }

    /// `PATDESK_ACCESS_TOKEN`, if set.
    pub fn from_env() -> Option<Self> {
        std::env::var("PATDESK_ACCESS_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(|t| StaticToken::new(t.trim().to_string()))
    }
}

impl AccessTokenProvider for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, Error>> {
        futures::future::ready(Ok(self.0.clone())).boxed()
    }

    fn refresh_after_unauthorized(&self) -> BoxFuture<'_, Result<Sensitive<String>, Error>> {
        futures::future::ready(Err(Error::from_code(ErrorCode::SessionExpired))).boxed()
    }
}

/// Entra settings (§0.3): client id, authority (tenant segment) and scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraConfig {
    pub client_id: String,
    /// `organizations`, `common` or a tenant GUID.
    pub authority: String,
    /// Space separated.
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

impl EntraConfig {
    /// Defaults overridden by `PATDESK_CLIENT_ID` and `PATDESK_AUTHORITY`.
    pub fn from_env() -> Self {
        let mut c = EntraConfig::default();
        if let Ok(v) = std::env::var("PATDESK_CLIENT_ID") {
            if !v.trim().is_empty() {
                c.client_id = v.trim().to_string();
            }
        }
        if let Ok(v) = std::env::var("PATDESK_AUTHORITY") {
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

    fn endpoint(&self, endpoints: &Endpoints, leaf: &str) -> url::Url {
        join(
            &endpoints.login,
            &format!("{}/oauth2/v2.0/{leaf}", self.authority.trim_matches('/')),
        )
    }
}

/// Tokens from a sign-in or a refresh.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Sensitive<String>,
    pub refresh_token: Option<Sensitive<String>>,
    pub expires_at: DateTime<Utc>,
}

impl TokenSet {
    fn from_wire(w: WireTokenResponse, previous_refresh: Option<&Sensitive<String>>) -> TokenSet {
        let expires_in = w.expires_in.unwrap_or(3599);
        TokenSet {
            access_token: w.access_token,
            // Keep the old refresh token if the response lacks a new one (§3.5).
            refresh_token: w.refresh_token.or_else(|| previous_refresh.cloned()),
            expires_at: Utc::now() + chrono::Duration::seconds(expires_in as i64),
        }
    }
}

/// POST a form to the token endpoint and read a token set or an Entra error.
async fn token_request(
    http: &reqwest::Client,
    url: url::Url,
    form: &[(&str, &str)],
    previous_refresh: Option<&Sensitive<String>>,
) -> Result<TokenSet, Error> {
    let resp = http
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(map_transport_error)?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(map_transport_error)?;
    if status.is_success() {
        let wire: WireTokenResponse = serde_json::from_slice(&body).map_err(|e| {
            Error::from_code(ErrorCode::MalformedResponse).with_raw(format!("token response: {e}"))
        })?;
        return Ok(TokenSet::from_wire(wire, previous_refresh));
    }
    Err(entra_error(status.as_u16(), &body))
}

fn entra_error(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<WireEntraError>(body) {
        Ok(e) => {
            Error::from_entra_error(&e.error, e.error_description.as_deref()).with_status(status)
        }
        Err(_) if status >= 500 => Error::from_code(ErrorCode::ServerError).with_status(status),
        Err(_) => Error::from_code(ErrorCode::SignInFailed).with_status(status),
    }
}

/// The device-code sign-in (§3.6): show `user_code` and `verification_uri`, then poll.
pub struct DeviceCodeFlow;

/// What to show the person while the device-code sign-in waits.
#[derive(Clone)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    pub expires_in: Duration,
    /// How often to poll. Taken from the server; tests may shorten it.
    pub interval: Duration,
    /// Added to `interval` after each `slow_down` (RFC 8628: 5 s); tests may shorten it.
    pub slow_down_step: Duration,
    device_code: Sensitive<String>,
    token_url: url::Url,
    client_id: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for DeviceCodePrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodePrompt")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

impl DeviceCodeFlow {
    /// Ask Entra for a device code.
    pub async fn start(
        endpoints: &Endpoints,
        config: &EntraConfig,
    ) -> Result<DeviceCodePrompt, Error> {
        let http = build_http_client(Duration::from_secs(30))?;
        let url = config.endpoint(endpoints, "devicecode");
        let resp = http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("client_id", config.client_id.as_str()),
                ("scope", config.scopes.as_str()),
            ])
            .send()
            .await
            .map_err(map_transport_error)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(map_transport_error)?;
        if !status.is_success() {
            return Err(entra_error(status.as_u16(), &body));
        }
        let w: WireDeviceCode = serde_json::from_slice(&body).map_err(|e| {
            Error::from_code(ErrorCode::MalformedResponse).with_raw(format!("devicecode: {e}"))
        })?;
        let message = w.message.unwrap_or_else(|| {
            format!(
                "To sign in, open {} in a web browser and enter the code {}.",
                w.verification_uri, w.user_code
            )
        });
        Ok(DeviceCodePrompt {
            user_code: w.user_code,
            verification_uri: w.verification_uri,
            message,
            expires_in: Duration::from_secs(w.expires_in.unwrap_or(900)),
            interval: Duration::from_secs(w.interval.unwrap_or(5)),
            slow_down_step: Duration::from_secs(5),
            device_code: Sensitive::new(w.device_code),
            token_url: config.endpoint(endpoints, "token"),
            client_id: config.client_id.clone(),
            http,
        })
    }

    /// Poll until the person approves, declines, the code expires, or `cancel` fires.
    pub async fn poll_until_done(
        prompt: &DeviceCodePrompt,
        cancel: &CancellationToken,
    ) -> Result<TokenSet, Error> {
        let started = Instant::now();
        let mut interval = prompt.interval;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::from_code(ErrorCode::SignInCancelled));
            }
            if started.elapsed() > prompt.expires_in {
                return Err(Error::from_code(ErrorCode::SignInExpired));
            }
            let result = token_request(
                &prompt.http,
                prompt.token_url.clone(),
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", prompt.client_id.as_str()),
                    ("device_code", prompt.device_code.expose().as_str()),
                ],
                None,
            )
            .await;
            match result {
                Ok(tokens) => return Ok(tokens),
                Err(e) => match e.raw.as_deref().map(|r| r.split(':').next().unwrap_or(r)) {
                    Some("authorization_pending") => {}
                    Some("slow_down") => interval += prompt.slow_down_step,
                    _ if e.is_transient() => {}
                    _ => return Err(e),
                },
            }
            tokio::select! {
                _ = cancel.cancelled() => return Err(Error::from_code(ErrorCode::SignInCancelled)),
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }
}

/// Called with the newest refresh token after every rotation, so a keychain can persist it.
pub type RefreshTokenHook = Arc<dyn Fn(&Sensitive<String>) + Send + Sync>;

/// Holds a token set in memory and keeps the access token fresh with the refresh-token grant (§3.5).
pub struct RefreshingProvider {
    http: reqwest::Client,
    token_url: url::Url,
    client_id: String,
    scopes: String,
    state: tokio::sync::Mutex<RefreshState>,
    on_rotate: Option<RefreshTokenHook>,
}

struct RefreshState {
    tokens: TokenSet,
}

impl RefreshingProvider {
    pub fn new(
        endpoints: &Endpoints,
        config: &EntraConfig,
        tokens: TokenSet,
    ) -> Result<Self, Error> {
        Ok(RefreshingProvider {
            http: build_http_client(Duration::from_secs(30))?,
            token_url: config.endpoint(endpoints, "token"),
            client_id: config.client_id.clone(),
            scopes: refresh_scopes(&config.scopes),
            state: tokio::sync::Mutex::new(RefreshState { tokens }),
            on_rotate: None,
        })
    }

    /// Start from a stored refresh token alone (e.g. from the keychain): the first call refreshes.
    pub fn from_refresh_token(
        endpoints: &Endpoints,
        config: &EntraConfig,
        refresh_token: Sensitive<String>,
    ) -> Result<Self, Error> {
        Self::new(
            endpoints,
            config,
            TokenSet {
                access_token: Sensitive::new(String::new()),
                refresh_token: Some(refresh_token),
                expires_at: DateTime::<Utc>::MIN_UTC,
            },
        )
    }

    /// Call `hook` with each new refresh token.
    pub fn with_refresh_hook(mut self, hook: RefreshTokenHook) -> Self {
        self.on_rotate = Some(hook);
        self
    }

    /// The current refresh token (to store it).
    pub async fn refresh_token(&self) -> Option<Sensitive<String>> {
        self.state.lock().await.tokens.refresh_token.clone()
    }

    /// When the current access token expires.
    pub async fn expires_at(&self) -> DateTime<Utc> {
        self.state.lock().await.tokens.expires_at
    }

    /// Refresh now, whatever the expiry.
    pub async fn refresh_now(&self) -> Result<Sensitive<String>, Error> {
        let mut state = self.state.lock().await;
        self.refresh_locked(&mut state).await
    }

    async fn refresh_locked(&self, state: &mut RefreshState) -> Result<Sensitive<String>, Error> {
        let Some(refresh) = state.tokens.refresh_token.clone() else {
            return Err(Error::from_code(ErrorCode::SessionExpired));
        };
        let tokens = token_request(
            &self.http,
            self.token_url.clone(),
            &[
                ("client_id", self.client_id.as_str()),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.expose().as_str()),
                ("scope", self.scopes.as_str()),
            ],
            Some(&refresh),
        )
        .await
        .map_err(|e| match e.code {
            // A refused refresh token means "sign in again".
            ErrorCode::SignInFailed | ErrorCode::SignInExpired | ErrorCode::SignInDeclined => {
                Error::new(ErrorCode::SessionExpired, e.message.clone())
                    .with_raw(e.raw.clone().unwrap_or_default())
            }
            _ => e,
        })?;
        let rotated = tokens.refresh_token.as_ref().map(|t| t.expose()) != Some(refresh.expose());
        state.tokens = tokens;
        if rotated {
            if let (Some(hook), Some(new_refresh)) = (&self.on_rotate, &state.tokens.refresh_token)
            {
                hook(new_refresh);
            }
        }
        Ok(state.tokens.access_token.clone())
    }
}

impl AccessTokenProvider for RefreshingProvider {
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, Error>> {
        async move {
            let mut state = self.state.lock().await;
            let margin = chrono::Duration::from_std(REFRESH_MARGIN).expect("small duration");
            if state.tokens.access_token.expose().is_empty()
                || state.tokens.expires_at - margin <= Utc::now()
            {
                return self.refresh_locked(&mut state).await;
            }
            Ok(state.tokens.access_token.clone())
        }
        .boxed()
    }

    fn refresh_after_unauthorized(&self) -> BoxFuture<'_, Result<Sensitive<String>, Error>> {
        // Always refresh: the lock serializes concurrent callers, and each refresh uses the newest refresh token,
        // so parallel 401s cost extra refreshes but never a lost rotation.
        async move {
            let mut state = self.state.lock().await;
            self.refresh_locked(&mut state).await
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_scopes_keep_the_resource_scopes() {
        assert_eq!(
            refresh_scopes(DEFAULT_SCOPES),
            "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access"
        );
        let explicit = "499b84ac-1321-427f-aa17-267ca6975798/vso.pats 499b84ac-1321-427f-aa17-267ca6975798/vso.pats_manage offline_access openid profile";
        assert_eq!(
            refresh_scopes(explicit),
            "499b84ac-1321-427f-aa17-267ca6975798/vso.pats 499b84ac-1321-427f-aa17-267ca6975798/vso.pats_manage offline_access"
        );
        assert_eq!(
            refresh_scopes(""),
            "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access"
        );
    }

    #[test]
    fn entra_config_defaults() {
        let c = EntraConfig::default();
        assert_eq!(c.client_id, DEFAULT_CLIENT_ID);
        assert_eq!(c.authority, "organizations");
        assert_eq!(c.for_tenant("t").authority, "t");
        let url = c.endpoint(&Endpoints::azure(), "token");
        assert_eq!(
            url.as_str(),
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        );
    }
}
