//! Plain `http://` to a server on another computer, against the simulator's server mode listening on this
//! computer's network address (not loopback, so PAT Desk treats it as another computer while the packets never
//! leave this machine): nothing at all is sent until the person chose the unencrypted connection for that very
//! server; with the choice the Windows sign-in works and the session says when it was chosen; a token never
//! goes over it.

use std::time::Duration;

use patdesk_core::server::{ServerCredential, TransportOptions};
use patdesk_core::session::ServerSession;
use patdesk_core::settings::PlainHttpChoice;
use patdesk_core::{ErrorCode, Sensitive};
use patdesk_sim::{SimOptions, SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD};
use patdesk_test_support::{date, test_now, TestSim};
use reqwest::Method;

fn dana() -> ServerCredential {
    ServerCredential::Windows {
        user: SERVER_DEMO_LOGIN.into(),
        password: Sensitive::new(SERVER_DEMO_PASSWORD.into()),
    }
}

fn options(choice: Option<PlainHttpChoice>) -> TransportOptions {
    TransportOptions {
        request_timeout: Duration::from_secs(10),
        plain_http_choice: choice,
        ..Default::default()
    }
}

fn chosen(server: &str) -> PlainHttpChoice {
    PlainHttpChoice {
        server: server.into(),
        chosen_at: date("2026-12-01T10:00:00Z"),
    }
}

#[tokio::test]
async fn an_unencrypted_server_on_another_computer_gets_nothing_until_chosen() {
    let sim = TestSim::start_on_network(SimOptions {
        start_at: Some(test_now()),
        ..Default::default()
    })
    .await;
    let address = format!("{}/DefaultCollection", sim.sim.server_url());
    assert!(address.starts_with("http://"), "{address}");
    let origin = url::Url::parse(&address)
        .unwrap()
        .origin()
        .ascii_serialization();
    let label = origin.trim_start_matches("http://").to_string();

    // Not chosen, or chosen for another server (another port of the same host): refused before connecting.
    let other_port = format!("{}:1", origin.rsplit_once(':').unwrap().0);
    for choice in [None, Some(chosen(&other_port))] {
        let e = ServerSession::sign_in(&address, dana(), options(choice), None, None)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::PlainHttpNotChosen);
        assert!(e.message.contains("not encrypted"), "{}", e.message);
        assert!(
            e.message
                .contains(&format!("\"Use the unencrypted connection to {label}\"")),
            "{}",
            e.message
        );
        assert!(e.message.contains("--allow-plain-http"), "{}", e.message);
    }
    // Not one request reached the server.
    assert_eq!(sim.requests().await, Vec::<serde_json::Value>::new());
    let state = sim.control(Method::GET, "server/state", None).await;
    assert_eq!(state["handshakes"], 0);
    assert_eq!(state["failedHandshakes"], 0);

    // Chosen for this server: the Windows sign-in goes ahead, and the session says since when.
    let session =
        ServerSession::sign_in(&address, dana(), options(Some(chosen(&origin))), None, None)
            .await
            .expect("signs in once chosen");
    assert_eq!(session.identity.account, SERVER_DEMO_LOGIN);
    let info = session.info().server.unwrap();
    assert_eq!(
        info.plain_http_chosen_at,
        Some(date("2026-12-01T10:00:00Z"))
    );

    // A token is never sent over it, choice or not.
    let pat = ServerCredential::Pat(Sensitive::new("a-personal-access-token".into()));
    let e = ServerSession::sign_in(&address, pat, options(Some(chosen(&origin))), None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsecureUrl);
}

#[tokio::test]
async fn a_server_on_this_computer_needs_no_choice_and_shows_none() {
    let sim = TestSim::start_at_test_now(SimOptions::default()).await;
    assert!(sim.sim.server_url().starts_with("http://127.0.0.1:"));
    let session = ServerSession::sign_in(&sim.sim.server_url(), dana(), options(None), None, None)
        .await
        .expect("loopback is exempt");
    assert_eq!(session.info().server.unwrap().plain_http_chosen_at, None);
}
