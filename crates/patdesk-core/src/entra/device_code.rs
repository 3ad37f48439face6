//! The device-code sign-in (contract §3.6), the fallback when the browser sign-in cannot be used: Entra gives
//! a short code, the person types it at `verification_uri` on any device, and PAT Desk polls the token
//! endpoint until they are done. The demo signs in exactly this way against the simulator (which approves at
//! once), so every demo exercises the real path.
//!
//! Both requests go through the `oauth2` crate's device grant (RFC 8628: `authorization_pending`, `slow_down`,
//! expiry); errors are mapped by the one Entra mapping ([`super::sign_in_error`]).

use std::time::Duration;

use oauth2::{DeviceAuthorizationResponse, ExtraDeviceAuthorizationFields};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::{
    logged, map_token_error, oauth_client, scopes_of, token_set, EntraConfig, EntraUrls, TokenSet,
    TOKEN_REQUEST_TIMEOUT,
};
use crate::endpoints::Endpoints;
use crate::error::{Error, ErrorCode};
use crate::http::build_client as build_http_client;

/// Starts device-code sign-ins.
pub struct DeviceCodeFlow;

/// Entra's device-code answer carries a ready sentence (`message`) besides the standard fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EntraDeviceFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for EntraDeviceFields {}

/// What to show the person while the device-code sign-in waits.
#[derive(Clone)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    pub expires_in: Duration,
    /// How often to poll. Taken from the server; tests may shorten it.
    pub interval: Duration,
    /// Added to `interval` after each `slow_down` (RFC 8628: 5 s); tests may shorten it.
    pub slow_down_step: Duration,
    details: DeviceAuthorizationResponse<EntraDeviceFields>,
    urls: std::sync::Arc<EntraUrls>,
    client_id: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for DeviceCodePrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodePrompt")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// The step `oauth2` adds to the polling interval after each `slow_down` (RFC 8628 §3.5).
const RFC_SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The longest a device code is waited for, whatever Entra's `expires_in` says (its codes last 15 minutes).
pub const MAX_DEVICE_CODE_LIFETIME: Duration = crate::http::MAX_SERVER_WAIT;

/// The longest wait between two polls, whatever Entra's `interval` says (it sends 5 s).
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// Entra's device-code answer with its `expires_in` and `interval` clamped to [`MAX_DEVICE_CODE_LIFETIME`] and
/// [`MAX_POLL_INTERVAL`]. `oauth2` polls with the answer's own values (and adds 5 s to the interval per
/// `slow_down` without checking for overflow), so the clamped values must be in the answer itself, not only in
/// what PAT Desk shows.
pub fn clamp_device_timing(
    details: DeviceAuthorizationResponse<EntraDeviceFields>,
) -> Result<DeviceAuthorizationResponse<EntraDeviceFields>, Error> {
    let clamp = |d: Duration, max: Duration| d.min(max).as_secs();
    let expires_in = clamp(details.expires_in(), MAX_DEVICE_CODE_LIFETIME);
    let interval = clamp(details.interval(), MAX_POLL_INTERVAL);
    let mut fields = serde_json::to_value(&details).map_err(Error::internal)?;
    fields["expires_in"] = expires_in.into();
    fields["interval"] = interval.into();
    serde_json::from_value(fields).map_err(Error::internal)
}

impl DeviceCodeFlow {
    /// Ask Entra for a device code.
    pub async fn start(
        endpoints: &Endpoints,
        config: &EntraConfig,
    ) -> Result<DeviceCodePrompt, Error> {
        let http = build_http_client(TOKEN_REQUEST_TIMEOUT)?;
        let urls = EntraUrls::without_redirect(endpoints, config.tenant())?;
        let details: DeviceAuthorizationResponse<EntraDeviceFields> =
            oauth_client(&config.client_id, &urls)
                .exchange_device_code()
                .add_scopes(scopes_of(&config.scopes))
                .request_async(&logged(&http))
                .await
                .map_err(map_token_error)?;
        let details = clamp_device_timing(details)?;
        let user_code = details.user_code().secret().clone();
        let verification_uri = details.verification_uri().to_string();
        let message = details.extra_fields().message.clone().unwrap_or_else(|| {
            format!(
                "To sign in, open {verification_uri} in a web browser and enter the code {user_code}."
            )
        });
        // Never the code itself: with it, anyone could finish this sign-in.
        tracing::info!(
            tenant = config.tenant(),
            expires_in_s = details.expires_in().as_secs(),
            "device-code sign-in: code issued"
        );
        Ok(DeviceCodePrompt {
            message,
            expires_in: details.expires_in(),
            interval: details.interval(),
            slow_down_step: RFC_SLOW_DOWN_STEP,
            user_code,
            verification_uri,
            details,
            urls: std::sync::Arc::new(urls),
            client_id: config.client_id.clone(),
            http,
        })
    }

    /// Poll until the person approves, declines, the code expires, or `cancel` fires.
    pub async fn poll_until_done(
        prompt: &DeviceCodePrompt,
        cancel: &CancellationToken,
    ) -> Result<TokenSet, Error> {
        let client = oauth_client(&prompt.client_id, &prompt.urls);
        // `oauth2` decides when to poll (the server's interval, plus 5 s per `slow_down`); the prompt's
        // interval and step (shortened by tests) are applied to that decision.
        let server_interval = prompt.details.interval();
        let (interval, step) = (prompt.interval, prompt.slow_down_step);
        let sleep = move |asked: Duration| {
            let slow_downs = asked.saturating_sub(server_interval).as_secs_f64()
                / RFC_SLOW_DOWN_STEP.as_secs_f64();
            let added = Duration::try_from_secs_f64(step.as_secs_f64() * slow_downs.max(0.0))
                .unwrap_or(MAX_POLL_INTERVAL);
            tokio::time::sleep(interval.saturating_add(added).min(MAX_POLL_INTERVAL))
        };
        let http = logged(&prompt.http);
        let poll = client
            .exchange_device_access_token(&prompt.details)
            .request_async(&http, sleep, Some(prompt.expires_in));
        let response = tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(Error::from_code(ErrorCode::SignInCancelled)),
            r = poll => r.map_err(map_token_error),
        };
        match &response {
            Ok(_) => tracing::info!("device-code sign-in: approved"),
            Err(e) => tracing::info!(code = e.code.as_str(), "device-code sign-in: ended"),
        }
        Ok(token_set(&response?, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(expires_in: &str, interval: &str) -> DeviceAuthorizationResponse<EntraDeviceFields> {
        serde_json::from_str(&format!(
            r#"{{"device_code":"d","user_code":"U","verification_uri":"https://login.example/device",
                "expires_in":{expires_in},"interval":{interval},"message":"Type U"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_huge_interval_or_lifetime_is_clamped_in_the_answer_oauth2_polls_with() {
        let huge = u64::MAX.to_string();
        let clamped = clamp_device_timing(answer(&huge, &huge)).unwrap();
        assert_eq!(clamped.expires_in(), MAX_DEVICE_CODE_LIFETIME);
        assert_eq!(clamped.interval(), MAX_POLL_INTERVAL);
        // What oauth2 does after a `slow_down` no longer overflows.
        assert!(clamped.interval().checked_add(RFC_SLOW_DOWN_STEP).is_some());
        // The rest of the answer is kept; ordinary values are left alone.
        assert_eq!(clamped.user_code().secret(), "U");
        assert_eq!(clamped.extra_fields().message.as_deref(), Some("Type U"));
        let ordinary = clamp_device_timing(answer("900", "5")).unwrap();
        assert_eq!(ordinary.expires_in(), Duration::from_secs(900));
        assert_eq!(ordinary.interval(), Duration::from_secs(5));
    }
}
