//! The routes tools holding a PAT call: Git's smart-HTTP ref advertisement and an Azure Artifacts NuGet feed.
//! Both take the PAT as the Basic password (any user name), challenge with `WWW-Authenticate: Basic` without
//! one, and refuse it once revoked. The real `git` is the client here; the NuGet client is in the core's
//! hand-off tests.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

/// `git ls-remote`, run off the test's runtime (the simulator answers on it).
async fn ls_remote(url: &str) -> std::process::Output {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || git_ls_remote(&url))
        .await
        .unwrap()
}

fn git_ls_remote(url: &str) -> std::process::Output {
    Command::new("git")
        .args(["ls-remote", url])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .output()
        .expect("git runs")
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix"
)]
#[tokio::test]
async fn git_lists_the_refs_with_an_active_pat_and_not_after_its_revoke() {
    let h = start().await;
    let pat = h.new_pat("contoso-web", "git", "vso.code").await;
    let secret = pat["token"].as_str().unwrap();
    let repo = format!("{}/contoso-web/Shop/_git/shop", h.ep.dev);
    let with_pat = repo.replace("http://", &format!("http://contoso-web:{secret}@"));

    let out = ls_remote(&with_pat).await;
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("refs/heads/main"));

    // No credential: a Basic challenge, so Git would ask its credential helper.
    let r = h
        .http
        .get(format!("{repo}/info/refs?service=git-upload-pack"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic "));
    assert!(!ls_remote(&repo).await.status.success());

    // Another organization's repository: the PAT does not reach it.
    let other = format!("{}/contoso-data/_git/data", h.ep.dev)
        .replace("http://", &format!("http://contoso-data:{secret}@"));
    assert!(!ls_remote(&other).await.status.success());

    let id = pat["authorizationId"].as_str().unwrap();
    assert_eq!(h.revoke("contoso-web", id).await.status(), 204);
    let out = ls_remote(&with_pat).await;
    assert!(!out.status.success(), "revoked, yet {out:?}");
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix"
)]
#[tokio::test]
async fn a_feed_serves_its_v3_index_and_v2_feed_to_an_active_pat_only() {
    let h = start().await;
    let pat = h.new_pat("contoso-web", "packages", "vso.packaging").await;
    let secret = pat["token"].as_str().unwrap().to_string();
    let pkgs = h.sim.pkgs_url();
    let index = format!("{pkgs}/contoso-web/_packaging/contoso-packages/nuget/v3/index.json");

    let r = h.http.get(&index).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic "));

    let r = h
        .http
        .get(&index)
        .basic_auth("contoso-web", Some(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["version"], "3.0.0");
    let types: Vec<&str> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["@type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"SearchQueryService"), "{types:?}");
    assert!(types.contains(&"PackageBaseAddress/3.0.0"), "{types:?}");

    // Project-scoped feeds and the v2 feed older clients read.
    for url in [
        format!("{pkgs}/contoso-web/Shop/_packaging/shop-feed/nuget/v3/index.json"),
        format!("{pkgs}/contoso-web/_packaging/contoso-packages/nuget/v2/"),
        format!("{pkgs}/contoso-web/_packaging/contoso-packages/nuget/v2/Search()?searchTerm=''"),
    ] {
        let r = h
            .http
            .get(&url)
            .basic_auth("x", Some(&secret))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }

    let id = pat["authorizationId"].as_str().unwrap();
    assert_eq!(h.revoke("contoso-web", id).await.status(), 204);
    let r = h
        .http
        .get(&index)
        .basic_auth("contoso-web", Some(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[cfg_attr(
    windows,
    ignore = "needs git, which is not installed in the Wine prefix"
)]
#[tokio::test]
async fn an_npm_feed_serves_its_package_to_an_active_pat_only() {
    let h = start().await;
    let pat = h.new_pat("contoso-web", "npm", "vso.packaging").await;
    let secret = pat["token"].as_str().unwrap().to_string();
    let url = format!(
        "{}/contoso-web/_packaging/web/npm/registry/patdesk-probe",
        h.sim.pkgs_url()
    );
    let r = h.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = h
        .http
        .get(&url)
        .basic_auth("contoso-web", Some(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["dist-tags"]["latest"], "1.0.0");
    let id = pat["authorizationId"].as_str().unwrap();
    assert_eq!(h.revoke("contoso-web", id).await.status(), 204);
    let r = h
        .http
        .get(&url)
        .basic_auth("contoso-web", Some(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
