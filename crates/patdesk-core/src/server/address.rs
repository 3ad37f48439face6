//! What a person types as "my server", turned into the server's base URL and, when the address names one, a
//! collection: `https://tfs.contoso.local:8080/tfs`, `https://tfs.contoso.local:8080/tfs/DefaultCollection`,
//! `http://server:8080/tfs/`, or a newer install without the `/tfs` virtual directory
//! (`https://devops.contoso.local/DefaultCollection`). Azure DevOps Services hosts (`dev.azure.com`,
//! `*.visualstudio.com`) are recognised so that the sign-in screen can send them to the Entra sign-in instead.

use url::Url;

use crate::error::{Error, ErrorCode};
use crate::model::{Organization, SignInAddress};

/// The virtual directory TFS and Azure DevOps Server up to 2020 install under by default.
pub const TFS_VIRTUAL_DIRECTORY: &str = "tfs";

/// A parsed server address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    /// The deployment's base URL, without a trailing slash: `https://host[:port][/tfs]`.
    pub base: Url,
    /// The collection named in the address, as typed.
    pub collection: Option<String>,
}

/// Whether `host` belongs to Azure DevOps Services (which signs in through Entra, not Windows).
pub fn is_services_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "dev.azure.com"
        || host.ends_with(".dev.azure.com")
        || host == "visualstudio.com"
        || host.ends_with(".visualstudio.com")
        || host.ends_with(".azure.com") && host.contains("vssps")
}

/// Whether what was typed is an on-premises server address (a URL whose host is not Services).
pub fn looks_like_server(input: &str) -> bool {
    ServerAddress::parse(input).is_ok()
}

/// What the sign-in field holds: an organization of Azure DevOps Services (a bare name, or a `dev.azure.com`
/// or `visualstudio.com` address) or the address of an Azure DevOps Server (any other web address). A bare
/// word is always an organization, never a server called that.
pub fn read_sign_in_address(input: &str) -> Result<SignInAddress, Error> {
    let text = input.trim();
    let organization = crate::endpoints::parse_organization(text);
    if let Ok(name) = &organization {
        return Ok(SignInAddress::Services {
            organization: Organization::new("", name.clone()),
        });
    }
    let looks_like_an_address = text.contains(['/', '.', ':']);
    if looks_like_an_address {
        if let Ok(address) = ServerAddress::parse(text) {
            return Ok(SignInAddress::Server {
                url: address.base_str(),
                host: address.host(),
                unencrypted: address.is_plain_http_remote(),
                server_label: super::plain_http::label(&address.base),
                collection: address.collection,
                windows_account: super::current_windows_account(),
                plain_http_chosen_at: None,
            });
        }
    }
    Err(organization.unwrap_err())
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::from_code(ErrorCode::InvalidServerUrl).with_raw(detail)
}

impl ServerAddress {
    /// Parses an address. A missing scheme means `https://`. The first path segment is the virtual
    /// directory when it is `tfs` (any case); the next one, if any, is the collection. Without `tfs`, a single
    /// path segment is the collection of a newer install. Query, fragment and user info are dropped.
    pub fn parse(input: &str) -> Result<ServerAddress, Error> {
        let input = input.trim();
        if input.is_empty() {
            return Err(invalid("empty"));
        }
        let with_scheme = if input.contains("://") {
            input.to_string()
        } else {
            format!("https://{input}")
        };
        let url = Url::parse(&with_scheme).map_err(|e| invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(format!("scheme {}", url.scheme())));
        }
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(invalid("no host"));
        };
        if is_services_host(host) {
            return Err(Error::new(
                ErrorCode::InvalidServerUrl,
                "This is an Azure DevOps Services address. Sign in with your organization instead of a server address.",
            )
            .with_raw(host.to_string()));
        }
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).map(percent_decode).collect())
            .unwrap_or_default();
        let mut base = url.clone();
        base.set_query(None);
        base.set_fragment(None);
        let _ = base.set_username("");
        let _ = base.set_password(None);
        let (dir, rest): (Option<&str>, &[String]) = match segments.split_first() {
            Some((first, rest)) if first.eq_ignore_ascii_case(TFS_VIRTUAL_DIRECTORY) => {
                (Some(first.as_str()), rest)
            }
            _ => (None, &segments[..]),
        };
        // `_apis`, `_usersSettings` and the like are pages of the server, not collections.
        let collection = rest.first().filter(|s| !s.starts_with('_')).cloned();
        // Anything after the collection (a project, `_git/repo`) is dropped: the collection is what counts.
        base.set_path(&match dir {
            Some(d) => format!("/{d}"),
            None => String::new(),
        });
        let text = base.as_str().trim_end_matches('/').to_string();
        let base = Url::parse(&text).map_err(|e| invalid(e.to_string()))?;
        Ok(ServerAddress { base, collection })
    }

    /// The base URL as text, without a trailing slash.
    pub fn base_str(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// `{base}/{collection}`.
    pub fn collection_url(&self, collection: &str) -> String {
        format!("{}/{}", self.base_str(), collection)
    }

    /// The host, for Git hand-off and labels.
    pub fn host(&self) -> String {
        self.base.host_str().unwrap_or_default().to_string()
    }

    /// Whether the address is plain `http://` to a machine other than this one.
    pub fn is_plain_http_remote(&self) -> bool {
        super::plain_http::is_plain_http_remote(&self.base)
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_field_is_an_organization_or_a_server() {
        let organization = |input: &str| match read_sign_in_address(input).unwrap() {
            SignInAddress::Services { organization } => organization.name,
            other => panic!("{input}: {other:?}"),
        };
        let server = |input: &str| match read_sign_in_address(input).unwrap() {
            SignInAddress::Server {
                url,
                host,
                collection,
                windows_account,
                ..
            } => {
                // Only Windows has a person signed in to it that PAT Desk can sign in as.
                assert_eq!(windows_account.is_some(), cfg!(windows), "{input}");
                (url, host, collection)
            }
            other => panic!("{input}: {other:?}"),
        };
        assert_eq!(organization("contoso"), "contoso");
        assert_eq!(organization("https://dev.azure.com/contoso/"), "contoso");
        assert_eq!(organization("https://contoso.visualstudio.com"), "contoso");
        assert_eq!(
            server("https://tfs.contoso.local:8080/tfs/DefaultCollection"),
            (
                "https://tfs.contoso.local:8080/tfs".to_string(),
                "tfs.contoso.local".to_string(),
                Some("DefaultCollection".to_string())
            )
        );
        assert_eq!(
            server("http://server:8080/tfs/").0,
            "http://server:8080/tfs"
        );
        assert_eq!(server("tfs.contoso.local").0, "https://tfs.contoso.local");
        assert_eq!(
            server("https://devops.contoso.local/Research").2.as_deref(),
            Some("Research")
        );
        for neither in ["", "not an org!", "https://dev.azure.com/"] {
            let e = read_sign_in_address(neither).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidOrganization, "{neither}");
        }
    }

    fn parsed(s: &str) -> (String, Option<String>) {
        let a = ServerAddress::parse(s).unwrap();
        (a.base_str(), a.collection)
    }

    #[test]
    fn the_address_forms_of_the_issue_parse() {
        assert_eq!(
            parsed("https://tfs.contoso.local:8080/tfs"),
            ("https://tfs.contoso.local:8080/tfs".into(), None)
        );
        assert_eq!(
            parsed("https://tfs.contoso.local:8080/tfs/DefaultCollection"),
            (
                "https://tfs.contoso.local:8080/tfs".into(),
                Some("DefaultCollection".into())
            )
        );
        assert_eq!(
            parsed("http://server:8080/tfs/"),
            ("http://server:8080/tfs".into(), None)
        );
        assert_eq!(
            parsed("https://devops.contoso.local"),
            ("https://devops.contoso.local".into(), None)
        );
        assert_eq!(
            parsed("https://devops.contoso.local/DefaultCollection/"),
            (
                "https://devops.contoso.local".into(),
                Some("DefaultCollection".into())
            )
        );
        assert_eq!(
            parsed("tfs.contoso.local/TFS/Fabrikam%20Apps/Project/_git/repo?x=1#y"),
            (
                "https://tfs.contoso.local/TFS".into(),
                Some("Fabrikam Apps".into())
            )
        );
        assert_eq!(
            parsed("https://user:pw@server/tfs/_usersSettings/tokens"),
            ("https://server/tfs".into(), None)
        );
    }

    #[test]
    fn services_hosts_and_nonsense_are_not_servers() {
        for s in [
            "https://dev.azure.com/contoso",
            "contoso.visualstudio.com",
            "https://vssps.dev.azure.com/x",
            "",
            "ftp://server/tfs",
            "https://",
        ] {
            let e = ServerAddress::parse(s).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidServerUrl, "{s}");
        }
        assert!(looks_like_server("http://server:8080/tfs/"));
        assert!(!looks_like_server("https://dev.azure.com/fabrikam"));
        assert!(is_services_host("fabrikam.visualstudio.com"));
        assert!(!is_services_host("tfs.contoso.local"));
    }
}
