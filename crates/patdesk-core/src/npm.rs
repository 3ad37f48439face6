//! Hand a PAT to npm for an Azure Artifacts feed: the six `.npmrc` lines Microsoft documents for the feed
//! (user name, the token base64-encoded as `_password`, and the e-mail npm insists on, for the feed's
//! `…/npm/registry/` and `…/npm/` addresses), written into the person's user `.npmrc` (the file npm names
//! with `npm config get userconfig`), and removed again the same way.
//!
//! PAT Desk writes the file itself ([`crate::tool_config`]): `npm config set` would take the token as an
//! argument, readable by every local user while npm runs. Only the feed's own lines change; every other line
//! (comments, other registries, settings) stays as it was. The file ends up readable by this user only.
//!
//! npm has no keychain: base64 is not encryption, so the written route is plain text and is taken only after
//! the person chose it. The other route writes no secret at all: the same lines with `${AZDO_NPM_PAT_B64}` in
//! place of the token ([`env_lines`]), which npm fills from the environment when it runs.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;
use crate::tool_config;
use crate::tool_process::{self, Failure};
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

/// Which `npm` runs, with what extra environment (tests give a throw-away HOME) and how long it may take.
#[derive(Debug, Clone)]
pub struct NpmClient {
    envs: Vec<(OsString, OsString)>,
    deadline: Duration,
}

impl Default for NpmClient {
    fn default() -> Self {
        NpmClient {
            envs: Vec::new(),
            deadline: tool_process::DEFAULT_DEADLINE,
        }
    }
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

    /// How long one run of npm may take before it is stopped.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Whether `npm --version` runs.
    pub fn available(&self) -> bool {
        let mut cmd = self.command();
        cmd.arg("--version");
        tool_process::run(cmd, None, self.deadline).is_ok_and(|done| done.success)
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
        if username.trim().is_empty()
            || username.contains(['\n', '\r', '\0'])
            || secret.expose().is_empty()
        {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "This token cannot be handed to npm.",
            ));
        }
        let prefixes = prefixes(registry_url).ok_or_else(not_a_feed)?;
        self.check_npm()?;
        let path = self.user_config()?;
        let text = tool_config::read(&path).map_err(|e| unwritable(&path, e))?;
        let mut encoded = Zeroizing::new(String::with_capacity(
            base64::encoded_len(secret.expose().len(), true).unwrap_or(0),
        ));
        base64::engine::general_purpose::STANDARD.encode_string(secret.expose(), &mut encoded);
        let updated = Npmrc::parse(&text).with_feed(&prefixes, username.trim(), &encoded);
        tool_config::write(&path, &updated).map_err(|e| unwritable(&path, e))
    }

    /// Remove the feed's lines from the user's `.npmrc` (those that are not there are fine).
    pub fn remove(&self, registry_url: &str) -> Result<(), Error> {
        let prefixes = prefixes(registry_url).ok_or_else(not_a_feed)?;
        let path = self.user_config()?;
        let text = tool_config::read(&path).map_err(|e| unwritable(&path, e))?;
        if let Some(updated) = Npmrc::parse(&text).without_feed(&prefixes) {
            tool_config::write(&path, &updated).map_err(|e| unwritable(&path, e))?;
        }
        Ok(())
    }

    /// The user's `.npmrc`, where npm looks for it: `npm_config_userconfig` (any case) when set, else
    /// `.npmrc` in the home folder. (Not `npm config get userconfig`: npm refuses to print a value that looks
    /// like a token, and a path can.)
    pub fn user_config(&self) -> Result<PathBuf, Error> {
        let named = |key: &OsStr| {
            key.to_string_lossy()
                .eq_ignore_ascii_case("npm_config_userconfig")
        };
        let set = self
            .envs
            .iter()
            .rev()
            .find(|(k, _)| named(k))
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::vars_os().find(|(k, _)| named(k)).map(|(_, v)| v))
            .map(PathBuf::from)
            .filter(|p| p.is_absolute());
        let home = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
        set.or_else(|| {
            self.envs
                .iter()
                .rev()
                .find(|(k, _)| k.as_os_str() == OsStr::new(home))
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var_os(home))
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".npmrc"))
        })
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Internal,
                "PAT Desk could not find your home folder, where npm keeps your .npmrc. Copy the lines with ${AZDO_NPM_PAT_B64} instead.",
            )
        })
    }

    /// `npm --version` runs (within the deadline): the token is written only for an npm that is there.
    fn check_npm(&self) -> Result<(), Error> {
        let mut cmd = self.command();
        cmd.arg("--version");
        match tool_process::run(cmd, None, self.deadline) {
            Ok(done) if done.success => Ok(()),
            Ok(done) => Err(Error::new(
                ErrorCode::Internal,
                "npm did not run properly, so nothing was changed. Check that npm runs (npm --version in a terminal), then try again.",
            )
            .with_raw(done.stderr.trim().to_string())),
            Err(Failure::NotFound) => Err(npm_missing()),
            Err(Failure::TimedOut) => Err(tool_process::timed_out(
                "npm",
                self.deadline,
                "Nothing was changed. Try again, or add the lines to your .npmrc yourself.",
            )),
            Err(Failure::Other(e)) => Err(Error::internal(e)),
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

/// The keys of a feed's credentials in `.npmrc`, after its nerf-darted prefix: those PAT Desk writes, and
/// those that would win over them (`_authToken`, `_auth`), replaced on a hand-off.
const WRITTEN_KEYS: [&str; 3] = ["username", "_password", "email"];
const SHADOWING_KEYS: [&str; 2] = ["_authToken", "_auth"];

/// An `.npmrc` as lines, read the way npm's `ini` reads it: `key=value` (the key may be quoted), comments
/// after `;` or `#`, and `[section]` headers. The feed's settings are top-level (before any section).
struct Npmrc<'a> {
    lines: Vec<&'a str>,
    newline: &'static str,
}

impl<'a> Npmrc<'a> {
    fn parse(text: &'a str) -> Npmrc<'a> {
        let (lines, newline) = tool_config::split_lines(text);
        Npmrc { lines, newline }
    }

    /// The top-level key of a line, unquoted as npm reads it.
    fn key(line: &str) -> Option<String> {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with([';', '#', '[']) {
            return None;
        }
        let key = trimmed.split_once('=').map_or(trimmed, |(k, _)| k).trim();
        let unquoted = if key.len() > 1 && key.starts_with('"') && key.ends_with('"') {
            serde_json::from_str::<String>(key).unwrap_or_else(|_| key[1..key.len() - 1].into())
        } else if key.len() > 1 && key.starts_with('\'') && key.ends_with('\'') {
            key[1..key.len() - 1].to_string()
        } else {
            key.to_string()
        };
        Some(unquoted)
    }

    /// Positions of top-level lines whose key is `{prefix}:{name}` for one of the prefixes and names.
    fn positions(&self, prefixes: &(String, String), names: &[&str]) -> Vec<usize> {
        let mut found = Vec::new();
        for (at, line) in self.lines.iter().enumerate() {
            if line.trim_start().starts_with('[') {
                break;
            }
            let Some(key) = Self::key(line) else {
                continue;
            };
            let ours = [&prefixes.0, &prefixes.1].iter().any(|prefix| {
                key.strip_prefix(prefix.as_str())
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|name| names.contains(&name))
            });
            if ours {
                found.push(at);
            }
        }
        found
    }

    /// The text with the feed's six lines (where its old ones were, else before the first section, else at the
    /// end) and none of its older credentials.
    fn with_feed(
        &self,
        prefixes: &(String, String),
        username: &str,
        encoded: &str,
    ) -> Zeroizing<String> {
        let mut names = WRITTEN_KEYS.to_vec();
        names.extend(SHADOWING_KEYS);
        let drop = self.positions(prefixes, &names);
        let at = drop.first().copied().unwrap_or_else(|| {
            self.lines
                .iter()
                .position(|l| l.trim_start().starts_with('['))
                .unwrap_or(self.lines.len())
        });
        let username = ini_safe(username);
        let email = ini_safe(EMAIL);
        let mut ours: Vec<[&str; 4]> = Vec::new();
        for prefix in [&prefixes.0, &prefixes.1] {
            ours.push([prefix, ":username=", &username, ""]);
            ours.push([prefix, ":_password=", encoded, ""]);
            ours.push([prefix, ":email=", &email, ""]);
        }
        let mut pieces: Vec<&str> = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i == at {
                for new in &ours {
                    pieces.extend(new.iter().copied());
                    pieces.push(self.newline);
                }
            }
            if !drop.contains(&i) {
                pieces.push(line);
                pieces.push(self.newline);
            }
        }
        if at >= self.lines.len() {
            for new in &ours {
                pieces.extend(new.iter().copied());
                pieces.push(self.newline);
            }
        }
        tool_config::joined(&pieces)
    }

    /// The text without the feed's six settings, or `None` when it has none of them.
    fn without_feed(&self, prefixes: &(String, String)) -> Option<Zeroizing<String>> {
        let drop = self.positions(prefixes, &WRITTEN_KEYS);
        if drop.is_empty() {
            return None;
        }
        let mut pieces: Vec<&str> = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            if !drop.contains(&i) {
                pieces.push(line);
                pieces.push(self.newline);
            }
        }
        Some(tool_config::joined(&pieces))
    }
}

/// The pieces in one buffer of exactly their size, so no reallocation leaves a copy of a token behind.
/// A value as npm's `ini` writes it: quoted (JSON) when it would not read back as itself, else with `;` and
/// `#` escaped.
fn ini_safe(value: &str) -> String {
    let quoted = value.len() > 1
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')));
    if value.contains(['=', '\r', '\n'])
        || value.starts_with('[')
        || quoted
        || value != value.trim()
    {
        serde_json::to_string(value).unwrap_or_default()
    } else {
        value.replace(';', "\\;").replace('#', "\\#")
    }
}

fn npm_missing() -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        "npm was not found on this computer. Install Node.js (which brings npm), then try again.",
    )
}

fn unwritable(path: &std::path::Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorCode::Internal,
        "PAT Desk could not change your .npmrc. Check that the file is writable (and is a text file), then try again.",
    )
    .with_raw(format!("{}: {e}", path.display()))
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

    fn feed() -> (String, String) {
        prefixes("https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/").unwrap()
    }

    #[test]
    fn only_the_feeds_lines_change_and_the_rest_of_the_npmrc_is_kept() {
        let before = "; mine\r\ncolor=false\r\n\"//pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/:_password\"=b2xk\r\n//pkgs.dev.azure.com/contoso/_packaging/web/npm/:_authToken=older\r\n//other.example/:_password=b3RoZXI=\r\n[section]\r\n//pkgs.dev.azure.com/contoso/_packaging/web/npm/:username=not-top-level\r\n";
        let after = Npmrc::parse(before).with_feed(&feed(), "contoso", "bmV3");
        assert_eq!(
            after.as_str(),
            "; mine\r\ncolor=false\r\n\
             //pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/:username=contoso\r\n\
             //pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/:_password=bmV3\r\n\
             //pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/:email=npm requires email to be set but doesn't use the value\r\n\
             //pkgs.dev.azure.com/contoso/_packaging/web/npm/:username=contoso\r\n\
             //pkgs.dev.azure.com/contoso/_packaging/web/npm/:_password=bmV3\r\n\
             //pkgs.dev.azure.com/contoso/_packaging/web/npm/:email=npm requires email to be set but doesn't use the value\r\n\
             //other.example/:_password=b3RoZXI=\r\n[section]\r\n\
             //pkgs.dev.azure.com/contoso/_packaging/web/npm/:username=not-top-level\r\n"
        );
        let removed = Npmrc::parse(&after).without_feed(&feed()).unwrap();
        assert_eq!(
            removed.as_str(),
            "; mine\r\ncolor=false\r\n//other.example/:_password=b3RoZXI=\r\n[section]\r\n//pkgs.dev.azure.com/contoso/_packaging/web/npm/:username=not-top-level\r\n"
        );
        assert!(Npmrc::parse(&removed).without_feed(&feed()).is_none());
    }

    #[test]
    fn a_new_npmrc_gets_the_six_lines_before_any_section_and_values_are_written_as_npm_reads_them()
    {
        let text = Npmrc::parse("").with_feed(&feed(), "Default Collection;#1", "bmV3");
        assert_eq!(text.lines().count(), 6);
        assert!(
            text.contains("/npm/:username=Default Collection\\;\\#1\n"),
            "{}",
            text.as_str()
        );
        let text = Npmrc::parse("[x]\na=b").with_feed(&feed(), " spaced ", "bmV3");
        assert!(
            text.starts_with(
                "//pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/:username=\" spaced \"\n"
            ),
            "{}",
            text.as_str()
        );
        assert!(text.ends_with("[x]\na=b\n"), "{}", text.as_str());
    }
}
