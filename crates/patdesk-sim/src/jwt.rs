//! JWT-shaped access and ID tokens (§3.8). The client treats them as opaque; the simulator needs to issue and
//! recognise its own tokens, so they carry a keyed SHA-256 MAC that makes tampered or foreign tokens invalid.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The claims of a simulator access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    pub appid: String,
    pub azp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub ver: String,
    pub uti: String,
}

impl AccessClaims {
    /// App-only tokens (client credentials, service principals) have `idtyp: "app"` and no `scp`.
    pub fn is_app_only(&self) -> bool {
        self.idtyp.as_deref() == Some("app") || self.scp.is_none()
    }

    /// The granted scopes, without resource prefix.
    pub fn scopes(&self) -> Vec<&str> {
        self.scp
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .collect()
    }
}

fn mac(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    // HMAC-SHA256 (RFC 2104) over the signing input.
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(k.iter().map(|b| b ^ 0x36).collect::<Vec<_>>());
    inner.update(data);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.iter().map(|b| b ^ 0x5c).collect::<Vec<_>>());
    outer.update(inner);
    outer.finalize().into()
}

/// Encodes and signs any claims object.
pub fn encode<T: Serialize>(key: &[u8; 32], claims: &T) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256","kid":"patdesk-sim"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(mac(key, input.as_bytes()));
    format!("{input}.{sig}")
}

/// Decodes a token this simulator signed. `None` for anything malformed, tampered or foreign.
pub fn decode_access(key: &[u8; 32], token: &str) -> Option<AccessClaims> {
    let mut parts = token.trim().split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let expected = URL_SAFE_NO_PAD.encode(mac(key, format!("{h}.{p}").as_bytes()));
    if expected != s {
        return None;
    }
    let payload = URL_SAFE_NO_PAD.decode(p).ok()?;
    serde_json::from_slice(&payload).ok()
}
