//! The app's diagnostics log: where it lives and how it is started.
//!
//! The core and the shell report what they do through `tracing`; this module sends those events to
//! `patdesk.log` in the app's log directory (`app_log_dir()`, e.g. `~/.local/share/dev.patdesk.app/logs/` on
//! Linux), through the core's size-capped [`RollingLog`] (1 MiB, one previous `.1` file), private to the user
//! ([`open_private`]: the folder 0700, the files 0600 on Unix). The level is `info` unless `PATDESK_LOG` says otherwise (`PATDESK_LOG=debug` adds every HTTP request).
//!
//! Only PAT Desk's own events are written. Other crates (Tauri, reqwest, hyper, the webview glue) are left out:
//! their debug output can carry URLs with queries and headers, and nothing here may ever hold a secret.

use std::path::{Path, PathBuf};

use patdesk_core::diagnostics::{self, RollingLog, LOG_FILE_NAME, MAX_LOG_BYTES};
use patdesk_core::private_file;
use patdesk_core::Error;
use tauri::{AppHandle, Manager, Runtime};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The crates whose events are logged: the core and this shell (library and binary).
const OWN_TARGETS: &[&str] = &["patdesk_core", "patdesk_lib", "patdesk"];

/// Where the log file is (whether or not it could be opened).
pub fn log_file<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, Error> {
    app.path()
        .app_log_dir()
        .map(|dir| dir.join(LOG_FILE_NAME))
        .map_err(Error::internal)
}

/// Start writing the log to [`log_file`] at `PATDESK_LOG`'s level. Without a writable log directory the app
/// runs without a log (and says so on stderr).
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let opened = log_file(app).and_then(|path| {
        open_private(&path).map_err(|e| Error::internal(format!("{}: {e}", path.display())))
    });
    let log = match opened {
        Ok(log) => log,
        Err(e) => {
            eprintln!(
                "PAT Desk: no diagnostics log: {}",
                e.raw.unwrap_or(e.message)
            );
            return;
        }
    };
    let level = diagnostics::log_level_from_env();
    let own = OWN_TARGETS.iter().fold(Targets::new(), |targets, name| {
        targets.with_target(*name, level)
    });
    let to_file = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(move || log.clone());
    // A second start (tests building several apps) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(own)
        .with(to_file)
        .try_init();
}

/// Open the log at `path` private to the user: its folder (PAT Desk's own log folder) 0700 and the file, and
/// the previous `.1` file, 0600 on Unix even when an older version left them readable by others.
pub fn open_private(path: &Path) -> std::io::Result<RollingLog> {
    if let Some(dir) = path.parent() {
        private_file::private_dir(dir)?;
    }
    let log = RollingLog::open(path, MAX_LOG_BYTES)?;
    private_file::make_private(path)?;
    let mut previous = path.as_os_str().to_owned();
    previous.push(".1");
    let previous = PathBuf::from(previous);
    if previous.exists() {
        private_file::make_private(&previous)?;
    }
    Ok(log)
}

/// `"ok"`, or the error's code: how the log names an outcome.
pub fn outcome<T>(result: &Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.code.as_str(),
    }
}
