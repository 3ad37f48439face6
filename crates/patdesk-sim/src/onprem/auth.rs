//! IIS in front of the simulated server: who is calling. Windows sign-in is NTLM over HTTP (contract §4): the
//! state of a handshake and the account it signed in belong to the TCP connection ([`ConnectionAuth`]), so a
//! new connection must sign in again and a signed-in connection needs no header. The acceptor is `sspi`'s real
//! NTLM server; after the last message it **must** run `complete_auth_token` and check it, because
//! `accept_security_context` answers `CompleteNeeded` even for a wrong password (§5, the trap). And
//! `complete_auth_token` only checks the message's MIC, which a client may leave out (Samba's `ntlm_auth`,
//! behind Wine's Windows SSPI, does): so the NTLMv2 proof itself is checked here too ([`ntlm_v2_proof_matches`]).
//! Basic with a PAT (`:token`) signs in as the token's owner, marked so that Create refuses it (§4).

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use base64::Engine;
use sspi::{
    AuthIdentity, BufferType, CredentialUse, DataRepresentation, Ntlm, SecurityBuffer,
    SecurityStatus, ServerRequestFlags, Sspi, SspiEx, SspiImpl, Username,
};

use crate::router::Ctx;
use crate::server::Shared;
use crate::state::secret_digest;

use super::world::WindowsAuth;

/// The TF400813 text TFS sends with every anonymous refusal, as it writes it in `X-TFS-ServiceError`.
pub const TF400813: &str =
    "TF400813: Resource not available for anonymous access. Client authentication required.";

/// The sign-in state of one TCP connection.
#[derive(Default)]
pub struct ConnectionAuth {
    /// A handshake in progress: the acceptor, waiting for the AUTHENTICATE message.
    pending: Option<Pending>,
    /// The account this connection signed in as (NTLM).
    signed_in: Option<String>,
}

struct Pending {
    ntlm: Ntlm,
    creds: Option<sspi::AuthIdentityBuffers>,
    scheme: &'static str,
    /// The server challenge of the CHALLENGE message sent.
    server_challenge: [u8; 8],
}

impl std::fmt::Debug for ConnectionAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionAuth")
            .field("pending", &self.pending.is_some())
            .field("signed_in", &self.signed_in)
            .finish()
    }
}

/// Who a request is from.
#[derive(Debug, Clone)]
pub struct Caller {
    pub login: String,
    /// Signed in with a PAT (Basic): an "alternate credential" that cannot create tokens.
    pub with_pat: bool,
}

/// Decides who is calling, or answers the request with a `401` (a challenge list or the next NTLM message).
pub fn authenticate(
    shared: &Shared,
    conn: &std::sync::Mutex<ConnectionAuth>,
    ctx: &Ctx,
) -> Result<Caller, Response<Body>> {
    let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
    let header = ctx.header("authorization").map(str::trim);
    let Some(header) = header.filter(|h| !h.is_empty()) else {
        // A connection that signed in stays signed in (IIS `authPersistSingleRequest=false`).
        return match &conn.signed_in {
            Some(login) if shared.lock().server.user(login).is_some() => Ok(Caller {
                login: login.clone(),
                with_pat: false,
            }),
            _ => Err(challenge(shared, None)),
        };
    };
    let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
    let value = value.trim();
    let switches = shared.lock().server.switches.clone();
    if scheme.eq_ignore_ascii_case("basic") {
        return basic(shared, value).ok_or_else(|| challenge(shared, None));
    }
    let scheme: &'static str = if scheme.eq_ignore_ascii_case("ntlm") {
        "NTLM"
    } else if scheme.eq_ignore_ascii_case("negotiate") {
        "Negotiate"
    } else {
        return Err(challenge(shared, None));
    };
    let offered = match switches.windows_auth {
        WindowsAuth::NegotiateAndNtlm => true,
        WindowsAuth::NtlmOnly => scheme == "NTLM",
        WindowsAuth::NegotiateOnly | WindowsAuth::KerberosOnly => scheme == "Negotiate",
    };
    let Ok(token) = base64::engine::general_purpose::STANDARD.decode(value) else {
        return Err(challenge(shared, None));
    };
    // Raw NTLM messages start with the signature; inside Negotiate, Windows accepts them as well. Anything
    // else (a SPNEGO or Kerberos token) is Kerberos, which this simulator does not speak.
    let is_ntlm = token.starts_with(b"NTLMSSP\0") && token.len() >= 12;
    let kerberos_only = switches.windows_auth == WindowsAuth::KerberosOnly;
    if !offered || !is_ntlm || kerberos_only {
        conn.pending = None;
        return Err(challenge(shared, None));
    }
    let message_type = u32::from_le_bytes([token[8], token[9], token[10], token[11]]);
    match message_type {
        1 => {
            conn.signed_in = None;
            let mut pending = Pending {
                ntlm: Ntlm::new(),
                creds: None,
                scheme,
                server_challenge: [0; 8],
            };
            // The server's own credentials are only a placeholder: the account's password is set once the
            // AUTHENTICATE message has named the account.
            let placeholder = AuthIdentity {
                username: Username::parse("placeholder").map_err(|_| challenge(shared, None))?,
                password: uuid::Uuid::new_v4().to_string().into(),
            };
            let acquired = pending
                .ntlm
                .acquire_credentials_handle()
                .with_credential_use(CredentialUse::Inbound)
                .with_auth_data(&placeholder)
                .execute(&mut pending.ntlm);
            let Ok(acquired) = acquired else {
                return Err(challenge(shared, None));
            };
            pending.creds = acquired.credentials_handle;
            match accept(&mut pending, token) {
                Ok((_, out)) if out.len() >= 32 => {
                    pending.server_challenge.copy_from_slice(&out[24..32]);
                    let answer = next_message(shared, scheme, &out);
                    conn.pending = Some(pending);
                    Err(answer)
                }
                _ => Err(challenge(shared, None)),
            }
        }
        3 => {
            let Some(mut pending) = conn.pending.take() else {
                return Err(challenge(shared, None));
            };
            if pending.scheme != scheme {
                return Err(challenge(shared, None));
            }
            let refused = |shared: &Shared, locked: bool| {
                shared.lock().server.failed_handshakes += 1;
                Err(challenge(shared, Some(locked)))
            };
            let authenticate = token.clone();
            let Ok((status, _)) = accept(&mut pending, token) else {
                return refused(shared, false);
            };
            if !matches!(
                status,
                SecurityStatus::CompleteNeeded | SecurityStatus::CompleteAndContinue
            ) {
                return refused(shared, false);
            }
            let Ok(names) = pending.ntlm.query_context_names() else {
                return refused(shared, false);
            };
            let wire = names.username.inner().to_string();
            let (account, domain) = match wire.split_once('\\') {
                Some((d, a)) => (a.to_string(), Some(d.to_string())),
                None => (wire.clone(), None),
            };
            let user = {
                let st = shared.lock();
                st.server
                    .users
                    .iter()
                    .find(|u| u.matches(&account, domain.as_deref()))
                    .cloned()
            };
            let Some(user) = user else {
                return refused(shared, false);
            };
            // The candidate: the account's real password. `complete_auth_token` checks the client's proof
            // against it; its result decides.
            let Ok(username) = Username::parse(&wire) else {
                return refused(shared, false);
            };
            let candidate = AuthIdentity {
                username,
                password: user.password.clone().into(),
            };
            if pending
                .ntlm
                .custom_set_auth_identities(vec![candidate])
                .is_err()
            {
                return refused(shared, false);
            }
            let mut none: [SecurityBuffer; 0] = [];
            let completed = pending.ntlm.complete_auth_token(&mut none);
            if !matches!(completed, Ok(SecurityStatus::Ok))
                || !ntlm_v2_proof_matches(&pending.server_challenge, &authenticate, &user.password)
            {
                return refused(shared, false);
            }
            if user.locked {
                return refused(shared, true);
            }
            shared.lock().server.handshakes += 1;
            conn.signed_in = Some(user.login.clone());
            Ok(Caller {
                login: user.login,
                with_pat: false,
            })
        }
        _ => Err(challenge(shared, None)),
    }
}

/// Whether the AUTHENTICATE message's NTLMv2 response proves the password (MS-NLMP 3.3.2): its first 16 bytes
/// are `HMAC-MD5(NTOWFv2, server challenge ‖ the rest)`, `NTOWFv2 = HMAC-MD5(MD4(password), UPPER(user) ‖
/// domain)` with the user and domain of the message. An NTLMv1 response (24 bytes) is refused.
pub(crate) fn ntlm_v2_proof_matches(
    server_challenge: &[u8; 8],
    authenticate: &[u8],
    password: &str,
) -> bool {
    use hmac::{KeyInit, Mac};
    use md4::Digest;
    type HmacMd5 = hmac::Hmac<md5::Md5>;
    let field = |at: usize| -> Option<&[u8]> {
        let len = u16::from_le_bytes(authenticate.get(at..at + 2)?.try_into().ok()?) as usize;
        let offset =
            u32::from_le_bytes(authenticate.get(at + 4..at + 8)?.try_into().ok()?) as usize;
        authenticate.get(offset..offset.checked_add(len)?)
    };
    let utf16 = |bytes: &[u8]| -> String {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    let le16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let (Some(nt), Some(domain), Some(user)) = (field(20), field(28), field(36)) else {
        return false;
    };
    if nt.len() <= 24 {
        return false;
    }
    let (proof, blob) = nt.split_at(16);
    let hmac = |key: &[u8], parts: &[&[u8]]| -> Vec<u8> {
        let mut mac = <HmacMd5 as KeyInit>::new_from_slice(key).expect("any key length");
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    };
    let nt_hash = md4::Md4::digest(le16(password));
    let identity = le16(&format!("{}{}", utf16(user).to_uppercase(), utf16(domain)));
    let ntowf_v2 = hmac(&nt_hash, &[&identity]);
    hmac(&ntowf_v2, &[server_challenge, blob]) == proof
}

fn accept(pending: &mut Pending, token: Vec<u8>) -> Result<(SecurityStatus, Vec<u8>), sspi::Error> {
    let mut input = [SecurityBuffer::new(token, BufferType::Token)];
    let mut output = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let builder = pending
        .ntlm
        .accept_security_context()
        .with_credentials_handle(&mut pending.creds)
        .with_context_requirements(ServerRequestFlags::empty())
        .with_target_data_representation(DataRepresentation::Native)
        .with_input(&mut input)
        .with_output(&mut output);
    let result = pending
        .ntlm
        .accept_security_context_impl(builder)?
        .resolve_to_result()?;
    Ok((result.status, std::mem::take(&mut output[0].buffer)))
}

/// Basic with a PAT: the password is the token (any user name).
fn basic(shared: &Shared, value: &str) -> Option<Caller> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (_, secret) = decoded.split_once(':')?;
    let st = shared.lock();
    if !st.server.switches.basic_pat {
        return None;
    }
    let digest = secret_digest(secret);
    let now = st.now();
    st.server
        .tokens
        .iter()
        .find(|t| t.secret_sha256 == Some(digest) && t.is_valid(now))
        .map(|t| Caller {
            login: t.owner.clone(),
            with_pat: true,
        })
}

fn tfs_headers(r: &mut Response<Body>) {
    let h = r.headers_mut();
    h.insert(
        "x-tfs-processid",
        HeaderValue::from_static("6c3d2a1b-0e9f-4a8b-9c7d-5e4f3a2b1c0d"),
    );
    // TFS writes the text form-encoded.
    let encoded: String = url::form_urlencoded::byte_serialize(TF400813.as_bytes()).collect();
    if let Ok(v) = HeaderValue::from_str(&encoded) {
        h.insert("x-tfs-serviceerror", v);
    }
}

/// The `401` of an unauthenticated request: TFS's own schemes (Bearer, Basic) and the Windows schemes IIS
/// offers. `refused`: the end of a failed handshake (`Some(true)`: the account is locked out).
fn challenge(shared: &Shared, refused: Option<bool>) -> Response<Body> {
    let switches = shared.lock().server.switches.clone();
    let body = match refused {
        Some(true) => "<html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1><p>The referenced account is currently locked out and may not be logged on to.</p></body></html>",
        _ => "<html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1><p>You do not have permission to view this directory or page using the credentials that you supplied.</p></body></html>",
    };
    let mut r = crate::wire::html(StatusCode::UNAUTHORIZED, body.to_string());
    let mut schemes: Vec<String> = vec!["Bearer".into()];
    if switches.basic_pat {
        schemes.push(format!("Basic realm=\"{}/tfs\"", shared.base_url));
    }
    let windows: &[&str] = match (switches.windows_auth, switches.ntlm_first) {
        (WindowsAuth::NegotiateAndNtlm, false) => &["Negotiate", "NTLM"],
        (WindowsAuth::NegotiateAndNtlm, true) => &["NTLM", "Negotiate"],
        (WindowsAuth::NtlmOnly, _) => &["NTLM"],
        (WindowsAuth::NegotiateOnly | WindowsAuth::KerberosOnly, _) => &["Negotiate"],
    };
    schemes.extend(windows.iter().map(|s| s.to_string()));
    for s in schemes {
        if let Ok(v) = HeaderValue::from_str(&s) {
            r.headers_mut().append(header::WWW_AUTHENTICATE, v);
        }
    }
    tfs_headers(&mut r);
    r
}

/// The `401` carrying the server's next NTLM message.
fn next_message(shared: &Shared, scheme: &str, token: &[u8]) -> Response<Body> {
    let _ = shared;
    let mut r = crate::wire::html(
        StatusCode::UNAUTHORIZED,
        "<html><head><title>401 - Unauthorized</title></head><body></body></html>".into(),
    );
    let value = format!(
        "{scheme} {}",
        base64::engine::general_purpose::STANDARD.encode(token)
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::ntlm_v2_proof_matches;

    /// An AUTHENTICATE message holding `nt` as its NT response, for `user` in `domain` (UTF-16LE).
    fn authenticate(nt: &[u8], domain: &str, user: &str) -> Vec<u8> {
        let le16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let (domain, user) = (le16(domain), le16(user));
        let mut m = b"NTLMSSP\0".to_vec();
        m.extend(3u32.to_le_bytes());
        let mut payload = Vec::new();
        let mut field = |bytes: &[u8], m: &mut Vec<u8>| {
            let offset = 64 + payload.len();
            m.extend((bytes.len() as u16).to_le_bytes());
            m.extend((bytes.len() as u16).to_le_bytes());
            m.extend((offset as u32).to_le_bytes());
            payload.extend_from_slice(bytes);
        };
        field(&[], &mut m); // LM response
        field(nt, &mut m);
        field(&domain, &mut m);
        field(&user, &mut m);
        m.resize(64, 0);
        m.extend(payload);
        m
    }

    #[test]
    fn the_ntlm_v2_proof_of_ms_nlmp_4_2_4_checks_out_and_a_wrong_password_does_not() {
        // MS-NLMP 4.2.4: user "User", domain "Domain", password "Password", server challenge 0123456789abcdef,
        // client challenge aa…, time 0, target info MsvAvNbDomainName "Domain" and MsvAvNbComputerName "Server".
        let le16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let mut target_info = vec![0x02, 0x00, 0x0c, 0x00];
        target_info.extend(le16("Domain"));
        target_info.extend([0x01, 0x00, 0x0c, 0x00]);
        target_info.extend(le16("Server"));
        target_info.extend([0, 0, 0, 0]);
        let mut blob = vec![0x01, 0x01, 0, 0, 0, 0, 0, 0];
        blob.extend([0u8; 8]);
        blob.extend([0xaa; 8]);
        blob.extend([0u8; 4]);
        blob.extend(&target_info);
        blob.extend([0u8; 4]);
        let proof = [
            0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96, 0xaa, 0xbc, 0x92, 0x7b, 0xeb, 0xef,
            0x6a, 0x1c,
        ];
        let mut nt = proof.to_vec();
        nt.extend(&blob);
        let challenge = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
        let message = authenticate(&nt, "Domain", "User");
        assert!(ntlm_v2_proof_matches(&challenge, &message, "Password"));
        assert!(!ntlm_v2_proof_matches(&challenge, &message, "Passw0rd"));
        assert!(!ntlm_v2_proof_matches(&[0; 8], &message, "Password"));
        // The user name is part of the proof; an NTLMv1 (24-byte) response and a truncated message are refused.
        assert!(!ntlm_v2_proof_matches(
            &challenge,
            &authenticate(&nt, "Domain", "Other"),
            "Password"
        ));
        assert!(!ntlm_v2_proof_matches(
            &challenge,
            &authenticate(&[7; 24], "Domain", "User"),
            "Password"
        ));
        assert!(!ntlm_v2_proof_matches(
            &challenge,
            &message[..40],
            "Password"
        ));
    }
}
