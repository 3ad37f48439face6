//! What both CLI suites (`cli.rs` for Azure DevOps Services, `server.rs` for Azure DevOps Server) need to read
//! the binary's outcome.

use std::process::Output;

/// The built `patdesk-cli`.
pub const BIN: &str = env!("CARGO_BIN_EXE_patdesk-cli");

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The run succeeded; otherwise the failure shows the exit code and both outputs.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}
