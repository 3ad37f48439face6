//! The window shows PAT Desk's own pages and nothing else: any navigation of a webview away from the app's
//! origin (a script setting `window.location`, a link, a redirect) is refused, so a page that is not PAT Desk's
//! can never run in a window that may call PAT Desk's commands. The app has no links to other sites; a
//! refused address is logged (without its query) and not opened anywhere.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Runtime, Url};

/// The plugin that installs [`is_app_page`] as every webview's navigation check.
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = is_app_page(url);
            if !allowed {
                tracing::warn!(
                    url = %patdesk_core::http::url_for_log(url),
                    "the window was kept from leaving PAT Desk"
                );
            }
            allowed
        })
        .build()
}

/// Whether `url` is one of the app's own pages: `tauri://localhost` (Linux, macOS) or
/// `http(s)://tauri.localhost` (Windows' WebView2), on the default port, without user info.
pub fn is_app_page(url: &Url) -> bool {
    let own_host = match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    };
    own_host && url.port().is_none() && url.username().is_empty() && url.password().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str) -> bool {
        is_app_page(&Url::parse(url).unwrap())
    }

    #[test]
    fn only_the_apps_own_pages_are_allowed() {
        for own in [
            "tauri://localhost",
            "tauri://localhost/",
            "tauri://localhost/index.html#/tokens",
            "http://tauri.localhost/",
            "https://tauri.localhost/assets/app.js",
        ] {
            assert!(page(own), "{own}");
        }
        for other in [
            "https://example.com/",
            "http://localhost:1430/",
            "http://127.0.0.1/",
            "https://tauri.localhost.example.com/",
            "http://tauri.localhost:8080/",
            "http://user:pw@tauri.localhost/",
            "tauri://evil/",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "javascript:alert(1)",
            "about:blank",
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
        ] {
            assert!(!page(other), "{other}");
        }
    }
}
