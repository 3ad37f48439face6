//! The IPC commands of `docs/ipc.md`, one file per area of the window. Each command parses its input,
//! calls `patdesk-core` and returns its result or a `patdesk_core::Error` (`{code, message}` on the wire).

pub mod about;
pub mod clipboard;
pub mod export;
pub mod handoff;
pub mod replace;
pub mod saved;
pub mod server;
pub mod session;
pub mod settings;
pub mod tokens;
pub mod zoom;
