//! The token list of a signed-in person across every organization, with partial results.
//!
//! A person's organizations can be reached through several clients (one per Entra tenant they are a member or
//! guest of). One organization that refuses (a Conditional Access policy, throttling, a guest tenant that wants
//! its own sign-in) must never hide the others: [`list_across`] returns every token it could list and one
//! [`OrganizationFailure`] per organization it could not, each with its own plain reason, so the window can
//! show a line with a Retry for that organization alone and the CLI can print the same.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::client::{AzureDevOpsClient, OrganizationFailure};
use crate::error::Error;
use crate::model::{ListFilter, Organization, PatToken};

/// What listing found: the tokens of every organization that answered (de-duplicated by id: a global PAT
/// shows up in each organization) and the organizations that did not.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct TokenListing {
    pub tokens: Vec<PatToken>,
    /// Organizations whose tokens could not be listed, in the order of the person's organizations.
    pub unavailable: Vec<OrganizationFailure>,
}

impl TokenListing {
    /// Whether not a single organization could be listed.
    pub fn nothing_listed(&self, organizations: usize) -> bool {
        organizations > 0 && self.unavailable.len() >= organizations
    }
}

/// How many listings one organization takes for `filter` ([`ListFilter::All`] lists active, expired and
/// revoked tokens separately, so each is labelled).
pub fn listings_per_organization(filter: ListFilter) -> usize {
    if filter == ListFilter::All {
        3
    } else {
        1
    }
}

/// Lists `filter`'s tokens of every organization, each through the client that reaches it. Calls
/// `on_listing_done` with the number of listings finished so far (see [`listings_per_organization`]).
///
/// Fails only when no organization could be listed at all, with the first organization's error (so "sign in
/// again" is shown as such); otherwise the organizations that failed are in [`TokenListing::unavailable`].
pub async fn list_across(
    groups: &[(Arc<AzureDevOpsClient>, Vec<Organization>)],
    filter: ListFilter,
    on_listing_done: impl Fn(usize) + Send + Sync,
) -> Result<TokenListing, Error> {
    let mut listing = list_every_organization(groups, filter, on_listing_done).await;
    let organizations = groups.iter().map(|(_, orgs)| orgs.len()).sum();
    if listing.nothing_listed(organizations) {
        return Err(listing.unavailable.swap_remove(0).error);
    }
    Ok(listing)
}

/// [`list_across`] that never fails as a whole: when nothing could be listed, every organization is in
/// [`TokenListing::unavailable`] with its own reason (the CLI prints each).
pub async fn list_every_organization(
    groups: &[(Arc<AzureDevOpsClient>, Vec<Organization>)],
    filter: ListFilter,
    on_listing_done: impl Fn(usize) + Send + Sync,
) -> TokenListing {
    let done = std::sync::atomic::AtomicUsize::new(0);
    let on_one_done = |_: usize| {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        on_listing_done(n);
    };
    let on_one_done = &on_one_done;
    let per_client = groups
        .iter()
        .map(|(client, orgs)| client.list_all_detailed(orgs, filter, on_one_done));
    let outcomes = futures::future::join_all(per_client).await;

    for (_, orgs) in groups {
        for org in orgs {
            let failed = outcomes
                .iter()
                .flat_map(|o| &o.failures)
                .find(|f| f.organization.id == org.id);
            match failed {
                Some(f) => {
                    tracing::warn!(organization = %org.name, code = f.error.code.as_str(), "listing failed")
                }
                None => {
                    let tokens = outcomes
                        .iter()
                        .flat_map(|o| &o.tokens)
                        .filter(|t| t.organization.eq_ignore_ascii_case(&org.name))
                        .count();
                    tracing::info!(organization = %org.name, ?filter, tokens, code = "ok", "listed");
                }
            }
        }
    }

    let mut seen = HashSet::new();
    let mut listing = TokenListing::default();
    for outcome in outcomes {
        listing.tokens.extend(
            outcome
                .tokens
                .into_iter()
                .filter(|t| seen.insert(t.authorization_id.to_ascii_lowercase())),
        );
        listing.unavailable.extend(outcome.failures);
    }
    let organizations: Vec<&Organization> = groups.iter().flat_map(|(_, orgs)| orgs).collect();
    listing.unavailable.sort_by_key(|f| {
        organizations
            .iter()
            .position(|o| o.id == f.organization.id)
            .unwrap_or(usize::MAX)
    });
    listing
}
