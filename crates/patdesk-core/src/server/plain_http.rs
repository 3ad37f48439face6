//! Plain `http://` to a server that is not this computer. Many TFS and Azure DevOps Server installs really are
//! on `http://server:8080/tfs`, so PAT Desk does not refuse them outright; but on such an address nothing is
//! encrypted: a token the server creates comes back readable by anyone on the network, and the Windows sign-in
//! exchange (NTLM) can be relayed to another server. So, before anything is sent:
//!
//! * the sign-in screen says so, and offers the server's `https://` address when the server answers there
//!   ([`find_https`]);
//! * PAT Desk goes on over `http://` only after the person's explicit choice for that server
//!   ([`crate::settings::PlainHttpChoice`], remembered in the settings and shown on the profile, where it can be
//!   taken back);
//! * the transport itself refuses such an address without that choice ([`require_choice`], called by
//!   [`super::transport::Transport::new`] before any connection is made), so no caller can skip the screen.
//!
//! `http://` to this computer (`localhost`, `127.0.0.1`, `::1`) never leaves the machine and needs no choice.
//! A personal access token is never sent over plain `http://` off this computer, choice or not (Basic would
//! carry it in clear on every request).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HOST, USER_AGENT};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use url::Url;

use crate::error::{Error, ErrorCode};
use crate::settings::PlainHttpChoice;

use super::ServerAddress;

/// The port [`find_https`] tries. IIS, which serves every TFS and Azure DevOps Server, cannot serve `http://`
/// and `https://` on one port, and the https binding admins add is the standard port 443
/// (`https://tfs.example/tfs`, as Microsoft's own documentation writes the https form), while `:8080` is the
/// http-only default of the installer. So `http://tfs.example:8080/tfs` is offered as
/// `https://tfs.example/tfs`: what a person who has ever opened the server over https typed in their browser.
pub const HTTPS_PORT: u16 = 443;

/// How long the https probe waits for the server; short, since the sign-in screen waits on it.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `base` is plain `http://` to a machine other than this one.
pub fn is_plain_http_remote(base: &Url) -> bool {
    base.scheme() == "http" && crate::endpoints::check_secure(base).is_err()
}

/// The key a choice is remembered under: `http://host[:port]`, the server as a network sees it (a choice
/// covers every collection and virtual directory there, nothing on another port or host).
pub fn origin(base: &Url) -> String {
    base.origin().ascii_serialization()
}

/// The server as the sign-in screen names it: `tfs.example:8080` (`tfs.example` on port 80).
pub fn label(base: &Url) -> String {
    let host = base.host_str().unwrap_or_default();
    match base.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// The refusal of an unencrypted address nobody chose: what it exposes, and the way forward.
pub fn not_chosen(base: &Url) -> Error {
    let server = label(base);
    Error::new(
        ErrorCode::PlainHttpNotChosen,
        format!(
            "The connection to {server} is not encrypted (http://): a new token, and your Windows sign-in, could be read or misused by anyone on the network. Use the server's https:// address if it has one; to go on anyway, choose \"Use the unencrypted connection to {server}\" on the sign-in screen (with patdesk-cli, add --allow-plain-http)."
        ),
    )
    .with_raw(origin(base))
}

/// Nothing to check for `https://` and for this computer; otherwise `choice` must be the person's choice for
/// this very server.
pub fn require_choice(base: &Url, choice: Option<&PlainHttpChoice>) -> Result<(), Error> {
    if !is_plain_http_remote(base) {
        return Ok(());
    }
    match choice {
        Some(c) if c.server == origin(base) => Ok(()),
        _ => Err(not_chosen(base)),
    }
}

/// The `https://` form of `address` that [`find_https`] tries: same host and path, port [`HTTPS_PORT`].
pub fn https_candidate(address: &ServerAddress) -> ServerAddress {
    let mut base = address.base.clone();
    let _ = base.set_scheme("https");
    let _ = base.set_port(None);
    ServerAddress {
        base,
        collection: address.collection.clone(),
    }
}

/// The server's `https://` address (with the collection typed, as the sign-in field takes it) when the server
/// answers there over a certificate this computer trusts; `None` otherwise (no https there, a certificate not
/// trusted, no answer in a few seconds). The probe sends no credential, no cookie, nothing of the person's:
/// one anonymous `GET {base}/_apis/connectionData`. `extra_roots_pem`: as [`super::TransportOptions`].
pub async fn find_https(address: &ServerAddress, extra_roots_pem: Option<&str>) -> Option<String> {
    let candidate = https_candidate(address);
    find_https_at(&candidate, HTTPS_PORT, extra_roots_pem).await
}

/// [`find_https`] on `port` (the tests' simulator cannot listen on 443 for each test).
pub(crate) async fn find_https_at(
    candidate: &ServerAddress,
    port: u16,
    extra_roots_pem: Option<&str>,
) -> Option<String> {
    let mut base = candidate.base.clone();
    base.set_port((port != HTTPS_PORT).then_some(port)).ok()?;
    let answered = tokio::time::timeout(PROBE_TIMEOUT, answers(&base, extra_roots_pem)).await;
    match answered {
        Ok(Ok(200..=299 | 401 | 403)) => {
            let found = ServerAddress {
                base,
                collection: candidate.collection.clone(),
            };
            Some(match &found.collection {
                Some(c) => found.collection_url(c),
                None => found.base_str(),
            })
        }
        Ok(Ok(status)) => {
            tracing::info!(status, "https probe: not an Azure DevOps Server there");
            None
        }
        Ok(Err(e)) => {
            tracing::info!(code = e.code.as_str(), "https probe: no https there");
            None
        }
        Err(_) => {
            tracing::info!("https probe: no answer in time");
            None
        }
    }
}

/// The status of an anonymous `GET {base}/_apis/connectionData` over https, the certificate checked as the
/// transport checks it.
async fn answers(base: &Url, extra_roots_pem: Option<&str>) -> Result<u16, Error> {
    let host = base.host_str().unwrap_or_default().to_string();
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = base.port_or_known_default().unwrap_or(HTTPS_PORT);
    let unreachable = |raw: String| Error::from_code(ErrorCode::ServerUnreachable).with_raw(raw);
    let tcp = match super::proxy::proxy_for(base) {
        None => TcpStream::connect((bare.as_str(), port))
            .await
            .map_err(|e| unreachable(format!("connect: {e}")))?,
        Some(proxy) => super::proxy::tunnel(&proxy, &host, port)
            .await
            .map_err(|e| unreachable(format!("proxy: {e}")))?,
    };
    let connector = super::transport::tls_connector(extra_roots_pem)?;
    let name = rustls::pki_types::ServerName::try_from(bare)
        .map_err(|e| Error::from_code(ErrorCode::InvalidServerUrl).with_raw(e.to_string()))?;
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| unreachable(format!("tls: {e}")))?;
    let (mut send, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| unreachable(format!("http handshake: {e}")))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let host_header = match base.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let request = hyper::Request::builder()
        .method(hyper::Method::GET)
        .uri(format!(
            "{}/_apis/connectionData",
            base.path().trim_end_matches('/')
        ))
        .header(HOST, host_header)
        .header(USER_AGENT, crate::http::user_agent())
        .body(Full::new(Bytes::new()))
        .map_err(Error::internal)?;
    let response = send
        .send_request(request)
        .await
        .map_err(|e| unreachable(format!("request: {e}")))?;
    Ok(response.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn chosen(server: &str) -> PlainHttpChoice {
        PlainHttpChoice {
            server: server.into(),
            chosen_at: patdesk_test_support::test_now(),
        }
    }

    #[test]
    fn only_plain_http_off_this_computer_needs_the_choice() {
        for exempt in [
            "https://tfs.example:8080/tfs",
            "http://127.0.0.1:8080/tfs",
            "http://localhost/tfs",
            "http://[::1]:8080/tfs",
        ] {
            assert!(!is_plain_http_remote(&url(exempt)), "{exempt}");
            require_choice(&url(exempt), None).expect(exempt);
        }
        let remote = url("http://tfs.example:8080/tfs");
        assert!(is_plain_http_remote(&remote));
        let e = require_choice(&remote, None).unwrap_err();
        assert_eq!(e.code, ErrorCode::PlainHttpNotChosen);
        assert!(e.message.contains("not encrypted"), "{}", e.message);
        assert!(e.message.contains("read or misused"), "{}", e.message);
        assert!(
            e.message
                .contains("\"Use the unencrypted connection to tfs.example:8080\""),
            "{}",
            e.message
        );
        // A choice covers its server only: not another port, not another host.
        require_choice(&remote, Some(&chosen("http://tfs.example:8080"))).unwrap();
        for other in [
            "http://tfs.example",
            "http://tfs.example:8081",
            "http://evil:8080",
        ] {
            let e = require_choice(&remote, Some(&chosen(other))).unwrap_err();
            assert_eq!(e.code, ErrorCode::PlainHttpNotChosen, "{other}");
        }
    }

    /// The server answers over https on this computer's network address (a server on "another computer", with
    /// a certificate of a test CA for that address): offered, with the collection typed; the probe signed in
    /// with nothing. Without trusting the CA, or with nothing listening there: no offer.
    #[tokio::test]
    async fn the_https_offer_is_made_only_when_the_server_answers_there_and_sends_no_credential() {
        use patdesk_sim::SimOptions;
        use patdesk_test_support::tls::test_ca_for;
        use patdesk_test_support::{test_now, this_computers_address, TestSim};
        let ip = this_computers_address();
        let ca = test_ca_for(&[ip.to_string()]);
        let mut https = TestSim::start_on_network(SimOptions {
            tls: Some(ca.server.clone()),
            start_at: Some(test_now()),
            ..Default::default()
        })
        .await;
        // The test's own calls to the simulator's control routes trust the test CA.
        https.http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes()).unwrap())
            .build()
            .unwrap();
        let port = Url::parse(&https.base).unwrap().port().unwrap();
        let typed =
            ServerAddress::parse(&format!("http://{ip}:8080/tfs/DefaultCollection")).unwrap();
        assert!(typed.is_plain_http_remote());
        let candidate = https_candidate(&typed);

        let found = find_https_at(&candidate, port, Some(&ca.ca_pem)).await;
        assert_eq!(
            found,
            Some(format!("https://{ip}:{port}/tfs/DefaultCollection"))
        );
        let requests = https.requests().await;
        assert_eq!(requests.len(), 1, "one anonymous request: {requests:?}");
        assert_eq!(requests[0]["path"], "/tfs/_apis/connectionData");
        assert_eq!(
            requests[0]["status"], 401,
            "answered as to anyone anonymous"
        );
        let state = https
            .control(reqwest::Method::GET, "server/state", None)
            .await;
        assert_eq!(state["handshakes"], 0);
        assert_eq!(state["failedHandshakes"], 0);

        // A certificate this computer does not trust is no offer.
        assert_eq!(find_https_at(&candidate, port, None).await, None);
        // Nothing listening on https: no offer.
        drop(https);
        let closed = {
            let l = std::net::TcpListener::bind((ip, 0)).unwrap();
            l.local_addr().unwrap().port()
        };
        assert_eq!(
            find_https_at(&candidate, closed, Some(&ca.ca_pem)).await,
            None
        );
    }

    #[test]
    fn the_https_offer_is_the_same_host_and_path_on_port_443() {
        let typed = ServerAddress::parse("http://tfs.example:8080/tfs/DefaultCollection").unwrap();
        let candidate = https_candidate(&typed);
        assert_eq!(candidate.base_str(), "https://tfs.example/tfs");
        assert_eq!(candidate.collection.as_deref(), Some("DefaultCollection"));
        assert_eq!(label(&typed.base), "tfs.example:8080");
        assert_eq!(origin(&typed.base), "http://tfs.example:8080");
        assert_eq!(label(&url("http://tfs.example/tfs")), "tfs.example");
    }
}
