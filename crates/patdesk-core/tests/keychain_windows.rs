//! The keychain vault and NuGet's encrypted password against **Windows' own Credential Manager and DPAPI**:
//! the Windows counterpart of `keychain.rs` (which needs a Secret Service over D-Bus, which Windows has not).
//!
//! Built for Windows and run under Wine (`scripts/windows/`), whose Credential Manager (`CredWriteW` /
//! `CredReadW`, kept in the Wine prefix's registry) and DPAPI (`CryptProtectData`) are real implementations
//! of those APIs. Every test works in a keychain namespace of its own, so they run side by side. On other
//! systems this target has no tests.
#![cfg(windows)]

use chrono::Utc;
use patdesk_core::nuget::{NuGetClient, NuGetClientKind, NuGetHandOff};
use patdesk_core::nuget_config::{dpapi, NuGetConfig, NUGET_ENTROPY};
use patdesk_core::vault::{RememberedAccount, RememberedServer, SavedPat, Vault};
use patdesk_core::Sensitive;
use windows_sys::Win32::Security::Credentials::{
    CredFree, CredReadW, CREDENTIALW, CRED_TYPE_GENERIC,
};

/// Windows' limit on one credential's secret (`CRED_MAX_CREDENTIAL_BLOB_SIZE`).
const BLOB_LIMIT: usize = 2560;

fn fresh_vault() -> Vault {
    let vault = Vault::with_namespace(format!("dev.patdesk.app.test.{}", uuid::Uuid::new_v4()));
    if let Err(e) = vault.probe() {
        panic!(
            "Windows' Credential Manager is not usable here: {} ({:?})",
            e.message, e.raw
        );
    }
    vault
}

/// What Credential Manager itself holds for the entry `user` of the vault (read with `CredReadW`, outside
/// PAT Desk and its keyring library): the secret's bytes, or `None` when there is no such credential.
fn credential_blob(vault: &Vault, user: &str) -> Option<Vec<u8>> {
    // windows-native-keyring-store's default target name: "{user}.{service}".
    let target: Vec<u16> = format!("{user}.{}", vault.namespace())
        .encode_utf16()
        .chain([0])
        .collect();
    let mut credential: *mut CREDENTIALW = std::ptr::null_mut();
    // SAFETY: a NUL-terminated UTF-16 target name; the result is freed with CredFree below.
    let found = unsafe { CredReadW(target.as_ptr(), CRED_TYPE_GENERIC, 0, &mut credential) };
    if found == 0 {
        return None;
    }
    // SAFETY: CredReadW succeeded, so `credential` points at a CREDENTIALW with a blob of the given size.
    unsafe {
        let c = &*credential;
        let blob =
            std::slice::from_raw_parts(c.CredentialBlob, c.CredentialBlobSize as usize).to_vec();
        CredFree(credential as *const _);
        Some(blob)
    }
}

/// A blob as the UTF-16 text Credential Manager keeps (what other Windows programs read).
fn utf16(blob: &[u8]) -> String {
    let units: Vec<u16> = blob
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// A value longer than one credential can hold (an Entra refresh token can be), with a character outside the
/// Basic Multilingual Plane where a naive cut would split it.
fn long_secret(tag: &str) -> String {
    let mut s = format!("{tag}-");
    while s.encode_utf16().count() < 3000 {
        s.push_str("0.AXYAbc-Rt_1234567890abcdefghij𝄞");
    }
    s
}

#[test]
fn an_account_with_a_long_refresh_token_is_remembered_restored_and_forgotten() {
    let vault = fresh_vault();
    let account = RememberedAccount {
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        user_id: "a1b2c3".into(),
        username: "ann@contoso.com".into(),
        display_name: Some("Ann Example".into()),
        updated_at: Utc::now(),
    };
    let token = long_secret("rt1");
    vault
        .store_refresh_token(&account, &Sensitive::new(token.clone()))
        .unwrap();

    // A second vault value (as after a restart) finds it.
    let again = Vault::with_namespace(vault.namespace());
    let loaded = again
        .load_refresh_token(&account.tenant_id, &account.user_id)
        .unwrap()
        .expect("the refresh token is remembered");
    assert_eq!(loaded.expose(), &token);
    assert_eq!(again.accounts().unwrap()[0].username, "ann@contoso.com");

    // In Credential Manager: no credential over Windows' limit, the token in parts, none of them the whole.
    let entry = account.entry_name();
    let head = credential_blob(&vault, &entry).expect("the account's credential");
    assert!(head.len() <= BLOB_LIMIT);
    let parts: Vec<String> = (1..)
        .map_while(|i| credential_blob(&vault, &format!("{entry}~part{i}")))
        .map(|b| {
            assert!(b.len() <= BLOB_LIMIT, "{} bytes", b.len());
            utf16(&b)
        })
        .collect();
    assert!(parts.len() >= 3, "{} parts", parts.len());
    assert_eq!(parts.concat(), token);

    // Rotation to a short token leaves no parts behind.
    vault
        .rotate_refresh_token(
            &account.tenant_id,
            &account.user_id,
            &Sensitive::from("rt2-short"),
        )
        .unwrap();
    assert_eq!(
        credential_blob(&vault, &entry)
            .map(|b| utf16(&b))
            .as_deref(),
        Some("rt2-short")
    );
    assert!(credential_blob(&vault, &format!("{entry}~part1")).is_none());
    assert_eq!(
        vault
            .load_refresh_token(&account.tenant_id, &account.user_id)
            .unwrap()
            .unwrap()
            .expose(),
        "rt2-short"
    );

    // Long again, then forgotten: the credential and every part are gone.
    vault
        .store_refresh_token(&account, &Sensitive::new(long_secret("rt3")))
        .unwrap();
    assert!(credential_blob(&vault, &format!("{entry}~part1")).is_some());
    vault
        .forget_account(&account.tenant_id, &account.user_id)
        .unwrap();
    assert!(vault
        .load_refresh_token(&account.tenant_id, &account.user_id)
        .unwrap()
        .is_none());
    assert!(vault.accounts().unwrap().is_empty());
    assert!(credential_blob(&vault, &entry).is_none());
    assert!(credential_blob(&vault, &format!("{entry}~part1")).is_none());
}

#[test]
fn a_server_sign_in_is_remembered_restored_and_forgotten() {
    let vault = fresh_vault();
    let server = RememberedServer {
        server_url: "https://tfs.contoso.local:8080/tfs".into(),
        collection: Some("DefaultCollection".into()),
        user: "CONTOSO\\dana".into(),
        with_pat: false,
        display_name: Some("Dana".into()),
        updated_at: Utc::now(),
    };
    let password = "Pässwörd with spaces & <xml>";
    vault
        .store_server_secret(&server, &Sensitive::from(password))
        .unwrap();
    let again = Vault::with_namespace(vault.namespace());
    assert_eq!(again.servers().unwrap(), vec![server.clone()]);
    assert_eq!(
        again.load_server_secret(&server).unwrap().unwrap().expose(),
        password
    );
    // Credential Manager holds it as UTF-16, as Windows programs expect; the index holds names only.
    assert_eq!(
        credential_blob(&vault, &server.entry_name())
            .map(|b| utf16(&b))
            .as_deref(),
        Some(password)
    );
    let index = utf16(&credential_blob(&vault, "index").unwrap());
    assert!(
        index.contains("CONTOSO\\\\dana") && !index.contains(password),
        "{index}"
    );

    vault.forget_server(&server).unwrap();
    assert!(vault.load_server_secret(&server).unwrap().is_none());
    assert!(vault.servers().unwrap().is_empty());
    assert!(credential_blob(&vault, &server.entry_name()).is_none());
}

#[test]
fn many_saved_tokens_outgrow_one_credential_and_all_come_back() {
    let vault = fresh_vault();
    let saved: Vec<SavedPat> = (0..40)
        .map(|i| SavedPat {
            organization: "contoso".into(),
            authorization_id: format!("6f0e1d2c-0000-4000-8000-{i:012}"),
            display_name: format!("Build agent pool token number {i}"),
            valid_to: Some("2027-01-01T00:00:00Z".into()),
            saved_at: Utc::now(),
        })
        .collect();
    for (i, pat) in saved.iter().enumerate() {
        vault
            .save_pat(
                pat,
                &Sensitive::new(format!("pat-value-{i:03}-{}", "x".repeat(52))),
            )
            .unwrap();
    }
    // The index (names only) is now longer than one credential holds.
    assert!(credential_blob(&vault, "index~part1").is_some());
    let listed = Vault::with_namespace(vault.namespace())
        .saved_pats()
        .unwrap();
    assert_eq!(listed.len(), 40);
    let value = vault
        .saved_pat_secret("Contoso", &saved[17].authorization_id)
        .unwrap();
    assert_eq!(value.expose(), &format!("pat-value-017-{}", "x".repeat(52)));

    for pat in &saved {
        vault
            .forget_pat(&pat.organization, &pat.authorization_id)
            .unwrap();
    }
    assert!(vault.saved_pats().unwrap().is_empty());
    assert!(vault
        .saved_pat_secret("contoso", &saved[17].authorization_id)
        .is_err());
    // Back to one credential: the index's parts are gone.
    assert!(credential_blob(&vault, "index~part1").is_none());
}

/// NuGet's configuration in a throw-away `%APPDATA%`.
struct AppData {
    dir: std::path::PathBuf,
}

impl AppData {
    fn new() -> AppData {
        let dir = std::env::temp_dir().join(format!("patdesk-appdata-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        AppData { dir }
    }

    /// PAT Desk's NuGet hand-off with this `%APPDATA%`. The client is only looked for on Windows (the file is
    /// written by PAT Desk), so any program file stands for it: this test's own executable.
    fn client(&self) -> NuGetClient {
        NuGetClient::new()
            .program(NuGetClientKind::Nuget, std::env::current_exe().unwrap())
            .env("APPDATA", &self.dir)
    }

    fn config(&self) -> std::path::PathBuf {
        self.dir.join("NuGet").join("NuGet.Config")
    }
}

impl Drop for AppData {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn nuget_keeps_the_token_encrypted_for_this_windows_account() {
    use base64::Engine;
    let appdata = AppData::new();
    // A configuration the person already has: it must survive.
    std::fs::create_dir_all(appdata.config().parent().unwrap()).unwrap();
    std::fs::write(
        appdata.config(),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration>\r\n  <packageSources>\r\n    <add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" protocolVersion=\"3\" />\r\n  </packageSources>\r\n</configuration>\r\n",
    )
    .unwrap();
    let client = appdata.client();
    let status = client.status();
    assert!(!status.plain_text_only, "{}", status.message);

    let token = "nuget-pat-0123456789abcdefghijklmnopqrstuvwxyz";
    let feed = "https://pkgs.dev.azure.com/contoso/_packaging/contoso packages/nuget/v3/index.json";
    let request = NuGetHandOff {
        feed_url: feed,
        source_name: "contoso packages",
        username: "contoso",
        // No plain-text go-ahead: on Windows none is needed.
        plain_text_ok: false,
    };
    let handed = client.hand_off(&request, &Sensitive::from(token)).unwrap();
    assert!(!handed.plain_text);
    assert_eq!(handed.registered_url, feed);

    let text = std::fs::read_to_string(appdata.config()).unwrap();
    assert!(
        !text.contains(token),
        "the token is in the file in plain text"
    );
    assert!(!text.contains("ClearTextPassword"));
    assert!(
        text.contains("<contoso_x0020_packages>") && text.contains("api.nuget.org"),
        "{text}"
    );
    let (url, user, sealed) = NuGetConfig::parse(&text)
        .unwrap()
        .source("contoso packages")
        .unwrap();
    assert_eq!((url.as_str(), user.as_deref()), (feed, Some("contoso")));
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(sealed.unwrap())
        .unwrap();
    // What NuGet does to read it: DPAPI for this account, with NuGet's entropy.
    let opened = dpapi::unprotect(&sealed, NUGET_ENTROPY).unwrap();
    assert_eq!(opened.expose().as_slice(), token.as_bytes());
    // Without NuGet's entropy DPAPI refuses: the value is bound to it, as NuGet's own.
    assert!(dpapi::unprotect(&sealed, b"").is_err());

    // Regenerate: the same source gets the new value, still encrypted, once.
    let newer = "nuget-pat-second-value-zyxwvutsrqponmlkjihgfedcba";
    client.hand_off(&request, &Sensitive::from(newer)).unwrap();
    let text = std::fs::read_to_string(appdata.config()).unwrap();
    assert!(!text.contains(newer) && !text.contains(token));
    assert_eq!(
        text.matches("<contoso_x0020_packages>").count(),
        1,
        "{text}"
    );
    let sealed = NuGetConfig::parse(&text)
        .unwrap()
        .source("contoso packages")
        .unwrap()
        .2
        .unwrap();
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .unwrap();
    assert_eq!(
        dpapi::unprotect(&sealed, NUGET_ENTROPY)
            .unwrap()
            .expose()
            .as_slice(),
        newer.as_bytes()
    );

    // Revoke's cleanup: the source and its password go, the person's own source stays.
    client.remove_source("contoso packages").unwrap();
    let text = std::fs::read_to_string(appdata.config()).unwrap();
    assert!(
        !text.contains("contoso") && text.contains("api.nuget.org"),
        "{text}"
    );
    // Removing again (or from a missing file) is fine.
    client.remove_source("contoso packages").unwrap();
    assert!(AppData::new()
        .client()
        .remove_source("contoso packages")
        .is_ok());
}

#[test]
fn pips_keychain_item_is_where_python_keyring_looks_on_windows() {
    let vault = fresh_vault();
    // As pip.rs names it: service = the index's host, user = the feed.
    let service = format!("pkgs.{}.example", uuid::Uuid::new_v4());
    let token = "pip-pat-value-0123456789";
    vault
        .save_for_program(
            &service,
            "contoso-feed",
            "PAT Desk — pip",
            &Sensitive::from(token),
        )
        .unwrap();
    // python-keyring's WinVaultKeyring reads the generic credential `{user}@{service}` as UTF-16.
    let read = |target: &str| {
        let wide: Vec<u16> = target.encode_utf16().chain([0]).collect();
        let mut credential: *mut CREDENTIALW = std::ptr::null_mut();
        // SAFETY: as in `credential_blob`.
        unsafe {
            if CredReadW(wide.as_ptr(), CRED_TYPE_GENERIC, 0, &mut credential) == 0 {
                return None;
            }
            let c = &*credential;
            let blob = std::slice::from_raw_parts(c.CredentialBlob, c.CredentialBlobSize as usize)
                .to_vec();
            CredFree(credential as *const _);
            Some(utf16(&blob))
        }
    };
    assert_eq!(
        read(&format!("contoso-feed@{service}")).as_deref(),
        Some(token)
    );
    // A credential named just `{service}` (someone else's) is neither made nor touched.
    assert_eq!(read(&service), None);
    vault.forget_for_program(&service, "contoso-feed").unwrap();
    assert_eq!(read(&format!("contoso-feed@{service}")), None);
}
