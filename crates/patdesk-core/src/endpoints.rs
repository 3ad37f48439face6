//! Where PAT Desk sends its requests: the four real hosts of the wire contract (§0.3), or the simulator.
//!
//! Every base URL is a setting so that tests can point the client at `patdesk-sim`. Plain `http://` is refused
//! unless it names this machine (loopback), so a mistyped setting can never send a bearer token in clear text.
//! This module also turns what a person types as "my organization" into an organization name.

use std::net::IpAddr;

use serde::Deserialize;
use url::Url;

use crate::error::{Error, ErrorCode};

/// Base URLs of the hosts PAT Desk talks to. Each replaces one real host; real paths are appended unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `https://login.microsoftonline.com`
    pub login: Url,
    /// `https://app.vssps.visualstudio.com` (Profile, Accounts)
    pub app_vssps: Url,
    /// `https://vssps.dev.azure.com` (PAT Lifecycle API)
    pub vssps: Url,
    /// `https://dev.azure.com` (tenant discovery)
    pub dev: Url,
}

pub const AZURE_LOGIN: &str = "https://login.microsoftonline.com";
pub const AZURE_APP_VSSPS: &str = "https://app.vssps.visualstudio.com";
pub const AZURE_VSSPS: &str = "https://vssps.dev.azure.com";
pub const AZURE_DEV: &str = "https://dev.azure.com";

impl Endpoints {
    /// The real Microsoft hosts.
    pub fn azure() -> Self {
        let parse = |s: &str| Url::parse(s).expect("constant URL");
        Endpoints {
            login: parse(AZURE_LOGIN),
            app_vssps: parse(AZURE_APP_VSSPS),
            vssps: parse(AZURE_VSSPS),
            dev: parse(AZURE_DEV),
        }
    }

    /// Validated base URLs: `https://` anywhere, `http://` only for loopback hosts.
    pub fn new(login: Url, app_vssps: Url, vssps: Url, dev: Url) -> Result<Self, Error> {
        for url in [&login, &app_vssps, &vssps, &dev] {
            check_secure(url)?;
        }
        Ok(Endpoints {
            login,
            app_vssps,
            vssps,
            dev,
        })
    }

    /// The real hosts, each overridable by `PATDESK_LOGIN_URL`, `PATDESK_APP_VSSPS_URL`, `PATDESK_VSSPS_URL`
    /// and `PATDESK_DEV_URL`.
    pub fn from_env() -> Result<Self, Error> {
        let get = |var: &str, default: &str| -> Result<Url, Error> {
            match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => parse_base(v.trim()),
                _ => parse_base(default),
            }
        };
        Endpoints::new(
            get("PATDESK_LOGIN_URL", AZURE_LOGIN)?,
            get("PATDESK_APP_VSSPS_URL", AZURE_APP_VSSPS)?,
            get("PATDESK_VSSPS_URL", AZURE_VSSPS)?,
            get("PATDESK_DEV_URL", AZURE_DEV)?,
        )
    }

    /// The simulator's one-line JSON: `{"login": …, "app_vssps": …, "vssps": …, "dev": …}`.
    pub fn from_sim_json(json: &str) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct SimJson {
            login: String,
            app_vssps: String,
            vssps: String,
            dev: String,
        }
        let j: SimJson = serde_json::from_str(json.trim()).map_err(|e| {
            Error::new(
                ErrorCode::Internal,
                "The simulator's address list could not be read.",
            )
            .with_raw(e.to_string())
        })?;
        Endpoints::new(
            parse_base(&j.login)?,
            parse_base(&j.app_vssps)?,
            parse_base(&j.vssps)?,
            parse_base(&j.dev)?,
        )
    }

    /// True when every host is a loopback address (the simulator).
    pub fn is_loopback(&self) -> bool {
        [&self.login, &self.app_vssps, &self.vssps, &self.dev]
            .iter()
            .all(|u| is_loopback_host(u))
    }
}

/// Append path segments to a base URL, whatever the base's trailing slash.
pub(crate) fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url
}

fn parse_base(s: &str) -> Result<Url, Error> {
    Url::parse(s).map_err(|e| {
        Error::new(
            ErrorCode::Internal,
            format!("The configured address \"{s}\" is not a valid URL."),
        )
        .with_raw(e.to_string())
    })
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Refuse anything but `https://`, and `http://` to this machine.
pub fn check_secure(url: &Url) -> Result<(), Error> {
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback_host(url) => Ok(()),
        "http" => Err(Error::new(
            ErrorCode::InsecureUrl,
            format!(
                "PAT Desk will not send your sign-in over the unencrypted address {url}. Use an https:// address instead."
            ),
        )
        .with_raw(url.to_string())),
        _ => Err(Error::new(
            ErrorCode::InsecureUrl,
            format!("The address {url} is not a web address PAT Desk can use. Use an https:// address."),
        )
        .with_raw(url.to_string())),
    }
}

/// Turn what a person typed into an organization name: `https://dev.azure.com/{org}[/…]`,
/// `https://{org}.visualstudio.com[/…]`, `dev.azure.com/{org}`, or a bare name.
pub fn parse_organization(input: &str) -> Result<String, Error> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidOrganization,
            "Type the name of your Azure DevOps organization (for example \"fabrikam\") or paste its address.",
        ));
    }
    let looks_like_url = trimmed.contains("://")
        || trimmed.contains('/')
        || trimmed.to_ascii_lowercase().contains(".visualstudio.com")
        || trimmed.to_ascii_lowercase().starts_with("dev.azure.com");
    let candidate = if looks_like_url {
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("https://{trimmed}")
        };
        let url = Url::parse(&with_scheme).map_err(|_| invalid_org(trimmed))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(invalid_org(trimmed));
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if host == "dev.azure.com" {
            url.path_segments()
                .and_then(|mut s| s.find(|seg| !seg.is_empty()))
                .map(percent_decode)
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::InvalidOrganization,
                        "This address has no organization in it. Paste the full address, such as https://dev.azure.com/fabrikam.",
                    )
                })?
        } else if let Some(org) = host.strip_suffix(".visualstudio.com") {
            if org.is_empty() || org.contains('.') {
                return Err(invalid_org(trimmed));
            }
            org.to_string()
        } else {
            return Err(Error::new(
                ErrorCode::InvalidOrganization,
                format!("\"{trimmed}\" is not an Azure DevOps address. Use an address such as https://dev.azure.com/fabrikam, or just type the organization name."),
            ));
        }
    } else {
        trimmed.to_string()
    };
    validate_org_name(&candidate)?;
    Ok(candidate)
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

fn invalid_org(input: &str) -> Error {
    Error::new(
        ErrorCode::InvalidOrganization,
        format!("\"{input}\" does not look like an Azure DevOps organization. Type its name (for example \"fabrikam\") or paste its address (https://dev.azure.com/fabrikam)."),
    )
}

/// An organization name as Azure DevOps allows it: 1 to 50 letters, digits and hyphens, not starting or ending
/// with a hyphen (so never `.`, `..`, or a path, query or escape character).
pub fn check_organization_name(name: &str) -> Result<(), Error> {
    validate_org_name(name)
}

fn validate_org_name(name: &str) -> Result<(), Error> {
    let len = name.chars().count();
    if len == 0 || len > 50 {
        return Err(Error::new(
            ErrorCode::InvalidOrganization,
            format!("\"{name}\" is not a valid organization name: it must have between 1 and 50 characters."),
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Error::new(
            ErrorCode::InvalidOrganization,
            format!("\"{name}\" is not a valid organization name: use only letters, digits and hyphens."),
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(Error::new(
            ErrorCode::InvalidOrganization,
            format!("\"{name}\" is not a valid organization name: it cannot start or end with a hyphen."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_handles_slashes() {
        let base = Url::parse("http://127.0.0.1:9/vssps/").unwrap();
        assert_eq!(
            join(&base, "/fab/_apis/tokens/pats").as_str(),
            "http://127.0.0.1:9/vssps/fab/_apis/tokens/pats"
        );
        let base = Url::parse("https://vssps.dev.azure.com").unwrap();
        assert_eq!(
            join(&base, "fab/_apis").as_str(),
            "https://vssps.dev.azure.com/fab/_apis"
        );
    }
}
