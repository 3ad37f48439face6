//! HTTPS with a company's own certificate authority, for Services and Server alike: the simulator serves
//! HTTPS with a certificate from a throw-away CA made by the test. Until PAT Desk trusts that CA it fails with
//! the plain TLS error naming the problem; once the CA is given (the extra roots the Server transport accepts;
//! `SSL_CERT_FILE` is exercised by the CLI's tests, in their own process) it works.

use std::sync::Arc;
use std::time::Duration;

use patdesk_core::client::AzureDevOpsClient;
use patdesk_core::credentials::StaticToken;
use patdesk_core::endpoints::Endpoints;
use patdesk_core::server::{ServerCredential, TransportOptions};
use patdesk_core::session::ServerSession;
use patdesk_core::{ErrorCode, Sensitive};
use patdesk_sim::{SimOptions, Simulator, SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD};
use patdesk_test_support::tls::test_ca;

async fn https_sim() -> (Simulator, String) {
    let ca = test_ca();
    let sim = Simulator::start(SimOptions {
        tls: Some(ca.server),
        start_at: Some(patdesk_test_support::test_now()),
        ..Default::default()
    })
    .await
    .unwrap();
    (sim, ca.ca_pem)
}

fn dana() -> ServerCredential {
    ServerCredential::Windows {
        user: SERVER_DEMO_LOGIN.into(),
        password: Sensitive::new(SERVER_DEMO_PASSWORD.into()),
    }
}

#[tokio::test]
async fn a_server_behind_an_untrusted_ca_fails_plainly_until_its_ca_is_trusted() {
    let (sim, ca_pem) = https_sim().await;
    assert!(sim.server_url().starts_with("https://"));
    let options = |extra: Option<String>| TransportOptions {
        request_timeout: Duration::from_secs(10),
        extra_roots_pem: extra,
        plain_http_choice: None,
    };
    let e = ServerSession::sign_in(&sim.server_url(), dana(), options(None), None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::TlsNotTrusted);
    assert!(
        e.message
            .contains("certificate authority this computer does not trust"),
        "{}",
        e.message
    );
    assert!(e.message.contains("IT help desk"));

    let session =
        ServerSession::sign_in(&sim.server_url(), dana(), options(Some(ca_pem)), None, None)
            .await
            .expect("signs in once the CA is trusted");
    assert_eq!(session.identity.account, SERVER_DEMO_LOGIN);
    assert_eq!(session.client().transport().handshakes_made(), 1);
}

#[tokio::test]
async fn services_behind_an_untrusted_ca_fail_with_the_same_plain_error() {
    let (sim, _) = https_sim().await;
    let json = serde_json::to_string(&sim.endpoints()).unwrap();
    let endpoints = Endpoints::from_sim_json(&json).unwrap();
    let token = sim.mint_access_token(&sim.demo_user().oid);
    let client = AzureDevOpsClient::new(endpoints, Arc::new(StaticToken::new(token))).unwrap();
    let e = client.profile().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::TlsNotTrusted, "{e:?}");
    assert!(e.message.contains("does not trust"));
}
