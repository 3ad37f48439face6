//! The keychain vault against a **real gnome-keyring** (Secret Service over D-Bus), never a mock.
//!
//! Run it with
//!
//! ```sh
//! scripts/with-keyring.sh cargo test -p patdesk-core --test keychain
//! ```
//!
//! which is the same as
//! `dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test -p patdesk-core --test keychain'`
//! with `XDG_DATA_HOME` (and `XDG_RUNTIME_DIR`) pointing at a temp dir — or simply with
//! `cargo test -p patdesk-core --test keychain`: every test re-runs **itself alone** through
//! `scripts/with-keyring.sh`, in its own private D-Bus session with its own throw-away, unlocked keyring. So the
//! tests never touch a developer's real keychain, can lock the keyring without disturbing each other, and run
//! the same way under `make test-keychain`, `make test-rust` and a bare `cargo test`.
//!
//! Nothing passes vacuously: when no Secret Service can be reached (dbus or gnome-keyring missing, daemon
//! not starting), each test fails and says why. `tests/keychain_unavailable.rs` covers the unavailable case.

use std::process::Command;

use chrono::Utc;
use patdesk_core::vault::{
    default_namespace, RememberedAccount, SavedPat, Vault, DEV_NAMESPACE, LOCKED_MESSAGE,
    NAMESPACE_ENV, RELEASE_NAMESPACE,
};
use patdesk_core::{ErrorCode, Sensitive};

/// Set (to the test's name) inside the private session a test re-runs itself in.
const CHILD_MARKER: &str = "PATDESK_KEYCHAIN_TEST";

/// `true`: run the test body here (we are the re-run, inside a private keyring session). `false`: this was
/// the outer run; the test has been re-run through `scripts/with-keyring.sh` and passed.
fn in_private_keyring(name: &str) -> bool {
    patdesk_test_support::keyring::in_private_keyring(CHILD_MARKER, name)
}

/// A vault in a namespace of its own, checked to work (fails loudly without a Secret Service).
fn fresh_vault() -> Vault {
    let vault = Vault::with_namespace(format!("dev.patdesk.app.test.{}", uuid::Uuid::new_v4()));
    if let Err(e) = vault.probe() {
        panic!(
            "no usable Secret Service in this session: {} ({:?}) — run through scripts/with-keyring.sh",
            e.message, e.raw
        );
    }
    vault
}

/// What `secret-tool` (libsecret, outside PAT Desk) finds for `service`/`username`: proof that the value
/// really is in the Secret Service, and not just in our process.
fn secret_tool_lookup(service: &str, username: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", username])
        .output()
        .expect("secret-tool (Debian package libsecret-tools) must be installed for this test");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `secret-tool search` output (labels and attributes) for an entry.
fn secret_tool_search(service: &str, username: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", service, "username", username])
        .output()
        .expect("secret-tool must be installed");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn account(tenant: &str, oid: &str, upn: &str) -> RememberedAccount {
    RememberedAccount {
        tenant_id: tenant.into(),
        user_id: oid.into(),
        username: upn.into(),
        display_name: Some("Ann Example".into()),
        updated_at: Utc::now(),
    }
}

fn pat(org: &str, id: &str, name: &str) -> SavedPat {
    SavedPat {
        organization: org.into(),
        authorization_id: id.into(),
        display_name: name.into(),
        valid_to: Some("2027-01-01T00:00:00Z".into()),
        saved_at: Utc::now(),
    }
}

#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[test]
fn probe_succeeds_against_gnome_keyring() {
    if !in_private_keyring("probe_succeeds_against_gnome_keyring") {
        return;
    }
    let vault = fresh_vault();
    vault.probe().expect("a second probe works too");
    // The probe leaves nothing behind.
    assert_eq!(secret_tool_lookup(vault.namespace(), "probe"), None);
    assert!(vault.accounts().unwrap().is_empty());
}

#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[test]
fn refresh_token_store_load_rotate_forget() {
    if !in_private_keyring("refresh_token_store_load_rotate_forget") {
        return;
    }
    let vault = fresh_vault();
    let tenant = "AAAABBBB-0000-CCCC-1111-DDDD2222EEEE";
    let oid = "11111111-2222-3333-4444-555555555555";
    assert!(vault.load_refresh_token(tenant, oid).unwrap().is_none());

    let ann = account(tenant, oid, "ann@contoso.com");
    vault
        .store_refresh_token(&ann, &Sensitive::from("refresh-1"))
        .unwrap();
    assert_eq!(
        vault
            .load_refresh_token(tenant, oid)
            .unwrap()
            .unwrap()
            .expose(),
        "refresh-1"
    );
    // Keys compare case-insensitively (GUIDs), and the entry is really in the Secret Service.
    let entry = ann.entry_name();
    assert_eq!(
        entry,
        format!("account:{}:{}", tenant.to_lowercase(), oid.to_lowercase())
    );
    assert_eq!(
        secret_tool_lookup(vault.namespace(), &entry).as_deref(),
        Some("refresh-1")
    );
    assert!(secret_tool_search(vault.namespace(), &entry)
        .contains("PAT Desk — sign-in — ann@contoso.com"));

    // Rotation replaces the one entry; the index still lists one account.
    vault
        .rotate_refresh_token(tenant, oid, &Sensitive::from("refresh-2"))
        .unwrap();
    assert_eq!(
        vault
            .load_refresh_token(&tenant.to_lowercase(), oid)
            .unwrap()
            .unwrap()
            .expose(),
        "refresh-2"
    );
    let accounts = vault.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].username, "ann@contoso.com");

    // The index (names only) holds no secret.
    let index = secret_tool_lookup(vault.namespace(), "index").expect("the index entry exists");
    assert!(index.contains("ann@contoso.com"));
    assert!(!index.contains("refresh-1") && !index.contains("refresh-2"));

    // A second account is kept apart.
    let bob = account(
        tenant,
        "99999999-2222-3333-4444-555555555555",
        "bob@contoso.com",
    );
    vault
        .store_refresh_token(&bob, &Sensitive::from("bob-refresh"))
        .unwrap();
    assert_eq!(vault.accounts().unwrap().len(), 2);

    // Sign-out forgets exactly that account.
    vault.forget_account(tenant, oid).unwrap();
    assert!(vault.load_refresh_token(tenant, oid).unwrap().is_none());
    assert_eq!(secret_tool_lookup(vault.namespace(), &entry), None);
    let left = vault.accounts().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].username, "bob@contoso.com");
    assert_eq!(
        vault
            .load_refresh_token(tenant, &bob.user_id)
            .unwrap()
            .unwrap()
            .expose(),
        "bob-refresh"
    );
    // Forgetting again is fine; rotating a forgotten account asks for a new sign-in.
    vault.forget_account(tenant, oid).unwrap();
    let err = vault
        .rotate_refresh_token(tenant, oid, &Sensitive::from("refresh-3"))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SessionExpired);
    assert!(vault.load_refresh_token(tenant, oid).unwrap().is_none());
}

/// Sign-out racing a rotation (a request in flight renews the sign-in while the person signs out): whichever
/// comes first, the account ends forgotten — a late rotation is refused, never stored again.
#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[test]
fn a_rotation_racing_sign_out_never_brings_the_account_back() {
    if !in_private_keyring("a_rotation_racing_sign_out_never_brings_the_account_back") {
        return;
    }
    let vault = fresh_vault();
    let (tenant, oid) = (
        "11111111-2222-3333-4444-555555555555",
        "aaaaaaaa-2222-3333-4444-555555555555",
    );
    for round in 0..5 {
        vault
            .store_refresh_token(
                &account(tenant, oid, "ann@contoso.com"),
                &Sensitive::from("refresh-1"),
            )
            .unwrap();
        let rotations: Vec<_> = (0..4)
            .map(|i| {
                let vault = vault.clone();
                std::thread::spawn(move || {
                    vault.rotate_refresh_token(
                        tenant,
                        oid,
                        &Sensitive::new(format!("refresh-{round}-{i}")),
                    )
                })
            })
            .collect();
        vault.forget_account(tenant, oid).unwrap();
        for rotation in rotations {
            if let Err(e) = rotation.join().unwrap() {
                assert_eq!(e.code, ErrorCode::SessionExpired, "{e:?}");
            }
        }
        assert!(
            vault.load_refresh_token(tenant, oid).unwrap().is_none(),
            "round {round}: a rotation brought the refresh token back after sign-out"
        );
        assert!(vault.accounts().unwrap().is_empty(), "round {round}");
    }
}

#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[test]
fn saved_pats_list_copy_forget() {
    if !in_private_keyring("saved_pats_list_copy_forget") {
        return;
    }
    let vault = fresh_vault();
    let build = pat(
        "fabrikam",
        "3D3ACA0C-9AD3-4B07-8334-08EC8B1DDC32",
        "Build agent",
    );
    let nuget = pat(
        "contoso",
        "0e1c7a2b-1111-2222-3333-444455556666",
        "NuGet feed",
    );
    vault
        .save_pat(&build, &Sensitive::from("pat-value-build"))
        .unwrap();
    vault
        .save_pat(&nuget, &Sensitive::from("pat-value-nuget"))
        .unwrap();

    let listed = vault.saved_pats().unwrap();
    let names: Vec<_> = listed
        .iter()
        .map(|p| (p.organization.as_str(), p.display_name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![("contoso", "NuGet feed"), ("fabrikam", "Build agent")]
    );

    // Copy: the value comes back; the keychain shows the label people recognise.
    assert_eq!(
        vault
            .saved_pat_secret("fabrikam", "3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32")
            .unwrap()
            .expose(),
        "pat-value-build"
    );
    let entry = build.entry_name();
    assert_eq!(entry, "pat:fabrikam:3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32");
    assert!(
        secret_tool_search(vault.namespace(), &entry).contains("PAT Desk — fabrikam — Build agent")
    );
    let index = secret_tool_lookup(vault.namespace(), "index").unwrap();
    assert!(index.contains("Build agent") && !index.contains("pat-value"));

    // Saving again under the same id replaces the value (regenerate).
    vault
        .save_pat(&build, &Sensitive::from("pat-value-build-2"))
        .unwrap();
    assert_eq!(vault.saved_pats().unwrap().len(), 2);
    assert_eq!(
        vault
            .saved_pat_secret("fabrikam", &build.authorization_id)
            .unwrap()
            .expose(),
        "pat-value-build-2"
    );

    // Forget one; the other stays.
    vault
        .forget_pat("fabrikam", &build.authorization_id)
        .unwrap();
    let err = vault
        .saved_pat_secret("fabrikam", &build.authorization_id)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::TokenNotFound);
    assert_eq!(secret_tool_lookup(vault.namespace(), &entry), None);
    let listed = vault.saved_pats().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].display_name, "NuGet feed");
    assert_eq!(
        vault
            .saved_pat_secret("contoso", &nuget.authorization_id)
            .unwrap()
            .expose(),
        "pat-value-nuget"
    );
}

#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[test]
fn namespaces_are_isolated() {
    if !in_private_keyring("namespaces_are_isolated") {
        return;
    }
    // The build's own namespace: debug builds never share entries with release builds.
    assert!(std::env::var_os(NAMESPACE_ENV).is_none());
    let expected = if cfg!(debug_assertions) {
        DEV_NAMESPACE
    } else {
        RELEASE_NAMESPACE
    };
    assert_eq!(default_namespace(), expected);
    assert_eq!(Vault::new().namespace(), expected);
    assert_ne!(DEV_NAMESPACE, RELEASE_NAMESPACE);

    let release = fresh_vault();
    let dev = Vault::with_namespace(format!("{}.dev", release.namespace()));
    let ann = account("t", "o", "ann@contoso.com");
    release
        .store_refresh_token(&ann, &Sensitive::from("release-token"))
        .unwrap();
    release
        .save_pat(
            &pat("fabrikam", "id-1", "CI"),
            &Sensitive::from("release-pat"),
        )
        .unwrap();

    // The other namespace sees nothing, and cannot forget the first one's entries.
    assert!(dev.load_refresh_token("t", "o").unwrap().is_none());
    assert!(dev.accounts().unwrap().is_empty());
    assert!(dev.saved_pats().unwrap().is_empty());
    dev.forget_account("t", "o").unwrap();
    dev.forget_pat("fabrikam", "id-1").unwrap();
    dev.store_refresh_token(&ann, &Sensitive::from("dev-token"))
        .unwrap();

    assert_eq!(
        release
            .load_refresh_token("t", "o")
            .unwrap()
            .unwrap()
            .expose(),
        "release-token"
    );
    assert_eq!(
        dev.load_refresh_token("t", "o").unwrap().unwrap().expose(),
        "dev-token"
    );
    assert_eq!(
        release
            .saved_pat_secret("fabrikam", "id-1")
            .unwrap()
            .expose(),
        "release-pat"
    );
}

#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[test]
fn locked_keychain_is_reported_and_never_deletes() {
    if !in_private_keyring("locked_keychain_is_reported_and_never_deletes") {
        return;
    }
    let vault = fresh_vault();
    let ann = account("t", "o", "ann@contoso.com");
    vault
        .store_refresh_token(&ann, &Sensitive::from("kept-token"))
        .unwrap();

    // Lock the login keyring through the Secret Service API. Unlocking needs a prompt, which cannot be
    // shown in this headless session, so every read is refused from now on.
    let lock = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .output()
        .expect("dbus-send (Debian package dbus) must be installed");
    assert!(
        lock.status.success(),
        "locking the keyring failed: {lock:?}"
    );

    let err = vault.load_refresh_token("t", "o").unwrap_err();
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert_eq!(err.message, LOCKED_MESSAGE);
    let err = vault.probe().unwrap_err();
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert_eq!(err.message, LOCKED_MESSAGE);
    assert!(
        err.message.contains("Unlock it"),
        "the locked message says what to do"
    );
    // Storing fails too — and nothing falls back to a file.
    assert!(vault
        .store_refresh_token(&ann, &Sensitive::from("new-token"))
        .is_err());

    // The stored secret is still there: the Secret Service lists it among the locked items.
    let search = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.SearchItems",
            &format!(
                "dict:string:string:service,{},username,{}",
                vault.namespace(),
                ann.entry_name()
            ),
        ])
        .output()
        .unwrap();
    let reply = String::from_utf8_lossy(&search.stdout);
    assert!(search.status.success(), "SearchItems failed: {search:?}");
    // Reply: (unlocked paths, locked paths); the item must be in the second array.
    let arrays: Vec<&str> = reply.split("array [").skip(1).collect();
    assert_eq!(arrays.len(), 2, "unexpected SearchItems reply: {reply}");
    assert!(
        !arrays[0].contains("object path"),
        "nothing is unlocked: {reply}"
    );
    assert!(
        arrays[1].contains("/org/freedesktop/secrets/collection/login/"),
        "the refresh token must still be stored (locked): {reply}"
    );
}

#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_refresh_tokens_are_persisted_by_the_provider_hook() {
    use patdesk_core::credentials::AccessTokenProvider;
    use patdesk_core::endpoints::Endpoints;
    use patdesk_core::entra::{
        EntraConfig, LoopbackSignIn, RefreshChain, TenantTokens, TokenAccount,
    };

    if !in_private_keyring("rotated_refresh_tokens_are_persisted_by_the_provider_hook") {
        return;
    }
    let vault = fresh_vault();
    let sim = patdesk_sim::Simulator::start(patdesk_sim::SimOptions {
        auto_approve: true,
        ..patdesk_sim::SimOptions::default()
    })
    .await
    .unwrap();
    let endpoints =
        Endpoints::from_sim_json(&serde_json::to_string(&sim.endpoints()).unwrap()).unwrap();
    let config = EntraConfig {
        client_id: patdesk_sim::TEST_CLIENT_ID.into(),
        ..EntraConfig::default()
    };

    // A remembered sign-in: the browser flow against the simulator, the test playing the browser.
    let demo = sim.demo_user();
    let pending = LoopbackSignIn::start(&endpoints, &config, None).unwrap();
    let browser = patdesk_test_support::http_client();
    let authorize = browser
        .get(pending.authorize_url().clone())
        .send()
        .await
        .unwrap();
    let location = authorize.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let cancel = tokio_util::sync::CancellationToken::new();
    let (tokens, delivered) = tokio::join!(
        pending.wait(std::time::Duration::from_secs(120), &cancel),
        browser.get(location).send()
    );
    assert_eq!(delivered.unwrap().status(), 200);
    let tokens = tokens.unwrap();
    let who = TokenAccount::from_token(&tokens.access_token).unwrap();
    let account = account(&who.tenant_id, &who.object_id, &demo.email);
    let first = tokens.refresh_token.clone().unwrap();
    {
        let (account, first) = (account.clone(), first.clone());
        vault
            .run(move |v| v.store_refresh_token(&account, &first))
            .await
            .unwrap();
    }

    // The provider rotates; the hook writes the new token to the keychain.
    let errors = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = errors.clone();
    let chain = RefreshChain::new(&endpoints, &config, tokens.refresh_token.clone());
    chain.set_rotation_hook(vault.refresh_token_hook(
        account.clone(),
        Some(std::sync::Arc::new(move |e| sink.lock().unwrap().push(e))),
    ));
    let provider = TenantTokens::with_token(chain.clone(), &config.authority, &tokens);
    for _ in 0..3 {
        provider.refresh_after_unauthorized().await.unwrap();
    }
    let newest = chain.current().await.unwrap();
    assert_ne!(newest.expose(), first.expose());

    // The write happens on its own thread: wait for it (a start-up condition, not a timing assertion).
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (tid, oid) = (account.tenant_id.clone(), account.user_id.clone());
        let stored = vault
            .run(move |v| v.load_refresh_token(&tid, &oid))
            .await
            .unwrap()
            .unwrap();
        if stored.expose() == newest.expose() {
            break;
        }
        assert!(
            errors.lock().unwrap().is_empty(),
            "{:?}",
            errors.lock().unwrap()
        );
        assert!(
            std::time::Instant::now() < until,
            "the newest refresh token never reached the keychain"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(errors.lock().unwrap().is_empty());
    assert_eq!(vault.accounts().unwrap().len(), 1);
    sim.shutdown().await;
}

/// Regenerate's clean-up: where PAT Desk had put the old value (a copy saved in the keychain, Git's
/// credential through "Use with Git"), the new value replaces it; a token PAT Desk kept no copy of is left
/// alone. Git is real (`credential.helper store` in a throw-away HOME), checked with `git credential fill`:
/// a helper that writes a plain file gets the new value only after the person's go-ahead, asked again, so
/// Regenerate leaves it and says so; with a memory helper (`cache`) it is replaced.
#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[test]
fn regenerate_replaces_the_copies_pat_desk_made() {
    use patdesk_core::git_credential::GitCredentials;
    use patdesk_core::lifecycle::{replace_copies, Regenerated};
    use patdesk_core::model::{
        CreatedToken, PatToken, ReplacedCopy, RevokeOutcome, RevokeResult, TokenStatus,
    };

    if !in_private_keyring("regenerate_replaces_the_copies_pat_desk_made") {
        return;
    }
    let vault = fresh_vault();
    let home = std::env::temp_dir().join(format!("patdesk-git-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(home.join("config")).unwrap();
    let git_env = |cmd: &mut Command| {
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_CONFIG_GLOBAL")
            .env_remove("GIT_ASKPASS");
    };
    let mut config = Command::new("git");
    config.args(["config", "--global", "credential.helper", "store"]);
    git_env(&mut config);
    assert!(config.status().unwrap().success());
    let git = GitCredentials::new()
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_CONFIG_GLOBAL")
        .env_remove("GIT_ASKPASS");
    let fill = || {
        use std::io::Write;
        let mut cmd = Command::new("git");
        cmd.args(["credential", "fill"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        git_env(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(
                b"protocol=https\nhost=dev.azure.com\nusername=contoso-web\npath=contoso-web\n\n",
            )
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("password=").map(str::to_string))
    };

    // The old token: saved in the keychain and handed to Git by PAT Desk.
    let old_secret = Sensitive::new("old-value-0000".to_string());
    vault
        .save_pat(&pat("contoso-web", "old-id", "deploy bot"), &old_secret)
        .unwrap();
    git.approve("contoso-web", None, &old_secret).unwrap();
    vault.note_handed_to_git("contoso-web", "old-id").unwrap();
    assert_eq!(fill().as_deref(), Some("old-value-0000"));

    let new_token = PatToken {
        authorization_id: "new-id".into(),
        display_name: "deploy bot".into(),
        scope: "vso.code".into(),
        scope_summary: vec![],
        target_organizations: None,
        is_global: false,
        valid_from: Utc::now(),
        valid_to: Utc::now() + chrono::Duration::days(30),
        status: TokenStatus::Active,
        stopped_working: false,
        organization: "contoso-web".into(),
    };
    let regenerated = |old: &str| Regenerated {
        created: CreatedToken {
            token: new_token.clone(),
            secret: Sensitive::new("new-value-1111".to_string()),
            clamped_from: None,
        },
        previous: RevokeResult {
            authorization_id: old.into(),
            display_name: "deploy bot".into(),
            outcome: RevokeOutcome::Revoked,
        },
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // A token PAT Desk kept nothing of: nothing is touched.
    let (replaced, error) =
        runtime.block_on(replace_copies(Some(&vault), &git, &regenerated("other-id")));
    assert!(
        replaced.is_empty() && error.is_none(),
        "{replaced:?} {error:?}"
    );
    assert_eq!(fill().as_deref(), Some("old-value-0000"));

    let (replaced, error) =
        runtime.block_on(replace_copies(Some(&vault), &git, &regenerated("old-id")));
    assert_eq!(replaced, vec![ReplacedCopy::Keychain]);
    let error = error.expect("Git's plain file needs the go-ahead");
    assert!(error.message.contains("go-ahead"), "{}", error.message);
    assert_eq!(
        fill().as_deref(),
        Some("old-value-0000"),
        "not written without the go-ahead"
    );

    // With a helper that keeps it in memory, Git gets the new value.
    let mut config = Command::new("git");
    config.args([
        "config",
        "--global",
        "credential.helper",
        "cache --timeout=300",
    ]);
    git_env(&mut config);
    assert!(config.status().unwrap().success());
    let (replaced, error) =
        runtime.block_on(replace_copies(Some(&vault), &git, &regenerated("old-id")));
    assert!(error.is_none(), "{error:?}");
    assert_eq!(replaced, vec![ReplacedCopy::Git]);
    let saved = vault.saved_pats().unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].authorization_id, "new-id");
    assert_eq!(
        vault
            .saved_pat_secret("contoso-web", "new-id")
            .unwrap()
            .expose(),
        "new-value-1111"
    );
    assert_eq!(
        vault
            .saved_pat_secret("contoso-web", "old-id")
            .unwrap_err()
            .code,
        ErrorCode::TokenNotFound
    );
    assert_eq!(
        fill().as_deref(),
        Some("new-value-1111"),
        "Git has the new value"
    );
    assert_eq!(
        vault
            .handed_to_git("contoso-web")
            .unwrap()
            .unwrap()
            .authorization_id,
        "new-id"
    );
    // Without the keychain this run, PAT Desk kept no copy and noted no hand-off.
    let (replaced, error) = runtime.block_on(replace_copies(None, &git, &regenerated("new-id")));
    assert!(replaced.is_empty() && error.is_none());
    let mut stop = Command::new("git");
    stop.args(["credential-cache", "exit"]);
    git_env(&mut stop);
    let _ = stop.status();
    let _ = std::fs::remove_dir_all(&home);
}

#[cfg_attr(
    windows,
    ignore = "needs a Secret Service over D-Bus (gnome-keyring); on Windows keychain_windows.rs tests Credential Manager"
)]
#[tokio::test]
async fn a_server_sign_in_is_remembered_in_the_keychain_and_restored() {
    use patdesk_core::server::{ServerCredential, TransportOptions};
    use patdesk_core::session::ServerSession;

    if !in_private_keyring("a_server_sign_in_is_remembered_in_the_keychain_and_restored") {
        return;
    }
    let vault = fresh_vault();
    let sim = patdesk_sim::Simulator::start(patdesk_sim::SimOptions::default())
        .await
        .unwrap();
    let address = format!("{}/DefaultCollection", sim.server_url());
    let session = ServerSession::sign_in(
        &address,
        ServerCredential::Windows {
            user: patdesk_sim::SERVER_DEMO_LOGIN.into(),
            password: Sensitive::new(patdesk_sim::SERVER_DEMO_PASSWORD.into()),
        },
        TransportOptions::default(),
        Some(&vault),
        None,
    )
    .await
    .unwrap();
    assert!(session.remembered);
    // The password is in the Secret Service (outside PAT Desk, too); the index holds only names.
    let entry = session.account.entry_name();
    assert_eq!(
        secret_tool_lookup(vault.namespace(), &entry).as_deref(),
        Some(patdesk_sim::SERVER_DEMO_PASSWORD)
    );
    let index = secret_tool_lookup(vault.namespace(), "index").unwrap();
    assert!(!index.contains(patdesk_sim::SERVER_DEMO_PASSWORD));
    let remembered = vault.servers().unwrap();
    assert_eq!(remembered.len(), 1);
    assert_eq!(remembered[0].user, patdesk_sim::SERVER_DEMO_LOGIN);
    assert_eq!(
        remembered[0].collection.as_deref(),
        Some("DefaultCollection")
    );

    // After a restart: signed in again from the keychain alone.
    drop(session);
    let restored = ServerSession::restore(&vault, &remembered[0], TransportOptions::default())
        .await
        .unwrap();
    assert_eq!(restored.identity.account, patdesk_sim::SERVER_DEMO_LOGIN);
    assert!(!restored
        .list_tokens(patdesk_core::model::ListFilter::Active)
        .await
        .unwrap()
        .tokens
        .is_empty());

    // Forgotten: nothing left, and restoring says to sign in again.
    vault.forget_server(&remembered[0]).unwrap();
    assert_eq!(secret_tool_lookup(vault.namespace(), &entry), None);
    assert!(vault.servers().unwrap().is_empty());
    let e = ServerSession::restore(&vault, &remembered[0], TransportOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionExpired);
}
