//! Hand a PAT to NuGet for an Azure Artifacts feed.
//!
//! **On Windows** PAT Desk writes the user's `%APPDATA%\NuGet\NuGet.Config` itself ([`crate::nuget_config`]),
//! with the password encrypted for the Windows account exactly as NuGet encrypts it (DPAPI), so the token
//! never appears on a command line and never in plain text. Every NuGet client there (`dotnet`, `nuget.exe`,
//! Visual Studio) reads that file.
//!
//! **Elsewhere** it goes through the NuGet client the person has. The client is `dotnet` (the .NET SDK: `dotnet nuget add source … --username … --password …`, and
//! `update source` when the source exists) or, failing that, the standalone `nuget` (`nuget sources add -Name …
//! -Source … -UserName … -Password …`; on Debian the 2.8 client on Mono from `apt-get install nuget`).
//!
//! **Where the value ends up.** On macOS and Linux NuGet has no keychain: `dotnet` refuses to store a password
//! unless it is told `--store-password-in-clear-text`, and Mono's `nuget` "encrypts" it with a key kept in a
//! file beside it (`~/.config/.mono/keypairs`), which protects nothing. So off Windows PAT Desk hands the
//! token to NuGet only after the person chose plain text ([`NuGetHandOff::plain_text_ok`]), and then says so
//! plainly by passing the clear-text option. The other route is
//! `ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS` ([`external_feed_endpoints`]), which the window
//! offers to copy: an environment variable a GUI cannot set for the person's shells.
//!
//! **A limit of both CLIs** (so off Windows only, after the plain-text choice): the password is an argument,
//! so for the moment the client runs it is visible to other processes of the same user.
//!
//! The Mono client (2.8) does not read NuGet v3 feeds; for it a feed's `…/nuget/v3/index.json` is registered
//! as the same feed's v2 address (`…/nuget/v2`), which Azure Artifacts serves too.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

/// How long a NuGet client may take (the first `dotnet` run sets itself up).
const CLIENT_DEADLINE: Duration = Duration::from_secs(120);

/// Which NuGet command line runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum NuGetClientKind {
    /// `dotnet nuget` (the .NET SDK).
    Dotnet,
    /// The standalone `nuget` (on Linux: NuGet 2.8 on Mono).
    Nuget,
}

/// What the window shows before "Use with NuGet": which client runs, whether NuGet would keep the token in
/// plain text here, and how to get a client when there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct NuGetStatus {
    pub client: Option<NuGetClientKind>,
    /// NuGet can only keep the token in plain text on this system (macOS, Linux).
    pub plain_text_only: bool,
    /// The sentence to show: where the token goes, or how to install a client.
    pub message: String,
}

/// One hand-off to NuGet.
#[derive(Debug, Clone)]
pub struct NuGetHandOff<'a> {
    /// The feed's URL as the person gave it (`https://pkgs.dev.azure.com/{org}/_packaging/{feed}/nuget/v3/index.json`).
    pub feed_url: &'a str,
    /// The package source's name in NuGet's configuration (the feed's name).
    pub source_name: &'a str,
    /// The user name sent with the token (the organization).
    pub username: &'a str,
    /// The person chose to let NuGet keep the token in plain text (required off Windows).
    pub plain_text_ok: bool,
}

/// What a hand-off did: the client, the URL registered and whether the value is in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NuGetHandedOff {
    pub client: NuGetClientKind,
    pub registered_url: String,
    pub plain_text: bool,
}

/// The NuGet client to run and its environment. [`NuGetClient::default`] finds `dotnet`, then `nuget`, on
/// `PATH`; tests give a throw-away `HOME`.
#[derive(Debug, Clone, Default)]
pub struct NuGetClient {
    /// Only this program (tests); else `dotnet`, then `nuget`.
    program: Option<(NuGetClientKind, PathBuf)>,
    envs: Vec<(OsString, Option<OsString>)>,
}

impl NuGetClient {
    pub fn new() -> Self {
        NuGetClient::default()
    }

    /// Use this program as the given client instead of looking on `PATH`.
    pub fn program(mut self, kind: NuGetClientKind, program: impl Into<PathBuf>) -> Self {
        self.program = Some((kind, program.into()));
        self
    }

    /// Set an environment variable for the client only.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// The client that runs, if any: `dotnet` first (it reads v3 feeds), then `nuget`.
    pub fn detect(&self) -> Option<(NuGetClientKind, PathBuf)> {
        let candidates = match &self.program {
            Some(p) => vec![p.clone()],
            None => vec![
                (NuGetClientKind::Dotnet, PathBuf::from("dotnet")),
                (NuGetClientKind::Nuget, PathBuf::from("nuget")),
            ],
        };
        candidates.into_iter().find(|(kind, program)| match kind {
            NuGetClientKind::Dotnet => {
                let mut cmd = self.command(program);
                cmd.args(["nuget", "--version"]);
                run(cmd, Duration::from_secs(60)).is_ok_and(|(ok, _)| ok)
            }
            // Mono's `nuget` prints its help (and lists) forever without a terminal: found, not run.
            NuGetClientKind::Nuget => executable(program),
        })
    }

    /// What "Use with NuGet" would do on this computer.
    pub fn status(&self) -> NuGetStatus {
        let client = self.detect().map(|(kind, _)| kind);
        let plain_text_only = !cfg!(windows);
        let message = match client {
            None => missing_message().to_string(),
            Some(_) if plain_text_only => "On this computer NuGet can keep the token only in plain text, in its configuration file in your home folder (~/.nuget/NuGet/NuGet.Config or ~/.config/NuGet/NuGet.Config), where any program you run can read it. Hand it over only if that is acceptable here — or copy the environment-variable snippet for the Azure Artifacts Credential Provider instead.".to_string(),
            Some(_) => "NuGet keeps the token encrypted for your Windows account in your NuGet configuration.".to_string(),
        };
        NuGetStatus {
            client,
            plain_text_only,
            message,
        }
    }

    /// Add the feed as a package source with the token (or update the source of that name).
    pub fn hand_off(
        &self,
        request: &NuGetHandOff<'_>,
        secret: &Sensitive<String>,
    ) -> Result<NuGetHandedOff, Error> {
        check_value("feed address", request.feed_url)?;
        check_value("source name", request.source_name)?;
        check_value("user name", request.username)?;
        if secret.expose().is_empty() || secret.expose().contains(['\n', '\r', '\0']) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "This token value cannot be handed to NuGet.",
            ));
        }
        let plain_text = !cfg!(windows);
        if plain_text && !request.plain_text_ok {
            return Err(Error::new(ErrorCode::InvalidInput, self.status().message));
        }
        let (kind, program) = self
            .detect()
            .ok_or_else(|| Error::new(ErrorCode::InvalidInput, missing_message()))?;
        #[cfg(windows)]
        {
            let _ = program;
            crate::nuget_config::store_encrypted(
                &self.user_config()?,
                request.source_name,
                request.feed_url.trim(),
                request.username,
                secret,
            )?;
            Ok(NuGetHandedOff {
                client: kind,
                registered_url: request.feed_url.trim().to_string(),
                plain_text: false,
            })
        }
        #[cfg(not(windows))]
        self.hand_off_through_client(kind, &program, request, secret)
    }

    /// Off Windows: `dotnet nuget add/update source` or `nuget sources add/update`, with the clear-text option
    /// the person agreed to.
    #[cfg(not(windows))]
    fn hand_off_through_client(
        &self,
        kind: NuGetClientKind,
        program: &PathBuf,
        request: &NuGetHandOff<'_>,
        secret: &Sensitive<String>,
    ) -> Result<NuGetHandedOff, Error> {
        let plain_text = true;
        let url = match kind {
            NuGetClientKind::Dotnet => request.feed_url.to_string(),
            NuGetClientKind::Nuget => v2_address(request.feed_url),
        };
        let exists = self.source_exists(kind, program, request.source_name);
        let mut cmd = self.command(program);
        match (kind, exists) {
            (NuGetClientKind::Dotnet, false) => cmd.args([
                "nuget",
                "add",
                "source",
                &url,
                "--name",
                request.source_name,
            ]),
            (NuGetClientKind::Dotnet, true) => cmd.args([
                "nuget",
                "update",
                "source",
                request.source_name,
                "--source",
                &url,
            ]),
            (NuGetClientKind::Nuget, false) => cmd.args(["sources", "add"]),
            (NuGetClientKind::Nuget, true) => cmd.args(["sources", "update"]),
        };
        match kind {
            NuGetClientKind::Dotnet => {
                cmd.args([
                    "--username",
                    request.username,
                    "--password",
                    secret.expose(),
                ]);
                if plain_text {
                    cmd.arg("--store-password-in-clear-text");
                }
            }
            NuGetClientKind::Nuget => {
                cmd.args(["-Name", request.source_name, "-Source", &url])
                    .args(["-UserName", request.username, "-Password", secret.expose()])
                    .arg("-NonInteractive");
                if plain_text {
                    cmd.arg("-StorePasswordInClearText");
                }
            }
        }
        let (ok, output) = run(cmd, CLIENT_DEADLINE)?;
        if !ok {
            return Err(Error::new(
                ErrorCode::Internal,
                "NuGet could not add the feed. Check the feed's address, then try again — or copy the token and enter it when NuGet asks.",
            )
            .with_raw(redact(&output, secret.expose())));
        }
        Ok(NuGetHandedOff {
            client: kind,
            registered_url: url,
            plain_text,
        })
    }

    /// Remove the package source `source_name` (and with it the token NuGet keeps for it). A source that is
    /// not there any more counts as removed.
    pub fn remove_source(&self, source_name: &str) -> Result<(), Error> {
        check_value("source name", source_name)?;
        #[cfg(windows)]
        return crate::nuget_config::remove_source_from(&self.user_config()?, source_name);
        #[cfg(not(windows))]
        self.remove_source_through_client(source_name)
    }

    /// The user's NuGet configuration on Windows: `%APPDATA%\NuGet\NuGet.Config`, the file every NuGet client
    /// there reads.
    pub fn user_config(&self) -> Result<PathBuf, Error> {
        self.var("APPDATA")
            .map(|appdata| PathBuf::from(appdata).join("NuGet").join("NuGet.Config"))
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::Internal,
                    "PAT Desk could not find your Windows user folder (%APPDATA% is not set), so it could not save the token for NuGet. Sign out of Windows and back in, then try again — or copy the token instead.",
                )
            })
    }

    #[cfg(not(windows))]
    fn remove_source_through_client(&self, source_name: &str) -> Result<(), Error> {
        let (kind, program) = self
            .detect()
            .ok_or_else(|| Error::new(ErrorCode::InvalidInput, missing_message()))?;
        if !self.source_exists(kind, &program, source_name) {
            return Ok(());
        }
        let mut cmd = self.command(&program);
        match kind {
            NuGetClientKind::Dotnet => cmd.args(["nuget", "remove", "source", source_name]),
            NuGetClientKind::Nuget => {
                cmd.args(["sources", "remove", "-Name", source_name, "-NonInteractive"])
            }
        };
        let (ok, output) = run(cmd, CLIENT_DEADLINE)?;
        if ok {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::Internal,
                "NuGet could not remove the feed's token. Remove the package source in your NuGet settings instead.",
            )
            .with_raw(output))
        }
    }

    /// Whether the user's NuGet configuration has a source of this name. `nuget sources list` loops forever
    /// without a terminal (Mono's console width), so the configuration is read, never written, here.
    #[cfg_attr(windows, allow(dead_code))]
    fn source_exists(&self, kind: NuGetClientKind, program: &PathBuf, name: &str) -> bool {
        match kind {
            NuGetClientKind::Dotnet => {
                let mut cmd = self.command(program);
                cmd.args(["nuget", "list", "source", "--format", "short"]);
                match run(cmd, CLIENT_DEADLINE) {
                    Ok((true, out)) => {
                        out.lines().any(|l| {
                            // "E https://…" lines do not carry the name; the detailed format does.
                            l.trim().eq_ignore_ascii_case(name)
                        }) || self.config_mentions(name)
                    }
                    _ => self.config_mentions(name),
                }
            }
            NuGetClientKind::Nuget => self.config_mentions(name),
        }
    }

    /// Whether a user-level NuGet.Config names the source (`<add key="{name}" …>`): `dotnet`'s
    /// `~/.nuget/NuGet/NuGet.Config`, Mono's `$XDG_CONFIG_HOME/NuGet/NuGet.Config` (default `~/.config`), and
    /// Windows' `%APPDATA%\NuGet\NuGet.Config`.
    #[cfg_attr(windows, allow(dead_code))]
    fn config_mentions(&self, name: &str) -> bool {
        let home = self.var("HOME").map(PathBuf::from);
        let xdg = self
            .var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".config")));
        let mut files = Vec::new();
        if let Some(home) = &home {
            files.push(home.join(".nuget/NuGet/NuGet.Config"));
        }
        if let Some(xdg) = xdg {
            files.push(xdg.join("NuGet/NuGet.Config"));
        }
        if let Some(appdata) = self.var("APPDATA") {
            files.push(PathBuf::from(appdata).join("NuGet").join("NuGet.Config"));
        }
        let needle = format!("key=\"{}\"", xml_escape(name)).to_ascii_lowercase();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .any(|text| text.to_ascii_lowercase().contains(&needle))
    }

    /// An environment variable as the client sees it (this client's own settings first).
    fn var(&self, key: &str) -> Option<OsString> {
        match self
            .envs
            .iter()
            .rev()
            .find(|(k, _)| k.as_os_str() == OsStr::new(key))
        {
            Some((_, value)) => value.clone(),
            None => std::env::var_os(key),
        }
        .filter(|v| !v.is_empty())
    }

    fn command(&self, program: &PathBuf) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .env("DOTNET_NOLOGO", "1")
            .env("DOTNET_SKIP_FIRST_TIME_EXPERIENCE", "1");
        for (key, value) in &self.envs {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }
}

/// The feed's name from its URL (`…/_packaging/{feed}/nuget/…`), for the package source's name.
pub fn feed_name(feed_url: &str) -> Option<String> {
    let url = url::Url::parse(feed_url.trim()).ok()?;
    let segments: Vec<&str> = url.path_segments()?.collect();
    let at = segments
        .iter()
        .position(|s| s.eq_ignore_ascii_case("_packaging"))?;
    segments
        .get(at + 1)
        .filter(|s| !s.is_empty())
        .map(|s| s.split('@').next().unwrap_or(s).to_string())
}

/// The JSON of `ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS` for one feed (it holds the token).
pub fn external_feed_endpoints(
    feed_url: &str,
    username: &str,
    secret: &Sensitive<String>,
) -> Sensitive<String> {
    let value = serde_json::json!({
        "endpointCredentials": [{
            "endpoint": feed_url.trim(),
            "username": username,
            "password": secret.expose(),
        }]
    });
    Sensitive::new(format!(
        "ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS='{value}'"
    ))
}

/// A v3 feed's v2 address (`…/nuget/v3/index.json` → `…/nuget/v2`), for clients older than NuGet 3.
pub fn v2_address(feed_url: &str) -> String {
    let trimmed = feed_url.trim();
    let lower = trimmed.to_ascii_lowercase();
    match lower.rfind("/nuget/v3/index.json") {
        Some(at) => format!("{}/nuget/v2", &trimmed[..at]),
        None => trimmed.to_string(),
    }
}

/// Whether `program` (a path, or a name looked up on `PATH`) is an executable file.
fn executable(program: &std::path::Path) -> bool {
    let is_exec = |p: &std::path::Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            p.is_file() || p.with_extension("exe").is_file()
        }
    };
    if program.components().count() > 1 {
        return is_exec(program);
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| is_exec(&dir.join(program))))
}

fn missing_message() -> &'static str {
    if cfg!(target_os = "linux") {
        "No NuGet client was found on this computer. Install the .NET SDK (see https://learn.microsoft.com/dotnet/core/install/linux), or on Debian and Ubuntu the nuget package (sudo apt-get install nuget), then try again."
    } else {
        "No NuGet client was found on this computer. Install the .NET SDK (https://dotnet.microsoft.com/download), then try again."
    }
}

fn check_value(what: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() || value.contains(['\n', '\r', '\0']) || value.starts_with('-') {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("This {what} cannot be handed to NuGet. Check it and try again."),
        ));
    }
    Ok(())
}

#[cfg_attr(windows, allow(dead_code))]
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg_attr(windows, allow(dead_code))]
fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "***")
    }
}

/// Run a client with no input, collecting at most 64 KiB of its output (Mono's `nuget` can print blank lines
/// forever without a terminal) and stopping it at `deadline`.
fn run(mut cmd: Command, deadline: Duration) -> Result<(bool, String), Error> {
    use std::io::Read;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|_| Error::new(ErrorCode::InvalidInput, missing_message()))?;
    let collect = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if kept.len() < 64 * 1024 {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    };
    let out = collect(Box::new(child.stdout.take().expect("piped")));
    let err = collect(Box::new(child.stderr.take().expect("piped")));
    let end = Instant::now() + deadline;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= end => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::new(
                    ErrorCode::Timeout,
                    "NuGet did not finish in time. Try again, or add the feed in your NuGet settings yourself.",
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::internal(e)),
        }
    };
    let text = format!(
        "{}{}",
        out.join().unwrap_or_default().trim(),
        err.join().unwrap_or_default().trim()
    );
    Ok((status.success(), text.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_names_and_v2_addresses() {
        let v3 =
            "https://pkgs.dev.azure.com/contoso/_packaging/contoso-packages/nuget/v3/index.json";
        assert_eq!(feed_name(v3).as_deref(), Some("contoso-packages"));
        assert_eq!(
            feed_name("https://pkgs.dev.azure.com/contoso/Shop/_packaging/shop@Release/nuget/v3/index.json")
                .as_deref(),
            Some("shop")
        );
        assert_eq!(feed_name("https://example.com/feed"), None);
        assert_eq!(
            v2_address(v3),
            "https://pkgs.dev.azure.com/contoso/_packaging/contoso-packages/nuget/v2"
        );
        assert_eq!(v2_address("https://x/nuget/v2"), "https://x/nuget/v2");
    }

    #[test]
    fn the_snippet_names_the_exact_feed() {
        let s = external_feed_endpoints(
            "https://f/nuget/v3/index.json",
            "contoso",
            &Sensitive::from("pat"),
        );
        let text = s.expose();
        assert!(text.starts_with("ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS='"));
        let json: serde_json::Value =
            serde_json::from_str(text.split_once('=').unwrap().1.trim_matches('\'')).unwrap();
        assert_eq!(
            json["endpointCredentials"][0]["endpoint"],
            "https://f/nuget/v3/index.json"
        );
        assert_eq!(json["endpointCredentials"][0]["password"], "pat");
    }
}
