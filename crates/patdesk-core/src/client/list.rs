//! Listing tokens and getting one (§2.5, §2.6): paging to the end, one organization or all of them with
//! partial results, and the status each listing implies.

use std::collections::HashSet;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use serde::Serialize;
#[cfg(feature = "ts")]
use ts_rs::TS;

use super::{AzureDevOpsClient, MAX_PAGE_SIZE};
use crate::error::Error;
use crate::model::{ListFilter, Organization, PatToken, SortBy, TokenStatus};
use crate::wire::{WirePagedPatTokens, WirePatTokenResult};

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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export, rename = "UnavailableOrganization"))]
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

/// A stream of pages of tokens.
pub type PageStream<'a> = Pin<Box<dyn Stream<Item = Result<Vec<PatToken>, Error>> + Send + 'a>>;

impl AzureDevOpsClient {
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
        let url = self.pats_url(org, &params)?;
        let page: WirePagedPatTokens = self.get_json(&url).await?;
        let now = self.clock.now();
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
        let id = super::validation::validate_token_id(authorization_id)?;
        let url = self.pats_url(org, &[("authorizationId", id)])?;
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
        let now = self.clock.now();
        Ok(result.pat_token.map(|w| {
            let status = status_for(ListFilter::All, now);
            self.to_model(w, org, status)
        }))
    }
}

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
pub(super) fn status_for(filter: ListFilter, _now: DateTime<Utc>) -> TokenStatus {
    match filter {
        ListFilter::Expired => TokenStatus::Expired,
        ListFilter::Revoked => TokenStatus::Revoked,
        ListFilter::Active | ListFilter::All => TokenStatus::Active,
    }
}
