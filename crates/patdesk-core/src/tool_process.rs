//! Running the tools PAT Desk hands tokens to (git, npm, pip, NuGet) as child processes, each with a deadline.
//!
//! A tool can hang: a credential helper waiting on a dialog nobody sees, Mono's `nuget` printing blank lines
//! forever without a terminal, a package manager stuck on a network share. So every child gets a deadline
//! ([`DEFAULT_DEADLINE`] unless the caller gives another); when it passes, the child is killed and the caller
//! answers with a plain sentence ([`timed_out`]). On Unix the child leads a process group of its own and the
//! whole group is killed, so a helper the tool started (Git's credential helper) does not live on.
//!
//! A secret only ever reaches a child on its standard input ([`run`]'s `input`), never in its arguments. The
//! output is kept to 64 KiB per stream, in buffers wiped when dropped (pip prints its configuration, which may
//! hold a token).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode};

/// How long a tool may take unless its caller says otherwise.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// How much of each output stream is kept.
const OUTPUT_CAP: usize = 64 * 1024;

/// A child that ran to its end.
#[derive(Debug)]
pub struct Finished {
    pub success: bool,
    /// The exit code (none when a signal ended it).
    pub code: Option<i32>,
    pub stdout: Zeroizing<String>,
    pub stderr: Zeroizing<String>,
}

/// Why a child did not run to its end. Each tool turns it into its own sentence.
#[derive(Debug)]
pub enum Failure {
    /// The program could not be started (not installed, not on `PATH`).
    NotFound,
    /// The deadline passed; the child (and its process group) was killed.
    TimedOut,
    /// Waiting for the child failed.
    Other(std::io::Error),
}

/// Run `cmd` with `input` on its standard input (closed at once when there is none), collect its output and
/// stop it at `deadline`.
pub fn run(
    mut cmd: Command,
    input: Option<&[u8]>,
    deadline: Duration,
) -> Result<Finished, Failure> {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let end = Instant::now() + deadline;
    let mut child = cmd.spawn().map_err(|_| Failure::NotFound)?;
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        // On a thread: a child that does not read must not hold PAT Desk past the deadline.
        let input = Zeroizing::new(input.to_vec());
        std::thread::spawn(move || {
            // A child that exits early closes the pipe; its exit status tells the story.
            let _ = stdin.write_all(&input);
        });
    }
    let stdout = collect(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = collect(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= end => {
                kill(&mut child);
                return Err(Failure::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                kill(&mut child);
                return Err(Failure::Other(e));
            }
        }
    };
    // A process the tool left behind may still hold the pipes open: wait for the output only until the
    // deadline (and at least a moment), then go on without it.
    let wait = end
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(200));
    let until = Instant::now() + wait;
    let take = |rx: mpsc::Receiver<Zeroizing<String>>| {
        rx.recv_timeout(until.saturating_duration_since(Instant::now()))
            .unwrap_or_default()
    };
    Ok(Finished {
        success: status.success(),
        code: status.code(),
        stdout: take(stdout),
        stderr: take(stderr),
    })
}

/// Read a pipe to its end on a thread, keeping the first [`OUTPUT_CAP`] bytes.
fn collect(pipe: Option<Box<dyn Read + Send>>) -> mpsc::Receiver<Zeroizing<String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Zeroizing::new(Vec::with_capacity(8192));
        if let Some(mut pipe) = pipe {
            let mut buf = Zeroizing::new([0u8; 8192]);
            while let Ok(n) = pipe.read(&mut buf[..]) {
                if n == 0 {
                    break;
                }
                let room = OUTPUT_CAP.saturating_sub(kept.len()).min(n);
                if room > 0 {
                    if kept.len() + room > kept.capacity() {
                        // Grow to the cap at once: no half-filled copy is left behind by a reallocation.
                        let mut bigger = Zeroizing::new(Vec::with_capacity(OUTPUT_CAP));
                        bigger.extend_from_slice(&kept);
                        kept = bigger;
                    }
                    kept.extend_from_slice(&buf[..room]);
                }
            }
        }
        let text = Zeroizing::new(String::from_utf8_lossy(&kept).into_owned());
        let _ = tx.send(text);
    });
    rx
}

/// Kill the child (on Unix its whole process group) and reap it.
fn kill(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads (process_group(0)).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The sentence for a tool that did not finish in time: what happened, then `next_step`.
pub fn timed_out(tool: &str, deadline: Duration, next_step: &str) -> Error {
    let secs = deadline.as_secs().max(1);
    let unit = if secs == 1 { "second" } else { "seconds" };
    Error::new(
        ErrorCode::Timeout,
        format!("{tool} did not finish within {secs} {unit}, so PAT Desk stopped it. {next_step}"),
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn input_reaches_the_child_on_stdin_and_output_comes_back() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "read line; echo \"got $line\"; echo oops >&2; exit 3"]);
        let done = run(cmd, Some(b"hello\n"), Duration::from_secs(20)).unwrap();
        assert!(!done.success);
        assert_eq!(done.code, Some(3));
        assert_eq!(done.stdout.trim(), "got hello");
        assert_eq!(done.stderr.trim(), "oops");
    }

    #[test]
    fn a_child_past_its_deadline_is_killed_with_what_it_started() {
        let dir = std::env::temp_dir().join(format!("patdesk-proc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let pid_file = dir.join("grandchild");
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(format!(
            "sleep 300 & echo $! > '{}'; wait",
            pid_file.display()
        ));
        let started = Instant::now();
        let failure = run(cmd, None, Duration::from_millis(500)).unwrap_err();
        assert!(matches!(failure, Failure::TimedOut), "{failure:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        // Gone, or a zombie waiting for whoever reaps orphans here.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match std::fs::read_to_string(&stat) {
                Err(_) => break,
                Ok(s)
                    if s.rsplit(')')
                        .next()
                        .is_some_and(|r| r.trim_start().starts_with('Z')) =>
                {
                    break
                }
                Ok(s) if Instant::now() > deadline => panic!("the grandchild lives on: {s}"),
                Ok(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_missing_program_is_not_found() {
        let failure = run(
            Command::new("patdesk-no-such-program"),
            None,
            DEFAULT_DEADLINE,
        )
        .unwrap_err();
        assert!(matches!(failure, Failure::NotFound));
        let error = timed_out("npm", Duration::from_secs(60), "Try again.");
        assert_eq!(
            error.message,
            "npm did not finish within 60 seconds, so PAT Desk stopped it. Try again."
        );
    }
}
