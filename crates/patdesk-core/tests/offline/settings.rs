//! The settings file, on real files in a throw-away directory: defaults when there is none, a round trip
//! through `save`, validation of every field, and a corrupt or unknown file moved aside to `.bak` (never lost)
//! with the defaults and a one-line notice.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use patdesk_core::entra::{DEFAULT_AUTHORITY, DEFAULT_CLIENT_ID};
use patdesk_core::settings::{
    self, backup_file, is_authority, is_guid, OverriddenSetting, PlainHttpChoice, Settings,
    SignInScopes, Theme, CLEAR_SECONDS_CHOICES, SETTINGS_FILE_NAME,
};
use patdesk_core::ErrorCode;

/// A config directory of its own, removed when dropped.
struct ConfigDir {
    dir: PathBuf,
}

impl ConfigDir {
    fn new() -> ConfigDir {
        let dir = std::env::temp_dir().join(format!("patdesk-settings-{}", uuid::Uuid::new_v4()));
        ConfigDir { dir }
    }

    fn file(&self) -> PathBuf {
        self.dir.join(SETTINGS_FILE_NAME)
    }

    fn write(&self, text: &str) {
        fs::create_dir_all(&self.dir).unwrap();
        fs::write(self.file(), text).unwrap();
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

impl Drop for ConfigDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn chosen() -> Settings {
    Settings {
        clipboard_clear_seconds: 10,
        notifications: false,
        theme: Theme::Dark,
        client_id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0".into(),
        authority: "contoso.onmicrosoft.com".into(),
        sign_in_scopes: SignInScopes::TokensOnly,
        plain_http_servers: vec![PlainHttpChoice {
            server: "http://tfs.contoso.local:8080".into(),
            chosen_at: patdesk_test_support::date("2026-12-01T10:00:00Z"),
        }],
    }
}

#[test]
fn no_file_means_the_defaults_without_a_notice() {
    let dir = ConfigDir::new();
    let (loaded, notice) = settings::load(&dir.file());
    assert_eq!(loaded, Settings::default());
    assert_eq!(notice, None);
    assert_eq!(loaded.clipboard_clear_seconds, 30);
    assert!(loaded.notifications);
    assert_eq!(loaded.theme, Theme::System);
    assert_eq!(loaded.client_id, DEFAULT_CLIENT_ID);
    assert_eq!(loaded.authority, DEFAULT_AUTHORITY);
    // Loading never creates the file.
    assert!(dir.names().is_empty(), "{:?}", dir.names());
}

#[test]
fn saved_settings_load_back_and_the_directory_is_created() {
    let dir = ConfigDir::new();
    let saved = settings::save(&dir.file(), &chosen()).unwrap();
    assert_eq!(saved, chosen());
    assert_eq!(
        dir.names(),
        vec![SETTINGS_FILE_NAME.to_string()],
        "no temporary file left"
    );
    assert_eq!(settings::load(&dir.file()), (chosen(), None));

    // The file is plain, readable JSON in camelCase with its version.
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.file()).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["settings"]["clipboardClearSeconds"], 10);
    assert_eq!(json["settings"]["theme"], "dark");
    assert_eq!(json["settings"]["notifications"], false);

    // Saving again replaces it.
    let again = Settings {
        theme: Theme::Light,
        clipboard_clear_seconds: 300,
        ..chosen()
    };
    settings::save(&dir.file(), &again).unwrap();
    assert_eq!(settings::load(&dir.file()).0, again);
}

#[test]
fn save_trims_and_refuses_bad_values_naming_the_field_without_touching_the_file() {
    let dir = ConfigDir::new();
    settings::save(&dir.file(), &chosen()).unwrap();
    let before = fs::read(dir.file()).unwrap();

    let spaced = Settings {
        client_id: "  0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0 ".into(),
        authority: " organizations ".into(),
        ..chosen()
    };
    let trimmed = spaced.validated().unwrap();
    assert_eq!(trimmed.client_id, "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0");
    assert_eq!(trimmed.authority, "organizations");

    let cases = [
        (
            Settings {
                clipboard_clear_seconds: 45,
                ..chosen()
            },
            ErrorCode::InvalidInput,
        ),
        (
            Settings {
                client_id: "my-app".into(),
                ..chosen()
            },
            ErrorCode::InvalidClientId,
        ),
        (
            Settings {
                client_id: "".into(),
                ..chosen()
            },
            ErrorCode::InvalidClientId,
        ),
        (
            Settings {
                authority: "consumers".into(),
                ..chosen()
            },
            ErrorCode::InvalidAuthority,
        ),
        (
            Settings {
                authority: "https://login.microsoftonline.com/contoso".into(),
                ..chosen()
            },
            ErrorCode::InvalidAuthority,
        ),
    ];
    for (bad, code) in cases {
        let err = settings::save(&dir.file(), &bad).unwrap_err();
        assert_eq!(err.code, code, "{bad:?}");
        assert!(err.message.ends_with('.'), "{}", err.message);
        assert_eq!(
            fs::read(dir.file()).unwrap(),
            before,
            "{bad:?} changed the file"
        );
    }

    // What is saved (and returned) is trimmed.
    assert_eq!(settings::save(&dir.file(), &spaced).unwrap(), trimmed);
    assert_eq!(settings::load(&dir.file()).0, trimmed);
}

#[test]
fn the_allowed_values() {
    assert_eq!(CLEAR_SECONDS_CHOICES, &[10, 20, 30, 60, 120, 300]);
    for good in [
        "872cd9fa-d31f-45e0-9eab-6e460a02d1f1",
        "872CD9FA-D31F-45E0-9EAB-6E460A02D1F1",
    ] {
        assert!(is_guid(good), "{good}");
    }
    for bad in [
        "872cd9fa-d31f-45e0-9eab-6e460a02d1f",
        "872cd9fad31f45e09eab6e460a02d1f1",
        "{872cd9fa-d31f-45e0-9eab-6e460a02d1f1}",
        "872cd9fa-d31f-45e0-9eab-6e460a02d1fg",
    ] {
        assert!(!is_guid(bad), "{bad}");
    }
    for good in [
        "organizations",
        "common",
        "Organizations",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "contoso.onmicrosoft.com",
        "fabrikam-tools.com",
    ] {
        assert!(is_authority(good), "{good}");
    }
    for bad in [
        "consumers",
        "",
        "contoso",
        "contoso..com",
        "-contoso.com",
        "contoso.com/",
        "10.0.0.1",
        "contoso .com",
    ] {
        assert!(!is_authority(bad), "{bad}");
    }
}

#[test]
fn a_corrupt_or_unknown_file_gives_the_defaults_a_notice_and_is_kept_as_bak() {
    let valid = r#"{"version":1,"settings":{"clipboardClearSeconds":10,"notifications":false,"theme":"dark","clientId":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","authority":"common"}}"#;
    let broken = [
        "{ this is not json",
        "",
        r#"{"version":2,"settings":{"clipboardClearSeconds":10,"notifications":false,"theme":"dark","clientId":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","authority":"common"}}"#,
        r#"{"version":1,"settings":{"clipboardClearSeconds":10,"notifications":false,"theme":"sepia","clientId":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","authority":"common"}}"#,
        r#"{"version":1,"settings":{"clipboardClearSeconds":7,"notifications":false,"theme":"dark","clientId":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","authority":"common"}}"#,
        r#"{"version":1,"settings":{"clipboardClearSeconds":10,"notifications":false,"theme":"dark","clientId":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","authority":"common","colour":"red"}}"#,
        r#"[1, 2, 3]"#,
    ];
    // The valid file is understood, so the cases below fail for what they change.
    let dir = ConfigDir::new();
    dir.write(valid);
    let (loaded, notice) = settings::load(&dir.file());
    assert_eq!((loaded.clipboard_clear_seconds, notice), (10, None));

    for text in broken {
        let dir = ConfigDir::new();
        dir.write(text);
        let (loaded, notice) = settings::load(&dir.file());
        assert_eq!(loaded, Settings::default(), "{text}");
        let notice = notice.unwrap_or_else(|| panic!("no notice for {text:?}"));
        assert!(!notice.contains('\n'), "one line: {notice}");
        assert!(notice.contains("settings.json.bak"), "{notice}");
        assert!(notice.contains("default settings"), "{notice}");
        // Moved aside, byte for byte.
        assert_eq!(dir.names(), vec!["settings.json.bak".to_string()], "{text}");
        assert_eq!(fs::read_to_string(backup_file(&dir.file())).unwrap(), text);
        // The next start finds no file: the defaults again, without a notice; saving writes a new one.
        assert_eq!(settings::load(&dir.file()), (Settings::default(), None));
        settings::save(&dir.file(), &chosen()).unwrap();
        assert_eq!(settings::load(&dir.file()), (chosen(), None));
        assert_eq!(
            fs::read_to_string(backup_file(&dir.file())).unwrap(),
            text,
            "the .bak stays"
        );
    }
}

#[test]
fn the_clipboard_timeout_and_the_sign_in_app_come_from_the_settings() {
    // Only meaningful when the environment does not override them (as in `make test`).
    if std::env::var_os("PATDESK_CLIPBOARD_CLEAR_SECONDS").is_none() {
        assert_eq!(chosen().clear_after(), Duration::from_secs(10));
        assert_eq!(Settings::default().clear_after(), Duration::from_secs(30));
    }
    if std::env::var_os("PATDESK_CLIENT_ID").is_none()
        && std::env::var_os("PATDESK_AUTHORITY").is_none()
    {
        let config = chosen().entra_config();
        assert_eq!(config.client_id, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        assert_eq!(config.authority, "contoso.onmicrosoft.com");
        assert_eq!(config.scopes, patdesk_core::entra::TOKENS_ONLY_SCOPES);
        assert_eq!(Settings::default().entra_config(), Default::default());
    }
}

#[test]
fn a_file_from_before_the_scopes_setting_keeps_asking_for_everything() {
    let dir = ConfigDir::new();
    dir.write(
        r#"{"version":1,"settings":{"clipboardClearSeconds":20,"notifications":true,"theme":"system",
            "clientId":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","authority":"organizations"}}"#,
    );
    let (loaded, notice) = settings::load(&dir.file());
    assert_eq!(notice, None, "the file is understood");
    assert_eq!(loaded.clipboard_clear_seconds, 20);
    assert_eq!(loaded.sign_in_scopes, SignInScopes::AzureDevOps);
    // And the narrow choice is saved by name.
    settings::save(&dir.file(), &chosen()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.file()).unwrap()).unwrap();
    assert_eq!(json["settings"]["signInScopes"], "tokensOnly");
}

#[test]
fn a_file_that_cannot_be_moved_aside_is_left_in_place_and_the_notice_says_so() {
    let dir = ConfigDir::new();
    dir.write("not json");
    // A directory in the way of settings.json.bak (with something in it) makes the move fail.
    fs::create_dir_all(backup_file(&dir.file()).join("in-the-way")).unwrap();
    let (loaded, notice) = settings::load(&dir.file());
    assert_eq!(loaded, Settings::default());
    let notice = notice.expect("a notice");
    assert!(notice.contains("still there as settings.json"), "{notice}");
    assert!(!notice.contains(".bak"), "{notice}");
    assert_eq!(fs::read_to_string(dir.file()).unwrap(), "not json");
}

/// A file that is there but cannot be opened (here a folder in its place; for a person, a file they may not
/// read) is not a damaged one: it stays where it is, the defaults are used for now and the notice says so.
#[test]
fn a_file_that_cannot_be_read_is_not_moved_aside() {
    let dir = ConfigDir::new();
    fs::create_dir_all(dir.file().join("in-the-way")).unwrap();
    let (loaded, notice) = settings::load(&dir.file());
    assert_eq!(loaded, Settings::default());
    let notice = notice.expect("a notice");
    assert!(notice.contains("could not open"), "{notice}");
    assert!(notice.contains("left as it is"), "{notice}");
    assert!(!notice.contains(".bak"), "{notice}");
    assert!(dir.file().join("in-the-way").is_dir(), "left in place");
    assert_eq!(dir.names(), [SETTINGS_FILE_NAME]);
}

/// Settings are private to the user: the file 0600 and the app's config folder 0700, whatever they were.
#[cfg(unix)]
#[test]
fn saved_settings_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = ConfigDir::new();
    dir.write("{}");
    fs::set_permissions(&dir.dir, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(dir.file(), fs::Permissions::from_mode(0o644)).unwrap();
    settings::save(&dir.file(), &chosen()).unwrap();
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.file()), 0o600);
    assert_eq!(mode(&dir.dir), 0o700);
    assert_eq!(dir.names(), [SETTINGS_FILE_NAME], "no temporary file left");
}

/// The variables that win over the file are named beside the settings they decide, with the value in force;
/// blank or unusable values decide nothing (as when the settings are applied).
#[test]
fn environment_overrides_are_reported_with_their_variable_and_value() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    };
    assert!(settings::overrides_from(env(&[])).is_empty());
    assert!(settings::overrides_from(env(&[
        ("PATDESK_CLIPBOARD_CLEAR_SECONDS", "0"),
        ("PATDESK_CLIENT_ID", "  "),
        ("PATDESK_AUTHORITY", ""),
    ]))
    .is_empty());
    let overrides = settings::overrides_from(env(&[
        ("PATDESK_CLIPBOARD_CLEAR_SECONDS", " 5 "),
        (
            "PATDESK_CLIENT_ID",
            " 11111111-2222-3333-4444-555555555555 ",
        ),
        ("PATDESK_AUTHORITY", "contoso.onmicrosoft.com"),
    ]));
    let seen: Vec<_> = overrides
        .iter()
        .map(|o| (o.setting, o.variable.as_str(), o.value.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                OverriddenSetting::ClipboardClearSeconds,
                "PATDESK_CLIPBOARD_CLEAR_SECONDS",
                "5 seconds"
            ),
            (
                OverriddenSetting::ClientId,
                "PATDESK_CLIENT_ID",
                "11111111-2222-3333-4444-555555555555"
            ),
            (
                OverriddenSetting::Authority,
                "PATDESK_AUTHORITY",
                "contoso.onmicrosoft.com"
            ),
        ]
    );
    let json = serde_json::to_value(&overrides[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "setting": "clipboardClearSeconds",
            "variable": "PATDESK_CLIPBOARD_CLEAR_SECONDS",
            "value": "5 seconds"
        })
    );
}

#[test]
fn the_choice_of_an_unencrypted_server_is_remembered_per_server_and_can_be_taken_back() {
    let dir = ConfigDir::new();
    // A file written before the choice existed: none chosen.
    dir.write(
        r#"{"version":1,"settings":{"clipboardClearSeconds":30,"notifications":true,"theme":"system","clientId":"872cd9fa-d31f-45e0-9eab-6e460a02d1f1","authority":"organizations"}}"#,
    );
    let (mut loaded, notice) = settings::load(&dir.file());
    assert_eq!(notice, None);
    assert!(loaded.plain_http_servers.is_empty());

    let server = url::Url::parse("http://tfs.contoso.local:8080/tfs").unwrap();
    let first = patdesk_test_support::date("2026-12-01T10:00:00Z");
    loaded.choose_plain_http(&server, first);
    // Choosing again keeps the first date; another collection on the same server is the same choice.
    let same = url::Url::parse("http://tfs.contoso.local:8080/tfs/Fabrikam").unwrap();
    loaded.choose_plain_http(&same, patdesk_test_support::date("2026-12-02T10:00:00Z"));
    assert_eq!(loaded.plain_http_servers.len(), 1);
    settings::save(&dir.file(), &loaded).unwrap();
    let (back, _) = settings::load(&dir.file());
    assert_eq!(back.plain_http_choice(&server).unwrap().chosen_at, first);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.file()).unwrap()).unwrap();
    assert_eq!(
        json["settings"]["plainHttpServers"][0]["server"],
        "http://tfs.contoso.local:8080"
    );
    // Another port or host is another server.
    for other in [
        "http://tfs.contoso.local/tfs",
        "http://tfs.contoso.local:8081/tfs",
    ] {
        assert!(back
            .plain_http_choice(&url::Url::parse(other).unwrap())
            .is_none());
    }

    let mut taken_back = back;
    taken_back.forget_plain_http(&same);
    settings::save(&dir.file(), &taken_back).unwrap();
    assert!(settings::load(&dir.file())
        .0
        .plain_http_choice(&server)
        .is_none());
}
