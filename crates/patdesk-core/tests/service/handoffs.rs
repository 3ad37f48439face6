//! Hand-offs proven by the tools themselves: a token PAT Desk hands to the real `git` and the real NuGet
//! client (Debian's `nuget`, 2.8 on Mono) in a throw-away HOME authenticates to the simulator's Git
//! repository and NuGet feed; after the cleanup a revoke offers, the tool no longer finds a credential; and
//! the default routes leave the token in no file under HOME (the whole HOME is searched for it). The record of
//! hand-offs then drives Regenerate (every place gets the new value) and the cleanup after a revoke.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use patdesk_core::copies::{remove_copies, replace_recorded_copies, CopyResult, TokenRef, Tools};
use patdesk_core::feed_address::FeedAddresses;
use patdesk_core::git_credential::{GitCredentials, GitHelperVerdict};
use patdesk_core::handoffs::{HandOff, HandOffStore, Tool};
use patdesk_core::model::{CreatedToken, Lifespan, NewTokenRequest, ReplacedCopy};
use patdesk_core::npm::{self, NpmClient};
use patdesk_core::nuget::{self, NuGetClient, NuGetClientKind, NuGetHandOff};
#[cfg(unix)]
use patdesk_core::pip::{PipClient, PipRoute};
use patdesk_core::ErrorCode;
use patdesk_sim::Seed;

use crate::common::*;

const ORG: &str = "contoso-web";

/// A throw-away HOME for the tools, removed (with any Git credential cache daemon stopped) when dropped.
struct Home {
    dir: PathBuf,
}

impl Home {
    fn new() -> Home {
        let dir = std::env::temp_dir().join(format!("patdesk-home-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Home { dir }
    }

    fn envs(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("HOME", self.dir.clone()),
            // Not ~/.config, so that a tool's configuration is only found where it really looks.
            ("XDG_CONFIG_HOME", self.dir.join("xdg-config")),
            ("XDG_CACHE_HOME", self.dir.join(".cache")),
            ("GIT_CONFIG_NOSYSTEM", PathBuf::from("1")),
        ]
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_remove("GIT_CONFIG_GLOBAL")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .env("GIT_TERMINAL_PROMPT", "0");
        for (k, v) in self.envs() {
            cmd.env(k, v);
        }
        cmd
    }

    fn git_config(&self, args: &[&str]) {
        let out = self
            .command("git")
            .args(["config", "--global"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }

    /// PAT Desk's Git hand-off for the simulator's organizations, in this HOME.
    fn git(&self, env: &Env) -> GitCredentials {
        let mut git = GitCredentials::new()
            .for_dev_url(&env.endpoints.dev)
            .env_remove("GIT_CONFIG_GLOBAL")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS");
        for (k, v) in self.envs() {
            git = git.env(k, v);
        }
        git
    }

    fn npm(&self) -> NpmClient {
        let mut client = NpmClient::new();
        for (k, v) in self.envs() {
            client = client.env(k, v);
        }
        client
    }

    /// PAT Desk's pip hand-off with the `python3` on PATH (no python-keyring there: the plain-text route).
    #[cfg(unix)]
    fn pip(&self) -> PipClient {
        let mut client = PipClient::new();
        for (k, v) in self.envs() {
            client = client.env(k, v);
        }
        client
    }

    fn nuget(&self) -> NuGetClient {
        let mut client = NuGetClient::new().program(NuGetClientKind::Nuget, "nuget");
        for (k, v) in self.envs() {
            client = client.env(k, v);
        }
        client
    }

    /// Git, NuGet and npm in this HOME, for the simulator's organization [`ORG`], as Regenerate and the cleanup
    /// after a revoke use them.
    fn tools(&self, env: &Env) -> Tools {
        Tools {
            git: self.git(env),
            nuget: self.nuget(),
            npm: self.npm(),
            feeds: FeedAddresses::for_dev_url(&env.endpoints.dev, Some(ORG)),
            ..Tools::default()
        }
    }

    /// The files under HOME whose bytes contain `needle`.
    fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        fn walk(dir: &Path, needle: &[u8], found: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    walk(&path, needle, found);
                } else if kind.is_file() {
                    if let Ok(bytes) = std::fs::read(&path) {
                        if bytes.windows(needle.len()).any(|w| w == needle) {
                            found.push(path);
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.dir, needle.as_bytes(), &mut found);
        found
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = self
            .command("git")
            .args(["credential-cache", "exit"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn create(env: &Env) -> CreatedToken {
    env.client
        .create_pat(&NewTokenRequest {
            organization: ORG.into(),
            display_name: "tools".into(),
            scopes: vec!["vso.code".into(), "vso.packaging".into()],
            lifespan: Lifespan::Days { days: 30 },
        })
        .await
        .unwrap()
}

/// `git ls-remote` of a repository of the organization, with the organization as user name in the URL as
/// Azure DevOps' clone URLs have it, and no password: Git must find the token with its credential helper.
async fn ls_remote(home: &Home, env: &Env) -> Output {
    let url = format!("{}/{ORG}/Shop/_git/shop", env.endpoints.dev).replacen(
        "http://",
        &format!("http://{ORG}@"),
        1,
    );
    let mut cmd = home.command("git");
    cmd.args(["ls-remote", &url]);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// `nuget list` against the registered source: NuGet must send the token it keeps for it.
async fn nuget_list(home: &Home, source: &str) -> Output {
    let mut cmd = home.command("nuget");
    cmd.args(["list", "-Source", source, "-NonInteractive"]);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// `nuget list` against the source, and whether the feed accepted what NuGet sent: NuGet 2.8 exits 0 and
/// says "No packages found" whether or not the feed refused it, so the simulator's own log of the feed's
/// answers tells (a search answered `200`, which only a request carrying an active PAT gets).
async fn nuget_authenticates(env: &Env, home: &Home, source: &str) -> bool {
    let searches = |requests: &[serde_json::Value]| {
        requests
            .iter()
            .filter(|r| r["route"] == "nuget.feed" && r["status"] == 200)
            .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/Search()")))
            .count()
    };
    let before = searches(&env.requests().await);
    let out = nuget_list(home, source).await;
    assert!(out.status.success(), "{out:?}");
    searches(&env.requests().await) > before
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix"
)]
#[tokio::test]
async fn git_uses_the_handed_token_until_the_cleanup_and_no_file_holds_it() {
    let env = start(Seed::Empty).await;
    let home = Home::new();
    home.git_config(&["credential.helper", "cache --timeout=300"]);
    let created = create(&env).await;
    let git = home.git(&env);

    assert!(
        !ls_remote(&home, &env).await.status.success(),
        "no credential yet"
    );
    let check = git
        .hand_off(ORG, &created.secret, Some(created.token.valid_to), false)
        .expect("a memory helper needs no go-ahead");
    assert_eq!(check.verdict, GitHelperVerdict::Ready);
    assert!(check.message.contains("memory"), "{}", check.message);

    let out = ls_remote(&home, &env).await;
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("refs/heads/main"));
    assert!(
        home.files_containing(created.secret.expose()).is_empty(),
        "the token is in a file: {:?}",
        home.files_containing(created.secret.expose())
    );

    // Revoke with cleanup: Git's helper forgets it, and Git finds no credential any more.
    env.client
        .revoke_pat(ORG, &created.token.authorization_id)
        .await
        .unwrap();
    git.reject(ORG).unwrap();
    assert!(!ls_remote(&home, &env).await.status.success());
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix"
)]
#[tokio::test]
async fn the_store_helper_needs_the_go_ahead_and_then_git_authenticates_with_it() {
    let env = start(Seed::Empty).await;
    let home = Home::new();
    home.git_config(&["credential.helper", "store"]);
    let created = create(&env).await;
    let git = home.git(&env);

    let check = git.check_helpers(ORG).unwrap();
    assert_eq!(check.verdict, GitHelperVerdict::PlainFile);
    assert!(check.message.contains("plain text"), "{}", check.message);
    let refused = git
        .hand_off(ORG, &created.secret, Some(created.token.valid_to), false)
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(home.files_containing(created.secret.expose()).is_empty());

    git.hand_off(ORG, &created.secret, Some(created.token.valid_to), true)
        .unwrap();
    assert_eq!(
        home.files_containing(created.secret.expose()),
        [home.dir.join(".git-credentials")],
        "the chosen plain file, and only it"
    );
    assert!(ls_remote(&home, &env).await.status.success());

    git.reject(ORG).unwrap();
    assert!(home.files_containing(created.secret.expose()).is_empty());
    assert!(!ls_remote(&home, &env).await.status.success());
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix; the Windows helper checks are unit tests in git_credential.rs"
)]
#[tokio::test]
async fn no_helper_or_gcm_in_oauth_mode_is_refused_with_the_reason() {
    let env = start(Seed::Empty).await;
    let home = Home::new();
    let git = home.git(&env);
    let created = create(&env).await;
    let none = git.check_helpers(ORG).unwrap();
    assert_eq!(none.verdict, GitHelperVerdict::Unusable);
    assert!(
        none.message.contains("no credential helper"),
        "{}",
        none.message
    );
    assert!(git.hand_off(ORG, &created.secret, None, true).is_err());

    // A helper scoped to another host does not count; one scoped to this host does.
    home.git_config(&["credential.https://example.com.helper", "cache"]);
    assert_eq!(
        git.check_helpers(ORG).unwrap().verdict,
        GitHelperVerdict::Unusable
    );
    let scoped = format!(
        "credential.{}.helper",
        env.endpoints.dev.as_str().trim_end_matches('/')
    );
    home.git_config(&[&scoped, "cache"]);
    assert_eq!(
        git.check_helpers(ORG).unwrap().verdict,
        GitHelperVerdict::Ready
    );

    let gcm = Home::new();
    gcm.git_config(&["credential.helper", "manager"]);
    gcm.git_config(&["credential.azreposCredentialType", "oauth"]);
    let check = gcm.git(&env).check_helpers(ORG).unwrap();
    assert_eq!(check.verdict, GitHelperVerdict::Unusable);
    assert!(check.message.contains("OAuth"), "{}", check.message);
    let err = gcm
        .git(&env)
        .hand_off(ORG, &created.secret, None, true)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::GitUnavailable);
}

#[cfg_attr(
    windows,
    ignore = "checks with Mono's nuget, which Windows has not; on Windows PAT Desk writes NuGet.Config itself, encrypted (keychain_windows.rs)"
)]
#[tokio::test]
async fn nuget_uses_the_handed_token_for_the_feed_until_the_source_is_removed() {
    let env = start(Seed::Empty).await;
    let home = Home::new();
    let created = create(&env).await;
    let client = home.nuget();
    let feed = format!(
        "{}/{ORG}/_packaging/contoso-packages/nuget/v3/index.json",
        env.sim.pkgs_url()
    );
    let name = nuget::feed_name(&feed).unwrap();
    assert_eq!(name, "contoso-packages");
    let request = |plain_text_ok| NuGetHandOff {
        feed_url: &feed,
        source_name: &name,
        username: ORG,
        plain_text_ok,
    };

    // Off Windows NuGet keeps it only in plain text: not without the person's go-ahead.
    let status = client.status();
    assert_eq!(status.client, Some(NuGetClientKind::Nuget));
    assert!(status.plain_text_only);
    assert!(client.hand_off(&request(false), &created.secret).is_err());
    assert!(home.files_containing(created.secret.expose()).is_empty());

    let handed = client.hand_off(&request(true), &created.secret).unwrap();
    assert!(handed.plain_text);
    assert_eq!(
        home.files_containing(created.secret.expose()),
        [home.dir.join("xdg-config/NuGet/NuGet.Config")],
        "the plain text the person chose, in NuGet's own file only"
    );
    assert!(
        handed.registered_url.ends_with("/nuget/v2"),
        "NuGet 2.8 reads v2"
    );
    assert!(nuget_authenticates(&env, &home, &name).await);

    // Handing off again (Regenerate) updates the source in place.
    client.hand_off(&request(true), &created.secret).unwrap();
    assert!(nuget_authenticates(&env, &home, &name).await);

    // Revoked: the feed refuses the token NuGet still holds.
    env.client
        .revoke_pat(ORG, &created.token.authorization_id)
        .await
        .unwrap();
    assert!(!nuget_authenticates(&env, &home, &name).await);

    // Cleanup: the source and its credential are gone from NuGet's configuration.
    client.remove_source(&name).unwrap();
    let out = nuget_list(&home, &handed.registered_url).await;
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("Using credentials from config"),
        "{out:?}"
    );
    assert!(home.files_containing(created.secret.expose()).is_empty());
    client.remove_source(&name).expect("removing twice is fine");
}

/// Regenerate's step that puts `new` where the record says `old_id` was handed (the tools block, so off the
/// runtime's threads).
async fn replace_copies(
    store: &HandOffStore,
    tools: &Tools,
    old_id: &str,
    new: &CreatedToken,
) -> Vec<(ReplacedCopy, CopyResult)> {
    let (store, tools, old_id, new) = (
        store.clone(),
        tools.clone(),
        old_id.to_string(),
        new.clone(),
    );
    tokio::task::spawn_blocking(move || replace_recorded_copies(&store, &tools, &old_id, &new))
        .await
        .unwrap()
}

/// The cleanup after revoking the token `id` of [`ORG`]: every recorded copy removed, a result per place.
async fn clean_up_copies(store: &HandOffStore, tools: &Tools, id: &str) -> Vec<CopyResult> {
    let (store, tools) = (store.clone(), tools.clone());
    let token = TokenRef {
        organization: ORG.into(),
        authorization_id: id.to_string(),
    };
    tokio::task::spawn_blocking(move || remove_copies(Some(&store), None, &tools, &[token]))
        .await
        .unwrap()
}

/// The record of both hand-offs drives Regenerate (each place gets the new value) and revoke-with-cleanup
/// (each place is emptied, with a result per place); the tools prove it every step.
#[cfg_attr(
    windows,
    ignore = "needs git, nuget and npm, which are not installed in the Wine prefix"
)]
#[tokio::test]
async fn regenerate_refreshes_and_cleanup_removes_every_recorded_copy() {
    let env = start(Seed::Empty).await;
    let home = Home::new();
    home.git_config(&["credential.helper", "cache --timeout=300"]);
    let store = HandOffStore::in_dir(&home.dir.join("app-data"));
    let tools = home.tools(&env);
    let old = create(&env).await;
    let feed = format!(
        "{}/{ORG}/_packaging/contoso-packages/nuget/v3/index.json",
        env.sim.pkgs_url()
    );
    let check = tools
        .git
        .hand_off(ORG, &old.secret, Some(old.token.valid_to), false)
        .unwrap();
    let record = |tool, place: &str, target: &str, name: Option<&str>, plain_text| HandOff {
        authorization_id: old.token.authorization_id.clone(),
        organization: ORG.into(),
        tool,
        place: place.into(),
        target: target.into(),
        name: name.map(str::to_string),
        plain_text,
        handed_at: chrono::Utc::now(),
    };
    store
        .record(record(
            Tool::Git,
            &check.helpers.join(", "),
            &tools.git.target_url(ORG),
            None,
            false,
        ))
        .unwrap();
    let handed = tools
        .nuget
        .hand_off(
            &NuGetHandOff {
                feed_url: &feed,
                source_name: "contoso-packages",
                username: ORG,
                plain_text_ok: true,
            },
            &old.secret,
        )
        .unwrap();
    store
        .record(record(
            Tool::NuGet,
            "nuget",
            &feed,
            Some("contoso-packages"),
            true,
        ))
        .unwrap();
    let registry = format!(
        "{}/{ORG}/_packaging/contoso-npm/npm/registry/",
        env.sim.pkgs_url()
    );
    tools
        .npm
        .hand_off(&registry, ORG, &old.secret, true)
        .unwrap();
    store
        .record(record(
            Tool::Npm,
            "npm",
            &registry,
            Some("contoso-npm"),
            true,
        ))
        .unwrap();

    // Regenerate: the new token replaces the old one everywhere; the old one is revoked.
    let new = create(&env).await;
    env.client
        .revoke_pat(ORG, &old.token.authorization_id)
        .await
        .unwrap();
    let replaced = replace_copies(&store, &tools, &old.token.authorization_id, &new).await;
    let kinds: Vec<ReplacedCopy> = replaced.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        [ReplacedCopy::Git, ReplacedCopy::NuGet, ReplacedCopy::Npm]
    );
    assert!(replaced.iter().all(|(_, r)| r.done), "{replaced:?}");
    assert!(ls_remote(&home, &env).await.status.success());
    assert!(nuget_authenticates(&env, &home, "contoso-packages").await);
    assert!(npm_view(&home, &registry).await.status.success());
    let labels: Vec<String> = store
        .for_token(&new.token.authorization_id)
        .iter()
        .map(HandOff::label)
        .collect();
    assert_eq!(
        labels,
        ["Git", "NuGet feed contoso-packages", "npm feed contoso-npm"]
    );
    assert!(store.for_token(&old.token.authorization_id).is_empty());

    // Revoke with cleanup: a result per place, and neither tool finds a credential afterwards.
    env.client
        .revoke_pat(ORG, &new.token.authorization_id)
        .await
        .unwrap();
    let removed = clean_up_copies(&store, &tools, &new.token.authorization_id).await;
    let done: Vec<(String, bool)> = removed.iter().map(|r| (r.label.clone(), r.done)).collect();
    assert_eq!(
        done,
        [
            ("Git".to_string(), true),
            ("NuGet feed contoso-packages".to_string(), true),
            ("npm feed contoso-npm".to_string(), true)
        ]
    );
    assert!(store.all().is_empty());
    assert!(!ls_remote(&home, &env).await.status.success());
    let out = nuget_list(&home, &handed.registered_url).await;
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("Using credentials from config"),
        "{out:?}"
    );
    assert!(!npm_view(&home, &registry).await.status.success());
    assert!(home.files_containing(new.secret.expose()).is_empty());
}

/// A `handoffs.json` changed behind PAT Desk's back: on Regenerate and on the cleanup after a revoke, every
/// record is checked again before it is used. Records pointing to another host, to a feed address with a user
/// name in it, to another organization's feed, or recorded for another organization are skipped with a
/// sentence and nothing is written for them; Git, whose helper here is the plain-file `store` although the
/// record says otherwise, waits for the person's go-ahead; the one sound record is refreshed.
#[cfg_attr(
    windows,
    ignore = "needs git and npm, which are not installed in the Wine prefix"
)]
#[tokio::test]
async fn a_tampered_record_is_checked_again_before_regenerate_or_cleanup_writes_anything() {
    let env = start(Seed::Empty).await;
    let home = Home::new();
    home.git_config(&["credential.helper", "store"]);
    let store = HandOffStore::in_dir(&home.dir.join("app-data"));
    let tools = home.tools(&env);
    let old = create(&env).await;
    let pkgs = env.sim.pkgs_url();
    let feed = format!("{pkgs}/{ORG}/_packaging/contoso-packages/nuget/v3/index.json");
    let record = |org: &str, tool: &str, place: &str, target: &str, name: Option<&str>| {
        serde_json::json!({
            "authorizationId": old.token.authorization_id,
            "organization": org,
            "tool": tool,
            "place": place,
            "target": target,
            "name": name,
            // The person had chosen plain text for the feeds.
            "plainText": tool != "git",
            "handedAt": "2026-12-01T09:00:00Z",
        })
    };
    let with_user = pkgs.replacen("http://", "http://me:pw@", 1);
    let tampered = serde_json::json!({ "handOffs": [
        // The Git record claims a keychain helper; the helper configured is `store`.
        record(ORG, "git", "Git credential helper: libsecret", &tools.git.target_url(ORG), None),
        record(ORG, "npm", "npm", &format!("https://evil.example/{ORG}/_packaging/contoso-npm/npm/registry/"), Some("evil")),
        record(ORG, "nuget", "nuget", &format!("{with_user}/{ORG}/_packaging/contoso-packages/nuget/v3/index.json"), Some("userinfo")),
        record(ORG, "pip", "pip", &format!("{pkgs}/fabrikam/_packaging/py/pypi/simple/"), Some("other-org")),
        record("fabrikam", "nuget", "nuget", &format!("{pkgs}/fabrikam/_packaging/f/nuget/v3/index.json"), Some("recorded-for-fabrikam")),
        record(ORG, "nuget", "nuget", &feed, Some("contoso-packages")),
    ]});
    std::fs::create_dir_all(home.dir.join("app-data")).unwrap();
    std::fs::write(store.path(), serde_json::to_vec_pretty(&tampered).unwrap()).unwrap();
    let skipped = |r: &CopyResult| {
        let e = r.error.as_ref().expect("a reason");
        !r.done
            && !r.needs_go_ahead
            && e.code == ErrorCode::FeedAddressNotAllowed
            && e.message.starts_with("PAT Desk skipped")
            && e.message.contains("wrote nothing there")
    };

    let new = create(&env).await;
    let replaced = replace_copies(&store, &tools, &old.token.authorization_id, &new).await;
    let results: Vec<&CopyResult> = replaced.iter().map(|(_, r)| r).collect();
    assert_eq!(results.len(), 6, "{results:?}");
    let git = results[0];
    assert!(!git.done && git.needs_go_ahead, "{git:?}");
    assert!(
        git.error.as_ref().unwrap().message.contains("go-ahead"),
        "{git:?}"
    );
    for r in &results[1..5] {
        assert!(skipped(r), "{r:?}");
    }
    assert!(results[1]
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("https://evil.example is not an Azure Artifacts address"));
    assert!(results[3]
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("belongs to the organization fabrikam"));
    assert!(
        results[5].done,
        "the sound record is refreshed: {:?}",
        results[5]
    );

    // Nothing went anywhere else: no Git credentials file, no .npmrc, no other NuGet source; the new token
    // is only in the sound feed's source, where NuGet authenticates with it.
    assert!(!home.dir.join(".git-credentials").exists());
    assert!(!home.dir.join(".npmrc").exists());
    let nuget_config = home.dir.join("xdg-config/NuGet/NuGet.Config");
    assert_eq!(
        home.files_containing(new.secret.expose()),
        std::slice::from_ref(&nuget_config)
    );
    let config = std::fs::read_to_string(&nuget_config).unwrap();
    assert!(
        !config.contains("userinfo") && !config.contains("fabrikam"),
        "{config}"
    );
    assert!(nuget_authenticates(&env, &home, "contoso-packages").await);
    // The skipped records stay with the old token, for the person to see; the sound one moved.
    assert_eq!(store.for_token(&old.token.authorization_id).len(), 5);
    assert_eq!(store.for_token(&new.token.authorization_id).len(), 1);

    // The cleanup after revoking the old token skips the same records and removes only Git's entry.
    let removed = clean_up_copies(&store, &tools, &old.token.authorization_id).await;
    assert_eq!(removed.len(), 5, "{removed:?}");
    assert!(removed[0].done, "{:?}", removed[0]);
    for r in &removed[1..] {
        assert!(skipped(r), "{r:?}");
    }
    assert_eq!(
        home.files_containing(new.secret.expose()),
        [nuget_config],
        "the new token's source stays"
    );
}

/// `npm view` of the feed's one package, with the credentials npm finds in the user's `.npmrc`.
async fn npm_view(home: &Home, registry: &str) -> Output {
    let mut cmd = home.command("npm");
    cmd.args(["view", "patdesk-probe", "version", "--registry", registry])
        .env("NO_UPDATE_NOTIFIER", "1")
        .env("npm_config_cache", home.dir.join("npm-cache"));
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

#[cfg_attr(
    windows,
    ignore = "needs npm, which is not installed in the Wine prefix"
)]
#[tokio::test]
async fn npm_uses_the_six_lines_after_the_plain_text_choice_until_they_are_removed() {
    let env = start(Seed::Empty).await;
    let home = Home::new();
    let created = create(&env).await;
    let npm_client = home.npm();
    let registry = format!(
        "{}/{ORG}/_packaging/contoso-npm/npm/registry/",
        env.sim.pkgs_url()
    );
    assert!(
        !npm_view(&home, &registry).await.status.success(),
        "no credential yet"
    );

    // npm keeps it only in plain text: not without the choice.
    let refused = npm_client
        .hand_off(&registry, ORG, &created.secret, false)
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(!home.dir.join(".npmrc").exists());
    // The ${ENV} variant holds no token.
    let lines = npm::env_lines(&registry, ORG).unwrap();
    assert!(!lines.contains(created.secret.expose()));

    npm_client
        .hand_off(&registry, ORG, &created.secret, true)
        .unwrap();
    let out = npm_view(&home, &registry).await;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.0.0");

    env.client
        .revoke_pat(ORG, &created.token.authorization_id)
        .await
        .unwrap();
    assert!(
        !npm_view(&home, &registry).await.status.success(),
        "revoked"
    );

    npm_client.remove(&registry).unwrap();
    let npmrc = std::fs::read_to_string(home.dir.join(".npmrc")).unwrap_or_default();
    assert!(!npmrc.contains("_password"), "{npmrc}");
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(created.secret.expose());
    assert!(
        home.files_containing(&encoded).is_empty(),
        "{:?}",
        home.files_containing(&encoded)
    );
}

/// Every process's command line, read from `/proc/*/cmdline` again and again on a thread of its own until
/// [`CmdlineWatch::finish`]: what any process showed there while the hand-offs ran.
#[cfg(target_os = "linux")]
struct CmdlineWatch {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<CmdlinesSeen>,
}

#[cfg(target_os = "linux")]
#[derive(Debug, Default)]
struct CmdlinesSeen {
    /// Full passes over `/proc`.
    passes: usize,
    /// Command lines that held one of the needles.
    leaks: std::collections::BTreeSet<String>,
    /// Distinct command lines seen that mention a hand-off's tool (proof the sampler sees the children).
    tools: std::collections::BTreeSet<String>,
}

#[cfg(target_os = "linux")]
impl CmdlineWatch {
    fn start(needles: Vec<String>) -> CmdlineWatch {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let me = std::process::id().to_string();
        let thread = std::thread::spawn(move || {
            let mut seen = CmdlinesSeen::default();
            while !flag.load(Ordering::Relaxed) {
                let Ok(entries) = std::fs::read_dir("/proc") else {
                    break;
                };
                for entry in entries.flatten() {
                    let name = entry.file_name();
                    let name = name.to_string_lossy();
                    if !name.bytes().all(|b| b.is_ascii_digit()) || name == me {
                        continue;
                    }
                    let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
                        continue;
                    };
                    let line = String::from_utf8_lossy(&raw).replace('\0', " ");
                    if needles.iter().any(|n| line.contains(n.as_str())) {
                        seen.leaks.insert(line.clone());
                    }
                    if ["git", "npm", "pip", "nuget", "NuGet"]
                        .iter()
                        .any(|t| line.contains(t))
                    {
                        seen.tools.insert(line);
                    }
                }
                seen.passes += 1;
            }
            seen
        });
        CmdlineWatch { stop, thread }
    }

    fn finish(self) -> CmdlinesSeen {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

/// Each hand-off (Git, npm, pip's plain-text route, NuGet) runs while every process's command line is read in
/// a tight loop: the token, in any form the tools store it (as is, base64 for npm, percent-encoded in pip's
/// URL), is on none of them.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn no_hand_off_puts_the_token_on_a_command_line() {
    use base64::Engine;
    let env = start(Seed::Empty).await;
    let home = Home::new();
    home.git_config(&["credential.helper", "cache --timeout=300"]);
    let created = create(&env).await;
    let secret = created.secret.clone();
    let needles = vec![
        secret.expose().clone(),
        base64::engine::general_purpose::STANDARD.encode(secret.expose()),
        url::form_urlencoded::byte_serialize(secret.expose().as_bytes()).collect::<String>(),
    ];
    let registry = format!(
        "{}/{ORG}/_packaging/contoso-npm/npm/registry/",
        env.sim.pkgs_url()
    );
    let index = format!(
        "{}/{ORG}/_packaging/py-feed/pypi/simple/",
        env.sim.pkgs_url()
    );
    let feed = format!(
        "{}/{ORG}/_packaging/contoso-packages/nuget/v3/index.json",
        env.sim.pkgs_url()
    );
    let (git, npm_client, pip, nuget) = (home.git(&env), home.npm(), home.pip(), home.nuget());

    let watch = CmdlineWatch::start(needles);
    let handed = tokio::task::spawn_blocking(move || {
        git.hand_off(ORG, &secret, None, false).unwrap();
        npm_client.hand_off(&registry, ORG, &secret, true).unwrap();
        let route = pip.hand_off(None, &index, &secret, true).unwrap();
        nuget
            .hand_off(
                &NuGetHandOff {
                    feed_url: &feed,
                    source_name: "contoso-packages",
                    username: ORG,
                    plain_text_ok: true,
                },
                &secret,
            )
            .unwrap();
        route
    })
    .await
    .unwrap();
    let seen = watch.finish();
    assert_eq!(handed, PipRoute::PlainText);
    assert!(
        seen.leaks.is_empty(),
        "the token was on these command lines: {:#?}",
        seen.leaks
    );
    assert!(seen.passes > 10, "{seen:?}");
    assert!(
        seen.tools.iter().any(|l| l.contains("pip")),
        "the sampler saw the tools' processes: {seen:?}"
    );
}

/// `pip index versions` of the feed's one package with only what pip finds in its own configuration: the
/// index given on the command line is an empty local folder, so the feed is reached only through the
/// `extra-index-url` PAT Desk wrote, with the credentials in it.
#[cfg(unix)]
async fn pip_index_versions(home: &Home) -> Output {
    let empty = home.dir.join("empty-index");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cmd = home.command("python3");
    cmd.args([
        "-m",
        "pip",
        "index",
        "versions",
        "patdesk-probe",
        "--index-url",
    ])
    .arg(format!("file://{}", empty.display()))
    .args([
        "--trusted-host",
        "127.0.0.1",
        "--no-cache-dir",
        "--timeout",
        "20",
    ])
    .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .env_remove("PIP_FIND_LINKS")
    .stdin(std::process::Stdio::null());
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// The tools' own files PAT Desk writes a token into (npm's `.npmrc`, pip's `pip.conf`, NuGet's
/// `NuGet.Config`) end up readable by this user only — each existed before with mode 0644 and is narrowed —
/// and keep every line of the person's own; each tool then authenticates to the simulator's feed with what
/// was written, and the cleanup takes out only the feed's part.
#[cfg(unix)]
#[tokio::test]
async fn the_tools_files_end_up_private_to_the_user_and_keep_the_persons_own_lines() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let env = start(Seed::Empty).await;
    let home = Home::new();
    let created = create(&env).await;
    let npmrc = home.dir.join(".npmrc");
    let pip_conf = home.dir.join("xdg-config/pip/pip.conf");
    let nuget_config = home.dir.join("xdg-config/NuGet/NuGet.Config");
    let npm_mine =
        "; my settings\ncolor=false\n//registry.example.org/:_authToken=${OTHER_TOKEN}\n";
    let pip_mine = "# my settings\n[global]\ntimeout = 20\n\n[install]\nno-compile = true\n";
    let nuget_mine = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <!-- my settings -->\n  <packageSources>\n    <add key=\"local\" value=\"/srv/packages\" />\n  </packageSources>\n</configuration>\n";
    for (path, text) in [
        (&npmrc, npm_mine),
        (&pip_conf, pip_mine),
        (&nuget_config, nuget_mine),
    ] {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let registry = format!(
        "{}/{ORG}/_packaging/contoso-npm/npm/registry/",
        env.sim.pkgs_url()
    );
    let index = format!(
        "{}/{ORG}/_packaging/py-feed/pypi/simple/",
        env.sim.pkgs_url()
    );
    let feed = format!(
        "{}/{ORG}/_packaging/contoso-packages/nuget/v3/index.json",
        env.sim.pkgs_url()
    );
    let (npm_client, pip, nuget) = (home.npm(), home.pip(), home.nuget());
    assert!(
        !pip_index_versions(&home).await.status.success(),
        "no credential yet"
    );

    let secret = created.secret.clone();
    let (npm_client, pip, nuget, registry2, index2) = tokio::task::spawn_blocking(move || {
        npm_client.hand_off(&registry, ORG, &secret, true).unwrap();
        let route = pip.hand_off(None, &index, &secret, true).unwrap();
        assert_eq!(route, PipRoute::PlainText);
        nuget
            .hand_off(
                &NuGetHandOff {
                    feed_url: &feed,
                    source_name: "contoso-packages",
                    username: ORG,
                    plain_text_ok: true,
                },
                &secret,
            )
            .unwrap();
        (npm_client, pip, nuget, registry, index)
    })
    .await
    .unwrap();

    for (path, mine) in [
        (&npmrc, npm_mine),
        (&pip_conf, pip_mine),
        (&nuget_config, nuget_mine),
    ] {
        assert_eq!(mode(path), 0o600, "{} is private now", path.display());
        let text = std::fs::read_to_string(path).unwrap();
        for line in mine
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.contains("configuration>"))
        {
            assert!(text.contains(line.trim()), "{line:?} kept in {text}");
        }
    }
    assert_eq!(
        home.files_containing(created.secret.expose()),
        [pip_conf.clone(), nuget_config.clone()],
        "the plain text the person chose, in the tools' own files only (npm's is base64)"
    );
    let out = npm_view(&home, &registry2).await;
    assert!(out.status.success(), "{out:?}");
    let out = pip_index_versions(&home).await;
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("patdesk-probe (1.0.0)"),
        "{out:?}"
    );
    assert!(nuget_authenticates(&env, &home, "contoso-packages").await);

    // The cleanup takes out the feed's part only; the files stay private.
    tokio::task::spawn_blocking(move || {
        npm_client.remove(&registry2).unwrap();
        pip.remove(None, &index2).unwrap();
        nuget.remove_source("contoso-packages").unwrap();
    })
    .await
    .unwrap();
    assert!(home.files_containing(created.secret.expose()).is_empty());
    assert_eq!(std::fs::read_to_string(&npmrc).unwrap(), npm_mine);
    assert_eq!(std::fs::read_to_string(&pip_conf).unwrap(), pip_mine);
    let nuget_text = std::fs::read_to_string(&nuget_config).unwrap();
    assert!(!nuget_text.contains("contoso"), "{nuget_text}");
    assert!(!pip_index_versions(&home).await.status.success());
}
