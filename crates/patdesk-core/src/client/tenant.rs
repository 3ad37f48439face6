//! Tenant discovery (§3.3): which Entra tenant signs in for an organization, from an unauthenticated
//! `HEAD {dev}/{org}` and the headers of its `401`.

use reqwest::header::{HeaderMap, USER_AGENT};
use reqwest::StatusCode;

use super::transport::encode_segment;
use super::AzureDevOpsClient;
use crate::endpoints::join;
use crate::error::{Error, ErrorCode};
use crate::http::user_agent;

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

impl AzureDevOpsClient {
    /// Which Entra tenant signs in for `org` (unauthenticated `HEAD {dev}/{org}`, §3.3).
    pub async fn discover_tenant(&self, org: &str) -> Result<TenantInfo, Error> {
        let url = join(&self.endpoints.dev, &encode_segment(org));
        let request = self.http.head(url).header(USER_AGENT, user_agent());
        let resp = crate::http::send(request).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Err(Error::from_code(ErrorCode::OrganizationNotFound).with_status(404));
        }
        Ok(tenant_from_headers(resp.headers()))
    }
}

/// The tenant an organization signs in with, read from its unauthenticated answer's `WWW-Authenticate`
/// (`Bearer authorization_uri=…/{tenant}`) and `X-VSS-ResourceTenant` headers. Reads what a server sent:
/// any header values give an answer (maybe no tenant), never a panic.
pub fn tenant_from_headers(headers: &HeaderMap) -> TenantInfo {
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

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
}
