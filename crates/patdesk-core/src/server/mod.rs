//! Azure DevOps Server and TFS 2017+ (on-premises), following `shared/contract/azure-devops-server.md`.
//!
//! The PAT Lifecycle API refuses anyone not signed in through Entra, so on-premises servers are managed through
//! the legacy `_apis/Token/SessionTokens` resource, signed in with Windows credentials (NTLM, or Negotiate
//! carrying NTLM) or with an existing PAT (Basic), which can list and revoke but not create.
//!
//! * [`address`]: what a person types (`https://tfs.contoso.local:8080/tfs/DefaultCollection`) → base URL and
//!   collection; recognises Services hosts.
//! * [`request`]: every request PAT Desk may send; the id-less `DELETE` cannot be built.
//! * [`transport`]: one kept-alive HTTP/1.1 connection per server, NTLM on it, TLS with the OS trust store,
//!   proxies.
//! * [`client`]: who signed in, collections, list/create/update/revoke mapped onto the token model.
//! * `handshake`: the client's side of a Windows sign-in, one interface for its two clients: `ntlm` (NTLM
//!   messages through `sspi`, pure Rust, from a typed user name and password) and, on Windows, `windows_sspi`
//!   (Windows' own SSPI as the person signed in to Windows: Negotiate, Kerberos or NTLM, no password).
//! * [`plain_http`]: `http://` to another computer only by the person's choice, and the `https://` offer.
//! * `proxy` (`HTTPS_PROXY`/`NO_PROXY`, `CONNECT`).

pub mod address;
pub mod client;
pub(crate) mod handshake;
pub(crate) mod ntlm;
pub mod plain_http;
pub mod proxy;
pub mod request;
pub mod transport;
#[cfg(windows)]
mod windows_sspi;

/// The Windows account PAT Desk can sign in as without a password ([`ServerCredential::CurrentWindowsUser`]):
/// the person signed in to Windows, as `CONTOSO\dana`. `None` off Windows, or when Windows does not say.
pub fn current_windows_account() -> Option<String> {
    #[cfg(windows)]
    {
        windows_sspi::current_account()
    }
    #[cfg(not(windows))]
    {
        None
    }
}

/// The lifespans a server's token page offers as presets (days); any date up to the server's maximum is
/// allowed too, and a longer one is clamped by the server (reported as `clamped_from`).
pub const SERVER_LIFESPAN_PRESETS: [u32; 5] = [30, 60, 90, 180, 365];

pub use address::{is_services_host, looks_like_server, read_sign_in_address, ServerAddress};
pub use client::{html_decode, ServerClient, ServerIdentity, ALL_COLLECTIONS};
pub use request::{AuthorizationId, ServerRequest, TokenHost};
pub use transport::{ServerCredential, TransportOptions};
