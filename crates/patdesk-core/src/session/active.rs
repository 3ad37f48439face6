//! The session the app holds, whichever kind it is: Azure DevOps Services ([`Session`], Microsoft sign-in,
//! organizations) or an Azure DevOps Server ([`ServerSession`], Windows sign-in or a PAT, collections).
//!
//! The window's commands go through [`ActiveSession`] so that listing, creating, editing, regenerating and
//! revoking (one or many) read the same for both kinds; what only one kind has (the Replace assistant and the
//! account switcher are Services matters) is reached through [`ActiveSession::services`].

use futures::future::BoxFuture;

use crate::bulk::Revoker;
use crate::error::{Error, ErrorCode};
use crate::lifecycle::Regenerated;
use crate::listing::TokenListing;
use crate::model::{
    CreatedToken, ListFilter, NewTokenRequest, Organization, RegenerateRequest, RevokeOutcome,
    RevokeResult, ScopeCatalogue, SessionInfo, UpdateTokenRequest, UpdatedToken,
};
use crate::scopes::Catalogue;

use super::{ServerSession, Session, SessionKind};

/// A signed-in session of either kind.
#[derive(Debug)]
pub enum ActiveSession {
    Services(Session),
    Server(ServerSession),
}

impl From<Session> for ActiveSession {
    fn from(session: Session) -> Self {
        ActiveSession::Services(session)
    }
}

impl From<ServerSession> for ActiveSession {
    fn from(session: ServerSession) -> Self {
        ActiveSession::Server(session)
    }
}

impl ActiveSession {
    pub fn kind(&self) -> SessionKind {
        match self {
            ActiveSession::Services(s) => s.kind(),
            ActiveSession::Server(s) => s.kind(),
        }
    }

    /// The Services session, for what only Azure DevOps Services has.
    pub fn services(&self) -> Option<&Session> {
        match self {
            ActiveSession::Services(s) => Some(s),
            ActiveSession::Server(_) => None,
        }
    }

    /// The Services session, or the plain error that this is not available on a server.
    pub fn require_services(&self, what: &str) -> Result<&Session, Error> {
        self.services().ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("{what} is for Azure DevOps Services; you are signed in to an Azure DevOps Server."),
            )
        })
    }

    pub fn server(&self) -> Option<&ServerSession> {
        match self {
            ActiveSession::Server(s) => Some(s),
            ActiveSession::Services(_) => None,
        }
    }

    /// The offline demo (an embedded simulator).
    pub fn demo(&self) -> bool {
        match self {
            ActiveSession::Services(s) => s.demo,
            ActiveSession::Server(s) => s.demo,
        }
    }

    /// What the window shows of the session; for a server, which one and how the person signed in.
    pub fn info(&self) -> SessionInfo {
        match self {
            ActiveSession::Services(s) => s.info(),
            ActiveSession::Server(s) => s.info(),
        }
    }

    /// The organizations (Services) or collections (Server) tokens are made for.
    pub fn organizations(&self) -> Vec<Organization> {
        match self {
            ActiveSession::Services(s) => s.profile.organizations.clone(),
            ActiveSession::Server(s) => s.collections.clone(),
        }
    }

    /// The service's clock (what expiry reasoning uses), as last seen.
    pub fn server_now(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            ActiveSession::Services(s) => s.server_now(),
            ActiveSession::Server(s) => s.server_now(),
        }
    }

    /// The scopes a new token can have: the cloud's list, or the server's own (contract §6).
    pub fn scope_catalogue(&self) -> ScopeCatalogue {
        match self {
            ActiveSession::Services(_) => Catalogue::load().to_ipc(),
            ActiveSession::Server(_) => Catalogue::load().to_ipc_for_server(),
        }
    }

    /// Every token with `filter`'s status. A server lists all of the person's tokens at once (they are the
    /// person's on the whole server); `only` and the progress concern Services' organizations.
    pub async fn list_tokens(
        &self,
        filter: ListFilter,
        only: Option<&[String]>,
        on_progress: impl Fn(u32) + Send + Sync,
    ) -> Result<TokenListing, Error> {
        match self {
            ActiveSession::Services(s) => s.list_tokens(filter, only, on_progress).await,
            ActiveSession::Server(s) => {
                let listing = s.list_tokens(filter).await?;
                on_progress(s.collections.len().max(1) as u32);
                Ok(listing)
            }
        }
    }

    /// [`Self::list_tokens`] that never fails as a whole (reminders and the CLI): on a server that could not
    /// be reached, no tokens (the listing's error is logged).
    pub async fn list_every_organization(
        &self,
        filter: ListFilter,
        only: Option<&[String]>,
    ) -> TokenListing {
        match self {
            ActiveSession::Services(s) => s.list_every_organization(filter, only).await,
            ActiveSession::Server(s) => s.list_tokens(filter).await.unwrap_or_else(|e| {
                tracing::warn!(code = e.code.as_str(), "server tokens not listed");
                TokenListing::default()
            }),
        }
    }

    /// Creates a token for `request.organization` (a collection, or every collection on a server).
    pub async fn create(&self, request: &NewTokenRequest) -> Result<CreatedToken, Error> {
        match self {
            ActiveSession::Services(s) => {
                s.client_for(&request.organization)
                    .create_pat(request)
                    .await
            }
            ActiveSession::Server(s) => s.create(request).await,
        }
    }

    /// Edit or Extend (the value stays the same).
    pub async fn update(&self, request: &UpdateTokenRequest) -> Result<UpdatedToken, Error> {
        match self {
            ActiveSession::Services(s) => {
                s.client_for(&request.organization)
                    .update_pat(request)
                    .await
            }
            ActiveSession::Server(s) => {
                s.update(
                    &request.authorization_id,
                    request.display_name.as_deref(),
                    request.scopes.as_deref(),
                    request.lifespan,
                )
                .await
            }
        }
    }

    /// A new token like the old one, then the old one revoked (its outcome in `previous`).
    pub async fn regenerate(&self, request: &RegenerateRequest) -> Result<Regenerated, Error> {
        match self {
            ActiveSession::Services(s) => {
                s.client_for(&request.organization)
                    .regenerate_pat(request)
                    .await
            }
            ActiveSession::Server(s) => {
                let (created, outcome) = s
                    .regenerate(&request.authorization_id, request.lifespan)
                    .await?;
                Ok(Regenerated {
                    previous: RevokeResult {
                        authorization_id: request.authorization_id.clone(),
                        display_name: created.token.display_name.clone(),
                        outcome,
                    },
                    created,
                })
            }
        }
    }

    /// A token's name, for a result line; `None` when it cannot be looked up (that never stops a revoke).
    pub async fn token_name(&self, organization: &str, authorization_id: &str) -> Option<String> {
        match self {
            ActiveSession::Services(s) => s
                .client_for(organization)
                .get_pat(organization, authorization_id)
                .await
                .ok()
                .flatten()
                .map(|t| t.display_name),
            ActiveSession::Server(s) => s
                .client()
                .get(authorization_id)
                .await
                .ok()
                .map(|t| t.display_name),
        }
    }

    /// Revokes one token (with the retries of a single revoke on Services).
    pub async fn revoke(
        &self,
        organization: &str,
        authorization_id: &str,
    ) -> Result<RevokeOutcome, Error> {
        match self {
            ActiveSession::Services(s) => {
                s.client_for(organization)
                    .revoke_pat(organization, authorization_id)
                    .await
            }
            ActiveSession::Server(s) => s.revoke(authorization_id).await,
        }
    }
}

/// The bulk engine revokes through whichever kind of session this is.
impl Revoker for ActiveSession {
    fn revoke_once<'a>(
        &'a self,
        organization: &'a str,
        authorization_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome, Error>> {
        match self {
            ActiveSession::Services(s) => s.revoke_once(organization, authorization_id),
            ActiveSession::Server(s) => s.revoke_once(organization, authorization_id),
        }
    }

    fn revoke_once_with_rate_limit<'a>(
        &'a self,
        organization: &'a str,
        authorization_id: &'a str,
    ) -> BoxFuture<'a, (Result<RevokeOutcome, Error>, Option<crate::http::RateLimit>)> {
        match self {
            ActiveSession::Services(s) => {
                s.revoke_once_with_rate_limit(organization, authorization_id)
            }
            ActiveSession::Server(s) => {
                s.revoke_once_with_rate_limit(organization, authorization_id)
            }
        }
    }
}
