//! Expiry reminders as desktop notifications (`tauri-plugin-notification`): checked on every token list the
//! window fetches (no extra request) and again on a timer while the app runs, so a token crossing 14, 7 or 1 days
//! overnight is announced without a refresh. The rules and the remembered log (ids and dates only, in the app's
//! data directory) are `patdesk_core::reminders`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use patdesk_core::model::{ListFilter, PatToken};
use patdesk_core::reminders::{self, ReminderStore};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// Seconds between two timer checks (`PATDESK_REMINDER_CHECK_SECONDS`, for tests; an hour by default).
const CHECK_SECONDS_ENV: &str = "PATDESK_REMINDER_CHECK_SECONDS";
const DEFAULT_CHECK: Duration = Duration::from_secs(60 * 60);

/// The reminders' state: where the log lives, and one check at a time (the timer and a listing may meet).
pub struct Reminders {
    store: ReminderStore,
    running: tokio::sync::Mutex<()>,
}

/// Registers the reminders and starts the timer. Without a data directory there are no reminders.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let Ok(dir) = app.path().app_data_dir() else {
        tracing::warn!("no data directory: expiry reminders are off");
        return;
    };
    app.manage(Reminders {
        store: ReminderStore::in_dir(&dir),
        running: tokio::sync::Mutex::new(()),
    });
    let every = std::env::var(CHECK_SECONDS_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_CHECK);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(session) = app.state::<AppState>().session() else {
                continue;
            };
            let listing = session
                .list_every_organization(ListFilter::Active, None)
                .await;
            check(&app, &listing.tokens, session.server_now()).await;
        }
    });
}

/// Whether reminders may be shown: Settings › Reminders, unless `PATDESK_NOTIFICATIONS=0` turns them off.
fn enabled<R: Runtime>(app: &AppHandle<R>) -> bool {
    let switched_off = matches!(
        std::env::var("PATDESK_NOTIFICATIONS")
            .as_deref()
            .map(str::trim),
        Ok("0" | "false" | "no" | "off")
    );
    !switched_off && app.state::<AppState>().settings().notifications
}

/// Shows the reminders due for `tokens` at `now` that were not shown before, and remembers them.
pub async fn check<R: Runtime>(app: &AppHandle<R>, tokens: &[PatToken], now: DateTime<Utc>) {
    if !enabled(app) {
        return;
    }
    let Some(reminders) = app.try_state::<Reminders>() else {
        return;
    };
    let _one_at_a_time = reminders.running.lock().await;
    let mut log = reminders.store.load();
    let due = reminders::due(tokens, now, &log);
    if due.is_empty() {
        return;
    }
    for reminder in &due {
        match app
            .notification()
            .builder()
            .title(reminder.title())
            .body(reminder.body())
            .show()
        {
            Ok(()) => {
                tracing::info!(
                    id = %reminder.authorization_id,
                    threshold_days = reminder.threshold_days,
                    "expiry reminder shown"
                );
                log.record(reminder);
            }
            // Not recorded: shown at the next check if notifications work by then.
            Err(e) => tracing::warn!(error = %e, "expiry reminder not shown"),
        }
    }
    log.forget_changed(tokens);
    if let Err(e) = reminders.store.save(&log) {
        tracing::warn!(code = e.code.as_str(), "expiry reminders not remembered");
    }
}
