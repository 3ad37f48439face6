//! A desktop's notification daemon for the tests: a private D-Bus session bus (`dbus-daemon`) on which the test
//! owns `org.freedesktop.Notifications` and records every `Notify` call. An app started with the bus's address
//! in `DBUS_SESSION_BUS_ADDRESS` shows its notifications here, through the same D-Bus calls as on a desktop.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::ProcessGroup;

/// One notification as the daemon received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub app_name: String,
    pub summary: String,
    pub body: String,
}

struct Daemon {
    shown: Arc<Mutex<Vec<Shown>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Daemon {
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().unwrap();
        shown.push(Shown {
            app_name,
            summary,
            body,
        });
        shown.len() as u32
    }

    async fn close_notification(&self, _id: u32) {}

    async fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    async fn get_server_information(&self) -> (String, String, String, String) {
        (
            "patdesk-e2e".into(),
            "PAT Desk tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }
}

/// The bus and the daemon on it; both end when this is dropped.
pub struct NotificationDaemon {
    /// For the app's `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
    shown: Arc<Mutex<Vec<Shown>>>,
    _connection: zbus::Connection,
    _bus: ProcessGroup,
}

impl NotificationDaemon {
    pub async fn start() -> NotificationDaemon {
        let mut command = Command::new("dbus-daemon");
        command
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut bus = ProcessGroup::spawn(command).expect("start dbus-daemon (package dbus)");
        let stdout = bus.take_stdout().expect("dbus-daemon's address");
        let address = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).unwrap();
            line.trim().to_string()
        })
        .await
        .unwrap();
        let shown = Arc::new(Mutex::new(Vec::new()));
        let connection = zbus::connection::Builder::address(address.as_str())
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at(
                "/org/freedesktop/Notifications",
                Daemon {
                    shown: shown.clone(),
                },
            )
            .unwrap()
            .build()
            .await
            .expect("own org.freedesktop.Notifications on the private bus");
        NotificationDaemon {
            address,
            shown,
            _connection: connection,
            _bus: bus,
        }
    }

    /// Every notification received so far, in order.
    pub fn shown(&self) -> Vec<Shown> {
        self.shown.lock().unwrap().clone()
    }
}
