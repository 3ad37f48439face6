//! One Windows sign-in handshake seen from the client: the tokens PAT Desk sends in
//! `Authorization: <scheme> <base64>`, each answering the server's last `WWW-Authenticate: <scheme> <base64>`.
//! The transport runs the exchange on its one kept-alive connection; who computes the tokens is behind this
//! interface: the pure-Rust NTLM client for a typed user name and password ([`super::ntlm`]), or Windows' own
//! SSPI for the person signed in to Windows (`windows_sspi`, Windows only).

use zeroize::Zeroizing;

use crate::error::Error;

/// The client's side of one handshake.
pub(crate) trait Handshake: Send {
    /// The first token: NTLM's NEGOTIATE message, or Negotiate's first (Kerberos or SPNEGO) token.
    fn first_token(&mut self) -> Result<Vec<u8>, Error>;

    /// The token answering the server's `challenge` (NTLM's AUTHENTICATE answering its CHALLENGE).
    fn next_token(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error>;
}

/// The base64 `Authorization` header value carrying `token` under `scheme`, in a buffer wiped when dropped.
pub(crate) fn authorization(scheme: &str, token: &[u8]) -> Zeroizing<String> {
    use base64::Engine;
    let mut header = Zeroizing::new(String::with_capacity(
        scheme.len() + 1 + token.len().div_ceil(3) * 4,
    ));
    header.push_str(scheme);
    header.push(' ');
    base64::engine::general_purpose::STANDARD.encode_string(token, &mut header);
    header
}
