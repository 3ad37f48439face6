//! Which package-feed addresses a token may be handed for (NuGet, npm, pip, the NuGet environment snippet,
//! and every recorded copy refreshed or removed later).
//!
//! A tool given a feed address and a token sends that token to the address's host, so the address decides who
//! receives the token. Only Azure Artifacts may: `https://pkgs.dev.azure.com/{org}/…/_packaging/…`,
//! `https://{org}.pkgs.visualstudio.com/…/_packaging/…`, or the signed-in Azure DevOps Server's own scheme and
//! host (plain `http://` there only because the person signed in to that server over it). A user name or
//! password in the address, a query and a fragment are refused (they change where, or as whom, the tool
//! connects), and so is an organization other than the token's own. The refusal names the address expected.
//!
//! Under the simulator (tests and the demo) the organizations' host is not `dev.azure.com`: its feeds are at
//! `{origin}/pkgs/{org}/…`, the simulator's stand-in for `https://pkgs.dev.azure.com` (only a loopback or
//! `https://` origin, as [`crate::endpoints::Endpoints`] allows).

use url::{Host, Url};

use crate::error::{Error, ErrorCode};

/// The real host of Azure Artifacts feeds for `dev.azure.com` organizations.
const PKGS_HOST: &str = "pkgs.dev.azure.com";
/// Feeds of `{org}.visualstudio.com` organizations are at `{org}.pkgs.visualstudio.com`.
const LEGACY_PKGS_SUFFIX: &str = ".pkgs.visualstudio.com";

/// The feed addresses allowed for one session and organization. [`FeedAddresses::default`] allows the
/// Azure Artifacts hosts of any organization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedAddresses {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Azure DevOps Services, for `organization` when it is known.
    Services {
        organization: Option<String>,
        /// The simulator's stand-in for `https://pkgs.dev.azure.com` (`http://127.0.0.1:PORT/pkgs`).
        stand_in: Option<Url>,
    },
    /// An Azure DevOps Server: any feed on its scheme, host and port.
    Server { origin: Url },
}

impl Default for Kind {
    fn default() -> Self {
        Kind::Services {
            organization: None,
            stand_in: None,
        }
    }
}

impl FeedAddresses {
    /// Azure DevOps Services: feeds of `organization` (any organization when `None`).
    pub fn services(organization: Option<&str>) -> Self {
        FeedAddresses {
            kind: Kind::Services {
                organization: organization
                    .map(|o| o.trim().to_string())
                    .filter(|o| !o.is_empty()),
                stand_in: None,
            },
        }
    }

    /// Azure DevOps Services whose organizations' host is `dev` (`https://dev.azure.com`, or the simulator's
    /// `{origin}/dev`, whose feeds are at `{origin}/pkgs/{org}/…`).
    pub fn for_dev_url(dev: &Url, organization: Option<&str>) -> Self {
        let real = dev.scheme() == "https"
            && dev
                .host_str()
                .is_some_and(|h| h.eq_ignore_ascii_case("dev.azure.com"));
        let addresses = FeedAddresses::services(organization);
        if real || crate::endpoints::check_secure(dev).is_err() {
            return addresses;
        }
        let mut pkgs = dev.clone();
        pkgs.set_path("/pkgs");
        pkgs.set_query(None);
        pkgs.set_fragment(None);
        addresses.with_stand_in(pkgs)
    }

    /// Also allow feeds at `{pkgs}/{org}/…`, a stand-in for `https://pkgs.dev.azure.com` (the simulator).
    pub fn with_stand_in(mut self, pkgs: Url) -> Self {
        if let Kind::Services { stand_in, .. } = &mut self.kind {
            *stand_in = Some(pkgs);
        }
        self
    }

    /// The signed-in Azure DevOps Server at `base` (`https://tfs.contoso.com/tfs`): feeds on its scheme, host
    /// and port.
    pub fn server(base: &Url) -> Self {
        let mut origin = base.clone();
        origin.set_path("/");
        origin.set_query(None);
        origin.set_fragment(None);
        let _ = origin.set_username("");
        let _ = origin.set_password(None);
        FeedAddresses {
            kind: Kind::Server { origin },
        }
    }

    /// `address` as a URL, when a token may be handed to a tool for it; otherwise the refusal, which says
    /// which address was expected.
    pub fn check(&self, address: &str) -> Result<Url, Error> {
        let trimmed = address.trim();
        // The URL parser drops tabs and line breaks silently: refuse them, so that what is checked is what
        // the tool gets.
        if trimmed.is_empty() || trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(self.refusal("This is not a web address."));
        }
        let url = Url::parse(trimmed).map_err(|_| self.refusal("This is not a web address."))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(self.refusal("The address has a user name or password in it."));
        }
        if url.query().is_some() || url.fragment().is_some() || trimmed.contains(['?', '#']) {
            return Err(self.refusal("The address has a part after ? or # in it."));
        }
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let is_feed = segments
            .iter()
            .any(|s| s.eq_ignore_ascii_case("_packaging"));
        match &self.kind {
            Kind::Services {
                organization,
                stand_in,
            } => {
                let org = if let Some(org) = self.services_org(&url, &segments, stand_in.as_ref()) {
                    org
                } else {
                    return Err(self.refusal(&format!(
                        "{} is not an Azure Artifacts address.",
                        origin_of(&url)
                    )));
                };
                if let Some(expected) = organization {
                    if !org.eq_ignore_ascii_case(expected) {
                        return Err(self.refusal(&format!(
                            "This feed belongs to the organization {org}, not to {expected}."
                        )));
                    }
                }
            }
            Kind::Server { origin } => {
                let same = url.scheme() == origin.scheme()
                    && url.host() == origin.host()
                    && url.port_or_known_default() == origin.port_or_known_default();
                if !same {
                    return Err(self.refusal(&format!(
                        "{} is not the server you signed in to.",
                        origin_of(&url)
                    )));
                }
            }
        }
        if !is_feed {
            return Err(
                self.refusal("This address is not a feed's (it has no /_packaging/ in it).")
            );
        }
        Ok(url)
    }

    /// The organization of a Services feed address on an allowed host, if it is one.
    fn services_org(&self, url: &Url, segments: &[&str], stand_in: Option<&Url>) -> Option<String> {
        let host = match url.host() {
            Some(Host::Domain(d)) => d.to_ascii_lowercase(),
            _ => String::new(),
        };
        if url.scheme() == "https" && url.port().is_none() {
            if host == PKGS_HOST {
                return segments.first().map(|s| s.to_string());
            }
            if let Some(org) = host.strip_suffix(LEGACY_PKGS_SUFFIX) {
                if !org.is_empty() && !org.contains('.') {
                    return Some(org.to_string());
                }
            }
        }
        let pkgs = stand_in?;
        let same_origin = url.scheme() == pkgs.scheme()
            && url.host() == pkgs.host()
            && url.port_or_known_default() == pkgs.port_or_known_default();
        let prefix: Vec<&str> = pkgs
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        if same_origin && segments.len() > prefix.len() && segments.starts_with(&prefix) {
            return Some(segments[prefix.len()].to_string());
        }
        None
    }

    /// The address a feed's must start with, in words: "https://pkgs.dev.azure.com/contoso/".
    pub fn expected(&self) -> String {
        match &self.kind {
            Kind::Services {
                organization,
                stand_in,
            } => {
                let org = organization.as_deref().unwrap_or("{organization}");
                let mut text = format!(
                    "an address starting with https://{PKGS_HOST}/{org}/ or https://{org}{LEGACY_PKGS_SUFFIX}/"
                );
                if let Some(pkgs) = stand_in {
                    text.push_str(&format!(
                        " (or, on this test server, {}/{org}/)",
                        pkgs.as_str().trim_end_matches('/')
                    ));
                }
                text
            }
            Kind::Server { origin } => {
                format!("an address on the server you signed in to, starting with {origin}")
            }
        }
    }

    fn refusal(&self, reason: &str) -> Error {
        let whose = match &self.kind {
            Kind::Services {
                organization: Some(org),
                ..
            } => format!("Azure Artifacts feeds of {org}"),
            Kind::Services { .. } => "Azure Artifacts feeds".to_string(),
            Kind::Server { .. } => "Azure Artifacts feeds of your server".to_string(),
        };
        Error::new(
            ErrorCode::FeedAddressNotAllowed,
            format!(
                "{reason} PAT Desk only hands tokens to {whose}: {}. Copy the feed's address from its \"Connect to feed\" page.",
                self.expected()
            ),
        )
    }
}

/// `scheme://host[:port]` of an address, for the refusal.
fn origin_of(url: &Url) -> String {
    match url.host_str() {
        Some(host) => match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        },
        None => url.scheme().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = "https://pkgs.dev.azure.com/contoso/_packaging/shop/nuget/v3/index.json";

    fn contoso() -> FeedAddresses {
        FeedAddresses::services(Some("contoso"))
    }

    fn refused(addresses: &FeedAddresses, address: &str) -> String {
        let e = addresses.check(address).expect_err(address);
        assert_eq!(e.code, ErrorCode::FeedAddressNotAllowed, "{address}");
        e.message
    }

    #[test]
    fn azure_artifacts_feeds_of_the_organization_are_allowed() {
        for ok in [
            FEED,
            " https://pkgs.dev.azure.com/Contoso/Shop/_packaging/shop@Release/nuget/v3/index.json ",
            "https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/",
            "https://pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/",
            "https://contoso.pkgs.visualstudio.com/_packaging/shop/nuget/v3/index.json",
            "https://pkgs.dev.azure.com:443/contoso/_packaging/shop/nuget/v3/index.json",
        ] {
            assert!(contoso().check(ok).is_ok(), "{ok}");
        }
        assert!(FeedAddresses::default()
            .check("https://pkgs.dev.azure.com/fabrikam/_packaging/f/nuget/v3/index.json")
            .is_ok());
    }

    #[test]
    fn other_hosts_user_info_queries_fragments_and_organizations_are_refused_naming_the_address_expected(
    ) {
        let message = refused(
            &contoso(),
            "https://evil.example/contoso/_packaging/f/nuget/v3/index.json",
        );
        assert_eq!(
            message,
            "https://evil.example is not an Azure Artifacts address. PAT Desk only hands tokens to Azure Artifacts feeds of contoso: an address starting with https://pkgs.dev.azure.com/contoso/ or https://contoso.pkgs.visualstudio.com/. Copy the feed's address from its \"Connect to feed\" page."
        );
        for bad in [
            "http://pkgs.dev.azure.com/contoso/_packaging/f/nuget/v3/index.json",
            "https://pkgs.dev.azure.com.evil.example/contoso/_packaging/f/nuget/v3/index.json",
            "https://pkgs.dev.azure.com:8443/contoso/_packaging/f/nuget/v3/index.json",
            "https://evil.example\\@pkgs.dev.azure.com/contoso/_packaging/f/nuget/v3/index.json",
            "https://x.contoso.pkgs.visualstudio.com/_packaging/f/nuget/v3/index.json",
            "https://pkgs.visualstudio.com/_packaging/f/nuget/v3/index.json",
            "ftp://pkgs.dev.azure.com/contoso/_packaging/f/nuget/v3/index.json",
            "not a url",
            "",
        ] {
            refused(&contoso(), bad);
        }
        assert!(refused(
            &contoso(),
            "https://user:pass@pkgs.dev.azure.com/contoso/_packaging/f/nuget/v3/index.json"
        )
        .starts_with("The address has a user name or password in it."));
        assert!(refused(
            &contoso(),
            "https://contoso@pkgs.dev.azure.com/contoso/_packaging/f/nuget/v3/index.json"
        )
        .contains("user name"));
        for extra in ["?x=1", "#top", "?"] {
            assert!(refused(&contoso(), &format!("{FEED}{extra}")).contains("after ? or #"));
        }
        assert!(refused(
            &contoso(),
            "https://pkgs.dev.azure.com/fabrikam/_packaging/f/nuget/v3/index.json"
        )
        .starts_with("This feed belongs to the organization fabrikam, not to contoso."));
        assert!(refused(
            &contoso(),
            "https://fabrikam.pkgs.visualstudio.com/_packaging/f/nuget/v3/index.json"
        )
        .contains("fabrikam"));
        // A line break or tab the URL parser would drop, and an address that is not a feed's.
        refused(
            &contoso(),
            "https://pkgs.dev.azure.com/con\ntoso/_packaging/f/nuget/v3/index.json",
        );
        refused(
            &contoso(),
            "https://pkgs.dev.azure.com/contoso/_apis/projects",
        );
    }

    #[test]
    fn the_simulator_stands_in_for_pkgs_dev_azure_com_only_on_its_own_origin() {
        let dev = Url::parse("http://127.0.0.1:4000/dev").unwrap();
        let sim = FeedAddresses::for_dev_url(&dev, Some("contoso"));
        assert!(sim
            .check("http://127.0.0.1:4000/pkgs/contoso/_packaging/f/nuget/v3/index.json")
            .is_ok());
        assert!(sim.check(FEED).is_ok(), "the real host stays allowed");
        refused(
            &sim,
            "http://127.0.0.1:4001/pkgs/contoso/_packaging/f/nuget/v3/index.json",
        );
        refused(
            &sim,
            "http://127.0.0.1:4000/dev/contoso/_packaging/f/nuget/v3/index.json",
        );
        refused(
            &sim,
            "http://127.0.0.1:4000/pkgs/fabrikam/_packaging/f/nuget/v3/index.json",
        );
        assert!(refused(&sim, "https://example.com/_packaging/f")
            .contains("http://127.0.0.1:4000/pkgs/contoso/"));
        let real = FeedAddresses::for_dev_url(&Url::parse("https://dev.azure.com").unwrap(), None);
        assert_eq!(real, FeedAddresses::services(None));
        // A plain-http dev address off this machine never becomes a stand-in.
        let remote = Url::parse("http://devops.example:8080/dev").unwrap();
        assert_eq!(
            FeedAddresses::for_dev_url(&remote, None),
            FeedAddresses::services(None)
        );
    }

    #[test]
    fn a_server_session_allows_its_own_scheme_and_host_only() {
        let plain =
            FeedAddresses::server(&Url::parse("http://tfs.contoso.local:8080/tfs").unwrap());
        assert!(plain
            .check("http://tfs.contoso.local:8080/tfs/DefaultCollection/_packaging/f/nuget/v3/index.json")
            .is_ok());
        let message = refused(
            &plain,
            "https://pkgs.dev.azure.com/contoso/_packaging/f/nuget/v3/index.json",
        );
        assert!(
            message.contains("starting with http://tfs.contoso.local:8080/"),
            "{message}"
        );
        refused(
            &plain,
            "https://tfs.contoso.local:8080/tfs/DefaultCollection/_packaging/f/nuget/v3/index.json",
        );
        refused(
            &plain,
            "http://tfs.contoso.local/tfs/DefaultCollection/_packaging/f/nuget/v3/index.json",
        );
        refused(
            &plain,
            "http://u:p@tfs.contoso.local:8080/tfs/DefaultCollection/_packaging/f/nuget/v3/index.json",
        );
        let tls = FeedAddresses::server(&Url::parse("https://devops.contoso.com/").unwrap());
        assert!(tls
            .check("https://devops.contoso.com:443/DefaultCollection/_packaging/f/npm/registry/")
            .is_ok());
    }
}
