//! Every request PAT Desk may send to an Azure DevOps Server, and nothing else.
//!
//! A [`ServerRequest`] can only be made by the constructors below; its fields are private and the transport
//! sends nothing but a `ServerRequest`. The one `DELETE` constructor, [`ServerRequest::revoke`], takes an
//! [`AuthorizationId`], which can only hold a real, non-nil GUID. So the id-less
//! `DELETE …/_apis/Token/SessionTokens`, which revokes **every** token of the person (contract §3
//! "Revoke all"), cannot be built at all. `api-version=1.0` goes on every call (§3 "api-version").

use hyper::Method;
use serde::Serialize;

use crate::error::{Error, ErrorCode};

/// The api-version every on-premises call sends: valid on every server version that has the route.
pub const SERVER_API_VERSION: &str = "1.0";

/// A token's id: a GUID that is not all zeros. The only way to name one token in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorizationId(uuid::Uuid);

impl AuthorizationId {
    /// Parses a token id; anything but a non-nil GUID is refused.
    pub fn parse(id: &str) -> Result<AuthorizationId, Error> {
        match uuid::Uuid::parse_str(id.trim()) {
            Ok(u) if !u.is_nil() => Ok(AuthorizationId(u)),
            _ => Err(Error::new(
                ErrorCode::InvalidInput,
                "PAT Desk was given an invalid token id. Refresh the list and try again.",
            )
            .with_raw(format!("authorization id {id:?}"))),
        }
    }

    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl std::fmt::Display for AuthorizationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

/// Where a SessionTokens call goes: the deployment (server level, "all accessible collections") or one
/// collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenHost {
    Deployment,
    Collection(String),
}

/// The paged list's parameters (§3 "List (page)"): the display filter (Active 1, Revoked 2, Expired 3,
/// All 4), the first row (1-based), the page size and the RFC 1123 page timestamp shared by every page of
/// one listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    pub display_filter: u8,
    pub start_row: u32,
    pub page_size: u32,
    pub timestamp: chrono::DateTime<chrono::Utc>,
}

/// The body of Create.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    pub display_name: String,
    pub scope: String,
    /// Always sent, ISO-8601 UTC.
    pub valid_to: String,
    /// `None` (JSON `null`): all accessible collections (deployment level only).
    pub target_accounts: Option<Vec<String>>,
}

/// The body of Update: a POST with the id (there is no PUT). `validTo` is always sent (an omitted one may
/// become 0001-01-01 on the server); a `None` name or scope is left unchanged.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBody {
    pub authorization_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub valid_to: String,
    /// Always `null`: "no audience change".
    pub target_accounts: Option<Vec<String>>,
}

/// One request to the server: method, path below the server's base URL (with the query) and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerRequest {
    method: Method,
    path_and_query: String,
    body: Option<Vec<u8>>,
}

fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn tokens_path(host: &TokenHost) -> String {
    match host {
        TokenHost::Deployment => "/_apis/Token/SessionTokens".into(),
        TokenHost::Collection(c) => format!("/{}/_apis/Token/SessionTokens", segment(c)),
    }
}

fn json_body<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(Error::internal)
}

impl ServerRequest {
    fn get(path_and_query: String) -> ServerRequest {
        ServerRequest {
            method: Method::GET,
            path_and_query,
            body: None,
        }
    }

    /// `GET {base}[/{collection}]/_apis/connectionData`: who signed in.
    pub fn connection_data(host: &TokenHost) -> ServerRequest {
        let prefix = match host {
            TokenHost::Deployment => String::new(),
            TokenHost::Collection(c) => format!("/{}", segment(c)),
        };
        Self::get(format!(
            "{prefix}/_apis/connectionData?api-version={SERVER_API_VERSION}"
        ))
    }

    /// `GET {base}/_apis/projectCollections`: the server's collections.
    pub fn collections() -> ServerRequest {
        Self::get(format!(
            "/_apis/projectCollections?api-version={SERVER_API_VERSION}"
        ))
    }

    /// The full list of the caller's tokens (revoked and expired included).
    pub fn list_all(host: &TokenHost) -> ServerRequest {
        Self::get(format!(
            "{}?api-version={SERVER_API_VERSION}",
            tokens_path(host)
        ))
    }

    /// One page of the caller's tokens, sorted by name, created anywhere.
    pub fn list_page(host: &TokenHost, page: &PageQuery) -> ServerRequest {
        let stamp = page
            .timestamp
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        Self::get(format!(
            "{}?displayFilterOption={}&createdByOption=3&sortByOption=1&isSortAscending=true&startRowNumber={}&pageSize={}&pageRequestTimeStamp={}&api-version={SERVER_API_VERSION}",
            tokens_path(host),
            page.display_filter,
            page.start_row,
            page.page_size,
            segment(&stamp)
        ))
    }

    /// One token (its secret is never returned).
    pub fn get_token(host: &TokenHost, id: &AuthorizationId) -> ServerRequest {
        Self::get(format!(
            "{}/{id}?api-version={SERVER_API_VERSION}",
            tokens_path(host)
        ))
    }

    /// Create a PAT: always `tokenType=Compact` (the server's default is a JWT that is not a PAT).
    pub fn create(host: &TokenHost, body: &CreateBody) -> Result<ServerRequest, Error> {
        Ok(ServerRequest {
            method: Method::POST,
            path_and_query: format!(
                "{}?tokenType=Compact&api-version={SERVER_API_VERSION}",
                tokens_path(host)
            ),
            body: Some(json_body(body)?),
        })
    }

    /// Update (rename, re-scope, extend) the token named in `body`.
    pub fn update(host: &TokenHost, body: &UpdateBody) -> Result<ServerRequest, Error> {
        AuthorizationId::parse(&body.authorization_id)?;
        Ok(ServerRequest {
            method: Method::POST,
            path_and_query: format!("{}?api-version={SERVER_API_VERSION}", tokens_path(host)),
            body: Some(json_body(body)?),
        })
    }

    /// Revoke ONE token. The only `DELETE` there is; it needs an id.
    pub fn revoke(host: &TokenHost, id: &AuthorizationId) -> ServerRequest {
        ServerRequest {
            method: Method::DELETE,
            path_and_query: format!(
                "{}/{id}?api-version={SERVER_API_VERSION}",
                tokens_path(host)
            ),
            body: None,
        }
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path below the server's base URL, with the query.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// Whether sending it twice does no harm (everything but Create).
    pub fn is_idempotent(&self) -> bool {
        !(self.method == Method::POST && self.path_and_query.contains("tokenType=Compact"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id segment after `SessionTokens`, if the path has one.
    fn id_segment(r: &ServerRequest) -> Option<String> {
        let path = r.path_and_query().split('?').next().unwrap();
        let (_, after) = path.split_once("/_apis/Token/SessionTokens")?;
        after.strip_prefix('/').map(str::to_string)
    }

    #[test]
    fn no_request_without_an_id_can_be_a_delete() {
        // Every id that is not a real GUID is refused before any request exists.
        for bad in [
            "",
            " ",
            "00000000-0000-0000-0000-000000000000",
            "not-a-guid",
            "../",
            "*",
        ] {
            assert!(AuthorizationId::parse(bad).is_err(), "{bad:?}");
        }
        let id = AuthorizationId::parse("5C8B7A19-1D2E-4F30-9A8B-7C6D5E4F3A2B").unwrap();
        let hosts = [
            TokenHost::Deployment,
            TokenHost::Collection("DefaultCollection".into()),
            TokenHost::Collection("Fabrikam Apps".into()),
        ];
        let page = PageQuery {
            display_filter: 4,
            start_row: 1,
            page_size: 100,
            timestamp: chrono::Utc::now(),
        };
        let create = CreateBody {
            display_name: "x".into(),
            scope: "vso.code".into(),
            valid_to: "2027-01-01T00:00:00Z".into(),
            target_accounts: None,
        };
        let update = UpdateBody {
            authorization_id: id.to_string(),
            display_name: None,
            scope: None,
            valid_to: "2027-01-01T00:00:00Z".into(),
            target_accounts: None,
        };
        // Every request any constructor can build, for every host.
        let mut all = vec![ServerRequest::collections()];
        for h in &hosts {
            all.extend([
                ServerRequest::connection_data(h),
                ServerRequest::list_all(h),
                ServerRequest::list_page(h, &page),
                ServerRequest::get_token(h, &id),
                ServerRequest::create(h, &create).unwrap(),
                ServerRequest::update(h, &update).unwrap(),
                ServerRequest::revoke(h, &id),
            ]);
        }
        let deletes: Vec<_> = all
            .iter()
            .filter(|r| r.method() == Method::DELETE)
            .collect();
        assert_eq!(deletes.len(), hosts.len());
        for r in deletes {
            assert_eq!(
                id_segment(r).as_deref(),
                Some("5c8b7a19-1d2e-4f30-9a8b-7c6d5e4f3a2b"),
                "{r:?}"
            );
        }
        // An update needs a real id too.
        let mut bad = update.clone();
        bad.authorization_id = String::new();
        assert!(ServerRequest::update(&TokenHost::Deployment, &bad).is_err());
        for r in &all {
            assert!(r.path_and_query().contains("api-version=1.0"), "{r:?}");
        }
    }

    #[test]
    fn requests_follow_the_contract() {
        let host = TokenHost::Collection("Fabrikam Apps".into());
        let create = ServerRequest::create(
            &host,
            &CreateBody {
                display_name: "CI".into(),
                scope: "vso.code".into(),
                valid_to: "2027-01-01T00:00:00Z".into(),
                target_accounts: None,
            },
        )
        .unwrap();
        assert_eq!(
            create.path_and_query(),
            "/Fabrikam%20Apps/_apis/Token/SessionTokens?tokenType=Compact&api-version=1.0"
        );
        assert!(!create.is_idempotent());
        let body: serde_json::Value = serde_json::from_slice(create.body().unwrap()).unwrap();
        assert_eq!(body["targetAccounts"], serde_json::Value::Null);
        let page = ServerRequest::list_page(
            &TokenHost::Deployment,
            &PageQuery {
                display_filter: 1,
                start_row: 101,
                page_size: 100,
                timestamp: chrono::DateTime::parse_from_rfc3339("2026-12-02T17:00:00Z")
                    .unwrap()
                    .with_timezone(&chrono::Utc),
            },
        );
        assert!(page
            .path_and_query()
            .contains("startRowNumber=101&pageSize=100&pageRequestTimeStamp=Wed%2C%2002%20Dec%202026%2017%3A00%3A00%20GMT"));
        let update = UpdateBody {
            authorization_id: uuid::Uuid::new_v4().to_string(),
            display_name: None,
            scope: None,
            valid_to: "2027-01-01T00:00:00Z".into(),
            target_accounts: None,
        };
        let body = serde_json::to_value(&update).unwrap();
        assert!(body.get("validTo").is_some());
        assert!(body.get("displayName").is_none());
    }
}
