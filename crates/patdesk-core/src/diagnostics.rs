//! The diagnostics log: what a person can send when PAT Desk misbehaves, without ever sending a secret.
//!
//! The core and the shell report what they do through `tracing` (sign-ins, the session, listings, token
//! changes, HTTP requests with their status and duration, errors with their code). The shell writes those
//! lines to [`RollingLog`], a file in the app's log directory that never grows past [`MAX_LOG_BYTES`]: when the
//! next line would not fit, the file becomes `patdesk.log.1` (replacing the previous one) and a new one starts,
//! so at most two files of about 1 MiB each are kept. "Copy diagnostics" in the About screen copies
//! [`report`]: the app's version and the last [`DIAGNOSTIC_LINES`] lines.
//!
//! What may be logged is decided where the events are written, not here: never a secret (a `Sensitive`
//! prints `<redacted>`), never a request or response body, never a URL's query string
//! ([`crate::http::url_for_log`]). The end-to-end tests read this file after real flows and fail on any PAT,
//! access or refresh token, device code or authorization code in it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;
#[cfg(feature = "ts")]
use ts_rs::TS;

/// The log file's name in the app's log directory.
pub const LOG_FILE_NAME: &str = "patdesk.log";
/// Largest size of the log file; the one previous file (`.1`) is at most as large.
pub const MAX_LOG_BYTES: u64 = 1024 * 1024;
/// `PATDESK_LOG=debug` (or `trace`, `warn`, `error`) sets how much is logged; the default is `info`.
pub const LOG_LEVEL_ENV: &str = "PATDESK_LOG";
/// How many of the last log lines "Copy diagnostics" copies.
pub const DIAGNOSTIC_LINES: usize = 200;

/// What the About screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct AboutInfo {
    /// PAT Desk's version (`0.1.0`).
    pub version: String,
    /// Where the diagnostics log is written.
    pub log_file: String,
}

/// The level of `PATDESK_LOG`'s value: `error`, `warn`, `info`, `debug` or `trace` (any case); anything
/// else, or nothing, is `info`.
pub fn log_level(value: Option<&str>) -> tracing::Level {
    value
        .and_then(|v| v.trim().parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO)
}

/// [`log_level`] of the `PATDESK_LOG` environment variable.
pub fn log_level_from_env() -> tracing::Level {
    log_level(std::env::var(LOG_LEVEL_ENV).ok().as_deref())
}

/// The file a full log file is moved to: `patdesk.log` → `patdesk.log.1`.
pub fn previous_file(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".1");
    path.with_file_name(name)
}

/// A log file capped at a size, keeping one previous file. Cheap to clone (all clones write to the same
/// file); each `write` is kept whole in one file, so a line written in one call is never split.
#[derive(Clone)]
pub struct RollingLog {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    max_bytes: u64,
    file: Mutex<Open>,
}

struct Open {
    file: File,
    len: u64,
}

impl RollingLog {
    /// Opens (or creates) `path` to append to, creating its directory. Only the owner may read it.
    pub fn open(path: impl Into<PathBuf>, max_bytes: u64) -> io::Result<RollingLog> {
        let path = path.into();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = open_append(&path)?;
        let len = file.metadata()?.len();
        Ok(RollingLog {
            inner: Arc::new(Inner {
                path,
                max_bytes,
                file: Mutex::new(Open { file, len }),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }
}

/// Open the log for appending, readable by this user only. On Unix that is mode 0600 (the folder the shell
/// gives, Tauri's `app_log_dir()` = `~/.local/share/dev.patdesk.app/logs`, may be readable by others). Windows
/// has no such mode: there that folder is `%LOCALAPPDATA%\dev.patdesk.app\logs`, inside the user's profile,
/// whose access list admits only this user (and SYSTEM and the administrators), and a new file inherits it —
/// so nothing more is set there. The same holds for the settings (`%APPDATA%\dev.patdesk.app`), the hand-off
/// record and the reminders' record, which hold no secrets.
fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

impl Write for RollingLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let inner = &self.inner;
        let mut open = inner.file.lock().unwrap_or_else(|e| e.into_inner());
        if open.len > 0 && open.len + buf.len() as u64 > inner.max_bytes {
            open.file.flush()?;
            std::fs::rename(&inner.path, previous_file(&inner.path))?;
            open.file = open_append(&inner.path)?;
            open.len = 0;
        }
        open.file.write_all(buf)?;
        open.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let inner = &self.inner;
        inner
            .file
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .file
            .flush()
    }
}

/// The last `count` lines of the log at `path`, reaching back into the previous file when the current one
/// is shorter. A missing file counts as empty.
pub fn last_lines(path: &Path, count: usize) -> io::Result<Vec<String>> {
    let mut text = String::new();
    for file in [previous_file(path), path.to_path_buf()] {
        match std::fs::read(&file) {
            Ok(bytes) => text.push_str(&String::from_utf8_lossy(&bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(count);
    Ok(lines[from..].iter().map(|l| l.to_string()).collect())
}

/// What "Copy diagnostics" copies: the version, the system, where the log is, and its last `count` lines.
pub fn report(version: &str, path: &Path, count: usize) -> io::Result<String> {
    let lines = last_lines(path, count)?;
    let mut out = format!(
        "PAT Desk {version} ({} {})\nLog: {}\n",
        std::env::consts::OS,
        std::env::consts::ARCH,
        path.display()
    );
    if lines.is_empty() {
        out.push_str("(the log is empty)\n");
    } else {
        out.push_str(&format!("Last {} line(s):\n", lines.len()));
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "patdesk-diagnostics-{name}-{}-{}",
                std::process::id(),
                rand::random::<u64>()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_level_defaults_to_info() {
        assert_eq!(log_level(None), tracing::Level::INFO);
        assert_eq!(log_level(Some("debug")), tracing::Level::DEBUG);
        assert_eq!(log_level(Some(" TRACE ")), tracing::Level::TRACE);
        assert_eq!(log_level(Some("warn")), tracing::Level::WARN);
        assert_eq!(log_level(Some("loud")), tracing::Level::INFO);
        assert_eq!(log_level(Some("")), tracing::Level::INFO);
    }

    #[test]
    fn the_previous_file_is_dot_one() {
        assert_eq!(
            previous_file(Path::new("/logs/patdesk.log")),
            PathBuf::from("/logs/patdesk.log.1")
        );
    }

    #[test]
    fn the_log_is_capped_and_keeps_one_previous_file() {
        let dir = TempDir::new("cap");
        let path = dir.0.join("logs").join(LOG_FILE_NAME);
        let mut log = RollingLog::open(&path, 1000).unwrap();
        for i in 0..100 {
            // 40 bytes a line.
            writeln!(log, "line {i:04} {}", "x".repeat(29)).unwrap();
        }
        log.flush().unwrap();
        let current = std::fs::metadata(&path).unwrap().len();
        let previous = std::fs::metadata(previous_file(&path)).unwrap().len();
        assert!(current <= 1000, "current {current}");
        assert_eq!(previous, 1000, "25 whole lines");
        let files = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(files, 2, "patdesk.log and patdesk.log.1 only");
        // Every line is whole, in one file or the other, and the newest are kept.
        let kept = last_lines(&path, 1000).unwrap();
        assert!(kept.iter().all(|l| l.len() == 39), "{kept:?}");
        assert_eq!(
            kept.last().unwrap(),
            &format!("line 0099 {}", "x".repeat(29))
        );
        assert_eq!(kept.len(), 50);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read the log");
        }
    }

    #[test]
    fn reopening_appends_and_rotates_a_full_file() {
        let dir = TempDir::new("reopen");
        let path = dir.0.join(LOG_FILE_NAME);
        std::fs::write(&path, "old line\n".repeat(20)).unwrap(); // 180 bytes
        let mut log = RollingLog::open(&path, 200).unwrap();
        writeln!(log, "new line 1").unwrap();
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .ends_with("old line\nnew line 1\n"));
        writeln!(log, "new line 2").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new line 2\n");
        assert!(std::fs::read_to_string(previous_file(&path))
            .unwrap()
            .ends_with("new line 1\n"));
    }

    #[test]
    fn last_lines_reach_into_the_previous_file() {
        let dir = TempDir::new("tail");
        let path = dir.0.join(LOG_FILE_NAME);
        assert!(last_lines(&path, 10).unwrap().is_empty(), "no log yet");
        std::fs::write(previous_file(&path), "a\nb\nc").unwrap();
        std::fs::write(&path, "d\ne\n").unwrap();
        assert_eq!(last_lines(&path, 4).unwrap(), ["b", "c", "d", "e"]);
        assert_eq!(last_lines(&path, 1).unwrap(), ["e"]);
        assert_eq!(last_lines(&path, 99).unwrap().len(), 5);
    }

    #[test]
    fn the_report_has_the_version_and_the_last_lines() {
        let dir = TempDir::new("report");
        let path = dir.0.join(LOG_FILE_NAME);
        let empty = report("1.2.3", &path, 200).unwrap();
        assert!(empty.starts_with("PAT Desk 1.2.3 ("), "{empty}");
        assert!(empty.contains("(the log is empty)"), "{empty}");
        let lines: String = (0..300).map(|i| format!("event {i}\n")).collect();
        std::fs::write(&path, lines).unwrap();
        let full = report("1.2.3", &path, 200).unwrap();
        assert!(full.contains(&format!("Log: {}", path.display())));
        assert!(full.contains("Last 200 line(s):\nevent 100\n"), "{full}");
        assert!(full.ends_with("event 299\n"));
        assert!(!full.contains("event 99\n"));
    }

    #[test]
    fn about_info_is_camel_case() {
        let about = AboutInfo {
            version: "0.1.0".into(),
            log_file: "~/.local/share/dev.patdesk.app/logs/patdesk.log".into(),
        };
        assert_eq!(
            serde_json::to_value(about).unwrap(),
            serde_json::json!({"version": "0.1.0", "logFile": "~/.local/share/dev.patdesk.app/logs/patdesk.log"})
        );
    }
}
