//! Hand a freshly created PAT to Git, so `git clone/pull/push` against `https://dev.azure.com/{org}` just
//! works without the person pasting the token anywhere.
//!
//! This talks to whatever credential helper the person's Git is configured with (Git Credential Manager,
//! libsecret, osxkeychain, wincred, `store`, …) through Git's own plumbing, `git credential approve` /
//! `git credential reject` — PAT Desk never writes Git's files itself.
//!
//! What is sent (on **stdin only** — never on the command line, where other users could read it in the
//! process list, and never in the environment):
//!
//! ```text
//! protocol=https
//! host=dev.azure.com
//! path={org}
//! username={org}
//! password={the PAT}
//! password_expiry_utc={the token's expiry, Unix seconds}
//! ```
//!
//! **Which helper first.** Before handing off, [`GitCredentials::check_helpers`] reads the helpers Git would
//! ask (`credential.helper`, and `credential.<url>.helper` for the Azure DevOps URL) and says what becomes of
//! the token: kept in a keychain (libsecret, osxkeychain, wincred, Git Credential Manager in PAT mode), kept
//! in memory for a while (`cache`), written to a plain file (`store`, or GCM with its `plaintext` store) —
//! which needs the person's explicit go-ahead —, or not used at all (no helper; GCM in OAuth mode, which
//! mints its own tokens and ignores a PAT).
//!
//! **Why `username={org}` and `path={org}`.** Git by default (`credential.useHttpPath=false`) drops the path
//! of `https` URLs before asking a helper, so the helper sees only the host — and every organization's PAT
//! would overwrite the previous one. The clone URLs Azure DevOps hands out carry the organization as the user
//! name (`https://{org}@dev.azure.com/{org}/{project}/_git/{repo}`), so Git asks the helper for
//! `host=dev.azure.com, username={org}` and finds exactly that organization's PAT. (Azure DevOps ignores
//! the user name when the password is a PAT.) A URL without a user name (`https://dev.azure.com/{org}`) asks
//! for the host only and gets the first PAT stored for `dev.azure.com`, which is the right one as long as
//! one organization is used. The `path` line is kept for people who turned on
//! `credential.https://dev.azure.com.useHttpPath`: with it, `git credential fill` for
//! `https://dev.azure.com/{org}` matches on the path as well. PAT Desk does **not** change the person's Git
//! configuration to switch `useHttpPath` on.
//!
//! Calls are synchronous and run `git` as a child process, each with a deadline ([`GitCredentials::deadline`],
//! a minute unless set): a helper waiting on a dialog nobody sees is stopped, with its process group, and the
//! person told so. From async code use `tokio::task::spawn_blocking`.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;
use crate::tool_process::{self, Failure, Finished};

/// The host every Azure DevOps Services organization lives on.
pub const AZURE_DEVOPS_HOST: &str = "dev.azure.com";

/// Which `git` to run and with what extra environment. [`GitCredentials::default`] is the `git` on `PATH`
/// with PAT Desk's own environment; tests add an isolated `HOME`.
#[derive(Debug, Clone)]
pub struct GitCredentials {
    program: PathBuf,
    envs: Vec<(OsString, Option<OsString>)>,
    /// Where the organizations live: `https://dev.azure.com` (or the simulator's stand-in for it).
    protocol: String,
    host: String,
    /// Path before the organization (empty for `dev.azure.com`).
    prefix: String,
    /// How long one `git` run (with its credential helper) may take.
    deadline: Duration,
}

impl Default for GitCredentials {
    fn default() -> Self {
        GitCredentials {
            program: PathBuf::from("git"),
            envs: Vec::new(),
            protocol: "https".into(),
            host: AZURE_DEVOPS_HOST.into(),
            prefix: String::new(),
            deadline: tool_process::DEFAULT_DEADLINE,
        }
    }
}

/// What Git's configured credential helpers would do with a PAT handed to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct GitHelperCheck {
    /// The helpers Git asks for the organization's URL, in order (as configured: `store`, `libsecret`, …).
    pub helpers: Vec<String>,
    pub verdict: GitHelperVerdict,
    /// What happens to the token, in words (shown before the hand-off).
    pub message: String,
}

/// Whether a hand-off to Git may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum GitHelperVerdict {
    /// A keychain (or memory) keeps it: go ahead.
    Ready,
    /// A helper would write it to a plain file: only with the person's explicit go-ahead.
    PlainFile,
    /// Git would not keep or not use it (no helper; Git Credential Manager in OAuth mode).
    Unusable,
}

/// One configured helper, as Git's configuration names it: `manager`, `wincred`, `libsecret`, … A helper
/// given as a path (Git for Windows: `C:/Program\\ Files/Git/mingw64/bin/git-credential-manager.exe`, or
/// quoted) is named by its program's file name without `git-credential-` and `.exe`.
fn helper_kind(helper: &str) -> String {
    let first = first_shell_word(helper.trim().trim_start_matches('!'));
    let base = first.rsplit(['/', '\\']).next().unwrap_or(&first);
    let base = base
        .strip_suffix(".exe")
        .or_else(|| base.strip_suffix(".EXE"))
        .unwrap_or(base);
    base.strip_prefix("git-credential-")
        .unwrap_or(base)
        .to_ascii_lowercase()
}

/// The program of a helper's command line as the shell Git runs it with reads it: quotes group, a backslash
/// before a space or a quote escapes it (other backslashes stay, as in `C:\\Program Files\\…`).
fn first_shell_word(command: &str) -> String {
    let (mut word, mut quote, mut chars) =
        (String::new(), None::<char>, command.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', _) if chars.peek().is_some_and(|n| matches!(n, ' ' | '"' | '\'')) => {
                word.push(chars.next().unwrap_or(' '))
            }
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            (c, None) if c.is_whitespace() => {
                if !word.is_empty() {
                    break;
                }
            }
            (c, _) => word.push(c),
        }
    }
    word
}

/// Whether a helper is Git Credential Manager (`manager` on Git for Windows, `manager-core` before GCM 2.1).
fn is_gcm(kind: &str) -> bool {
    matches!(kind, "manager" | "manager-core" | "credential-manager")
}

/// What the person's Git configuration says about credentials for one organization's URL, read from the
/// output of `git config --get-regexp ^credential\.` (one `key value` per line; Git for Windows may end lines
/// with CRLF).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CredentialConfig {
    /// The helpers Git asks, in order (an empty value clears the list so far, as in Git).
    helpers: Vec<String>,
    /// GCM's `azreposCredentialType` (`pat` or `oauth`), the most specific setting for the URL.
    azrepos_credential_type: Option<String>,
    /// GCM's `credentialStore` (`wincredman`, `secretservice`, `plaintext`, …).
    credential_store: Option<String>,
    /// GCM's `provider`, or the one its deprecated `authority` stands for (`azure-repos`, `generic`, …).
    provider: Option<String>,
}

impl CredentialConfig {
    fn parse(listing: &str, url: &str) -> CredentialConfig {
        // (specificity, value): a `credential.<url>.x` beats `credential.x`, a longer URL a shorter one, and
        // among equals the later line (Git's last-one-wins).
        let mut settings: std::collections::HashMap<&str, (usize, String)> = Default::default();
        let mut helpers = Vec::new();
        for line in listing.lines() {
            let line = line.trim_end_matches('\r');
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let value = value.trim();
            let lower = key.to_ascii_lowercase();
            let Some(rest) = lower.strip_prefix("credential.") else {
                continue;
            };
            let (scope, name) = match rest.rsplit_once('.') {
                Some((scope, name)) => (Some(&key["credential.".len()..][..scope.len()]), name),
                None => (None, rest),
            };
            let specificity = match scope {
                None => 0,
                Some(scope) if url_matches(scope, url) => 1 + scope.len(),
                Some(_) => continue,
            };
            let name = match name {
                "helper" => {
                    if value.is_empty() {
                        helpers.clear();
                    } else {
                        helpers.push(value.to_string());
                    }
                    continue;
                }
                "azreposcredentialtype" => "type",
                "credentialstore" => "store",
                "provider" => "provider",
                "authority" => "authority",
                _ => continue,
            };
            if settings.get(name).is_none_or(|(s, _)| specificity >= *s) {
                settings.insert(name, (specificity, value.to_string()));
            }
        }
        let get = |name: &str| {
            settings
                .get(name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        CredentialConfig {
            helpers,
            azrepos_credential_type: get("type"),
            credential_store: get("store"),
            provider: get("provider")
                .or_else(|| get("authority").map(|a| provider_for_authority(&a))),
        }
    }
}

/// The way to keep a token safe with Git on this system, for the plain-file warnings.
fn safe_helper(linux: bool) -> &'static str {
    if linux {
        "a keychain helper such as libsecret or Git Credential Manager keeps it safe."
    } else {
        "Git Credential Manager with its default store (Windows Credential Manager) keeps it safe."
    }
}

/// The GCM provider a deprecated `credential.authority` value stands for (GCM's migration guide).
fn provider_for_authority(authority: &str) -> String {
    match authority.to_ascii_lowercase().as_str() {
        "msa" | "microsoft" | "microsoftaccount" | "aad" | "azure" | "azuredirectory" | "live"
        | "liveconnect" | "liveid" => "azure-repos",
        "basic" | "integrated" | "windows" | "kerberos" | "ntlm" | "tfs" | "sso" => "generic",
        "github" => "github",
        _ => "auto",
    }
    .to_string()
}

/// What a hand-off to these helpers would come to. `gcm_type` and `gcm_store` are GCM's settings after its
/// environment variables; `linux`: GCM has no default credential store there.
fn assess(config: &CredentialConfig, linux: bool) -> (GitHelperVerdict, String) {
    let kinds: Vec<String> = config.helpers.iter().map(|h| helper_kind(h)).collect();
    let gcm = kinds.iter().any(|k| is_gcm(k));
    let named = |k: &str| kinds.iter().any(|x| x == k);
    // Only GCM's Azure Repos provider has an OAuth mode; its generic provider (a `basic` authority) keeps the
    // PAT like any other password.
    let azure_repos = config
        .provider
        .as_deref()
        .is_none_or(|p| p.eq_ignore_ascii_case("azure-repos") || p.eq_ignore_ascii_case("auto"));
    let oauth = config
        .azrepos_credential_type
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("oauth"));
    let plaintext_store = config
        .credential_store
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("plaintext"));
    if kinds.is_empty() {
        (
            GitHelperVerdict::Unusable,
            "Git has no credential helper set up, so it has nowhere to keep the token. Install Git Credential Manager (or set up another credential helper such as libsecret), then try again — or copy the token and paste it when Git asks for a password.".to_string(),
        )
    } else if gcm && kinds.len() == 1 && azure_repos && oauth {
        (
            GitHelperVerdict::Unusable,
            "Git Credential Manager is set to sign in with your Microsoft account (OAuth) for Azure Repos, so it would not use this token. Switch it to tokens (git config --global credential.azreposCredentialType pat) to use a token, or keep signing in the way it does now.".to_string(),
        )
    } else if named("store") {
        (
            GitHelperVerdict::PlainFile,
            format!("Your Git credential helper (\"store\") writes passwords to a plain text file in your home folder (.git-credentials), where any program you run can read the token. Hand it over only if that is acceptable on this computer; {}", safe_helper(linux)),
        )
    } else if gcm && plaintext_store {
        (
            GitHelperVerdict::PlainFile,
            format!("Git Credential Manager is set to keep passwords in plain text files (credential.credentialStore plaintext), where any program you run can read the token. Hand it over only if that is acceptable on this computer; {}", safe_helper(linux)),
        )
    } else if gcm && config.credential_store.is_none() && linux {
        (
            GitHelperVerdict::Unusable,
            "Git Credential Manager has no credential store selected on this computer, so it cannot keep the token. Choose one (git config --global credential.credentialStore secretservice), then try again.".to_string(),
        )
    } else if kinds.iter().all(|k| k == "cache") {
        (
            GitHelperVerdict::Ready,
            "Git's \"cache\" helper keeps the token in memory only, for a while (15 minutes unless set otherwise); after that Git asks for a password again.".to_string(),
        )
    } else if gcm || named("wincred") {
        let store = if gcm && config.credential_store.is_some() {
            "the credential store you chose for it"
        } else if linux {
            "your keychain"
        } else {
            "Windows Credential Manager"
        };
        (
            GitHelperVerdict::Ready,
            format!(
                "Git keeps the token in {store}, through your credential helper ({}).",
                kinds.join(", ")
            ),
        )
    } else {
        (
            GitHelperVerdict::Ready,
            format!(
                "Git keeps the token with your credential helper ({}).",
                kinds.join(", ")
            ),
        )
    }
}

impl GitCredentials {
    pub fn new() -> Self {
        GitCredentials::default()
    }

    /// Run this program instead of `git` from `PATH`.
    pub fn program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// How long one `git` run may take before it is stopped (a credential helper may be waiting on a dialog).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Hand off for the organizations under `dev` (`https://dev.azure.com`, or the simulator's `…/dev`).
    pub fn for_dev_url(mut self, dev: &url::Url) -> Self {
        self.protocol = dev.scheme().to_string();
        self.host = match (dev.host_str(), dev.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => AZURE_DEVOPS_HOST.to_string(),
        };
        self.prefix = dev.path().trim_matches('/').to_string();
        self
    }

    /// Hand off for the collections of an Azure DevOps Server: `{base}/{collection}`, with the server's port
    /// and virtual directory (`https://tfs.contoso.local:8080/tfs/DefaultCollection`).
    pub fn for_server(self, server: &crate::server::ServerAddress) -> Self {
        self.for_dev_url(&server.base)
    }

    /// Give Git `secret` for an Azure DevOps Server's collection (see [`Self::for_server`]).
    pub fn approve_server(
        &self,
        server: &crate::server::ServerAddress,
        collection: &str,
        secret: &Sensitive<String>,
    ) -> Result<(), Error> {
        self.clone()
            .for_server(server)
            .approve(collection, None, secret)
    }

    /// Forget what [`Self::approve_server`] stored for the collection.
    pub fn reject_server(
        &self,
        server: &crate::server::ServerAddress,
        collection: &str,
    ) -> Result<(), Error> {
        self.clone().for_server(server).reject(collection)
    }

    /// The organization's URL Git's credential is for: `https://dev.azure.com/{org}`.
    pub fn target_url(&self, org: &str) -> String {
        format!(
            "{}://{}/{}",
            self.protocol,
            self.host,
            self.org_path(org.trim())
        )
    }

    fn org_path(&self, org: &str) -> String {
        if self.prefix.is_empty() {
            org.to_string()
        } else {
            format!("{}/{org}", self.prefix)
        }
    }

    /// Set an environment variable for the `git` child processes only.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// Remove an environment variable for the `git` child processes only.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.envs.push((key.as_ref().to_owned(), None));
        self
    }

    /// Whether `git --version` runs.
    pub fn git_available(&self) -> bool {
        let mut cmd = self.command();
        cmd.arg("--version");
        tool_process::run(cmd, None, self.deadline).is_ok_and(|done| done.success)
    }

    /// What Git's helpers for `https://dev.azure.com/{org}` would do with a PAT (see the module docs).
    pub fn check_helpers(&self, org: &str) -> Result<GitHelperCheck, Error> {
        let org = org.trim();
        check_field("organization", org)?;
        self.refuse_plain_http(org)?;
        self.check_git()?;
        let mut config =
            CredentialConfig::parse(&self.credential_settings()?, &self.target_url(org));
        // GCM's environment variables win over Git's configuration.
        if let Some(v) = self.env_setting("GCM_AZREPOS_CREDENTIALTYPE") {
            config.azrepos_credential_type = Some(v);
        }
        if let Some(v) = self.env_setting("GCM_CREDENTIAL_STORE") {
            config.credential_store = Some(v);
        }
        if let Some(v) = self.env_setting("GCM_PROVIDER") {
            config.provider = Some(v);
        }
        let (verdict, message) = assess(&config, cfg!(target_os = "linux"));
        Ok(GitHelperCheck {
            helpers: config.helpers,
            verdict,
            message,
        })
    }

    /// Hand a token to Git after [`Self::check_helpers`]: refused when Git would not keep or use it, and when
    /// it would land in a plain file unless `plain_file_ok` (the person's explicit go-ahead after the warning).
    /// `expiry` becomes `password_expiry_utc`. Answers the check it acted on.
    pub fn hand_off(
        &self,
        org: &str,
        secret: &Sensitive<String>,
        expiry: Option<DateTime<Utc>>,
        plain_file_ok: bool,
    ) -> Result<GitHelperCheck, Error> {
        let check = self.check_helpers(org)?;
        match check.verdict {
            GitHelperVerdict::Unusable => {
                return Err(Error::new(ErrorCode::GitUnavailable, check.message.clone()))
            }
            GitHelperVerdict::PlainFile if !plain_file_ok => {
                return Err(Error::new(ErrorCode::InvalidInput, check.message.clone()))
            }
            _ => {}
        }
        self.approve_until(org, None, secret, expiry)?;
        Ok(check)
    }

    /// Store `secret` as the password for `https://dev.azure.com/{org}` in Git's credential helper.
    /// `username_hint` replaces the user name (default: the organization, see the module docs).
    pub fn approve(
        &self,
        org: &str,
        username_hint: Option<&str>,
        secret: &Sensitive<String>,
    ) -> Result<(), Error> {
        self.approve_until(org, username_hint, secret, None)
    }

    /// [`Self::approve`] with `password_expiry_utc` (helpers that keep it stop offering the token then).
    pub fn approve_until(
        &self,
        org: &str,
        username_hint: Option<&str>,
        secret: &Sensitive<String>,
        expiry: Option<DateTime<Utc>>,
    ) -> Result<(), Error> {
        let org = org.trim();
        check_field("organization", org)?;
        let username = username_hint
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(org);
        check_field("user name", username)?;
        self.refuse_plain_http(org)?;
        if secret.expose().is_empty() || has_forbidden(secret.expose()) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "This token value cannot be handed to Git (it is empty or has a line break).",
            ));
        }
        self.check_git()?;
        if !self.helper_configured(org)? {
            return Err(Error::new(
                ErrorCode::Internal,
                "Git has no credential helper set up, so it has nowhere to keep the token. Install Git Credential Manager (or set up another credential helper), then try again — or copy the token and paste it when Git asks for a password.",
            ));
        }
        // Built in one allocation of the final size, so no stray copy of the secret is left behind by a
        // reallocation; the buffer is zeroized when `input` drops.
        let mut head = self.describe(org, username);
        if let Some(expiry) = expiry {
            head.push_str(&format!("password_expiry_utc={}\n", expiry.timestamp()));
        }
        let password = secret.expose();
        let mut text = String::with_capacity(head.len() + "password=".len() + password.len() + 3);
        text.push_str(&head);
        text.push_str("password=");
        text.push_str(password);
        text.push_str("\n\n");
        let input = Sensitive::new(text);
        self.run_credential("approve", &input)
    }

    /// Git is never told to send a token to an `http://` address off this computer: Git would send it
    /// unencrypted with every clone, pull and push, whatever the person chose for PAT Desk's own connection.
    fn refuse_plain_http(&self, org: &str) -> Result<(), Error> {
        let target = self.target_url(org);
        match url::Url::parse(&target) {
            Ok(url) if !crate::server::plain_http::is_plain_http_remote(&url) => Ok(()),
            _ => Err(Error::new(
                ErrorCode::InsecureUrl,
                format!(
                    "PAT Desk will not give this token to Git for {target}: the address is not encrypted (http://), so Git would send the token with every clone, pull and push where anyone on the network can read it. Ask your server's administrator for an https:// address; until then, copy the token and use it yourself."
                ),
            )
            .with_raw(target)),
        }
    }

    /// Ask Git's credential helper to forget the PAT stored for `{org}` (with user name `{org}`).
    pub fn reject(&self, org: &str) -> Result<(), Error> {
        let org = org.trim();
        check_field("organization", org)?;
        self.check_git()?;
        self.run_credential("reject", &Sensitive::new(self.describe(org, org) + "\n"))
    }

    /// `git --version` runs: missing Git and broken Git settings (which make every git command fail) get
    /// different sentences.
    fn check_git(&self) -> Result<(), Error> {
        let output = self.git(&["--version"], None)?;
        if output.success {
            Ok(())
        } else {
            Err(git_settings_broken(&output.stderr))
        }
    }

    /// Whether a credential helper applies to `https://dev.azure.com/{org}` (`credential.helper`, or a
    /// URL-specific `credential.<url>.helper`). Without one, `git credential approve` silently does nothing.
    fn helper_configured(&self, org: &str) -> Result<bool, Error> {
        let url = self.target_url(org);
        let output = self.git(
            &["config", "--get-urlmatch", "credential.helper", &url],
            None,
        )?;
        match output.code {
            Some(0) => Ok(!output.stdout.trim().is_empty()),
            // 1: the setting is not there.
            Some(1) => Ok(false),
            _ => Err(git_settings_broken(&output.stderr)),
        }
    }

    /// Every `credential.*` setting of the person's Git (`git config --get-regexp`), for
    /// [`CredentialConfig::parse`].
    fn credential_settings(&self) -> Result<String, Error> {
        let output = self.git(&["config", "--get-regexp", r"^credential\."], None)?;
        match output.code {
            // 1: no such setting at all.
            Some(0) | Some(1) => Ok(output.stdout.to_string()),
            _ => Err(git_settings_broken(&output.stderr)),
        }
    }

    /// A Git Credential Manager environment variable as the `git` child sees it.
    fn env_setting(&self, key: &str) -> Option<String> {
        self.envs
            .iter()
            .rev()
            .find(|(k, _)| k.as_os_str() == OsStr::new(key))
            .map(|(_, v)| v.as_ref().map(|v| v.to_string_lossy().into_owned()))
            .unwrap_or_else(|| std::env::var(key).ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The credential description without the password (and without the closing blank line).
    fn describe(&self, org: &str, username: &str) -> String {
        format!(
            "protocol={}\nhost={}\npath={}\nusername={username}\n",
            self.protocol,
            self.host,
            self.org_path(org)
        )
    }

    fn run_credential(&self, action: &str, input: &Sensitive<String>) -> Result<(), Error> {
        let output = self.git(&["credential", action], Some(input))?;
        if output.success {
            Ok(())
        } else {
            Err(helper_failed(action, output.stderr.trim()))
        }
    }

    /// Run `git` with `args` (and `input` on its standard input: the only way a secret reaches it), within
    /// the deadline.
    fn git(&self, args: &[&str], input: Option<&Sensitive<String>>) -> Result<Finished, Error> {
        let mut cmd = self.command();
        cmd.args(args);
        tool_process::run(cmd, input.map(|i| i.expose().as_bytes()), self.deadline).map_err(|f| {
            match f {
                Failure::NotFound => git_missing(),
                Failure::TimedOut => tool_process::timed_out(
                    "Git (or its credential helper)",
                    self.deadline,
                    "Close any Git or keychain window that is waiting for you, then try again — or copy the token and paste it when Git asks for a password.",
                ),
                Failure::Other(e) => helper_failed(args.first().copied().unwrap_or("git"), &e.to_string()),
            }
        })
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        // Never let Git or a helper sit waiting on a terminal prompt PAT Desk cannot answer.
        cmd.env("GIT_TERMINAL_PROMPT", "0");
        for (key, value) in &self.envs {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }
}

/// Whether `git --version` runs (the `git` on `PATH`).
pub fn git_available() -> bool {
    GitCredentials::default().git_available()
}

/// [`GitCredentials::approve`] with the `git` on `PATH`.
pub fn approve(
    org: &str,
    username_hint: Option<&str>,
    secret: &Sensitive<String>,
) -> Result<(), Error> {
    GitCredentials::default().approve(org, username_hint, secret)
}

/// [`GitCredentials::reject`] with the `git` on `PATH`.
pub fn reject(org: &str) -> Result<(), Error> {
    GitCredentials::default().reject(org)
}

/// Whether a `credential.<scope>` section applies to `url`, as Git matches them: the scope's scheme and
/// host equal the URL's (a `*.` host wildcard matches one label), and its path, if any, is a prefix.
fn url_matches(scope: &str, url: &str) -> bool {
    let split = |u: &str| -> Option<(String, String, String)> {
        let (scheme, rest) = u.split_once("://")?;
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        Some((
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase(),
            path.trim_matches('/').to_string(),
        ))
    };
    let (Some((s_scheme, s_host, s_path)), Some((u_scheme, u_host, u_path))) =
        (split(scope), split(url))
    else {
        return false;
    };
    let host_ok = s_host == u_host
        || s_host
            .strip_prefix("*.")
            .is_some_and(|h| u_host.split_once('.').is_some_and(|(_, rest)| rest == h));
    s_scheme == u_scheme
        && host_ok
        && (s_path.is_empty() || u_path == s_path || u_path.starts_with(&format!("{s_path}/")))
}

fn has_forbidden(value: &str) -> bool {
    value.contains(['\n', '\r', '\0'])
}

/// Organization and user names go into Git's line protocol: refuse anything that could add a line.
fn check_field(what: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || has_forbidden(value) || (what == "organization" && value.contains('/')) {
        return Err(Error::new(
            ErrorCode::InvalidOrganization,
            format!(
                "This {what} cannot be handed to Git. Check the organization name and try again."
            ),
        ));
    }
    Ok(())
}

fn git_missing() -> Error {
    Error::new(
        ErrorCode::GitUnavailable,
        "Git is not installed (or PAT Desk cannot find it), so the token could not be handed to Git. Install Git, or copy the token and paste it when Git asks for a password.",
    )
}

fn git_settings_broken(stderr: &str) -> Error {
    Error::new(
        ErrorCode::Internal,
        "Git's settings could not be read, so the token could not be handed to Git. Check your Git configuration (run \"git config --list\" in a terminal to see the problem), or copy the token instead.",
    )
    .with_raw(stderr.trim().to_string())
}

fn helper_failed(action: &str, detail: &str) -> Error {
    let message = if action == "approve" {
        "Git's credential helper could not save the token. Copy the token instead and paste it when Git asks for a password."
    } else {
        "Git's credential helper could not forget the token. Remove it in your keychain or Git credential manager instead."
    };
    Error::new(ErrorCode::Internal, message).with_raw(format!("git credential {action}: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG_URL: &str = "https://dev.azure.com/contoso";

    /// `git config --get-regexp ^credential\.` as Git for Windows prints it after its installer: the system
    /// file's GCM helper as a full path, CRLF line ends.
    fn git_for_windows(extra: &str) -> String {
        format!(
            "credential.helper C:/Program\\ Files/Git/mingw64/bin/git-credential-manager.exe\r\ncredential.https://dev.azure.com.usehttppath true\r\n{extra}"
        )
    }

    #[test]
    fn git_for_windows_helper_names_are_recognised() {
        for (helper, kind) in [
            ("manager", "manager"),
            ("manager-core", "manager-core"),
            ("wincred", "wincred"),
            (
                "C:/Program\\ Files/Git/mingw64/bin/git-credential-manager.exe",
                "manager",
            ),
            (
                "\"C:\\Program Files\\Git\\mingw64\\libexec\\git-core\\git-credential-manager-core.exe\"",
                "manager-core",
            ),
            (
                "'C:/Program Files/Git/mingw64/libexec/git-core/git-credential-wincred.exe' --debug",
                "wincred",
            ),
            ("/usr/local/bin/git-credential-manager", "manager"),
            ("!f() { echo password=x; }; f", "f()"),
            ("libsecret", "libsecret"),
        ] {
            assert_eq!(helper_kind(helper), kind, "{helper}");
        }
    }

    #[test]
    fn windows_gcm_keeps_the_token_in_credential_manager() {
        let config = CredentialConfig::parse(&git_for_windows(""), ORG_URL);
        assert_eq!(config.helpers.len(), 1);
        let (verdict, message) = assess(&config, false);
        assert_eq!(verdict, GitHelperVerdict::Ready);
        assert!(message.contains("Windows Credential Manager"), "{message}");

        let wincred = CredentialConfig::parse("credential.helper wincred\r\n", ORG_URL);
        let (verdict, message) = assess(&wincred, false);
        assert_eq!(verdict, GitHelperVerdict::Ready);
        assert!(message.contains("Windows Credential Manager"), "{message}");
    }

    #[test]
    fn gcm_oauth_mode_is_read_from_windows_style_settings() {
        // Global, and for Azure DevOps only: both put GCM's Azure Repos provider in OAuth mode.
        for extra in [
            "credential.azreposcredentialtype oauth\r\n",
            "credential.https://dev.azure.com.azreposCredentialType OAuth\r\n",
        ] {
            let config = CredentialConfig::parse(&git_for_windows(extra), ORG_URL);
            assert_eq!(
                config
                    .azrepos_credential_type
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                Some("oauth"),
                "{extra}"
            );
            assert_eq!(
                assess(&config, false).0,
                GitHelperVerdict::Unusable,
                "{extra}"
            );
        }
        // The most specific setting wins: OAuth in general, tokens for Azure DevOps.
        let config = CredentialConfig::parse(
            &git_for_windows(
                "credential.https://dev.azure.com.azreposcredentialtype pat\r\ncredential.azreposcredentialtype oauth\r\n",
            ),
            ORG_URL,
        );
        assert_eq!(config.azrepos_credential_type.as_deref(), Some("pat"));
        assert_eq!(assess(&config, false).0, GitHelperVerdict::Ready);
        // A setting for another host does not apply.
        let config = CredentialConfig::parse(
            &git_for_windows("credential.https://github.com.azreposcredentialtype oauth\r\n"),
            ORG_URL,
        );
        assert_eq!(config.azrepos_credential_type, None);
        assert_eq!(assess(&config, false).0, GitHelperVerdict::Ready);
    }

    #[test]
    fn a_basic_authority_is_gcms_generic_provider_which_keeps_the_token() {
        // GCM for Windows' `authority`, still honoured by GCM as the provider it stands for.
        let config = CredentialConfig::parse(
            &git_for_windows(
                "credential.azreposcredentialtype oauth\r\ncredential.https://dev.azure.com.authority Basic\r\n",
            ),
            ORG_URL,
        );
        assert_eq!(config.provider.as_deref(), Some("generic"));
        assert_eq!(assess(&config, false).0, GitHelperVerdict::Ready);
        let config = CredentialConfig::parse(
            &git_for_windows(
                "credential.azreposcredentialtype oauth\r\ncredential.https://dev.azure.com.authority AAD\r\n",
            ),
            ORG_URL,
        );
        assert_eq!(config.provider.as_deref(), Some("azure-repos"));
        assert_eq!(assess(&config, false).0, GitHelperVerdict::Unusable);
    }

    #[test]
    fn gcms_plaintext_store_and_an_empty_helper_are_seen_on_windows_too() {
        let config = CredentialConfig::parse(
            &git_for_windows("credential.credentialstore plaintext\r\n"),
            ORG_URL,
        );
        let (verdict, message) = assess(&config, false);
        assert_eq!(verdict, GitHelperVerdict::PlainFile);
        assert!(
            message.contains("credentialStore plaintext")
                && message.contains("Windows Credential Manager"),
            "{message}"
        );
        // A repository-level empty helper clears the system's GCM: nothing keeps the token.
        let config = CredentialConfig::parse(&git_for_windows("credential.helper \r\n"), ORG_URL);
        assert!(config.helpers.is_empty());
        assert_eq!(assess(&config, false).0, GitHelperVerdict::Unusable);
        // GCM without a store is unusable on Linux only (Windows defaults to Credential Manager).
        let config = CredentialConfig::parse("credential.helper manager\n", ORG_URL);
        assert_eq!(assess(&config, true).0, GitHelperVerdict::Unusable);
        assert_eq!(assess(&config, false).0, GitHelperVerdict::Ready);
    }
}
