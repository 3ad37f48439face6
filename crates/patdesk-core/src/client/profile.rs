//! The signed-in person and their organizations: Profile and Accounts (§4.1, §4.2).

use super::{AzureDevOpsClient, PROFILE_API_VERSION};
use crate::endpoints::join;
use crate::error::Error;
use crate::model::{initials_of, Organization, Profile};
use crate::wire::{WireAccounts, WireProfile};

impl AzureDevOpsClient {
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
}
