//! What the shell's test binaries share: the app built on Tauri's mock runtime with its real configuration and
//! capabilities (`patdesk_lib::context()`), and calling a command exactly as the window does.
#![allow(dead_code)] // each test binary uses its own part

use patdesk_lib::state::LaunchMode;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// The address the window's own page has: the capabilities allow the commands to it only. WebView2 (Windows)
/// serves the app's files from `http://tauri.localhost`, the other webviews from `tauri://localhost`.
const WINDOW_URL: &str = if cfg!(windows) {
    "http://tauri.localhost"
} else {
    "tauri://localhost"
};

/// The app started as `launch` says, with its main window.
pub fn app_with(launch: LaunchMode) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_then(launch, |_| {})
}

/// [`app_with`], running `before_window` on the built app before the window opens (e.g. start logging).
pub fn app_then(
    launch: LaunchMode,
    before_window: impl FnOnce(&App<MockRuntime>),
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = patdesk_lib::app_builder(mock_builder(), launch)
        .build(patdesk_lib::context())
        .expect("build the app on the mock runtime");
    before_window(&app);
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    (app, window)
}

/// The app started the way the shell starts it: with the notification plugin (the expiry reminders) and the
/// shell's own setup (`patdesk_lib::setup`: the log, the settings, the data directory, the reminders), then
/// its main window.
pub fn app_set_up_as_the_shell_does(
    launch: LaunchMode,
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = patdesk_lib::app_builder(
        mock_builder().plugin(tauri_plugin_notification::init()),
        launch,
    )
    .build(patdesk_lib::context())
    .expect("build the app on the mock runtime");
    patdesk_lib::setup(app.handle());
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    (app, window)
}

/// Call `cmd` like the window does; `Ok` is the command's JSON result, `Err` the JSON error.
pub fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: WINDOW_URL.parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("JSON result"))
}

/// A 30-day token named `name` with `scopes` made through `create_token` in `organization`, as New token does:
/// its value (through `reveal_secret`, as the Reveal button gets it, once) and its `authorizationId`.
pub fn create_token(
    window: &WebviewWindow<MockRuntime>,
    organization: &str,
    name: &str,
    scopes: &[&str],
) -> (String, String) {
    let created = invoke(
        window,
        "create_token",
        json!({"request": {
            "organization": organization,
            "displayName": name,
            "scopes": scopes,
            "lifespan": {"kind": "days", "days": 30}
        }}),
    )
    .expect("create");
    let id = created["token"]["authorizationId"]
        .as_str()
        .expect("its id")
        .to_string();
    (reveal_secret(window, &id), id)
}

/// The value of the created token `id`, as Reveal gets it (once per token).
pub fn reveal_secret(window: &WebviewWindow<MockRuntime>, id: &str) -> String {
    invoke(window, "reveal_secret", json!({ "authorizationId": id }))
        .expect("reveal")
        .as_str()
        .expect("the new value")
        .to_string()
}
