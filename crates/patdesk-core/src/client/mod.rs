//! The Azure DevOps client: Profile, Accounts and the PAT Lifecycle API (§2, §4) over HTTPS.
//!
//! It owns the rules of the wire contract so that no caller has to know them: the headers every call carries,
//! redirects never followed, `203`/`3xx`/HTML read as "signed out", one refresh-and-retry after a `401`,
//! `patTokenError` turned into [`ErrorCode`](crate::ErrorCode)s, paging to the end, and retries with back-off
//! that honour `Retry-After` (the transport rules and the back-off themselves are in [`crate::http`]). Create
//! is special: it is never retried blindly (see [`AzureDevOpsClient::create_pat`] and `create.rs`).
//!
//! One file per part of the API, as the operations are used: `transport` (the request every call makes and
//! how an answer is read), `profile`, `list` (List and Get), `create` (the "never create twice" protocol as a
//! state machine), `update`, `revoke`, `tenant` (discovery) and `validation` (names, scopes and dates checked
//! before anything is sent). This file holds the client itself.

pub(crate) mod create;
mod list;
mod profile;
mod revoke;
pub(crate) mod tenant;
mod transport;
mod update;
pub(crate) mod validation;
pub use validation::{is_hidden_character, validate_token_id};

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::credentials::AccessTokenProvider;
use crate::endpoints::Endpoints;
use crate::error::Error;
use crate::http::{build_client as build_http_client, SharedPacer};
use crate::model::{Organization, PatToken, TokenStatus};
use crate::retirement::{global_pat_retirement, stopped_working, ServerClock};
use crate::scopes::Catalogue;
use crate::wire::WirePatToken;

pub use list::{ListAllOutcome, ListQuery, OrganizationFailure, PageStream};
pub use tenant::{tenant_from_headers, TenantInfo};

/// api-version of the PAT Lifecycle API (§2.1).
pub const PAT_API_VERSION: &str = "7.1-preview.1";
/// api-version of Profile and Accounts (§4).
pub const PROFILE_API_VERSION: &str = "7.1";
/// Most tokens one page may hold (§2.5).
pub const MAX_PAGE_SIZE: u32 = 100;
pub use crate::http::{
    user_agent, RetryPolicy, CONNECT_TIMEOUT, DEFAULT_RATE_LIMIT_WAIT, REQUEST_TIMEOUT,
};

/// How the client talks: request timeout and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            request_timeout: REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

/// Talks to Azure DevOps for one signed-in person.
#[derive(Clone)]
pub struct AzureDevOpsClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    tokens: Arc<dyn AccessTokenProvider>,
    options: ClientOptions,
    /// Organizations learned from the Accounts API, to name `targetAccounts` GUIDs.
    known_orgs: Arc<RwLock<HashMap<String, Organization>>>,
    /// The server's "now" (from its `Date` headers): expiry and the global-PAT retirement are judged by it.
    clock: Arc<ServerClock>,
    global_pat_retirement: DateTime<Utc>,
    /// Paces reads (listing, Get) by the rate limit the server announces (§2.15); shared by clones.
    reads: Arc<SharedPacer>,
}

impl std::fmt::Debug for AzureDevOpsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureDevOpsClient")
            .field("endpoints", &self.endpoints)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl AzureDevOpsClient {
    pub fn new(endpoints: Endpoints, tokens: Arc<dyn AccessTokenProvider>) -> Result<Self, Error> {
        // Endpoints may have been built field by field: check them again.
        let endpoints = Endpoints::new(
            endpoints.login,
            endpoints.app_vssps,
            endpoints.vssps,
            endpoints.dev,
        )?;
        let options = ClientOptions::default();
        Ok(AzureDevOpsClient {
            http: build_http_client(options.request_timeout)?,
            endpoints,
            tokens,
            options,
            known_orgs: Arc::new(RwLock::new(HashMap::new())),
            clock: Arc::new(ServerClock::default()),
            global_pat_retirement: global_pat_retirement(),
            reads: Arc::new(SharedPacer::new(options.retry.max_delay)),
        })
    }

    /// Different timeouts or retries (tests use short ones).
    pub fn with_options(mut self, options: ClientOptions) -> Self {
        if let Ok(http) = build_http_client(options.request_timeout) {
            self.http = http;
        }
        self.reads = Arc::new(SharedPacer::new(options.retry.max_delay));
        self.options = options;
        self
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The service's "now", learnt from its `Date` headers (the machine's until one was seen).
    pub fn server_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Teach the client organization names for `targetAccounts` GUIDs (done by [`Self::profile`] too).
    pub fn remember_organizations(&self, orgs: &[Organization]) {
        let mut known = self.known_orgs.write().expect("lock");
        for o in orgs {
            known.insert(o.id.to_ascii_lowercase(), o.clone());
        }
    }

    pub(crate) fn to_model(
        &self,
        w: WirePatToken,
        listed_through: &str,
        status: TokenStatus,
    ) -> PatToken {
        let now = self.clock.now();
        let status = match status {
            TokenStatus::Active if w.valid_to <= now => TokenStatus::Expired,
            s => s,
        };
        let known = self.known_orgs.read().expect("lock");
        let target_organizations = w.target_accounts.as_ref().map(|ids| {
            ids.iter()
                .map(|id| {
                    known
                        .get(&id.to_ascii_lowercase())
                        .cloned()
                        .unwrap_or_else(|| Organization::new(id.clone(), id.clone()))
                })
                .collect::<Vec<_>>()
        });
        PatToken {
            authorization_id: w.authorization_id.to_ascii_lowercase(),
            scope_summary: Catalogue::load().describe(&w.scope),
            display_name: w.display_name,
            scope: w.scope,
            is_global: target_organizations.is_none(),
            stopped_working: stopped_working(
                target_organizations.is_none() && status != TokenStatus::Revoked,
                now,
                self.global_pat_retirement,
            ),
            target_organizations,
            valid_from: w.valid_from,
            valid_to: w.valid_to,
            status,
            organization: listed_through.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ListFilter, NewTokenRequest};

    /// The shell runs these futures in async Tauri commands, which need them to be `Send`.
    #[allow(dead_code, clippy::let_underscore_future)]
    fn futures_are_send(client: &AzureDevOpsClient, orgs: &[Organization], req: &NewTokenRequest) {
        fn send<T: Send>(_: T) {}
        send(client.list_all(orgs, ListFilter::All));
        send(client.list_all_with_progress(orgs, ListFilter::All, |_| {}));
        send(client.list_all_detailed(orgs, ListFilter::All, |_| {}));
        send(client.list_pats("o", &ListQuery::default()));
        send(client.create_pat(req));
        send(client.revoke_pat("o", "i"));
        send(client.revoke_pat_once("o", "i"));
        send(client.revoke_pat_once_with_rate_limit("o", "i"));
        send(client.profile());
    }
}
