//! Replacing a global ("all accessible organizations") PAT, which stopped working when Microsoft retired them
//! (see `retirement`), with one organization-scoped token per organization (contract
//! `global-pat-retirement.md` §6).
//!
//! Two steps, with the person in between:
//! 1. [`plan`] proposes one replacement per organization the person belongs to: the same name with the
//!    organization as a suffix, the same scopes, and the old expiry if it is still ahead and allowed, else
//!    [`DEFAULT_REPLACEMENT_DAYS`] days. The window lets the person untick or change each line and creates them
//!    one by one with the usual create (each line's policy refusal stays on that line).
//! 2. [`Session::revoke_replaced`] revokes the global token, and only after checking with the service that every
//!    replacement the person kept exists and is active: the global token is never revoked on PAT Desk's own
//!    initiative, nor while a chosen replacement is missing.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::client::validation::{encoded_name_length, MAX_NAME_LENGTH};
use crate::error::{Error, ErrorCode};
use crate::model::{
    Lifespan, NewTokenRequest, Organization, PatToken, RevokeOutcome, RevokeResult, TokenStatus,
};
use crate::session::Session;

/// A replacement's lifespan when the old token's expiry has passed or is further away than allowed.
pub const DEFAULT_REPLACEMENT_DAYS: u32 = 90;

/// The longest a replacement keeps the old expiry: the service's one-year maximum, less a day so that "until the
/// end of that day" stays inside it.
const LONGEST_KEPT_EXPIRY_DAYS: i64 = 364;

/// What replacing one global token would create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ReplacementPlan {
    /// The global token being replaced.
    pub original: PatToken,
    /// One per organization the person belongs to, in the profile's order.
    pub replacements: Vec<PlannedReplacement>,
}

/// One proposed organization-scoped token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct PlannedReplacement {
    pub organization: String,
    pub display_name: String,
    /// Raw scopes, as the original's (`["app_token"]` for full access).
    pub scopes: Vec<String>,
    pub lifespan: Lifespan,
    /// True when the replacement keeps the original's expiry date; false when it gets
    /// [`DEFAULT_REPLACEMENT_DAYS`] days because that date has passed or is too far away.
    pub keeps_expiry: bool,
}

impl PlannedReplacement {
    /// The create request for this line.
    pub fn request(&self) -> NewTokenRequest {
        NewTokenRequest {
            organization: self.organization.clone(),
            display_name: self.display_name.clone(),
            scopes: self.scopes.clone(),
            lifespan: self.lifespan,
        }
    }
}

/// One organization the person chose to replace the global token in, with the token created there if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct ChosenReplacement {
    pub organization: String,
    /// The token created for it, or `None` while it has not been created (or creating it was refused).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<String>,
}

/// A token by the organization it is reached through and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct TokenRef {
    pub organization: String,
    pub authorization_id: String,
}

/// The replacements for the global token `original`, one per organization in `organizations`, as of `now` (the
/// server's clock).
pub fn plan(
    original: &PatToken,
    organizations: &[Organization],
    now: DateTime<Utc>,
) -> Result<ReplacementPlan, Error> {
    if !original.is_global {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "“{}” already works in one organization only, so it does not need replacing.",
                original.display_name
            ),
        ));
    }
    if original.status == TokenStatus::Revoked {
        return Err(Error::new(
            ErrorCode::TokenNotFound,
            format!(
                "“{}” has been revoked. Create a new token with New token instead.",
                original.display_name
            ),
        ));
    }
    let keeps_expiry = original.valid_to > now
        && original.valid_to - now <= Duration::days(LONGEST_KEPT_EXPIRY_DAYS);
    let lifespan = if keeps_expiry {
        Lifespan::Until {
            date: original.valid_to.date_naive(),
        }
    } else {
        Lifespan::Days {
            days: DEFAULT_REPLACEMENT_DAYS,
        }
    };
    let scopes: Vec<String> = original
        .scope
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let replacements = organizations
        .iter()
        .map(|org| PlannedReplacement {
            organization: org.name.clone(),
            display_name: replacement_name(&original.display_name, &org.name),
            scopes: scopes.clone(),
            lifespan,
            keeps_expiry,
        })
        .collect();
    Ok(ReplacementPlan {
        original: original.clone(),
        replacements,
    })
}

/// "{name} ({organization})", shortening the name (never the organization) to stay within the service's limit.
pub fn replacement_name(name: &str, organization: &str) -> String {
    let suffix = format!(" ({organization})");
    let room = MAX_NAME_LENGTH.saturating_sub(encoded_name_length(&suffix));
    let mut base = String::new();
    for c in name.trim().chars() {
        if encoded_name_length(&base) + encoded_name_length(c.encode_utf8(&mut [0; 4])) > room {
            base = base.trim_end().to_string();
            base.push('…');
            break;
        }
        base.push(c);
    }
    format!("{base}{suffix}")
}

impl Session {
    /// The replacement plan for the global token `authorization_id`, listed through `organization`.
    pub async fn plan_replacement(
        &self,
        organization: &str,
        authorization_id: &str,
    ) -> Result<ReplacementPlan, Error> {
        let client = self.client_for(organization);
        let original = client
            .get_pat(organization, authorization_id)
            .await?
            .ok_or_else(|| gone("The token to replace"))?;
        plan(&original, &self.profile.organizations, client.server_now())
    }

    /// Revoke the global token `original` once every replacement the person chose exists: each of `chosen` must
    /// name the token created for it, and the service must list that token as active and scoped to that
    /// organization. Otherwise nothing is revoked and the error names the organization that is missing.
    pub async fn revoke_replaced(
        &self,
        original: &TokenRef,
        chosen: &[ChosenReplacement],
    ) -> Result<RevokeResult, Error> {
        if chosen.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "Create at least one replacement before revoking the old token, so that whatever used it can move to the new one.",
            ));
        }
        for line in chosen {
            let org = &line.organization;
            let Some(id) = &line.authorization_id else {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    format!("The new token for {org} has not been created yet, so PAT Desk left the old token alone. Create it (or untick {org}), then revoke the old token."),
                ));
            };
            let found = self.client_for(org).get_active_pat(org, id).await?;
            let in_place = found.is_some_and(|token| {
                token
                    .target_organizations
                    .as_ref()
                    .is_some_and(|targets| targets.iter().any(|t| t.name.eq_ignore_ascii_case(org)))
            });
            if !in_place {
                return Err(Error::new(
                    ErrorCode::TokenNotFound,
                    format!("The new token for {org} is no longer active, so PAT Desk left the old token alone. Create the replacement for {org} again, then revoke the old token."),
                ));
            }
        }
        let client = self.client_for(&original.organization);
        let display_name = client
            .get_pat(&original.organization, &original.authorization_id)
            .await
            .ok()
            .flatten()
            .map(|t| t.display_name)
            .unwrap_or_default();
        let outcome = match client
            .revoke_pat(&original.organization, &original.authorization_id)
            .await
        {
            Ok(outcome) => outcome,
            Err(error) => RevokeOutcome::Failed { error },
        };
        Ok(RevokeResult {
            authorization_id: original.authorization_id.clone(),
            display_name,
            outcome,
        })
    }
}

fn gone(what: &str) -> Error {
    Error::new(
        ErrorCode::TokenNotFound,
        format!("{what} no longer exists. Refresh the list to see your tokens as they are now."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap()
    }

    fn orgs() -> Vec<Organization> {
        ["contoso-web", "contoso-data", "fabrikam-tools"]
            .iter()
            .map(|n| Organization::new(format!("id-{n}"), n.to_string()))
            .collect()
    }

    fn global(valid_to: DateTime<Utc>) -> PatToken {
        PatToken {
            authorization_id: "a1".into(),
            display_name: "All orgs: personal automation".into(),
            scope: "vso.work vso.code".into(),
            scope_summary: vec![],
            target_organizations: None,
            is_global: true,
            valid_from: now() - Duration::days(150),
            valid_to,
            status: TokenStatus::Active,
            stopped_working: true,
            organization: "contoso-web".into(),
        }
    }

    #[test]
    fn one_line_per_organization_with_the_same_scopes_and_a_suffixed_name() {
        let plan = plan(&global(now() + Duration::days(30)), &orgs(), now()).unwrap();
        let names: Vec<_> = plan
            .replacements
            .iter()
            .map(|r| r.display_name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "All orgs: personal automation (contoso-web)",
                "All orgs: personal automation (contoso-data)",
                "All orgs: personal automation (fabrikam-tools)",
            ]
        );
        for r in &plan.replacements {
            assert_eq!(r.scopes, ["vso.work", "vso.code"]);
            assert_eq!(r.request().organization, r.organization);
        }
    }

    #[test]
    fn keeps_a_future_expiry_and_gives_ninety_days_otherwise() {
        let future = now() + Duration::days(30);
        let kept = plan(&global(future), &orgs(), now()).unwrap();
        assert!(kept.replacements[0].keeps_expiry);
        assert_eq!(
            kept.replacements[0].lifespan,
            Lifespan::Until {
                date: future.date_naive()
            }
        );
        for valid_to in [now() - Duration::days(1), now() + Duration::days(400)] {
            let fresh = plan(&global(valid_to), &orgs(), now()).unwrap();
            assert!(!fresh.replacements[0].keeps_expiry);
            assert_eq!(fresh.replacements[0].lifespan, Lifespan::Days { days: 90 });
        }
    }

    #[test]
    fn only_live_global_tokens_are_replaced() {
        let mut scoped = global(now() + Duration::days(30));
        scoped.is_global = false;
        assert_eq!(
            plan(&scoped, &orgs(), now()).unwrap_err().code,
            ErrorCode::InvalidInput
        );
        let mut revoked = global(now() + Duration::days(30));
        revoked.status = TokenStatus::Revoked;
        assert_eq!(
            plan(&revoked, &orgs(), now()).unwrap_err().code,
            ErrorCode::TokenNotFound
        );
    }

    #[test]
    fn a_long_name_is_shortened_but_keeps_its_organization() {
        let long = "&".repeat(60);
        let name = replacement_name(&long, "fabrikam-tools");
        assert!(name.ends_with(" (fabrikam-tools)"));
        assert!(name.contains('…'));
        assert!(encoded_name_length(&name) <= MAX_NAME_LENGTH);
        assert_eq!(replacement_name("  ci  ", "web"), "ci (web)");
    }
}
