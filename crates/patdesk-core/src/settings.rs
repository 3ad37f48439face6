//! The person's settings: how long a copied token stays on the clipboard, reminders on or off, the theme, and
//! the sign-in app (client id and authority, contract §0.3 and §3.2) for organizations that register their own.
//!
//! They are plain preferences, never a secret, kept as `settings.json` in the app's config directory (the shell
//! decides where). A file that cannot be understood is never lost and never stops the app: it is moved aside to
//! `settings.json.bak`, the defaults are used and the window says so in one line ([`load`]); a file that cannot
//! be opened at all (say, permission denied) is left where it is, with the defaults for now and its own line.
//! Saving writes a unique temporary file, private to the user, and renames it over the old one
//! ([`crate::private_file`]), so a crash mid-write leaves the previous settings.
//!
//! The environment variables that existed before this screen (`PATDESK_CLIPBOARD_CLEAR_SECONDS`,
//! `PATDESK_CLIENT_ID`, `PATDESK_AUTHORITY`) still win over the file ([`Settings::clear_after`],
//! [`Settings::entra_config`]), so tests and administrators can pin them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::clipboard;
use crate::entra::{EntraConfig, DEFAULT_AUTHORITY, DEFAULT_CLIENT_ID};
use crate::error::{Error, ErrorCode, Result};

/// The settings file's name in the app's config directory.
pub const SETTINGS_FILE_NAME: &str = "settings.json";
/// The version written into the file; a file with another version is not understood.
pub const SETTINGS_VERSION: u32 = 1;
/// The clipboard timeouts a person can choose, in seconds (10 s, 20 s, 30 s, 1 min, 2 min, 5 min).
pub const CLEAR_SECONDS_CHOICES: &[u32] = &[10, 20, 30, 60, 120, 300];
/// The clipboard timeout unless chosen otherwise.
pub const DEFAULT_CLEAR_SECONDS: u32 = 30;

/// How the window looks: following the system, or always light or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// What the Settings screen shows and saves (docs/ipc.md). No field holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "ts", ts(export))]
pub struct Settings {
    /// Seconds a copied token stays on the clipboard: one of [`CLEAR_SECONDS_CHOICES`].
    pub clipboard_clear_seconds: u32,
    /// Reminders about tokens that expire soon.
    pub notifications: bool,
    pub theme: Theme,
    /// The Entra app signed in with (Advanced): a GUID.
    pub client_id: String,
    /// The Entra authority (Advanced): `organizations`, `common`, a tenant GUID or a tenant domain.
    pub authority: String,
    /// What the sign-in asks Microsoft for, and so what the remembered sign-in can do (Advanced). Missing in
    /// older files: everything, as before.
    #[serde(default)]
    pub sign_in_scopes: SignInScopes,
    /// The servers on plain `http://` (another computer) the person chose to use although the connection is
    /// not encrypted, one per address (`crate::server::plain_http`). Missing in older files: none chosen.
    #[serde(default)]
    pub plain_http_servers: Vec<PlainHttpChoice>,
}

/// What the sign-in asks Microsoft for (contract §3.1): this decides what the sign-in PAT Desk remembers in the
/// keychain (a refresh token) can do on the person's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum SignInScopes {
    /// Every Azure DevOps permission the app has (`…/.default`): what Visual Studio's public client, PAT
    /// Desk's default app, allows. The remembered sign-in can then do in Azure DevOps what the person can.
    #[default]
    AzureDevOps,
    /// Only what PAT Desk needs: read and manage personal access tokens and read the profile (`vso.pats`,
    /// `vso.pats_manage`, `vso.profile`). Needs an organization's own app registration that allows them.
    TokensOnly,
}

impl SignInScopes {
    /// The scopes as sent to the authorize and device-code endpoints.
    pub fn scopes(self) -> &'static str {
        match self {
            SignInScopes::AzureDevOps => crate::entra::DEFAULT_SCOPES,
            SignInScopes::TokensOnly => crate::entra::TOKENS_ONLY_SCOPES,
        }
    }
}

/// "Use the unencrypted connection to tfs.example:8080": the person's choice for one server, made on the sign-in
/// screen (or `--allow-plain-http` remembered by the CLI) and shown on the profile until taken back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "ts", ts(export))]
pub struct PlainHttpChoice {
    /// The server's origin, `http://host[:port]` ([`crate::server::plain_http::origin`]): the choice covers every
    /// collection and virtual directory on it, nothing on another port.
    pub server: String,
    /// When the person chose it.
    pub chosen_at: chrono::DateTime<chrono::Utc>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clipboard_clear_seconds: DEFAULT_CLEAR_SECONDS,
            notifications: true,
            theme: Theme::System,
            client_id: DEFAULT_CLIENT_ID.to_string(),
            authority: DEFAULT_AUTHORITY.to_string(),
            sign_in_scopes: SignInScopes::AzureDevOps,
            plain_http_servers: Vec::new(),
        }
    }
}

/// The settings as the window gets them: the values, and the one-line notice when the file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct SettingsView {
    pub settings: Settings,
    /// What "Reset to defaults" goes back to.
    pub defaults: Settings,
    /// Set when the settings file was unreadable and the defaults are used instead.
    pub notice: Option<String>,
    /// Settings an environment variable decides for this run (the screen says so beside each).
    pub overrides: Vec<SettingOverride>,
}

/// A setting an environment variable decides for this run: it wins over the person's choice, which applies
/// again once the variable is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct SettingOverride {
    pub setting: OverriddenSetting,
    /// The variable's name, e.g. `PATDESK_CLIENT_ID`.
    pub variable: String,
    /// The value in force, in words for the timeout ("5 seconds").
    pub value: String,
}

/// The settings an environment variable can decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub enum OverriddenSetting {
    ClipboardClearSeconds,
    ClientId,
    Authority,
}

/// The settings this process's environment decides (see the module's documentation).
pub fn environment_overrides() -> Vec<SettingOverride> {
    overrides_from(|name| std::env::var(name).ok())
}

/// The overrides `lookup` (a variable's value by name) makes, by the same rules the settings use:
/// a positive whole number of seconds, a non-blank client id or authority.
pub fn overrides_from(lookup: impl Fn(&str) -> Option<String>) -> Vec<SettingOverride> {
    let mut overrides = Vec::new();
    let seconds = lookup(clipboard::CLEAR_SECONDS_ENV)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0);
    if let Some(seconds) = seconds {
        overrides.push(SettingOverride {
            setting: OverriddenSetting::ClipboardClearSeconds,
            variable: clipboard::CLEAR_SECONDS_ENV.to_string(),
            value: if seconds == 1 {
                "1 second".to_string()
            } else {
                format!("{seconds} seconds")
            },
        });
    }
    for (setting, variable) in [
        (OverriddenSetting::ClientId, crate::entra::CLIENT_ID_ENV),
        (OverriddenSetting::Authority, crate::entra::AUTHORITY_ENV),
    ] {
        if let Some(value) = lookup(variable).map(|v| v.trim().to_string()) {
            if !value.is_empty() {
                overrides.push(SettingOverride {
                    setting,
                    variable: variable.to_string(),
                    value,
                });
            }
        }
    }
    overrides
}

impl SettingsView {
    pub fn new(settings: Settings, notice: Option<String>) -> Self {
        SettingsView {
            settings,
            defaults: Settings::default(),
            notice,
            overrides: environment_overrides(),
        }
    }
}

/// The file's layout: the version, then the settings.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsFile {
    version: u32,
    settings: Settings,
}

impl Settings {
    /// The settings with surrounding spaces trimmed, if every value is allowed; otherwise an error naming the
    /// field (`invalidClientId`, `invalidAuthority`, or `invalidInput` for the timeout) with what to do.
    pub fn validated(&self) -> Result<Settings> {
        let mut s = self.clone();
        s.client_id = s.client_id.trim().to_string();
        s.authority = s.authority.trim().to_string();
        if !CLEAR_SECONDS_CHOICES.contains(&s.clipboard_clear_seconds) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "Choose how long a copied token stays on the clipboard from the list: 10 seconds, 20 seconds, \
                 30 seconds, 1 minute, 2 minutes or 5 minutes.",
            ));
        }
        if !is_guid(&s.client_id) {
            return Err(Error::from_code(ErrorCode::InvalidClientId));
        }
        if !is_authority(&s.authority) {
            return Err(Error::from_code(ErrorCode::InvalidAuthority));
        }
        Ok(s)
    }

    /// The person's choice to use the unencrypted connection to the server at `base`, if they made it.
    pub fn plain_http_choice(&self, base: &url::Url) -> Option<&PlainHttpChoice> {
        let origin = crate::server::plain_http::origin(base);
        self.plain_http_servers.iter().find(|c| c.server == origin)
    }

    /// Records the choice to use the unencrypted connection to the server at `base` (made at `now`); a choice
    /// already made keeps its date.
    pub fn choose_plain_http(&mut self, base: &url::Url, now: chrono::DateTime<chrono::Utc>) {
        if self.plain_http_choice(base).is_none() {
            self.plain_http_servers.push(PlainHttpChoice {
                server: crate::server::plain_http::origin(base),
                chosen_at: now,
            });
        }
    }

    /// Takes the choice for the server at `base` back: PAT Desk asks again before connecting to it.
    pub fn forget_plain_http(&mut self, base: &url::Url) {
        let origin = crate::server::plain_http::origin(base);
        self.plain_http_servers.retain(|c| c.server != origin);
    }

    /// How long a copied secret stays on the clipboard: `PATDESK_CLIPBOARD_CLEAR_SECONDS` when set to a
    /// positive whole number, otherwise this setting.
    pub fn clear_after(&self) -> Duration {
        clipboard::clear_after_override()
            .unwrap_or_else(|| Duration::from_secs(u64::from(self.clipboard_clear_seconds)))
    }

    /// The sign-in settings: the client id, authority and scopes chosen here, the client id and authority each
    /// overridden by `PATDESK_CLIENT_ID` / `PATDESK_AUTHORITY` when set.
    pub fn entra_config(&self) -> EntraConfig {
        EntraConfig {
            client_id: self.client_id.clone(),
            authority: self.authority.clone(),
            scopes: self.sign_in_scopes.scopes().to_string(),
        }
        .with_env_overrides()
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hexadecimal digits (any case).
pub fn is_guid(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// An Entra authority PAT Desk can sign in through (contract §3.2): `organizations`, `common`, a tenant GUID or
/// a tenant's domain (`contoso.onmicrosoft.com`). `consumers` is not one: personal Microsoft accounts cannot
/// manage Azure DevOps PATs.
pub fn is_authority(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower == "organizations" || lower == "common" || is_guid(value) || is_domain(&lower)
}

/// A DNS name with at least two labels of letters, digits and inner hyphens.
fn is_domain(value: &str) -> bool {
    let labels: Vec<&str> = value.split('.').collect();
    value.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()))
}

/// The file a settings file that could not be used is moved to: `settings.json` → `settings.json.bak`.
pub fn backup_file(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// The one line the window shows when the settings file could not be used: where the old file is kept, or
/// that it was left in place when it could not be moved aside.
pub fn unreadable_notice(path: &Path, kept_aside: bool) -> String {
    if kept_aside {
        let bak = backup_file(path);
        let name = bak.file_name().unwrap_or_default().to_string_lossy();
        format!(
            "PAT Desk could not read its settings file, so it is using the default settings; the old file is kept as {name}."
        )
    } else {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        format!(
            "PAT Desk could not read its settings file, so it is using the default settings; the old file is still there as {name}."
        )
    }
}

/// The one line the window shows when the settings file is there but could not be opened: nothing was moved.
pub fn unopened_notice(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    format!(
        "PAT Desk could not open its settings file {name}, so it is using the default settings for now; the file \
         is left as it is. Check that your user account may read it, then restart PAT Desk."
    )
}

/// The settings in `path`: the defaults when there is no file yet; when the file cannot be understood (not
/// JSON, another version, an unknown or disallowed value), the defaults with a one-line notice, the file moved
/// aside to `settings.json.bak` so nothing is lost; when it cannot be opened, the defaults with a notice and the
/// file left in place.
pub fn load(path: &Path) -> (Settings, Option<String>) {
    let parsed = match fs::read(path) {
        Ok(bytes) => parse(&bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return (Settings::default(), None),
        // Not a damaged file (permission denied, a folder in its place, a disk error): left where it is.
        Err(e) => {
            tracing::warn!(error = %e, "settings file could not be opened; defaults used, file left in place");
            return (Settings::default(), Some(unopened_notice(path)));
        }
    };
    match parsed {
        Ok(settings) => (settings, None),
        Err(why) => {
            let moved = fs::rename(path, backup_file(path));
            tracing::warn!(
                reason = %why,
                kept = moved.is_ok(),
                "settings file unreadable; defaults used"
            );
            (
                Settings::default(),
                Some(unreadable_notice(path, moved.is_ok())),
            )
        }
    }
}

fn parse(bytes: &[u8]) -> std::result::Result<Settings, String> {
    let file: SettingsFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if file.version != SETTINGS_VERSION {
        return Err(format!("unknown settings version {}", file.version));
    }
    file.settings.validated().map_err(|e| e.message)
}

/// Validate `settings` and write them to `path` (creating its directory), through a temporary file renamed
/// over the old one. Returns what was saved (trimmed).
pub fn save(path: &Path, settings: &Settings) -> Result<Settings> {
    let settings = settings.validated()?;
    write_atomically(path, &settings).map_err(|e| {
        Error::new(
            ErrorCode::Internal,
            "PAT Desk could not save your settings. Check that your home folder is not full or read-only, \
             then try again.",
        )
        .with_raw(format!("{}: {e}", path.display()))
    })?;
    tracing::info!("settings saved");
    Ok(settings)
}

fn write_atomically(path: &Path, settings: &Settings) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::private_file::private_dir(dir)?;
    }
    let file = SettingsFile {
        version: SETTINGS_VERSION,
        settings: settings.clone(),
    };
    let mut json = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
    json.push(b'\n');
    crate::private_file::write_atomically(path, &json)
}
