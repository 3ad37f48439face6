//! The second session kind, [`SessionKind::Server`]: a person signed in to an
//! Azure DevOps Server / TFS 2017+ with Windows credentials or with an existing PAT. Its collections play the
//! role of the organizations; its operations return the same model as a Services session ([`TokenListing`],
//! [`CreatedToken`], [`UpdatedToken`], [`RevokeOutcome`]) and it is a [`Revoker`] for the bulk engine.
//!
//! Signing in checks the credentials at once (who am I), lists the collections, and — when asked to remember
//! — keeps the password or PAT in the keychain ([`Vault::store_server_secret`]); [`ServerSession::restore`]
//! signs in again from there. A sign-in as the current Windows user keeps no password: its record has an
//! empty user (not a PAT) and an empty secret, and restoring it signs in as whoever is signed in to Windows
//! then.
//!
//! For a window: [`crate::server::looks_like_server`] tells a server address from an organization;
//! [`ServerSession::sign_in`] (with a [`ServerCredential`], a `Vault` when "Remember on this computer" is
//! ticked) or [`ServerSession::restore`] (for each of [`Vault::servers`]) opens the session;
//! [`ServerSession::info`] / [`ServerSession::profile`] give the person and the collections;
//! [`ServerSession::list_tokens`], [`ServerSession::create`] (collection name, or
//! [`crate::server::ALL_COLLECTIONS`]), [`ServerSession::update`], [`ServerSession::regenerate`],
//! [`ServerSession::revoke`] and `bulk::bulk_revoke(&session, …)` do the work;
//! [`crate::scopes::Catalogue::to_ipc_for_server`] is the scope list to offer, and
//! [`ServerSession::can_create`] says whether to offer Create at all (a PAT sign-in cannot).

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::bulk::Revoker;
use crate::error::{Error, ErrorCode};
use crate::listing::TokenListing;
use crate::model::{
    initials_of, CreatedToken, Lifespan, ListFilter, NewTokenRequest, Organization, Profile,
    RevokeOutcome, ServerCredentialKind, ServerSessionInfo, SessionInfo, UpdatedToken,
};
use crate::secret::Sensitive;
use crate::server::{
    ServerAddress, ServerClient, ServerCredential, ServerIdentity, TransportOptions,
};
use crate::vault::{RememberedServer, Vault};

use super::{SessionKind, SideNote};

/// A person signed in to an Azure DevOps Server.
pub struct ServerSession {
    client: Arc<ServerClient>,
    pub identity: ServerIdentity,
    /// The server's collections (the "organizations" of this session).
    pub collections: Vec<Organization>,
    /// The keychain identity of this sign-in (non-secret).
    pub account: RememberedServer,
    /// Whether the password or PAT is kept in the keychain.
    pub remembered: bool,
    /// The offline demo's server (an embedded simulator), not a real one.
    pub demo: bool,
    /// The person's choice this unencrypted (`http://`, another computer) connection rests on.
    pub plain_http_choice: Option<crate::settings::PlainHttpChoice>,
    /// Whatever must live as long as the session (the demo's simulator); dropped with it.
    _keep_alive: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("server", &self.account.server_url)
            .field("user", &self.identity.account)
            .field("collections", &self.collections.len())
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// Signs in to the server at `address` (as typed: see [`ServerAddress::parse`]) with `credential`. With
    /// a `vault`, the password or PAT is remembered in the keychain (best effort: a keychain problem goes to
    /// `note`, and the session works without it).
    pub async fn sign_in(
        address: &str,
        credential: ServerCredential,
        options: TransportOptions,
        vault: Option<&Vault>,
        note: Option<SideNote>,
    ) -> Result<ServerSession, Error> {
        let address = ServerAddress::parse(address)?;
        let secret = match &credential {
            ServerCredential::Windows { password, .. } => password.clone(),
            ServerCredential::CurrentWindowsUser => Sensitive::new(String::new()),
            ServerCredential::Pat(pat) => pat.clone(),
        };
        let user = match &credential {
            ServerCredential::Windows { user, .. } => user.trim().to_string(),
            ServerCredential::CurrentWindowsUser | ServerCredential::Pat(_) => String::new(),
        };
        let with_pat = credential.is_pat();
        let plain_http_choice = options
            .plain_http_choice
            .clone()
            .filter(|_| address.is_plain_http_remote());
        let client = Arc::new(ServerClient::new(address.clone(), credential, options)?);
        let identity = client.who_am_i().await?;
        let collections = client.collections().await?;
        let account = RememberedServer {
            server_url: address.base_str(),
            collection: address.collection.clone(),
            user,
            with_pat,
            display_name: Some(identity.display_name.clone()),
            updated_at: chrono::Utc::now(),
        };
        let mut remembered = false;
        if let Some(vault) = vault {
            let (to_store, secret) = (account.clone(), secret);
            match vault
                .run(move |v| v.store_server_secret(&to_store, &secret))
                .await
            {
                Ok(()) => remembered = true,
                Err(e) => match &note {
                    Some(note) => note("could not remember the server sign-in", &e),
                    None => tracing::warn!(
                        code = e.code.as_str(),
                        "could not remember the server sign-in"
                    ),
                },
            }
        }
        tracing::info!(
            collections = collections.len(),
            remembered,
            with_pat,
            "server session established"
        );
        Ok(ServerSession {
            client,
            identity,
            collections,
            account,
            remembered,
            demo: false,
            plain_http_choice,
            _keep_alive: None,
        })
    }

    /// This session as the offline demo's server: labelled so, never remembered, and keeping `keep_alive`
    /// (its simulator) running until the session ends.
    pub fn into_demo(mut self, keep_alive: Box<dyn std::any::Any + Send + Sync>) -> ServerSession {
        self.demo = true;
        self.remembered = false;
        self._keep_alive = Some(keep_alive);
        self
    }

    /// Signs in again as a remembered server sign-in, from its secret in the keychain.
    pub async fn restore(
        vault: &Vault,
        account: &RememberedServer,
        options: TransportOptions,
    ) -> Result<ServerSession, Error> {
        let address = match &account.collection {
            Some(c) => format!("{}/{c}", account.server_url),
            None => account.server_url.clone(),
        };
        if is_current_windows_user(account) {
            let credential = ServerCredential::CurrentWindowsUser;
            return Self::sign_in(&address, credential, options, Some(vault), None).await;
        }
        let to_load = account.clone();
        let secret = vault
            .run(move |v| v.load_server_secret(&to_load))
            .await?
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::SessionExpired,
                    "PAT Desk no longer remembers this server sign-in. Please sign in again.",
                )
            })?;
        let credential = if account.with_pat {
            ServerCredential::Pat(secret)
        } else {
            ServerCredential::Windows {
                user: account.user.clone(),
                password: secret,
            }
        };
        Self::sign_in(&address, credential, options, Some(vault), None).await
    }

    pub fn kind(&self) -> SessionKind {
        SessionKind::Server
    }

    /// The client, for operations this type does not wrap.
    pub fn client(&self) -> &Arc<ServerClient> {
        &self.client
    }

    /// Whether this sign-in can create tokens (a PAT sign-in cannot).
    pub fn can_create(&self) -> bool {
        !self.account.with_pat
    }

    /// The server's "now".
    pub fn server_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.client.server_now()
    }

    /// The profile the window shows: the person and the collections as organizations.
    pub fn profile(&self) -> Profile {
        Profile {
            id: self.identity.id.clone(),
            display_name: self.identity.display_name.clone(),
            email: self.identity.account.clone(),
            initials: initials_of(&self.identity.display_name, &self.identity.account),
            organizations: self.collections.clone(),
        }
    }

    pub fn info(&self) -> SessionInfo {
        let label = format!(
            "{} on {}",
            self.identity.account,
            self.client.address().host()
        );
        SessionInfo {
            profile: self.profile(),
            demo: self.demo,
            account_label: if self.demo {
                format!("{label} (demo)")
            } else {
                label
            },
            global_pat_retirement: crate::retirement::global_pat_retirement(),
            server: Some(ServerSessionInfo {
                url: self.client.address().base_str(),
                host: self.client.address().host(),
                signed_in_with: if self.account.with_pat {
                    ServerCredentialKind::PersonalAccessToken
                } else if is_current_windows_user(&self.account) {
                    ServerCredentialKind::CurrentWindowsUser
                } else {
                    ServerCredentialKind::Windows
                },
                all_collections: crate::server::ALL_COLLECTIONS.to_string(),
                lifespan_presets: crate::server::SERVER_LIFESPAN_PRESETS.to_vec(),
                plain_http_chosen_at: self.plain_http_choice.as_ref().map(|c| c.chosen_at),
            }),
        }
    }

    /// Every token of the person on this server with the given status.
    pub async fn list_tokens(&self, filter: ListFilter) -> Result<TokenListing, Error> {
        Ok(TokenListing {
            tokens: self.client.list_tokens(filter).await?,
            unavailable: Vec::new(),
        })
    }

    /// Creates a token for a collection (`request.organization`) or for all accessible collections
    /// ([`crate::server::ALL_COLLECTIONS`]).
    pub async fn create(&self, request: &NewTokenRequest) -> Result<CreatedToken, Error> {
        self.client.create(request).await
    }

    /// Renames, re-scopes or extends a token.
    pub async fn update(
        &self,
        authorization_id: &str,
        display_name: Option<&str>,
        scopes: Option<&[String]>,
        lifespan: Option<Lifespan>,
    ) -> Result<UpdatedToken, Error> {
        self.client
            .update(authorization_id, display_name, scopes, lifespan)
            .await
    }

    /// Regenerate, as the server's own page does it (contract §6): a new token with the same name, scopes
    /// and collections, lasting `lifespan` from now, then the old one revoked. The new token is returned even
    /// when revoking the old one failed (that outcome is the second value).
    pub async fn regenerate(
        &self,
        authorization_id: &str,
        lifespan: Lifespan,
    ) -> Result<(CreatedToken, RevokeOutcome), Error> {
        let old = self.client.get(authorization_id).await?;
        let organization = match &old.target_organizations {
            None => crate::server::ALL_COLLECTIONS.to_string(),
            Some(targets) => targets
                .first()
                .map(|o| o.name.clone())
                .unwrap_or_else(|| old.organization.clone()),
        };
        let created = self
            .client
            .create(&NewTokenRequest {
                organization,
                display_name: old.display_name.clone(),
                scopes: old.scope.split_whitespace().map(str::to_string).collect(),
                lifespan,
            })
            .await?;
        let previous = match self.client.revoke_once(&old.authorization_id).await {
            Ok(outcome) => outcome,
            Err(error) => RevokeOutcome::Failed { error },
        };
        Ok((created, previous))
    }

    /// Revokes one token.
    pub async fn revoke(&self, authorization_id: &str) -> Result<RevokeOutcome, Error> {
        self.client.revoke_once(authorization_id).await
    }
}

/// Whether a remembered sign-in was as the current Windows user (no user name, not a PAT: nothing secret kept).
fn is_current_windows_user(account: &RememberedServer) -> bool {
    !account.with_pat && account.user.trim().is_empty()
}

/// The bulk engine revokes through the server (the organization — a collection — does not matter: tokens
/// are the person's, on the whole server).
impl Revoker for ServerSession {
    fn revoke_once<'a>(
        &'a self,
        _organization: &'a str,
        authorization_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome, Error>> {
        Box::pin(self.client.revoke_once(authorization_id))
    }
}

impl crate::model::ServerSignInRequest {
    /// The credential the window's "Sign in to the server" form holds (the user only for a Windows
    /// sign-in).
    pub fn credential(&self) -> ServerCredential {
        match self.credential {
            ServerCredentialKind::Windows => ServerCredential::Windows {
                user: self.user.trim().to_string(),
                password: self.secret.clone(),
            },
            ServerCredentialKind::CurrentWindowsUser => ServerCredential::CurrentWindowsUser,
            ServerCredentialKind::PersonalAccessToken => {
                ServerCredential::Pat(Sensitive::new(self.secret.expose().trim().to_string()))
            }
        }
    }
}
