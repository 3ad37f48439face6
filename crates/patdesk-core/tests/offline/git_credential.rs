//! Handing a PAT to Git through `git credential approve`, checked with Git's own `git credential fill`.
//!
//! Every test gets its own HOME (a temp dir) with `credential.helper store` configured there; the environment
//! (`HOME`, `XDG_CONFIG_HOME`, `GIT_CONFIG_NOSYSTEM=1`, no `GIT_CONFIG_GLOBAL`) is passed to the git child
//! processes explicitly — this test process's own environment is never changed, since tests run in parallel.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use patdesk_core::git_credential::GitCredentials;
use patdesk_core::{ErrorCode, Sensitive};

/// An isolated Git home, removed when dropped.
struct GitHome {
    dir: PathBuf,
}

impl GitHome {
    fn new(helper: Option<&str>) -> GitHome {
        let dir = std::env::temp_dir().join(format!("patdesk-git-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("config")).unwrap();
        let home = GitHome { dir };
        if let Some(helper) = helper {
            let out = home
                .git(&["config", "--global", "credential.helper", helper])
                .output()
                .unwrap();
            assert!(out.status.success(), "git config failed: {out:?}");
        }
        home
    }

    fn envs(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("HOME", self.dir.clone()),
            ("XDG_CONFIG_HOME", self.dir.join("config")),
            ("GIT_CONFIG_NOSYSTEM", PathBuf::from("1")),
        ]
    }

    /// PAT Desk's git hand-off, pointed at this home.
    fn credentials(&self) -> GitCredentials {
        let mut c = GitCredentials::new()
            .env_remove("GIT_CONFIG_GLOBAL")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS");
        for (k, v) in self.envs() {
            c = c.env(k, v);
        }
        c
    }

    /// A plain `git` child in this home (for checking from outside PAT Desk).
    fn git(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .env_remove("GIT_CONFIG_GLOBAL")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .env("GIT_TERMINAL_PROMPT", "0");
        for (k, v) in self.envs() {
            cmd.env(k, v);
        }
        cmd
    }

    /// `git credential fill` for `url`, as Git itself would ask before a clone.
    fn fill(&self, url: &str) -> Output {
        let mut child = self
            .git(&["credential", "fill"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("url={url}\n\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn store_file(&self) -> String {
        std::fs::read_to_string(self.dir.join(".git-credentials")).unwrap_or_default()
    }
}

impl Drop for GitHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn field<'a>(output: &'a str, name: &str) -> Option<&'a str> {
    output
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix; the helper checks have unit tests in git_credential.rs"
)]
#[test]
fn approve_then_git_fills_the_token() {
    let home = GitHome::new(Some("store"));
    let git = home.credentials();
    assert!(git.git_available());

    git.approve("fabrikam", None, &Sensitive::from("pat-fabrikam-1"))
        .expect("approve");

    // The URL people type.
    let out = home.fill("https://dev.azure.com/fabrikam");
    assert!(out.status.success(), "fill failed: {out:?}");
    let text = stdout(&out);
    assert_eq!(field(&text, "password"), Some("pat-fabrikam-1"));
    assert_eq!(field(&text, "username"), Some("fabrikam"));
    assert_eq!(field(&text, "host"), Some("dev.azure.com"));

    // The clone URL Azure DevOps hands out (organization as user name).
    let out = home.fill("https://fabrikam@dev.azure.com/fabrikam/Project/_git/repo");
    assert!(out.status.success(), "fill failed: {out:?}");
    assert_eq!(field(&stdout(&out), "password"), Some("pat-fabrikam-1"));

    // A newer token for the same organization replaces the old one.
    git.approve("fabrikam", None, &Sensitive::from("pat-fabrikam-2"))
        .unwrap();
    let out = home.fill("https://fabrikam@dev.azure.com/fabrikam/Project/_git/repo");
    assert_eq!(field(&stdout(&out), "password"), Some("pat-fabrikam-2"));
    assert!(!home.store_file().contains("pat-fabrikam-1"));
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix; the helper checks have unit tests in git_credential.rs"
)]
#[test]
fn organizations_are_kept_apart_and_reject_forgets_one() {
    let home = GitHome::new(Some("store"));
    let git = home.credentials();
    git.approve("fabrikam", None, &Sensitive::from("pat-fabrikam"))
        .unwrap();
    git.approve("contoso", None, &Sensitive::from("pat-contoso"))
        .unwrap();

    let fill = |url: &str| field(&stdout(&home.fill(url)), "password").map(str::to_string);
    assert_eq!(
        fill("https://fabrikam@dev.azure.com/fabrikam/P/_git/r").as_deref(),
        Some("pat-fabrikam")
    );
    assert_eq!(
        fill("https://contoso@dev.azure.com/contoso/P/_git/r").as_deref(),
        Some("pat-contoso")
    );

    git.reject("fabrikam").unwrap();
    // Git now has nothing for fabrikam: with prompts disabled, fill fails instead of asking.
    let out = home.fill("https://fabrikam@dev.azure.com/fabrikam/P/_git/r");
    assert!(
        !out.status.success() || field(&stdout(&out), "password").is_none(),
        "fabrikam must be forgotten: {out:?}"
    );
    assert_eq!(
        fill("https://contoso@dev.azure.com/contoso/P/_git/r").as_deref(),
        Some("pat-contoso")
    );
    assert!(!home.store_file().contains("pat-fabrikam"));
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix; the helper checks have unit tests in git_credential.rs"
)]
#[test]
fn the_secret_goes_through_stdin_only() {
    // A fake `git` that records its arguments and environment, then behaves like git for `--version` and
    // `config`, and reads the credential from stdin.
    let home = GitHome::new(None);
    let fake = home.dir.join("fake-git");
    let log = home.dir.join("fake-git.log");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n\
             echo \"ARGS: $*\" >> '{log}'\n\
             env >> '{log}'\n\
             case \"$1\" in\n\
               --version) echo 'git version 2.99.0';;\n\
               config) echo store;;\n\
               credential) cat > '{log}.stdin';;\n\
             esac\n",
            log = log.display()
        ),
    )
    .unwrap();
    make_executable(&fake);
    let git = GitCredentials::new().program(&fake);
    git.approve(
        "fabrikam",
        Some("ann@contoso.com"),
        &Sensitive::from("very-secret-pat"),
    )
    .unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("ARGS: credential approve"));
    assert!(
        !logged.contains("very-secret-pat"),
        "the PAT must not appear in arguments or environment"
    );
    let stdin = std::fs::read_to_string(format!("{}.stdin", log.display())).unwrap();
    assert_eq!(
        stdin,
        "protocol=https\nhost=dev.azure.com\npath=fabrikam\nusername=ann@contoso.com\npassword=very-secret-pat\n\n"
    );
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix; the helper checks have unit tests in git_credential.rs"
)]
#[test]
fn plain_errors_when_git_cannot_take_the_token() {
    // No credential helper configured: approve would silently store nothing, so it says so instead.
    let home = GitHome::new(None);
    let err = home
        .credentials()
        .approve("fabrikam", None, &Sensitive::from("pat"))
        .unwrap_err();
    assert!(
        err.message.contains("no credential helper"),
        "{}",
        err.message
    );
    assert!(!home.store_file().contains("pat"));

    // Git is missing.
    let missing = GitCredentials::new().program(home.dir.join("no-such-git"));
    assert!(!missing.git_available());
    let err = missing
        .approve("fabrikam", None, &Sensitive::from("pat"))
        .unwrap_err();
    assert!(
        err.message.starts_with("Git is not installed"),
        "{}",
        err.message
    );

    // Git's own settings are broken: said in words, not as "no helper".
    let home = GitHome::new(Some("store"));
    std::fs::write(
        home.dir.join(".gitconfig"),
        "[credential\n\thelper = store\n",
    )
    .unwrap();
    let err = home
        .credentials()
        .approve("fabrikam", None, &Sensitive::from("pat-value"))
        .unwrap_err();
    assert!(
        err.message.starts_with("Git's settings could not be read"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("pat-value"));

    // Line breaks could inject credential attributes: refused before git runs.
    let home = GitHome::new(Some("store"));
    let err = home
        .credentials()
        .approve("fabrikam\nhost=evil.example", None, &Sensitive::from("pat"))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidOrganization);
    let err = home
        .credentials()
        .approve("fabrikam", None, &Sensitive::from("pat\npassword=x"))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(home.store_file().is_empty());
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) {}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix; the helper checks have unit tests in git_credential.rs"
)]
#[test]
fn with_use_http_path_each_organization_url_fills_its_own_token() {
    // People (and Git Credential Manager's installer) may turn on useHttpPath for dev.azure.com; then the
    // organization URL without a user name picks the right token by its path.
    let home = GitHome::new(Some("store"));
    let out = home
        .git(&[
            "config",
            "--global",
            "credential.https://dev.azure.com.useHttpPath",
            "true",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let git = home.credentials();
    git.approve("fabrikam", None, &Sensitive::from("pat-fabrikam"))
        .unwrap();
    git.approve("contoso", None, &Sensitive::from("pat-contoso"))
        .unwrap();
    for (org, pat) in [("fabrikam", "pat-fabrikam"), ("contoso", "pat-contoso")] {
        let out = home.fill(&format!("https://dev.azure.com/{org}"));
        assert!(out.status.success(), "{out:?}");
        assert_eq!(field(&stdout(&out), "password"), Some(pat));
        assert_eq!(field(&stdout(&out), "path"), Some(org));
    }
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix; the helper checks have unit tests in git_credential.rs"
)]
#[test]
fn a_server_collection_gets_its_own_token_with_its_port_and_virtual_directory() {
    let home = GitHome::new(Some("store"));
    let git = home.credentials();
    let server =
        patdesk_core::server::ServerAddress::parse("https://tfs.contoso.local:8080/tfs").unwrap();
    git.approve_server(
        &server,
        "DefaultCollection",
        &Sensitive::from("pat-default"),
    )
    .expect("approve");
    git.approve("fabrikam", None, &Sensitive::from("pat-fabrikam"))
        .unwrap();

    let out = home.fill("https://tfs.contoso.local:8080/tfs/DefaultCollection/Project/_git/repo");
    assert!(out.status.success(), "fill failed: {out:?}");
    let text = stdout(&out);
    assert_eq!(field(&text, "password"), Some("pat-default"));
    assert_eq!(field(&text, "host"), Some("tfs.contoso.local:8080"));
    // Services keeps its own.
    let out = home.fill("https://dev.azure.com/fabrikam");
    assert_eq!(field(&stdout(&out), "password"), Some("pat-fabrikam"));

    git.reject_server(&server, "DefaultCollection").unwrap();
    assert!(!home.store_file().contains("pat-default"));
    assert!(home.store_file().contains("pat-fabrikam"));
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix; the helper checks have unit tests in git_credential.rs"
)]
#[test]
fn git_is_never_told_to_send_a_token_to_an_http_address_off_this_computer() {
    let home = GitHome::new(Some("store"));
    let git = home.credentials();
    let plain =
        patdesk_core::server::ServerAddress::parse("http://tfs.contoso.local:8080/tfs").unwrap();
    let refused = git
        .approve_server(&plain, "DefaultCollection", &Sensitive::from("pat-plain"))
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InsecureUrl);
    assert!(
        refused.message.contains(
            "will not give this token to Git for http://tfs.contoso.local:8080/tfs/DefaultCollection"
        ),
        "{}",
        refused.message
    );
    assert!(refused.message.contains("anyone on the network"));
    assert!(refused.message.contains("https://"));
    // The check before the hand-off says the same, and Git never saw the token.
    let checked = git
        .clone()
        .for_server(&plain)
        .check_helpers("DefaultCollection")
        .unwrap_err();
    assert_eq!(checked.code, ErrorCode::InsecureUrl);
    assert!(!home.store_file().contains("pat-plain"));

    // http:// to this computer never leaves it (the simulator, a local test server): allowed.
    let local = patdesk_core::server::ServerAddress::parse("http://127.0.0.1:8080/tfs").unwrap();
    git.approve_server(&local, "DefaultCollection", &Sensitive::from("pat-local"))
        .expect("loopback is exempt");
    assert!(home.store_file().contains("pat-local"));
}
