//! PAT Desk's core: everything that is not a window.
//!
//! The Tauri shell (`src-tauri/`) and the command-line tool (`patdesk-cli`) are thin layers over this crate.
//! It speaks the wire contract of `shared/contract/azure-devops-api.md` to Azure DevOps and Microsoft Entra ID
//! (or to `patdesk-sim`, which follows the same contract), and owns the token model, the scope catalogue,
//! the bulk-revoke engine, the clipboard service and the one error type that crosses IPC.

pub mod bulk;
pub mod client;
pub mod clipboard;
pub mod copies;
pub mod credentials;
pub mod diagnostics;
pub mod endpoints;
pub mod entra;
pub mod error;
pub mod export;
pub mod feed_address;
#[doc(hidden)]
pub mod fuzzing;
pub mod git_credential;
pub mod handoffs;
pub mod http;
pub mod lifecycle;
pub mod listing;
pub mod model;
pub mod npm;
pub mod nuget;
pub mod nuget_config;
pub mod pip;
pub mod private_file;
pub mod reminders;
pub mod replacement;
pub mod retirement;
pub mod scopes;
pub mod secret;
pub mod server;
pub mod session;
pub mod settings;
pub mod tool_config;
pub mod tool_process;
pub mod vault;
mod wire;

pub use error::{Error, ErrorCode};
pub use secret::Sensitive;
