//! Hand a PAT to pip for an Azure Artifacts Python feed without writing it to `pip.conf`: the token goes to
//! the system keychain as the item pip's keyring support looks up (service = the index's host, user name =
//! the user name in the index URL, here the feed's name), and pip's user configuration gets the index URL
//! with that user name and no password (`pip config --user set global.extra-index-url
//! https://{feed}@pkgs.dev.azure.com/…/pypi/simple/`). On a `401` pip asks keyring for the index URL, then for
//! the host, and finds the token there.
//!
//! That needs python-keyring with a working back end in the Python that runs pip ([`PipClient::status`]);
//! without one the only route is the URL with the token in it, in `pip.conf`, which is plain text and taken
//! only after the person chose it.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;
use crate::vault::Vault;

/// What "Use with pip" would do here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct PipStatus {
    /// pip runs (`python3 -m pip`).
    pub pip: bool,
    /// python-keyring's back end, when it has a usable one (then the token goes to the keychain).
    pub keyring: Option<String>,
    pub message: String,
}

/// Where pip's copy went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipRoute {
    /// The keychain item; `pip.conf` holds the URL without the token.
    Keyring,
    /// The URL with the token, in `pip.conf` (the person's choice).
    PlainText,
}

/// The Python that runs pip, with what extra environment (tests give a throw-away HOME).
#[derive(Debug, Clone)]
pub struct PipClient {
    python: PathBuf,
    envs: Vec<(OsString, OsString)>,
}

impl Default for PipClient {
    fn default() -> Self {
        PipClient {
            python: PathBuf::from(if cfg!(windows) { "py" } else { "python3" }),
            envs: Vec::new(),
        }
    }
}

impl PipClient {
    pub fn new() -> Self {
        PipClient::default()
    }

    pub fn python(mut self, python: impl Into<PathBuf>) -> Self {
        self.python = python.into();
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    pub fn status(&self) -> PipStatus {
        let pip = self.run(&["-m", "pip", "--version"]).is_ok();
        let keyring = self
            .run(&[
                "-c",
                "import keyring; b = keyring.get_keyring(); print(type(b).__module__ + '.' + type(b).__name__, b.priority)",
            ])
            .ok()
            .and_then(|out| {
                let (name, priority) = out.trim().rsplit_once(' ')?;
                let usable = priority.parse::<f64>().is_ok_and(|p| p > 0.0)
                    && !name.contains("fail")
                    && !name.contains("null")
                    && !name.contains("chainer");
                usable.then(|| name.to_string())
            });
        let message = match (&keyring, pip) {
            (_, false) => "pip was not found on this computer (python3 -m pip). Install Python and pip, then try again.".to_string(),
            (Some(backend), true) => format!("pip will find the token in your system keychain (python-keyring: {backend}); its configuration gets the feed's address with no token in it."),
            (None, true) => "Your Python has no keyring back end, so pip can only keep the token in plain text, inside the feed's address in pip.conf in your home folder, where any program you run can read it. Install python3-keyring to keep it in your keychain instead.".to_string(),
        };
        PipStatus {
            pip,
            keyring,
            message,
        }
    }

    /// Hand the token to pip for `index_url` (`https://pkgs.dev.azure.com/{org}/_packaging/{feed}/pypi/simple/`):
    /// through the keychain when python-keyring has a back end, else in `pip.conf` only with `plain_text_ok`.
    pub fn hand_off(
        &self,
        vault: Option<&Vault>,
        index_url: &str,
        secret: &Sensitive<String>,
        plain_text_ok: bool,
    ) -> Result<PipRoute, Error> {
        let (url, host, feed) = parse_index(index_url)?;
        let status = self.status();
        if !status.pip {
            return Err(Error::new(ErrorCode::InvalidInput, status.message));
        }
        match (status.keyring, vault) {
            (Some(_), Some(vault)) => {
                vault.save_for_program(&host, &feed, &format!("pip — {feed} ({host})"), secret)?;
                self.set_index(&with_user(&url, &feed, None))?;
                Ok(PipRoute::Keyring)
            }
            _ if plain_text_ok => {
                let with_token = Sensitive::new(with_user(&url, &feed, Some(secret.expose())));
                self.set_index(with_token.expose())?;
                Ok(PipRoute::PlainText)
            }
            _ => Err(Error::new(ErrorCode::InvalidInput, status.message)),
        }
    }

    /// Remove pip's copy: the keychain item and the index line (when it is this feed's).
    pub fn remove(&self, vault: Option<&Vault>, index_url: &str) -> Result<(), Error> {
        let (url, host, feed) = parse_index(index_url)?;
        if let Some(vault) = vault {
            vault.forget_for_program(&host, &feed)?;
        }
        let current = self
            .run(&[
                "-m",
                "pip",
                "config",
                "--user",
                "get",
                "global.extra-index-url",
            ])
            .unwrap_or_default();
        let ours = with_user(&url, &feed, None);
        let path = ours.split_once('@').map_or(ours.as_str(), |(_, p)| p);
        if current.trim().ends_with(path) {
            self.run(&[
                "-m",
                "pip",
                "config",
                "--user",
                "unset",
                "global.extra-index-url",
            ])?;
        }
        Ok(())
    }

    fn set_index(&self, url: &str) -> Result<(), Error> {
        self.run(&[
            "-m",
            "pip",
            "config",
            "--user",
            "set",
            "global.extra-index-url",
            url,
        ])
        .map(|_| ())
    }

    fn run(&self, args: &[&str]) -> Result<String, Error> {
        let mut cmd = Command::new(&self.python);
        cmd.args(args)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .stdin(Stdio::null());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        let output = cmd.output().map_err(|_| {
            Error::new(
                ErrorCode::InvalidInput,
                "Python was not found on this computer. Install Python and pip, then try again.",
            )
        })?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(Error::new(
                ErrorCode::Internal,
                "pip could not change its configuration. Check that pip runs (python3 -m pip --version), then try again.",
            )
            .with_raw(String::from_utf8_lossy(&output.stderr).trim().to_string()))
        }
    }
}

/// The index URL (no user info), its host (`host[:port]`, the keyring service) and the feed's name.
fn parse_index(index_url: &str) -> Result<(url::Url, String, String), Error> {
    let bad = || {
        Error::new(
            ErrorCode::InvalidInput,
            "This is not the address of an Azure Artifacts Python feed. Copy it from the feed's \"Connect to feed\" page: it looks like https://pkgs.dev.azure.com/{organization}/_packaging/{feed}/pypi/simple/.",
        )
    };
    let mut url = url::Url::parse(index_url.trim()).map_err(|_| bad())?;
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if !url.path().to_ascii_lowercase().contains("/pypi/simple") {
        return Err(bad());
    }
    let feed = crate::nuget::feed_name(url.as_str()).ok_or_else(bad)?;
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().ok_or_else(bad)?),
        None => url.host_str().ok_or_else(bad)?.to_string(),
    };
    Ok((url, host, feed))
}

fn with_user(url: &url::Url, user: &str, password: Option<&str>) -> String {
    let mut url = url.clone();
    let _ = url.set_username(user);
    let _ = url.set_password(password);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_url_carries_the_feed_as_user_name_and_no_token() {
        let (url, host, feed) =
            parse_index("https://x:y@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/")
                .unwrap();
        assert_eq!(host, "pkgs.dev.azure.com");
        assert_eq!(feed, "py");
        assert_eq!(
            with_user(&url, &feed, None),
            "https://py@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/"
        );
        assert!(parse_index("https://pypi.org/simple/").is_err());
    }
}
