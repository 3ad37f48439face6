//! Whether the Microsoft Edge WebView2 Runtime, which draws PAT Desk's window on Windows, can be used, and what
//! to tell the person when it cannot. The decision and the words live here, apart from the Windows calls in
//! `windows_runtime`, so that they are tested on every platform.
//!
//! Two sources are asked. Microsoft's installers record the runtime's version as the `pv` value of the
//! EdgeUpdate client key [`WEBVIEW2_CLIENT_KEYS`] (Microsoft's documented detection). The WebView2 loader, which
//! makes the window, finds the runtime on its own ([`tauri::webview_version`]); the window needs the loader to
//! succeed, so it decides, and the registry only tells "not installed" from "installed but not usable".

/// The registry keys (below the hive named with each) whose `pv` value names an installed WebView2 Runtime:
/// machine-wide for 32-bit and 64-bit installs, then a per-user install.
pub const WEBVIEW2_CLIENT_KEYS: [(RegistryHive, &str); 3] = [
    (
        RegistryHive::LocalMachine,
        r"SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}",
    ),
    (
        RegistryHive::LocalMachine,
        r"SOFTWARE\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}",
    ),
    (
        RegistryHive::CurrentUser,
        r"SOFTWARE\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}",
    ),
];

/// The value of [`WEBVIEW2_CLIENT_KEYS`] that holds the installed version.
pub const WEBVIEW2_VERSION_VALUE: &str = "pv";

/// Microsoft's download page of the WebView2 Runtime (the Evergreen Bootstrapper).
pub const WEBVIEW2_DOWNLOAD_URL: &str = "https://go.microsoft.com/fwlink/p/?LinkId=2124703";

/// The message box's title.
pub const MESSAGE_TITLE: &str = "PAT Desk";

/// Exit code when the WebView2 Runtime is not installed.
pub const EXIT_WEBVIEW2_MISSING: i32 = 2;

/// Exit code when the WebView2 Runtime is installed but the window could not be made with it.
pub const EXIT_WEBVIEW2_UNUSABLE: i32 = 3;

/// A registry hive of [`WEBVIEW2_CLIENT_KEYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryHive {
    /// `HKEY_LOCAL_MACHINE`: installed for everyone on the computer.
    LocalMachine,
    /// `HKEY_CURRENT_USER`: installed for this Windows account only.
    CurrentUser,
}

/// What PAT Desk can do with the WebView2 Runtime of this computer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebView2Runtime {
    /// The loader found it: the window can be made.
    Usable {
        /// The runtime's version as the loader reports it.
        version: String,
    },
    /// Neither the loader nor the registry knows of it: it was never installed, or was removed.
    Missing,
    /// The registry says it is installed, but the loader cannot use it (a broken or partly removed install).
    Unusable {
        /// The version the registry names.
        registered_version: String,
    },
}

impl WebView2Runtime {
    /// Decide from the `pv` values read from [`WEBVIEW2_CLIENT_KEYS`] (`None` where the key or value is absent)
    /// and from the loader's answer (`Ok(version)` or why it found none).
    pub fn assess<E>(
        registry_pv_values: impl IntoIterator<Item = Option<String>>,
        loader_version: Result<String, E>,
    ) -> Self {
        if let Ok(version) = loader_version {
            if is_installed_version(&version) {
                return Self::Usable {
                    version: version.trim().to_owned(),
                };
            }
        }
        match registry_pv_values
            .into_iter()
            .flatten()
            .find(|pv| is_installed_version(pv))
        {
            Some(pv) => Self::Unusable {
                registered_version: pv.trim().to_owned(),
            },
            None => Self::Missing,
        }
    }

    /// The exit code PAT Desk ends with when the window cannot be made for this reason; `None` when usable.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::Usable { .. } => None,
            Self::Missing => Some(EXIT_WEBVIEW2_MISSING),
            Self::Unusable { .. } => Some(EXIT_WEBVIEW2_UNUSABLE),
        }
    }

    /// The message box's text for a runtime that cannot be used, ending in the question whether to open
    /// [`WEBVIEW2_DOWNLOAD_URL`]; `None` when usable.
    pub fn message(&self) -> Option<String> {
        let what_happened = match self {
            Self::Usable { .. } => return None,
            Self::Missing => "PAT Desk cannot open its window: the Microsoft Edge WebView2 Runtime is not \
                              installed on this computer, and PAT Desk needs it to show its window."
                .to_owned(),
            Self::Unusable { registered_version } => format!(
                "PAT Desk cannot open its window: the Microsoft Edge WebView2 Runtime, which PAT Desk needs to \
                 show its window, is installed (version {registered_version}) but could not be started."
            ),
        };
        let next_step = match self {
            Self::Missing => format!(
                "Get the WebView2 Runtime free from Microsoft at {WEBVIEW2_DOWNLOAD_URL} and install it, then \
                 start PAT Desk again."
            ),
            _ => format!(
                "Install the WebView2 Runtime again from Microsoft at {WEBVIEW2_DOWNLOAD_URL} (this repairs it), \
                 then start PAT Desk again. If it still does not open, restart the computer or ask your IT \
                 department."
            ),
        };
        Some(format!(
            "{what_happened}\n\nNothing was lost: your tokens and sign-ins are unchanged.\n\n{next_step}\n\n\
             Open Microsoft's download page now?"
        ))
    }
}

/// A `pv` value names an installed runtime when it is a version other than `0.0.0.0`, which an uninstall or a
/// failed install leaves behind.
pub fn is_installed_version(pv: &str) -> bool {
    let pv = pv.trim();
    !pv.is_empty() && pv != "0.0.0.0"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(values: &[Option<&str>]) -> Vec<Option<String>> {
        values.iter().map(|v| v.map(str::to_owned)).collect()
    }

    const NOT_FOUND: Result<String, &str> = Err("no runtime found");

    #[test]
    fn the_loader_finding_a_version_makes_it_usable_whatever_the_registry_says() {
        for values in [
            registry(&[None, None, None]),
            registry(&[Some("120.0.2210.91"), None, None]),
        ] {
            assert_eq!(
                WebView2Runtime::assess(values, Ok::<_, &str>("120.0.2210.91".to_owned())),
                WebView2Runtime::Usable {
                    version: "120.0.2210.91".to_owned()
                }
            );
        }
    }

    #[test]
    fn no_key_no_value_or_an_empty_or_zero_version_is_missing() {
        for values in [
            registry(&[]),
            registry(&[None, None, None]),
            registry(&[Some(""), Some("0.0.0.0"), Some("  ")]),
        ] {
            let runtime = WebView2Runtime::assess(values.clone(), NOT_FOUND);
            assert_eq!(runtime, WebView2Runtime::Missing, "{values:?}");
            assert_eq!(runtime.exit_code(), Some(EXIT_WEBVIEW2_MISSING));
        }
        // A loader answering with an empty version has not found one either.
        assert_eq!(
            WebView2Runtime::assess(registry(&[None]), Ok::<_, &str>(String::new())),
            WebView2Runtime::Missing
        );
    }

    #[test]
    fn a_version_in_any_of_the_three_keys_the_loader_cannot_use_is_unusable() {
        for position in 0..WEBVIEW2_CLIENT_KEYS.len() {
            let mut values = registry(&[Some("0.0.0.0"), None, None]);
            values[position] = Some("120.0.2210.91".to_owned());
            let runtime = WebView2Runtime::assess(values, NOT_FOUND);
            assert_eq!(
                runtime,
                WebView2Runtime::Unusable {
                    registered_version: "120.0.2210.91".to_owned()
                },
                "key {position}"
            );
            assert_eq!(runtime.exit_code(), Some(EXIT_WEBVIEW2_UNUSABLE));
        }
    }

    #[test]
    fn the_keys_are_microsofts_client_key_in_both_hives() {
        let hives: Vec<_> = WEBVIEW2_CLIENT_KEYS.iter().map(|(hive, _)| *hive).collect();
        assert_eq!(
            hives,
            [
                RegistryHive::LocalMachine,
                RegistryHive::LocalMachine,
                RegistryHive::CurrentUser
            ]
        );
        for (_, key) in WEBVIEW2_CLIENT_KEYS {
            assert!(
                key.ends_with(r"\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"),
                "{key}"
            );
        }
        assert!(WEBVIEW2_CLIENT_KEYS[0].1.contains(r"\WOW6432Node\"));
    }

    #[test]
    fn the_messages_say_what_is_missing_where_to_get_it_and_that_nothing_was_lost() {
        let missing = WebView2Runtime::Missing.message().unwrap();
        let unusable = WebView2Runtime::Unusable {
            registered_version: "120.0.2210.91".to_owned(),
        }
        .message()
        .unwrap();
        for text in [&missing, &unusable] {
            assert!(text.contains("Microsoft Edge WebView2 Runtime"), "{text}");
            assert!(text.contains(WEBVIEW2_DOWNLOAD_URL), "{text}");
            assert!(
                text.contains("your tokens and sign-ins are unchanged"),
                "{text}"
            );
            assert!(
                text.ends_with("Open Microsoft's download page now?"),
                "{text}"
            );
        }
        assert!(missing.contains("is not installed"), "{missing}");
        assert!(unusable.contains("version 120.0.2210.91"), "{unusable}");
        assert_eq!(
            WebView2Runtime::Usable {
                version: "1".to_owned()
            }
            .message(),
            None
        );
    }
}
