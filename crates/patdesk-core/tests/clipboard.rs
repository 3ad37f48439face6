//! The clipboard service against a real X11 clipboard, read and written from outside with `xclip`.
//!
//! Needs an X display and `xclip`. Run it as:
//!
//! ```sh
//! xvfb-run -a cargo test -p patdesk-core --test clipboard
//! ```
//!
//! A plain `cargo test` without `DISPLAY` works too: each test then re-runs **itself alone** under
//! `xvfb-run -a` (a private virtual display) and passes only if that run passes. When there is neither a
//! display nor `xvfb-run`, every test fails with a message saying so: a clipboard test that silently passes
//! without a clipboard would prove nothing.
//!
//! Built for Windows, the same tests check the Windows clipboard code (arboard's Win32 back end) under Wine on
//! an X display (`xvfb-run -a wine64 …/clipboard-*.exe`; Wine's clipboard needs one). There the program
//! outside is this test binary started again as a separate Windows process ([`other_program`]).

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use patdesk_core::clipboard::{ClipboardCountdown, ClipboardService};
use patdesk_core::Sensitive;

/// There is one clipboard per display: the tests take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A guard against a countdown that never ends; not a speed assertion.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// `xclip`, the X program that reads and writes the clipboard from outside (Linux).
fn xclip() -> Command {
    Command::new("xclip")
}

/// Set in the other program of the Windows runs (see [`read_from_outside`]): `read`, or `copy` with the text
/// in [`PEER_TEXT`].
const PEER: &str = "PATDESK_CLIPBOARD_PEER";
const PEER_TEXT: &str = "PATDESK_CLIPBOARD_PEER_TEXT";

/// The other program of the Windows runs: this test binary started again, as a process of its own, running
/// only this (ignored) test, which reads or writes the Windows clipboard with its own `arboard`. (Under Wine a
/// Windows program cannot run `xclip` and wait for it; and a second Windows process is what "another program"
/// is on Windows.)
#[test]
#[ignore = "the other program of the Windows runs, started by the tests themselves"]
fn other_program() {
    let Some(role) = std::env::var_os(PEER) else {
        return;
    };
    let mut clipboard = arboard::Clipboard::new().expect("the clipboard");
    if role == "copy" {
        let text = std::env::var(PEER_TEXT).expect("the text to copy");
        clipboard.set_text(text).expect("copy");
    } else {
        match clipboard.get_text() {
            Ok(text) => print!("\u{1}{text}\u{1}"),
            Err(_) => print!("\u{1}\u{2}\u{1}"),
        }
    }
}

/// Start [`other_program`] as `role` and wait for it; answers its output.
fn run_other_program(role: &str, text: &str) -> String {
    let out = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([
            "--ignored",
            "--exact",
            "other_program",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PEER, role)
        .env(PEER_TEXT, text)
        .stdin(Stdio::null())
        .output()
        .expect("start the other program");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "the other program failed: {stdout}");
    stdout
}

/// Set inside the re-run under `xvfb-run`, so it never re-runs again.
const RERUN_MARKER: &str = "PATDESK_CLIPBOARD_TEST_RERUN";

/// `Some`: run the test body here, on this display, holding the clipboard. `None`: there was no display, so
/// the test was re-run alone under `xvfb-run -a` and passed there.
fn display(test: &str) -> Option<MutexGuard<'static, ()>> {
    let has_display = std::env::var("DISPLAY").is_ok_and(|d| !d.is_empty());
    if !has_display {
        if cfg!(windows) {
            panic!(
                "{test}: DISPLAY is not set. Under Wine run this target on an X display, e.g. \
                 `xvfb-run -a wine64 clipboard.exe`: Wine's clipboard is the X display's."
            );
        }
        assert!(
            std::env::var_os(RERUN_MARKER).is_none(),
            "{test}: re-run under xvfb-run, but DISPLAY is still not set"
        );
        rerun_under_xvfb(test);
        return None;
    }
    let available = cfg!(windows)
        || xclip()
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
    assert!(
        available,
        "xclip is not installed: it reads the clipboard from outside (apt-get install xclip)"
    );
    Some(ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner()))
}

fn rerun_under_xvfb(test: &str) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new("xvfb-run")
        .arg("-a")
        .arg(&exe)
        .args(["--exact", test, "--test-threads=1", "--nocapture"])
        .env(RERUN_MARKER, "1")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "DISPLAY is not set and xvfb-run could not be started ({e}): the clipboard tests need an X \
                 display. Run them as `xvfb-run -a cargo test -p patdesk-core --test clipboard` \
                 (apt-get install xvfb xclip)."
            )
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{test} failed under xvfb-run:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What another program sees on the clipboard (`None` when there is no text on it).
fn read_from_outside() -> Option<String> {
    if cfg!(windows) {
        let out = run_other_program("read", "");
        let inside = out
            .split('\u{1}')
            .nth(1)
            .expect("the other program's answer");
        return (inside != "\u{2}").then(|| inside.to_string());
    }
    let out = xclip()
        .args(["-o", "-selection", "clipboard"])
        .stderr(Stdio::null())
        .output()
        .expect("run xclip -o");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).expect("utf-8 clipboard text"))
}

/// Another program copying `text`: `xclip -quiet` stays in the foreground serving it, so we can end it by
/// its own PID afterwards.
struct OtherProgram(Option<Child>);

impl OtherProgram {
    fn copies(text: &str) -> Self {
        if cfg!(windows) {
            // The Windows clipboard keeps what a program set after it ends.
            run_other_program("copy", text);
            assert_eq!(read_from_outside().as_deref(), Some(text));
            return OtherProgram(None);
        }
        let mut child = xclip()
            .args(["-quiet", "-i", "-selection", "clipboard"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start xclip -i");
        let stdin = child.stdin.take();
        // From here on, dropping `other` ends xclip, also when an assertion below fails.
        let other = OtherProgram(Some(child));
        stdin
            .expect("xclip stdin")
            .write_all(text.as_bytes())
            .expect("write to xclip");
        // xclip takes the selection once its stdin is closed (dropped above); wait until it serves it.
        for _ in 0..200 {
            if read_from_outside().as_deref() == Some(text) {
                return other;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("xclip never took over the clipboard");
    }
}

impl Drop for OtherProgram {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn ticks() -> (
    impl Fn(ClipboardCountdown) + Send + 'static,
    Receiver<ClipboardCountdown>,
) {
    let (tx, rx) = mpsc::channel();
    (
        move |tick| {
            let _ = tx.send(tick);
        },
        rx,
    )
}

/// Every tick up to and including the last one (`secondsLeft == 0`).
fn until_last_tick(rx: &Receiver<ClipboardCountdown>) -> Vec<ClipboardCountdown> {
    let mut seen = Vec::new();
    loop {
        let tick = rx
            .recv_timeout(HANG_GUARD)
            .expect("the countdown never reached zero");
        seen.push(tick);
        if tick.seconds_left == 0 {
            return seen;
        }
    }
}

#[test]
fn copied_secret_is_readable_by_other_programs_then_cleared_at_zero() {
    let Some(_display) =
        display("copied_secret_is_readable_by_other_programs_then_cleared_at_zero")
    else {
        return;
    };
    let service = ClipboardService::new();
    let secret = Sensitive::from("pat-secret-1-a8f3k2m9q7");
    let (on_tick, rx) = ticks();

    service
        .copy_secret(&secret, Duration::from_secs(2), on_tick)
        .expect("copy");
    assert_eq!(
        read_from_outside().as_deref(),
        Some(secret.expose().as_str())
    );

    let seen = until_last_tick(&rx);
    assert_eq!(
        seen.first(),
        Some(&ClipboardCountdown {
            seconds_left: 2,
            cleared: false
        })
    );
    assert!(seen
        .windows(2)
        .all(|w| w[0].seconds_left > w[1].seconds_left));
    assert!(seen[..seen.len() - 1].iter().all(|t| !t.cleared));
    assert_eq!(
        seen.last(),
        Some(&ClipboardCountdown {
            seconds_left: 0,
            cleared: true
        })
    );
    let after = read_from_outside();
    assert_ne!(after.as_deref(), Some(secret.expose().as_str()));
    assert_eq!(after.unwrap_or_default(), "");
}

#[test]
fn text_another_program_copied_meanwhile_is_left_alone() {
    let Some(_display) = display("text_another_program_copied_meanwhile_is_left_alone") else {
        return;
    };
    let service = ClipboardService::new();
    let secret = Sensitive::from("pat-secret-2-zz91");
    let (on_tick, rx) = ticks();

    service
        .copy_secret(&secret, Duration::from_secs(2), on_tick)
        .expect("copy");
    assert_eq!(
        read_from_outside().as_deref(),
        Some(secret.expose().as_str())
    );

    let other = OtherProgram::copies("a shopping list, not a secret");
    let seen = until_last_tick(&rx);
    assert_eq!(seen.last().map(|t| t.seconds_left), Some(0));
    assert_eq!(
        read_from_outside().as_deref(),
        Some("a shopping list, not a secret")
    );
    // clear_now follows the same rule.
    assert!(!service.clear_now().expect("clear_now"));
    assert_eq!(
        read_from_outside().as_deref(),
        Some("a shopping list, not a secret")
    );
    drop(other);
}

#[test]
fn clear_now_removes_our_secret_and_ends_the_countdown() {
    let Some(_display) = display("clear_now_removes_our_secret_and_ends_the_countdown") else {
        return;
    };
    let service = ClipboardService::new();
    let secret = Sensitive::from("pat-secret-3-clear-now");
    let (on_tick, rx) = ticks();

    service
        .copy_secret(&secret, Duration::from_secs(600), on_tick)
        .expect("copy");
    assert_eq!(
        read_from_outside().as_deref(),
        Some(secret.expose().as_str())
    );

    assert!(service.clear_now().expect("clear_now"));
    let seen = until_last_tick(&rx);
    assert_eq!(
        seen.last(),
        Some(&ClipboardCountdown {
            seconds_left: 0,
            cleared: true
        })
    );
    assert_eq!(read_from_outside().unwrap_or_default(), "");
    // Nothing is running any more: a second clear is a no-op.
    assert!(!service.clear_now().expect("second clear_now"));
}

#[test]
fn a_new_copy_cancels_the_previous_countdown() {
    let Some(_display) = display("a_new_copy_cancels_the_previous_countdown") else {
        return;
    };
    let service = ClipboardService::new();
    let first = Sensitive::from("pat-secret-4-first");
    let second = Sensitive::from("pat-secret-4-second");
    let (first_tick, first_rx) = ticks();
    let (second_tick, second_rx) = ticks();

    service
        .copy_secret(&first, Duration::from_secs(600), first_tick)
        .expect("first copy");
    service
        .copy_secret(&second, Duration::from_secs(2), second_tick)
        .expect("second copy");
    assert_eq!(
        read_from_outside().as_deref(),
        Some(second.expose().as_str())
    );

    until_last_tick(&second_rx);
    assert_eq!(read_from_outside().unwrap_or_default(), "");
    // The first countdown got its opening tick and nothing after it was replaced.
    let first_ticks: Vec<_> = first_rx.try_iter().collect();
    assert_eq!(
        first_ticks,
        vec![ClipboardCountdown {
            seconds_left: 600,
            cleared: false
        }]
    );
}

#[test]
fn dropping_the_service_clears_our_secret() {
    let Some(_display) = display("dropping_the_service_clears_our_secret") else {
        return;
    };
    let secret = Sensitive::from("pat-secret-5-on-quit");
    let service = ClipboardService::new();
    service
        .copy_secret(&secret, Duration::from_secs(600), |_| {})
        .expect("copy");
    assert_eq!(
        read_from_outside().as_deref(),
        Some(secret.expose().as_str())
    );
    drop(service);
    assert_ne!(
        read_from_outside().as_deref(),
        Some(secret.expose().as_str())
    );
}

#[test]
fn plain_text_stays_on_the_clipboard_and_ends_a_secrets_countdown() {
    let Some(_display) = display("plain_text_stays_on_the_clipboard_and_ends_a_secrets_countdown")
    else {
        return;
    };
    let service = ClipboardService::new();
    let secret = Sensitive::from("pat-secret-3-q2w8e4r6t1");
    let (on_tick, rx) = ticks();
    service
        .copy_secret(&secret, Duration::from_secs(60), on_tick)
        .expect("copy the secret");
    assert_eq!(rx.recv_timeout(HANG_GUARD).unwrap().seconds_left, 60);

    let report = "PAT Desk 0.1.0 (linux x86_64)\nLast 2 line(s):\nlisted\nhttp\n";
    service.copy_text(report).expect("copy the report");
    assert_eq!(read_from_outside().as_deref(), Some(report));
    // The secret was overwritten: its countdown ends at once, as cleared.
    assert_eq!(
        until_last_tick(&rx).last(),
        Some(&ClipboardCountdown {
            seconds_left: 0,
            cleared: true
        })
    );
    // Clearing now leaves the report alone: it is not the secret.
    assert!(!service.clear_now().expect("clear"));
    assert_eq!(read_from_outside().as_deref(), Some(report));
}
