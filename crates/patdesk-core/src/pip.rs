//! Hand a PAT to pip for an Azure Artifacts Python feed without writing it to `pip.conf`: the token goes to
//! the system keychain as the item pip's keyring support looks up (service = the index's host, user name =
//! the user name in the index URL, here the feed's name), and pip's user configuration gets the index URL
//! with that user name and no password (`extra-index-url = https://{feed}@pkgs.dev.azure.com/…/pypi/simple/`
//! in `[global]`). On a `401` pip asks keyring for the index URL, then for the host, and finds the token there.
//!
//! That needs python-keyring with a working back end in the Python that runs pip ([`PipClient::status`]);
//! without one the only route is the URL with the token in it, in `pip.conf`, which is plain text and taken
//! only after the person chose it.
//!
//! PAT Desk writes pip's user configuration file itself (the last "user" file `pip config debug` lists, the
//! one `pip config --user set` would change), because `pip config set` would take the URL with the token as
//! an argument, readable by every local user while pip runs. Only the feed's entry of `extra-index-url`
//! changes; other index addresses, sections and comments stay. The file ends up readable by this user only.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;
use crate::tool_config;
use crate::tool_process::{self, Failure};
use crate::vault::Vault;
use zeroize::Zeroizing;

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
    deadline: Duration,
}

impl Default for PipClient {
    fn default() -> Self {
        PipClient {
            python: PathBuf::from(if cfg!(windows) { "py" } else { "python3" }),
            envs: Vec::new(),
            deadline: tool_process::DEFAULT_DEADLINE,
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

    /// How long one run of Python may take before it is stopped.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// What "Use with pip" would do here (a Python that does not answer in time is said so).
    pub fn status(&self) -> PipStatus {
        self.probe().unwrap_or_else(|e| PipStatus {
            pip: false,
            keyring: None,
            message: e.message,
        })
    }

    /// [`Self::status`], with a Python that hangs as an error: it was stopped, nothing was handed over.
    fn probe(&self) -> Result<PipStatus, Error> {
        let ran = |result: Result<Zeroizing<String>, Error>| match result {
            Err(e) if e.code == ErrorCode::Timeout => Err(e),
            other => Ok(other.ok()),
        };
        let pip = ran(self.run(&["-m", "pip", "--version"]))?.is_some();
        let keyring = ran(self.run(&[
            "-c",
            "import keyring; b = keyring.get_keyring(); print(type(b).__module__ + '.' + type(b).__name__, b.priority)",
        ]))?
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
        Ok(PipStatus {
            pip,
            keyring,
            message,
        })
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
        if secret.expose().is_empty() || secret.expose().contains(['\n', '\r', '\0']) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "This token cannot be handed to pip.",
            ));
        }
        let status = self.probe()?;
        if !status.pip {
            return Err(Error::new(ErrorCode::InvalidInput, status.message));
        }
        match (status.keyring, vault) {
            (Some(_), Some(vault)) => {
                vault.save_for_program(&host, &feed, &format!("pip — {feed} ({host})"), secret)?;
                self.set_index(&url, &with_user(&url, &feed, None))?;
                Ok(PipRoute::Keyring)
            }
            _ if plain_text_ok => {
                self.set_index(&url, &with_user(&url, &feed, Some(secret.expose())))?;
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
        let path = self.user_config()?;
        let text = tool_config::read(&path).map_err(|e| unwritable(&path, e))?;
        if let Some(updated) = PipConf::parse(&text).with_index(url.as_str(), None) {
            tool_config::write(&path, &updated).map_err(|e| unwritable(&path, e))?;
        }
        Ok(())
    }

    /// Make `entry` (the feed's address with its user name, and the token on the plain-text route) the feed's
    /// entry of `extra-index-url` in pip's user configuration.
    fn set_index(&self, url: &url::Url, entry: &str) -> Result<(), Error> {
        let path = self.user_config()?;
        let text = tool_config::read(&path).map_err(|e| unwritable(&path, e))?;
        if let Some(updated) = PipConf::parse(&text).with_index(url.as_str(), Some(entry)) {
            tool_config::write(&path, &updated).map_err(|e| unwritable(&path, e))?;
        }
        Ok(())
    }

    /// pip's user configuration file, as pip names it: the last file under "user:" in `pip config debug`
    /// (`$XDG_CONFIG_HOME/pip/pip.conf` on Linux, `%APPDATA%\pip\pip.ini` on Windows), the one
    /// `pip config --user set` changes.
    pub fn user_config(&self) -> Result<PathBuf, Error> {
        let listing = self.run(&["-m", "pip", "config", "debug"])?;
        user_file(&listing).ok_or_else(|| {
            Error::new(
                ErrorCode::Internal,
                "pip could not say where its configuration file is. Check that pip runs (python3 -m pip --version), then try again.",
            )
        })
    }

    fn run(&self, args: &[&str]) -> Result<Zeroizing<String>, Error> {
        let mut cmd = Command::new(&self.python);
        cmd.args(args).env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        let done = tool_process::run(cmd, None, self.deadline).map_err(|f| match f {
            Failure::NotFound => Error::new(
                ErrorCode::InvalidInput,
                "Python was not found on this computer. Install Python and pip, then try again.",
            ),
            Failure::TimedOut => tool_process::timed_out(
                "Python (pip)",
                self.deadline,
                "Nothing was changed. Try again, or check that pip runs (python3 -m pip --version).",
            ),
            Failure::Other(e) => Error::internal(e),
        })?;
        if done.success {
            Ok(done.stdout)
        } else {
            Err(Error::new(
                ErrorCode::Internal,
                "pip could not change its configuration. Check that pip runs (python3 -m pip --version), then try again.",
            )
            .with_raw(done.stderr.trim().to_string()))
        }
    }
}

/// The last file listed under `user:` in `pip config debug` (`  /srv/ann/.config/pip/pip.conf, exists: True`).
fn user_file(listing: &str) -> Option<PathBuf> {
    let mut in_user = false;
    let mut last = None;
    for line in listing.lines() {
        if !line.starts_with(' ') {
            in_user = line.trim_end() == "user:";
            continue;
        }
        // Files are indented by two spaces; their settings below them by four.
        if in_user && !line.starts_with("    ") {
            if let Some((file, _)) = line.trim().rsplit_once(", exists:") {
                last = Some(PathBuf::from(file));
            }
        }
    }
    last
}

fn unwritable(path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorCode::Internal,
        "PAT Desk could not change pip's configuration file. Check that it is writable (and is a text file), then try again.",
    )
    .with_raw(format!("{}: {e}", path.display()))
}

/// pip's configuration file as lines, read the way Python's configparser reads it: `[section]` headers,
/// `key = value` or `key: value`, a value continued on indented lines, whole-line comments after `#` or `;`.
/// pip reads a key without regard to case, `_` and `-` alike.
struct PipConf<'a> {
    lines: Vec<&'a str>,
    newline: &'static str,
}

/// Where the `extra-index-url` of `[global]` is: its lines, and the addresses in its value.
struct IndexOption<'a> {
    lines: std::ops::Range<usize>,
    key: &'a str,
    entries: Vec<&'a str>,
}

impl<'a> PipConf<'a> {
    fn parse(text: &'a str) -> PipConf<'a> {
        let (lines, newline) = tool_config::split_lines(text);
        PipConf { lines, newline }
    }

    fn section(line: &str) -> Option<&str> {
        let t = line.trim();
        (t.starts_with('[') && !line.starts_with([' ', '\t']))
            .then(|| t[1..].split_once(']').map(|(name, _)| name.trim()))
            .flatten()
    }

    fn is_comment(line: &str) -> bool {
        line.trim_start().starts_with(['#', ';'])
    }

    /// The `[global]` section's lines (after its header), if it has one.
    fn global(&self) -> Option<std::ops::Range<usize>> {
        let start = self
            .lines
            .iter()
            .position(|l| Self::section(l) == Some("global"))?
            + 1;
        let end = self.lines[start..]
            .iter()
            .position(|l| Self::section(l).is_some())
            .map_or(self.lines.len(), |n| start + n);
        Some(start..end)
    }

    fn index_option(&self, global: std::ops::Range<usize>) -> Option<IndexOption<'a>> {
        let mut at = global.start;
        while at < global.end {
            let line = self.lines[at];
            let split = line.find(['=', ':']);
            let starts_option = !line.starts_with([' ', '\t']) && !Self::is_comment(line);
            if let (true, Some(split)) = (starts_option, split) {
                let key = line[..split].trim();
                let name = key
                    .trim_start_matches("--")
                    .to_ascii_lowercase()
                    .replace('_', "-");
                if name == "extra-index-url" {
                    let mut entries: Vec<&str> = line[split + 1..].split_whitespace().collect();
                    let mut end = at + 1;
                    while end < global.end {
                        let next = self.lines[end];
                        if next.starts_with([' ', '\t'])
                            && !next.trim().is_empty()
                            && !Self::is_comment(next)
                        {
                            entries.extend(next.split_whitespace());
                            end += 1;
                        } else {
                            break;
                        }
                    }
                    return Some(IndexOption {
                        lines: at..end,
                        key,
                        entries,
                    });
                }
            }
            at += 1;
        }
        None
    }

    /// The text with the feed's entry of `extra-index-url` in `[global]` set to `entry` (or removed), other
    /// entries kept; `None` when nothing changes.
    fn with_index(&self, feed: &str, entry: Option<&str>) -> Option<Zeroizing<String>> {
        let is_feed = |e: &str| {
            without_user_info(e)
                .trim_end_matches('/')
                .eq_ignore_ascii_case(feed.trim_end_matches('/'))
        };
        let global = self.global();
        let option = global.clone().and_then(|g| self.index_option(g));
        let mut entries: Vec<&str> = option
            .as_ref()
            .map(|o| o.entries.iter().copied().filter(|e| !is_feed(e)).collect())
            .unwrap_or_default();
        if entry.is_none()
            && option
                .as_ref()
                .is_none_or(|o| o.entries.len() == entries.len())
        {
            return None;
        }
        entries.extend(entry);
        let key = option.as_ref().map_or("extra-index-url", |o| o.key);
        // The option's new lines: one entry on the key's line, several on indented lines below it.
        let mut new: Vec<&str> = Vec::new();
        if !entries.is_empty() {
            new.extend([key, " ="]);
            if let [only] = entries.as_slice() {
                new.extend([" ", only, self.newline]);
            } else {
                new.push(self.newline);
                for e in &entries {
                    new.extend(["    ", e, self.newline]);
                }
            }
        }
        let mut pieces: Vec<&str> = Vec::new();
        match (&global, &option) {
            (_, Some(option)) => {
                for (i, line) in self.lines.iter().enumerate() {
                    if i == option.lines.start {
                        pieces.extend(new.iter().copied());
                    }
                    if !option.lines.contains(&i) {
                        pieces.extend([*line, self.newline]);
                    }
                }
            }
            (Some(global), None) => {
                // After the section's last line that is not blank.
                let mut after = global.start;
                for i in global.clone() {
                    if !self.lines[i].trim().is_empty() {
                        after = i + 1;
                    }
                }
                for (i, line) in self.lines.iter().enumerate() {
                    if i == after {
                        pieces.extend(new.iter().copied());
                    }
                    pieces.extend([*line, self.newline]);
                }
                if after >= self.lines.len() {
                    pieces.extend(new.iter().copied());
                }
            }
            (None, None) => {
                for line in &self.lines {
                    pieces.extend([*line, self.newline]);
                }
                if self.lines.iter().any(|l| !l.trim().is_empty()) {
                    pieces.push(self.newline);
                }
                pieces.extend(["[global]", self.newline]);
                pieces.extend(new.iter().copied());
            }
        }
        Some(tool_config::joined(&pieces))
    }
}

/// An address without its `user[:password]@`.
fn without_user_info(address: &str) -> String {
    let Some((scheme, rest)) = address.split_once("://") else {
        return address.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let start = rest[..authority_end].rfind('@').map_or(0, |at| at + 1);
    format!("{scheme}://{}", &rest[start..])
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

/// The index URL with `user` (and `password`) as its user info, percent-encoded, in a buffer of exactly its
/// size that is wiped when dropped (a `url::Url` would keep an unwiped copy of the token).
fn with_user(url: &url::Url, user: &str, password: Option<&str>) -> Zeroizing<String> {
    let text = url.as_str();
    let (scheme, rest) = text.split_once("://").unwrap_or(("https", text));
    let user = encode_user_info(user);
    let password = password.map(encode_user_info);
    let parts = [
        scheme,
        "://",
        &user,
        if password.is_some() { ":" } else { "" },
        password.as_deref().map_or("", |p| p.as_str()),
        "@",
        rest,
    ];
    let mut out = Zeroizing::new(String::with_capacity(parts.iter().map(|p| p.len()).sum()));
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Percent-encode everything but RFC 3986's unreserved characters (what a user name or password may hold
/// as is).
fn encode_user_info(value: &str) -> Zeroizing<String> {
    let len = value
        .bytes()
        .map(|b| if unreserved(b) { 1 } else { 3 })
        .sum();
    let mut out = Zeroizing::new(String::with_capacity(len));
    for b in value.bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
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
            with_user(&url, &feed, None).as_str(),
            "https://py@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/"
        );
        assert_eq!(
            with_user(&url, &feed, Some("a/b:c@d")).as_str(),
            "https://py:a%2Fb%3Ac%40d@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/"
        );
        assert!(parse_index("https://pypi.org/simple/").is_err());
    }

    const FEED: &str = "https://pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/";

    #[test]
    fn the_feeds_entry_joins_the_other_index_addresses_and_leaves_with_them_intact() {
        let before = "# mine\r\n[global]\r\ntimeout = 20\r\nextra_index_url =\r\n    https://example.org/simple/\r\n    https://py:old-token@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/\r\n\r\n[install]\r\nextra-index-url = https://install.example/simple/\r\n";
        let entry = "https://py:new%2Ftoken@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/";
        let after = PipConf::parse(before)
            .with_index(FEED, Some(entry))
            .unwrap();
        assert_eq!(
            after.as_str(),
            "# mine\r\n[global]\r\ntimeout = 20\r\nextra_index_url =\r\n    https://example.org/simple/\r\n    https://py:new%2Ftoken@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/\r\n\r\n[install]\r\nextra-index-url = https://install.example/simple/\r\n"
        );
        let removed = PipConf::parse(&after).with_index(FEED, None).unwrap();
        assert_eq!(
            removed.as_str(),
            "# mine\r\n[global]\r\ntimeout = 20\r\nextra_index_url = https://example.org/simple/\r\n\r\n[install]\r\nextra-index-url = https://install.example/simple/\r\n"
        );
        assert!(PipConf::parse(&removed).with_index(FEED, None).is_none());
    }

    #[test]
    fn a_file_without_global_gets_one_and_the_last_entry_takes_the_key_with_it() {
        let entry = "https://py@pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/";
        let new = PipConf::parse("").with_index(FEED, Some(entry)).unwrap();
        assert_eq!(
            new.as_str(),
            format!("[global]\nextra-index-url = {entry}\n")
        );
        let other = PipConf::parse("[install]\nno-compile = true\n")
            .with_index(FEED, Some(entry))
            .unwrap();
        assert_eq!(
            other.as_str(),
            format!("[install]\nno-compile = true\n\n[global]\nextra-index-url = {entry}\n")
        );
        let global = PipConf::parse("[global]\ntimeout = 5\n\n[install]\n")
            .with_index(FEED, Some(entry))
            .unwrap();
        assert_eq!(
            global.as_str(),
            format!("[global]\ntimeout = 5\nextra-index-url = {entry}\n\n[install]\n")
        );
        let gone = PipConf::parse(&global).with_index(FEED, None).unwrap();
        assert_eq!(gone.as_str(), "[global]\ntimeout = 5\n\n[install]\n");
    }

    #[test]
    fn pips_user_file_is_the_last_one_under_user() {
        let listing = "env_var:\n  PIP_CERT='/etc/ssl/certs/ca.crt'\nglobal:\n  /etc/pip.conf, exists: True\n    global.cert: /etc/ssl/certs/ca.crt\nsite:\n  /venv/pip.conf, exists: False\nuser:\n  /srv/ann/.pip/pip.conf, exists: False\n  /srv/ann/.config/pip/pip.conf, exists: True\n    global.extra-index-url: https://x/simple/\n";
        assert_eq!(
            user_file(listing),
            Some(PathBuf::from("/srv/ann/.config/pip/pip.conf"))
        );
        assert_eq!(user_file("global:\n  /etc/pip.conf, exists: True\n"), None);
    }
}
