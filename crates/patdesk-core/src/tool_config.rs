//! The tools' own configuration files that PAT Desk writes a token into, with the person's consent: npm's
//! `.npmrc`, pip's `pip.conf` (`pip.ini` on Windows) and NuGet's `NuGet.Config`.
//!
//! PAT Desk edits them itself, with a parser for each format ([`crate::npm`], [`crate::pip`],
//! [`crate::nuget_config`]), rather than through the tool's `config set` command, which would take the token
//! as an argument that every local user can read (`ps`, `/proc/*/cmdline`) and process-auditing tools keep.
//! A file is read whole, changed in memory (buffers wiped when dropped) and replaced in one step
//! ([`crate::private_file::write_atomically`]): readable by this user only (0600 on Unix, an existing file's
//! wider mode is narrowed). A file that is a symbolic link (dotfiles kept in a repository) is written where the
//! link points, and the link stays.

use std::io;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// The file's text; empty when it does not exist yet.
pub fn read(path: &Path) -> io::Result<Zeroizing<String>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            match std::str::from_utf8(&bytes) {
                Ok(text) => Ok(Zeroizing::new(text.to_string())),
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the file is not UTF-8 text",
                )),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Zeroizing::new(String::new())),
        Err(e) => Err(e),
    }
}

/// Replace the file's text (made with its folder when missing), private to this user.
pub fn write(path: &Path, text: &str) -> io::Result<()> {
    let target = resolve_link(path)?;
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::private_file::write_atomically(&target, text.as_bytes())
}

/// A configuration file's text as its lines (without their line ending, no empty last line) and the line
/// ending it uses (`\r\n` when any line has one), so the file is written back with the endings it had.
pub(crate) fn split_lines(text: &str) -> (Vec<&str>, &'static str) {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    (lines, newline)
}

/// The pieces of a new file text put together in a buffer wiped when dropped (it may hold the token).
pub(crate) fn joined(pieces: &[&str]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(pieces.iter().map(|p| p.len()).sum()));
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

/// Where a symbolic link points (followed to the end), or `path` itself.
fn resolve_link(path: &Path) -> io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let mut target = path.to_path_buf();
            for _ in 0..40 {
                let next = std::fs::read_link(&target)?;
                target = match target.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
                if !std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Ok(target);
                }
            }
            Err(io::Error::other("too many levels of symbolic links"))
        }
        _ => Ok(path.to_path_buf()),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_written_file_is_private_and_a_link_keeps_pointing_at_it() {
        let dir = std::env::temp_dir().join(format!("patdesk-toolcfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("dotfiles")).unwrap();
        let real = dir.join("dotfiles/npmrc");
        std::fs::write(&real, "color=false\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.join(".npmrc");
        std::os::unix::fs::symlink("dotfiles/npmrc", &link).unwrap();

        write(&link, "color=true\n").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(read(&link).unwrap().as_str(), "color=true\n");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let fresh = dir.join("new/pip/pip.conf");
        assert_eq!(read(&fresh).unwrap().as_str(), "");
        write(&fresh, "[global]\n").unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
