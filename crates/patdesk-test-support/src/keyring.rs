//! Keychain tests against a real, throw-away Secret Service: each such test re-runs itself alone through
//! `scripts/with-keyring.sh` (a private D-Bus session with an unlocked gnome-keyring in a temp dir), so no
//! developer's keychain is ever touched and every run, `cargo test` or `make test-keychain`, is the same.

use std::path::PathBuf;
use std::process::Command;

/// The variable that picks the core's keychain namespace; the re-run never inherits it, so each test picks
/// its own.
const NAMESPACE_ENV: &str = "PATDESK_KEYCHAIN_NAMESPACE";

/// Call first in a keychain test, with the test's own name. `true`: run the test body here (this is the
/// re-run, inside a private keyring session). `false`: this was the outer run; the test has been re-run
/// through `scripts/with-keyring.sh` and passed there. `marker` is the variable set (to the test's name) in
/// the re-run; each test binary names its own.
pub fn in_private_keyring(marker: &str, name: &str) -> bool {
    if std::env::var(marker).as_deref() == Ok(name) {
        assert_eq!(
            std::env::var("PATDESK_PRIVATE_KEYRING").as_deref(),
            Ok("1"),
            "{name}: expected to run inside scripts/with-keyring.sh"
        );
        return true;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/with-keyring.sh");
    let exe = std::env::current_exe().expect("path of this test binary");
    let output = Command::new(&script)
        .arg(&exe)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(marker, name)
        .env_remove(NAMESPACE_ENV)
        .output()
        .unwrap_or_else(|e| panic!("{name}: could not run {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{name} failed inside a private keyring session (scripts/with-keyring.sh; needs the Debian packages dbus and gnome-keyring)\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{name}: the re-run did not run exactly this test\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    false
}
