//! Azure DevOps Server (on-premises) against the simulator's server mode over real loopback: the Windows
//! sign-in on one kept-alive connection (and again after the connection drops), a PAT sign-in, listing with and
//! without the paging procedure, create/update/revoke mapped onto the token model, every error row of the
//! contract as a plain-words error, and the id-less DELETE never sent (the simulator's state proves every
//! other token survives a bulk revoke).

use std::time::Duration;

use patdesk_core::bulk::{bulk_revoke, BulkItem, BulkOptions, CancellationToken};
use patdesk_core::model::{Lifespan, ListFilter, NewTokenRequest, RevokeOutcome, TokenStatus};
use patdesk_core::server::{ServerCredential, TransportOptions, ALL_COLLECTIONS};
use patdesk_core::session::{ServerSession, SessionKind};
use patdesk_core::{ErrorCode, Sensitive};
use patdesk_sim::{Seed, SimOptions, SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD};
use patdesk_test_support::TestSim;
use reqwest::Method;
use serde_json::{json, Value};

async fn sim(seed: Seed) -> TestSim {
    TestSim::start_at_test_now(SimOptions {
        seed,
        ..Default::default()
    })
    .await
}

fn windows(user: &str, password: &str) -> ServerCredential {
    ServerCredential::Windows {
        user: user.into(),
        password: Sensitive::new(password.into()),
    }
}

fn options() -> TransportOptions {
    TransportOptions {
        request_timeout: Duration::from_secs(10),
        extra_roots_pem: None,
        plain_http_choice: None,
    }
}

async fn sign_in(
    sim: &TestSim,
    credential: ServerCredential,
) -> Result<ServerSession, patdesk_core::Error> {
    ServerSession::sign_in(&sim.sim.server_url(), credential, options(), None, None).await
}

async fn dana(sim: &TestSim) -> ServerSession {
    sign_in(sim, windows(SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD))
        .await
        .expect("Dana signs in")
}

async fn server_state(sim: &TestSim) -> Value {
    sim.control(Method::GET, "server/state", None).await
}

async fn switches(sim: &TestSim, body: Value) {
    sim.control(Method::POST, "server/switches", Some(body))
        .await;
}

#[tokio::test]
async fn the_right_password_signs_in_once_on_one_connection() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    assert_eq!(session.kind(), SessionKind::Server);
    assert_eq!(session.identity.display_name, "Dana Whitfield");
    assert_eq!(session.identity.account, SERVER_DEMO_LOGIN);
    let names: Vec<_> = session
        .collections
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["DefaultCollection", "Fabrikam"]);
    assert!(session.collections[0]
        .url
        .ends_with("/tfs/DefaultCollection"));

    let listing = session.list_tokens(ListFilter::All).await.unwrap();
    assert!(listing.tokens.len() >= 7);
    // Every request after the handshake rode the same connection, with no second handshake.
    assert_eq!(session.client().transport().connections_made(), 1);
    assert_eq!(session.client().transport().handshakes_made(), 1);
    let state = server_state(&sim).await;
    assert_eq!(state["handshakes"], 1);
    let connections: std::collections::HashSet<u64> = sim
        .requests()
        .await
        .iter()
        .filter(|r| {
            r["route"]
                .as_str()
                .unwrap_or_default()
                .starts_with("server.")
        })
        .filter_map(|r| r["connection"].as_u64())
        .collect();
    assert_eq!(connections.len(), 1);
}

#[tokio::test]
async fn a_wrong_password_a_locked_account_and_kerberos_only_say_so_plainly() {
    let sim = sim(Seed::Demo).await;
    let e = sign_in(&sim, windows(SERVER_DEMO_LOGIN, "wrong"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::WrongPassword);
    assert!(
        e.message.contains("user name and password"),
        "{}",
        e.message
    );
    assert_eq!(server_state(&sim).await["failedHandshakes"], 1);

    sim.control(
        Method::POST,
        "server/users",
        Some(json!({"login": "CONTOSO\\kim", "password": "kim-1", "locked": true})),
    )
    .await;
    let e = sign_in(&sim, windows("CONTOSO\\kim", "kim-1"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AccountLocked);
    assert!(e.message.contains("IT help desk"));

    // Only Negotiate offered, NTLM inside it still accepted: signs in.
    switches(&sim, json!({"windowsAuth": "negotiateOnly"})).await;
    assert!(
        sign_in(&sim, windows("dana@contoso.local", SERVER_DEMO_PASSWORD))
            .await
            .is_ok()
    );
    // The same session, after the server's administrator turned NTLM off (the remembered schemes are
    // stale): the server's new challenge list is followed.
    let session = dana(&sim).await;
    switches(&sim, json!({"windowsAuth": "ntlmOnly"})).await;
    sim.sim.drop_server_connections();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(session.list_tokens(ListFilter::Active).await.is_ok());
    // Kerberos only: says so and suggests a PAT.
    switches(&sim, json!({"windowsAuth": "kerberosOnly"})).await;
    let e = sign_in(&sim, windows(SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::KerberosOnly);
    assert!(e.message.contains("personal access token"));
}

#[tokio::test]
async fn a_dropped_connection_is_reopened_and_signed_in_again() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    let before = session
        .list_tokens(ListFilter::Active)
        .await
        .unwrap()
        .tokens
        .len();
    assert_eq!(sim.sim.drop_server_connections(), 1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let after = session
        .list_tokens(ListFilter::Active)
        .await
        .unwrap()
        .tokens
        .len();
    assert_eq!(before, after);
    assert_eq!(session.client().transport().connections_made(), 2);
    assert_eq!(session.client().transport().handshakes_made(), 2);
    assert_eq!(server_state(&sim).await["handshakes"], 2);
}

#[tokio::test]
async fn listing_pages_with_one_timestamp_and_falls_back_without_the_procedure() {
    let sim = sim(Seed::Large(250)).await;
    let session = dana(&sim).await;
    let paged = session.list_tokens(ListFilter::All).await.unwrap().tokens;
    assert_eq!(paged.len(), 250);
    let pages: Vec<Value> = sim
        .requests()
        .await
        .into_iter()
        .filter(|r| r["route"] == "server.tokens.list" && r["status"] == 200)
        .collect();
    assert_eq!(pages.len(), 3, "three pages of 100");
    let stamps: std::collections::HashSet<String> = pages
        .iter()
        .map(|r| {
            let q = r["query"].as_str().unwrap();
            q.split('&')
                .find(|p| p.starts_with("pageRequestTimeStamp="))
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(stamps.len(), 1, "one timestamp for every page");
    assert!(stamps.iter().next().unwrap().ends_with("GMT"));

    switches(&sim, json!({"paging": false})).await;
    sim.clear_requests().await;
    let full = session.list_tokens(ListFilter::All).await.unwrap().tokens;
    let summary = |t: &[patdesk_core::model::PatToken]| -> Vec<String> {
        t.iter()
            .map(|t| {
                format!(
                    "{} {} {:?} {}",
                    t.authorization_id, t.display_name, t.status, t.valid_to
                )
            })
            .collect()
    };
    let (full, paged) = (summary(&full), summary(&paged));
    let differ: Vec<_> = full
        .iter()
        .zip(&paged)
        .filter(|(a, b)| a != b)
        .take(3)
        .collect();
    assert!(differ.is_empty() && full.len() == paged.len(), "{differ:?}");
    let routes: Vec<(String, u64)> = sim
        .requests()
        .await
        .iter()
        .map(|r| {
            (
                r["query"].as_str().unwrap().to_string(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(routes
        .iter()
        .any(|(q, s)| q.contains("startRowNumber") && *s == 500));
    assert!(routes
        .iter()
        .any(|(q, s)| q == "api-version=1.0" && *s == 200));
    // The filters hold on the full list too.
    let active = session
        .list_tokens(ListFilter::Active)
        .await
        .unwrap()
        .tokens;
    assert!(active.iter().all(|t| t.status == TokenStatus::Active));
    assert!(!active.is_empty() && active.len() < 250);
}

#[tokio::test]
async fn tokens_map_onto_the_model_and_can_be_created_extended_and_revoked() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    let tokens = session.list_tokens(ListFilter::All).await.unwrap().tokens;
    // HTML-encoded names are decoded; all-collections tokens are the "global" ones, and never retired.
    let feeds = tokens
        .iter()
        .find(|t| t.display_name == "Packages & feeds <nuget>")
        .unwrap();
    assert_eq!(feeds.organization, "DefaultCollection");
    let all = tokens.iter().find(|t| t.is_global).unwrap();
    assert_eq!(all.organization, ALL_COLLECTIONS);
    assert!(!all.stopped_working);
    assert!(tokens.iter().any(|t| t.status == TokenStatus::Revoked));
    assert!(tokens.iter().any(|t| t.status == TokenStatus::Expired));
    // Sam's token is not Dana's.
    assert!(!tokens.iter().any(|t| t.display_name.contains("Sam")));

    let created = session
        .create(&NewTokenRequest {
            organization: "Fabrikam".into(),
            display_name: "CI & nightly".into(),
            scopes: vec!["vso.code".into()],
            lifespan: Lifespan::Days { days: 30 },
        })
        .await
        .unwrap();
    assert_eq!(created.token.display_name, "CI & nightly");
    assert_eq!(created.token.organization, "Fabrikam");
    assert_eq!(created.secret.expose().len(), 52);
    assert_eq!(created.clamped_from, None);
    let created_request = sim
        .requests()
        .await
        .into_iter()
        .find(|r| r["route"] == "server.tokens.create" && r["status"] == 200)
        .unwrap();
    assert!(created_request["query"]
        .as_str()
        .unwrap()
        .contains("tokenType=Compact"));
    assert!(created_request["path"]
        .as_str()
        .unwrap()
        .contains("/tfs/Fabrikam/"));

    // A server-level token for all collections; the server's 1-year maximum, lowered here, is reported.
    switches(&sim, json!({"maxLifetimeDays": 90})).await;
    let everywhere = session
        .create(&NewTokenRequest {
            organization: ALL_COLLECTIONS.into(),
            display_name: "Everywhere".into(),
            scopes: vec!["app_token".into()],
            lifespan: Lifespan::Days { days: 180 },
        })
        .await
        .unwrap();
    assert!(everywhere.token.is_global);
    assert!(everywhere.clamped_from.is_some());

    // Extend: a POST with the id; the name stays.
    let extended = session
        .update(
            &created.token.authorization_id,
            None,
            None,
            Some(Lifespan::Days { days: 60 }),
        )
        .await
        .unwrap();
    assert_eq!(extended.token.display_name, "CI & nightly");
    assert!(extended.token.valid_to > created.token.valid_to);
    // Rename only: validTo is still sent (the token keeps its expiry, not 0001-01-01).
    let renamed = session
        .update(&created.token.authorization_id, Some("CI"), None, None)
        .await
        .unwrap();
    assert_eq!(renamed.token.display_name, "CI");
    assert_eq!(renamed.token.valid_to, extended.token.valid_to);
    assert_eq!(renamed.token.status, TokenStatus::Active);

    // Revoke: 200, then 404 is "already gone".
    assert_eq!(
        session
            .revoke(&created.token.authorization_id)
            .await
            .unwrap(),
        RevokeOutcome::Revoked
    );
    assert_eq!(
        session
            .revoke(&created.token.authorization_id)
            .await
            .unwrap(),
        RevokeOutcome::AlreadyGone
    );
    let e = session.revoke("").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_pat_lists_and_revokes_but_creating_says_windows_sign_in_is_needed() {
    let sim = sim(Seed::Demo).await;
    let seeded = sim
        .control(
            Method::POST,
            "server/tokens",
            Some(json!({"displayName": "bootstrap", "scope": "vso.tokens"})),
        )
        .await;
    let pat = seeded["token"].as_str().unwrap().to_string();
    let session = sign_in(&sim, ServerCredential::Pat(Sensitive::new(pat)))
        .await
        .unwrap();
    assert!(!session.can_create());
    let tokens = session
        .list_tokens(ListFilter::Active)
        .await
        .unwrap()
        .tokens;
    assert!(tokens.iter().any(|t| t.display_name == "bootstrap"));
    let e = session
        .create(&NewTokenRequest {
            organization: "DefaultCollection".into(),
            display_name: "x".into(),
            scopes: vec!["vso.code".into()],
            lifespan: Lifespan::Days { days: 30 },
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PatCannotCreate);
    assert!(e.message.contains("Windows account"), "{}", e.message);
    let build_agent = tokens
        .iter()
        .find(|t| t.display_name == "Build agent")
        .unwrap();
    assert_eq!(
        session.revoke(&build_agent.authorization_id).await.unwrap(),
        RevokeOutcome::Revoked
    );

    let e = sign_in(
        &sim,
        ServerCredential::Pat(Sensitive::new("not-a-token".into())),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::PatRejected);
}

#[tokio::test]
async fn an_unreachable_or_old_server_or_unknown_collection_says_so_plainly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = ServerSession::sign_in(
        &format!("http://127.0.0.1:{port}/tfs"),
        windows(SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD),
        options(),
        None,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ServerUnreachable);
    assert!(e.message.contains("company network"));

    let sim = sim(Seed::Demo).await;
    let e = ServerSession::sign_in(
        &format!("{}/NoSuchCollection", sim.sim.server_url()),
        windows(SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD),
        options(),
        None,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::CollectionNotFound);

    let session = dana(&sim).await;
    switches(&sim, json!({"sessionTokensRoute": false})).await;
    let e = session.list_tokens(ListFilter::Active).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ServerTooOld);
    assert!(e.message.contains("TFS 2017"));

    let e = ServerSession::sign_in(
        "https://dev.azure.com/contoso",
        windows("a", "b"),
        options(),
        None,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidServerUrl);
}

#[tokio::test]
async fn bulk_revoke_never_sends_the_id_less_delete() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    let expired: Vec<BulkItem> = session
        .list_tokens(ListFilter::Expired)
        .await
        .unwrap()
        .tokens
        .into_iter()
        .map(|t| BulkItem {
            organization: t.organization,
            authorization_id: t.authorization_id,
            display_name: t.display_name,
        })
        .collect();
    assert_eq!(expired.len(), 2);
    let before = server_state(&sim).await;
    let summary = bulk_revoke(
        &session,
        expired.clone(),
        &BulkOptions::default(),
        &CancellationToken::new(),
        |_| {},
    )
    .await;
    assert_eq!(summary.revoked, 2);
    let after = server_state(&sim).await;
    assert_eq!(after["revokeAllCalls"], 0);
    let revoked_ids: Vec<&str> = expired
        .iter()
        .map(|i| i.authorization_id.as_str())
        .collect();
    for (b, a) in before["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["tokens"].as_array().unwrap())
    {
        assert_eq!(b["authorizationId"], a["authorizationId"]);
        if revoked_ids.contains(&a["authorizationId"].as_str().unwrap()) {
            assert_eq!(a["status"], "revoked");
        } else {
            // Every other token — Dana's active ones included — is exactly as it was.
            assert_eq!(a["status"], b["status"], "{a}");
        }
    }
    for r in sim.requests().await {
        if r["method"] == "DELETE" {
            assert_eq!(r["route"], "server.tokens.revoke", "{r}");
        }
    }
}

#[tokio::test]
async fn the_simulators_faults_reach_the_server_routes_and_a_reset_connection_is_reopened() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    // The connection is reset under the next listing: the transport connects, signs in again and lists.
    sim.fault(json!({"kind": "reset", "route": "server.tokens.list", "count": 1}))
        .await;
    let listed = session
        .list_tokens(ListFilter::Active)
        .await
        .unwrap()
        .tokens;
    assert!(!listed.is_empty());
    assert_eq!(session.client().transport().connections_made(), 2);
    assert_eq!(session.client().transport().handshakes_made(), 2);
    // A failing server is a plain "try again" (and the full list is tried when paging fails).
    sim.fault(json!({"kind": "status", "status": 503, "route": "server.tokens.*"}))
        .await;
    let e = session.list_tokens(ListFilter::Active).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ServerError);
    assert!(e.message.contains("try again"));
    sim.clear_faults().await;
    assert!(session.list_tokens(ListFilter::Active).await.is_ok());
}

#[tokio::test]
async fn the_demo_can_show_a_server() {
    let session = patdesk_core::session::demo::start_demo_server_session()
        .await
        .unwrap();
    assert!(session.demo);
    let info = session.info();
    assert!(info.demo && info.account_label.ends_with("(demo)"));
    assert_eq!(info.profile.organizations.len(), 2);
    assert!(!session
        .list_tokens(ListFilter::Active)
        .await
        .unwrap()
        .tokens
        .is_empty());
}

/// A minimal HTTP `CONNECT` proxy on loopback: answers `200` and relays bytes both ways. Counts tunnels.
async fn connect_proxy() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let tunnels = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                assert!(head.starts_with("CONNECT "), "{head}");
                let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (url, tunnels)
}

#[tokio::test]
async fn a_connect_tunnel_through_a_proxy_carries_the_server_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = sim(Seed::Demo).await;
    let (proxy, tunnels) = connect_proxy().await;
    let server = url::Url::parse(&sim.sim.server_url()).unwrap();
    let mut stream = patdesk_core::server::proxy::tunnel(
        &url::Url::parse(&proxy).unwrap(),
        "127.0.0.1",
        server.port().unwrap(),
    )
    .await
    .expect("the proxy opens a tunnel");
    assert_eq!(tunnels.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Through the tunnel, IIS answers as directly.
    stream
        .write_all(b"GET /tfs/_apis/Token/SessionTokens HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer
        .to_ascii_lowercase()
        .contains("www-authenticate: ntlm"));
    // A proxy that refuses is an error, not a hang.
    let refused =
        patdesk_core::server::proxy::tunnel(&url::Url::parse(&proxy).unwrap(), "127.0.0.1", 1)
            .await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn regenerate_makes_a_twin_and_revokes_the_old_one() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    let tokens = session
        .list_tokens(ListFilter::Active)
        .await
        .unwrap()
        .tokens;
    let feeds = tokens
        .iter()
        .find(|t| t.display_name == "Packages & feeds <nuget>")
        .unwrap();
    let (created, previous) = session
        .regenerate(&feeds.authorization_id, Lifespan::Days { days: 90 })
        .await
        .unwrap();
    assert_eq!(previous, RevokeOutcome::Revoked);
    assert_eq!(created.token.display_name, feeds.display_name);
    assert_eq!(created.token.scope, feeds.scope);
    assert_eq!(created.token.organization, "DefaultCollection");
    assert_ne!(created.token.authorization_id, feeds.authorization_id);
    let state = server_state(&sim).await;
    let status = |id: &str| {
        state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["authorizationId"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&feeds.authorization_id), "revoked");
    assert_eq!(status(&created.token.authorization_id), "active");
}

fn new_token(collection: &str, name: &str, scopes: &[&str]) -> NewTokenRequest {
    NewTokenRequest {
        organization: collection.into(),
        display_name: name.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        lifespan: Lifespan::Days { days: 30 },
    }
}

/// Dana's tokens in the server's own records with this name (revoked ones included).
async fn server_tokens_named(sim: &TestSim, name: &str) -> Vec<Value> {
    server_state(sim).await["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["displayName"] == name)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_create_whose_connection_drops_after_the_server_made_it_is_never_sent_again() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    // The server makes the token, then the connection drops before the answer: on a connection that was
    // already open and signed in, which the transport used to re-send on.
    sim.fault(
        json!({"kind": "reset", "route": "server.tokens.create", "afterEffect": true, "count": 1}),
    )
    .await;
    sim.clear_requests().await;
    let e = session
        .create(&new_token(
            "DefaultCollection",
            "Nightly deploy",
            &["vso.code"],
        ))
        .await
        .unwrap_err();
    // Made exactly once, and the person is told it was found, by name.
    assert_eq!(server_tokens_named(&sim, "Nightly deploy").await.len(), 1);
    assert_eq!(sim.count_route("server.tokens.create").await, 1);
    assert_eq!(e.code, ErrorCode::CreatedButSecretLost, "{e:?}");
    assert!(
        e.message.contains("\"Nightly deploy\" was created"),
        "{}",
        e.message
    );
    assert!(e.message.contains("Revoke it"), "{}", e.message);
    // It was looked for in the list after the failure.
    assert!(sim.count_route("server.tokens.list").await >= 1);
}

#[tokio::test]
async fn a_create_whose_connection_drops_before_the_server_acts_says_nothing_was_made() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    sim.fault(json!({"kind": "reset", "route": "server.tokens.create", "count": 1}))
        .await;
    sim.clear_requests().await;
    let e = session
        .create(&new_token(
            "DefaultCollection",
            "Nightly deploy",
            &["vso.code"],
        ))
        .await
        .unwrap_err();
    // Not sent again on its own: the list showed nothing was made, and the person may try again.
    assert_eq!(sim.count_route("server.tokens.create").await, 1);
    assert!(server_tokens_named(&sim, "Nightly deploy").await.is_empty());
    assert_eq!(e.code, ErrorCode::Network, "{e:?}");
    assert!(e.message.contains("No token was created"), "{}", e.message);
    // Trying again makes it, once.
    let created = session
        .create(&new_token(
            "DefaultCollection",
            "Nightly deploy",
            &["vso.code"],
        ))
        .await
        .unwrap();
    assert_eq!(created.token.display_name, "Nightly deploy");
    assert_eq!(server_tokens_named(&sim, "Nightly deploy").await.len(), 1);
}

/// The body of the one request recorded on `route`.
async fn sent_body(sim: &TestSim, route: &str) -> Value {
    let sent: Vec<Value> = sim
        .requests()
        .await
        .into_iter()
        .filter(|r| r["route"] == route && r["status"] == 200)
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    serde_json::from_str(sent[0]["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn scopes_are_normalised_before_they_reach_the_server_and_never_sent_empty() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    sim.clear_requests().await;
    let created = session
        .create(&new_token(
            "DefaultCollection",
            "Trimmed",
            &[" vso.code ", "", "VSO.code", "vso.packaging\t"],
        ))
        .await
        .unwrap();
    assert_eq!(
        sent_body(&sim, "server.tokens.create").await["scope"],
        "vso.code vso.packaging"
    );

    // An empty choice is an input error, not full access: nothing is sent.
    sim.clear_requests().await;
    for nothing in [&[][..], &[""][..], &["  ", "\t"][..]] {
        let e = session
            .create(&new_token("DefaultCollection", "Empty", nothing))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidScope, "{nothing:?}");
        assert!(
            e.message.contains("at least one permission"),
            "{}",
            e.message
        );
    }
    // Unknown, or not offered by a server: refused by name, nothing sent.
    for (scope, words) in [
        ("vso.bogus", "not a permission PAT Desk knows"),
        ("vso.pats_manage", "not offered by Azure DevOps Server"),
    ] {
        let e = session
            .create(&new_token("DefaultCollection", "Odd", &[scope]))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidScope);
        assert!(
            e.message.contains(scope) && e.message.contains(words),
            "{}",
            e.message
        );
    }
    let blank = ["".to_string(), " ".to_string()];
    let e = session
        .update(&created.token.authorization_id, None, Some(&blank), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidScope);
    assert_eq!(sim.count_route("server.tokens.create").await, 0);
    assert_eq!(sim.count_route("server.tokens.update").await, 0);

    // Update normalises the same way.
    let rescoped = [" vso.build ".to_string(), "VSO.BUILD".to_string()];
    session
        .update(
            &created.token.authorization_id,
            None,
            Some(&rescoped),
            Some(Lifespan::Days { days: 7 }),
        )
        .await
        .unwrap();
    assert_eq!(
        sent_body(&sim, "server.tokens.update").await["scope"],
        "vso.build"
    );
}

#[tokio::test]
async fn an_answer_too_large_to_be_a_token_list_is_refused_unread() {
    let sim = sim(Seed::Demo).await;
    let session = dana(&sim).await;
    sim.fault(json!({"kind": "oversizedBody", "route": "server.tokens.list"}))
        .await;
    let e = session.list_tokens(ListFilter::Active).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::MalformedResponse, "{e:?}");
    assert!(
        e.message.contains("too large to be a token list"),
        "{}",
        e.message
    );
    // The cut-off connection is replaced, and the next listing works.
    sim.clear_faults().await;
    assert!(!session
        .list_tokens(ListFilter::Active)
        .await
        .unwrap()
        .tokens
        .is_empty());
}
