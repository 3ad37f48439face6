//! Revoke a token (§2.9): one `DELETE`, and after a failure a question to the service about what happened,
//! so a revoke whose answer was lost is not reported as failed.

use futures::StreamExt;
use reqwest::Method;

use super::transport::parse_json;
use super::validation::validate_token_id;
use super::{AzureDevOpsClient, ListQuery};
use crate::error::{Error, ErrorCode};
use crate::http::RateLimit;
use crate::model::{ListFilter, PatToken, RevokeOutcome, TokenStatus};
use crate::wire::WirePatTokenResult;

impl AzureDevOpsClient {
    /// One DELETE, no retry. Any 2xx is `Revoked`. After a failure the client asks the service what happened:
    /// a token that is unknown or already revoked is `AlreadyGone` (or `Revoked` when the DELETE itself never
    /// got an answer); otherwise the error is returned (`retry_after` set for `429`).
    pub async fn revoke_pat_once(
        &self,
        org: &str,
        authorization_id: &str,
    ) -> Result<RevokeOutcome, Error> {
        self.revoke_pat_once_with_rate_limit(org, authorization_id)
            .await
            .0
    }

    /// [`Self::revoke_pat_once`], plus the rate limit the `DELETE`'s answer announced (§2.15), for a caller
    /// that paces many revokes (the bulk-revoke engine). A refusal announces nothing here: a `429` carries its
    /// wait in the error.
    pub async fn revoke_pat_once_with_rate_limit(
        &self,
        org: &str,
        authorization_id: &str,
    ) -> (Result<RevokeOutcome, Error>, Option<RateLimit>) {
        let url = match validate_token_id(authorization_id)
            .and_then(|id| self.pats_url(org, &[("authorizationId", id)]))
        {
            Ok(url) => url,
            Err(refused) => return (Err(refused), None),
        };
        let error = match self.send_once(Method::DELETE, &url, None).await {
            Ok(answer) => return (Ok(RevokeOutcome::Revoked), answer.rate_limit),
            Err(e) => e,
        };
        if matches!(
            error.code,
            ErrorCode::RateLimited | ErrorCode::SessionExpired | ErrorCode::NotAllowed
        ) {
            // The request was refused before it did anything.
            return (Err(error), None);
        }
        let got_an_answer = error.status.is_some();
        let outcome = match self.is_gone(org, authorization_id).await {
            Ok(true) if got_an_answer => Ok(RevokeOutcome::AlreadyGone),
            Ok(true) => Ok(RevokeOutcome::Revoked),
            _ => Err(error),
        };
        (outcome, None)
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
        let url = self.pats_url(org, &[("authorizationId", authorization_id)])?;
        let a = self.send_once(Method::GET, &url, None).await?;
        let result: WirePatTokenResult = parse_json(&a.body)?;
        if let Some(err) = result.business_error() {
            return Ok(err.eq_ignore_ascii_case("tokenNotFound"));
        }
        if result.pat_token.is_none() {
            return Ok(true);
        }
        self.listed_as_revoked(org, authorization_id).await
    }

    /// Whether the service lists the token among the revoked ones (a `GET` by id does not say: §2.6).
    async fn listed_as_revoked(&self, org: &str, authorization_id: &str) -> Result<bool, Error> {
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

    /// The token if it exists and is still active: neither expired nor revoked.
    pub async fn get_active_pat(
        &self,
        org: &str,
        authorization_id: &str,
    ) -> Result<Option<PatToken>, Error> {
        match self.get_pat(org, authorization_id).await? {
            Some(token)
                if token.status == TokenStatus::Active
                    && !self.listed_as_revoked(org, authorization_id).await? =>
            {
                Ok(Some(token))
            }
            _ => Ok(None),
        }
    }
}
