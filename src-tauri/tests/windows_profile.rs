//! Where PAT Desk keeps its files on Windows, checked for real: the app started as the shell starts it
//! (`patdesk_lib::setup` on Tauri's mock runtime), in the Windows profile of the account running the test.
//! Windows finds a profile's folders with `SHGetKnownFolderPath`, which does not read `%APPDATA%` or
//! `%LOCALAPPDATA%` (Wine's neither), so no variable can move them to a throw-away folder: the test asks Windows
//! for the Roaming and Local AppData folders itself, refuses to run where PAT Desk's folders already exist (a
//! person's real settings), and removes what it made. `make test-windows` runs it in a fresh Wine prefix.
//!
//! Settings saved through `save_settings`, the expiry reminders' record and the hand-off record (a real
//! "Use with NuGet") must land in `%APPDATA%\dev.patdesk.app`, the diagnostics log in
//! `%LOCALAPPDATA%\dev.patdesk.app\logs\patdesk.log`. One test in this binary: the log's subscriber and the
//! environment are the process's.
#![cfg(windows)]

mod support;

use std::path::{Path, PathBuf};

use patdesk_lib::state::LaunchMode;
use serde_json::{json, Value};
use tauri::test::MockRuntime;
use windows_sys::core::GUID;
use windows_sys::Win32::System::Com::CoTaskMemFree;
use windows_sys::Win32::UI::Shell::{
    FOLDERID_LocalAppData, FOLDERID_RoamingAppData, SHGetKnownFolderPath,
};

use support::{create_token, invoke};

/// The folder Windows itself gives for `id` (what Tauri's path resolver asks too, through `dirs`).
fn known_folder(id: &GUID) -> PathBuf {
    let mut path = std::ptr::null_mut();
    // SAFETY: `id` is a valid known-folder id; the returned string is read up to its NUL, then freed once.
    unsafe {
        let hr = SHGetKnownFolderPath(id, 0, std::ptr::null_mut(), &mut path);
        assert_eq!(hr, 0, "SHGetKnownFolderPath failed: {hr:#x}");
        let len = (0..).take_while(|&i| *path.add(i) != 0).count();
        let wide = std::slice::from_raw_parts(path, len);
        let folder = PathBuf::from(String::from_utf16(wide).expect("a UTF-16 path"));
        CoTaskMemFree(path as *const _);
        folder
    }
}

/// The environment variable a Windows person types in Explorer's address bar.
fn variable(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(name).unwrap_or_else(|| panic!("%{name}% is not set")))
}

/// Removes the folders the test made, also when it fails: `trees` with all they hold, then `if_empty` if
/// nothing else is left in it.
struct RemoveOnDrop {
    trees: Vec<PathBuf>,
    if_empty: PathBuf,
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for dir in &self.trees {
            let _ = std::fs::remove_dir_all(dir);
        }
        let _ = std::fs::remove_dir(&self.if_empty);
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn settings_reminders_and_hand_offs_are_in_appdata_and_the_log_in_localappdata() {
    let roaming = known_folder(&FOLDERID_RoamingAppData);
    let local = known_folder(&FOLDERID_LocalAppData);
    assert_eq!(variable("APPDATA"), roaming, "%APPDATA% is Roaming AppData");
    assert_eq!(
        variable("LOCALAPPDATA"),
        local,
        "%LOCALAPPDATA% is Local AppData"
    );
    let identifier = patdesk_lib::context::<MockRuntime>()
        .config()
        .identifier
        .clone();
    assert_eq!(
        identifier, "dev.patdesk.app",
        "the README names this folder"
    );
    let app_dir = roaming.join(&identifier);
    let local_dir = local.join(&identifier);
    let log_file = local_dir.join("logs").join("patdesk.log");
    // Tauri itself makes `local_dir` for the webview's data (WebView2's `EBWebView`) whenever a window is
    // made, also in the other tests of this crate; and Wine keeps an empty `logs` behind while this process
    // holds the log open: only PAT Desk's own files count as a person's.
    for mine in [&app_dir, &log_file] {
        assert!(
            !mine.exists(),
            "{} exists: this test would change a person's PAT Desk files. Run it in a profile without them \
             (make test-windows does, in a fresh Wine prefix).",
            mine.display()
        );
    }
    // "Use with NuGet" writes %APPDATA%\NuGet\NuGet.Config: pointed at a throw-away folder (the NuGet client
    // reads the variable), with a `nuget.exe` on PATH to be found where no `dotnet` is (on Windows PAT Desk
    // writes the file itself and never runs it). Tauri's folders stay where Windows says.
    let scratch = std::env::temp_dir().join(format!("patdesk-profile-test-{}", std::process::id()));
    let _cleanup = RemoveOnDrop {
        trees: vec![app_dir.clone(), local_dir.join("logs"), scratch.clone()],
        if_empty: local_dir.clone(),
    };
    let nuget_appdata = scratch.join("AppData");
    let tools = scratch.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    std::fs::create_dir_all(&nuget_appdata).unwrap();
    std::fs::write(tools.join("nuget.exe"), b"not run").unwrap();
    let mut path = vec![tools];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::set_var("PATH", std::env::join_paths(path).unwrap());
    std::env::set_var("APPDATA", &nuget_appdata);

    let (_app, window) = support::app_set_up_as_the_shell_does(LaunchMode::default());

    // The diagnostics log.
    let about = invoke(&window, "about", json!({})).expect("about");
    assert_eq!(PathBuf::from(about["logFile"].as_str().unwrap()), log_file);

    // The settings, saved through the window's command.
    let view = invoke(&window, "settings", json!({})).expect("settings");
    let mut chosen = view["settings"].clone();
    chosen["clipboardClearSeconds"] = json!(10);
    chosen["theme"] = json!("dark");
    let saved = invoke(&window, "save_settings", json!({ "settings": chosen })).expect("saved");
    assert_eq!(saved["settings"], chosen);
    assert_eq!(
        read_json(&app_dir.join("settings.json"))["settings"],
        chosen
    );

    // The reminders' record: the demo has tokens that expire within 14 days, and the list checks them.
    let session = invoke(&window, "start_demo", json!({})).expect("demo starts");
    let org = session["profile"]["organizations"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    invoke(
        &window,
        "list_tokens",
        json!({"filter": "all", "onProgress": "__CHANNEL__:1"}),
    )
    .expect("list");
    assert!(
        read_json(&app_dir.join("reminders.json")).is_object(),
        "the reminders' record"
    );

    // The hand-off record, from a real "Use with NuGet".
    let (secret, id) = create_token(&window, &org, "Windows profile test", &["vso.packaging"]);
    let feed = format!("https://pkgs.dev.azure.com/{org}/_packaging/web/nuget/v3/index.json");
    invoke(
        &window,
        "use_created_token_with_nuget",
        json!({"authorizationId": id, "feedUrl": feed}),
    )
    .expect("handed to NuGet, encrypted, without the plain-text choice");
    let nuget_config =
        std::fs::read_to_string(nuget_appdata.join("NuGet").join("NuGet.Config")).unwrap();
    assert!(nuget_config.contains(&feed), "{nuget_config}");
    assert!(
        !nuget_config.contains(&secret),
        "NuGet.Config holds the token in plain text"
    );
    let hand_offs_file = app_dir.join("handoffs.json");
    let record = std::fs::read_to_string(&hand_offs_file).expect("the hand-off record");
    assert!(record.contains(&id) && record.contains(&feed), "{record}");
    assert!(
        !record.contains(&secret),
        "the hand-off record holds the token"
    );
    let listed = invoke(&window, "hand_offs", json!({})).expect("hand-offs");
    let listed = &listed["handOffs"];
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["authorizationId"], json!(id));

    // Nothing of PAT Desk's went beside them: its data folder holds just these three files and the hand-off
    // record's lock.
    let mut names: Vec<String> = std::fs::read_dir(&app_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "handoffs.json",
            "handoffs.json.lock",
            "reminders.json",
            "settings.json"
        ]
    );

    // The log, where About says, tells what happened.
    let log = std::fs::read_to_string(&log_file).expect("the log was written");
    for expected in [
        "PAT Desk started",
        "settings changed code=\"ok\"",
        "token handed to NuGet",
    ] {
        assert!(log.contains(expected), "the log tells {expected:?}:\n{log}");
    }
    assert!(!log.contains(&secret), "the token is in the log");
}
