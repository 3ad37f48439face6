//! Where the bearer token of every Azure DevOps call comes from.
//!
//! The client asks an [`AccessTokenProvider`] for a token and, after a `401`, for a refreshed one, so it does
//! not care how the person signed in: a fixed token ([`StaticToken`]: `PATDESK_ACCESS_TOKEN`, the simulator's
//! minted tokens) or an Entra sign-in whose refresh token mints one access token per tenant
//! (`entra::TenantTokens`). This module sits below both the client and the Entra sign-in, so neither imports
//! the other.

use futures::future::BoxFuture;
use futures::FutureExt;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

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
