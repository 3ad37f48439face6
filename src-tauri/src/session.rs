//! A signed-in account: the profile, and one Azure DevOps client per Entra tenant its organizations live in.
//!
//! A person can be a guest in another company's tenant (contract §3.3): that organization only accepts an
//! access token issued by its own tenant. Sign-in therefore starts with the `organizations` authority (profile
//! and organization list), discovers each organization's tenant, and signs in once more per tenant. Every
//! command then picks the client for the organization it addresses ([`Session::client_for`]).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use futures::future::BoxFuture;
use patdesk_core::auth::{DeviceCodeFlow, DeviceCodePrompt, EntraConfig, RefreshingProvider};
use patdesk_core::bulk::{CancellationToken, Revoker};
use patdesk_core::client::AzureDevOpsClient;
use patdesk_core::endpoints::Endpoints;
use patdesk_core::model::{
    ListFilter, Organization, PatToken, Profile, RevokeOutcome, SessionInfo,
};
use patdesk_core::Error;
use patdesk_sim::Simulator;

/// The outcome of signing in: the clients and the profile, before they become a [`Session`].
pub struct SignedIn {
    home: Arc<AzureDevOpsClient>,
    by_organization: HashMap<String, Arc<AzureDevOpsClient>>,
    pub profile: Profile,
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
    /// Every token of every organization, de-duplicated, calling `on_progress` with how many organizations
    /// have been listed so far. Blocks: call it off the async runtime.
    ///
    /// `AzureDevOpsClient::list_all_with_progress`'s future is not provably `Send` (a higher-ranked lifetime
    /// in its stream closure), which async commands require, so it is driven here on the caller's thread.
    pub fn list_tokens_blocking(
        &self,
        filter: ListFilter,
        on_progress: impl Fn(u32) + Send + Sync,
    ) -> Result<Vec<PatToken>, Error> {
        let listings_per_organization = if filter == ListFilter::All { 3 } else { 1 };
        let listings_done = AtomicU32::new(0);
        let on_listing_done = |_: usize| {
            let done = listings_done.fetch_add(1, Ordering::SeqCst) + 1;
            on_progress(done / listings_per_organization);
        };
        let groups = self.organizations_by_client();
        let listings = groups
            .iter()
            .map(|(client, orgs)| client.list_all_with_progress(orgs, filter, &on_listing_done));
        let per_tenant = tauri::async_runtime::block_on(futures::future::join_all(listings));
        // A global token can show up under several tenants: keep the first.
        let mut seen = HashSet::new();
        let mut tokens = Vec::new();
        for listed in per_tenant {
            tokens.extend(
                listed?
                    .into_iter()
                    .filter(|t| seen.insert(t.authorization_id.to_ascii_lowercase())),
            );
        }
        Ok(tokens)
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
