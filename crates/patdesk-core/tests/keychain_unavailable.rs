//! The keychain is not there: `Vault::probe()` must say so in a plain sentence (`keychainUnavailable`),
//! reading must not pretend "nothing stored", and once a keychain appears PAT Desk must pick it up without a
//! restart (the store is created again after a failed attempt).
//!
//! Meant to run **without** a session bus:
//!
//! ```sh
//! env -u DBUS_SESSION_BUS_ADDRESS cargo test -p patdesk-core --test keychain_unavailable
//! ```
//!
//! To be deterministic wherever it runs (a desktop session, `make test-keychain`'s private session, CI), the
//! test points `DBUS_SESSION_BUS_ADDRESS` at a socket that does not exist before the first keychain call, so
//! there is no session bus whatever the caller's environment. It then starts a real private `dbus-daemon`
//! *without* any Secret Service (no service activation), and finally a real gnome-keyring on that bus.
//! All three steps live in one test function because they change this process's environment; this file holds
//! no other test, so nothing runs in parallel with it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use patdesk_core::vault::Vault;
use patdesk_core::ErrorCode;

/// The sentence the window shows, pinned here word for word.
const PLAIN_SENTENCE: &str = "PAT Desk can't reach your system keychain. Install or unlock GNOME Keyring (or KWallet), then reopen PAT Desk — or continue without remembering your sign-in.";

/// A child process this test started, ended by its own pid when dropped.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("patdesk-{tag}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A private session bus with no service activation at all: `org.freedesktop.secrets` cannot appear on it
/// unless we start it ourselves.
fn start_bare_bus(dir: &Path) -> (Started, String) {
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            dir.display()
        ),
    )
    .unwrap();
    let mut child = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (Debian package dbus) must be installed");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line.trim().to_string();
    assert!(
        address.starts_with("unix:"),
        "dbus-daemon printed no address: {line:?}"
    );
    (Started(child), address)
}

fn name_has_owner(address: &str, name: &str) -> bool {
    Command::new("dbus-send")
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        .unwrap_or(false)
}

/// A real, unlocked gnome-keyring on `address`, with its files in `dir`.
fn start_gnome_keyring(address: &str, dir: &Path) -> Started {
    let (data, run) = (dir.join("data"), dir.join("run"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&run).unwrap();
    let mut child = Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env("XDG_DATA_HOME", &data)
        .env("XDG_RUNTIME_DIR", &run)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon (Debian package gnome-keyring) must be installed");
    {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"pw").unwrap();
    }
    let started = Started(child);
    // Start-up condition, not a timing assertion: give the daemon up to a minute to claim its name.
    let until = Instant::now() + Duration::from_secs(60);
    while !name_has_owner(address, "org.freedesktop.secrets") {
        assert!(
            Instant::now() < until,
            "gnome-keyring-daemon did not appear on the bus"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    started
}

#[cfg_attr(
    windows,
    ignore = "about a missing D-Bus Secret Service; Windows' Credential Manager is always there (keychain_windows.rs)"
)]
#[test]
fn probe_explains_a_missing_keychain_and_recovers_when_one_appears() {
    let vault = Vault::with_namespace(format!(
        "dev.patdesk.app.test.unavailable.{}",
        uuid::Uuid::new_v4()
    ));

    // 1. No session bus at all.
    let nowhere = temp_dir("no-bus").join("bus-that-does-not-exist");
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", nowhere.display()),
    );
    let err = vault
        .probe()
        .expect_err("probe must fail without a session bus");
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert_eq!(err.message, PLAIN_SENTENCE);
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["code"], "keychainUnavailable");
    // Reading must be an error too, not "no token stored" (which would look like being signed out).
    let err = vault
        .load_refresh_token("t", "o")
        .expect_err("no keychain is not the same as no token");
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert!(vault.accounts().is_err());

    // 2. A session bus, but nothing provides the Secret Service.
    let dir = temp_dir("bare-bus");
    let (_bus, address) = start_bare_bus(&dir);
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);
    assert!(!name_has_owner(&address, "org.freedesktop.secrets"));
    let err = vault
        .probe()
        .expect_err("probe must fail without a Secret Service");
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert_eq!(err.message, PLAIN_SENTENCE);

    // 3. The keyring starts: the next probe creates the store again and works, no restart needed.
    let _keyring = start_gnome_keyring(&address, &dir);
    vault
        .probe()
        .expect("probe works once a Secret Service is on the bus");
    assert!(vault.load_refresh_token("t", "o").unwrap().is_none());

    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(nowhere.parent().unwrap());
}
