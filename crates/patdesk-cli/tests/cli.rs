//! `patdesk-cli` as a person or a script meets it: the real built binary, run as a child process against an
//! in-process simulator on loopback, with the four endpoint variables and `PATDESK_ACCESS_TOKEN` from
//! `POST /_sim/access-token` (or a real device-code sign-in). Outcomes are checked in the simulator's state.

use std::collections::BTreeSet;
use std::process::{Output, Stdio};
use std::time::Duration;

use patdesk_sim::Seed;
use patdesk_test_support::{TestSim, FABRIKAM_TENANT};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

mod common;
use common::{assert_ok, text, BIN};

/// The binary with the simulator's endpoints and no inherited PATDESK_* settings.
fn command(env: &TestSim, access_token: Option<&str>) -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("PATDESK_") {
            cmd.env_remove(key);
        }
    }
    let e = env.sim.endpoints();
    cmd.env("PATDESK_LOGIN_URL", e.login)
        .env("PATDESK_APP_VSSPS_URL", e.app_vssps)
        .env("PATDESK_VSSPS_URL", e.vssps)
        .env("PATDESK_DEV_URL", e.dev)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if let Some(token) = access_token {
        cmd.env("PATDESK_ACCESS_TOKEN", token);
    }
    cmd
}

async fn access_token(env: &TestSim) -> String {
    let v = env
        .control(reqwest::Method::POST, "access-token", Some(json!({})))
        .await;
    v["accessToken"].as_str().expect("accessToken").to_string()
}

async fn cli(env: &TestSim, args: &[&str]) -> Output {
    let token = access_token(env).await;
    command(env, Some(&token))
        .args(args)
        .output()
        .await
        .expect("patdesk-cli runs")
}

/// The simulator's tokens of the demo user.
async fn my_tokens(env: &TestSim) -> Vec<Value> {
    let me = env.sim.demo_user().oid;
    env.state().await["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["ownerOid"] == me.as_str())
        .cloned()
        .collect()
}

async fn org_id(env: &TestSim, name: &str) -> String {
    env.state().await["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["accountName"] == name)
        .map(|o| o["accountId"].as_str().unwrap().to_string())
        .unwrap()
}

/// The demo user's tokens listed through `org` (its own plus global ones) with this status.
async fn listed_in(env: &TestSim, org: &str, status: &str) -> BTreeSet<String> {
    let id = org_id(env, org).await;
    my_tokens(env)
        .await
        .into_iter()
        .filter(|t| t["status"] == status)
        .filter(|t| match t["targetAccounts"].as_array() {
            None => true,
            Some(targets) => targets.iter().any(|a| a.as_str() == Some(id.as_str())),
        })
        .map(|t| t["authorizationId"].as_str().unwrap().to_string())
        .collect()
}

fn ids_of(json: &Value) -> BTreeSet<String> {
    json.as_array()
        .expect("an array")
        .iter()
        .map(|t| t["authorizationId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_is_what_the_server_has() {
    let env = TestSim::seeded(Seed::Demo).await;
    for (filter, status) in [
        ("active", "active"),
        ("expired", "expired"),
        ("revoked", "revoked"),
    ] {
        let out = cli(
            &env,
            &["list", "--org", "contoso-web", "--filter", filter, "--json"],
        )
        .await;
        assert_ok(&out);
        let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
        assert_eq!(
            ids_of(&json),
            listed_in(&env, "contoso-web", status).await,
            "{filter}"
        );
        for t in json.as_array().unwrap() {
            assert_eq!(t["status"], status);
        }
    }

    // Sorted by expiry on request.
    let out = cli(
        &env,
        &["list", "--org", "contoso-web", "--sort", "expiry", "--json"],
    )
    .await;
    assert_ok(&out);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dates: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["validTo"].as_str().unwrap().to_string())
        .collect();
    let parsed: Vec<chrono::DateTime<chrono::Utc>> =
        dates.iter().map(|d| d.parse().unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");

    // The table names every token.
    let out = cli(&env, &["list", "--org", "contoso-web"]).await;
    assert_ok(&out);
    let table = text(&out.stdout);
    assert!(table.starts_with("NAME"));
    assert!(table.contains("npm-publish"));
    assert!(
        table.contains("all organizations"),
        "the global PAT is labelled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_of_every_organization_reports_the_ones_it_cannot_read() {
    let env = TestSim::seeded(Seed::Demo).await;
    let out = cli(&env, &["list", "--filter", "all", "--json"]).await;
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    let mut expected = BTreeSet::new();
    for org in ["contoso-web", "contoso-data"] {
        for status in ["active", "expired", "revoked"] {
            expected.extend(listed_in(&env, org, status).await);
        }
    }
    // The guest organization (another tenant) needs its own sign-in: said plainly, the rest still listed,
    // and the command succeeds (it fails only when nothing at all could be listed).
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Could not list the tokens of fabrikam-tools"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("PATDESK_AUTHORITY={FABRIKAM_TENANT}")),
        "{stderr}"
    );
    assert_eq!(ids_of(&json), expected);

    // Nothing at all can be listed (a Conditional Access policy everywhere): each organization's own
    // sentence, and the command fails.
    env.policies(json!({"conditionalAccess": true})).await;
    let out = cli(&env, &["list", "--filter", "all"]).await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for org in ["contoso-web", "contoso-data"] {
        assert!(
            stderr.contains(&format!("Could not list the tokens of {org}: This organization's administrator only allows access")),
            "{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_prints_the_secret_once_and_only_the_secret() {
    let env = TestSim::seeded(Seed::Demo).await;
    let out = cli(
        &env,
        &[
            "create",
            "--org",
            "contoso-web",
            "--name",
            "cli build token",
            "--scopes",
            "vso.code_write vso.packaging",
            "--days",
            "30",
        ],
    )
    .await;
    assert_ok(&out);
    let stdout = text(&out.stdout);
    let secret = stdout.trim_end_matches('\n');
    assert!(!secret.contains('\n'), "stdout is one line: {stdout:?}");
    assert_eq!(secret.len(), 84);
    assert!(secret.chars().all(|c| c.is_ascii_alphanumeric()));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains(secret),
        "the secret is printed once, to stdout"
    );
    assert!(stderr.contains("shown only once"));

    let created = env.tokens_named("cli build token").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["status"], "active");
    let scopes: BTreeSet<&str> = created[0]["scope"].as_str().unwrap().split(' ').collect();
    assert_eq!(scopes, BTreeSet::from(["vso.code_write", "vso.packaging"]));

    // --json: nothing on stdout but the JSON.
    let until = (chrono::Utc::now() + chrono::Duration::days(10))
        .format("%Y-%m-%d")
        .to_string();
    let out = cli(
        &env,
        &[
            "create",
            "--org",
            "contoso-data",
            "--name",
            "cli admin",
            "--full-access",
            "--until",
            &until,
            "--json",
        ],
    )
    .await;
    assert_ok(&out);
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    assert_eq!(json["secret"].as_str().unwrap().len(), 84);
    assert_eq!(json["token"]["displayName"], "cli admin");
    assert_eq!(json["token"]["scope"], "app_token");
    assert!(json["token"]["validTo"]
        .as_str()
        .unwrap()
        .starts_with(&until));
    assert_eq!(env.tokens_named("cli admin").await[0]["scope"], "app_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_by_id_then_again_is_already_revoked() {
    let env = TestSim::seeded(Seed::Demo).await;
    let active: Vec<String> = listed_in(&env, "contoso-web", "active")
        .await
        .into_iter()
        .take(2)
        .collect();
    let before = listed_in(&env, "contoso-web", "revoked").await;

    let out = cli(
        &env,
        &["revoke", "--org", "contoso-web", &active[0], &active[1]],
    )
    .await;
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("2 revoked"),
        "{}",
        text(&out.stdout)
    );
    let after = listed_in(&env, "contoso-web", "revoked").await;
    let mut expected = before.clone();
    expected.extend(active.iter().cloned());
    assert_eq!(after, expected, "exactly these two were revoked");

    let out = cli(
        &env,
        &[
            "revoke",
            "--org",
            "contoso-web",
            &active[0],
            &active[1],
            "--json",
        ],
    )
    .await;
    assert_ok(&out);
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["alreadyGone"], 2);
    assert_eq!(summary["revoked"], 0);
    assert_eq!(summary["results"][0]["outcome"]["kind"], "alreadyGone");
}

/// An id that is not a GUID (empty, a path, a word) is refused with a sentence before anything is sent, and
/// the CLI never says it was revoked.
#[tokio::test]
async fn revoke_refuses_an_id_that_is_not_a_guid() {
    let env = TestSim::seeded(Seed::Demo).await;
    let before = my_tokens(&env).await;
    env.clear_requests().await;
    for bad in ["", "../_apis", "some-id"] {
        let out = cli(&env, &["revoke", "--org", "contoso-web", bad]).await;
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        assert!(
            text(&out.stderr).contains("This is not a token id."),
            "{bad:?}: {}",
            text(&out.stderr)
        );
        assert!(
            !text(&out.stdout).contains("revoked"),
            "{}",
            text(&out.stdout)
        );
    }
    let sent: Vec<Value> = env
        .requests()
        .await
        .into_iter()
        .filter(|r| r["method"] == "DELETE")
        .collect();
    assert!(sent.is_empty(), "{sent:?}");
    assert_eq!(my_tokens(&env).await, before);
}

/// A name from the server is printed with its control characters escaped, so it cannot clear the terminal,
/// move the cursor or hide text (the table, the progress lines and the summary).
#[tokio::test]
async fn names_from_the_server_are_printed_with_control_characters_escaped() {
    let env = TestSim::start_at_test_now(patdesk_sim::SimOptions {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await;
    let valid_to = (patdesk_test_support::test_now() + chrono::Duration::days(400)).to_rfc3339();
    let made = env
        .control(
            reqwest::Method::POST,
            "pats",
            Some(json!({"org": "contoso-web", "displayName": "evil\u{1b}[2J\u{7}\u{202e}name", "scope": "vso.code", "validTo": valid_to, "revoked": false})),
        )
        .await;
    let id = made["authorizationId"].as_str().unwrap().to_string();
    let out = cli(&env, &["list", "--org", "contoso-web"]).await;
    assert_ok(&out);
    let table = text(&out.stdout);
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}') && !table.contains('\u{202e}'),
        "{table:?}"
    );
    assert!(
        table.contains("evil\\u{1b}[2J\\u{7}\\u{202e}name"),
        "{table}"
    );
    // JSON output is JSON: its own escaping.
    let out = cli(&env, &["list", "--org", "contoso-web", "--json"]).await;
    assert!(!text(&out.stdout).contains('\u{1b}'));

    let out = cli(&env, &["revoke", "--org", "contoso-web", &id]).await;
    assert_ok(&out);
    for printed in [text(&out.stdout), text(&out.stderr)] {
        assert!(!printed.contains('\u{1b}'), "{printed:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_expired_revokes_every_expired_token_and_nothing_else() {
    let env = TestSim::seeded(Seed::Demo).await;
    let expired = listed_in(&env, "contoso-data", "expired").await;
    assert!(
        expired.len() >= 2,
        "the demo has expired tokens in contoso-data"
    );
    let active = listed_in(&env, "contoso-data", "active").await;
    let revoked_before = listed_in(&env, "contoso-data", "revoked").await;

    let out = cli(
        &env,
        &["revoke", "--expired", "--org", "contoso-data", "--json"],
    )
    .await;
    assert_ok(&out);
    let summary: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    assert_eq!(summary["revoked"], expired.len());
    assert_eq!(summary["failed"], 0);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("[{n}/{n}]", n = expired.len())),
        "progress on stderr: {stderr}"
    );

    assert!(listed_in(&env, "contoso-data", "expired").await.is_empty());
    assert_eq!(
        listed_in(&env, "contoso-data", "active").await,
        active,
        "active tokens untouched"
    );
    let mut expected = revoked_before;
    expected.extend(expired);
    assert_eq!(listed_in(&env, "contoso-data", "revoked").await, expected);

    let out = cli(&env, &["revoke", "--expired", "--org", "contoso-data"]).await;
    assert_ok(&out);
    assert!(text(&out.stderr).contains("Nothing to revoke"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_names_the_person_and_their_organizations() {
    let env = TestSim::seeded(Seed::Demo).await;
    let out = cli(&env, &["whoami", "--json"]).await;
    assert_ok(&out);
    let profile: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(profile["displayName"], "Dana Whitfield");
    let orgs: BTreeSet<&str> = profile["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(orgs.contains("contoso-web") && orgs.contains("contoso-data"));

    let out = cli(&env, &["whoami"]).await;
    assert_ok(&out);
    assert!(text(&out.stdout).starts_with("Dana Whitfield <dana.whitfield@contoso.example>"));
}

/// The effective user id in a `/proc/{pid}/status`.
#[cfg(target_os = "linux")]
fn effective_uid(status: &str) -> u32 {
    let line = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .expect("a Uid line");
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// A core dump of the CLI would hold the tokens it handles, so it turns core dumps off first thing. Seen from
/// outside as the kernel shows it (proc(5)): the `/proc/{pid}` files of a process that cannot be dumped belong
/// to root, not to the user it runs as.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_turns_core_dumps_off_at_start() {
    use std::os::unix::fs::MetadataExt;

    let env = TestSim::seeded(Seed::Demo).await;
    // A slow profile keeps the CLI running while it is looked at.
    env.fault(json!({"kind": "latency", "route": "profile", "latencyMs": 8000}))
        .await;
    let token = access_token(&env).await;
    let mut cmd = command(&env, Some(&token));
    cmd.arg("whoami")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Root owns every /proc file of a process run by root: run the CLI as another user then, so that the
    // owner tells the two cases apart.
    let me = effective_uid(&std::fs::read_to_string("/proc/self/status").unwrap());
    let runs_as = if me == 0 {
        cmd.uid(65534).gid(65534);
        65534
    } else {
        me
    };
    let mut child = cmd.spawn().expect("patdesk-cli runs");
    let status_file = format!("/proc/{}/status", child.id().unwrap());
    assert_eq!(
        effective_uid(&std::fs::read_to_string(&status_file).unwrap()),
        runs_as
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let owner = std::fs::metadata(&status_file)
            .expect("the CLI is still running")
            .uid();
        if owner == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the CLI's /proc files still belong to uid {owner}: it can be dumped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_failures_exit_1_with_a_plain_message() {
    let env = TestSim::seeded(Seed::Demo).await;
    for args in [
        vec![
            "create",
            "--org",
            "contoso-web",
            "--days",
            "3",
            "--full-access",
        ],
        vec![
            "create",
            "--org",
            "contoso-web",
            "--name",
            "x",
            "--days",
            "3",
        ],
        vec![
            "create",
            "--org",
            "contoso-web",
            "--name",
            "x",
            "--full-access",
            "--days",
            "400",
        ],
        vec!["revoke"],
        vec!["revoke", "some-id"],
        vec!["list", "--filter", "bogus"],
        vec!["frobnicate"],
    ] {
        let out = cli(&env, &args).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }

    let out = command(&env, Some("not-a-real-token"))
        .args(["whoami"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Please sign in again"), "{stderr}");
    assert!(!stderr.contains("Error {"), "no debug output: {stderr}");
    assert!(out.stdout.is_empty());

    let out = cli(&env, &["list", "--org", "no-such-org"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not a member"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_a_device_code() {
    let env = TestSim::seeded(Seed::Demo).await;
    env.switches(json!({"deviceIntervalSeconds": 1})).await;
    let mut child = command(&env, None)
        .arg("sign-in")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let code = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if let Some(rest) = line.split("enter the code ").nth(1) {
                return rest.split_whitespace().next().unwrap().to_string();
            }
        }
        panic!("no device code prompt on stderr");
    })
    .await
    .expect("prompt in time");
    env.control(
        reqwest::Method::POST,
        "device/approve",
        Some(json!({"userCode": code})),
    )
    .await;
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("sign-in finishes")
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("Signed in as Dana Whitfield"));
}

#[cfg_attr(
    windows,
    ignore = "sends SIGINT with sh's kill; Windows has neither (Ctrl+C is a console event of the console the CLI shares)"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_revoke_lets_requests_in_flight_finish_and_sends_no_more() {
    let env = TestSim::seeded(Seed::Large(120)).await;
    let expired = listed_in(&env, "contoso-web", "expired").await;
    assert!(
        expired.len() >= 10,
        "the seed has {} expired tokens",
        expired.len()
    );
    env.fault(json!({"kind": "latency", "route": "pats.revoke", "latencyMs": 1000}))
        .await;
    let token = access_token(&env).await;
    let mut child = command(&env, Some(&token))
        .args([
            "revoke",
            "--expired",
            "--org",
            "contoso-web",
            "--concurrency",
            "2",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    // The first finished token: the bulk run (and its Ctrl-C handler) is under way.
    let first = tokio::time::timeout(Duration::from_secs(30), stderr.next_line())
        .await
        .expect("progress in time")
        .unwrap()
        .unwrap();
    assert!(first.starts_with("[1/"), "{first}");
    // The shell's built-in `kill`: no dependency on procps.
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id().unwrap())])
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = String::new();
    while let Some(line) = stderr.next_line().await.unwrap() {
        rest.push_str(&line);
        rest.push('\n');
    }
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("ends after the requests in flight")
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr: {first}\n{rest}");
    assert!(rest.contains("Cancelling"), "{rest}");
    let summary: Value = serde_json::from_slice(&out.stdout).expect("summary JSON");
    let revoked = summary["revoked"].as_u64().unwrap() as usize;
    let cancelled = summary["cancelled"].as_u64().unwrap() as usize;
    assert!(cancelled > 0);
    assert_eq!(revoked + cancelled, expired.len());
    // Ctrl-C came within the first round (two tokens finish together), so at most that round and the next
    // two requests in flight were sent.
    assert!(
        revoked <= 4,
        "only the first round and those in flight: {revoked}"
    );

    let sent = env
        .requests()
        .await
        .iter()
        .filter(|r| r["route"] == "pats.revoke")
        .count();
    assert_eq!(
        sent, revoked,
        "nothing was sent after Ctrl-C but the requests in flight"
    );
    let still_expired = listed_in(&env, "contoso-web", "expired").await;
    assert_eq!(still_expired.len(), cancelled);
}
