//! Copying a freshly created PAT to the system clipboard without leaving it there.
//!
//! A secret on the clipboard is readable by every program and often ends up in clipboard histories and cloud
//! sync. [`ClipboardService`] therefore marks the content as secret (so history and sync skip it where the
//! platform supports that), shows a visible countdown (one tick a second) and, at zero, clears the clipboard
//! **only if it still holds what we copied**: text another program put there in the meantime is left alone.
//! The same rule applies to [`ClipboardService::clear_now`], which the shell also calls when the app quits.
//!
//! On X11 the clipboard content lives in the process that set it and disappears with the `arboard::Clipboard`
//! that holds it. So one **owner thread** holds the `Clipboard` for the service's lifetime, serves the
//! content, runs the countdown and does the clearing; callers talk to it through a channel.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorCode, Result};
use crate::http::RetryPolicy;
pub use crate::model::ClipboardCountdown;
use crate::secret::Sensitive;

/// Retries of one clipboard operation: three attempts, waiting the core's back-off (about ¼ s, then ½ s) in
/// between.
const CLIPBOARD_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay: Duration::from_millis(250),
    max_delay: Duration::from_secs(1),
};

/// How long a copied secret stays on the clipboard unless told otherwise.
pub const DEFAULT_CLEAR_AFTER: Duration = Duration::from_secs(30);

/// Environment variable (whole seconds) overriding [`DEFAULT_CLEAR_AFTER`]; the end-to-end tests use it.
pub const CLEAR_SECONDS_ENV: &str = "PATDESK_CLIPBOARD_CLEAR_SECONDS";

/// `PATDESK_CLIPBOARD_CLEAR_SECONDS` when it is set to a positive whole number: it wins over the person's
/// setting (`settings::Settings::clear_after`). Empty or anything else means no override.
pub fn clear_after_override() -> Option<Duration> {
    seconds_from(std::env::var(CLEAR_SECONDS_ENV).ok().as_deref())
}

fn seconds_from(seconds: Option<&str>) -> Option<Duration> {
    seconds
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
}

#[cfg(test)]
fn clear_after_from(seconds: Option<&str>) -> Duration {
    seconds_from(seconds).unwrap_or(DEFAULT_CLEAR_AFTER)
}

type Tick = Box<dyn Fn(ClipboardCountdown) + Send + 'static>;

enum Request {
    Copy {
        secret: Sensitive<String>,
        clear_after: Duration,
        on_tick: Tick,
        reply: Sender<Result<()>>,
    },
    ClearNow {
        reply: Sender<Result<bool>>,
    },
    CopyText {
        text: String,
        reply: Sender<Result<()>>,
    },
    Shutdown,
}

/// The clipboard, as PAT Desk uses it: copy a secret with a countdown, clear it if it is still ours.
pub struct ClipboardService {
    requests: Mutex<Sender<Request>>,
    owner: Mutex<Option<JoinHandle<()>>>,
}

impl Default for ClipboardService {
    fn default() -> Self {
        Self::new()
    }
}

impl ClipboardService {
    /// Start the owner thread. The system clipboard itself is opened on the first copy, so creating the
    /// service never fails (a machine without a clipboard reports `clipboardUnavailable` on copy).
    pub fn new() -> Self {
        let (tx, rx) = mpsc::channel();
        let owner = std::thread::Builder::new()
            .name("patdesk-clipboard".into())
            .spawn(move || OwnerThread::default().run(rx))
            .expect("spawn the clipboard owner thread");
        ClipboardService {
            requests: Mutex::new(tx),
            owner: Mutex::new(Some(owner)),
        }
    }

    /// Put `secret` on the clipboard, marked as secret, and clear it after `clear_after` if it is still
    /// there. `on_tick` is called right away with the full count, then once a second, and a last time with
    /// `seconds_left == 0`; `cleared` is then `true` when the secret is no longer on the clipboard (we
    /// removed it, or another program had replaced it) and `false` when clearing failed. A new copy
    /// cancels the previous countdown without a last tick (its own first tick follows at once).
    pub fn copy_secret(
        &self,
        secret: &Sensitive<String>,
        clear_after: Duration,
        on_tick: impl Fn(ClipboardCountdown) + Send + 'static,
    ) -> Result<()> {
        let (reply, answer) = mpsc::channel();
        self.send(Request::Copy {
            secret: secret.clone(),
            clear_after,
            on_tick: Box::new(on_tick),
            reply,
        })?;
        answer.recv().map_err(|_| owner_gone())?
    }

    /// Put text that is not secret on the clipboard (the diagnostics report): not marked secret and never
    /// cleared. It replaces a copied secret, whose countdown then ends with its last tick (`cleared`).
    pub fn copy_text(&self, text: &str) -> Result<()> {
        let (reply, answer) = mpsc::channel();
        self.send(Request::CopyText {
            text: text.to_string(),
            reply,
        })?;
        answer.recv().map_err(|_| owner_gone())?
    }

    /// Stop the countdown and clear the clipboard now, if it still holds what we copied. Returns whether
    /// something was cleared. Without a copy in progress this does nothing.
    pub fn clear_now(&self) -> Result<bool> {
        let (reply, answer) = mpsc::channel();
        self.send(Request::ClearNow { reply })?;
        answer.recv().map_err(|_| owner_gone())?
    }

    fn send(&self, request: Request) -> Result<()> {
        self.requests
            .lock()
            .map_err(|_| owner_gone())?
            .send(request)
            .map_err(|_| owner_gone())
    }
}

impl Drop for ClipboardService {
    fn drop(&mut self) {
        if let Ok(tx) = self.requests.lock() {
            let _ = tx.send(Request::Shutdown);
        }
        if let Some(owner) = self.owner.lock().ok().and_then(|mut o| o.take()) {
            let _ = owner.join();
        }
    }
}

fn owner_gone() -> Error {
    unavailable("the clipboard owner thread stopped")
}

fn unavailable(raw: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::ClipboardUnavailable,
        "PAT Desk could not use the clipboard. Reveal the token and copy it by hand.",
    )
    .with_raw(raw.to_string())
}

/// The copy whose countdown is running.
struct Countdown {
    secret: Sensitive<String>,
    on_tick: Tick,
    deadline: Instant,
    next_tick: Instant,
}

impl Countdown {
    fn seconds_left(&self, now: Instant) -> u32 {
        let left = self.deadline.saturating_duration_since(now);
        // Round up: 29.4 s left shows as 30 until the next tick.
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        u32::try_from(secs).unwrap_or(u32::MAX)
    }
}

#[derive(Default)]
struct OwnerThread {
    clipboard: Option<arboard::Clipboard>,
    countdown: Option<Countdown>,
}

impl OwnerThread {
    fn run(mut self, requests: Receiver<Request>) {
        loop {
            let request = match self.countdown.as_ref().map(|c| c.next_tick.min(c.deadline)) {
                Some(wake) => {
                    match requests.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                        Ok(request) => Some(request),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => Some(Request::Shutdown),
                    }
                }
                None => Some(requests.recv().unwrap_or(Request::Shutdown)),
            };
            match request {
                None => self.tick(),
                Some(Request::Copy {
                    secret,
                    clear_after,
                    on_tick,
                    reply,
                }) => {
                    let _ = reply.send(self.copy(secret, clear_after, on_tick));
                }
                Some(Request::ClearNow { reply }) => {
                    let _ = reply.send(self.finish());
                }
                Some(Request::CopyText { text, reply }) => {
                    let _ = reply.send(self.copy_text(&text));
                }
                Some(Request::Shutdown) => {
                    let _ = self.finish();
                    // Dropping the `Clipboard` here is what ends X11 ownership; by now our secret is gone.
                    return;
                }
            }
        }
    }

    fn clipboard(&mut self) -> Result<&mut arboard::Clipboard> {
        if self.clipboard.is_none() {
            self.clipboard = Some(arboard::Clipboard::new().map_err(unavailable)?);
        }
        Ok(self.clipboard.as_mut().expect("just opened"))
    }

    fn copy(
        &mut self,
        secret: Sensitive<String>,
        clear_after: Duration,
        on_tick: Tick,
    ) -> Result<()> {
        // A new copy replaces the previous one: its countdown simply stops (the content is overwritten).
        self.countdown = None;
        self.with_retries(|clipboard| set_secret_text(clipboard, &secret))?;
        let now = Instant::now();
        let countdown = Countdown {
            secret,
            on_tick,
            deadline: now + clear_after,
            next_tick: now + Duration::from_secs(1),
        };
        (countdown.on_tick)(ClipboardCountdown {
            seconds_left: countdown.seconds_left(now),
            cleared: false,
        });
        self.countdown = Some(countdown);
        Ok(())
    }

    fn copy_text(&mut self, text: &str) -> Result<()> {
        self.with_retries(|clipboard| clipboard.set_text(text))?;
        if let Some(countdown) = self.countdown.take() {
            (countdown.on_tick)(ClipboardCountdown {
                seconds_left: 0,
                cleared: true,
            });
        }
        Ok(())
    }

    fn tick(&mut self) {
        let now = Instant::now();
        let Some(countdown) = self.countdown.as_mut() else {
            return;
        };
        if now >= countdown.deadline {
            let _ = self.finish();
            return;
        }
        countdown.next_tick += Duration::from_secs(1);
        let seconds_left = countdown.seconds_left(now);
        (countdown.on_tick)(ClipboardCountdown {
            seconds_left,
            cleared: false,
        });
    }

    /// End the running countdown: clear the clipboard if it still holds our secret, and send the last tick.
    fn finish(&mut self) -> Result<bool> {
        let Some(countdown) = self.countdown.take() else {
            return Ok(false);
        };
        let outcome = self.clear_if_ours(&countdown.secret);
        (countdown.on_tick)(ClipboardCountdown {
            seconds_left: 0,
            cleared: outcome.is_ok(),
        });
        outcome
    }

    fn clear_if_ours(&mut self, secret: &Sensitive<String>) -> Result<bool> {
        // Empty or non-text content is not ours: `get_text` reports it as "not available" or "conversion
        // failure", which is an answer. Any other failure (a busy X server that did not answer in time)
        // is not an answer, so it is retried rather than mistaken for "someone else's text" — which would
        // leave our secret on the clipboard.
        let current = self.with_retries(|clipboard| match clipboard.get_text() {
            Ok(text) => Ok(Some(Sensitive::new(text))),
            Err(arboard::Error::ContentNotAvailable | arboard::Error::ConversionFailure) => {
                Ok(None)
            }
            Err(e) => Err(e),
        })?;
        if current.as_ref() != Some(secret) {
            return Ok(false);
        }
        self.with_retries(|clipboard| clipboard.clear())?;
        Ok(true)
    }

    /// Runs one clipboard operation, opening a fresh connection and trying again when it fails: on a busy
    /// machine the X server may not answer within arboard's time limit, and a broken connection never
    /// recovers by itself.
    fn with_retries<T>(
        &mut self,
        mut operation: impl FnMut(&mut arboard::Clipboard) -> std::result::Result<T, arboard::Error>,
    ) -> Result<T> {
        let mut attempt = 1;
        loop {
            match operation(self.clipboard()?) {
                Ok(value) => return Ok(value),
                Err(e) if attempt >= CLIPBOARD_RETRY.max_attempts => {
                    self.clipboard = None;
                    return Err(unavailable(e));
                }
                Err(_) => {
                    self.clipboard = None;
                    std::thread::sleep(CLIPBOARD_RETRY.backoff(attempt));
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(target_os = "linux")]
fn set_secret_text(
    clipboard: &mut arboard::Clipboard,
    secret: &Sensitive<String>,
) -> std::result::Result<(), arboard::Error> {
    use arboard::SetExtLinux;
    // No `.wait()`: this thread keeps the `Clipboard` alive and serves the content until we clear it.
    clipboard
        .set()
        .exclude_from_history()
        .text(secret.expose().as_str())
}

#[cfg(target_os = "windows")]
fn set_secret_text(
    clipboard: &mut arboard::Clipboard,
    secret: &Sensitive<String>,
) -> std::result::Result<(), arboard::Error> {
    use arboard::SetExtWindows;
    clipboard
        .set()
        .exclude_from_history()
        .exclude_from_cloud()
        .exclude_from_monitoring()
        .text(secret.expose().as_str())
}

#[cfg(target_os = "macos")]
fn set_secret_text(
    clipboard: &mut arboard::Clipboard,
    secret: &Sensitive<String>,
) -> std::result::Result<(), arboard::Error> {
    use arboard::SetExtApple;
    clipboard
        .set()
        .exclude_from_history()
        .text(secret.expose().as_str())
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn set_secret_text(
    clipboard: &mut arboard::Clipboard,
    secret: &Sensitive<String>,
) -> std::result::Result<(), arboard::Error> {
    clipboard.set_text(secret.expose().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_serializes_in_camel_case() {
        let tick = ClipboardCountdown {
            seconds_left: 12,
            cleared: false,
        };
        assert_eq!(
            serde_json::to_value(tick).unwrap(),
            serde_json::json!({"secondsLeft": 12, "cleared": false})
        );
    }

    #[test]
    fn clear_after_setting() {
        assert_eq!(clear_after_from(None), DEFAULT_CLEAR_AFTER);
        assert_eq!(clear_after_from(Some(" 4 ")), Duration::from_secs(4));
        assert_eq!(clear_after_from(Some("0")), DEFAULT_CLEAR_AFTER);
        assert_eq!(clear_after_from(Some("soon")), DEFAULT_CLEAR_AFTER);
    }

    #[test]
    fn seconds_left_rounds_up() {
        let now = Instant::now();
        let c = Countdown {
            secret: Sensitive::from("x"),
            on_tick: Box::new(|_| {}),
            deadline: now + Duration::from_millis(29_400),
            next_tick: now,
        };
        assert_eq!(c.seconds_left(now), 30);
        assert_eq!(c.seconds_left(now + Duration::from_millis(400)), 29);
        assert_eq!(c.seconds_left(now + Duration::from_secs(60)), 0);
    }
}
