//! "Use with pip" against a real gnome-keyring and the real pip (Debian's `python3-pip` with
//! `python3-keyring`): the token goes to the keychain item pip's keyring support looks up, pip's user
//! configuration gets the feed's address with no token in it, and `pip index versions` then authenticates to
//! the simulator's Python feed with the token; after the cleanup pip finds no credential. No file under the
//! throw-away HOME holds the token. Re-runs itself inside `scripts/with-keyring.sh`, like `tests/keychain.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use patdesk_core::pip::{PipClient, PipRoute};
use patdesk_core::vault::Vault;
use patdesk_core::Sensitive;
use patdesk_sim::{Seed, SimOptions};
use patdesk_test_support::TestSim;
use serde_json::json;

const CHILD_MARKER: &str = "PATDESK_KEYCHAIN_PIP_TEST";
/// The Python with Debian's pip and python-keyring (not whatever `python3` a developer put first on PATH).
const PYTHON: &str = "/usr/bin/python3";

fn in_private_keyring(name: &str) -> bool {
    patdesk_test_support::keyring::in_private_keyring(CHILD_MARKER, name)
}

fn files_containing(dir: &Path, needle: &[u8], found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => files_containing(&path, needle, found),
            Ok(t)
                if t.is_file()
                    && std::fs::read(&path)
                        .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)) =>
            {
                found.push(path)
            }
            _ => {}
        }
    }
}

#[cfg_attr(
    windows,
    ignore = "needs pip with python-keyring and a Secret Service (gnome-keyring), which Windows has not"
)]
#[test]
fn keychain_pip_finds_the_token_in_the_keychain_and_not_after_the_cleanup() {
    if !in_private_keyring("keychain_pip_finds_the_token_in_the_keychain_and_not_after_the_cleanup")
    {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime.block_on(TestSim::start(SimOptions {
        seed: Seed::Empty,
        ..SimOptions::default()
    }));
    let now: chrono::DateTime<chrono::Utc> = runtime.block_on(sim.state())["now"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let seeded = runtime.block_on(sim.control(
        reqwest::Method::POST,
        "pats",
        Some(
            json!({"org": "contoso-web", "displayName": "pip", "scope": "vso.packaging",
                     "validTo": (now + chrono::Duration::days(30)).to_rfc3339()}),
        ),
    ));
    let secret = Sensitive::new(seeded["token"].as_str().unwrap().to_string());
    let home = std::env::temp_dir().join(format!("patdesk-pip-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&home).unwrap();
    let envs = [
        ("HOME", home.clone()),
        ("XDG_CONFIG_HOME", home.join("xdg-config")),
        ("XDG_CACHE_HOME", home.join("xdg-cache")),
    ];
    let mut pip = PipClient::new().python(PYTHON);
    for (k, v) in &envs {
        pip = pip.env(k, v);
    }
    let status = pip.status();
    assert!(status.pip, "{}", status.message);
    assert!(
        status
            .keyring
            .as_deref()
            .is_some_and(|k| k.contains("SecretService")),
        "python-keyring with the Secret Service back end: {status:?}"
    );
    let vault = Vault::with_namespace(format!("dev.patdesk.app.test.{}", uuid::Uuid::new_v4()));
    let index = format!(
        "{}/contoso-web/_packaging/py-feed/pypi/simple/",
        sim.sim.pkgs_url()
    );
    // What pip does with the feed's address as configured (user name, no password): on the 401 it asks keyring.
    let index_versions = || -> Output {
        let url = index.replacen("http://", "http://py-feed@", 1);
        let mut cmd = Command::new(PYTHON);
        cmd.args([
            "-m",
            "pip",
            "index",
            "versions",
            "patdesk-probe",
            "--index-url",
            &url,
        ])
        .args([
            "--trusted-host",
            "127.0.0.1",
            "--no-cache-dir",
            "--timeout",
            "20",
        ])
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .stdin(std::process::Stdio::null());
        for (k, v) in &envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    assert!(!index_versions().status.success(), "no credential yet");

    let route = pip.hand_off(Some(&vault), &index, &secret, false).unwrap();
    assert_eq!(route, PipRoute::Keyring, "no plain-text choice needed");
    let out = index_versions();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("patdesk-probe (1.0.0)"),
        "{out:?}"
    );
    let conf = std::fs::read_to_string(home.join("xdg-config/pip/pip.conf")).unwrap();
    assert!(conf.contains("py-feed@127.0.0.1"), "{conf}");
    let mut found = Vec::new();
    files_containing(&home, secret.expose().as_bytes(), &mut found);
    assert!(found.is_empty(), "the token is in {found:?}");

    pip.remove(Some(&vault), &index).unwrap();
    assert!(
        !index_versions().status.success(),
        "pip still found a credential"
    );
    let conf = std::fs::read_to_string(home.join("xdg-config/pip/pip.conf")).unwrap_or_default();
    assert!(!conf.contains("py-feed"), "{conf}");
    let _ = std::fs::remove_dir_all(&home);
}
