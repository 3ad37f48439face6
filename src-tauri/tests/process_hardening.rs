//! What the app does to its own process at start, before any secret is in memory: no core dump of it (Linux:
//! `prctl(PR_SET_DUMPABLE, 0)`; a dump would hold the refresh token, passwords and new tokens). The app is
//! started as the shell starts it (`patdesk_lib::setup`) in a throw-away home. One test in this binary: the
//! environment and the dumpable flag are the process's.

mod support;

#[test]
#[cfg(target_os = "linux")]
fn the_app_turns_core_dumps_off_at_start() {
    use patdesk_lib::state::LaunchMode;

    let home = std::env::temp_dir().join(format!("patdesk-dump-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_CONFIG_HOME", home.join("config"));
    std::env::set_var("XDG_DATA_HOME", home.join("data"));
    assert_eq!(
        patdesk_core::secret::core_dumps_allowed(),
        Some(true),
        "a test process starts dumpable"
    );

    let (_app, _window) = support::app_set_up_as_the_shell_does(LaunchMode::default());

    assert_eq!(patdesk_core::secret::core_dumps_allowed(), Some(false));
    let _ = std::fs::remove_dir_all(&home);
}
