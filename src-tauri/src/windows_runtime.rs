//! The Windows side of [`crate::webview_runtime`]: reads the WebView2 Runtime's registry keys, asks the loader,
//! and when the window cannot be made shows a native message box (instead of a crash) that offers Microsoft's
//! download page, then ends PAT Desk with the documented exit code.

use std::ffi::OsStr;
use std::iter::once;
use std::os::windows::ffi::OsStrExt;
use std::ptr::{null, null_mut};

use windows_sys::Win32::Foundation::{ERROR_MORE_DATA, ERROR_SUCCESS};
use windows_sys::Win32::System::Registry::{
    RegGetValueW, HKEY, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, RRF_RT_REG_SZ,
};
use windows_sys::Win32::UI::Shell::ShellExecuteW;
use windows_sys::Win32::UI::WindowsAndMessaging::{
    MessageBoxW, IDYES, MB_ICONERROR, MB_SETFOREGROUND, MB_YESNO, SW_SHOWNORMAL,
};

use crate::webview_runtime::{
    RegistryHive, WebView2Runtime, MESSAGE_TITLE, WEBVIEW2_CLIENT_KEYS, WEBVIEW2_DOWNLOAD_URL,
    WEBVIEW2_VERSION_VALUE,
};

/// The WebView2 Runtime of this computer, from its registry keys and the loader the window uses.
pub fn current_runtime() -> WebView2Runtime {
    let registry = WEBVIEW2_CLIENT_KEYS
        .iter()
        .map(|(hive, key)| read_string_value(*hive, key, WEBVIEW2_VERSION_VALUE));
    WebView2Runtime::assess(registry, tauri::webview_version())
}

/// When the window cannot be made with `runtime`: say so in a message box, open the download page if the
/// person asks for it, and end PAT Desk with the runtime's exit code. Returns when the runtime is usable.
pub fn explain_and_exit_unless_usable(runtime: &WebView2Runtime) {
    let (Some(message), Some(code)) = (runtime.message(), runtime.exit_code()) else {
        return;
    };
    tracing::error!(
        ?runtime,
        "the window cannot be made without a usable WebView2 Runtime"
    );
    if ask_yes_no(&message) {
        open_in_browser(WEBVIEW2_DOWNLOAD_URL);
    }
    std::process::exit(code);
}

/// The window could not be made although the runtime looked usable: explain it as a runtime that cannot be
/// started (naming the version the registry or loader reported, if any) and exit.
pub fn explain_window_failure_and_exit(error: &tauri::Error) -> ! {
    tracing::error!(%error, "PAT Desk could not make its window");
    let runtime = match current_runtime() {
        WebView2Runtime::Usable { version } => WebView2Runtime::Unusable {
            registered_version: version,
        },
        other => other,
    };
    explain_and_exit_unless_usable(&runtime);
    unreachable!("a runtime that is not usable always exits");
}

/// A `REG_SZ` value, or `None` when the key or the value is absent or not a string.
fn read_string_value(hive: RegistryHive, key: &str, value: &str) -> Option<String> {
    let hive: HKEY = match hive {
        RegistryHive::LocalMachine => HKEY_LOCAL_MACHINE,
        RegistryHive::CurrentUser => HKEY_CURRENT_USER,
    };
    let (key, value) = (wide(key), wide(value));
    let mut buffer = vec![0u16; 128];
    loop {
        let mut size_in_bytes = (buffer.len() * 2) as u32;
        // SAFETY: both names are NUL-terminated UTF-16 and the buffer holds `size_in_bytes` bytes.
        let status = unsafe {
            RegGetValueW(
                hive,
                key.as_ptr(),
                value.as_ptr(),
                RRF_RT_REG_SZ,
                null_mut(),
                buffer.as_mut_ptr().cast(),
                &mut size_in_bytes,
            )
        };
        if status == ERROR_SUCCESS {
            let chars = (size_in_bytes as usize / 2).min(buffer.len());
            let text = &buffer[..chars];
            let end = text.iter().position(|&c| c == 0).unwrap_or(text.len());
            return Some(String::from_utf16_lossy(&text[..end]));
        }
        // Grow to the size the registry asked for, within reason for a version string.
        if status == ERROR_MORE_DATA && (size_in_bytes as usize) < 64 * 1024 {
            buffer = vec![0u16; size_in_bytes as usize / 2 + 1];
            continue;
        }
        return None;
    }
}

/// Show `message` with Yes and No buttons (Yes the default); true when the person chose Yes.
fn ask_yes_no(message: &str) -> bool {
    let (text, title) = (wide(message), wide(MESSAGE_TITLE));
    // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; no owner window.
    let answer = unsafe {
        MessageBoxW(
            null_mut(),
            text.as_ptr(),
            title.as_ptr(),
            MB_YESNO | MB_ICONERROR | MB_SETFOREGROUND,
        )
    };
    answer == IDYES
}

/// Open `url` in the person's browser.
fn open_in_browser(url: &str) {
    let (verb, file) = (wide("open"), wide(url));
    // SAFETY: NUL-terminated UTF-16 strings that outlive the call; the optional arguments are null.
    let result = unsafe {
        ShellExecuteW(
            null_mut(),
            verb.as_ptr(),
            file.as_ptr(),
            null(),
            null(),
            SW_SHOWNORMAL,
        )
    };
    // ShellExecuteW reports success with a value above 32.
    if (result as isize) <= 32 {
        tracing::warn!(
            code = result as isize,
            "the download page could not be opened"
        );
    }
}

fn wide(text: &str) -> Vec<u16> {
    OsStr::new(text).encode_wide().chain(once(0)).collect()
}
