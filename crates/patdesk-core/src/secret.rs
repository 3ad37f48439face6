//! A wrapper for secrets (PAT values, access and refresh tokens) so they cannot leak by accident.
//!
//! `Debug` and `Display` print `<redacted>`, there is deliberately **no** `Serialize` impl (so a secret can
//! never end up in an IPC payload or a JSON log line without an explicit `.expose()`), and the value is
//! zeroized when dropped.
//!
//! Serializing a `Sensitive` does not compile:
//!
//! ```compile_fail
//! use patdesk_core::Sensitive;
//! let s = Sensitive::new(String::from("pat-value"));
//! let _ = serde_json::to_string(&s);
//! ```
//!
//! Nor does embedding one in a `#[derive(Serialize)]` struct:
//!
//! ```compile_fail
//! use patdesk_core::Sensitive;
//! #[derive(serde::Serialize)]
//! struct Leaky { secret: Sensitive<String> }
//! ```

use std::fmt;

use zeroize::Zeroize;

/// Marker printed instead of the value.
pub const REDACTED: &str = "<redacted>";

/// A secret value. Read it only at the point of use with [`Sensitive::expose`].
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The secret itself. Call this only where the value must leave the process (an HTTP header, the
    /// one reveal to the window, the clipboard).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Sensitive(value)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Self {
        Sensitive(value.to_owned())
    }
}

/// Reading a secret off the wire is fine; writing one out is what must be impossible.
impl<'de, T: Zeroize + serde::Deserialize<'de>> serde::Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Sensitive)
    }
}

impl<T: Zeroize + Clone> Clone for Sensitive<T> {
    fn clone(&self) -> Self {
        Sensitive(self.0.clone())
    }
}

impl<T: Zeroize + PartialEq> PartialEq for Sensitive<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Keeps this process's memory, which holds refresh tokens, passwords and new PATs, out of core dumps and away
/// from debuggers of the same user: on Linux `prctl(PR_SET_DUMPABLE, 0)`. The app and the CLI call it first
/// thing. Elsewhere it does nothing (Windows and macOS do not write a core file of a desktop app by default).
pub fn keep_out_of_core_dumps() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_DUMPABLE takes one integer argument and touches no memory of ours.
        let result = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0 as libc::c_ulong, 0, 0, 0) };
        if result != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whether a core dump of this process would be written: `Some(false)` after [`keep_out_of_core_dumps`] on
/// Linux, `None` where the question has no answer here.
pub fn core_dumps_allowed() -> Option<bool> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_GET_DUMPABLE takes no argument and returns the flag.
        let flag = unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) };
        if flag >= 0 {
            return Some(flag != 0);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn core_dumps_are_turned_off() {
        keep_out_of_core_dumps().unwrap();
        assert_eq!(core_dumps_allowed(), Some(false));
    }

    #[test]
    fn debug_and_display_redact() {
        let s = Sensitive::new(String::from("hunter2-secret-value"));
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(format!("{s}"), REDACTED);
        assert!(!format!("{s:#?}").contains("hunter2"));
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            secret: Sensitive<String>,
        }
        let h = Holder { secret: s.clone() };
        assert!(!format!("{h:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-secret-value");
    }

    #[test]
    fn clone_is_independent_and_equal() {
        let a = Sensitive::new(String::from("abc"));
        let b = a.clone();
        drop(a);
        assert_eq!(b.expose(), "abc");
    }

    #[test]
    fn zeroize_on_drop_clears_the_buffer() {
        // Observe the zeroing through a type whose zeroize we can witness.
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        struct Witness(Arc<AtomicBool>);
        impl Zeroize for Witness {
            fn zeroize(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let flag = Arc::new(AtomicBool::new(false));
        let s = Sensitive::new(Witness(flag.clone()));
        assert!(!flag.load(Ordering::SeqCst));
        drop(s);
        assert!(flag.load(Ordering::SeqCst));
    }
}
