//! Handing a token just created to the tools that use it — **Use with Git** (`git credential approve`, after
//! checking the configured helper), **Use with NuGet** (the person's NuGet client) and **Use with npm** (the
//! feed's lines in the user's `.npmrc`, or the `${ENV}` variant to copy) — remembering each hand-off (no
//! secret), and removing those copies after a revoke.
//!
//! The secret never comes back from the window: the shell uses the one it kept from `create_token`.

use chrono::Utc;
use patdesk_core::copies::{self, CopyResult, TokenRef, Tools};
use patdesk_core::feed_address::FeedAddresses;
use patdesk_core::git_credential::{GitCredentials, GitHelperCheck, GitHelperVerdict};
use patdesk_core::handoffs::{HandOff, HandOffRecord, Tool};
use patdesk_core::npm::{self, NpmClient};
use patdesk_core::nuget::{self, NuGetClient, NuGetHandOff, NuGetStatus, SnippetShell};
use patdesk_core::pip::{PipClient, PipRoute, PipStatus};
use patdesk_core::session::ActiveSession;
use patdesk_core::{Error, ErrorCode};
use tauri::{AppHandle, Runtime, State};

use crate::commands::saved::no_created_token;
use crate::state::{AppState, CreatedToken};

/// The tools, pointed at the organizations' host of the session (`https://dev.azure.com`, or the demo's
/// simulator) or at the Azure DevOps Server's collections, with the feed addresses a token of `organization`
/// may be handed for.
pub fn tools_for(session: Option<&ActiveSession>, organization: &str) -> Tools {
    let git = match session {
        Some(ActiveSession::Services(s)) => {
            GitCredentials::default().for_dev_url(&s.client_for(organization).endpoints().dev)
        }
        Some(ActiveSession::Server(s)) => {
            GitCredentials::default().for_server(s.client().address())
        }
        None => GitCredentials::default(),
    };
    Tools {
        git,
        nuget: NuGetClient::default(),
        npm: NpmClient::default(),
        pip: PipClient::default(),
        vault: None,
        feeds: feeds_for(session, organization),
    }
}

/// The feed addresses a token of `organization` may be handed for: Azure Artifacts feeds of that
/// organization (and the demo simulator's stand-in), or feeds on the signed-in Azure DevOps Server.
fn feeds_for(session: Option<&ActiveSession>, organization: &str) -> FeedAddresses {
    match session {
        Some(ActiveSession::Services(s)) => FeedAddresses::for_dev_url(
            &s.client_for(organization).endpoints().dev,
            Some(organization),
        ),
        Some(ActiveSession::Server(s)) => FeedAddresses::server(&s.client().address().base),
        None => FeedAddresses::services(Some(organization)),
    }
}

/// Whether a token of `organization` may be handed for `address` (else the sentence naming the address
/// expected). Runs before anything is written or any tool runs.
fn check_feed(state: &AppState, organization: &str, address: &str) -> Result<(), Error> {
    feeds_for(state.session().as_deref(), organization)
        .check(address)
        .map(|_| ())
}

fn created(state: &AppState, authorization_id: Option<&str>) -> Result<CreatedToken, Error> {
    state.created(authorization_id).ok_or_else(no_created_token)
}

/// Best effort, like forgetting a keychain copy: the hand-off happened whether or not it is remembered.
async fn remember(state: &AppState, hand_off: HandOff) {
    if let Some(store) = state.hand_off_store() {
        let _ = tauri::async_runtime::spawn_blocking(move || store.record(hand_off)).await;
    }
}

/// What Git's credential helper would do with the token just created (`authorization_id`, or the last one):
/// shown before "Use with Git", with its go-ahead box when the helper writes a plain file.
#[tauri::command]
pub async fn git_helper_check(
    state: State<'_, AppState>,
    authorization_id: Option<String>,
) -> Result<GitHelperCheck, Error> {
    let token = created(&state, authorization_id.as_deref())?.token;
    let tools = tools_for(state.session().as_deref(), &token.organization);
    tauri::async_runtime::spawn_blocking(move || tools.git.check_helpers(&token.organization))
        .await
        .map_err(Error::internal)?
}

/// Hand a token just created to Git's credential helper for `https://dev.azure.com/{org}` (user name: the
/// organization; `password_expiry_utc`: the token's expiry). Refused when Git would not keep or use it, and
/// when the helper writes a plain file unless `plainFileOk`. Answers the sentence to show.
#[tauri::command]
pub async fn use_created_token_with_git(
    state: State<'_, AppState>,
    authorization_id: Option<String>,
    plain_file_ok: Option<bool>,
) -> Result<String, Error> {
    let CreatedToken { token, secret } = created(&state, authorization_id.as_deref())?;
    let tools = tools_for(state.session().as_deref(), &token.organization);
    let target = tools.git.target_url(&token.organization);
    let (organization, valid_to) = (token.organization.clone(), token.valid_to);
    let git = tools.git.clone();
    let check = tauri::async_runtime::spawn_blocking(move || {
        git.hand_off(
            &organization,
            &secret,
            Some(valid_to),
            plain_file_ok.unwrap_or(false),
        )
    })
    .await
    .map_err(Error::internal)??;
    let plain_text = check.verdict == GitHelperVerdict::PlainFile;
    tracing::info!(organization = %token.organization, id = %token.authorization_id, plain_text, "token handed to Git");
    remember(
        &state,
        HandOff {
            authorization_id: token.authorization_id.clone(),
            organization: token.organization.clone(),
            tool: Tool::Git,
            place: format!("Git credential helper: {}", check.helpers.join(", ")),
            target: target.clone(),
            name: None,
            plain_text,
            handed_at: Utc::now(),
        },
    )
    .await;
    Ok(format!(
        "Git will now use this token for {target}: git clone, pull and push there no longer ask for a password. {}",
        check.message
    ))
}

/// Which NuGet client runs here and whether it can keep the token only in plain text.
#[tauri::command]
pub async fn nuget_status() -> Result<NuGetStatus, Error> {
    tauri::async_runtime::spawn_blocking(|| NuGetClient::default().status())
        .await
        .map_err(Error::internal)
}

/// Hand a token just created to NuGet for `feedUrl` (a package source named after the feed; user name: the
/// organization). Off Windows only with `plainTextOk`. Answers the sentence to show.
#[tauri::command]
pub async fn use_created_token_with_nuget(
    state: State<'_, AppState>,
    authorization_id: Option<String>,
    feed_url: String,
    plain_text_ok: Option<bool>,
) -> Result<String, Error> {
    let CreatedToken { token, secret } = created(&state, authorization_id.as_deref())?;
    let feed_url = feed_url.trim().to_string();
    check_feed(&state, &token.organization, &feed_url)?;
    let name = nuget::feed_name(&feed_url).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidInput,
            "This is not the address of an Azure Artifacts feed. Copy it from the feed's \"Connect to feed\" page: it looks like https://pkgs.dev.azure.com/{organization}/_packaging/{feed}/nuget/v3/index.json.",
        )
    })?;
    let plain_text_ok = plain_text_ok.unwrap_or(false);
    let (url, source, org) = (feed_url.clone(), name.clone(), token.organization.clone());
    let handed = tauri::async_runtime::spawn_blocking(move || {
        NuGetClient::default().hand_off(
            &NuGetHandOff {
                feed_url: &url,
                source_name: &source,
                username: &org,
                plain_text_ok,
            },
            &secret,
        )
    })
    .await
    .map_err(Error::internal)??;
    tracing::info!(organization = %token.organization, id = %token.authorization_id, feed = %name, plain_text = handed.plain_text, "token handed to NuGet");
    let client = match handed.client {
        nuget::NuGetClientKind::Dotnet => "dotnet",
        nuget::NuGetClientKind::Nuget => "nuget",
    };
    remember(
        &state,
        HandOff {
            authorization_id: token.authorization_id.clone(),
            organization: token.organization.clone(),
            tool: Tool::NuGet,
            place: format!("{client} (your NuGet configuration)"),
            target: feed_url,
            name: Some(name.clone()),
            plain_text: handed.plain_text,
            handed_at: Utc::now(),
        },
    )
    .await;
    Ok(if handed.plain_text {
        format!("NuGet now uses this token for the feed {name}. It keeps it in plain text in your NuGet configuration, as you chose.")
    } else {
        format!("NuGet now uses this token for the feed {name}; it keeps it encrypted for your account.")
    })
}

/// Copy the line that sets `ARTIFACTS_CREDENTIALPROVIDER_EXTERNAL_FEED_ENDPOINTS` for `feedUrl` with the
/// token just created, quoted for `shell` (POSIX or PowerShell; this computer's usual one when not given);
/// it holds the token, so it leaves the clipboard like a copied token (`clipboard-countdown`).
#[tauri::command]
pub async fn copy_nuget_credential_snippet<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    authorization_id: Option<String>,
    feed_url: String,
    shell: Option<SnippetShell>,
) -> Result<(), Error> {
    let CreatedToken { token, secret } = created(&state, authorization_id.as_deref())?;
    if feed_url.trim().is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            "Enter the feed's address first (from its \"Connect to feed\" page).",
        ));
    }
    let feeds = feeds_for(state.session().as_deref(), &token.organization);
    let snippet = nuget::external_feed_endpoints(
        &feeds,
        &feed_url,
        &token.organization,
        &secret,
        shell.unwrap_or_else(SnippetShell::native),
    )?;
    crate::commands::clipboard::copy_with_countdown(app, snippet).await
}

/// Set the feed's six lines in the user's `.npmrc` through npm (plain text: only with `plainTextOk`).
/// Answers the sentence to show.
#[tauri::command]
pub async fn use_created_token_with_npm(
    state: State<'_, AppState>,
    authorization_id: Option<String>,
    registry_url: String,
    plain_text_ok: Option<bool>,
) -> Result<String, Error> {
    let CreatedToken { token, secret } = created(&state, authorization_id.as_deref())?;
    let registry_url = registry_url.trim().to_string();
    check_feed(&state, &token.organization, &registry_url)?;
    let name = nuget::feed_name(&registry_url).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidInput,
            "This is not the address of an Azure Artifacts npm feed. Copy it from the feed's \"Connect to feed\" page: it looks like https://pkgs.dev.azure.com/{organization}/_packaging/{feed}/npm/registry/.",
        )
    })?;
    let (url, org) = (registry_url.clone(), token.organization.clone());
    let ok = plain_text_ok.unwrap_or(false);
    tauri::async_runtime::spawn_blocking(move || {
        NpmClient::default().hand_off(&url, &org, &secret, ok)
    })
    .await
    .map_err(Error::internal)??;
    tracing::info!(organization = %token.organization, id = %token.authorization_id, feed = %name, "token handed to npm");
    remember(
        &state,
        HandOff {
            authorization_id: token.authorization_id.clone(),
            organization: token.organization.clone(),
            tool: Tool::Npm,
            place: "npm (the .npmrc in your home folder)".into(),
            target: registry_url,
            name: Some(name.clone()),
            plain_text: true,
            handed_at: Utc::now(),
        },
    )
    .await;
    Ok(format!(
        "npm now uses this token for the feed {name}. It keeps it in plain text in the .npmrc in your home folder, as you chose."
    ))
}

/// The feed's six `.npmrc` lines with `${AZDO_NPM_PAT_B64}` in place of the token (no secret), to copy.
#[tauri::command]
pub fn npm_env_lines(
    state: State<'_, AppState>,
    authorization_id: Option<String>,
    registry_url: String,
) -> Result<String, Error> {
    let token = created(&state, authorization_id.as_deref())?.token;
    check_feed(&state, &token.organization, &registry_url)?;
    npm::env_lines(&registry_url, &token.organization)
}

/// What "Use with pip" would do here: pip found, and python-keyring's back end (the keychain route).
#[tauri::command]
pub async fn pip_status() -> Result<PipStatus, Error> {
    tauri::async_runtime::spawn_blocking(|| PipClient::default().status())
        .await
        .map_err(Error::internal)
}

/// Hand a token just created to pip for the Python feed `indexUrl`: into the keychain where python-keyring
/// has a back end (pip's configuration gets the address without the token), else into `pip.conf` only with
/// `plainTextOk`. Answers the sentence to show.
#[tauri::command]
pub async fn use_created_token_with_pip(
    state: State<'_, AppState>,
    authorization_id: Option<String>,
    index_url: String,
    plain_text_ok: Option<bool>,
) -> Result<String, Error> {
    let CreatedToken { token, secret } = created(&state, authorization_id.as_deref())?;
    let index_url = index_url.trim().to_string();
    check_feed(&state, &token.organization, &index_url)?;
    let name = nuget::feed_name(&index_url).unwrap_or_else(|| index_url.clone());
    let vault = state.remembering_vault();
    let url = index_url.clone();
    let ok = plain_text_ok.unwrap_or(false);
    let route = tauri::async_runtime::spawn_blocking(move || {
        PipClient::default().hand_off(vault.as_ref(), &url, &secret, ok)
    })
    .await
    .map_err(Error::internal)??;
    let plain_text = route == PipRoute::PlainText;
    tracing::info!(organization = %token.organization, id = %token.authorization_id, feed = %name, plain_text, "token handed to pip");
    remember(
        &state,
        HandOff {
            authorization_id: token.authorization_id.clone(),
            organization: token.organization.clone(),
            tool: Tool::Pip,
            place: if plain_text {
                "pip (pip.conf in your home folder)".into()
            } else {
                "pip (your system keychain, through python-keyring)".into()
            },
            target: index_url,
            name: Some(name.clone()),
            plain_text,
            handed_at: Utc::now(),
        },
    )
    .await;
    Ok(if plain_text {
        format!("pip now uses this token for the feed {name}. It keeps it in plain text in pip.conf in your home folder, as you chose.")
    } else {
        format!("pip now uses this token for the feed {name}: it finds it in your system keychain, and pip.conf holds only the feed's address.")
    })
}

/// Every hand-off PAT Desk remembers (tool, place, target, when; no secret), for "Used with" on the list, and
/// the sentence to show when the record was damaged and kept aside.
#[tauri::command]
pub async fn hand_offs(state: State<'_, AppState>) -> Result<HandOffRecord, Error> {
    Ok(match state.hand_off_store() {
        Some(store) => tauri::async_runtime::spawn_blocking(move || store.view())
            .await
            .map_err(Error::internal)?,
        None => HandOffRecord {
            hand_offs: Vec::new(),
            notice: None,
        },
    })
}

/// After a revoke: remove each copy PAT Desk put elsewhere of `tokens` (Git's credential, NuGet's source,
/// the keychain copy), with a result per place.
#[tauri::command]
pub async fn remove_copies(
    state: State<'_, AppState>,
    tokens: Vec<TokenRef>,
) -> Result<Vec<CopyResult>, Error> {
    let store = state.hand_off_store();
    let vault = state.remembering_vault();
    let session = state.session();
    let mut results = Vec::new();
    for token in tokens {
        let mut tools = tools_for(session.as_deref(), &token.organization);
        tools.vault = vault.clone();
        let (store, vault) = (store.clone(), vault.clone());
        let done = tauri::async_runtime::spawn_blocking(move || {
            copies::remove_copies(store.as_ref(), vault.as_ref(), &tools, &[token])
        })
        .await
        .map_err(Error::internal)?;
        results.extend(done);
    }
    for r in &results {
        tracing::info!(id = %r.authorization_id, place = %r.label, done = r.done, "copy removed after revoke");
    }
    Ok(results)
}
