//! The signed-in person, in one type that the window's shell and the CLI both use: who they are (the
//! profile), the organizations they belong to, one Azure DevOps client per Entra tenant those organizations
//! live in, the refresh chain that keeps every client's access token fresh, and the keychain hook that
//! remembers the newest refresh token.
//!
//! A person can be a guest in another company's tenant (contract §3.3): that organization only accepts an
//! access token issued by its own tenant. Signing in therefore starts with the `organizations` authority
//! (profile and organization list), discovers each organization's tenant, and gives each other tenant a client
//! whose tokens are redeemed at `/{tenantId}` from the same refresh token ([`crate::entra::RefreshChain`]).
//! Every operation then picks the client of the organization it addresses ([`Session::client_for`]).
//!
//! A session has a [`SessionKind`]: Azure DevOps Services through Microsoft Entra ID (this type), or an Azure
//! DevOps Server / TFS signed in with Windows credentials or a PAT ([`server::ServerSession`]).
//! Every way of signing in — the browser, the device code, a restore from the keychain, the offline demo —
//! ends in [`Session::sign_in_with_tokens`], so they all behave alike.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::bulk::Revoker;
use crate::client::AzureDevOpsClient;
use crate::credentials::AccessTokenProvider;
use crate::endpoints::Endpoints;
use crate::entra::{EntraConfig, RefreshChain, TenantTokens, TokenAccount, TokenSet};
use crate::error::{Error, ErrorCode};
use crate::listing::{self, TokenListing};
use crate::model::{ListFilter, Organization, Profile, RevokeOutcome, SessionInfo};
use crate::vault::{RememberedAccount, Vault};

pub mod active;
#[cfg(feature = "demo")]
pub mod demo;
pub mod server;

pub use active::ActiveSession;
pub use server::ServerSession;

/// Which kind of server a session talks to, and how it signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Azure DevOps Services (`dev.azure.com`), signed in through Microsoft Entra ID.
    Services,
    /// Azure DevOps Server / TFS 2017+ (on-premises), signed in with Windows credentials or a PAT
    /// ([`ServerSession`]).
    Server,
}

/// Where a session reports what it could not do on the side (remembering a sign-in is best effort: the
/// session works without it). The shell logs it; tests may collect it.
pub type SideNote = Arc<dyn Fn(&str, &Error) + Send + Sync>;

fn print_side_note() -> SideNote {
    Arc::new(|what, e| {
        tracing::warn!(code = e.code.as_str(), "{what}");
        eprintln!("PAT Desk: {what}: {e}")
    })
}

/// A signed-in person (real or demo).
pub struct Session {
    kind: SessionKind,
    /// Signed in with the home authority: the profile, and organizations of unknown tenant.
    home: Arc<AzureDevOpsClient>,
    /// Organization name (lower case) → the client signed in to its tenant.
    by_organization: HashMap<String, Arc<AzureDevOpsClient>>,
    pub profile: Profile,
    /// The offline demo (an embedded simulator), not a real account.
    pub demo: bool,
    /// How the window names the account ("dana@contoso.com", "… (demo)").
    pub account_label: String,
    /// The real account signed in (its keychain identity), `None` for the demo and fixed tokens.
    pub account: Option<RememberedAccount>,
    /// Whether the account's refresh token is kept in the keychain (false: memory only).
    pub remembered: bool,
    /// Whatever must live as long as the session (the demo's simulator); dropped with it.
    _keep_alive: Option<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("kind", &self.kind)
            .field("account_label", &self.account_label)
            .field("demo", &self.demo)
            .field("organizations", &self.profile.organizations.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Turn the tokens of a sign-in (browser, device code, or a redeemed remembered refresh token) into a
    /// session. `home_authority` is the tenant segment the tokens came from. With a `vault`, the account's
    /// newest refresh token is stored now and after every rotation.
    pub async fn sign_in_with_tokens(
        endpoints: &Endpoints,
        config: &EntraConfig,
        home_authority: &str,
        tokens: TokenSet,
        vault: Option<&Vault>,
    ) -> Result<Session, Error> {
        Self::sign_in_with_tokens_noting(
            endpoints,
            config,
            home_authority,
            tokens,
            vault,
            print_side_note(),
        )
        .await
    }

    /// [`Session::sign_in_with_tokens`], reporting what it could not do on the side to `note`.
    pub async fn sign_in_with_tokens_noting(
        endpoints: &Endpoints,
        config: &EntraConfig,
        home_authority: &str,
        tokens: TokenSet,
        vault: Option<&Vault>,
        note: SideNote,
    ) -> Result<Session, Error> {
        let chain = RefreshChain::new(endpoints, config, tokens.refresh_token.clone());
        let who = TokenAccount::from_token(&tokens.access_token);
        let home = Arc::new(AzureDevOpsClient::new(
            endpoints.clone(),
            Arc::new(TenantTokens::with_token(
                chain.clone(),
                home_authority,
                &tokens,
            )),
        )?);
        let profile = home.profile().await?;
        let home_tenant = who
            .as_ref()
            .map(|w| w.tenant_id.to_ascii_lowercase())
            .unwrap_or_else(|| home_authority.to_string());
        let account = RememberedAccount {
            tenant_id: home_tenant.clone(),
            user_id: who
                .as_ref()
                .map(|w| w.object_id.clone())
                .unwrap_or_else(|| profile.id.clone()),
            username: who
                .as_ref()
                .and_then(|w| w.username.clone())
                .unwrap_or_else(|| profile.email.clone()),
            display_name: Some(profile.display_name.clone()),
            updated_at: chrono::Utc::now(),
        };

        let mut remembered = false;
        if let (Some(vault), Some(refresh_token)) = (vault, chain.current().await) {
            let (to_store, token) = (account.clone(), refresh_token);
            match vault
                .run(move |v| v.store_refresh_token(&to_store, &token))
                .await
            {
                Ok(()) => {
                    let on_error = note.clone();
                    chain.set_rotation_hook(vault.refresh_token_hook(
                        account.clone(),
                        Some(Arc::new(move |e: Error| {
                            on_error("could not store the renewed sign-in", &e)
                        })),
                    ));
                    remembered = true;
                }
                // The session still works; it is just not remembered (the window says so).
                Err(e) => note("could not remember the sign-in", &e),
            }
        }

        let mut by_tenant: HashMap<String, Arc<AzureDevOpsClient>> = HashMap::new();
        let mut by_organization = HashMap::new();
        for org in &profile.organizations {
            // Organizations backed by personal Microsoft accounts have no tenant: they stay with `home`
            // (the PAT API refuses them anyway, with a clear error).
            let Some(tenant) = home.discover_tenant(&org.name).await?.tenant_id else {
                continue;
            };
            let tenant = tenant.to_ascii_lowercase();
            if tenant == home_tenant {
                continue;
            }
            let client = match by_tenant.get(&tenant) {
                Some(client) => client.clone(),
                None => {
                    let client = AzureDevOpsClient::new(
                        endpoints.clone(),
                        Arc::new(TenantTokens::new(chain.clone(), &tenant)),
                    )?;
                    client.remember_organizations(&profile.organizations);
                    let client = Arc::new(client);
                    by_tenant.insert(tenant, client.clone());
                    client
                }
            };
            by_organization.insert(org.name.to_ascii_lowercase(), client);
        }
        home.remember_organizations(&profile.organizations);
        tracing::info!(
            organizations = profile.organizations.len(),
            other_tenants = by_tenant.len(),
            remembered,
            "session established"
        );
        Ok(Session {
            kind: SessionKind::Services,
            home,
            by_organization,
            account_label: account.username.clone(),
            profile,
            demo: false,
            account: Some(account),
            remembered,
            _keep_alive: None,
        })
    }

    /// Sign in again as a remembered account, from its refresh token in the keychain.
    pub async fn restore(
        endpoints: &Endpoints,
        config: &EntraConfig,
        vault: &Vault,
        account: &RememberedAccount,
    ) -> Result<Session, Error> {
        let (tenant, user) = (account.tenant_id.clone(), account.user_id.clone());
        let refresh_token = vault
            .run(move |v| v.load_refresh_token(&tenant, &user))
            .await?
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::SessionExpired,
                    "PAT Desk no longer remembers this sign-in. Please sign in again.",
                )
            })?;
        let tokens = RefreshChain::new(endpoints, config, Some(refresh_token))
            .redeem(&config.authority)
            .await?;
        Self::sign_in_with_tokens(endpoints, config, &config.authority, tokens, Some(vault)).await
    }

    /// A session on a fixed access token (`PATDESK_ACCESS_TOKEN`): the home tenant only, no refresh.
    pub async fn with_access_token(
        endpoints: &Endpoints,
        provider: Arc<dyn AccessTokenProvider>,
    ) -> Result<Session, Error> {
        let home = Arc::new(AzureDevOpsClient::new(endpoints.clone(), provider)?);
        let profile = home.profile().await?;
        home.remember_organizations(&profile.organizations);
        Ok(Session {
            kind: SessionKind::Services,
            home,
            by_organization: HashMap::new(),
            account_label: profile.email.clone(),
            profile,
            demo: false,
            account: None,
            remembered: false,
            _keep_alive: None,
        })
    }

    /// This session as the offline demo: labelled so, and keeping `keep_alive` (its simulator) running until
    /// the session ends.
    pub fn into_demo(mut self, keep_alive: Box<dyn Any + Send + Sync>) -> Session {
        self.account_label = format!("{} (demo)", self.profile.email);
        self.demo = true;
        self.account = None;
        self.remembered = false;
        self._keep_alive = Some(keep_alive);
        self
    }

    /// The service's "now" (learnt from its answers' `Date` headers; the machine's until one was seen).
    pub fn server_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.home.server_now()
    }

    pub fn kind(&self) -> SessionKind {
        self.kind
    }

    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            profile: self.profile.clone(),
            demo: self.demo,
            account_label: self.account_label.clone(),
            global_pat_retirement: crate::retirement::global_pat_retirement(),
            server: None,
        }
    }

    /// The client signed in to `organization`'s tenant.
    pub fn client_for(&self, organization: &str) -> &Arc<AzureDevOpsClient> {
        self.by_organization
            .get(&organization.trim().to_ascii_lowercase())
            .unwrap_or(&self.home)
    }

    /// The person's organizations grouped by the client that reaches them.
    pub fn organizations_by_client(&self) -> Vec<(Arc<AzureDevOpsClient>, Vec<Organization>)> {
        let mut groups: Vec<(Arc<AzureDevOpsClient>, Vec<Organization>)> = Vec::new();
        for org in &self.profile.organizations {
            let client = self.client_for(&org.name);
            match groups.iter_mut().find(|(c, _)| Arc::ptr_eq(c, client)) {
                Some((_, orgs)) => orgs.push(org.clone()),
                None => groups.push((client.clone(), vec![org.clone()])),
            }
        }
        groups
    }

    /// The groups of [`Self::organizations_by_client`], keeping only the organizations named in `only`.
    fn groups_for(
        &self,
        only: Option<&[String]>,
    ) -> Vec<(Arc<AzureDevOpsClient>, Vec<Organization>)> {
        let mut groups = self.organizations_by_client();
        if let Some(only) = only {
            for (_, orgs) in &mut groups {
                orgs.retain(|o| only.iter().any(|n| n.trim().eq_ignore_ascii_case(&o.name)));
            }
            groups.retain(|(_, orgs)| !orgs.is_empty());
        }
        groups
    }

    /// Every token of the person's organizations (or only of `only`, to list again those that could not be
    /// listed), with one line per organization that could not be listed; fails only when none could.
    /// `on_progress` receives how many organizations have been listed so far.
    pub async fn list_tokens(
        &self,
        filter: ListFilter,
        only: Option<&[String]>,
        on_progress: impl Fn(u32) + Send + Sync,
    ) -> Result<TokenListing, Error> {
        let per_organization = listing::listings_per_organization(filter);
        listing::list_across(&self.groups_for(only), filter, |done| {
            on_progress((done / per_organization) as u32)
        })
        .await
    }

    /// [`Self::list_tokens`] that never fails as a whole (the CLI prints every organization's reason).
    pub async fn list_every_organization(
        &self,
        filter: ListFilter,
        only: Option<&[String]>,
    ) -> TokenListing {
        listing::list_every_organization(&self.groups_for(only), filter, |_| {}).await
    }
}

/// The bulk engine revokes through the client of each token's organization.
impl Revoker for Session {
    fn revoke_once<'a>(
        &'a self,
        organization: &'a str,
        authorization_id: &'a str,
    ) -> BoxFuture<'a, Result<RevokeOutcome, Error>> {
        self.client_for(organization)
            .revoke_once(organization, authorization_id)
    }
}
