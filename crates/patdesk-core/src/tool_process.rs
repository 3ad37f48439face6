//! Running the tools PAT Desk hands tokens to (git, npm, pip, NuGet) as child processes, each with a deadline.
//!
//! A tool can hang: a credential helper waiting on a dialog nobody sees, Mono's `nuget` printing blank lines
//! forever without a terminal, a package manager stuck on a network share. So every child gets a deadline
//! ([`DEFAULT_DEADLINE`] unless the caller gives another); when it passes, the child is killed and the caller
//! answers with a plain sentence ([`timed_out`]). What the tool started goes with it, so a helper it ran (Git's
//! credential helper) does not live on: on Unix the child leads a process group of its own and the whole group
//! is killed; on Windows the child is put in a job object as soon as it is started, and the job (every process
//! in it, and those they start) is terminated. A process the child starts in the first instant, before it is in
//! the job, would escape; the tools start their helpers later.
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
    #[cfg(windows)]
    let job = windows_job::Job::holding(&child);
    #[cfg(windows)]
    let kill = |child: &mut std::process::Child| {
        if let Some(job) = &job {
            job.terminate();
        }
        kill(child)
    };
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

/// A Windows job object holding a child and every process it starts, so a deadline stops them all.
#[cfg(windows)]
mod windows_job {
    use std::os::windows::io::AsRawHandle;

    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, TerminateJobObject,
    };

    pub struct Job(HANDLE);

    impl Job {
        /// A new job with `child` in it; `None` when Windows refuses (the child alone is then killed).
        pub fn holding(child: &std::process::Child) -> Option<Job> {
            // SAFETY: a job without a name or security attributes; the handle is closed when the Job drops.
            let job = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
            if job.is_null() {
                return None;
            }
            let job = Job(job);
            // SAFETY: both handles are valid for the call (the Child owns its process handle).
            let assigned =
                unsafe { AssignProcessToJobObject(job.0, child.as_raw_handle() as HANDLE) };
            (assigned != 0).then_some(job)
        }

        /// Ends every process in the job.
        pub fn terminate(&self) {
            // SAFETY: the job handle is valid while self lives.
            unsafe {
                TerminateJobObject(self.0, 1);
            }
        }
    }

    impl Drop for Job {
        fn drop(&mut self) {
            // SAFETY: the handle came from CreateJobObjectW and is closed once. Closing it does not end the
            // processes in it (no kill-on-close): what the tool left running on purpose stays.
            unsafe {
                CloseHandle(self.0);
            }
        }
    }
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
        if let Err(s) = patdesk_test_support::wait_for_process_end(&pid, Duration::from_secs(5)) {
            panic!("the grandchild lives on: {s}");
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

#[cfg(all(test, windows))]
mod windows_tests {
    use super::*;

    use windows_sys::Win32::Foundation::{CloseHandle, WAIT_OBJECT_0};
    use windows_sys::Win32::System::Threading::{
        OpenProcess, WaitForSingleObject, PROCESS_SYNCHRONIZE,
    };

    /// Where the stand-in tool writes the process id of the helper it started.
    const PID_FILE: &str = "PATDESK_STAND_IN_PID_FILE";

    /// This test binary itself, running one of the ignored stand-ins below.
    fn stand_in(test: &str) -> Command {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", test, "--ignored", "--test-threads=1"]);
        cmd
    }

    #[test]
    #[ignore = "the stand-in tool that a_child_past_its_deadline_is_stopped_with_what_it_started runs"]
    fn stand_in_tool_that_starts_a_helper_and_hangs() {
        let Ok(pid_file) = std::env::var(PID_FILE) else {
            return;
        };
        let mut helper = stand_in("tool_process::windows_tests::stand_in_helper_that_hangs");
        let helper = helper.stdout(Stdio::null()).spawn().unwrap();
        std::fs::write(pid_file, helper.id().to_string()).unwrap();
        std::thread::sleep(Duration::from_secs(300));
    }

    #[test]
    #[ignore = "the helper that stand_in_tool_that_starts_a_helper_and_hangs starts"]
    fn stand_in_helper_that_hangs() {
        std::thread::sleep(Duration::from_secs(300));
    }

    #[test]
    fn a_child_past_its_deadline_is_stopped_with_what_it_started() {
        let dir = std::env::temp_dir().join(format!("patdesk-proc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let pid_file = dir.join("helper");
        let mut cmd =
            stand_in("tool_process::windows_tests::stand_in_tool_that_starts_a_helper_and_hangs");
        cmd.env(PID_FILE, &pid_file);
        // Long enough for the stand-in to start its helper, even under Wine.
        let failure = run(cmd, None, Duration::from_secs(15)).unwrap_err();
        assert!(matches!(failure, Failure::TimedOut), "{failure:?}");
        let pid: u32 = std::fs::read_to_string(&pid_file)
            .expect("the stand-in started its helper")
            .trim()
            .parse()
            .unwrap();
        // SAFETY: a handle to wait on the helper, closed below.
        let helper = unsafe { OpenProcess(PROCESS_SYNCHRONIZE, 0, pid) };
        if !helper.is_null() {
            // SAFETY: a valid process handle.
            let ended = unsafe { WaitForSingleObject(helper, 5_000) } == WAIT_OBJECT_0;
            unsafe { CloseHandle(helper) };
            assert!(ended, "the helper {pid} lives on");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
