//! The Azure DevOps Server mode, against `shared/contract/azure-devops-server.md`: IIS's challenge list, NTLM
//! signing in one TCP connection (and only that one), wrong and locked passwords refused, Basic with a PAT, and
//! every behaviour of `_apis/Token/SessionTokens` — including the id-less DELETE that revokes everything.

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use reqwest::Method;
use serde_json::{json, Value};
use sspi::{
    AuthIdentity, BufferType, ClientRequestFlags, CredentialUse, DataRepresentation, Ntlm,
    SecurityBuffer, SecurityStatus, Sspi, SspiImpl, Username,
};

use common::start;

/// One kept-alive HTTP/1.1 connection to the simulator, as PAT Desk's server transport keeps one.
struct Conn {
    send: SendRequest<Full<Bytes>>,
    host: String,
}

struct Answer {
    status: u16,
    headers: hyper::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn challenges(&self) -> Vec<String> {
        self.headers
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

impl Conn {
    async fn open(base: &str) -> Conn {
        let host = base.trim_start_matches("http://").to_string();
        let stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        Conn { send, host }
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Full::new(Bytes::from(serde_json::to_vec(&b).unwrap()))
            }
            None => Full::new(Bytes::new()),
        };
        self.send.ready().await.unwrap();
        let r = self
            .send
            .send_request(req.body(body).unwrap())
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    /// The NTLM handshake on this connection with `scheme` (`NTLM` or `Negotiate`); returns the answer to
    /// the AUTHENTICATE message (the request itself, when signed in).
    async fn sign_in(&mut self, scheme: &str, login: &str, password: &str, path: &str) -> Answer {
        let mut ntlm = Ntlm::new();
        let identity = AuthIdentity {
            username: Username::parse(login).unwrap(),
            password: password.to_string().into(),
        };
        let mut creds = ntlm
            .acquire_credentials_handle()
            .with_credential_use(CredentialUse::Outbound)
            .with_auth_data(&identity)
            .execute(&mut ntlm)
            .unwrap()
            .credentials_handle;
        let mut input: Vec<SecurityBuffer> = Vec::new();
        loop {
            let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
            let mut builder = ntlm
                .initialize_security_context()
                .with_credentials_handle(&mut creds)
                .with_context_requirements(ClientRequestFlags::ALLOCATE_MEMORY)
                .with_target_data_representation(DataRepresentation::Native)
                .with_target_name("HTTP/127.0.0.1")
                .with_output(&mut output);
            if !input.is_empty() {
                builder = builder.with_input(&mut input);
            }
            let status = ntlm
                .initialize_security_context_impl(&mut builder)
                .unwrap()
                .resolve_to_result()
                .unwrap()
                .status;
            let header = format!("{scheme} {}", B64.encode(&output[0].buffer));
            let answer = self.send("GET", path, Some(&header), None).await;
            if status != SecurityStatus::ContinueNeeded {
                return answer;
            }
            let challenge = answer
                .challenges()
                .into_iter()
                .find_map(|c| c.strip_prefix(&format!("{scheme} ")).map(str::to_string))
                .expect("the server's CHALLENGE message");
            input = vec![SecurityBuffer::new(
                B64.decode(challenge).unwrap(),
                BufferType::Token,
            )];
        }
    }
}

const TOKENS: &str = "/tfs/_apis/Token/SessionTokens?api-version=1.0";

fn basic(pat: &str) -> String {
    format!("Basic {}", B64.encode(format!(":{pat}")))
}

async fn seed_pat(h: &common::Harness, body: Value) -> (String, String) {
    let r = h.control(Method::POST, "server/tokens", Some(body)).await;
    (
        r["authorizationId"].as_str().unwrap().to_string(),
        r["token"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn anonymous_requests_get_the_iis_challenge_list_and_tf400813() {
    let h = start().await;
    let mut c = Conn::open(&h.sim.base_url()).await;
    let a = c.send("GET", TOKENS, None, None).await;
    assert_eq!(a.status, 401);
    let challenges = a.challenges();
    assert!(
        challenges.contains(&"Negotiate".to_string()),
        "{challenges:?}"
    );
    assert!(challenges.contains(&"NTLM".to_string()));
    assert!(challenges.iter().any(|c| c.starts_with("Basic realm=")));
    let tf = a.headers["x-tfs-serviceerror"].to_str().unwrap();
    assert!(tf.starts_with("TF400813"), "{tf}");

    h.control(
        Method::POST,
        "server/switches",
        Some(json!({"windowsAuth": "kerberosOnly"})),
    )
    .await;
    let a = c.send("GET", TOKENS, None, None).await;
    let windows: Vec<_> = a
        .challenges()
        .into_iter()
        .filter(|c| !c.starts_with("B"))
        .collect();
    assert_eq!(windows, vec!["Negotiate".to_string()]);
}

#[tokio::test]
async fn ntlm_signs_in_the_connection_and_only_that_connection() {
    let h = start().await;
    let mut c = Conn::open(&h.sim.base_url()).await;
    let a = c
        .sign_in(
            "NTLM",
            patdesk_sim::SERVER_DEMO_LOGIN,
            patdesk_sim::SERVER_DEMO_PASSWORD,
            TOKENS,
        )
        .await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert!(a.json()["count"].as_u64().unwrap() >= 5);
    // The connection stays signed in: no header needed.
    assert_eq!(c.send("GET", TOKENS, None, None).await.status, 200);
    // Another connection is not.
    let mut other = Conn::open(&h.sim.base_url()).await;
    assert_eq!(other.send("GET", TOKENS, None, None).await.status, 401);
    let state = h.control(Method::GET, "server/state", None).await;
    assert_eq!(state["handshakes"], 1);
    // All requests of the handshake came on one connection.
    let conns: std::collections::HashSet<u64> = h
        .requests()
        .await
        .iter()
        .filter(|r| r["route"].as_str().unwrap().starts_with("server.") && r["status"] == 200)
        .map(|r| r["connection"].as_u64().unwrap())
        .collect();
    assert_eq!(conns.len(), 1);

    // Dropping the connections ends the signed-in one.
    assert_eq!(h.sim.drop_server_connections(), 2);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(c.send.is_closed() || c.send.ready().await.is_err());
}

#[tokio::test]
async fn negotiate_carrying_ntlm_and_upn_names_sign_in_too() {
    let h = start().await;
    h.control(
        Method::POST,
        "server/switches",
        Some(json!({"windowsAuth": "negotiateOnly"})),
    )
    .await;
    let mut c = Conn::open(&h.sim.base_url()).await;
    let a = c
        .sign_in(
            "Negotiate",
            "dana@contoso.local",
            patdesk_sim::SERVER_DEMO_PASSWORD,
            TOKENS,
        )
        .await;
    assert_eq!(a.status, 200);
    // NTLM is not offered now: a NEGOTIATE message under `NTLM` gets the bare challenge list back, with no
    // NTLM message to continue with.
    let mut c = Conn::open(&h.sim.base_url()).await;
    let type1 = "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==";
    let a = c.send("GET", TOKENS, Some(type1), None).await;
    assert_eq!(a.status, 401);
    assert!(!a.challenges().iter().any(|c| c.starts_with("NTLM")));
}

#[tokio::test]
async fn a_wrong_password_or_a_locked_account_is_refused_after_the_handshake() {
    let h = start().await;
    let mut c = Conn::open(&h.sim.base_url()).await;
    let a = c
        .sign_in(
            "NTLM",
            patdesk_sim::SERVER_DEMO_LOGIN,
            "not-the-password",
            TOKENS,
        )
        .await;
    assert_eq!(a.status, 401);
    assert_eq!(c.send("GET", TOKENS, None, None).await.status, 401);
    let mut c = Conn::open(&h.sim.base_url()).await;
    let a = c.sign_in("NTLM", "CONTOSO\\nobody", "x", TOKENS).await;
    assert_eq!(a.status, 401);

    // Passwords are set through the control routes; a locked account is refused even with the right one.
    h.control(
        Method::POST,
        "server/users",
        Some(json!({"login": "CONTOSO\\kim", "password": "kim-1", "locked": true})),
    )
    .await;
    let mut c = Conn::open(&h.sim.base_url()).await;
    let a = c.sign_in("NTLM", "CONTOSO\\kim", "kim-1", TOKENS).await;
    assert_eq!(a.status, 401);
    assert!(String::from_utf8_lossy(&a.body).contains("locked out"));
    h.control(
        Method::POST,
        "server/users",
        Some(json!({"login": "CONTOSO\\kim", "password": "kim-2"})),
    )
    .await;
    let mut c = Conn::open(&h.sim.base_url()).await;
    assert_eq!(
        c.sign_in("NTLM", "CONTOSO\\kim", "kim-2", TOKENS)
            .await
            .status,
        200
    );
    let state = h.control(Method::GET, "server/state", None).await;
    assert_eq!(state["failedHandshakes"], 3);
}

#[tokio::test]
async fn a_pat_lists_and_revokes_but_cannot_create() {
    let h = start().await;
    let (_, pat) = seed_pat(
        &h,
        json!({"displayName": "bootstrap", "scope": "vso.tokens"}),
    )
    .await;
    let mut c = Conn::open(&h.sim.base_url()).await;
    let list = c.send("GET", TOKENS, Some(&basic(&pat)), None).await;
    assert_eq!(list.status, 200);
    let create = c
        .send(
            "POST",
            "/tfs/DefaultCollection/_apis/Token/SessionTokens?tokenType=Compact&api-version=1.0",
            Some(&basic(&pat)),
            Some(
                json!({"displayName": "x", "scope": "vso.code", "validTo": "2027-01-01T00:00:00Z"}),
            ),
        )
        .await;
    assert_eq!(create.status, 400);
    assert_eq!(create.json()["typeKey"], "SessionTokenCreateException");
    assert_eq!(create.json()["message"], "AccessDenied");
    // A wrong PAT is anonymous.
    assert_eq!(
        c.send("GET", TOKENS, Some(&basic("nope")), None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn session_tokens_behave_as_the_contract_says() {
    let h = start().await;
    let mut c = Conn::open(&h.sim.base_url()).await;
    assert_eq!(
        c.sign_in(
            "NTLM",
            patdesk_sim::SERVER_DEMO_LOGIN,
            patdesk_sim::SERVER_DEMO_PASSWORD,
            TOKENS
        )
        .await
        .status,
        200
    );
    let coll = "/tfs/DefaultCollection/_apis/Token/SessionTokens";
    // Create at the collection level: Compact, the name stored HTML-encoded, targetAccounts forced.
    let created = c
        .send(
            "POST",
            &format!("{coll}?tokenType=Compact&api-version=1.0"),
            None,
            Some(json!({"displayName": "CI & <nightly>", "scope": "vso.code_write", "validTo": "2030-01-01T00:00:00Z", "targetAccounts": []})),
        )
        .await;
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let t = created.json();
    assert_eq!(t["displayName"], "CI &amp; &lt;nightly&gt;");
    assert_eq!(t["token"].as_str().unwrap().len(), 52);
    let state = h.control(Method::GET, "server/state", None).await;
    let default_id = state["collections"][0]["id"].clone();
    assert_eq!(t["targetAccounts"], json!([default_id]));
    // Clamped silently to one year from the simulator's now.
    let valid_to = chrono::DateTime::parse_from_rfc3339(t["validTo"].as_str().unwrap()).unwrap();
    assert!(valid_to.with_timezone(&chrono::Utc) <= h.sim.now() + chrono::Duration::days(366));
    let id = t["authorizationId"].as_str().unwrap().to_string();

    // A foreign target at the collection level is refused; without tokenType the token is not a PAT.
    let bad = c
        .send("POST", &format!("{coll}?tokenType=Compact"), None,
              Some(json!({"displayName": "x", "scope": "vso.code", "validTo": "2027-01-01T00:00:00Z", "targetAccounts": [uuid::Uuid::new_v4()]})))
        .await;
    assert_eq!(bad.json()["message"], "InvalidTargetAccounts");
    let hidden = c
        .send("POST", &format!("{coll}?tokenType=Compact"), None,
              Some(json!({"displayName": "x", "scope": "vso.githubconnections", "validTo": "2027-01-01T00:00:00Z"})))
        .await;
    assert_eq!(hidden.json()["message"], "InvalidScope");
    let jwt = c
        .send("POST", coll, None, Some(json!({"displayName": "jwt", "scope": "vso.code", "validTo": "2027-01-01T00:00:00Z"})))
        .await;
    assert!(jwt.json()["token"].as_str().unwrap().starts_with("eyJ"));

    // Update is a POST with the id; validTo left out becomes 0001-01-01 (the trap the client must avoid).
    let upd = c
        .send(
            "POST",
            TOKENS,
            None,
            Some(json!({"authorizationId": id, "validTo": "2027-06-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(upd.status, 200);
    assert_eq!(upd.json()["displayName"], "CI &amp; &lt;nightly&gt;");
    assert!(upd.json()["validTo"]
        .as_str()
        .unwrap()
        .starts_with("2027-06-01"));
    let trap = c
        .send("POST", TOKENS, None, Some(json!({"authorizationId": id})))
        .await;
    assert!(trap.json()["validTo"]
        .as_str()
        .unwrap()
        .starts_with("0001-01-01"));

    // Paged list: all seven parameters, an RFC 1123 timestamp.
    let page = |start: u32| {
        format!("{TOKENS}&displayFilterOption=All&createdByOption=3&sortByOption=1&isSortAscending=true&startRowNumber={start}&pageSize=3&pageRequestTimeStamp=Wed,%2002%20Dec%202026%2017:00:00%20GMT")
    };
    let p1 = c.send("GET", &page(1), None, None).await;
    assert_eq!(p1.status, 200);
    assert_eq!(p1.json()["sessionTokens"].as_array().unwrap().len(), 3);
    assert_eq!(p1.json()["nextRowNumber"], 4);
    let bad_stamp = c
        .send(
            "GET",
            &page(1).replace(
                "Wed,%2002%20Dec%202026%2017:00:00%20GMT",
                "2026-12-02T17:00:00Z",
            ),
            None,
            None,
        )
        .await;
    assert_eq!(bad_stamp.status, 400);
    h.control(
        Method::POST,
        "server/switches",
        Some(json!({"paging": false})),
    )
    .await;
    assert_eq!(c.send("GET", &page(1), None, None).await.status, 500);

    // Revoke: 200 with an empty body, then 404.
    let r = c
        .send(
            "DELETE",
            &format!("/tfs/_apis/Token/SessionTokens/{id}?api-version=1.0"),
            None,
            None,
        )
        .await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = c
        .send(
            "DELETE",
            &format!("/tfs/_apis/Token/SessionTokens/{id}?api-version=1.0"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["typeKey"], "SessionTokenNotFoundException");

    // Another person's token: 403, and it survives.
    let (sams, _) = seed_pat(
        &h,
        json!({"owner": patdesk_sim::SERVER_COLLEAGUE_LOGIN, "displayName": "sam"}),
    )
    .await;
    let r = c
        .send(
            "DELETE",
            &format!("/tfs/_apis/Token/SessionTokens/{sams}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 403);

    // The id-less DELETE revokes every token of the caller (and none of anyone else's).
    let r = c.send("DELETE", TOKENS, None, None).await;
    assert_eq!(r.status, 200);
    let state = h.control(Method::GET, "server/state", None).await;
    assert_eq!(state["revokeAllCalls"], 1);
    for t in state["tokens"].as_array().unwrap() {
        if t["owner"] == patdesk_sim::SERVER_DEMO_LOGIN {
            assert_eq!(t["status"], "revoked", "{t}");
        } else {
            assert_ne!(t["status"], "revoked", "{t}");
        }
    }

    // An old server without the route.
    h.control(
        Method::POST,
        "server/switches",
        Some(json!({"sessionTokensRoute": false})),
    )
    .await;
    assert_eq!(c.send("GET", TOKENS, None, None).await.status, 404);
    // Collections.
    let cols = c
        .send(
            "GET",
            "/tfs/_apis/projectCollections?api-version=1.0",
            None,
            None,
        )
        .await;
    assert_eq!(cols.json()["count"], 2);
}

#[tokio::test]
async fn the_simulator_serves_https_with_a_certificate_of_a_test_ca() {
    let ca = patdesk_test_support::tls::test_ca();
    let sim = patdesk_sim::Simulator::start(patdesk_sim::SimOptions {
        tls: Some(ca.server.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(sim.server_url().starts_with("https://127.0.0.1:"));
    let url = format!("{}/_apis/Token/SessionTokens", sim.server_url());
    // Not trusted: the TLS handshake fails.
    let untrusted = reqwest::Client::new().get(&url).send().await;
    assert!(untrusted.is_err());
    // Trusted: IIS answers with its challenge.
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let r = trusting.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
}
