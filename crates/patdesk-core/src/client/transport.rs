//! The request every Azure DevOps call makes, and how its answer is read (§2.13, §2.14).
//!
//! Shared by every operation of the client: the headers, one refresh-and-retry after "signed out", the retry
//! policy for reads, the pacing of reads by the rate limit the server announces (§2.15), and [`classify`], which turns a status, its headers and body into success or an
//! [`Error`] with the code the contract gives it.

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;
use zeroize::Zeroizing;

use super::{AzureDevOpsClient, PAT_API_VERSION};
use crate::endpoints::join;
use crate::error::{Error, ErrorCode};
use crate::http::{retry_after, user_agent, RateLimit};
use crate::secret::Sensitive;
use crate::wire::VssError;

/// A successful HTTP answer.
pub(super) struct Answer {
    pub(super) body: Vec<u8>,
    /// The rate limit it announced (§2.15), if any.
    pub(super) rate_limit: Option<RateLimit>,
}

impl AzureDevOpsClient {
    /// One Azure DevOps request, with a single refresh-and-retry after "signed out".
    pub(super) async fn send_once(
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

    pub(super) async fn send_with_token(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        token: &Sensitive<String>,
    ) -> Result<Answer, Error> {
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, bearer(token)?)
            .header(ACCEPT, "application/json")
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .header(USER_AGENT, user_agent());
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(b).map_err(Error::internal)?);
        }
        let resp = crate::http::send(req).await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        self.clock.observe(&headers);
        // At most 16 MiB: a longer answer is refused, not read into memory (`crate::http::read_body`).
        let body = crate::http::read_body(resp).await?;
        let mut answer = classify(status, &headers, body)?;
        answer.rate_limit = RateLimit::from_headers(&headers);
        Ok(answer)
    }

    /// Run `op` with the retry policy: transient failures are retried with back-off.
    pub(super) async fn with_retries<T, F, Fut>(&self, mut op: F) -> Result<T, Error>
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

    /// A read (`GET`, retried for transient failures), paced by the rate limit the earlier reads' answers
    /// announced, so parallel listings slow down before the server refuses them.
    pub(super) async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, Error> {
        self.with_retries(|| async {
            let ticket = self.reads.admit().await;
            let answer = self.send_once(Method::GET, url, None).await;
            ticket.answered(answer.as_ref().ok().and_then(|a| a.rate_limit.as_ref()));
            parse_json(&answer?.body)
        })
        .await
    }

    /// The PAT endpoint of `org`, which must be an organization name (letters, digits, inner hyphens): `.`,
    /// `..` or a path character would otherwise reach another address.
    pub(super) fn pats_url(&self, org: &str, query: &[(&str, &str)]) -> Result<Url, Error> {
        crate::endpoints::check_organization_name(org)?;
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
        Ok(url)
    }
}

pub(super) fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub(super) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body)
        .map_err(|e| Error::from_code(ErrorCode::MalformedResponse).with_raw(format!("{e}")))
}

/// Turn an HTTP answer into success or an [`Error`] (§2.13).
pub(super) fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    body: Vec<u8>,
) -> Result<Answer, Error> {
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
        return Ok(Answer {
            body,
            rate_limit: None,
        });
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

/// `Authorization: Bearer …` for `token`, built in a buffer wiped when dropped and marked sensitive (left out of
/// the HTTP stack's debug output, never HPACK-indexed).
fn bearer(token: &Sensitive<String>) -> Result<HeaderValue, Error> {
    let mut value = Zeroizing::new(String::with_capacity(
        "Bearer ".len() + token.expose().len(),
    ));
    value.push_str("Bearer ");
    value.push_str(token.expose());
    let mut header = HeaderValue::from_str(&value).map_err(Error::internal)?;
    header.set_sensitive(true);
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_header_is_marked_sensitive() {
        let header = bearer(&Sensitive::new("access-token-7".to_string())).unwrap();
        assert_eq!(header.to_str().unwrap(), "Bearer access-token-7");
        // Sensitive headers are left out of hyper's and reqwest's debug output and never HPACK-indexed.
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("access-token-7"));
    }

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
}
