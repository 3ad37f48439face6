//! The one piece of state the shell manages: who is signed in, the secrets of the tokens just created, the
//! running bulk revoke, the clipboard and the person's settings.
//!
//! Commands read it through `tauri::State<AppState>`; nothing else in the shell keeps state.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use patdesk_core::bulk::{BulkItem, CancellationToken};
use patdesk_core::clipboard::ClipboardService;
use patdesk_core::handoffs::HandOffStore;
use patdesk_core::listing::TokenListing;
use patdesk_core::model::{BulkSummary, KeychainStatus, ListFilter, PatToken};
use patdesk_core::settings::{self, Settings, SettingsView};
use patdesk_core::vault::Vault;
use patdesk_core::{Error, ErrorCode, Sensitive};
use tauri::async_runtime::JoinHandle;

use patdesk_core::session::ActiveSession;

/// How the app was started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LaunchMode {
    /// `PATDESK_DEMO=1` or `--demo`: open straight into the offline demo.
    pub demo: bool,
    /// Sign in again silently as the remembered account at start (the app does; the command tests that
    /// must not touch a keychain use the default, `false`).
    pub restore_session: bool,
}

impl LaunchMode {
    pub fn from_env_and_args() -> Self {
        let env_demo = std::env::var("PATDESK_DEMO")
            .map(|v| matches!(v.trim(), "1" | "true" | "yes"))
            .unwrap_or(false);
        let arg_demo = std::env::args().skip(1).any(|a| a == "--demo");
        LaunchMode {
            demo: env_demo || arg_demo,
            restore_session: true,
        }
    }
}

pub struct AppState {
    pub launch: LaunchMode,
    /// The current session. Commands clone the `Arc` and release the lock at once, so a long listing
    /// never blocks sign-out.
    session: RwLock<Option<Arc<ActiveSession>>>,
    /// Serializes starting and ending sessions (a demo started at launch and by `current_session`).
    pub session_change: tokio::sync::Mutex<()>,
    /// The tokens just created, each with its secret, for `copy_secret`, "Save in my keychain" and "Use with
    /// Git", until `forget_created_secret`: one from New token, or one per organization from the Replace
    /// assistant. One lock, so a token and its secret are always kept and dropped together.
    created: Mutex<Vec<Kept>>,
    /// Cancels the bulk revoke in progress, if any (with its run number, so a finished run never
    /// unregisters a newer one).
    bulk_cancel: Mutex<Option<(u64, CancellationToken)>>,
    bulk_runs: AtomicU64,
    /// The first token list of the demo's session, started with the session so that it overlaps the window's
    /// loading; the window's first `list_tokens` (every organization, every status) takes it. Only the demo: a
    /// real session's listing may rotate its refresh token, which must not outlive a sign-out in the keychain.
    first_listing: Mutex<Option<FirstListing>>,
    /// The last bulk revoke's tokens and results, for "Retry failed" (ids and names, no secrets).
    last_bulk: Mutex<Option<(Vec<BulkItem>, BulkSummary)>>,
    /// The person signed out of the demo the app was started in: don't start it again on reload.
    demo_left: AtomicBool,
    pub clipboard: ClipboardService,
    /// PAT Desk's corner of the system keychain (refresh tokens, saved PATs).
    pub vault: Vault,
    /// What the start-up probe found, and whether the person chose to go on without the keychain.
    keychain: Mutex<Keychain>,
    /// The window asked for the session once (that first `current_session` waits for `launch_restore`).
    restore_tried: AtomicBool,
    /// The outcome of restoring the remembered account at launch: started by the app's setup, so the keychain
    /// and the network work while the window loads, and awaited by the window's first `current_session`.
    pub launch_restore: tokio::sync::OnceCell<Result<(), Error>>,
    /// Cancels the sign-in in progress (browser or device code).
    sign_in_cancel: Mutex<Option<CancellationToken>>,
    /// The device-code sign-in's user code, for "Copy" (not a secret).
    device_code: Mutex<Option<String>>,
    /// The browser sign-in's address while it waits, for "Copy address" (the screen's only other copy).
    sign_in_address: Mutex<Option<String>>,
    /// The person's settings, read from their file the first time they are needed.
    settings: Mutex<SettingsSlot>,
    /// The record of hand-offs (`handoffs.json` in the app's data directory); `None` without one (the
    /// command tests), when hand-offs are made but not remembered.
    hand_offs: Mutex<Option<HandOffStore>>,
}

/// Where the settings file is (the app's config directory, known once the app is built) and what was read
/// from it.
#[derive(Default)]
struct SettingsSlot {
    path: Option<PathBuf>,
    view: Option<SettingsView>,
}

/// A listing started with a session (see [`AppState::start_first_listing`]).
struct FirstListing {
    session: Weak<ActiveSession>,
    started: JoinHandle<Result<TokenListing, Error>>,
}

/// A token just created and its secret (dropping it zeroizes the secret).
#[derive(Clone)]
pub struct CreatedToken {
    pub token: PatToken,
    pub secret: Sensitive<String>,
}

/// A created token as the shell keeps it: whether its value was already revealed to the window.
struct Kept {
    created: CreatedToken,
    revealed: bool,
}

/// The keychain as far as this run of the app knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keychain {
    Unchecked,
    Available,
    Unavailable(String),
    /// Unavailable, and the person chose to continue without remembering the sign-in.
    MemoryOnly(String),
}

impl Keychain {
    pub fn status(&self) -> KeychainStatus {
        match self {
            Keychain::Unchecked | Keychain::Available => KeychainStatus {
                available: true,
                memory_only: false,
                message: None,
            },
            Keychain::Unavailable(m) => KeychainStatus {
                available: false,
                memory_only: false,
                message: Some(m.clone()),
            },
            Keychain::MemoryOnly(m) => KeychainStatus {
                available: false,
                memory_only: true,
                message: Some(m.clone()),
            },
        }
    }
}

impl AppState {
    pub fn new(launch: LaunchMode) -> Self {
        AppState {
            launch,
            session: RwLock::new(None),
            session_change: tokio::sync::Mutex::new(()),
            created: Mutex::new(Vec::new()),
            bulk_cancel: Mutex::new(None),
            bulk_runs: AtomicU64::new(0),
            last_bulk: Mutex::new(None),
            first_listing: Mutex::new(None),
            demo_left: AtomicBool::new(false),
            clipboard: ClipboardService::new(),
            vault: Vault::new(),
            keychain: Mutex::new(Keychain::Unchecked),
            restore_tried: AtomicBool::new(false),
            launch_restore: tokio::sync::OnceCell::new(),
            sign_in_cancel: Mutex::new(None),
            device_code: Mutex::new(None),
            sign_in_address: Mutex::new(None),
            settings: Mutex::new(SettingsSlot::default()),
            hand_offs: Mutex::new(None),
        }
    }

    /// Keep the record of hand-offs in `dir` (the app's data directory).
    pub fn use_data_dir(&self, dir: &std::path::Path) {
        *self.hand_offs.lock().unwrap_or_else(|e| e.into_inner()) = Some(HandOffStore::in_dir(dir));
    }

    /// The record of hand-offs, when the app has a data directory.
    pub fn hand_off_store(&self) -> Option<HandOffStore> {
        self.hand_offs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Keep the settings in `path` (read again when next needed).
    pub fn use_settings_file(&self, path: PathBuf) {
        *self.settings.lock().unwrap_or_else(|e| e.into_inner()) = SettingsSlot {
            path: Some(path),
            view: None,
        };
    }

    pub fn settings_file(&self) -> Option<PathBuf> {
        self.settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .path
            .clone()
    }

    /// The settings and the notice of an unreadable file, read from the file the first time. Without a file
    /// (the command tests that set none), the defaults.
    pub fn settings_view(&self) -> SettingsView {
        let mut slot = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(view) = &slot.view {
            return view.clone();
        }
        let view = match &slot.path {
            Some(path) => {
                let (settings, notice) = settings::load(path);
                SettingsView::new(settings, notice)
            }
            None => SettingsView::new(Settings::default(), None),
        };
        if slot.path.is_some() {
            slot.view = Some(view.clone());
        }
        view
    }

    pub fn settings(&self) -> Settings {
        self.settings_view().settings
    }

    /// Validate and save `settings` to the settings file; the notice of an unreadable file is gone once the
    /// person saved new settings.
    pub fn save_settings(&self, next: &Settings) -> Result<SettingsView, Error> {
        let mut slot = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        let path = slot.path.clone().ok_or_else(|| {
            Error::internal("no settings file: the app's config directory is unknown")
        })?;
        let saved = settings::save(&path, next)?;
        let view = SettingsView::new(saved, None);
        slot.view = Some(view.clone());
        Ok(view)
    }

    pub fn keychain(&self) -> Keychain {
        self.keychain
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_keychain(&self, keychain: Keychain) {
        *self.keychain.lock().unwrap_or_else(|e| e.into_inner()) = keychain;
    }

    /// The vault when sign-ins may be remembered (the probe passed), else `None` (memory only).
    pub fn remembering_vault(&self) -> Option<Vault> {
        (self.keychain() == Keychain::Available).then(|| self.vault.clone())
    }

    /// True the first time only: restore a remembered account once per run.
    pub fn first_restore(&self) -> bool {
        !self.restore_tried.swap(true, Ordering::SeqCst)
    }

    /// Register a new sign-in (cancelling one still waiting) and get its cancel handle.
    pub fn begin_sign_in(&self) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(previous) = self
            .sign_in_cancel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(token.clone())
        {
            previous.cancel();
        }
        token
    }

    pub fn cancel_sign_in(&self) {
        if let Some(token) = self
            .sign_in_cancel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            token.cancel();
        }
    }

    pub fn set_device_code(&self, code: Option<String>) {
        *self.device_code.lock().unwrap_or_else(|e| e.into_inner()) = code;
    }

    pub fn device_code(&self) -> Option<String> {
        self.device_code
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_sign_in_address(&self, address: Option<String>) {
        *self
            .sign_in_address
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = address;
    }

    pub fn sign_in_address(&self) -> Option<String> {
        self.sign_in_address
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn session(&self) -> Option<Arc<ActiveSession>> {
        self.session
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The current session, or `sessionExpired` when nobody is signed in.
    pub fn require_session(&self) -> Result<Arc<ActiveSession>, Error> {
        self.session().ok_or_else(|| {
            Error::new(
                patdesk_core::ErrorCode::SessionExpired,
                "You are not signed in. Sign in or try the demo first.",
            )
        })
    }

    /// Replace the session; the previous one (and its demo simulator) ends when its last user lets go.
    pub fn set_session(&self, session: Option<Arc<ActiveSession>>) -> Option<Arc<ActiveSession>> {
        let mut slot = self.session.write().unwrap_or_else(|e| e.into_inner());
        std::mem::replace(&mut *slot, session)
    }

    pub fn demo_left(&self) -> bool {
        self.demo_left.load(Ordering::Relaxed)
    }

    pub fn note_demo_left(&self) {
        self.demo_left.store(true, Ordering::Relaxed);
    }

    /// Keep a token just created and its secret, beside those already kept.
    pub fn keep_created(&self, token: PatToken, secret: Sensitive<String>) {
        let mut created = self.created.lock().unwrap_or_else(|e| e.into_inner());
        created.retain(|c| c.created.token.authorization_id != token.authorization_id);
        created.push(Kept {
            created: CreatedToken { token, secret },
            revealed: false,
        });
    }

    /// The created token `authorization_id`, or the one created last when `None`.
    pub fn created(&self, authorization_id: Option<&str>) -> Option<CreatedToken> {
        let created = self.created.lock().unwrap_or_else(|e| e.into_inner());
        match authorization_id {
            Some(id) => created
                .iter()
                .find(|c| c.created.token.authorization_id.eq_ignore_ascii_case(id))
                .map(|c| c.created.clone()),
            None => created.last().map(|c| c.created.clone()),
        }
    }

    /// The value of the created token `authorization_id` for the window's Reveal: once per token, so the value
    /// crosses to the window at most once (the window keeps it in the screen's state while it is open). Copy
    /// and the hand-offs keep working from the shell's copy.
    pub fn reveal_created_secret(
        &self,
        authorization_id: &str,
    ) -> Result<Sensitive<String>, Error> {
        let mut created = self.created.lock().unwrap_or_else(|e| e.into_inner());
        let kept = created
            .iter_mut()
            .find(|c| {
                c.created
                    .token
                    .authorization_id
                    .eq_ignore_ascii_case(authorization_id)
            })
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::TokenNotFound,
                    "There is no new token to show any more. Create a new token to get a value.",
                )
            })?;
        if kept.revealed {
            return Err(Error::new(
                ErrorCode::NotAllowed,
                "This token's value was already shown once. Use Copy to put it on the clipboard.",
            ));
        }
        kept.revealed = true;
        Ok(kept.created.secret.clone())
    }

    pub fn created_secret(&self, authorization_id: Option<&str>) -> Option<Sensitive<String>> {
        self.created(authorization_id).map(|created| created.secret)
    }

    /// Drop the created token `authorization_id` and its secret, or all of them when `None`.
    pub fn forget_created_secret(&self, authorization_id: Option<&str>) {
        // Dropping the `Sensitive` zeroizes it.
        let mut created = self.created.lock().unwrap_or_else(|e| e.into_inner());
        match authorization_id {
            Some(id) => {
                created.retain(|c| !c.created.token.authorization_id.eq_ignore_ascii_case(id))
            }
            None => created.clear(),
        }
    }

    /// Register a new bulk revoke (cancelling one still running) and get its run number and handle.
    pub fn begin_bulk(&self) -> (u64, CancellationToken) {
        let run = self.bulk_runs.fetch_add(1, Ordering::Relaxed) + 1;
        let token = CancellationToken::new();
        let previous = self
            .bulk_cancel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace((run, token.clone()));
        if let Some((_, previous)) = previous {
            previous.cancel();
        }
        (run, token)
    }

    /// Start listing every token of `session` now, for the window's first `list_tokens`.
    pub fn start_first_listing(&self, session: &Arc<ActiveSession>) {
        let listing = session.clone();
        let started = tauri::async_runtime::spawn_blocking(move || {
            tauri::async_runtime::block_on(listing.list_tokens(ListFilter::All, None, |_| {}))
        });
        *self.first_listing.lock().unwrap_or_else(|e| e.into_inner()) = Some(FirstListing {
            session: Arc::downgrade(session),
            started,
        });
    }

    /// The first listing started for `session`, once; `None` for another session or when it was taken.
    pub fn take_first_listing(
        &self,
        session: &Arc<ActiveSession>,
    ) -> Option<JoinHandle<Result<TokenListing, Error>>> {
        let first = self
            .first_listing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        let same = first
            .session
            .upgrade()
            .is_some_and(|s| Arc::ptr_eq(&s, session));
        same.then_some(first.started)
    }

    pub fn keep_last_bulk(&self, items: Vec<BulkItem>, summary: BulkSummary) {
        *self.last_bulk.lock().unwrap_or_else(|e| e.into_inner()) = Some((items, summary));
    }

    pub fn last_bulk(&self) -> Option<(Vec<BulkItem>, BulkSummary)> {
        self.last_bulk
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn end_bulk(&self, run: u64) {
        let mut slot = self.bulk_cancel.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|(r, _)| *r == run) {
            *slot = None;
        }
    }

    pub fn cancel_bulk(&self) {
        if let Some((_, token)) = self
            .bulk_cancel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            token.cancel();
        }
    }
}
