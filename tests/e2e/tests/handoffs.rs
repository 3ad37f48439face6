//! Handing a new token to Git and NuGet in the real window, and the cleanup a revoke offers, proven by the
//! tools themselves against the demo's in-process simulator: after "Use with Git" the real `git` (with the
//! `cache` credential helper, in the app's throw-away HOME) lists a repository of the organization with no
//! password in the URL, and after "Use with NuGet" (plain text chosen) the real `nuget` reaches the feed with
//! the token (the simulator's request log shows the feed answering it). The row then says "Used with: Git,
//! NuGet feed …"; Revoke offers to remove both copies and lists each place as removed; afterwards Git finds
//! no credential and NuGet's configuration holds no source and no token. At the end no file under the app's
//! home holds the token (`App::finish`), so the plain-text NuGet copy is really gone.

use std::process::{Command, Output};

use patdesk_e2e::{app_bin, testid, within_limit, App, Dirs};
use serde_json::Value;

const FEED: &str = "e2e-packages";

/// A `git` or `nuget` child in the app's own HOME and XDG directories, as the app runs them.
fn tool(dirs: &Dirs, program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("HOME", dirs.path("home"))
        .env("XDG_CONFIG_HOME", dirs.path("config"))
        .env("XDG_CACHE_HOME", dirs.path("cache"))
        .env("XDG_DATA_HOME", dirs.path("data"))
        .env("XDG_RUNTIME_DIR", dirs.path("runtime"))
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .env_remove("GIT_CONFIG_GLOBAL");
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("the tool runs"))
        .await
        .unwrap()
}

/// `git ls-remote` of a repository of `org`, the organization as user name and no password in the URL.
async fn ls_remote(app: &App, org: &str) -> Output {
    let url = format!("{}/dev/{org}/Shop/_git/shop", app.sim.base).replacen(
        "http://",
        &format!("http://{org}@"),
        1,
    );
    let mut cmd = tool(&app.dirs, "git");
    cmd.args(["ls-remote", &url]);
    run(cmd).await
}

/// Feed searches the simulator answered `200` (only a request carrying an active PAT gets one).
async fn answered_searches(app: &App) -> usize {
    let requests: Value = app.sim.get("/_sim/requests").await;
    requests
        .as_array()
        .expect("the request log")
        .iter()
        .filter(|r| r["route"] == "nuget.feed" && r["status"] == 200)
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/Search()")))
        .count()
}

/// `nuget list` against the source the app added; whether the feed answered it.
async fn nuget_authenticates(app: &App, source: &str) -> bool {
    let before = answered_searches(app).await;
    let mut cmd = tool(&app.dirs, "nuget");
    cmd.args(["list", "-Source", source, "-NonInteractive"]);
    run(cmd).await;
    answered_searches(app).await > before
}

fn nuget_config(dirs: &Dirs) -> String {
    std::fs::read_to_string(dirs.path("config").join("NuGet/NuGet.Config")).unwrap_or_default()
}

#[tokio::test]
async fn git_and_nuget_use_the_handed_token_until_revoke_removes_the_copies() {
    within_limit("hand-offs", async {
        // Git with the `cache` helper (memory only), configured in the app's home before it starts.
        let dirs = Dirs::new();
        let mut config = tool(&dirs, "git");
        config.args([
            "config",
            "--global",
            "credential.helper",
            "cache --timeout=600",
        ]);
        assert!(run(config).await.status.success());

        let mut app = App::launch_in("handoffs", &app_bin(), &[], dirs).await;
        app.click("demo-button").await;
        app.visible("demo-banner").await;
        app.sim.ready().await;
        app.find("token-row").await;

        app.submit_new_token("E2E hand-off").await;
        app.reveal_new_secret().await;
        let state = app.sim.state().await;
        let token = state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["displayName"] == "E2E hand-off")
            .expect("the new token in the simulator")
            .clone();
        let id = token["authorizationId"].as_str().unwrap().to_lowercase();
        let org = state["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| {
                token["targetAccounts"][0]
                    .as_str()
                    .is_some_and(|a| o["accountId"].as_str() == Some(a))
            })
            .or_else(|| state["organizations"].as_array().unwrap().first())
            .map(|o| o["accountName"].as_str().unwrap().to_string())
            .unwrap();
        assert!(
            !ls_remote(&app, &org).await.status.success(),
            "no credential before the hand-off"
        );

        // Use with Git: the cache helper keeps it in memory, so no go-ahead is asked.
        app.click("use-with-git-button").await;
        let said = app.visible("git-result").await.text().await.unwrap();
        assert!(said.contains("Git will now use this token"), "{said}");
        let out = ls_remote(&app, &org).await;
        assert!(out.status.success(), "git with the handed token: {out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("refs/heads/main"));

        // Use with NuGet: the plain-text warning, the choice, then the feed.
        app.click("use-with-nuget-button").await;
        let warning = app
            .visible("nuget-plain-warning")
            .await
            .text()
            .await
            .unwrap();
        assert!(warning.contains("plain text"), "{warning}");
        let feed = format!(
            "{}/pkgs/{org}/_packaging/{FEED}/nuget/v3/index.json",
            app.sim.base
        );
        app.type_into("nuget-feed-input", &feed).await;
        app.click("nuget-plain-consent").await;
        app.click("nuget-add-button").await;
        let said = app.visible("nuget-result").await.text().await.unwrap();
        assert!(said.contains(FEED), "{said}");
        assert!(
            nuget_authenticates(&app, FEED).await,
            "nuget with the handed token"
        );
        app.screenshot("handoffs-created").await;

        // The row says where the token went.
        app.click("done-button").await;
        app.find("token-row").await;
        app.type_into("search-input", "E2E hand-off").await;
        let expected = format!("Used with: Git, NuGet feed {FEED}");
        let used_css = format!(
            "[data-testid=\"token-row\"][data-authorization-id=\"{id}\"] {}",
            testid("used-with")
        );
        let used = app
            .until("Used with on the row", || async {
                let el = app.find_css(&used_css).await;
                let text = el.prop("textContent").await.ok().flatten()?;
                (text.trim() == expected).then(|| text.trim().to_string())
            })
            .await;
        app.screenshot("handoffs-row").await;
        let row = app.row(&id).await;
        assert_eq!(used, format!("Used with: Git, NuGet feed {FEED}"));

        // Revoke with the cleanup it offers.
        row.find(fantoccini::Locator::Css(&testid("row-revoke-button")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let option = app
            .visible("remove-copies-option")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            option.contains(&format!("Git, NuGet feed {FEED}")),
            "{option}"
        );
        app.screenshot("handoffs-revoke-dialog").await;
        app.click("confirm-button").await;
        app.visible("revoke-copies-result").await;
        let lines = app.all("copy-result").await;
        let mut texts = Vec::new();
        for line in &lines {
            texts.push(line.text().await.unwrap());
        }
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].starts_with("Git: removed"), "{texts:?}");
        assert!(
            texts[1].starts_with(&format!("NuGet feed {FEED}: removed")),
            "{texts:?}"
        );
        app.screenshot("handoffs-revoked").await;

        // Neither tool finds a credential any more.
        assert!(
            !ls_remote(&app, &org).await.status.success(),
            "Git still found a credential"
        );
        let config = nuget_config(&app.dirs);
        assert!(
            !config.contains(FEED),
            "NuGet still has the source: {config}"
        );
        assert!(!nuget_authenticates(&app, &feed).await);

        let mut stop = tool(&app.dirs, "git");
        stop.args(["credential-cache", "exit"]);
        run(stop).await;
        assert!(!nuget_config(&app.dirs).contains("ClearTextPassword"));
        app.finish().await;
    })
    .await;
}

/// Bulk revoke offers the same cleanup: a token handed to Git and revoked with the others has its copy removed,
/// with a line for that place in the results, and Git no longer finds a credential.
#[tokio::test]
async fn bulk_revoke_removes_the_copies_of_the_tokens_it_revokes() {
    within_limit("hand-offs bulk", async {
        let dirs = Dirs::new();
        let mut config = tool(&dirs, "git");
        config.args([
            "config",
            "--global",
            "credential.helper",
            "cache --timeout=600",
        ]);
        assert!(run(config).await.status.success());
        let mut app = App::launch_in("handoffs_bulk", &app_bin(), &[], dirs).await;
        app.click("demo-button").await;
        app.visible("demo-banner").await;
        app.sim.ready().await;
        app.find("token-row").await;

        app.submit_new_token("bulkcase git").await;
        app.reveal_new_secret().await;
        app.click("use-with-git-button").await;
        app.visible("git-result").await;
        app.click("done-button").await;
        app.find("token-row").await;
        let state = app.sim.state().await;
        let token = state["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["displayName"] == "bulkcase git")
            .unwrap()
            .clone();
        let org = state["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| token["targetAccounts"][0].as_str() == o["accountId"].as_str())
            .map(|o| o["accountName"].as_str().unwrap().to_string())
            .unwrap();
        assert!(
            ls_remote(&app, &org).await.status.success(),
            "git with the handed token"
        );

        // It and a token handed nowhere, revoked together.
        let other = app.seed_tokens_and_show("bulkcase-", 1).await;
        assert_eq!(other.len(), 1);
        app.type_into("search-input", "bulkcase").await;
        app.until("both tokens listed", || async {
            (app.row_ids().await.len() == 2).then_some(())
        })
        .await;
        app.click("select-all").await;
        app.click("bulk-revoke-button").await;
        let option = app
            .visible("remove-copies-option")
            .await
            .text()
            .await
            .unwrap();
        assert!(option.contains("Git (bulkcase git)"), "{option}");
        app.click("confirm-button").await;
        app.visible("bulk-close-button").await;
        let results = app.visible("copy-results").await.text().await.unwrap();
        assert!(results.contains("Git (bulkcase git): removed"), "{results}");
        assert_eq!(
            app.all("copy-result").await.len(),
            1,
            "one place, of the one handed token"
        );
        app.screenshot("handoffs-bulk-results").await;
        app.click("bulk-close-button").await;

        assert!(
            !ls_remote(&app, &org).await.status.success(),
            "Git still found a credential"
        );
        let mut stop = tool(&app.dirs, "git");
        stop.args(["credential-cache", "exit"]);
        run(stop).await;
        app.finish().await;
    })
    .await;
}

/// A feed address that is not an Azure Artifacts feed of the token's organization is refused under its field,
/// in the core's words naming the address expected, before NuGet runs or anything is copied; what was typed
/// stays in the field.
#[tokio::test]
async fn a_feed_address_that_is_not_azure_artifacts_is_refused_under_its_field() {
    within_limit("feed-refusal", async {
        let mut app = App::demo("feed-refusal").await;
        app.submit_new_token("E2E feed refusal").await;
        app.reveal_new_secret().await;
        let org = app.sim.state().await["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["accountName"].as_str().unwrap().to_string())
            .collect::<Vec<_>>();

        app.click("use-with-nuget-button").await;
        let typed = format!(
            "https://packages.example.com/{}/_packaging/{FEED}/nuget/v3/index.json",
            org[0]
        );
        app.type_into("nuget-feed-input", &typed).await;
        app.click("nuget-snippet-button").await;
        let refusal = app.visible("nuget-feed-error").await;
        let said = refusal.text().await.unwrap();
        assert!(
            said.starts_with("https://packages.example.com is not an Azure Artifacts address."),
            "{said}"
        );
        assert!(
            org.iter().any(|o| said.contains(&format!(
                "PAT Desk only hands tokens to Azure Artifacts feeds of {o}: an address starting with https://pkgs.dev.azure.com/{o}/"
            ))),
            "{said}"
        );
        let input = app.find("nuget-feed-input").await;
        assert_eq!(
            input.prop("value").await.unwrap().as_deref(),
            Some(typed.as_str()),
            "what was typed stays"
        );
        assert_eq!(
            input.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true")
        );
        assert!(app.all("nuget-snippet-result").await.is_empty(), "nothing copied");
        assert!(app.all("nuget-error").await.is_empty());
        assert!(nuget_config(&app.dirs).is_empty(), "NuGet was not run");
        let arg = serde_json::to_value(&refusal).unwrap();
        let _ = app
            .client
            .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
            .await;
        app.screenshot("feed-refusal").await;
        app.finish().await;
    })
    .await;
}
