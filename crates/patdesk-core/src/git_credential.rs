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
//! ```
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
//! Calls are synchronous and run `git` as a child process; from async code use
//! `tokio::task::spawn_blocking`.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

/// The host every Azure DevOps Services organization lives on.
pub const AZURE_DEVOPS_HOST: &str = "dev.azure.com";

/// How long a credential helper may take before PAT Desk gives up on it (it may be waiting on a dialog).
const HELPER_DEADLINE: Duration = Duration::from_secs(60);

/// Which `git` to run and with what extra environment. [`GitCredentials::default`] is the `git` on `PATH`
/// with PAT Desk's own environment; tests add an isolated `HOME`.
#[derive(Debug, Clone)]
pub struct GitCredentials {
    program: PathBuf,
    envs: Vec<(OsString, Option<OsString>)>,
}

impl Default for GitCredentials {
    fn default() -> Self {
        GitCredentials {
            program: PathBuf::from("git"),
            envs: Vec::new(),
        }
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
        cmd.arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        matches!(cmd.status(), Ok(status) if status.success())
    }

    /// Store `secret` as the password for `https://dev.azure.com/{org}` in Git's credential helper.
    /// `username_hint` replaces the user name (default: the organization, see the module docs).
    pub fn approve(
        &self,
        org: &str,
        username_hint: Option<&str>,
        secret: &Sensitive<String>,
    ) -> Result<(), Error> {
        let org = org.trim();
        check_field("organization", org)?;
        let username = username_hint
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(org);
        self.approve_at(&GitTarget::services(org), username, secret)
    }

    /// Store `secret` for a collection of an Azure DevOps Server (`{base}/{collection}`, e.g.
    /// `https://tfs.contoso.local:8080/tfs/DefaultCollection`), so `git clone` of its repositories finds it.
    /// The user name is the collection (a server ignores it when the password is a PAT).
    pub fn approve_server(
        &self,
        server: &crate::server::ServerAddress,
        collection: &str,
        secret: &Sensitive<String>,
    ) -> Result<(), Error> {
        let collection = collection.trim();
        check_field("organization", collection)?;
        let target = GitTarget::server(server, collection);
        self.approve_at(&target, collection, secret)
    }

    /// Forget what [`Self::approve_server`] stored for the collection.
    pub fn reject_server(
        &self,
        server: &crate::server::ServerAddress,
        collection: &str,
    ) -> Result<(), Error> {
        let collection = collection.trim();
        check_field("organization", collection)?;
        self.check_git()?;
        let target = GitTarget::server(server, collection);
        self.run_credential(
            "reject",
            &Sensitive::new(target.describe(collection) + "\n"),
        )
    }

    fn approve_at(
        &self,
        target: &GitTarget,
        username: &str,
        secret: &Sensitive<String>,
    ) -> Result<(), Error> {
        check_field("user name", username)?;
        if secret.expose().is_empty() || has_forbidden(secret.expose()) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "This token value cannot be handed to Git (it is empty or has a line break).",
            ));
        }
        self.check_git()?;
        if !self.helper_configured(&target.url())? {
            return Err(Error::new(
                ErrorCode::Internal,
                "Git has no credential helper set up, so it has nowhere to keep the token. Install Git Credential Manager (or set up another credential helper), then try again — or copy the token and paste it when Git asks for a password.",
            ));
        }
        // Built in one allocation of the final size, so no stray copy of the secret is left behind by a
        // reallocation; the buffer is zeroized when `input` drops.
        let head = target.describe(username);
        let password = secret.expose();
        let mut text = String::with_capacity(head.len() + "password=".len() + password.len() + 2);
        text.push_str(&head);
        text.push_str("password=");
        text.push_str(password);
        text.push_str("\n\n");
        let input = Sensitive::new(text);
        self.run_credential("approve", &input)
    }

    /// Ask Git's credential helper to forget the PAT stored for `{org}` (with user name `{org}`).
    pub fn reject(&self, org: &str) -> Result<(), Error> {
        let org = org.trim();
        check_field("organization", org)?;
        self.check_git()?;
        self.run_credential(
            "reject",
            &Sensitive::new(GitTarget::services(org).describe(org) + "\n"),
        )
    }

    /// `git --version` runs: missing Git and broken Git settings (which make every git command fail) get
    /// different sentences.
    fn check_git(&self) -> Result<(), Error> {
        let output = self
            .command()
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|_| git_missing())?;
        if output.status.success() {
            Ok(())
        } else {
            Err(git_settings_broken(&output.stderr))
        }
    }

    /// Whether a credential helper applies to `url` (`credential.helper`, or a URL-specific
    /// `credential.<url>.helper`). Without one, `git credential approve` silently does nothing.
    fn helper_configured(&self, url: &str) -> Result<bool, Error> {
        let mut cmd = self.command();
        cmd.args(["config", "--get-urlmatch", "credential.helper", url])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let output = cmd.output().map_err(|_| git_missing())?;
        match output.status.code() {
            Some(0) => Ok(!String::from_utf8_lossy(&output.stdout).trim().is_empty()),
            // 1: the setting is not there.
            Some(1) => Ok(false),
            _ => Err(git_settings_broken(&output.stderr)),
        }
    }

    fn run_credential(&self, action: &str, input: &Sensitive<String>) -> Result<(), Error> {
        let mut cmd = self.command();
        cmd.args(["credential", action])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|_| git_missing())?;
        {
            let mut stdin = child.stdin.take().expect("stdin is piped");
            // A helper that exits early closes the pipe; its exit status tells the story.
            let _ = stdin.write_all(input.expose().as_bytes());
        }
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let deadline = Instant::now() + HELPER_DEADLINE;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::new(
                        ErrorCode::Timeout,
                        "Git's credential helper did not answer in time. Close any Git or keychain window that is waiting for you, then try again.",
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(helper_failed(action, &e.to_string())),
            }
        };
        let stderr = reader.join().unwrap_or_default();
        if status.success() {
            Ok(())
        } else {
            Err(helper_failed(action, stderr.trim()))
        }
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

/// The credential description without the password (and without the closing blank line).
/// Where a token is for, in Git's terms: protocol, host (with the port) and path.
struct GitTarget {
    protocol: String,
    host: String,
    path: String,
}

impl GitTarget {
    /// `https://dev.azure.com/{org}`.
    fn services(org: &str) -> GitTarget {
        GitTarget {
            protocol: "https".into(),
            host: AZURE_DEVOPS_HOST.into(),
            path: org.into(),
        }
    }

    /// `{base}/{collection}` of an Azure DevOps Server.
    fn server(server: &crate::server::ServerAddress, collection: &str) -> GitTarget {
        let base = &server.base;
        let host = match base.port() {
            Some(p) => format!("{}:{p}", base.host_str().unwrap_or_default()),
            None => base.host_str().unwrap_or_default().to_string(),
        };
        let dir = base.path().trim_matches('/');
        GitTarget {
            protocol: base.scheme().into(),
            host,
            path: if dir.is_empty() {
                collection.to_string()
            } else {
                format!("{dir}/{collection}")
            },
        }
    }

    fn url(&self) -> String {
        format!("{}://{}/{}", self.protocol, self.host, self.path)
    }

    /// The request lines of Git's credential protocol, without the password.
    fn describe(&self, username: &str) -> String {
        format!(
            "protocol={}\nhost={}\npath={}\nusername={username}\n",
            self.protocol, self.host, self.path
        )
    }
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

fn git_settings_broken(stderr: &[u8]) -> Error {
    Error::new(
        ErrorCode::Internal,
        "Git's settings could not be read, so the token could not be handed to Git. Check your Git configuration (run \"git config --list\" in a terminal to see the problem), or copy the token instead.",
    )
    .with_raw(String::from_utf8_lossy(stderr).trim().to_string())
}

fn helper_failed(action: &str, detail: &str) -> Error {
    let message = if action == "approve" {
        "Git's credential helper could not save the token. Copy the token instead and paste it when Git asks for a password."
    } else {
        "Git's credential helper could not forget the token. Remove it in your keychain or Git credential manager instead."
    };
    Error::new(ErrorCode::Internal, message).with_raw(format!("git credential {action}: {detail}"))
}
