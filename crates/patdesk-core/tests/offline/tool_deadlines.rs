//! Every tool PAT Desk runs for a hand-off (git, npm, pip, NuGet's `dotnet`) has a deadline: a stand-in that
//! hangs (a shell script that starts a long `sleep` and waits) is stopped with what it started, and the person
//! reads a plain sentence instead of a window that never answers. And the .NET SDK, which is not installed
//! here, is stood in for by a script that records its arguments: the token goes to its NuGet.Config, never to
//! its command line.

#![cfg(unix)]

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use patdesk_core::git_credential::GitCredentials;
use patdesk_core::npm::NpmClient;
use patdesk_core::nuget::{NuGetClient, NuGetClientKind, NuGetHandOff};
use patdesk_core::nuget_config::NuGetConfig;
use patdesk_core::pip::PipClient;
use patdesk_core::{Error, ErrorCode, Sensitive};

const DEADLINE: Duration = Duration::from_secs(1);
const SECRET: &str = "deadline-test-token-52chars-abcdefghijklmnopqrstuvwx";

/// A throw-away folder with stand-in programs, removed when dropped.
struct Bin {
    dir: PathBuf,
}

impl Bin {
    fn new() -> Bin {
        let dir = std::env::temp_dir().join(format!("patdesk-tools-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        Bin { dir }
    }

    /// A program `name` that writes its process id and its sleeping child's to `name.pids`, then waits.
    fn hanging(&self, name: &str) -> PathBuf {
        self.script(
            name,
            &format!(
                "echo $$ > '{pids}'\nsleep 300 &\necho $! >> '{pids}'\nwait\n",
                pids = self.pids_file(name).display()
            ),
        )
    }

    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.join("bin").join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn pids_file(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.pids"))
    }

    /// `PATH` with the stand-ins first.
    fn path(&self) -> std::ffi::OsString {
        let mut dirs = vec![self.dir.join("bin")];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(dirs).unwrap()
    }

    /// The stand-in `name` and the `sleep` it started are gone (or zombies for whoever reaps orphans here).
    fn assert_stopped(&self, name: &str) {
        let pids = std::fs::read_to_string(self.pids_file(name)).unwrap();
        assert_eq!(pids.lines().count(), 2, "{name} started: {pids}");
        for pid in pids.lines() {
            if let Err(s) = patdesk_test_support::wait_for_process_end(pid, Duration::from_secs(5))
            {
                panic!("{name}'s process {pid} lives on: {s}");
            }
        }
    }
}

impl Drop for Bin {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Run `hand_off` on a thread and answer its error; a hand-off still running after 20 s fails the test (it
/// would hang PAT Desk).
fn within_limits(hand_off: impl FnOnce() -> Result<(), Error> + Send + 'static) -> Error {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(hand_off());
    });
    let result = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the hand-off still waits for a tool that hangs");
    assert!(started.elapsed() < Duration::from_secs(15));
    result.expect_err("a tool that hangs cannot have taken the token")
}

fn assert_plain_timeout(error: &Error, tool: &str) {
    assert_eq!(error.code, ErrorCode::Timeout, "{error:?}");
    assert!(
        error.message.starts_with(&format!(
            "{tool} did not finish within 1 second, so PAT Desk stopped it."
        )),
        "{}",
        error.message
    );
    assert!(!error.message.contains(SECRET));
}

#[test]
fn a_hanging_npm_is_stopped_and_the_person_told() {
    let bin = Bin::new();
    bin.hanging("npm");
    let npm = NpmClient::new()
        .env("PATH", bin.path())
        .env("HOME", &bin.dir)
        .deadline(DEADLINE);
    let error = within_limits(move || {
        npm.hand_off(
            "https://pkgs.dev.azure.com/contoso/_packaging/web/npm/registry/",
            "contoso",
            &Sensitive::from(SECRET),
            true,
        )
    });
    assert_plain_timeout(&error, "npm");
    bin.assert_stopped("npm");
    assert!(!bin.dir.join(".npmrc").exists(), "nothing was written");
}

#[test]
fn a_hanging_pip_is_stopped_and_the_person_told() {
    let bin = Bin::new();
    let python = bin.hanging("python3");
    let pip = PipClient::new()
        .python(python)
        .env("HOME", &bin.dir)
        .deadline(DEADLINE);
    let error = within_limits(move || {
        pip.hand_off(
            None,
            "https://pkgs.dev.azure.com/contoso/_packaging/py/pypi/simple/",
            &Sensitive::from(SECRET),
            true,
        )
        .map(|_| ())
    });
    assert_plain_timeout(&error, "Python (pip)");
    bin.assert_stopped("python3");
}

#[test]
fn a_hanging_dotnet_is_stopped_and_the_person_told() {
    let bin = Bin::new();
    let dotnet = bin.hanging("dotnet");
    let nuget = NuGetClient::new()
        .program(NuGetClientKind::Dotnet, dotnet)
        .env("HOME", &bin.dir)
        .deadline(DEADLINE);
    let error = within_limits(move || {
        nuget
            .hand_off(
                &NuGetHandOff {
                    feed_url:
                        "https://pkgs.dev.azure.com/contoso/_packaging/pkgs/nuget/v3/index.json",
                    source_name: "pkgs",
                    username: "contoso",
                    plain_text_ok: true,
                },
                &Sensitive::from(SECRET),
            )
            .map(|_| ())
    });
    assert_plain_timeout(&error, "NuGet (dotnet)");
    bin.assert_stopped("dotnet");
}

#[test]
fn a_hanging_git_credential_helper_is_stopped_and_the_person_told() {
    let bin = Bin::new();
    // Answers the checks at once, hangs in `git credential approve` as a helper waiting on a dialog would.
    let pids = bin.pids_file("git");
    let git = bin.script(
        "git",
        &format!(
            "case \"$1\" in\n  --version) echo 'git version 2.99.0';;\n  config) echo cache;;\n  credential) echo $$ > '{pids}'; sleep 300 & echo $! >> '{pids}'; wait;;\nesac\n",
            pids = pids.display()
        ),
    );
    let credentials = GitCredentials::new().program(git).deadline(DEADLINE);
    let error =
        within_limits(move || credentials.approve("contoso", None, &Sensitive::from(SECRET)));
    assert_plain_timeout(&error, "Git (or its credential helper)");
    bin.assert_stopped("git");
}

/// The .NET SDK is not installed here: a stand-in `dotnet` that answers `nuget --version` and records every
/// command line. The token lands in `~/.nuget/NuGet/NuGet.Config` (where `dotnet` reads it), as
/// `ClearTextPassword`, readable by this user only — and on no command line.
#[test]
fn dotnets_nuget_config_gets_the_token_and_its_command_line_never_does() {
    use std::os::unix::fs::PermissionsExt;
    let bin = Bin::new();
    let log = bin.dir.join("dotnet.argv");
    let dotnet = bin.script(
        "dotnet",
        &format!(
            "echo \"$*\" >> '{log}'\nif [ \"$1 $2\" = 'nuget --version' ]; then echo 'NuGet Command Line 6.12.0.1'; fi\n",
            log = log.display()
        ),
    );
    let home = bin.dir.join("home");
    let config = home.join(".nuget/NuGet/NuGet.Config");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <!-- mine -->\n  <packageSources>\n    <add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" />\n  </packageSources>\n</configuration>\n",
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let nuget = NuGetClient::new()
        .program(NuGetClientKind::Dotnet, &dotnet)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("xdg"));
    let feed = "https://pkgs.dev.azure.com/contoso/_packaging/contoso-packages/nuget/v3/index.json";
    let handed = nuget
        .hand_off(
            &NuGetHandOff {
                feed_url: feed,
                source_name: "contoso packages",
                username: "contoso",
                plain_text_ok: true,
            },
            &Sensitive::from(SECRET),
        )
        .unwrap();
    assert_eq!(handed.client, NuGetClientKind::Dotnet);
    assert_eq!(handed.registered_url, feed, "dotnet reads v3");
    assert!(handed.plain_text);

    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("<!-- mine -->") && text.contains("api.nuget.org"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "<add key=\"ClearTextPassword\" value=\"{SECRET}\" />"
        )),
        "{text}"
    );
    let parsed = NuGetConfig::parse(&text).unwrap();
    assert_eq!(parsed.source("contoso packages").unwrap().0, feed);
    assert!(text.contains("<contoso_x0020_packages>"), "{text}");
    let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "narrowed from 0644");
    let argv = std::fs::read_to_string(&log).unwrap();
    assert!(argv.contains("nuget --version"), "{argv}");
    assert!(!argv.contains(SECRET), "{argv}");
    assert!(
        !home.join("xdg/NuGet/NuGet.Config").exists(),
        "only the file dotnet reads"
    );

    // The cleanup removes the source and its token, and keeps the rest.
    nuget.remove_source("Contoso Packages").unwrap();
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        !text.contains(SECRET) && !text.contains("contoso"),
        "{text}"
    );
    assert!(text.contains("api.nuget.org"), "{text}");
}
