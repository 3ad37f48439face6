//! PAT Desk's own files (settings, reminders, the hand-off record, the log, exports), written so that only this
//! user can read them and no writer loses another's change.
//!
//! On Unix a file is created with mode 0600 and the app's own folders are made 0700 ([`private_dir`]); a file
//! that already existed with a wider mode is narrowed when it is next written. Windows has no such modes: the
//! app's folders (`%APPDATA%`, `%LOCALAPPDATA%`) sit inside the user's profile, whose access list admits only
//! this user (and SYSTEM and the administrators), and a new file inherits it.
//!
//! A write goes to a temporary file with a unique name in the same folder, is flushed to disk, then renamed
//! over the old file, so a crash leaves the old file or the new one, never half of either. A change that reads
//! the file first (the hand-off record) holds an operating-system lock on `NAME.lock` from the read until the
//! rename ([`FileLock`]), so two windows or two processes writing at once each see the other's change.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Create `dir` (and its parents) when missing and make it private to this user: mode 0700 on Unix. Only for
/// folders that belong to PAT Desk (the app's config, data and log folders), never one the person chose.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Open options that create a file only this user may read (0600 on Unix).
pub fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Narrow an existing file to this user (0600 on Unix); nothing to do elsewhere.
pub fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)?.permissions().mode() & 0o777;
        if mode != 0o600 {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Write `bytes` to `path` in one step as seen by readers: a unique temporary file in the same folder, synced,
/// then renamed over `path`. The file is private to this user. The folder must exist.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temporary_name(path);
    let written = (|| {
        let mut out = private_options().write(true).create_new(true).open(&tmp)?;
        out.write_all(bytes)?;
        out.sync_all()?;
        drop(out);
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
        return written;
    }
    sync_dir(path);
    Ok(())
}

/// `dir/.NAME.<pid>.<random>.tmp`: unique per writer, so two writers never share (or delete) one temporary
/// file.
fn temporary_name(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// Make the rename itself durable (Unix: sync the folder). Best effort: the data is already on disk.
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// An exclusive operating-system lock on `NAME.lock` beside a file, held until dropped. Other processes and
/// other threads (each with its own lock) wait for it.
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Wait for and take the lock of `path` (creating `path`'s folder, private, and the lock file).
    pub fn acquire(path: &Path) -> io::Result<FileLock> {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let lock_path = path.with_file_name(name);
        let file = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)?;
        file.lock()?;
        Ok(FileLock { file })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Move a file that cannot be understood out of the way so nothing in it is lost: to `NAME.bak`, or, when
/// that already exists, `NAME.<UTC time>.bak` (with `-2`, `-3`, … if even that exists). Answers where it went.
pub fn keep_aside(path: &Path, now: chrono::DateTime<chrono::Utc>) -> io::Result<PathBuf> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut candidate = path.with_file_name(format!("{name}.bak"));
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut n = 1;
    while candidate.exists() {
        candidate = if n == 1 {
            path.with_file_name(format!("{name}.{stamp}.bak"))
        } else {
            path.with_file_name(format!("{name}.{stamp}-{n}.bak"))
        };
        n += 1;
    }
    fs::rename(path, &candidate)?;
    Ok(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("patdesk-private-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = scratch();
        let path = dir.join("state.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["state.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn files_are_0600_and_the_apps_folder_0700_even_when_they_were_wider() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = scratch().join("app");
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let path = dir.join("state.json");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(mode(&path), 0o600);
        let _lock = FileLock::acquire(&path).unwrap();
        assert_eq!(mode(&dir.join("state.json.lock")), 0o600);
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_file_kept_aside_never_replaces_an_earlier_one() {
        use chrono::TimeZone;
        let dir = scratch();
        let path = dir.join("handoffs.json");
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
        let mut kept = Vec::new();
        for text in ["first", "second", "third"] {
            fs::write(&path, text).unwrap();
            kept.push(keep_aside(&path, now).unwrap());
        }
        let names: Vec<String> = kept
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "handoffs.json.bak",
                "handoffs.json.20261202T090000Z.bak",
                "handoffs.json.20261202T090000Z-2.bak"
            ]
        );
        assert_eq!(fs::read_to_string(&kept[0]).unwrap(), "first");
        assert_eq!(fs::read_to_string(&kept[2]).unwrap(), "third");
        assert!(!path.exists());
        fs::remove_dir_all(dir).unwrap();
    }
}
