//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz, `make fuzz`): one function per parser that reads
//! what a server or a file sends, each running the core's own code on arbitrary input and asserting what must
//! hold whatever the input (no panic; what parses round-trips). Not part of the API: the fuzz crate and the
//! regression test (`tests/offline/fuzz_regressions.rs`, which replays `fuzz/corpus` and `fuzz/regressions`
//! on the stable toolchain) are the only callers.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::model::{PatToken, TokenStatus};

/// What a fuzz target runs on one input.
pub type Target = fn(&[u8]);

/// The targets, by the name of their folder in `fuzz/corpus` and `fuzz/regressions`, and the function each runs.
pub const TARGETS: &[(&str, Target)] = &[
    ("pat_list_json", pat_list_json),
    ("session_tokens_json", session_tokens_json),
    ("www_authenticate", www_authenticate),
    ("ntlm_challenge", ntlm_challenge),
    ("rate_limit_headers", rate_limit_headers),
    ("server_address", server_address),
    ("handoffs_json", handoffs_json),
    ("settings_json", settings_json),
];

/// A token as the window gets it (JSON over IPC) comes back the same.
fn assert_ipc_round_trip(token: &PatToken) {
    let json = serde_json::to_string(token).expect("a token always serializes");
    let back: PatToken = serde_json::from_str(&json).expect("a serialized token parses");
    assert_eq!(&back, token, "{json}");
    assert_eq!(
        token.authorization_id,
        token.authorization_id.to_ascii_lowercase()
    );
}

/// Azure DevOps Services' PAT list (§3.5), a create/update result (§3.6) and an error body (§2.14), parsed and
/// turned into the token model as the client does.
pub fn pat_list_json(body: &[u8]) {
    static CLIENT: OnceLock<crate::client::AzureDevOpsClient> = OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        crate::client::AzureDevOpsClient::new(
            crate::endpoints::Endpoints::azure(),
            std::sync::Arc::new(crate::credentials::StaticToken::new("fuzz")),
        )
        .expect("client")
    });
    if let Ok(page) = serde_json::from_slice::<crate::wire::WirePagedPatTokens>(body) {
        for wire in page.pat_tokens {
            assert_ipc_round_trip(&client.to_model(wire, "fabrikam", TokenStatus::Active));
        }
    }
    if let Ok(result) = serde_json::from_slice::<crate::wire::WirePatTokenResult>(body) {
        let _ = result.business_error();
        if let Some(wire) = result.pat_token {
            assert_ipc_round_trip(&client.to_model(wire, "fabrikam", TokenStatus::Active));
        }
    }
    let _ = crate::wire::VssError::parse(body);
}

/// Azure DevOps Server's `SessionTokens` answers (§3 of the server contract): the full list, a page, one
/// token, and the error body, turned into the token model as the server client does.
pub fn session_tokens_json(body: &[u8]) {
    for token in crate::server::client::fuzz_session_tokens(body) {
        assert_ipc_round_trip(&token);
    }
}

/// The header lines of `input` (`name: value`, one a line); lines that are no valid header are skipped.
fn headers(input: &[u8]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for line in input.split(|b| *b == b'\n') {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name),
            HeaderValue::from_bytes(value.trim_ascii()),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// `WWW-Authenticate` values, one a line: Services' tenant discovery (§3.3) and the server transport's schemes
/// and NTLM continuation.
pub fn www_authenticate(input: &[u8]) {
    let mut map = HeaderMap::new();
    for line in input.split(|b| *b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(line.trim_ascii()) {
            map.append(reqwest::header::WWW_AUTHENTICATE, value);
        }
    }
    let tenant = crate::client::tenant::tenant_from_headers(&map);
    if let Some(id) = &tenant.tenant_id {
        assert!(crate::settings::is_guid(id), "{id}");
        assert_eq!(id, &id.to_ascii_lowercase());
        assert!(!tenant.msa_backed);
    }
    for scheme in crate::server::transport::schemes(&map) {
        if let Some(token) = crate::server::transport::continuation(&map, &scheme) {
            // What was decoded is the base64 the server sent.
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(&token);
            assert!(
                map.get_all(reqwest::header::WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .any(|v| v.contains(&encoded)),
                "{scheme} {encoded}"
            );
        }
    }
}

/// The server's NTLM CHALLENGE (type 2) message, answered by the client's AUTHENTICATE as in a Windows sign-in.
pub fn ntlm_challenge(challenge: &[u8]) {
    use crate::server::handshake::Handshake;
    let password = crate::secret::Sensitive::new("fuzz-password".to_string());
    let mut client =
        crate::server::ntlm::NtlmClient::new("CONTOSO\\fuzz", &password).expect("client");
    client.first_token().expect("the NEGOTIATE message");
    let _ = client.next_token(challenge);
}

/// The rate-limit headers (§2.15: `Retry-After`, `X-RateLimit-*`, `Date`), one `name: value` a line, read at a
/// fixed "now" and fed to the pacer as an answer.
pub fn rate_limit_headers(input: &[u8]) {
    let map = headers(input);
    let now = DateTime::parse_from_rfc3339("2026-11-23T20:00:00Z")
        .expect("a date")
        .with_timezone(&Utc);
    let _ = crate::http::retry_after_at(&map, now);
    let rate = crate::http::RateLimit::from_headers_at(&map, now);
    let max_hold = Duration::from_secs(60);
    let mut pacer = crate::http::Pacer::new(max_hold);
    let at = tokio::time::Instant::now();
    let sent = pacer.sent();
    pacer.answered(sent, rate.as_ref(), at);
    if let crate::http::Pace::WaitUntil(until) = pacer.poll(at) {
        assert!(until <= at + max_hold + Duration::from_secs(1));
    }
}

/// What a person types in the sign-in field: an organization or a server address.
pub fn server_address(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let _ = crate::server::read_sign_in_address(text);
    let _ = crate::endpoints::parse_organization(text);
    if let Ok(address) = crate::server::ServerAddress::parse(text) {
        let _ = (address.host(), address.is_plain_http_remote());
        // The base the sign-in keeps reads back as itself, with no collection.
        let again = crate::server::ServerAddress::parse(&address.base_str())
            .unwrap_or_else(|e| panic!("{} from {text:?}: {e:?}", address.base_str()));
        assert_eq!(again.base, address.base, "from {text:?}");
        assert_eq!(again.collection, None, "from {text:?}");
    }
}

/// A fresh folder of this process and thread for one input of a file target, removed afterwards.
fn with_scratch_dir(name: &str, run: impl FnOnce(&Path)) {
    let dir = std::env::temp_dir().join(format!(
        "patdesk-fuzz-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    run(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `handoffs.json` as the hand-off store reads it; what it reads, written again, reads back the same.
pub fn handoffs_json(bytes: &[u8]) {
    with_scratch_dir("handoffs", |dir| {
        let store = crate::handoffs::HandOffStore::in_dir(dir);
        std::fs::write(store.path(), bytes).expect("write");
        let all = store.all();
        let again = serde_json::json!({ "handOffs": all });
        std::fs::write(store.path(), serde_json::to_vec(&again).expect("json")).expect("write");
        assert_eq!(store.all(), all);
    });
}

/// `settings.json` as the app loads it; settings that load, saved again, load back the same.
pub fn settings_json(bytes: &[u8]) {
    with_scratch_dir("settings", |dir| {
        let path = dir.join(crate::settings::SETTINGS_FILE_NAME);
        std::fs::write(&path, bytes).expect("write");
        let (settings, notice) = crate::settings::load(&path);
        if notice.is_none() {
            let saved = crate::settings::save(&path, &settings).expect("loaded settings save");
            assert_eq!(saved, settings);
            assert_eq!(crate::settings::load(&path), (settings, None));
        }
    });
}
