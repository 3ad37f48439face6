//! The Azure DevOps client: Profile, Accounts and the PAT Lifecycle API (§2, §4) over HTTPS.
//!
//! It owns the rules of the wire contract so that no caller has to know them: the headers every call carries,
//! redirects never followed, `203`/`3xx`/HTML read as "signed out", one refresh-and-retry after a `401`,
//! `patTokenError` turned into [`ErrorCode`]s, paging to the end, and retries with back-off that honour
//! `Retry-After` (the transport rules and the back-off themselves are in [`crate::http`]). Create is special:
//! it is never retried blindly (see [`AzureDevOpsClient::create_pat`]).

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use ts_rs::TS;
use url::Url;

use crate::credentials::AccessTokenProvider;
use crate::endpoints::{join, Endpoints};
use crate::error::{Error, ErrorCode};
use crate::http::retry_after;
use crate::model::{
    initials_of, CreatedToken, ListFilter, NewTokenRequest, Organization, PatToken, Profile,
    RevokeOutcome, SortBy, TokenStatus, UpdateTokenRequest,
};
use crate::scopes::{Catalogue, FULL_ACCESS};
use crate::secret::Sensitive;
use crate::wire::{
    format_date, VssError, WireAccounts, WireCreateRequest, WirePagedPatTokens, WirePatToken,
    WirePatTokenResult, WireProfile, WireUpdateRequest,
};

/// api-version of the PAT Lifecycle API (§2.1).
pub const PAT_API_VERSION: &str = "7.1-preview.1";
/// api-version of Profile and Accounts (§4).
pub const PROFILE_API_VERSION: &str = "7.1";
/// Most tokens one page may hold (§2.5).
pub const MAX_PAGE_SIZE: u32 = 100;
/// The sign-in code builds its reqwest client and maps its transport errors here too (now in [`crate::http`]).
pub(crate) use crate::http::{build_client as build_http_client, map_transport_error};
pub use crate::http::{
    user_agent, RetryPolicy, CONNECT_TIMEOUT, DEFAULT_RATE_LIMIT_WAIT, REQUEST_TIMEOUT,
};

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

/// Options of one List call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: ListFilter,
    pub sort: SortBy,
    pub ascending: bool,
    /// 1–100; larger values are sent as 100.
    pub page_size: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            filter: ListFilter::Active,
            sort: SortBy::DisplayName,
            ascending: true,
            page_size: MAX_PAGE_SIZE,
        }
    }
}

impl ListQuery {
    pub fn with_filter(filter: ListFilter) -> Self {
        ListQuery {
            filter,
            ..ListQuery::default()
        }
    }
}

/// Who signs in for an organization (§3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantInfo {
    /// The first non-zero tenant GUID, if any.
    pub tenant_id: Option<String>,
    /// Backed by personal Microsoft accounts: the PAT API cannot be used there.
    pub msa_backed: bool,
    /// `X-VSS-AuthorizationEndpoint`, the organization's identity host.
    pub authorization_endpoint: Option<String>,
}

/// One organization's listing: its index in the request and the tokens (or why not).
type Listing = (usize, Result<Vec<PatToken>, Error>);

/// What [`AzureDevOpsClient::list_all_detailed`] found.
#[derive(Debug, Clone, Default)]
pub struct ListAllOutcome {
    /// De-duplicated by `authorizationId`.
    pub tokens: Vec<PatToken>,
    /// Organizations that could not be listed.
    pub failures: Vec<OrganizationFailure>,
}

impl ListAllOutcome {
    /// Whether every one of `orgs` failed (and there was at least one).
    pub fn nothing_listed(&self, orgs: &[Organization]) -> bool {
        !orgs.is_empty()
            && orgs
                .iter()
                .all(|o| self.failures.iter().any(|f| f.organization.id == o.id))
    }
}

/// An organization whose tokens could not be listed, and why. Crosses IPC inside a
/// [`crate::listing::TokenListing`], so the window can say so on one line with a Retry for it alone.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "UnavailableOrganization")]
pub struct OrganizationFailure {
    pub organization: Organization,
    pub error: Error,
}

impl OrganizationFailure {
    /// The error, with the organization named in its message.
    pub fn into_error(self) -> Error {
        let message = format!(
            "Could not list the tokens of {}. {}",
            self.organization.name, self.error.message
        );
        Error {
            message,
            ..self.error
        }
    }
}

/// A successful HTTP answer.
struct Answer {
    body: Vec<u8>,
}

/// A stream of pages of tokens.
pub type PageStream<'a> = Pin<Box<dyn Stream<Item = Result<Vec<PatToken>, Error>> + Send + 'a>>;

/// Talks to Azure DevOps for one signed-in person.
#[derive(Clone)]
pub struct AzureDevOpsClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    tokens: Arc<dyn AccessTokenProvider>,
    options: ClientOptions,
    /// Organizations learned from the Accounts API, to name `targetAccounts` GUIDs.
    known_orgs: Arc<RwLock<HashMap<String, Organization>>>,
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
        })
    }

    /// Different timeouts or retries (tests use short ones).
    pub fn with_options(mut self, options: ClientOptions) -> Self {
        if let Ok(http) = build_http_client(options.request_timeout) {
            self.http = http;
        }
        self.options = options;
        self
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
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

    // ----------------------------------------------------------------------------------------------
    // Transport
    // ----------------------------------------------------------------------------------------------

    /// One Azure DevOps request, with a single refresh-and-retry after "signed out".
    async fn send_once(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, Error> {
        let token = self.tokens.access_token().await?;
        match self.send_with_token(&method, url, body, &token).await {
            Err(e) if e.code == ErrorCode::SessionExpired => {
                let fresh = self
                    .tokens
                    .refresh_after_unauthorized()
                    .await
                    .map_err(|re| {
                        if re.code == ErrorCode::SessionExpired {
                            e.clone()
                        } else {
                            re
                        }
                    })?;
                self.send_with_token(&method, url, body, &fresh).await
            }
            other => other,
        }
    }

    async fn send_with_token(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        token: &Sensitive<String>,
    ) -> Result<Answer, Error> {
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
            .header(ACCEPT, "application/json")
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .header(USER_AGENT, user_agent());
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(b).map_err(Error::internal)?);
        }
        let resp = req.send().await.map_err(map_transport_error)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(map_transport_error)?.to_vec();
        classify(status, &headers, body)
    }

    /// Run `op` with the retry policy: transient failures are retried with back-off.
    async fn with_retries<T, F, Fut>(&self, mut op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let policy = self.options.retry;
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if e.is_transient() && attempt < policy.max_attempts.max(1) => {
                    tokio::time::sleep(policy.delay_for(attempt, &e)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, Error> {
        self.with_retries(|| async {
            let a = self.send_once(Method::GET, url, None).await?;
            parse_json(&a.body)
        })
        .await
    }

    fn pats_url(&self, org: &str, query: &[(&str, &str)]) -> Url {
        let mut url = join(
            &self.endpoints.vssps,
            &format!("{}/_apis/tokens/pats", encode_segment(org)),
        );
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
            q.append_pair("api-version", PAT_API_VERSION);
        }
        url
    }

    // ----------------------------------------------------------------------------------------------
    // Profile and organizations
    // ----------------------------------------------------------------------------------------------

    /// The signed-in person and their organizations.
    pub async fn profile(&self) -> Result<Profile, Error> {
        let mut url = join(&self.endpoints.app_vssps, "_apis/profile/profiles/me");
        url.query_pairs_mut()
            .append_pair("api-version", PROFILE_API_VERSION);
        let p: WireProfile = self.get_json(&url).await?;
        let organizations = self.organizations(&p.id).await?;
        let display_name = p
            .display_name
            .filter(|n| !n.trim().is_empty())
            .or_else(|| p.email_address.clone())
            .unwrap_or_else(|| p.public_alias.clone().unwrap_or_default());
        let email = p.email_address.unwrap_or_default();
        Ok(Profile {
            initials: initials_of(&display_name, &email),
            id: p.id,
            display_name,
            email,
            organizations,
        })
    }

    /// The organizations `member_id` belongs to, by name.
    pub async fn organizations(&self, member_id: &str) -> Result<Vec<Organization>, Error> {
        let mut url = join(&self.endpoints.app_vssps, "_apis/accounts");
        url.query_pairs_mut()
            .append_pair("memberId", member_id)
            .append_pair("api-version", PROFILE_API_VERSION);
        let accounts: WireAccounts = self.get_json(&url).await?;
        let mut orgs: Vec<Organization> = accounts
            .into_vec()
            .into_iter()
            .map(|a| Organization::new(a.account_id, a.account_name))
            .collect();
        orgs.sort_by_key(|o| o.name.to_ascii_lowercase());
        self.remember_organizations(&orgs);
        Ok(orgs)
    }

    // ----------------------------------------------------------------------------------------------
    // List and Get
    // ----------------------------------------------------------------------------------------------

    /// Every token of one listing, following `continuationToken` to the end.
    pub async fn list_pats(&self, org: &str, query: &ListQuery) -> Result<Vec<PatToken>, Error> {
        let mut pages = self.list_pat_pages(org, query);
        let mut all = Vec::new();
        while let Some(page) = pages.next().await {
            all.extend(page?);
        }
        Ok(all)
    }

    /// The same listing, one page at a time (for progress).
    pub fn list_pat_pages<'a>(&'a self, org: &'a str, query: &ListQuery) -> PageStream<'a> {
        let query = *query;
        struct Paging {
            continuation: Option<String>,
            done: bool,
            seen: HashSet<String>,
        }
        let start = Paging {
            continuation: None,
            done: false,
            seen: HashSet::new(),
        };
        Box::pin(futures::stream::unfold(start, move |mut st| async move {
            if st.done {
                return None;
            }
            match self
                .list_page(org, &query, st.continuation.as_deref())
                .await
            {
                Ok((tokens, next)) => {
                    match next.filter(|c| !c.is_empty()) {
                        // A server repeating a continuation token would loop forever: stop.
                        Some(c) if st.seen.insert(c.clone()) => st.continuation = Some(c),
                        _ => st.done = true,
                    }
                    Some((Ok(tokens), st))
                }
                Err(e) => {
                    st.done = true;
                    Some((Err(e), st))
                }
            }
        }))
    }

    async fn list_page(
        &self,
        org: &str,
        query: &ListQuery,
        continuation: Option<&str>,
    ) -> Result<(Vec<PatToken>, Option<String>), Error> {
        let top = query.page_size.clamp(1, MAX_PAGE_SIZE).to_string();
        let mut params: Vec<(&str, &str)> = vec![
            ("displayFilterOption", filter_param(query.filter)),
            ("sortByOption", sort_param(query.sort)),
            (
                "isSortAscending",
                if query.ascending { "true" } else { "false" },
            ),
            ("$top", &top),
        ];
        if let Some(c) = continuation {
            params.push(("continuationToken", c));
        }
        let url = self.pats_url(org, &params);
        let page: WirePagedPatTokens = self.get_json(&url).await?;
        let now = Utc::now();
        let tokens = page
            .pat_tokens
            .into_iter()
            .map(|w| self.to_model(w, org, status_for(query.filter, now)))
            .collect();
        Ok((tokens, page.continuation_token))
    }

    /// Tokens of every organization, de-duplicated (global PATs appear in each organization's list).
    /// With [`ListFilter::All`], active, expired and revoked tokens are listed separately so each is labelled.
    /// Fails if any organization cannot be listed, naming it; see [`Self::list_all_detailed`] for partial results.
    pub async fn list_all(
        &self,
        orgs: &[Organization],
        filter: ListFilter,
    ) -> Result<Vec<PatToken>, Error> {
        self.list_all_with_progress(orgs, filter, |_| {}).await
    }

    /// [`Self::list_all`], calling `on_listing_done` with the number of listings finished so far (one listing
    /// per organization, three per organization for [`ListFilter::All`]).
    pub async fn list_all_with_progress(
        &self,
        orgs: &[Organization],
        filter: ListFilter,
        on_listing_done: impl Fn(usize) + Send + Sync,
    ) -> Result<Vec<PatToken>, Error> {
        let mut outcome = self.list_all_detailed(orgs, filter, on_listing_done).await;
        if outcome.nothing_listed(orgs) {
            return Err(outcome.failures.swap_remove(0).error);
        }
        match outcome.failures.into_iter().next() {
            Some(failure) => Err(failure.into_error()),
            None => Ok(outcome.tokens),
        }
    }

    /// Every organization's tokens, plus the organizations that could not be listed (a guest organization in
    /// another tenant, an organization that throttles…), so the window can show what it has and say what is
    /// missing. Never fails as a whole: when no organization could be listed, every one is in `failures`.
    pub async fn list_all_detailed(
        &self,
        orgs: &[Organization],
        filter: ListFilter,
        on_listing_done: impl Fn(usize) + Send + Sync,
    ) -> ListAllOutcome {
        self.remember_organizations(orgs);
        let filters: &[ListFilter] = match filter {
            ListFilter::All => &[ListFilter::Active, ListFilter::Expired, ListFilter::Revoked],
            ListFilter::Active => &[ListFilter::Active],
            ListFilter::Expired => &[ListFilter::Expired],
            ListFilter::Revoked => &[ListFilter::Revoked],
        };
        let done = std::sync::atomic::AtomicUsize::new(0);
        let on_listing_done = &on_listing_done;
        let done = &done;
        // Futures built up front and boxed, so the whole listing stays `Send` (a closure inside the stream
        // would make it generic over lifetimes the compiler cannot prove).
        let mut listings: Vec<futures::future::BoxFuture<'_, Listing>> = Vec::new();
        for (index, org) in orgs.iter().enumerate() {
            for f in filters {
                let query = ListQuery::with_filter(*f);
                listings.push(Box::pin(async move {
                    let r = self.list_pats(&org.name, &query).await;
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    on_listing_done(n);
                    (index, r)
                }));
            }
        }
        let results: Vec<Listing> = futures::stream::iter(listings).buffered(4).collect().await;
        let mut seen = HashSet::new();
        let mut outcome = ListAllOutcome::default();
        for (index, r) in results {
            let org = &orgs[index];
            match r {
                Ok(tokens) => {
                    for t in tokens {
                        if seen.insert(t.authorization_id.to_ascii_lowercase()) {
                            outcome.tokens.push(t);
                        }
                    }
                }
                Err(error) => {
                    if !outcome.failures.iter().any(|f| f.organization.id == org.id) {
                        outcome.failures.push(OrganizationFailure {
                            organization: org.clone(),
                            error,
                        });
                    }
                }
            }
        }
        outcome
    }

    /// One token by id, or `None` if the service does not know it (`tokenNotFound`).
    pub async fn get_pat(
        &self,
        org: &str,
        authorization_id: &str,
    ) -> Result<Option<PatToken>, Error> {
        let url = self.pats_url(org, &[("authorizationId", authorization_id)]);
        let result: WirePatTokenResult = self.get_json(&url).await?;
        if let Some(err) = result.business_error() {
            if err.eq_ignore_ascii_case("tokenNotFound") {
                return Ok(None);
            }
            return Err(Error::from_pat_token_error(
                err,
                result.pat_token_error_message.as_deref(),
            ));
        }
        let now = Utc::now();
        Ok(result.pat_token.map(|w| {
            let status = status_for(ListFilter::All, now);
            self.to_model(w, org, status)
        }))
    }

    // ----------------------------------------------------------------------------------------------
    // Create
    // ----------------------------------------------------------------------------------------------

    /// Create an organization-scoped token (`allOrgs: false`, always).
    ///
    /// Create is never retried blindly. After an ambiguous failure (timeout, dropped connection, 5xx or an
    /// unreadable answer) the service may or may not have created the token, so the client lists the
    /// organization's active tokens and looks for this attempt's token (same name and scope, `validTo` equal to
    /// what was sent within the service's 10 ms precision, or clamped and created after the attempt started).
    ///
    /// * Not found: nothing was created, so the create is sent again (bounded by the retry policy).
    /// * Found: the token exists but its secret never reached us, and a token whose value nobody knows is
    ///   useless and a liability. The client revokes that orphan and creates the token once more, so the person
    ///   gets what they asked for: exactly one working token, with its secret. If revoking the orphan fails, the
    ///   result is `createdButSecretLost`, naming the token so the person can revoke it from the list.
    /// * The check itself fails: the original error is returned with a message saying the outcome is unknown
    ///   and asking the person to refresh the list before trying again (never a second blind create).
    pub async fn create_pat(&self, request: &NewTokenRequest) -> Result<CreatedToken, Error> {
        let org = request.organization.trim();
        let display_name = validate_display_name(&request.display_name)?;
        let scope = normalise_scopes(&request.scopes)?;
        let policy = self.options.retry;
        let mut attempt = 1u32;
        let mut orphans_revoked = 0u32;
        loop {
            let started = Utc::now();
            let valid_to = round_to_10ms(request.lifespan.valid_to(started, None)?);
            let body = serde_json::to_value(WireCreateRequest {
                display_name: &display_name,
                scope: &scope,
                valid_to: format_date(valid_to),
                all_orgs: false,
            })
            .map_err(Error::internal)?;
            let url = self.pats_url(org, &[]);
            let outcome = match self.send_once(Method::POST, &url, Some(&body)).await {
                Ok(answer) => match parse_json::<WirePatTokenResult>(&answer.body) {
                    Ok(result) => Ok(result),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let error = match outcome {
                Ok(result) => {
                    if let Some(err) = result.business_error() {
                        let e = Error::from_pat_token_error(
                            err,
                            result.pat_token_error_message.as_deref(),
                        );
                        // A transient business error means nothing was created: safe to send again.
                        if e.is_transient() && attempt < policy.max_attempts {
                            tokio::time::sleep(policy.delay_for(attempt, &e)).await;
                            attempt += 1;
                            continue;
                        }
                        return Err(e);
                    }
                    match result.pat_token {
                        Some(mut w) => match w.token.take() {
                            Some(secret) if !secret.expose().is_empty() => {
                                let token = self.to_model(w, org, TokenStatus::Active);
                                let clamped_from = (token.valid_to
                                    < valid_to - chrono::Duration::seconds(1))
                                .then_some(valid_to);
                                return Ok(CreatedToken {
                                    token,
                                    secret,
                                    clamped_from,
                                });
                            }
                            // Created, but no secret in the answer: an orphan.
                            _ => {
                                let orphan = self.to_model(w, org, TokenStatus::Active);
                                if orphans_revoked >= 1 || attempt >= policy.max_attempts {
                                    return Err(secret_lost(&orphan));
                                }
                                self.revoke_orphan(org, &orphan).await?;
                                orphans_revoked += 1;
                                attempt += 1;
                                continue;
                            }
                        },
                        None => Error::from_code(ErrorCode::MalformedResponse)
                            .with_raw("create answered without patToken"),
                    }
                }
                Err(e) => e,
            };
            if !is_ambiguous(&error) {
                // Definitely not created (throttled, refused, signed out): retry only what is safe.
                if error.is_transient() && attempt < policy.max_attempts {
                    tokio::time::sleep(policy.delay_for(attempt, &error)).await;
                    attempt += 1;
                    continue;
                }
                return Err(error);
            }
            // Ambiguous: find out whether this attempt created a token.
            let found = match self
                .find_created(org, &display_name, &scope, valid_to, started)
                .await
            {
                Ok(found) => found,
                Err(_) => return Err(outcome_unknown(error)),
            };
            if attempt >= policy.max_attempts {
                return Err(match found {
                    Some(orphan) => secret_lost(&orphan),
                    None => error,
                });
            }
            if let Some(orphan) = found {
                if orphans_revoked >= 1 {
                    return Err(secret_lost(&orphan));
                }
                self.revoke_orphan(org, &orphan).await?;
                orphans_revoked += 1;
            } else {
                tokio::time::sleep(policy.delay_for(attempt, &error)).await;
            }
            attempt += 1;
        }
    }

    async fn revoke_orphan(&self, org: &str, orphan: &PatToken) -> Result<(), Error> {
        match self.revoke_pat(org, &orphan.authorization_id).await {
            Ok(RevokeOutcome::Revoked | RevokeOutcome::AlreadyGone) => Ok(()),
            _ => Err(secret_lost(orphan)),
        }
    }

    /// The token an ambiguous create attempt made, if any.
    async fn find_created(
        &self,
        org: &str,
        display_name: &str,
        scope: &str,
        valid_to: DateTime<Utc>,
        started: DateTime<Utc>,
    ) -> Result<Option<PatToken>, Error> {
        let active = self
            .list_pats(org, &ListQuery::with_filter(ListFilter::Active))
            .await?;
        let wanted_scope = scope_set(scope);
        let tolerance = chrono::Duration::milliseconds(10);
        let skew = chrono::Duration::seconds(120);
        let mut candidates: Vec<PatToken> = active
            .into_iter()
            .filter(|t| t.display_name == display_name && scope_set(&t.scope) == wanted_scope)
            .filter(|t| {
                (t.valid_to - valid_to).abs() <= tolerance
                    || (t.valid_to < valid_to && t.valid_from >= started - skew)
            })
            .collect();
        candidates.sort_by_key(|t| std::cmp::Reverse(t.valid_from));
        Ok(candidates.into_iter().next())
    }

    // ----------------------------------------------------------------------------------------------
    // Update
    // ----------------------------------------------------------------------------------------------

    /// Rename, change scopes or extend. Fields left `None` keep their value; targets are never changed.
    pub async fn update_pat(&self, request: &UpdateTokenRequest) -> Result<PatToken, Error> {
        let org = request.organization.trim();
        let display_name = match &request.display_name {
            Some(n) => Some(validate_display_name(n)?),
            None => None,
        };
        let scope = match &request.scopes {
            Some(s) => Some(normalise_scopes(s)?),
            None => None,
        };
        let valid_to = match &request.lifespan {
            Some(l) => Some(format_date(round_to_10ms(l.valid_to(Utc::now(), None)?))),
            None => None,
        };
        let body = serde_json::to_value(WireUpdateRequest {
            authorization_id: &request.authorization_id,
            display_name: display_name.as_deref(),
            scope,
            valid_to,
        })
        .map_err(Error::internal)?;
        let url = self.pats_url(org, &[]);
        let result: WirePatTokenResult = self
            .with_retries(|| async {
                let a = self.send_once(Method::PUT, &url, Some(&body)).await?;
                let r: WirePatTokenResult = parse_json(&a.body)?;
                if let Some(err) = r.business_error() {
                    return Err(Error::from_pat_token_error(
                        err,
                        r.pat_token_error_message.as_deref(),
                    ));
                }
                Ok(r)
            })
            .await?;
        let w = result.pat_token.ok_or_else(|| {
            Error::from_code(ErrorCode::MalformedResponse)
                .with_raw("update answered without patToken")
        })?;
        Ok(self.to_model(w, org, status_for(ListFilter::All, Utc::now())))
    }

    // ----------------------------------------------------------------------------------------------
    // Revoke
    // ----------------------------------------------------------------------------------------------

    /// One DELETE, no retry. Any 2xx is `Revoked`. After a failure the client asks the service what happened:
    /// a token that is unknown or already revoked is `AlreadyGone` (or `Revoked` when the DELETE itself never
    /// got an answer); otherwise the error is returned (`retry_after` set for `429`).
    pub async fn revoke_pat_once(
        &self,
        org: &str,
        authorization_id: &str,
    ) -> Result<RevokeOutcome, Error> {
        let url = self.pats_url(org, &[("authorizationId", authorization_id)]);
        let error = match self.send_once(Method::DELETE, &url, None).await {
            Ok(_) => return Ok(RevokeOutcome::Revoked),
            Err(e) => e,
        };
        if matches!(
            error.code,
            ErrorCode::RateLimited | ErrorCode::SessionExpired | ErrorCode::NotAllowed
        ) {
            // The request was refused before it did anything.
            return Err(error);
        }
        let got_an_answer = error.status.is_some();
        match self.is_gone(org, authorization_id).await {
            Ok(true) if got_an_answer => Ok(RevokeOutcome::AlreadyGone),
            Ok(true) => Ok(RevokeOutcome::Revoked),
            _ => Err(error),
        }
    }

    /// [`Self::revoke_pat_once`] with the retry policy for transient failures.
    pub async fn revoke_pat(
        &self,
        org: &str,
        authorization_id: &str,
    ) -> Result<RevokeOutcome, Error> {
        self.with_retries(|| self.revoke_pat_once(org, authorization_id))
            .await
    }

    /// Unknown to the service, or listed among the revoked tokens.
    async fn is_gone(&self, org: &str, authorization_id: &str) -> Result<bool, Error> {
        let url = self.pats_url(org, &[("authorizationId", authorization_id)]);
        let a = self.send_once(Method::GET, &url, None).await?;
        let result: WirePatTokenResult = parse_json(&a.body)?;
        if let Some(err) = result.business_error() {
            return Ok(err.eq_ignore_ascii_case("tokenNotFound"));
        }
        if result.pat_token.is_none() {
            return Ok(true);
        }
        let id = authorization_id.to_ascii_lowercase();
        let mut pages = self.list_pat_pages(org, &ListQuery::with_filter(ListFilter::Revoked));
        while let Some(page) = pages.next().await {
            if page?
                .iter()
                .any(|t| t.authorization_id.to_ascii_lowercase() == id)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    // ----------------------------------------------------------------------------------------------
    // Tenant discovery
    // ----------------------------------------------------------------------------------------------

    /// Which Entra tenant signs in for `org` (unauthenticated `HEAD {dev}/{org}`, §3.3).
    pub async fn discover_tenant(&self, org: &str) -> Result<TenantInfo, Error> {
        let url = join(&self.endpoints.dev, &encode_segment(org));
        let resp = self
            .http
            .head(url)
            .header(USER_AGENT, user_agent())
            .send()
            .await
            .map_err(map_transport_error)?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Err(Error::from_code(ErrorCode::OrganizationNotFound).with_status(404));
        }
        Ok(tenant_from_headers(resp.headers()))
    }

    // ----------------------------------------------------------------------------------------------
    // Model
    // ----------------------------------------------------------------------------------------------

    fn to_model(&self, w: WirePatToken, listed_through: &str, status: TokenStatus) -> PatToken {
        let status = match status {
            TokenStatus::Active if w.valid_to <= Utc::now() => TokenStatus::Expired,
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
            target_organizations,
            valid_from: w.valid_from,
            valid_to: w.valid_to,
            status,
            organization: listed_through.to_string(),
        }
    }
}

// --------------------------------------------------------------------------------------------------
// Helpers
// --------------------------------------------------------------------------------------------------

fn filter_param(f: ListFilter) -> &'static str {
    match f {
        ListFilter::Active => "active",
        ListFilter::Expired => "expired",
        ListFilter::Revoked => "revoked",
        ListFilter::All => "all",
    }
}

fn sort_param(s: SortBy) -> &'static str {
    match s {
        SortBy::DisplayName => "displayName",
        SortBy::ValidTo => "displayDate",
        SortBy::Status => "status",
    }
}

/// The status a listing implies. An `all` listing cannot tell revoked from active (§2.5): expiry decides.
fn status_for(filter: ListFilter, _now: DateTime<Utc>) -> TokenStatus {
    match filter {
        ListFilter::Expired => TokenStatus::Expired,
        ListFilter::Revoked => TokenStatus::Revoked,
        ListFilter::Active | ListFilter::All => TokenStatus::Active,
    }
}

fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body)
        .map_err(|e| Error::from_code(ErrorCode::MalformedResponse).with_raw(format!("{e}")))
}

/// Turn an HTTP answer into success or an [`Error`] (§2.13).
fn classify(status: StatusCode, headers: &HeaderMap, body: Vec<u8>) -> Result<Answer, Error> {
    let code = status.as_u16();
    let is_html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim().to_ascii_lowercase().starts_with("text/html"));
    // §2.13: 203, 3xx and HTML mean "not signed in". Throttling and server errors keep their meaning even
    // with an HTML body (a gateway's error page), so they are still retried rather than sending the person
    // to sign in again.
    let throttled_or_server = code == 429 || status.is_server_error();
    // §8: texts of a 401/403 that "sign in again" cannot fix.
    if (code == 401 || code == 403) && !is_html {
        let vss = VssError::parse(&body);
        if let Some(message) = &vss.message {
            let refusal = if message.contains("VS403463") {
                Some(ErrorCode::ConditionalAccess)
            } else if message.contains("TF401444") {
                Some(ErrorCode::FirstSignInNeeded)
            } else {
                None
            };
            if let Some(refusal) = refusal {
                return Err(Error::from_code(refusal)
                    .with_raw(message.clone())
                    .with_status(code));
            }
        }
    }
    if code == 203 || status.is_redirection() || code == 401 || (is_html && !throttled_or_server) {
        return Err(Error::from_code(ErrorCode::SessionExpired).with_status(code));
    }
    if status.is_success() {
        return Ok(Answer { body });
    }
    let vss = VssError::parse(&body);
    let raw = match (&vss.type_key, &vss.message) {
        (Some(k), Some(m)) => format!("{k}: {m}"),
        (Some(k), None) => k.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    };
    let error = match code {
        403 => {
            let msg = vss.message.clone().unwrap_or_default();
            if msg.to_ascii_lowercase().contains("service principal") {
                Error::new(
                    ErrorCode::NotAllowed,
                    "Service principals and managed identities cannot manage personal access tokens. Sign in as a person instead.",
                )
            } else {
                Error::from_code(ErrorCode::NotAllowed)
            }
        }
        404 => Error::from_code(ErrorCode::OrganizationNotFound),
        429 => Error::from_code(ErrorCode::RateLimited).with_retry_after(retry_after(headers)),
        500..=599 => Error::from_code(ErrorCode::ServerError),
        _ => Error::new(
            ErrorCode::Internal,
            "Azure DevOps did not accept PAT Desk's request. Please try again, and report it if it keeps happening.",
        ),
    };
    Err(error.with_raw(raw).with_status(code))
}

fn tenant_from_headers(headers: &HeaderMap) -> TenantInfo {
    const ZERO: &str = "00000000-0000-0000-0000-000000000000";
    let mut candidates: Vec<String> = Vec::new();
    let mut saw_zero = false;
    for v in headers.get_all("www-authenticate") {
        let Ok(v) = v.to_str() else { continue };
        for challenge in v.split(", Bearer").map(str::trim) {
            let challenge = challenge.trim_start_matches("Bearer").trim();
            if let Some(pos) = challenge.find("authorization_uri=") {
                let rest = &challenge[pos + "authorization_uri=".len()..];
                let uri = rest
                    .trim_start_matches('"')
                    .split(['"', ',', ' '])
                    .next()
                    .unwrap_or_default();
                if let Some(seg) = uri.trim_end_matches('/').rsplit('/').next() {
                    if is_guid(seg) {
                        candidates.push(seg.to_ascii_lowercase());
                    }
                }
            }
        }
    }
    for v in headers.get_all("x-vss-resourcetenant") {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(',').map(str::trim) {
            if is_guid(part) {
                candidates.push(part.to_ascii_lowercase());
            }
        }
    }
    let tenant_id = candidates.iter().find(|c| c.as_str() != ZERO).cloned();
    if candidates.iter().any(|c| c == ZERO) {
        saw_zero = true;
    }
    TenantInfo {
        msa_backed: tenant_id.is_none() && saw_zero,
        tenant_id,
        authorization_endpoint: headers
            .get("x-vss-authorizationendpoint")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

/// Names longer than 256 characters after HTML-encoding are refused (§2.16). The New-token form checks the
/// same rule with the same sentences (ui/src/lib/tokenName.ts); both sides test the same cases.
fn validate_display_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidDisplayName,
            "The token needs a name. Type a name and try again.",
        ));
    }
    let encoded_len: usize = name
        .chars()
        .map(|c| match c {
            '&' => 5,
            '<' | '>' => 4,
            '"' => 6,
            _ => 1,
        })
        .sum();
    if encoded_len > 256 {
        return Err(Error::new(
            ErrorCode::InvalidDisplayName,
            "The name is too long. Use at most 256 characters (& < > and \" count as several).",
        ));
    }
    Ok(name.to_string())
}

/// Space-separated, de-duplicated, known scopes; `app_token` alone for full access. Never empty, because the
/// service would read an empty scope as full access (§2.7).
fn normalise_scopes(scopes: &[String]) -> Result<String, Error> {
    let catalogue = Catalogue::load();
    let mut out: Vec<String> = Vec::new();
    for s in scopes.iter().flat_map(|s| s.split_whitespace()) {
        let lower = s.to_ascii_lowercase();
        if lower == FULL_ACCESS {
            return Ok(FULL_ACCESS.to_string());
        }
        if !catalogue.is_known(&lower) {
            return Err(Error::new(
                ErrorCode::InvalidScope,
                format!("\"{s}\" is not a permission PAT Desk knows. Choose the permissions again from the list."),
            ));
        }
        if !out.contains(&lower) {
            out.push(lower);
        }
    }
    if out.is_empty() {
        return Err(Error::from_code(ErrorCode::InvalidScope));
    }
    Ok(out.join(" "))
}

fn scope_set(scope: &str) -> Vec<String> {
    let mut v: Vec<String> = scope
        .split_whitespace()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The service keeps `validTo` with about 10 ms precision; sending it pre-rounded makes the echo exact.
fn round_to_10ms(d: DateTime<Utc>) -> DateTime<Utc> {
    let ms = d.timestamp_millis();
    DateTime::from_timestamp_millis(ms - ms.rem_euclid(10)).unwrap_or(d)
}

/// A failure after which the service may or may not have created the token.
fn is_ambiguous(e: &Error) -> bool {
    match e.code {
        ErrorCode::Timeout | ErrorCode::ServerError | ErrorCode::MalformedResponse => true,
        // A refused connection never reached the server; a dropped one may have.
        ErrorCode::Network => !e
            .raw
            .as_deref()
            .unwrap_or_default()
            .contains("ConnectionRefused"),
        _ => false,
    }
}

fn secret_lost(orphan: &PatToken) -> Error {
    Error::new(
        ErrorCode::CreatedButSecretLost,
        format!(
            "The token \"{}\" was created, but its value could not be received, so it cannot be used. Revoke it from the list and create a new one.",
            orphan.display_name
        ),
    )
    .with_raw(orphan.authorization_id.clone())
}

fn outcome_unknown(e: Error) -> Error {
    let message = format!(
        "{} PAT Desk could not check whether the token was created: refresh the list before trying again.",
        e.message
    );
    Error { message, ..e }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        send(client.profile());
    }
    use reqwest::header::HeaderValue;

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> Result<Answer, Error> {
        let mut h = HeaderMap::new();
        if let Some(ct) = content_type {
            h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        classify(
            StatusCode::from_u16(status).unwrap(),
            &h,
            body.as_bytes().to_vec(),
        )
    }

    #[test]
    fn statuses_map_per_contract() {
        let json = Some("application/json; charset=utf-8");
        let html = Some("text/html; charset=utf-8");
        assert!(answer(200, json, "{}").is_ok());
        assert!(answer(204, None, "").is_ok());
        let code = |r: Result<Answer, Error>| r.err().map(|e| e.code);
        assert_eq!(
            code(answer(200, html, "<html>")),
            Some(ErrorCode::SessionExpired)
        );
        assert_eq!(
            code(answer(203, html, "<html>")),
            Some(ErrorCode::SessionExpired)
        );
        assert_eq!(
            code(answer(302, html, "Object moved")),
            Some(ErrorCode::SessionExpired)
        );
        assert_eq!(code(answer(401, json, "")), Some(ErrorCode::SessionExpired));
        // §8: every 401/403 text the contract names gets a sentence that can help, not "sign in again".
        assert_eq!(
            code(answer(
                401,
                json,
                r#"{"message":"TF400813: The user '' is not authorized to access this resource.","typeKey":"UnauthorizedRequestException"}"#
            )),
            Some(ErrorCode::SessionExpired)
        );
        for status in [401, 403] {
            assert_eq!(
                code(answer(
                    status,
                    json,
                    r#"{"message":"VS403463: The conditional access policy defined by your Azure Active Directory administrator has failed.","typeKey":"UnauthorizedRequestException"}"#
                )),
                Some(ErrorCode::ConditionalAccess)
            );
            assert_eq!(
                code(answer(
                    status,
                    json,
                    r#"{"message":"TF401444: Please sign-in at least once as user@contoso.example in a web browser to enable access to the service."}"#
                )),
                Some(ErrorCode::FirstSignInNeeded)
            );
        }
        assert_eq!(
            code(answer(
                403,
                json,
                r#"{"message":"The requested operation is not allowed.","typeKey":"InvalidAccessException"}"#
            )),
            Some(ErrorCode::NotAllowed)
        );
        let sp = answer(
            403,
            json,
            r#"{"message":"Service principals are not allowed to perform this action."}"#,
        )
        .err()
        .unwrap();
        assert!(sp.message.contains("Service principals"));
        assert_eq!(
            code(answer(404, json, "")),
            Some(ErrorCode::OrganizationNotFound)
        );
        assert_eq!(code(answer(429, json, "{")), Some(ErrorCode::RateLimited));
        assert_eq!(code(answer(500, None, "")), Some(ErrorCode::ServerError));
        assert_eq!(
            code(answer(502, html, "<html>Bad gateway</html>")),
            Some(ErrorCode::ServerError)
        );
        assert_eq!(
            code(answer(429, html, "<html>")),
            Some(ErrorCode::RateLimited)
        );
        assert_eq!(
            code(answer(
                400,
                json,
                r#"{"typeKey":"VssVersionNotSpecifiedException"}"#
            )),
            Some(ErrorCode::Internal)
        );
        let e = answer(500, json, r#"{"$id":"1","message":"TF246017: x","typeKey":"VssServiceException","errorCode":0,"eventId":0}"#).err().unwrap();
        assert_eq!(e.raw.as_deref(), Some("VssServiceException: TF246017: x"));
        assert_eq!(e.status, Some(500));
    }

    #[test]
    fn tenant_headers() {
        let mut h = HeaderMap::new();
        h.append(
            "www-authenticate",
            HeaderValue::from_static("Basic realm=\"x\""),
        );
        h.append(
            "www-authenticate",
            HeaderValue::from_static(
                "Bearer authorization_uri=https://login.microsoftonline.com/AAAABBBB-0000-CCCC-1111-DDDD2222EEEE",
            ),
        );
        let t = tenant_from_headers(&h);
        assert_eq!(
            t.tenant_id.as_deref(),
            Some("aaaabbbb-0000-cccc-1111-dddd2222eeee")
        );
        assert!(!t.msa_backed);
        let mut h = HeaderMap::new();
        h.insert(
            "x-vss-resourcetenant",
            HeaderValue::from_static("00000000-0000-0000-0000-000000000000"),
        );
        let t = tenant_from_headers(&h);
        assert!(t.tenant_id.is_none() && t.msa_backed);
    }

    #[test]
    fn scopes_and_names() {
        assert_eq!(
            normalise_scopes(&[
                "vso.code_write".into(),
                "VSO.code_write vso.packaging".into()
            ])
            .unwrap(),
            "vso.code_write vso.packaging"
        );
        assert_eq!(
            normalise_scopes(&["vso.code".into(), "app_token".into()]).unwrap(),
            "app_token"
        );
        assert_eq!(
            normalise_scopes(&[]).unwrap_err().code,
            ErrorCode::InvalidScope
        );
        assert_eq!(
            normalise_scopes(&["  ".into()]).unwrap_err().code,
            ErrorCode::InvalidScope
        );
        assert_eq!(
            normalise_scopes(&["vso.bogus".into()]).unwrap_err().code,
            ErrorCode::InvalidScope
        );
        assert!(validate_display_name(&"a".repeat(256)).is_ok());
        assert!(validate_display_name(&"&".repeat(52)).is_err());
        assert!(validate_display_name(" ").is_err());
    }

    /// The same cases as ui/src/lib/tokenName.test.ts: the New-token form refuses exactly these names, with
    /// these sentences. Change the rule here and that test must change too (and the other way round).
    #[test]
    fn display_name_rule_matches_the_window() {
        const REQUIRED: &str = "The token needs a name. Type a name and try again.";
        const TOO_LONG: &str =
            "The name is too long. Use at most 256 characters (& < > and \" count as several).";
        let cases: Vec<(String, &str)> = vec![
            ("&".repeat(60), TOO_LONG), // 300 once HTML-encoded
            ("a".repeat(256), ""),
            ("a".repeat(257), TOO_LONG),
            ("&".repeat(51), ""),                        // 255
            (format!("{}a", "&".repeat(51)), ""),        // 256
            (format!("{}ab", "&".repeat(51)), TOO_LONG), // 257
            ("&".repeat(52), TOO_LONG),                  // 260
            ("<".repeat(64), ""),                        // 256
            (format!("{}a", ">".repeat(64)), TOO_LONG),  // 257
            (format!("{}aaaa", "\"".repeat(42)), ""),    // 256
            ("\"".repeat(43), TOO_LONG),                 // 258
            ("'".repeat(256), ""),                       // ' is not counted as several
            ("é".repeat(256), ""),                       // code points, not UTF-8 bytes
            ("😀".repeat(256), ""),                      // code points, not UTF-16 units
            ("😀".repeat(257), TOO_LONG),
            (format!("  {}\t\n", "a".repeat(256)), ""), // white space at either end is not counted
            (format!("\u{a0}{}\u{3000}", "a".repeat(256)), ""),
            (String::new(), REQUIRED),
            (" ".into(), REQUIRED),
            ("\t\n\u{a0}\u{2003}\u{85}".into(), REQUIRED),
            ("\u{feff}".into(), ""), // not white space, so a (strange) name of one character
        ];
        for (name, expected) in cases {
            let got = match validate_display_name(&name) {
                Ok(_) => String::new(),
                Err(e) => {
                    assert_eq!(e.code, ErrorCode::InvalidDisplayName, "{name:?}");
                    e.message
                }
            };
            assert_eq!(got, expected, "{name:?}");
        }
        assert_eq!(
            validate_display_name("\u{85} a  b \u{2028}").unwrap(),
            "a  b"
        );
    }
}
