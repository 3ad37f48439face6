//! A TLS handshake that failed because of the server's certificate, told in plain words: which problem (an
//! authority this computer does not trust, expired, another name, …) and what to ask IT for. Shared by the
//! Services client (reqwest) and the Azure DevOps Server transport, which both use rustls.

use crate::error::{Error, ErrorCode};

/// The certificate problem somewhere in `error`'s source chain, as [`ErrorCode::TlsNotTrusted`]; `None` when
/// the failure was not about the certificate.
pub fn certificate_error(error: &(dyn std::error::Error + 'static)) -> Option<Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(rustls::Error::InvalidCertificate(c)) = e.downcast_ref::<rustls::Error>() {
            return Some(not_trusted(c, &format!("{error}")));
        }
        // An `io::Error`'s `source()` skips the error it wraps: step into that one instead.
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                None => None,
            },
            None => e.source(),
        };
    }
    None
}

fn not_trusted(c: &rustls::CertificateError, raw: &str) -> Error {
    use rustls::CertificateError as C;
    let problem = match c {
        C::UnknownIssuer => "it was issued by a certificate authority this computer does not trust (often a company's own authority, or a network proxy that inspects traffic)",
        C::Expired | C::ExpiredContext { .. } => "it has expired",
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "it is not valid yet (check this computer's date and time)"
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it was made for another name than the address you typed"
        }
        C::Revoked => "it has been revoked",
        C::BadSignature => "its signature is not valid",
        _ => "it could not be verified",
    };
    Error::new(
        ErrorCode::TlsNotTrusted,
        format!(
            "This computer does not trust the server's security certificate: {problem}. Ask your IT help desk for your company's root certificate and install it on this computer (or check that the address is the server's own name), then try again."
        ),
    )
    .with_raw(format!("tls: {raw}"))
}
