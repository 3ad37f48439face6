//! The `--server` side of the CLI: the same verbs against an Azure DevOps Server / TFS 2017+, through the
//! core's [`ServerSession`]. The user comes from `PATDESK_SERVER_USER` and the password from
//! `PATDESK_SERVER_PASSWORD`, or a PAT from `PATDESK_SERVER_PAT`; never from an argument. On Windows, with none
//! of them set, it signs in as the person signed in to Windows (Windows' own sign-in, no password). The server's
//! certificate is checked against the operating system's store (`SSL_CERT_FILE` is honoured).
//!
//! A server on plain `http://` off this computer is refused with the core's sentence (`plainHttpNotChosen`)
//! unless `--allow-plain-http` is given: the CLI's form of the sign-in screen's explicit choice, for this one
//! command (the CLI keeps no settings), with a warning on stderr.

use patdesk_core::bulk::BulkItem;
use patdesk_core::model::{
    BulkSummary, CreatedToken, ListFilter, NewTokenRequest, Organization, PatToken,
};
use std::sync::atomic::{AtomicBool, Ordering};

use patdesk_core::server::{plain_http, ServerAddress, ServerCredential, TransportOptions};
use patdesk_core::session::ServerSession;
use patdesk_core::settings::PlainHttpChoice;
use patdesk_core::{Error, ErrorCode, Sensitive};

fn secret_env(name: &str) -> Option<Sensitive<String>> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Sensitive::new)
}

/// The credential the environment gives.
fn credential() -> Result<ServerCredential, Error> {
    if let Some(pat) = secret_env("PATDESK_SERVER_PAT") {
        return Ok(ServerCredential::Pat(pat));
    }
    let user = std::env::var("PATDESK_SERVER_USER")
        .ok()
        .filter(|u| !u.trim().is_empty());
    match (user, secret_env("PATDESK_SERVER_PASSWORD")) {
        (Some(user), Some(password)) => Ok(ServerCredential::Windows { user, password }),
        // Nothing set, on Windows: the person signed in to Windows, with Windows' own sign-in.
        (None, None) if patdesk_core::server::current_windows_account().is_some() => {
            Ok(ServerCredential::CurrentWindowsUser)
        }
        _ => Err(Error::new(
            ErrorCode::InvalidInput,
            "To sign in to the server, set PATDESK_SERVER_USER (DOMAIN\\user) and PATDESK_SERVER_PASSWORD, or PATDESK_SERVER_PAT with one of your personal access tokens.",
        )),
    }
}

/// `--allow-plain-http`, set once from the command line before any server is contacted.
static ALLOW_PLAIN_HTTP: AtomicBool = AtomicBool::new(false);

/// Records `--allow-plain-http`.
pub fn allow_plain_http(allow: bool) {
    ALLOW_PLAIN_HTTP.store(allow, Ordering::SeqCst);
}

/// The transport options for `url`: with `--allow-plain-http` and a plain `http://` address off this computer,
/// the person's choice for that server (made now, by giving the flag), announced on stderr.
fn options_for(url: &str) -> TransportOptions {
    let choice = ServerAddress::parse(url)
        .ok()
        .filter(|a| a.is_plain_http_remote() && ALLOW_PLAIN_HTTP.load(Ordering::SeqCst))
        .map(|a| {
            eprintln!(
                "Warning: the connection to {} is not encrypted (http://), as --allow-plain-http allows.",
                plain_http::label(&a.base)
            );
            PlainHttpChoice {
                server: plain_http::origin(&a.base),
                chosen_at: chrono::Utc::now(),
            }
        });
    TransportOptions {
        plain_http_choice: choice,
        ..TransportOptions::default()
    }
}

/// Signs in to the server at `url`.
pub async fn connect(url: &str) -> Result<ServerSession, Error> {
    ServerSession::sign_in(url, credential()?, options_for(url), None, None).await
}

/// The tokens of the person on the server, or, when the address names a collection, those made for it.
pub async fn list(url: &str, filter: ListFilter) -> Result<Vec<PatToken>, Error> {
    let session = connect(url).await?;
    let collection = collection_of(&session, url).await?;
    let tokens = session.list_tokens(filter).await?.tokens;
    Ok(tokens
        .into_iter()
        .filter(|t| collection.as_ref().is_none_or(|c| made_for(t, c)))
        .collect())
}

/// The collection the address names (`https://tfs.contoso.local/tfs/DefaultCollection`), checked against the
/// server's collections; `None` for an address of the whole server. A collection the server does not have is
/// refused, with the ones it has.
async fn collection_of(session: &ServerSession, url: &str) -> Result<Option<Organization>, Error> {
    let Some(named) = ServerAddress::parse(url)?.collection else {
        return Ok(None);
    };
    let collections = session.client().collections().await?;
    if let Some(found) = collections
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(&named))
    {
        return Ok(Some(found.clone()));
    }
    let mut names: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
    names.sort_by_key(|n| n.to_lowercase());
    Err(Error::new(
        ErrorCode::OrganizationNotFound,
        format!(
            "The server has no collection called \"{named}\" that you can reach. Its collections: {}. Use one \
             of them in the address, or the server's address without a collection for all of them.",
            names.join(", ")
        ),
    ))
}

/// Whether `token` was made for `collection` (a token for all collections is not: it is left to an address
/// without a collection, so limiting to one collection never touches another's tokens).
fn made_for(token: &PatToken, collection: &Organization) -> bool {
    token.target_organizations.as_ref().is_some_and(|targets| {
        targets.iter().any(|o| {
            o.id.eq_ignore_ascii_case(&collection.id)
                || o.name.eq_ignore_ascii_case(&collection.name)
        })
    })
}

pub async fn create(url: &str, request: NewTokenRequest) -> Result<CreatedToken, Error> {
    let session = connect(url).await?;
    if !session.can_create() {
        return Err(Error::from_code(ErrorCode::PatCannotCreate));
    }
    session.create(&request).await
}

/// Revokes `ids` (each checked to be a token id: there is no "revoke everything"), or every expired token (of
/// the collection the address names, if it names one).
pub async fn revoke(
    url: &str,
    expired: bool,
    ids: Vec<String>,
    concurrency: usize,
) -> Result<BulkSummary, Error> {
    let session = connect(url).await?;
    let items: Vec<BulkItem> = if expired {
        let collection = collection_of(&session, url).await?;
        session
            .list_tokens(ListFilter::Expired)
            .await?
            .tokens
            .into_iter()
            .filter(|t| collection.as_ref().is_none_or(|c| made_for(t, c)))
            .map(|t| BulkItem {
                organization: t.organization,
                authorization_id: t.authorization_id,
                display_name: t.display_name,
            })
            .collect()
    } else {
        let mut items = Vec::new();
        for id in ids {
            patdesk_core::server::AuthorizationId::parse(&id)?;
            items.push(BulkItem {
                organization: String::new(),
                display_name: id.clone(),
                authorization_id: id,
            });
        }
        items
    };
    if items.is_empty() {
        eprintln!("Nothing to revoke.");
        return Ok(BulkSummary::default());
    }
    Ok(super::revoke(&session, items, concurrency).await)
}
