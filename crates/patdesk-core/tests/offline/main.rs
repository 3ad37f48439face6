//! The core's parts that need no server, one module per area: the bulk-revoke engine against a scripted
//! in-memory revoker on tokio's paused clock (`bulk`), handing a PAT to Git's own credential helper
//! (`git_credential`), the fuzz targets' seeds and kept crashes (`fuzz_regressions`), the settings file (`settings`), a deadline for every tool a hand-off runs (`tool_deadlines`), and the small pieces: secrets, the pinned error JSON, lifespans, organization input,
//! endpoint validation and the scope catalogue (`units`).
//!
//! They are one test binary rather than one per file because linking each binary is a large part of
//! `make test`; `cargo test -p patdesk-core --test offline bulk::` runs one area.

mod bulk;
mod fuzz_regressions;
mod git_credential;
mod settings;
mod tool_deadlines;
mod units;
