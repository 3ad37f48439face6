//! The one token refresher: a signed-in account's access tokens, one per Entra tenant, all minted from the
//! account's one refresh token (contract §3.3, §3.5).
//!
//! A guest's organization only accepts a token of its own tenant, so the account's refresh token is redeemed
//! at `/{tenantId}` for each such tenant. Entra rotates the refresh token on every use and the previous one
//! stops working, so every tenant's provider goes through one [`RefreshChain`]: redemptions are serialized,
//! each uses the newest refresh token, and each new one is handed to the rotation hook (the keychain, when it
//! remembers this account). Access tokens stay in memory only.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::FutureExt;
use oauth2::{RefreshToken, Scope};

use super::{
    logged, map_token_error, oauth_client, token_scopes, token_set, EntraConfig, EntraUrls,
    TokenSet, REFRESH_MARGIN, TOKEN_REQUEST_TIMEOUT,
};
use crate::credentials::AccessTokenProvider;
use crate::endpoints::Endpoints;
use crate::error::{Error, ErrorCode};
use crate::http::build_client as build_http_client;
use crate::secret::Sensitive;

/// Called with the newest refresh token after every rotation, so a keychain can persist it.
pub type RefreshTokenHook = Arc<dyn Fn(&Sensitive<String>) + Send + Sync>;

/// Redeem a refresh token at `config`'s authority (§3.5). Entra returns a new refresh token every time: store
/// it and forget the old one, which stops working; if a response has none, the old one is kept. A refused
/// refresh token (`invalid_grant`, `interaction_required`, …) maps to [`ErrorCode::SessionExpired`]: sign in
/// again.
async fn redeem_refresh_token(
    endpoints: &Endpoints,
    config: &EntraConfig,
    refresh_token: &Sensitive<String>,
) -> Result<TokenSet, Error> {
    let urls = EntraUrls::without_redirect(endpoints, config.tenant())?;
    let http = build_http_client(TOKEN_REQUEST_TIMEOUT)?;
    let rt = RefreshToken::new(refresh_token.expose().clone());
    let response = oauth_client(&config.client_id, &urls)
        .exchange_refresh_token(&rt)
        .add_scopes(token_scopes(&config.scopes).into_iter().map(Scope::new))
        .request_async(&logged(&http))
        .await
        .map_err(|e| match map_token_error(e) {
            e if matches!(
                e.code,
                ErrorCode::SignInFailed | ErrorCode::SignInExpired | ErrorCode::SignInDeclined
            ) =>
            {
                let raw = e.raw.clone().unwrap_or_default();
                Error::new(ErrorCode::SessionExpired, e.message).with_raw(raw)
            }
            e => e,
        })?;
    Ok(token_set(&response, Some(refresh_token)))
}

/// The account's refresh token, shared by the providers of all its tenants.
pub struct RefreshChain {
    endpoints: Endpoints,
    config: EntraConfig,
    refresh_token: tokio::sync::Mutex<Option<Sensitive<String>>>,
    on_rotate: Mutex<Option<RefreshTokenHook>>,
}

impl RefreshChain {
    pub fn new(
        endpoints: &Endpoints,
        config: &EntraConfig,
        refresh_token: Option<Sensitive<String>>,
    ) -> Arc<Self> {
        Arc::new(RefreshChain {
            endpoints: endpoints.clone(),
            config: config.clone(),
            refresh_token: tokio::sync::Mutex::new(refresh_token),
            on_rotate: Mutex::new(None),
        })
    }

    /// From now on, every new refresh token is passed to `hook` (e.g. stored in the keychain).
    pub fn set_rotation_hook(&self, hook: RefreshTokenHook) {
        *self.on_rotate.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// The newest refresh token.
    pub async fn current(&self) -> Option<Sensitive<String>> {
        self.refresh_token.lock().await.clone()
    }

    /// Redeem the newest refresh token at `tenant` (`organizations` or a tenant id). Serialized: a rotation
    /// invalidates the token the next redemption would otherwise have used.
    pub async fn redeem(&self, tenant: &str) -> Result<TokenSet, Error> {
        let mut slot = self.refresh_token.lock().await;
        let Some(current) = slot.clone() else {
            return Err(Error::from_code(ErrorCode::SessionExpired));
        };
        let tokens =
            redeem_refresh_token(&self.endpoints, &self.config.for_tenant(tenant), &current)
                .await
                .inspect_err(|e| {
                    tracing::warn!(tenant, code = e.code.as_str(), "refresh token not redeemed")
                })?;
        tracing::debug!(tenant, "refresh token redeemed");
        if let Some(new) = &tokens.refresh_token {
            if new.expose() != current.expose() {
                *slot = Some(new.clone());
                let hook = self
                    .on_rotate
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                if let Some(hook) = hook {
                    hook(new);
                }
            }
        }
        Ok(tokens)
    }
}

/// The access token for one tenant, refreshed through the account's [`RefreshChain`].
pub struct TenantTokens {
    chain: Arc<RefreshChain>,
    tenant: String,
    current: tokio::sync::Mutex<Option<(Sensitive<String>, DateTime<Utc>)>>,
}

impl TenantTokens {
    /// A tenant whose first call redeems the refresh token.
    pub fn new(chain: Arc<RefreshChain>, tenant: &str) -> Self {
        TenantTokens {
            chain,
            tenant: tenant.to_string(),
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// A tenant with an access token already in hand (just signed in).
    pub fn with_token(chain: Arc<RefreshChain>, tenant: &str, tokens: &TokenSet) -> Self {
        TenantTokens {
            chain,
            tenant: tenant.to_string(),
            current: tokio::sync::Mutex::new(Some((
                tokens.access_token.clone(),
                tokens.expires_at,
            ))),
        }
    }

    /// When the access token in hand expires (`None` before the first one).
    pub async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.current.lock().await.as_ref().map(|(_, at)| *at)
    }

    async fn renew(
        &self,
        slot: &mut Option<(Sensitive<String>, DateTime<Utc>)>,
    ) -> Result<Sensitive<String>, Error> {
        let tokens = self.chain.redeem(&self.tenant).await?;
        *slot = Some((tokens.access_token.clone(), tokens.expires_at));
        Ok(tokens.access_token)
    }
}

impl AccessTokenProvider for TenantTokens {
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, Error>> {
        async move {
            let mut slot = self.current.lock().await;
            let margin = chrono::Duration::from_std(REFRESH_MARGIN).expect("small duration");
            match &*slot {
                Some((token, expires)) if *expires - margin > Utc::now() => Ok(token.clone()),
                _ => self.renew(&mut slot).await,
            }
        }
        .boxed()
    }

    fn refresh_after_unauthorized(&self) -> BoxFuture<'_, Result<Sensitive<String>, Error>> {
        // Always redeem: the chain serializes concurrent callers and each redemption uses the newest refresh
        // token, so parallel 401s cost extra redemptions but never a lost rotation.
        async move {
            let mut slot = self.current.lock().await;
            self.renew(&mut slot).await
        }
        .boxed()
    }
}
