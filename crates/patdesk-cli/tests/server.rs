//! `patdesk-cli --server` against the simulator's Azure DevOps Server mode: the real built binary as a child
//! process, signing in with `PATDESK_SERVER_USER`/`PATDESK_SERVER_PASSWORD` (or `PATDESK_SERVER_PAT`), never an
//! argument. Outcomes are checked in the simulator's state. Also: the server behind HTTPS with a throw-away CA
//! (refused plainly, then trusted through `SSL_CERT_FILE`), and Services still reached on loopback with a
//! proxy variable set.

use std::process::{Output, Stdio};

use patdesk_sim::{Seed, SimOptions, SERVER_DEMO_LOGIN, SERVER_DEMO_PASSWORD};
use patdesk_test_support::TestSim;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::process::Command;

mod common;
use common::{assert_ok, text, BIN};

/// The binary with no inherited PATDESK_*, proxy or certificate settings.
fn command() -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        let k = key.to_ascii_uppercase();
        if key.starts_with("PATDESK_") || k.ends_with("_PROXY") || k.starts_with("SSL_CERT") {
            cmd.env_remove(key);
        }
    }
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    cmd
}

/// The binary with `name=value` set.
fn with_env(mut cmd: Command, name: &str, value: &str) -> Command {
    cmd.env(name, value);
    cmd
}

fn as_dana(mut cmd: Command) -> Command {
    cmd.env("PATDESK_SERVER_USER", SERVER_DEMO_LOGIN)
        .env("PATDESK_SERVER_PASSWORD", SERVER_DEMO_PASSWORD);
    cmd
}

async fn run(mut cmd: Command, args: &[&str]) -> Output {
    cmd.args(args).output().await.expect("patdesk-cli runs")
}

async fn sim() -> TestSim {
    TestSim::start_at_test_now(SimOptions {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await
}

async fn server_tokens(sim: &TestSim) -> Vec<Value> {
    sim.control(Method::GET, "server/state", None).await["tokens"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn list_prints_the_servers_tokens_as_json_or_a_table() {
    let sim = sim().await;
    let url = sim.sim.server_url();
    let out = run(
        as_dana(command()),
        &["list", "--server", &url, "--filter", "all", "--json"],
    )
    .await;
    assert_ok(&out);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mine = server_tokens(&sim)
        .await
        .into_iter()
        .filter(|t| t["owner"] == SERVER_DEMO_LOGIN)
        .count();
    assert_eq!(listed.as_array().unwrap().len(), mine);
    // Names decoded.
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["displayName"] == "Packages & feeds <nuget>"));

    let out = run(as_dana(command()), &["list", "--server", &url]).await;
    assert_ok(&out);
    let table = text(&out.stdout);
    assert!(
        table.contains("Build agent") && table.contains("active"),
        "{table}"
    );
    assert!(
        !table.contains("Old clone token"),
        "only active ones by default"
    );

    // A wrong password: exit 1 and the plain sentence; the password is in no argument or output.
    let out = run(
        with_env(
            with_env(command(), "PATDESK_SERVER_USER", SERVER_DEMO_LOGIN),
            "PATDESK_SERVER_PASSWORD",
            "wrong-password-123",
        ),
        &["list", "--server", &url],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("did not accept this user name and password"));
    assert!(!text(&out.stderr).contains("wrong-password-123"));
    // No credentials at all: says which variables to set. On Windows the CLI first tries the account signed in
    // to Windows, which the simulator does not know (under Wine that sign-in has no credentials at all): it
    // is refused in a sentence naming the account and the other ways to sign in.
    let out = run(command(), &["list", "--server", &url]).await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    if cfg!(windows) {
        assert!(
            stderr.contains("Sign in with your user name and password instead")
                && stderr.contains("personal access token"),
            "{stderr}"
        );
    } else {
        assert!(stderr.contains("PATDESK_SERVER_USER"), "{stderr}");
    }
}

#[tokio::test]
async fn create_for_a_collection_prints_only_the_secret_and_a_pat_cannot_create() {
    let sim = sim().await;
    let url = sim.sim.server_url();
    let out = run(
        as_dana(command()),
        &[
            "create",
            "--server",
            &url,
            "--collection",
            "Fabrikam",
            "--name",
            "CI build",
            "--scopes",
            "vso.code vso.build",
            "--days",
            "30",
        ],
    )
    .await;
    assert_ok(&out);
    let secret = text(&out.stdout).trim().to_string();
    assert_eq!(secret.len(), 52, "{secret}");
    let state = sim.control(Method::GET, "server/state", None).await;
    let fabrikam = state["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Fabrikam")
        .unwrap()["id"]
        .clone();
    let created = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["displayName"] == "CI build")
        .unwrap()
        .clone();
    assert_eq!(created["targetAccounts"], json!([fabrikam]));

    // All accessible collections, as JSON.
    let out = run(
        as_dana(command()),
        &[
            "create",
            "--server",
            &url,
            "--all-collections",
            "--name",
            "Everywhere",
            "--full-access",
            "--days",
            "7",
            "--json",
        ],
    )
    .await;
    assert_ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["token"]["isGlobal"], true);

    // The new token, used as the sign-in, lists but cannot create.
    let out = run(
        with_env(command(), "PATDESK_SERVER_PAT", &secret),
        &[
            "create",
            "--server",
            &url,
            "--collection",
            "Fabrikam",
            "--name",
            "x",
            "--scopes",
            "vso.code",
            "--days",
            "1",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Windows account"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        with_env(command(), "PATDESK_SERVER_PAT", &secret),
        &["list", "--server", &url],
    )
    .await;
    assert_ok(&out);
    // --server needs a collection or --all-collections.
    let out = run(
        as_dana(command()),
        &[
            "create", "--server", &url, "--name", "x", "--scopes", "vso.code", "--days", "1",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn revoke_by_id_and_every_expired_token_leave_the_rest_alone() {
    let sim = sim().await;
    let url = sim.sim.server_url();
    let before = server_tokens(&sim).await;
    let build_agent = before
        .iter()
        .find(|t| t["displayName"] == "Build agent")
        .unwrap()["authorizationId"]
        .as_str()
        .unwrap()
        .to_string();
    let out = run(
        as_dana(command()),
        &["revoke", "--server", &url, &build_agent],
    )
    .await;
    assert_ok(&out);
    assert!(text(&out.stdout).contains("1 revoked"));
    let out = run(
        as_dana(command()),
        &["revoke", "--server", &url, &build_agent, "--json"],
    )
    .await;
    assert_ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["alreadyGone"], 1);
    // Not an id: refused before anything is sent.
    let out = run(
        as_dana(command()),
        &[
            "revoke",
            "--server",
            &url,
            "00000000-0000-0000-0000-000000000000",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));

    let out = run(
        as_dana(command()),
        &["revoke", "--server", &url, "--expired"],
    )
    .await;
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("2 revoked"),
        "{}",
        text(&out.stdout)
    );
    let after = server_tokens(&sim).await;
    let state = sim.control(Method::GET, "server/state", None).await;
    assert_eq!(state["revokeAllCalls"], 0);
    for (b, a) in before.iter().zip(&after) {
        let was_expired = b["status"] == "expired" && b["owner"] == SERVER_DEMO_LOGIN;
        if was_expired || b["authorizationId"] == build_agent.as_str() {
            assert_eq!(a["status"], "revoked", "{a}");
        } else {
            assert_eq!(a["status"], b["status"], "{a}");
        }
    }
}

#[tokio::test]
async fn https_with_a_company_ca_is_refused_plainly_until_ssl_cert_file_trusts_it() {
    let ca = patdesk_test_support::tls::test_ca();
    let sim = patdesk_sim::Simulator::start(SimOptions {
        tls: Some(ca.server.clone()),
        start_at: Some(patdesk_test_support::test_now()),
        ..Default::default()
    })
    .await
    .unwrap();
    let url = sim.server_url();
    let out = run(as_dana(command()), &["list", "--server", &url]).await;
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(
        said.contains("does not trust the server's security certificate"),
        "{said}"
    );
    assert!(said.contains("IT help desk"));

    let dir = std::env::temp_dir().join(format!("patdesk-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("company-ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    let mut trusting = as_dana(command());
    trusting.env("SSL_CERT_FILE", &ca_file);
    let out = run(trusting, &["list", "--server", &url, "--json"]).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_ok(&out);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!listed.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn loopback_is_reached_directly_when_a_proxy_is_set() {
    let sim = sim().await;
    // A proxy that does not exist: anything sent through it would fail.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    let with_proxy = |mut cmd: Command| {
        cmd.env("HTTPS_PROXY", &dead)
            .env("HTTP_PROXY", &dead)
            .env("ALL_PROXY", &dead);
        cmd
    };
    // The server (the core's own transport).
    let out = run(
        with_proxy(as_dana(command())),
        &["list", "--server", &sim.sim.server_url()],
    )
    .await;
    assert_ok(&out);
    // Services (reqwest).
    let token = sim
        .control(Method::POST, "access-token", Some(json!({})))
        .await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let e = sim.sim.endpoints();
    let mut services = with_proxy(command());
    services
        .env("PATDESK_LOGIN_URL", e.login)
        .env("PATDESK_APP_VSSPS_URL", e.app_vssps)
        .env("PATDESK_VSSPS_URL", e.vssps)
        .env("PATDESK_DEV_URL", e.dev)
        .env("PATDESK_ACCESS_TOKEN", token);
    let out = run(services, &["whoami"]).await;
    assert_ok(&out);
}

/// An address that names a collection limits `list` and `revoke --expired` to the tokens made for that
/// collection (as `--org` does on Services): the expired token of the other collection stays, and a collection
/// the server does not have is refused before anything is revoked.
#[tokio::test]
async fn a_collection_address_limits_list_and_revoke_expired_to_that_collection() {
    let sim = sim().await;
    let url = sim.sim.server_url();
    let listed_names = |out: &Output| -> Vec<String> {
        let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut names: Vec<String> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["displayName"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let out = run(
        as_dana(command()),
        &[
            "list",
            "--server",
            &format!("{url}/Fabrikam"),
            "--filter",
            "all",
            "--json",
        ],
    )
    .await;
    assert_ok(&out);
    assert_eq!(
        listed_names(&out),
        ["Expired test token", "Release pipeline"]
    );
    let out = run(
        as_dana(command()),
        &[
            "list",
            "--server",
            &format!("{url}/fabrikam/_git/web"),
            "--filter",
            "expired",
        ],
    )
    .await;
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("Expired test token"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        !text(&out.stdout).contains("Old clone token"),
        "{}",
        text(&out.stdout)
    );

    let out = run(
        as_dana(command()),
        &[
            "revoke",
            "--server",
            &format!("{url}/DefaultCollection"),
            "--expired",
        ],
    )
    .await;
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("1 revoked"),
        "{}",
        text(&out.stdout)
    );
    let status = |tokens: &[Value], name: &str| {
        tokens.iter().find(|t| t["displayName"] == name).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let after = server_tokens(&sim).await;
    assert_eq!(status(&after, "Old clone token"), "revoked");
    assert_eq!(
        status(&after, "Expired test token"),
        "expired",
        "the other collection's token stays"
    );

    for verb in [&["list"][..], &["revoke", "--expired"][..]] {
        let address = format!("{url}/Nowhere");
        let mut args = verb.to_vec();
        args.extend(["--server", &address]);
        let out = run(as_dana(command()), &args).await;
        assert_eq!(out.status.code(), Some(1), "{verb:?}");
        let said = text(&out.stderr);
        assert!(
            said.contains("collection was not found"),
            "{verb:?}: {said}"
        );
    }
    assert_eq!(
        status(&server_tokens(&sim).await, "Expired test token"),
        "expired"
    );
}

/// A server on plain `http://` off this computer (the simulator on this computer's network address): refused
/// with the core's sentence and nothing sent, unless `--allow-plain-http` is given, which warns on stderr.
#[tokio::test]
async fn an_unencrypted_server_on_another_computer_needs_allow_plain_http() {
    let sim = TestSim::start_on_network(SimOptions {
        seed: Seed::Demo,
        start_at: Some(patdesk_test_support::test_now()),
        ..Default::default()
    })
    .await;
    let url = sim.sim.server_url();
    assert!(
        url.starts_with("http://") && !url.contains("127.0.0.1"),
        "{url}"
    );
    let label = url.trim_start_matches("http://").trim_end_matches("/tfs");

    let out = run(as_dana(command()), &["list", "--server", &url, "--json"]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said = text(&out.stderr);
    assert!(said.contains("is not encrypted (http://)"), "{said}");
    assert!(
        said.contains(&format!("\"Use the unencrypted connection to {label}\"")),
        "{said}"
    );
    assert!(said.contains("--allow-plain-http"), "{said}");
    assert!(out.stdout.is_empty());
    assert_eq!(sim.requests().await, Vec::<Value>::new(), "nothing sent");

    let out = run(
        as_dana(command()),
        &["list", "--server", &url, "--json", "--allow-plain-http"],
    )
    .await;
    assert_ok(&out);
    let listed: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    assert!(listed.is_array());
    assert!(
        text(&out.stderr).contains(&format!("the connection to {label} is not encrypted")),
        "{}",
        text(&out.stderr)
    );
}
