//! The Debian package as a person gets it. `make package` builds `target/release/bundle/deb/<package>_<version>_
//! <architecture>.deb`; this test installs it on this machine with `apt-get install ./….deb` (as root, or
//! through sudo), checks what it declares and what landed (the binary in /usr/bin, the menu entry —
//! valid for `desktop-file-validate` — and the icons of every size in the hicolor theme), opens the INSTALLED
//! app through tauri-driver + WebKitWebDriver under Xvfb and drives the demo (the list shown, one token
//! created, revealed and copied: another program reads it from the X clipboard), closes the window and
//! checks that every process of the app ends by itself, then removes the package with `apt-get remove` and
//! checks that its files are gone and that nothing of the app still runs.
//!
//! It changes the machine's installed packages, so `make e2e` skips it (`#[ignore]`); `make test-package`
//! builds the package and runs it. It refuses to run when the package is already installed: it would replace
//! and then remove a copy someone installed on purpose. The token list's screenshot lands in
//! `tests/artifacts/installed_package_list.png` (the README's picture).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use patdesk_e2e::processes::{self, Process};
use patdesk_e2e::{clipboard, repo_root, token_by_id, within_limit, App};

/// The sizes of the app's icon in the hicolor theme (`/usr/share/icons/hicolor/{size}/apps/{icon}.png`, beside
/// the scalable SVG); the bundler puts the 256-pixel `128x128@2x.png` in `256x256@2`.
const ICON_SIZES: [&str; 6] = [
    "32x32",
    "64x64",
    "128x128",
    "256x256",
    "256x256@2",
    "512x512",
];

#[tokio::test]
#[ignore = "installs the .deb on this machine: run by `make test-package`"]
async fn installed_package_opens_the_demo_and_leaves_nothing_behind_when_removed() {
    within_limit("installed_package", installed_package_body()).await;
}

async fn installed_package_body() {
    let deb = built_package();
    let package = control_field(&deb, "Package");
    assert!(
        !is_installed(&package),
        "{package} is already installed on this machine; this test would replace and then remove it. \
         Remove it first (sudo apt-get remove {package}) and run the test again."
    );

    // What the package declares.
    assert_eq!(control_field(&deb, "Version"), env!("CARGO_PKG_VERSION"));
    let depends = control_field(&deb, "Depends");
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0"] {
        assert!(
            depends.split(", ").any(|d| d == needed),
            "Depends names {needed}: {depends}"
        );
    }
    let recommends = control_field(&deb, "Recommends");
    assert!(
        recommends.split(", ").any(|r| r == "gnome-keyring"),
        "Recommends names a Secret Service provider (gnome-keyring): {recommends}"
    );
    let description = control_field(&deb, "Description");
    assert!(
        description.starts_with("Manage your Azure DevOps personal access tokens"),
        "the package's description: {description}"
    );

    // Installed as a person installs it.
    let mut installed = InstalledPackage::install(&deb, &package);
    let files = installed.files.clone();
    let bin = only(&files, |f| f.starts_with("/usr/bin/"), "app in /usr/bin");
    let entry = only(
        &files,
        |f| {
            f.starts_with("/usr/share/applications/")
                && f.extension().is_some_and(|e| e == "desktop")
        },
        "menu entry in /usr/share/applications",
    );
    for file in [&bin, &entry] {
        assert!(file.is_file(), "{} is on disk", file.display());
    }

    // The menu entry: valid, and it starts the installed app with its icon.
    let validated = Command::new("desktop-file-validate")
        .arg(&entry)
        .output()
        .expect("run desktop-file-validate (Debian package desktop-file-utils)");
    let complaints = String::from_utf8_lossy(&validated.stdout).into_owned()
        + &String::from_utf8_lossy(&validated.stderr);
    assert!(
        validated.status.success()
            && !complaints.contains("error:")
            && !complaints.contains("warning:"),
        "desktop-file-validate {}: {complaints}",
        entry.display()
    );
    let entry_text = std::fs::read_to_string(&entry).unwrap();
    let key = |k: &str| {
        entry_text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("{k}= in {}:\n{entry_text}", entry.display()))
            .to_string()
    };
    assert_eq!(key("Name"), "PAT Desk");
    assert_eq!(key("Type"), "Application");
    assert!(key("Categories").split(';').any(|c| c == "Utility"));
    assert!(!key("Comment").is_empty());
    let exec = key("Exec");
    assert_eq!(
        Path::new("/usr/bin").join(exec.split_whitespace().next().unwrap()),
        bin,
        "Exec={exec} starts the installed app"
    );

    // The icons it names, at every size.
    let icon = key("Icon");
    for size in ICON_SIZES {
        let png = PathBuf::from(format!("/usr/share/icons/hicolor/{size}/apps/{icon}.png"));
        assert!(files.contains(&png), "the package has {}", png.display());
        let pixels: u32 = size.split('x').next().unwrap().parse().unwrap();
        assert_eq!(
            png_size(&png),
            (pixels, pixels),
            "{} is a {pixels}×{pixels} PNG",
            png.display()
        );
    }
    let svg = PathBuf::from(format!("/usr/share/icons/hicolor/scalable/apps/{icon}.svg"));
    assert!(files.contains(&svg), "the package has {}", svg.display());
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));

    // The installed app, driven through WebDriver: the demo's list, one token created and copied.
    let mut app = App::launch_with("installed_package", &bin, &[]).await;
    let started = app.processes();
    assert_eq!(
        processes::running(&bin).first(),
        started.first(),
        "the app runs from {}",
        bin.display()
    );
    app.click("demo-button").await;
    app.visible("demo-banner").await;
    app.sim.ready().await;
    app.find("token-row").await;
    let listed = app.row_ids().await;
    assert!(!listed.is_empty(), "the demo lists tokens");
    let state = app.sim.state().await;
    for id in &listed {
        token_by_id(&state, id);
    }
    app.screenshot("installed_package_list").await;

    // The window belongs to the menu entry (its X11 class is the entry's StartupWMClass), so a dock or task
    // bar shows the entry's name and icon for it.
    let wm_class = key("StartupWMClass");
    let found = Command::new("xdotool")
        .args(["search", "--all", "--onlyvisible", "--pid"])
        .arg(started[0].pid.to_string())
        .args(["--classname", &format!("^{wm_class}$")])
        .output()
        .expect("run xdotool");
    assert!(
        found.status.success() && !found.stdout.is_empty(),
        "a window of the app with the X11 class name {wm_class} (StartupWMClass of the menu entry)"
    );

    let name = "installed package check";
    app.submit_new_token(name).await;
    let secret = app.reveal_new_secret().await;
    let state = app.sim.state().await;
    let created: Vec<_> = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["displayName"] == name)
        .collect();
    assert_eq!(created.len(), 1, "one new token named {name}");
    assert_eq!(created[0]["status"], "active");
    app.click("copy-button").await;
    app.until("the token on the clipboard", || async {
        (clipboard::read().as_deref() == Some(secret.as_str())).then_some(())
    })
    .await;
    app.click("done-button").await;
    let id = created[0]["authorizationId"].as_str().unwrap().to_string();
    app.type_into("search-input", name).await;
    app.until("the new token listed", || async {
        let shown = app.row_ids().await;
        shown
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&id))
            .then_some(())
    })
    .await;
    app.finish_expecting_exit().await;

    // Removed: its files are gone and nothing of it runs.
    installed.remove();
    assert!(!is_installed(&package), "{package} is no longer installed");
    let left: Vec<&PathBuf> = files.iter().filter(|f| f.exists()).collect();
    assert!(left.is_empty(), "files left after removal: {left:?}");
    let running = processes::running(&bin);
    assert!(
        running.is_empty(),
        "{} still runs: {running:?}",
        bin.display()
    );
    let alive: Vec<&Process> = started.iter().filter(|p| p.is_running()).collect();
    assert!(
        alive.is_empty(),
        "processes of the app still run: {alive:?}"
    );
}

/// `PATDESK_DEB`, else the package `make package` left for this version.
fn built_package() -> PathBuf {
    if let Some(deb) = std::env::var_os("PATDESK_DEB") {
        return PathBuf::from(deb);
    }
    let arch = output(Command::new("dpkg").arg("--print-architecture"));
    let deb = repo_root().join(format!(
        "target/release/bundle/deb/pat-desk_{}_{}.deb",
        env!("CARGO_PKG_VERSION"),
        arch.trim()
    ));
    assert!(
        deb.is_file(),
        "no package at {} (`make package` builds it)",
        deb.display()
    );
    deb
}

/// One field of the package's control file (`dpkg-deb --field`).
fn control_field(deb: &Path, field: &str) -> String {
    output(Command::new("dpkg-deb").arg("--field").arg(deb).arg(field))
        .trim()
        .to_string()
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["--show", "--showformat=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout) == "install ok installed")
}

/// The standard output of a command that must succeed.
fn output(command: &mut Command) -> String {
    let out: Output = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// apt-get, as root or through sudo, without questions, waiting for another apt or dpkg to finish.
fn apt_get(args: &[&str]) -> Command {
    // SAFETY: geteuid(2) has no preconditions.
    let mut command = if unsafe { libc::geteuid() } == 0 {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    command
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["-y", "-o", "DPkg::Lock::Timeout=300"])
        .args(args);
    command
}

/// The package while it is installed; removed when dropped if the test did not get as far (a failure).
struct InstalledPackage {
    name: String,
    /// Every file the package installed (`dpkg --listfiles`, less the directories).
    files: BTreeSet<PathBuf>,
    removed: bool,
}

impl InstalledPackage {
    fn install(deb: &Path, name: &str) -> Self {
        let deb = deb.canonicalize().unwrap();
        output(apt_get(&["install"]).arg(&deb));
        let package = InstalledPackage {
            name: name.to_string(),
            files: output(Command::new("dpkg").args(["--listfiles", name]))
                .lines()
                .map(PathBuf::from)
                .filter(|path| !path.is_dir())
                .collect(),
            removed: false,
        };
        assert!(is_installed(name), "{name} is installed");
        package
    }

    fn remove(&mut self) {
        self.removed = true;
        output(apt_get(&["remove"]).arg(&self.name));
    }
}

impl Drop for InstalledPackage {
    fn drop(&mut self) {
        if !self.removed {
            let _ = apt_get(&["remove"]).arg(&self.name).output();
        }
    }
}

/// The one path of `files` that `wanted` picks.
fn only(files: &BTreeSet<PathBuf>, wanted: impl Fn(&Path) -> bool, what: &str) -> PathBuf {
    let found: Vec<&PathBuf> = files.iter().filter(|f| wanted(f)).collect();
    assert_eq!(found.len(), 1, "one {what} in the package: {found:?}");
    found[0].clone()
}

/// A PNG's width and height, from its header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is a PNG",
        path.display()
    );
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}
