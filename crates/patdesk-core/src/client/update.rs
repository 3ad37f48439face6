//! Update a token (§2.8): rename, change scopes or extend; targets are never changed. As after Create, an
//! expiry the service shortened (policy clamp, §11 #2) is reported with the date that was asked for.

use reqwest::Method;

use super::list::status_for;
use super::transport::parse_json;
use super::validation::{normalise_scopes, round_to_10ms, validate_display_name};
use super::AzureDevOpsClient;
use crate::error::{Error, ErrorCode};
use crate::model::{ListFilter, UpdateTokenRequest, UpdatedToken};
use crate::wire::{format_date, WirePatTokenResult, WireUpdateRequest};

impl AzureDevOpsClient {
    /// Rename, change scopes or extend. Fields left `None` keep their value; targets are never changed.
    /// `clamped_from` is the expiry that was asked for when the service kept an earlier one.
    pub async fn update_pat(&self, request: &UpdateTokenRequest) -> Result<UpdatedToken, Error> {
        let org = request.organization.trim();
        super::validation::validate_token_id(&request.authorization_id)?;
        let display_name = match &request.display_name {
            Some(n) => Some(validate_display_name(n)?),
            None => None,
        };
        let scope = match &request.scopes {
            Some(s) => Some(normalise_scopes(s)?),
            None => None,
        };
        let asked = match &request.lifespan {
            Some(l) => Some(round_to_10ms(l.valid_to(self.clock.now(), None)?)),
            None => None,
        };
        let valid_to = asked.map(format_date);
        let body = serde_json::to_value(WireUpdateRequest {
            authorization_id: &request.authorization_id,
            display_name: display_name.as_deref(),
            scope,
            valid_to,
        })
        .map_err(Error::internal)?;
        let url = self.pats_url(org, &[])?;
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
        let token = self.to_model(w, org, status_for(ListFilter::All, self.clock.now()));
        let clamped_from =
            asked.filter(|asked| token.valid_to < *asked - chrono::Duration::seconds(1));
        Ok(UpdatedToken {
            token,
            clamped_from,
        })
    }
}
