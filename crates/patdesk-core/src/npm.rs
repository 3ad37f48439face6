//! Hand a PAT to npm for an Azure Artifacts feed: the six `.npmrc` lines Microsoft documents for the feed
//! (user name, the token base64-encoded as `_password`, and the e-mail npm insists on, for the feed's
//! `…/npm/registry/` and `…/npm/` addresses), set in the person's user `.npmrc` through npm itself
//! (`npm config set … --location=user`), and removed the same way (`npm config delete`).
//!
//! npm has no keychain: base64 is not encryption, so the written route is plain text and is taken only after
//! the person chose it. The other route writes no secret at all: the same lines with `${AZDO_NPM_PAT_B64}` in
//! place of the token ([`env_lines`]), which npm fills from the environment when it runs.
//!
//! Like NuGet's CLI, `npm config set` takes the value as an argument, so it is visible to other processes of
//! the same user while npm runs.

use std::ffi::{OsStr, OsString};
use std::process::{Command, Stdio};

use base64::Engine;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

/// The environment variable the `${…}` variant reads the base64-encoded token from.
pub const NPM_TOKEN_ENV: &str = "AZDO_NPM_PAT_B64";

const EMAIL: &str = "npm requires email to be set but doesn't use the value";

/// The two nerf-darted prefixes of a feed (`//host/…/npm/registry/` and `//host/…/npm/`) from its registry URL
/// (`https://pkgs.dev.azure.com/{org}/_packaging/{feed}/npm/registry/`).
pub fn prefixes(registry_url: &str) -> Option<(String, String)> {
    let url = url::Url::parse(registry_url.trim()).ok()?;
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str()?),
        None => url.host_str()?.to_string(),
    };
    let path = url.path();
    let at = path.to_ascii_lowercase().find("/npm/registry")?;
    let base = &path[..at];
    if !base.to_ascii_lowercase().contains("/_packaging/") {
        return None;
    }
    Some((
        format!("//{host}{base}/npm/registry/"),
        format!("//{host}{base}/npm/"),
    ))
}

/// The six `key=value` settings for the feed, with `password` (already base64) as `_password`.
fn settings(
    registry_url: &str,
    username: &str,
    password: &str,
) -> Result<Vec<(String, String)>, Error> {
    let (registry, npm) = prefixes(registry_url).ok_or_else(not_a_feed)?;
    let mut out = Vec::new();
    for prefix in [registry, npm] {
        out.push((format!("{prefix}:username"), username.to_string()));
        out.push((format!("{prefix}:_password"), password.to_string()));
        out.push((format!("{prefix}:email"), EMAIL.to_string()));
    }
    Ok(out)
}

/// The lines with `${AZDO_NPM_PAT_B64}` instead of the token: no secret, safe to copy or keep.
pub fn env_lines(registry_url: &str, username: &str) -> Result<String, Error> {
    let lines: Vec<String> = settings(registry_url, username, &format!("${{{NPM_TOKEN_ENV}}}"))?
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    Ok(format!(
        "; begin auth token\n{}\n; end auth token\n",
        lines.join("\n")
    ))
}

/// Which `npm` runs, with what extra environment (tests give a throw-away HOME).
#[derive(Debug, Clone, Default)]
pub struct NpmClient {
    envs: Vec<(OsString, OsString)>,
}

impl NpmClient {
    pub fn new() -> Self {
        NpmClient::default()
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Whether `npm --version` runs.
    pub fn available(&self) -> bool {
        self.command()
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Set the six lines for the feed in the user's `.npmrc` (plain text: only with `plain_text_ok`).
    pub fn hand_off(
        &self,
        registry_url: &str,
        username: &str,
        secret: &Sensitive<String>,
        plain_text_ok: bool,
    ) -> Result<(), Error> {
        if !plain_text_ok {
            return Err(Error::new(ErrorCode::InvalidInput, PLAIN_TEXT_WARNING));
        }
        if username.trim().is_empty() || secret.expose().is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "This token cannot be handed to npm.",
            ));
        }
        let encoded = Sensitive::new(
            base64::engine::general_purpose::STANDARD.encode(secret.expose().as_bytes()),
        );
        for (key, value) in settings(registry_url, username.trim(), encoded.expose())? {
            self.config(&["set", &key, &value])?;
        }
        Ok(())
    }

    /// Remove the feed's lines from the user's `.npmrc` (those that are not there are fine).
    pub fn remove(&self, registry_url: &str) -> Result<(), Error> {
        for (key, _) in settings(registry_url, "-", "-")? {
            self.config(&["delete", &key])?;
        }
        Ok(())
    }

    fn config(&self, args: &[&str]) -> Result<(), Error> {
        let output = self
            .command()
            .arg("config")
            .args(args)
            .arg("--location=user")
            // npm's debug log records the command line, which here holds the token: write none.
            .arg("--logs-max=0")
            .stdin(Stdio::null())
            .output()
            .map_err(|_| {
                Error::new(
                    ErrorCode::InvalidInput,
                    "npm was not found on this computer. Install Node.js (which brings npm), then try again.",
                )
            })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::Internal,
                "npm could not change your .npmrc. Check that the file is writable, then try again.",
            )
            .with_raw(String::from_utf8_lossy(&output.stderr).trim().to_string()))
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" });
        cmd.env("NO_UPDATE_NOTIFIER", "1")
            .env("npm_config_update_notifier", "false");
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }
}

/// What the window says before the written route.
pub const PLAIN_TEXT_WARNING: &str = "npm keeps credentials only in plain text, in the .npmrc file in your home folder (base64 is not encryption), where any program you run can read the token. Write it there only if that is acceptable on this computer — or use the lines with ${AZDO_NPM_PAT_B64}, which hold no token.";

fn not_a_feed() -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        "This is not the address of an Azure Artifacts npm feed. Copy it from the feed's \"Connect to feed\" page: it looks like https://pkgs.dev.azure.com/{organization}/_packaging/{feed}/npm/registry/.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_lines_for_the_feed_and_the_env_variant_holds_no_token() {
        let url = "https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/";
        let (registry, npm) = prefixes(url).unwrap();
        assert_eq!(
            registry,
            "//pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/"
        );
        assert_eq!(npm, "//pkgs.dev.azure.com/contoso/_packaging/web/npm/");
        let text = env_lines(url, "contoso").unwrap();
        assert_eq!(
            text.lines().count(),
            8,
            "six lines between the markers: {text}"
        );
        assert!(text.contains(
            "//pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/:_password=${AZDO_NPM_PAT_B64}"
        ));
        assert!(prefixes("https://registry.npmjs.org/").is_none());
    }
}
