//! The core against the simulator over real loopback HTTP, one module per area: every Azure DevOps operation
//! of the client (`api`), error mapping, retries and the never-twice create under injected faults (`faults`),
//! bulk revoke checked in the simulator's own state (`bulk_sim`), Edit, Extend and Regenerate (`lifecycle`),
//! replacing a global PAT (`replacement`), device-code sign-in and the refresh chain (`signin`), the browser
//! sign-in with its loopback redirect (`signin_loopback`), and bulk revoke and listing kept under a rate limit
//! the server announces, with no `429` (`pacing`), and Azure DevOps Server: Windows sign-in on one connection,
//! paging, every error row, the id-less DELETE never sent (`server`).
//!
//! They are one test binary rather than one per file because linking each binary is a large part of
//! `make test`; `cargo test -p patdesk-core --test service api::` runs one area.

mod common;

mod api;
mod bulk_sim;
mod faults;
mod handoffs;
mod lifecycle;
mod pacing;
mod plain_http;
mod replacement;
mod server;
mod signin;
mod signin_loopback;
mod tls;
