//! Hand a PAT to NuGet for an Azure Artifacts feed.
//!
//! PAT Desk writes the user's `NuGet.Config` itself ([`crate::nuget_config`]), so the token never appears on a
//! command line (where every local user could read it while the client runs):
//!
//! - **On Windows** `%APPDATA%\NuGet\NuGet.Config`, with the password encrypted for the Windows account exactly
//!   as NuGet encrypts it (DPAPI). Every NuGet client there (`dotnet`, `nuget.exe`, Visual Studio) reads it.
//! - **Elsewhere** the file the person's NuGet client reads: `dotnet` (the .NET SDK) reads
//!   `~/.nuget/NuGet/NuGet.Config` (under `$DOTNET_CLI_HOME` when set), the standalone `nuget` on Mono
//!   (Debian's 2.8 from `apt-get install nuget`) `$XDG_CONFIG_HOME/NuGet/NuGet.Config` (default `~/.config`).
//!   NuGet has no keychain there (`dotnet` keeps a password only with `--store-password-in-clear-text`, Mono's
//!   `nuget` "encrypts" it with a key kept in a file beside it), so the token is written as
//!   `ClearTextPassword`, and only after the person chose plain text ([`NuGetHandOff::plain_text_ok`]). The
//!   file ends up readable by this user only. The other route is
//!   `ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS` ([`external_feed_endpoints`]), which the window
//!   offers to copy: an environment variable a GUI cannot set for the person's shells.
//!
//! Removing a source cleans every user-level NuGet.Config that names it (the client may have changed since).
//!
//! The Mono client (2.8) does not read NuGet v3 feeds; for it a feed's `…/nuget/v3/index.json` is registered
//! as the same feed's v2 address (`…/nuget/v2`), which Azure Artifacts serves too.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;
use crate::tool_process::{self, Failure};

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
#[derive(Debug, Clone)]
pub struct NuGetClient {
    /// Only this program (tests); else `dotnet`, then `nuget`.
    program: Option<(NuGetClientKind, PathBuf)>,
    envs: Vec<(OsString, Option<OsString>)>,
    deadline: Duration,
}

impl Default for NuGetClient {
    fn default() -> Self {
        NuGetClient {
            program: None,
            envs: Vec::new(),
            deadline: CLIENT_DEADLINE,
        }
    }
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

    /// How long the client may take to answer before it is stopped.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The client that runs, if any: `dotnet` first (it reads v3 feeds), then `nuget`.
    pub fn detect(&self) -> Option<(NuGetClientKind, PathBuf)> {
        self.detect_within().ok().flatten()
    }

    /// [`Self::detect`], with a client that hangs reported as such.
    fn detect_within(&self) -> Result<Option<(NuGetClientKind, PathBuf)>, Error> {
        let candidates = match &self.program {
            Some(p) => vec![p.clone()],
            None => vec![
                (NuGetClientKind::Dotnet, PathBuf::from("dotnet")),
                (NuGetClientKind::Nuget, PathBuf::from("nuget")),
            ],
        };
        for (kind, program) in candidates {
            let runs = match kind {
                NuGetClientKind::Dotnet => {
                    let mut cmd = self.command(&program);
                    cmd.args(["nuget", "--version"]);
                    match tool_process::run(cmd, None, self.deadline) {
                        Ok(done) => done.success,
                        Err(Failure::TimedOut) => {
                            return Err(tool_process::timed_out(
                                "NuGet (dotnet)",
                                self.deadline,
                                "Nothing was changed. Try again, or add the feed in your NuGet settings yourself.",
                            ))
                        }
                        Err(_) => false,
                    }
                }
                // Mono's `nuget` prints its help (and lists) forever without a terminal: found, not run.
                NuGetClientKind::Nuget => executable(&program),
            };
            if runs {
                return Ok(Some((kind, program)));
            }
        }
        Ok(None)
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

    /// Add the feed as a package source with the token (or update the source of that name), in the
    /// NuGet.Config the client reads.
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
        let (kind, _) = self
            .detect_within()?
            .ok_or_else(|| Error::new(ErrorCode::InvalidInput, missing_message()))?;
        let url = match kind {
            NuGetClientKind::Nuget if plain_text => v2_address(request.feed_url),
            _ => request.feed_url.trim().to_string(),
        };
        let path = self.config_for(kind)?;
        #[cfg(windows)]
        crate::nuget_config::store_encrypted(
            &path,
            request.source_name,
            &url,
            request.username,
            secret,
        )?;
        #[cfg(not(windows))]
        crate::nuget_config::store_clear_text(
            &path,
            request.source_name,
            &url,
            request.username,
            secret,
        )?;
        Ok(NuGetHandedOff {
            client: kind,
            registered_url: url,
            plain_text,
        })
    }

    /// Remove the package source `source_name` (and with it the token NuGet keeps for it) from every user-level
    /// NuGet.Config. A source that is not there any more counts as removed.
    pub fn remove_source(&self, source_name: &str) -> Result<(), Error> {
        check_value("source name", source_name)?;
        for path in self.user_configs() {
            crate::nuget_config::remove_source_from(&path, source_name)?;
        }
        Ok(())
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

    /// The NuGet.Config the client of this kind reads for the user.
    pub fn config_for(&self, kind: NuGetClientKind) -> Result<PathBuf, Error> {
        if cfg!(windows) {
            return self.user_config();
        }
        let no_home = || {
            Error::new(
                ErrorCode::Internal,
                "PAT Desk could not find your home folder ($HOME is not set), so it could not save the token for NuGet. Copy the token instead.",
            )
        };
        match kind {
            NuGetClientKind::Dotnet => self
                .var("DOTNET_CLI_HOME")
                .or_else(|| self.var("HOME"))
                .map(|home| PathBuf::from(home).join(".nuget/NuGet/NuGet.Config"))
                .ok_or_else(no_home),
            NuGetClientKind::Nuget => self
                .var("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| self.var("HOME").map(|h| PathBuf::from(h).join(".config")))
                .map(|config| config.join("NuGet/NuGet.Config"))
                .ok_or_else(no_home),
        }
    }

    /// Every user-level NuGet.Config a client here may read: `dotnet`'s, Mono's, and Windows' `%APPDATA%` one.
    fn user_configs(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = [NuGetClientKind::Dotnet, NuGetClientKind::Nuget]
            .into_iter()
            .filter_map(|kind| self.config_for(kind).ok())
            .collect();
        if let Some(appdata) = self.var("APPDATA") {
            files.push(PathBuf::from(appdata).join("NuGet").join("NuGet.Config"));
        }
        files.dedup();
        files
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

/// The environment variable the Azure Artifacts Credential Provider reads feed credentials from.
pub const FEED_ENDPOINTS_VARIABLE: &str = "ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS";

/// The shell a copied snippet is for: each quotes differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum SnippetShell {
    /// `sh`, `bash`, `zsh`: `export NAME='…'`.
    Posix,
    /// PowerShell: `$env:NAME = '…'`.
    PowerShell,
}

impl SnippetShell {
    /// This computer's usual shell: PowerShell on Windows, a POSIX shell elsewhere.
    pub fn native() -> Self {
        if cfg!(windows) {
            SnippetShell::PowerShell
        } else {
            SnippetShell::Posix
        }
    }
}

/// The value of [`FEED_ENDPOINTS_VARIABLE`] for one feed (it holds the token): JSON written by serde_json, every
/// character outside ASCII as `\uXXXX`, so that no quote look-alike (PowerShell takes `‘` and `’` for `'`) or
/// other surprise reaches a shell.
pub fn feed_endpoints_json(
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
    let json = Sensitive::new(value.to_string());
    let mut ascii = String::with_capacity(json.expose().len());
    for c in json.expose().chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    Sensitive::new(ascii)
}

/// The line that sets [`FEED_ENDPOINTS_VARIABLE`] for one feed in `shell`, to paste there (it holds the
/// token). The feed address must pass `feeds` (the token goes only to Azure Artifacts), and every field is
/// quoted for that shell: the JSON sits in one single-quoted word, where POSIX shells take nothing but `'`
/// as special (written `'\''`) and PowerShell nothing but its quote characters (doubled; the JSON holds only
/// ASCII, so only `'`).
pub fn external_feed_endpoints(
    feeds: &crate::feed_address::FeedAddresses,
    feed_url: &str,
    username: &str,
    secret: &Sensitive<String>,
    shell: SnippetShell,
) -> Result<Sensitive<String>, Error> {
    feeds.check(feed_url)?;
    let json = feed_endpoints_json(feed_url, username, secret);
    Ok(Sensitive::new(match shell {
        SnippetShell::Posix => format!(
            "export {FEED_ENDPOINTS_VARIABLE}='{}'",
            json.expose().replace('\'', "'\\''")
        ),
        SnippetShell::PowerShell => format!(
            "$env:{FEED_ENDPOINTS_VARIABLE} = '{}'",
            json.expose().replace('\'', "''")
        ),
    }))
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

    use crate::feed_address::FeedAddresses;
    use std::process::Stdio;

    /// A feed address and a collection name a shell would take apart: quotes of both kinds, `$`, backticks,
    /// a line break, and commands that would create `pwned*` files if anything broke out of the quoting.
    const FEED: &str = "https://pkgs.dev.azure.com/contoso/_packaging/it's\"$HOME`id`';touch${IFS}pwned;'/nuget/v3/index.json";
    const NAME: &str =
        "Con'toso \"$(touch pwned2)\" `touch pwned3` $HOME\n'; touch pwned4; ' ‘quoted’ \\";

    fn snippet(shell: SnippetShell) -> Sensitive<String> {
        external_feed_endpoints(
            &FeedAddresses::services(Some("contoso")),
            FEED,
            NAME,
            &Sensitive::from("pat'$`\""),
            shell,
        )
        .expect("an Azure Artifacts feed of contoso")
    }

    /// The JSON the variable must hold, and what it says.
    fn intended() -> (String, serde_json::Value) {
        let json = feed_endpoints_json(FEED, NAME, &Sensitive::from("pat'$`\""));
        let value: serde_json::Value = serde_json::from_str(json.expose()).unwrap();
        assert_eq!(value["endpointCredentials"][0]["endpoint"], FEED);
        assert_eq!(value["endpointCredentials"][0]["username"], NAME);
        assert_eq!(value["endpointCredentials"][0]["password"], "pat'$`\"");
        assert!(json.expose().is_ascii());
        (json.expose().clone(), value)
    }

    /// Paste `script` into `program` (on its standard input, as a person pastes) in an empty folder; answers
    /// what it printed and the folder's files afterwards.
    fn paste(program: &str, args: &[&str], script: &str) -> (std::process::Output, Vec<String>) {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("patdesk-snippet-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(program)
            .args(args)
            .current_dir(&dir)
            .env_remove(FEED_ENDPOINTS_VARIABLE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let files = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        (out, files)
    }

    #[cfg(unix)]
    #[test]
    fn the_posix_snippet_sets_exactly_the_json_in_a_real_shell_and_runs_nothing_else() {
        let (json, _) = intended();
        let line = snippet(SnippetShell::Posix);
        assert!(line
            .expose()
            .starts_with("export ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS='"));
        assert!(!line.expose().contains('\n'), "one line to paste");
        let script = format!(
            "{}\nprintf '%s' \"${FEED_ENDPOINTS_VARIABLE}\"\n",
            line.expose()
        );
        for shell in ["sh", "bash"] {
            let (out, files) = paste(shell, &["-s"], &script);
            assert!(out.status.success(), "{shell}: {out:?}");
            assert!(out.stderr.is_empty(), "{shell}: {out:?}");
            assert_eq!(String::from_utf8(out.stdout).unwrap(), json, "{shell}");
            assert!(files.is_empty(), "{shell} ran a command: {files:?}");
        }
    }

    #[test]
    fn the_powershell_snippet_sets_exactly_the_json() {
        let (json, _) = intended();
        let line = snippet(SnippetShell::PowerShell);
        let text = line.expose();
        let prefix = "$env:ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS = ";
        assert!(text.starts_with(prefix), "{text}");
        // PowerShell's single-quoted string: it ends at any of its quote characters unless doubled.
        let quotes = ['\'', '\u{2018}', '\u{2019}', '\u{201a}', '\u{201b}'];
        let mut rest = text[prefix.len()..].chars().peekable();
        assert_eq!(rest.next(), Some('\''));
        let mut value = String::new();
        loop {
            match rest.next() {
                Some(c)
                    if quotes.contains(&c) && rest.peek().is_some_and(|n| quotes.contains(n)) =>
                {
                    rest.next();
                    value.push(c);
                }
                Some(c) if quotes.contains(&c) => break,
                Some(c) => value.push(c),
                None => panic!("the string never ends: {text}"),
            }
        }
        assert_eq!(value, json);
        assert_eq!(rest.next(), None, "nothing after the string: {text}");

        // And in the real PowerShell, where it is installed.
        let script =
            format!("{text}\n[Console]::Out.Write($env:{FEED_ENDPOINTS_VARIABLE})\nexit\n");
        if Command::new("pwsh").arg("-Version").output().is_err() {
            eprintln!("pwsh is not installed here: the PowerShell snippet was checked against PowerShell's quoting rules only");
            return;
        }
        let (out, files) = paste(
            "pwsh",
            &["-NoProfile", "-NonInteractive", "-Command", "-"],
            &script,
        );
        assert!(out.status.success(), "{out:?}");
        assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), json);
        assert!(files.is_empty(), "PowerShell ran a command: {files:?}");
    }

    #[test]
    fn the_snippet_is_refused_for_a_feed_that_is_not_azure_artifacts() {
        let feeds = FeedAddresses::services(Some("contoso"));
        for shell in [SnippetShell::Posix, SnippetShell::PowerShell] {
            let e = external_feed_endpoints(
                &feeds,
                "https://evil.example/contoso/_packaging/f/nuget/v3/index.json",
                "contoso",
                &Sensitive::from("pat"),
                shell,
            )
            .unwrap_err();
            assert_eq!(e.code, ErrorCode::FeedAddressNotAllowed);
            assert!(
                e.message.contains("https://pkgs.dev.azure.com/contoso/"),
                "{}",
                e.message
            );
        }
    }
}
