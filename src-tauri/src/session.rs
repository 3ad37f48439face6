//! A signed-in account: the profile, and one Azure DevOps client per Entra tenant its organizations live in.
//!
//! A person can be a guest in another company's tenant (contract §3.3): that organization only accepts an
//! access token issued by its own tenant. Sign-in therefore starts with the `organizations` authority (profile
//! and organization list), discovers each organization's tenant, and signs in once more per tenant. Every
//! command then picks the client for the organization it addresses ([`Session::client_for`]).

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use patdesk_core::auth::TokenSet;
use patdesk_core::auth::{DeviceCodeFlow, DeviceCodePrompt, EntraConfig, RefreshingProvider};
use patdesk_core::bulk::{CancellationToken, Revoker};
use patdesk_core::client::AzureDevOpsClient;
use patdesk_core::endpoints::Endpoints;
use patdesk_core::listing::{self, TokenListing};
use patdesk_core::model::{ListFilter, Organization, Profile, RevokeOutcome, SessionInfo};
use patdesk_core::signin::TokenAccount;
use patdesk_core::vault::{RememberedAccount, Vault};
use patdesk_core::Error;
use patdesk_sim::Simulator;

use crate::account::{RefreshChain, TenantTokens};

/// The outcome of signing in: the clients and the profile, before they become a [`Session`].
pub struct SignedIn {
    home: Arc<AzureDevOpsClient>,
    by_organization: HashMap<String, Arc<AzureDevOpsClient>>,
    pub profile: Profile,
    /// The account as the keychain knows it (real sign-ins only).
    pub account: Option<RememberedAccount>,
    /// Whether the account's refresh token is remembered in the keychain.
    pub remembered: bool,
}

/// A signed-in account (real or demo).
pub struct Session {
    /// Signed in with the `organizations` authority: the profile, and organizations of unknown tenant.
    home: Arc<AzureDevOpsClient>,
    /// Organization name (lower case) → the client signed in to its tenant.
    by_organization: HashMap<String, Arc<AzureDevOpsClient>>,
    pub profile: Profile,
    pub demo: bool,
    pub account_label: String,
    /// The embedded simulator the demo session talks to; stopped when the session ends.
    pub simulator: Option<Simulator>,
    /// The real account signed in (its keychain identity), `None` for the demo.
    pub account: Option<RememberedAccount>,
    /// Whether the account's refresh token is kept in the keychain (false: memory only).
    pub remembered: bool,
}

/// One device-code sign-in: what a real account does, and what the demo does against the simulator (which
/// approves at once). `show_prompt` receives the code to show the person.
async fn device_code_client(
    endpoints: &Endpoints,
    config: &EntraConfig,
    show_prompt: &(dyn Fn(&DeviceCodePrompt) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<AzureDevOpsClient, Error> {
    let prompt = DeviceCodeFlow::start(endpoints, config).await?;
    show_prompt(&prompt);
    let tokens = DeviceCodeFlow::poll_until_done(&prompt, cancel).await?;
    let provider = Arc::new(RefreshingProvider::new(endpoints, config, tokens)?);
    AzureDevOpsClient::new(endpoints.clone(), provider)
}

impl Session {
    /// Sign in with the device-code flow, then once per tenant of the person's organizations.
    pub async fn sign_in_with_device_code(
        endpoints: &Endpoints,
        config: &EntraConfig,
        show_prompt: &(dyn Fn(&DeviceCodePrompt) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<SignedIn, Error> {
        let home = Arc::new(device_code_client(endpoints, config, show_prompt, cancel).await?);
        let profile = home.profile().await?;
        let mut by_tenant: HashMap<String, Arc<AzureDevOpsClient>> = HashMap::new();
        let mut by_organization = HashMap::new();
        for org in &profile.organizations {
            // Organizations backed by personal Microsoft accounts have no tenant: they stay with `home`
            // (the PAT API refuses them anyway, with a clear error).
            let Some(tenant) = home.discover_tenant(&org.name).await?.tenant_id else {
                continue;
            };
            let tenant = tenant.to_ascii_lowercase();
            let client = match by_tenant.get(&tenant) {
                Some(client) => client.clone(),
                None => {
                    let client = device_code_client(
                        endpoints,
                        &config.for_tenant(&tenant),
                        show_prompt,
                        cancel,
                    )
                    .await?;
                    client.remember_organizations(&profile.organizations);
                    let client = Arc::new(client);
                    by_tenant.insert(tenant, client.clone());
                    client
                }
            };
            by_organization.insert(org.name.to_ascii_lowercase(), client);
        }
        Ok(SignedIn {
            home,
            by_organization,
            profile,
            account: None,
            remembered: false,
        })
    }

    /// Build a real session from the tokens of a sign-in (browser or device code) or of a refresh of a
    /// remembered refresh token. `home_authority` is the tenant segment the tokens came from. With a
    /// `vault`, the account's newest refresh token is stored now and after every rotation.
    ///
    /// Guest organizations (another tenant than the account's home tenant) get a client whose tokens are
    /// redeemed at `/{tenantId}` from the same refresh chain, lazily on first use.
    pub async fn sign_in_with_tokens(
        endpoints: &Endpoints,
        config: &EntraConfig,
        home_authority: &str,
        tokens: TokenSet,
        vault: Option<&Vault>,
    ) -> Result<SignedIn, Error> {
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
                    chain.set_rotation_hook(vault.refresh_token_hook(
                        account.clone(),
                        Some(Arc::new(|e: Error| {
                            eprintln!("PAT Desk: could not store the renewed sign-in: {e}");
                        })),
                    ));
                    remembered = true;
                }
                // The session still works; it is just not remembered (the window says so).
                Err(e) => eprintln!("PAT Desk: could not remember the sign-in: {e}"),
            }
        }

        let mut by_tenant: HashMap<String, Arc<AzureDevOpsClient>> = HashMap::new();
        let mut by_organization = HashMap::new();
        for org in &profile.organizations {
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
        Ok(SignedIn {
            home,
            by_organization,
            profile,
            account: Some(account),
            remembered,
        })
    }

    pub fn new(
        signed_in: SignedIn,
        demo: bool,
        account_label: String,
        simulator: Option<Simulator>,
    ) -> Self {
        Session {
            home: signed_in.home,
            by_organization: signed_in.by_organization,
            profile: signed_in.profile,
            demo,
            account_label,
            simulator,
            account: signed_in.account,
            remembered: signed_in.remembered,
        }
    }

    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            profile: self.profile.clone(),
            demo: self.demo,
            account_label: self.account_label.clone(),
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
}

impl Session {
    /// Every token of the person's organizations (or only of `only`, the names of organizations to list
    /// again), with one line per organization that could not be listed. Calls `on_progress` with how many
    /// organizations have been listed so far. Blocks: call it off the async runtime.
    ///
    /// The listing future is not provably `Send` (a higher-ranked lifetime in its stream closure), which
    /// async commands require, so it is driven here on the caller's thread.
    pub fn list_tokens_blocking(
        &self,
        filter: ListFilter,
        only: Option<&[String]>,
        on_progress: impl Fn(u32) + Send + Sync,
    ) -> Result<TokenListing, Error> {
        let per_organization = listing::listings_per_organization(filter);
        let mut groups = self.organizations_by_client();
        if let Some(only) = only {
            for (_, orgs) in &mut groups {
                orgs.retain(|o| only.iter().any(|n| n.eq_ignore_ascii_case(&o.name)));
            }
            groups.retain(|(_, orgs)| !orgs.is_empty());
        }
        tauri::async_runtime::block_on(listing::list_across(&groups, filter, |done| {
            on_progress((done / per_organization) as u32)
        }))
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
