//! The OS keychain: where PAT Desk keeps what must survive a restart but must never sit in a file.
//!
//! PAT Desk remembers three things between runs, all in the system keychain (Secret Service on Linux —
//! GNOME Keyring or KWallet —, the login Keychain on macOS, the Credential Manager on Windows), never in a
//! plaintext file and never with a plaintext fallback:
//!
//! * **one refresh token per signed-in account** (entry `account:{tenantId}:{objectId}`), replaced every
//!   time Entra rotates it (contract §3.5);
//! * **saved PATs** a person chose to keep (entry `pat:{org}:{authorizationId}`, shown in the keychain as
//!   "PAT Desk — {org} — {name}");
//! * **an index** of the remembered accounts and saved PATs (entry `index`): names, organizations and ids
//!   only — *no secrets* — so the window can list them without reading any secret. Earlier versions also
//!   noted there which token PAT Desk handed to Git for each organization; Regenerate still reads that note,
//!   while new hand-offs are recorded in `handoffs.json` ([`crate::handoffs`]).
//!
//! All entries live under one keychain *service* name, the **namespace**: `dev.patdesk.app` for release
//! builds, `dev.patdesk.app.dev` for debug builds (so a development build can never read, rotate or delete a
//! release build's entries), or whatever `PATDESK_KEYCHAIN_NAMESPACE` says (tests use a fresh namespace per
//! run).
//!
//! Rules this module keeps:
//!
//! * A secret is deleted **only** by an explicit [`Vault::forget_account`] / [`Vault::forget_pat`]. A locked
//!   or unreachable keychain is reported ([`ErrorCode::KeychainUnavailable`]) and never leads to a delete.
//! * The keychain back end is registered with [`keyring_core::set_default_store`] by this module, lazily, on
//!   first use; when that failed (no session bus yet, keyring daemon not started) the next call tries again.
//! * The API is **synchronous** and may block (D-Bus round trips, or the system's "unlock your keyring"
//!   dialog). Async callers must not call it on an executor thread: use [`Vault::run`], which moves the work
//!   to `tokio::task::spawn_blocking`. (If zbus's `tokio` feature is ever enabled in the dependency tree,
//!   calling the Secret Service store directly on a tokio worker panics with "Cannot start a runtime from
//!   within a runtime"; `spawn_blocking` threads are fine.)

#[cfg(target_os = "linux")]
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use keyring_core::Entry;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

/// Keychain service name of release builds.
pub const RELEASE_NAMESPACE: &str = "dev.patdesk.app";
/// Keychain service name of debug (development) builds.
pub const DEV_NAMESPACE: &str = "dev.patdesk.app.dev";
/// Environment variable that overrides the namespace (tests, side-by-side installs).
pub const NAMESPACE_ENV: &str = "PATDESK_KEYCHAIN_NAMESPACE";

/// Shown when the keychain cannot be reached at all (no Secret Service, no session bus).
#[cfg(not(target_os = "windows"))]
pub const UNAVAILABLE_MESSAGE: &str = "PAT Desk can't reach your system keychain. Install or unlock GNOME Keyring (or KWallet), then reopen PAT Desk — or continue without remembering your sign-in.";
/// Shown when Windows' Credential Manager cannot be reached.
#[cfg(target_os = "windows")]
pub const UNAVAILABLE_MESSAGE: &str = "PAT Desk can't reach Windows Credential Manager. Sign out of Windows and back in (or restart the computer), then reopen PAT Desk — or continue without remembering your sign-in.";
/// Shown when the keychain is there but locked (or the unlock prompt was dismissed).
#[cfg(not(target_os = "windows"))]
pub const LOCKED_MESSAGE: &str = "Your system keychain is locked, so PAT Desk can't read or save your sign-in. Unlock it (for example in \"Passwords and Keys\", or by signing in to your desktop again), then try again. Nothing stored in it was removed.";
/// Shown when Windows refuses access to Credential Manager (a restricted or temporary profile).
#[cfg(target_os = "windows")]
pub const LOCKED_MESSAGE: &str = "Windows did not let PAT Desk use Credential Manager with this account, so it can't read or save your sign-in. Sign in to Windows with your usual account (not a temporary profile), then try again. Nothing stored in it was removed.";

const INDEX_USER: &str = "index";
const PROBE_USER: &str = "probe";
const INDEX_VERSION: u32 = 1;

/// Serializes read-modify-write of the index within this process.
static INDEX_LOCK: Mutex<()> = Mutex::new(());
/// Serializes creation of the default keychain store.
static STORE_LOCK: Mutex<()> = Mutex::new(());
/// Held while an account's refresh token is written or forgotten, so that a rotation racing a sign-out is
/// either stored before the sign-out deletes it or refused after (never a forgotten account brought back).
static ACCOUNT_LOCK: Mutex<()> = Mutex::new(());

/// An account whose sign-in PAT Desk remembers. Non-secret: it lives in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RememberedAccount {
    /// The Entra tenant the refresh token was issued by (a GUID, or the authority such as `organizations`).
    pub tenant_id: String,
    /// The account's object id (`oid`), or its user name when the id is not known.
    pub user_id: String,
    /// What the person recognises: the UPN or e-mail address.
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// When the refresh token was last stored (sign-in or rotation).
    pub updated_at: DateTime<Utc>,
}

impl RememberedAccount {
    /// The keychain entry name of this account's refresh token: `account:{tenantId}:{userId}`.
    pub fn entry_name(&self) -> String {
        account_entry(&self.tenant_id, &self.user_id)
    }
}

/// A PAT whose value the person asked PAT Desk to keep. Non-secret: it lives in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedPat {
    pub organization: String,
    pub authorization_id: String,
    pub display_name: String,
    /// ISO-8601 expiry, when known.
    #[serde(default)]
    pub valid_to: Option<String>,
    pub saved_at: DateTime<Utc>,
}

impl SavedPat {
    /// The keychain entry name: `pat:{org}:{authorizationId}`.
    pub fn entry_name(&self) -> String {
        pat_entry(&self.organization, &self.authorization_id)
    }

    /// The label the keychain's own UI shows: "PAT Desk — {org} — {name}".
    pub fn label(&self) -> String {
        format!("PAT Desk — {} — {}", self.organization, self.display_name)
    }
}

/// The token PAT Desk last handed to Git's credential helper for an organization ("Use with Git"). Git keeps
/// one value per organization, so there is at most one per organization. Non-secret: it lives in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitHandOff {
    pub organization: String,
    pub authorization_id: String,
    pub handed_at: DateTime<Utc>,
}

/// An Azure DevOps Server sign-in PAT Desk remembers: the server and the user name (or that it was a PAT).
/// Non-secret: it lives in the index; the password or PAT is the entry `server:{base URL}:{user}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RememberedServer {
    /// The server's base URL (`https://tfs.contoso.local:8080/tfs`).
    pub server_url: String,
    /// The collection the address named, if any.
    #[serde(default)]
    pub collection: Option<String>,
    /// `DOMAIN\user` for a Windows sign-in; empty for a PAT.
    pub user: String,
    /// Whether the stored secret is a PAT (else a Windows password).
    pub with_pat: bool,
    #[serde(default)]
    pub display_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl RememberedServer {
    /// The keychain entry name: `server:{base URL}:{user}` (user `pat` for a PAT sign-in).
    pub fn entry_name(&self) -> String {
        let user = if self.with_pat {
            "pat"
        } else {
            self.user.as_str()
        };
        format!(
            "server:{}:{}",
            self.server_url.trim_end_matches('/').to_ascii_lowercase(),
            user.to_ascii_lowercase()
        )
    }
}

/// The non-secret index stored in the `index` entry.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Index {
    version: u32,
    #[serde(default)]
    accounts: Vec<RememberedAccount>,
    #[serde(default)]
    servers: Vec<RememberedServer>,
    #[serde(default)]
    pats: Vec<SavedPat>,
    #[serde(default)]
    git: Vec<GitHandOff>,
}

/// PAT Desk's corner of the OS keychain. Cheap to clone; every call goes to the keychain (no cache).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vault {
    namespace: Arc<str>,
}

impl Default for Vault {
    fn default() -> Self {
        Vault::new()
    }
}

impl Vault {
    /// The vault of this build: namespace from `PATDESK_KEYCHAIN_NAMESPACE`, else [`DEV_NAMESPACE`] in debug
    /// builds and [`RELEASE_NAMESPACE`] in release builds.
    pub fn new() -> Self {
        Vault::with_namespace(default_namespace())
    }

    /// A vault under an explicit namespace (the keychain "service" of every entry).
    pub fn with_namespace(namespace: impl Into<String>) -> Self {
        let namespace: String = namespace.into();
        Vault {
            namespace: Arc::from(namespace.as_str()),
        }
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Run keychain work off the async executor (on `spawn_blocking`). Use this from async code.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Error>
    where
        F: FnOnce(&Vault) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let vault = self.clone();
        tokio::task::spawn_blocking(move || work(&vault))
            .await
            .map_err(|e| internal(e.to_string()))?
    }

    /// Start-up check: write, read back and delete a throw-away entry. `Ok` means sign-ins can be
    /// remembered. Errors are [`ErrorCode::KeychainUnavailable`] with [`UNAVAILABLE_MESSAGE`] (no keychain)
    /// or [`LOCKED_MESSAGE`] (locked); the app then carries on without remembering anything.
    pub fn probe(&self) -> Result<(), Error> {
        ensure_store()?;
        let entry = self.entry(PROBE_USER, "PAT Desk — keychain check (safe to delete)")?;
        let value = format!("probe-{}", uuid::Uuid::new_v4());
        entry.set_password(&value).map_err(map_keyring)?;
        let read = entry.get_password().map_err(map_keyring);
        // Delete the probe whatever the read said: it is ours and holds nothing of value.
        let deleted = entry.delete_credential().map_err(map_keyring);
        let read = read?;
        deleted?;
        if read != value {
            return Err(
                Error::new(ErrorCode::KeychainUnavailable, UNAVAILABLE_MESSAGE)
                    .with_raw("the keychain returned a different value than was written"),
            );
        }
        Ok(())
    }

    // ----- accounts -----------------------------------------------------------------------------------

    /// Remember `account` and its refresh token (a new sign-in, or a rotated token for a known account).
    /// The secret is written first, then the index, so the index never names a token that is not there.
    pub fn store_refresh_token(
        &self,
        account: &RememberedAccount,
        refresh_token: &Sensitive<String>,
    ) -> Result<(), Error> {
        ensure_store()?;
        let _account = ACCOUNT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        self.write_refresh_token(account, refresh_token)
    }

    fn write_refresh_token(
        &self,
        account: &RememberedAccount,
        refresh_token: &Sensitive<String>,
    ) -> Result<(), Error> {
        let label = format!("PAT Desk — sign-in — {}", account.username);
        self.write_value(&account.entry_name(), &label, refresh_token.expose())?;
        self.update_index(|index| {
            index
                .accounts
                .retain(|a| a.entry_name() != account.entry_name());
            index.accounts.push(account.clone());
        })
    }

    /// Replace just the refresh token of a remembered account (the rotation hook of a refreshing provider).
    /// An account that is no longer remembered (signed out meanwhile) is not remembered again:
    /// [`ErrorCode::SessionExpired`].
    pub fn rotate_refresh_token(
        &self,
        tenant_id: &str,
        user_id: &str,
        refresh_token: &Sensitive<String>,
    ) -> Result<(), Error> {
        ensure_store()?;
        let _account = ACCOUNT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let name = account_entry(tenant_id, user_id);
        let known = self
            .read_index()?
            .accounts
            .into_iter()
            .find(|a| a.entry_name() == name);
        match known {
            Some(mut account) => {
                account.updated_at = Utc::now();
                self.write_refresh_token(&account, refresh_token)
            }
            None => Err(Error::new(
                ErrorCode::SessionExpired,
                "PAT Desk no longer remembers this sign-in. Please sign in again.",
            )),
        }
    }

    /// A hook for [`RefreshChain::set_rotation_hook`](crate::entra::RefreshChain::set_rotation_hook)
    /// that keeps `account`'s stored refresh token in step with every rotation.
    ///
    /// The provider calls the hook on an async task, so the write happens on a plain thread of its own (never
    /// on the executor, and never blocking the refresh). Writes are ordered: if two rotations race, only the
    /// newest token is stored. Only an account still remembered is written: a rotation that finishes after
    /// sign-out ([`Vault::forget_account`]) does not bring the account back. A failed write is not fatal — the worst case is that the next start needs an
    /// interactive sign-in — and is reported to `on_error` (message only, never the token).
    pub fn refresh_token_hook(
        &self,
        account: RememberedAccount,
        on_error: Option<Arc<dyn Fn(Error) + Send + Sync>>,
    ) -> crate::entra::RefreshTokenHook {
        let vault = self.clone();
        let latest = Arc::new(Mutex::new(0u64));
        let issued = Arc::new(std::sync::atomic::AtomicU64::new(0));
        Arc::new(move |token: &Sensitive<String>| {
            let seq = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            let (vault, latest, report) = (vault.clone(), latest.clone(), on_error.clone());
            let account = account.clone();
            let token = token.clone();
            let spawned = std::thread::Builder::new()
                .name("patdesk-keychain".into())
                .spawn(move || {
                    let mut written = latest.lock().unwrap_or_else(|p| p.into_inner());
                    if *written > seq {
                        return; // a newer token is already stored
                    }
                    match vault.rotate_refresh_token(&account.tenant_id, &account.user_id, &token) {
                        Ok(()) => *written = seq,
                        // Signed out meanwhile: the account stays forgotten.
                        Err(e) if e.code == ErrorCode::SessionExpired => {
                            tracing::debug!("a rotation after sign-out was not stored")
                        }
                        Err(e) => {
                            if let Some(report) = &report {
                                report(e);
                            }
                        }
                    }
                });
            if let (Err(e), Some(report)) = (spawned, &on_error) {
                report(internal(e.to_string()));
            }
        })
    }

    /// The stored refresh token of an account, or `None` when there is none (never stored, or forgotten).
    /// A locked or unreachable keychain is an error, not `None`: it must not look like "signed out".
    pub fn load_refresh_token(
        &self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<Option<Sensitive<String>>, Error> {
        ensure_store()?;
        self.read_value(&account_entry(tenant_id, user_id))
    }

    /// The remembered accounts, most recently used first.
    pub fn accounts(&self) -> Result<Vec<RememberedAccount>, Error> {
        ensure_store()?;
        let mut accounts = self.read_index()?.accounts;
        accounts.sort_by_key(|a| std::cmp::Reverse(a.updated_at));
        Ok(accounts)
    }

    /// Sign-out: delete the account's refresh token and drop it from the index. Forgetting an account
    /// that is not there is not an error.
    pub fn forget_account(&self, tenant_id: &str, user_id: &str) -> Result<(), Error> {
        ensure_store()?;
        let _account = ACCOUNT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let name = account_entry(tenant_id, user_id);
        self.delete_value(&name)?;
        self.update_index(|index| index.accounts.retain(|a| a.entry_name() != name))
    }

    // ----- Azure DevOps Server sign-ins --------------------------------------------------------------

    /// Remember a server sign-in and its secret (the Windows password or the PAT). Secret first, then the
    /// index.
    pub fn store_server_secret(
        &self,
        server: &RememberedServer,
        secret: &Sensitive<String>,
    ) -> Result<(), Error> {
        ensure_store()?;
        let who = if server.with_pat {
            "personal access token".to_string()
        } else {
            server.user.clone()
        };
        let label = format!("PAT Desk — {} — {who}", server.server_url);
        self.write_value(&server.entry_name(), &label, secret.expose())?;
        self.update_index(|index| {
            index
                .servers
                .retain(|s| s.entry_name() != server.entry_name());
            index.servers.push(server.clone());
        })
    }

    /// The stored secret of a remembered server sign-in, or `None` when there is none.
    pub fn load_server_secret(
        &self,
        server: &RememberedServer,
    ) -> Result<Option<Sensitive<String>>, Error> {
        ensure_store()?;
        self.read_value(&server.entry_name())
    }

    /// The remembered server sign-ins, most recently used first.
    pub fn servers(&self) -> Result<Vec<RememberedServer>, Error> {
        ensure_store()?;
        let mut servers = self.read_index()?.servers;
        servers.sort_by_key(|s| std::cmp::Reverse(s.updated_at));
        Ok(servers)
    }

    /// Forget a server sign-in (its secret and its index line). Not there is not an error.
    pub fn forget_server(&self, server: &RememberedServer) -> Result<(), Error> {
        ensure_store()?;
        let name = server.entry_name();
        self.delete_value(&name)?;
        self.update_index(|index| index.servers.retain(|s| s.entry_name() != name))
    }

    // ----- saved PATs ---------------------------------------------------------------------------------

    /// Keep a PAT's value in the keychain (labelled "PAT Desk — {org} — {name}").
    pub fn save_pat(&self, pat: &SavedPat, secret: &Sensitive<String>) -> Result<(), Error> {
        ensure_store()?;
        self.write_value(&pat.entry_name(), &pat.label(), secret.expose())?;
        self.update_index(|index| {
            index.pats.retain(|p| p.entry_name() != pat.entry_name());
            index.pats.push(pat.clone());
        })
    }

    /// The saved PATs (metadata only), sorted by organization then name.
    pub fn saved_pats(&self) -> Result<Vec<SavedPat>, Error> {
        ensure_store()?;
        let mut pats = self.read_index()?.pats;
        pats.sort_by(|a, b| {
            (a.organization.to_lowercase(), a.display_name.to_lowercase())
                .cmp(&(b.organization.to_lowercase(), b.display_name.to_lowercase()))
        });
        Ok(pats)
    }

    /// The value of a saved PAT (for "Copy"). [`ErrorCode::TokenNotFound`] when it is not saved.
    pub fn saved_pat_secret(
        &self,
        organization: &str,
        authorization_id: &str,
    ) -> Result<Sensitive<String>, Error> {
        ensure_store()?;
        self.read_value(&pat_entry(organization, authorization_id))?
            .ok_or_else(|| {
            Error::new(
                ErrorCode::TokenNotFound,
                "This token's value is no longer saved in your keychain. Regenerate the token to get a new value.",
            )
        })
    }

    /// Delete a saved PAT's value and drop it from the index. Forgetting one that is not there is not an
    /// error. (This does not revoke the PAT in Azure DevOps.)
    pub fn forget_pat(&self, organization: &str, authorization_id: &str) -> Result<(), Error> {
        ensure_store()?;
        let name = pat_entry(organization, authorization_id);
        self.delete_value(&name)?;
        self.update_index(|index| index.pats.retain(|p| p.entry_name() != name))
    }

    // ----- tokens handed to Git -----------------------------------------------------------------------

    /// Note that the token `authorization_id` was handed to Git for `organization` (replacing the previous
    /// note for that organization: Git keeps one value per organization).
    pub fn note_handed_to_git(
        &self,
        organization: &str,
        authorization_id: &str,
    ) -> Result<(), Error> {
        ensure_store()?;
        let hand_off = GitHandOff {
            organization: organization.to_string(),
            authorization_id: authorization_id.to_ascii_lowercase(),
            handed_at: Utc::now(),
        };
        self.update_index(|index| {
            index
                .git
                .retain(|g| !g.organization.eq_ignore_ascii_case(organization));
            index.git.push(hand_off);
        })
    }

    /// The token PAT Desk last handed to Git for `organization`, if any.
    pub fn handed_to_git(&self, organization: &str) -> Result<Option<GitHandOff>, Error> {
        ensure_store()?;
        Ok(self
            .read_index()?
            .git
            .into_iter()
            .find(|g| g.organization.eq_ignore_ascii_case(organization)))
    }

    // ----- items other programs read (pip through python-keyring) ----------------------------------------

    /// Keep `secret` in the system keychain under another program's `service` and `user` (not this vault's
    /// namespace), where that program's keyring library looks: python-keyring searches Secret Service items
    /// by `service` and `username`, and the macOS Keychain by service and account, which is what these
    /// entries are. Used for pip's keyring route.
    pub fn save_for_program(
        &self,
        service: &str,
        user: &str,
        label: &str,
        secret: &Sensitive<String>,
    ) -> Result<(), Error> {
        ensure_store()?;
        #[cfg(target_os = "linux")]
        let entry = {
            let modifiers = HashMap::from([("label", label)]);
            Entry::new_with_modifiers(service, user, &modifiers).map_err(map_keyring)?
        };
        #[cfg(not(target_os = "linux"))]
        let entry = {
            let _ = label;
            program_entry(service, user)?
        };
        entry.set_password(secret.expose()).map_err(map_keyring)
    }

    /// Delete what [`Vault::save_for_program`] kept (missing is fine).
    pub fn forget_for_program(&self, service: &str, user: &str) -> Result<(), Error> {
        ensure_store()?;
        delete_entry(&program_entry(service, user)?)
    }

    // ----- plumbing -----------------------------------------------------------------------------------

    /// The entry `user` of this namespace. `label` is what the keychain's own UI shows for an entry this
    /// call creates (Secret Service only; the other stores have no label modifier).
    #[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
    fn entry(&self, user: &str, label: &str) -> Result<Entry, Error> {
        #[cfg(target_os = "linux")]
        if !label.is_empty() {
            let modifiers = HashMap::from([("label", label)]);
            return Entry::new_with_modifiers(&self.namespace, user, &modifiers)
                .map_err(map_keyring);
        }
        Entry::new(&self.namespace, user).map_err(map_keyring)
    }

    fn read_index(&self) -> Result<Index, Error> {
        match self.read_value(INDEX_USER)? {
            None => Ok(Index {
                version: INDEX_VERSION,
                ..Index::default()
            }),
            Some(json) => serde_json::from_str(json.expose()).map_err(|e| {
                Error::new(
                    ErrorCode::KeychainUnavailable,
                    "PAT Desk's list of remembered accounts in your keychain could not be read. Your saved sign-ins are still there; sign in again to rebuild the list.",
                )
                .with_raw(e.to_string())
            }),
        }
    }

    fn update_index(&self, change: impl FnOnce(&mut Index)) -> Result<(), Error> {
        let _guard = INDEX_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut index = self.read_index()?;
        change(&mut index);
        index.version = INDEX_VERSION;
        let json = serde_json::to_string(&index).map_err(|e| internal(e.to_string()))?;
        self.write_value(
            INDEX_USER,
            "PAT Desk — remembered accounts and saved tokens (names only, no secrets)",
            &json,
        )
    }

    /// Write `value` under the entry `user`. A value longer than one entry of the store may hold (Windows'
    /// Credential Manager: [`PART_LIMIT`]) is kept in parts: the entry `user` then holds only a note of how
    /// many ([`parts_note`]), and the entries `user~part1`… the value. Parts are written before the note, and
    /// the parts a longer earlier value left behind are deleted after it.
    fn write_value(&self, user: &str, label: &str, value: &str) -> Result<(), Error> {
        let before = self.stored_parts(user)?;
        let parts = split_for_store(value, PART_LIMIT);
        let written = if parts.len() == 1 {
            set_value(&self.entry(user, label)?, value)?;
            0
        } else {
            for (i, part) in parts.iter().enumerate() {
                set_value(&self.entry(&part_entry(user, i + 1), label)?, part)?;
            }
            set_value(&self.entry(user, label)?, &parts_note(parts.len()))?;
            parts.len()
        };
        for stale in written + 1..=before {
            delete_entry(&self.entry(&part_entry(user, stale), "")?)?;
        }
        Ok(())
    }

    /// The value under the entry `user` (joined again when [`Self::write_value`] kept it in parts); `None`
    /// when there is no such entry.
    fn read_value(&self, user: &str) -> Result<Option<Sensitive<String>>, Error> {
        let Some(head) = read_secret(&self.entry(user, "")?)? else {
            return Ok(None);
        };
        let Some(count) = parts_in_note(head.expose()) else {
            return Ok(Some(head));
        };
        // Sized up front, so the joined secret is never copied by a reallocation and left behind.
        let mut joined = String::with_capacity(count * PART_LIMIT.unwrap_or(0) * 3);
        for i in 1..=count {
            match read_secret(&self.entry(&part_entry(user, i), "")?) {
                Ok(Some(part)) => joined.push_str(part.expose()),
                outcome => {
                    zeroize::Zeroize::zeroize(&mut joined);
                    return Err(outcome.err().unwrap_or_else(|| {
                        Error::new(
                            ErrorCode::KeychainUnavailable,
                            "Part of an entry of PAT Desk is missing from your keychain. Sign in again (or save the token again) to replace it.",
                        )
                    }));
                }
            }
        }
        Ok(Some(Sensitive::new(joined)))
    }

    /// Delete the entry `user` and its parts, if it has any (missing is fine).
    fn delete_value(&self, user: &str) -> Result<(), Error> {
        let parts = self.stored_parts(user)?;
        delete_entry(&self.entry(user, "")?)?;
        for i in 1..=parts {
            delete_entry(&self.entry(&part_entry(user, i), "")?)?;
        }
        Ok(())
    }

    /// How many parts the entry `user` has now (0 when it holds its value itself or is not there).
    fn stored_parts(&self, user: &str) -> Result<usize, Error> {
        // Only a store with a limit ever has parts: elsewhere no extra keychain round trip.
        if PART_LIMIT.is_none() {
            return Ok(0);
        }
        Ok(read_secret(&self.entry(user, "")?)?
            .and_then(|head| parts_in_note(head.expose()))
            .unwrap_or(0))
    }
}

/// The longest value one keychain entry holds, in UTF-16 code units, where the store has such a limit:
/// Windows' Credential Manager keeps at most `CRED_MAX_CREDENTIAL_BLOB_SIZE` (2,560) bytes per credential,
/// and the store writes a password as UTF-16, so 1,280 units. Entra refresh tokens and the index of a person
/// with many saved tokens can be longer, so longer values are kept in parts (see [`Vault::write_value`]).
/// Secret Service and the macOS Keychain have no such limit.
#[cfg(target_os = "windows")]
const PART_LIMIT: Option<usize> = Some(1280);
#[cfg(not(target_os = "windows"))]
const PART_LIMIT: Option<usize> = None;

/// What the head entry of a value kept in parts holds. It starts with a NUL, which no token, password or
/// index ever does, so it cannot be mistaken for a value.
fn parts_note(count: usize) -> String {
    format!("\u{0}patdesk-parts:{count}")
}

/// The number of parts a head entry's note names, or `None` when the entry holds a value itself.
fn parts_in_note(head: &str) -> Option<usize> {
    head.strip_prefix("\u{0}patdesk-parts:")?
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

/// The entry name of part `index` (from 1) of the value under `user`.
fn part_entry(user: &str, index: usize) -> String {
    format!("{user}~part{index}")
}

/// `value` cut into pieces of at most `limit` UTF-16 code units each, never inside a character; one piece
/// when there is no limit or the value fits.
fn split_for_store(value: &str, limit: Option<usize>) -> Vec<&str> {
    let Some(limit) = limit.filter(|l| *l >= 2) else {
        return vec![value];
    };
    let mut parts = Vec::new();
    let (mut start, mut units) = (0, 0);
    for (at, c) in value.char_indices() {
        if units + c.len_utf16() > limit {
            parts.push(&value[start..at]);
            (start, units) = (at, 0);
        }
        units += c.len_utf16();
    }
    parts.push(&value[start..]);
    parts
}

/// Write a value to one entry. Windows' store keeps it as UTF-16 (what other Windows programs read);
/// [`read_secret`] decodes it the same way.
fn set_value(entry: &Entry, value: &str) -> Result<(), Error> {
    entry.set_password(value).map_err(map_keyring)
}

/// The entry another program's keyring library reads for `service` and `user`. On Windows that is
/// python-keyring's naming in Credential Manager: a generic credential whose target is `{user}@{service}`
/// (its `WinVaultKeyring` reads the target `{service}` first and, when that is missing or belongs to another
/// user, `{user}@{service}`), with the password as UTF-16 — so PAT Desk never takes over a credential named
/// just `{service}` that may be someone else's.
fn program_entry(service: &str, user: &str) -> Result<Entry, Error> {
    #[cfg(target_os = "windows")]
    {
        let target = program_target(service, user);
        let modifiers = std::collections::HashMap::from([("target", target.as_str())]);
        Entry::new_with_modifiers(service, user, &modifiers).map_err(map_keyring)
    }
    #[cfg(not(target_os = "windows"))]
    Entry::new(service, user).map_err(map_keyring)
}

/// python-keyring's compound Credential Manager target for `service` and `user`.
pub fn program_target(service: &str, user: &str) -> String {
    format!("{user}@{service}")
}

/// The namespace this build uses: `PATDESK_KEYCHAIN_NAMESPACE` if set and not blank, else
/// [`DEV_NAMESPACE`] for debug builds and [`RELEASE_NAMESPACE`] for release builds.
pub fn default_namespace() -> String {
    match std::env::var(NAMESPACE_ENV) {
        Ok(ns) if !ns.trim().is_empty() => ns.trim().to_string(),
        _ if cfg!(debug_assertions) => DEV_NAMESPACE.to_string(),
        _ => RELEASE_NAMESPACE.to_string(),
    }
}

fn account_entry(tenant_id: &str, user_id: &str) -> String {
    format!(
        "account:{}:{}",
        tenant_id.to_ascii_lowercase(),
        user_id.to_ascii_lowercase()
    )
}

fn pat_entry(organization: &str, authorization_id: &str) -> String {
    format!(
        "pat:{}:{}",
        organization.to_ascii_lowercase(),
        authorization_id.to_ascii_lowercase()
    )
}

/// Read an entry's secret; `None` when there is no such entry.
///
/// Windows' store writes a password as UTF-16 (as [`set_value`] asks), so there it is read back as one; the
/// other stores keep the UTF-8 bytes.
#[cfg(target_os = "windows")]
fn read_secret(entry: &Entry) -> Result<Option<Sensitive<String>>, Error> {
    match entry.get_password() {
        Ok(s) => Ok(Some(Sensitive::new(s))),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(keyring_core::Error::BadEncoding(mut bytes)) => {
            zeroize::Zeroize::zeroize(&mut bytes);
            Err(foreign_entry())
        }
        Err(e) => Err(map_keyring(e)),
    }
}

/// Read an entry's secret; `None` when there is no such entry.
#[cfg(not(target_os = "windows"))]
fn read_secret(entry: &Entry) -> Result<Option<Sensitive<String>>, Error> {
    match entry.get_secret() {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Ok(Some(Sensitive::new(s))),
            Err(e) => {
                let mut bytes = e.into_bytes();
                zeroize::Zeroize::zeroize(&mut bytes);
                Err(foreign_entry())
            }
        },
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_keyring(e)),
    }
}

fn foreign_entry() -> Error {
    Error::new(
        ErrorCode::KeychainUnavailable,
        "An entry of PAT Desk in your keychain holds something PAT Desk did not write. Sign in again to replace it.",
    )
}

/// Delete an entry (explicit forget only). Missing is fine; duplicates are all removed.
fn delete_entry(entry: &Entry) -> Result<(), Error> {
    match entry.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(keyring_core::Error::Ambiguous(entries)) => {
            for e in entries {
                match e.delete_credential() {
                    Ok(()) | Err(keyring_core::Error::NoEntry) => {}
                    Err(err) => return Err(map_keyring(err)),
                }
            }
            Ok(())
        }
        Err(e) => Err(map_keyring(e)),
    }
}

/// Make sure `keyring_core` has a default store, creating the platform's store if it has none yet.
/// A failed creation is not remembered: the next call tries again (the keyring daemon may have started).
fn ensure_store() -> Result<(), Error> {
    if keyring_core::get_default_store().is_some() {
        return Ok(());
    }
    let _guard = STORE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if keyring_core::get_default_store().is_some() {
        return Ok(());
    }
    let store = platform_store().map_err(|e| {
        let raw = e.to_string();
        match e {
            keyring_core::Error::NoStorageAccess(_) => {
                Error::new(ErrorCode::KeychainUnavailable, LOCKED_MESSAGE).with_raw(raw)
            }
            _ => Error::new(ErrorCode::KeychainUnavailable, UNAVAILABLE_MESSAGE).with_raw(raw),
        }
    })?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "PAT Desk has no keychain support on this system".into(),
    ))
}

/// Fold a keychain error into PAT Desk's error. Never deletes anything.
fn map_keyring(e: keyring_core::Error) -> Error {
    let raw = e.to_string();
    match e {
        keyring_core::Error::NoStorageAccess(_) => {
            Error::new(ErrorCode::KeychainUnavailable, LOCKED_MESSAGE).with_raw(raw)
        }
        keyring_core::Error::PlatformFailure(_) | keyring_core::Error::NoDefaultStore => {
            // The connection may be gone (daemon restarted, bus closed): build the store afresh next time.
            let _guard = STORE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
            keyring_core::unset_default_store();
            Error::new(ErrorCode::KeychainUnavailable, UNAVAILABLE_MESSAGE).with_raw(raw)
        }
        keyring_core::Error::TooLong(..) => Error::new(
            ErrorCode::KeychainUnavailable,
            "Your system keychain refused to keep this value because it is too long. Nothing was changed; you can go on without remembering it.",
        )
        .with_raw(raw),
        keyring_core::Error::Ambiguous(_) => Error::new(
            ErrorCode::KeychainUnavailable,
            "Your keychain holds several entries of PAT Desk with the same name, so PAT Desk cannot tell which one to use. Remove the duplicates in your keychain's app, then try again.",
        )
        .with_raw(raw),
        _ => internal(raw),
    }
}

fn internal(raw: String) -> Error {
    Error::from_code(ErrorCode::Internal).with_raw(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_character_boundaries_within_the_limit() {
        let token = "a".repeat(3000);
        let parts = split_for_store(&token, Some(1280));
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [1280, 1280, 440]
        );
        assert_eq!(parts.concat(), token);

        // "é" is one UTF-16 unit (two UTF-8 bytes), "𝄞" two units (four bytes): the limit counts units.
        let names = format!("{}𝄞{}", "é".repeat(3), "b".repeat(4));
        let parts = split_for_store(&names, Some(4));
        assert_eq!(parts, ["ééé", "𝄞bb", "bb"]);
        assert!(parts
            .iter()
            .all(|p| p.encode_utf16().count() <= 4 && !p.is_empty()));

        assert_eq!(split_for_store(&token, None), [token.as_str()]);
        assert_eq!(split_for_store("short", Some(1280)), ["short"]);
        assert_eq!(split_for_store("", Some(1280)), [""]);
    }

    #[test]
    fn the_parts_note_is_never_a_value() {
        assert_eq!(parts_in_note(&parts_note(3)), Some(3));
        assert_eq!(parts_in_note("patdesk-parts:3"), None);
        assert_eq!(parts_in_note(&parts_note(0)), None);
        assert_eq!(parts_in_note("\u{0}patdesk-parts:x"), None);
        assert_eq!(part_entry("account:t:u", 2), "account:t:u~part2");
    }
}
