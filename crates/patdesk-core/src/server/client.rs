//! The Azure DevOps Server client: who signed in, the collections, and the person's tokens through
//! `_apis/Token/SessionTokens` (contract §3), mapped onto the same token model as Services ([`PatToken`]) so
//! the list, the bulk-revoke engine, copy and the keychain work unchanged. Collections play the role of
//! organizations; a token for "all accessible collections" (`targetAccounts: null`) is the counterpart of a
//! global PAT, and is never retired on a server.
//!
//! Listing pages with one RFC 1123 page timestamp and falls back to the full list when paging fails (older
//! servers lack the paging procedure). Create sends `tokenType=Compact`; Update is a POST with the id that
//! always sends `validTo`; Revoke is by id only (200, or 404 "already gone"). Names come back HTML-encoded
//! and are decoded here.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::client::create::{made_by_the_create, CreateProtocol, Event, Sent, Step};
use crate::error::{Error, ErrorCode};
use crate::model::{
    CreatedToken, Lifespan, ListFilter, NewTokenRequest, Organization, PatToken, RevokeOutcome,
    TokenStatus, UpdatedToken,
};
use crate::retirement::ServerClock;
use crate::scopes::Catalogue;
use crate::secret::Sensitive;

use super::address::ServerAddress;
use super::request::{
    AuthorizationId, CreateBody, PageQuery, ServerRequest, TokenHost, UpdateBody,
};
use super::transport::{Answer, ServerCredential, Transport, TransportOptions};

/// Tokens asked for per page.
pub const SERVER_PAGE_SIZE: u32 = 100;

/// The signed-in person, as the server names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerIdentity {
    pub id: String,
    pub display_name: String,
    /// `DOMAIN\user`.
    pub account: String,
}

/// A token as the server sends it; `token` is the new secret on Create, kept in a [`Sensitive`] from the moment
/// it is read so that printing the record (`{:?}`) shows `<redacted>`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSessionToken {
    authorization_id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    target_accounts: Option<Vec<String>>,
    valid_from: DateTime<Utc>,
    valid_to: DateTime<Utc>,
    #[serde(default)]
    is_valid: Option<bool>,
    #[serde(default)]
    token: Option<Sensitive<String>>,
}

#[derive(Debug, Deserialize)]
struct WireList {
    #[serde(default)]
    value: Vec<WireSessionToken>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePage {
    #[serde(default)]
    session_tokens: Vec<WireSessionToken>,
    #[serde(default)]
    next_row_number: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireVssError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    type_key: Option<String>,
}

/// Decodes the HTML entities the server stores names with (`&amp;`, `&lt;`, `&#39;`, `&#x27;`, …).
pub fn html_decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        // An entity is short: look for its `;` in the first 12 bytes, cut at a character's boundary.
        let window = (0..=tail.len().min(12))
            .rev()
            .find(|&n| tail.is_char_boundary(n))
            .unwrap_or(0);
        let Some(end) = tail[..window].find(';') else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse::<u32>().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Talks to one Azure DevOps Server for one signed-in person.
pub struct ServerClient {
    address: ServerAddress,
    transport: Transport,
    clock: Arc<ServerClock>,
    collections: RwLock<Vec<Organization>>,
}

impl std::fmt::Debug for ServerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerClient")
            .field("address", &self.address)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl ServerClient {
    /// A client for the server at `address`, signing in with `credential`. Nothing is sent yet.
    pub fn new(
        address: ServerAddress,
        credential: ServerCredential,
        options: TransportOptions,
    ) -> Result<ServerClient, Error> {
        let transport = Transport::new(address.base.clone(), credential, options)?;
        Ok(ServerClient {
            address,
            transport,
            clock: Arc::new(ServerClock::default()),
            collections: RwLock::new(Vec::new()),
        })
    }

    pub fn address(&self) -> &ServerAddress {
        &self.address
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The server's "now" (from its `Date` headers).
    pub fn server_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn send(&self, request: &ServerRequest) -> Result<Answer, Error> {
        let answer = self.transport.send(request).await?;
        self.clock.observe(&answer.headers);
        Ok(answer)
    }

    async fn send_ok(&self, request: &ServerRequest) -> Result<Answer, Error> {
        let answer = self.send(request).await?;
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(server_error(&answer, request))
        }
    }

    /// Signs in (the first request carries the handshake) and says who the person is.
    pub async fn who_am_i(&self) -> Result<ServerIdentity, Error> {
        let host = match &self.address.collection {
            Some(c) => TokenHost::Collection(c.clone()),
            None => TokenHost::Deployment,
        };
        let answer = self.send_ok(&ServerRequest::connection_data(&host)).await?;
        let v: serde_json::Value = parse(&answer)?;
        let user = &v["authenticatedUser"];
        let account = user["properties"]["Account"]["$value"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| self.transport.credential().label());
        Ok(ServerIdentity {
            id: user["id"].as_str().unwrap_or_default().to_string(),
            display_name: user["providerDisplayName"]
                .as_str()
                .filter(|s| !s.is_empty())
                .unwrap_or(&account)
                .to_string(),
            account,
        })
    }

    /// The server's collections (as organizations: id, name, `{base}/{name}`). A server that does not list
    /// them (no permission) gives the collection of the address, when there is one.
    pub async fn collections(&self) -> Result<Vec<Organization>, Error> {
        let listed = match self.send(&ServerRequest::collections()).await? {
            a if a.status == 200 => {
                let v: serde_json::Value = parse(&a)?;
                v["value"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| {
                        let name = c["name"].as_str()?;
                        Some(Organization {
                            id: c["id"].as_str().unwrap_or_default().to_ascii_lowercase(),
                            url: self.address.collection_url(name),
                            name: name.to_string(),
                        })
                    })
                    .collect::<Vec<_>>()
            }
            a if a.status == 401 || a.status == 403 || a.status == 404 => Vec::new(),
            a => return Err(server_error(&a, &ServerRequest::collections())),
        };
        let mut all = listed;
        if let Some(c) = &self.address.collection {
            if !all.iter().any(|o| o.name.eq_ignore_ascii_case(c)) {
                all.push(Organization {
                    id: String::new(),
                    name: c.clone(),
                    url: self.address.collection_url(c),
                });
            }
        }
        *self.collections.write().unwrap_or_else(|p| p.into_inner()) = all.clone();
        Ok(all)
    }

    fn collection_named(&self, name: &str) -> Option<Organization> {
        self.collections
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
            .cloned()
    }

    fn to_model(&self, w: WireSessionToken) -> PatToken {
        let now = self.clock.now();
        let known = self.collections.read().unwrap_or_else(|p| p.into_inner());
        let target_organizations = w.target_accounts.as_ref().map(|ids| {
            ids.iter()
                .map(|id| {
                    known
                        .iter()
                        .find(|o| o.id.eq_ignore_ascii_case(id))
                        .cloned()
                        .unwrap_or_else(|| Organization {
                            id: id.to_ascii_lowercase(),
                            name: id.clone(),
                            url: String::new(),
                        })
                })
                .collect::<Vec<_>>()
        });
        let status = if w.is_valid == Some(false) && w.valid_to > now {
            TokenStatus::Revoked
        } else if w.valid_to <= now {
            // An expired token may also be revoked; the server's `isValid` cannot tell, so it shows as expired.
            TokenStatus::Expired
        } else {
            TokenStatus::Active
        };
        let scope = w.scope.unwrap_or_default();
        let organization = target_organizations
            .as_ref()
            .and_then(|t| t.first())
            .map(|o| o.name.clone())
            .unwrap_or_else(|| ALL_COLLECTIONS.to_string());
        PatToken {
            authorization_id: w.authorization_id.to_ascii_lowercase(),
            display_name: html_decode(w.display_name.as_deref().unwrap_or_default()),
            scope_summary: Catalogue::load().describe(&scope),
            scope,
            is_global: target_organizations.is_none(),
            // All-collections tokens are not retired on a server.
            stopped_working: false,
            target_organizations,
            valid_from: w.valid_from,
            valid_to: w.valid_to,
            status,
            organization,
        }
    }

    /// Every token of the person with the given status, sorted by name. Pages through the paged list; when
    /// paging fails (an older server), takes the full list instead.
    pub async fn list_tokens(&self, filter: ListFilter) -> Result<Vec<PatToken>, Error> {
        if self
            .collections
            .read()
            .map(|c| c.is_empty())
            .unwrap_or(true)
        {
            let _ = self.collections().await;
        }
        let wire = match self.list_paged(filter).await {
            Ok(w) => w,
            Err(e) if paging_unsupported(&e) => {
                tracing::info!(
                    status = e.status,
                    "server: paged listing failed, taking the full list"
                );
                self.list_full().await?
            }
            Err(e) => return Err(e),
        };
        let mut tokens: Vec<PatToken> = wire
            .into_iter()
            .map(|w| self.to_model(w))
            .filter(|t| match filter {
                ListFilter::All => true,
                ListFilter::Active => t.status == TokenStatus::Active,
                ListFilter::Expired => t.status == TokenStatus::Expired,
                ListFilter::Revoked => t.status == TokenStatus::Revoked,
            })
            .collect();
        tokens.sort_by(|a, b| {
            a.display_name
                .to_lowercase()
                .cmp(&b.display_name.to_lowercase())
                .then_with(|| a.authorization_id.cmp(&b.authorization_id))
        });
        tokens.dedup_by(|a, b| a.authorization_id == b.authorization_id);
        Ok(tokens)
    }

    async fn list_full(&self) -> Result<Vec<WireSessionToken>, Error> {
        let request = ServerRequest::list_all(&TokenHost::Deployment);
        let answer = self.send_ok(&request).await?;
        Ok(parse::<WireList>(&answer)?.value)
    }

    async fn list_paged(&self, filter: ListFilter) -> Result<Vec<WireSessionToken>, Error> {
        let display_filter = match filter {
            ListFilter::Active => 1,
            ListFilter::Revoked => 2,
            ListFilter::Expired => 3,
            ListFilter::All => 4,
        };
        // One timestamp for every page of this listing, on the server's clock.
        let timestamp = self.clock.now();
        let mut start_row = 1u32;
        let mut all = Vec::new();
        for _ in 0..10_000 {
            let request = ServerRequest::list_page(
                &TokenHost::Deployment,
                &PageQuery {
                    display_filter,
                    start_row,
                    page_size: SERVER_PAGE_SIZE,
                    timestamp,
                },
            );
            let answer = self.send_ok(&request).await?;
            let page: WirePage = parse(&answer)?;
            let got = page.session_tokens.len() as u32;
            all.extend(page.session_tokens);
            let next = match &page.next_row_number {
                serde_json::Value::Number(n) => n.as_u64().unwrap_or(0) as u32,
                serde_json::Value::String(s) => s.parse().unwrap_or(0),
                _ => 0,
            };
            if next == 0 || next <= start_row || got == 0 {
                return Ok(all);
            }
            start_row = next;
        }
        Ok(all)
    }

    fn host_for(&self, collection: Option<&str>) -> TokenHost {
        match collection {
            Some(c) if !c.trim().is_empty() && c != ALL_COLLECTIONS => {
                TokenHost::Collection(c.trim().to_string())
            }
            _ => TokenHost::Deployment,
        }
    }

    /// Creates a token for `request.organization` (a collection name) or, with [`ALL_COLLECTIONS`] or an
    /// empty name, for all accessible collections. Needs Windows sign-in: a PAT is refused with
    /// [`ErrorCode::PatCannotCreate`]. A lifetime the server shortened is reported in `clamped_from`. The scopes
    /// are normalised against the server's catalogue ([`crate::scopes::normalise_server_scopes`]): an empty
    /// choice is refused before anything is sent.
    ///
    /// Create is sent once and never repeated blindly: it is the services' ambiguous-create protocol
    /// ([`crate::client::create`]) with one attempt. After a failure that may have reached the server (the
    /// connection dropped after the request left, a timeout, a `5xx`, an unreadable answer) the person's
    /// active tokens are listed and searched for this one (same name and scopes, the `validTo` sent, or a
    /// shorter one the server clamped to since this attempt began). Found: the token exists but its value never
    /// arrived, and the error says so and names it ([`ErrorCode::CreatedButSecretLost`]). Not found: the error
    /// says no token was created, so trying again is safe. The search itself failed: the error asks the
    /// person to refresh the list before trying again.
    pub async fn create(&self, request: &NewTokenRequest) -> Result<CreatedToken, Error> {
        // The same rule and sentences as Services (§2.16 of the contract holds on a server too).
        let name = crate::client::validation::validate_display_name(&request.display_name)?;
        let name = name.as_str();
        let scope = crate::scopes::normalise_server_scopes(&request.scopes)?;
        let host = self.host_for(Some(&request.organization));
        let target_accounts = match &host {
            TokenHost::Deployment => None,
            TokenHost::Collection(c) => self
                .collection_named(c)
                .filter(|o| !o.id.is_empty())
                .map(|o| vec![o.id]),
        };
        let policy = crate::http::RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        };
        let (mut protocol, mut step) = CreateProtocol::start(policy);
        let started = self.clock.now();
        let valid_to =
            crate::client::validation::round_to_10ms(request.lifespan.valid_to(started, None)?);
        let body = CreateBody {
            display_name: name.to_string(),
            scope: scope.clone(),
            valid_to: iso(valid_to),
            target_accounts,
        };
        let create = ServerRequest::create(&host, &body)?;
        loop {
            let event = match step {
                Step::Send => Event::Sent(self.send_create(&create, valid_to).await),
                Step::Check => {
                    Event::Checked(self.find_created(name, &scope, valid_to, started).await)
                }
                Step::RevokeOrphan(orphan) => Event::OrphanRevoked(matches!(
                    self.revoke_once(&orphan.authorization_id).await,
                    Ok(RevokeOutcome::Revoked | RevokeOutcome::AlreadyGone)
                )),
                Step::Wait(delay) => {
                    tokio::time::sleep(delay).await;
                    Event::Waited
                }
                Step::Finish(result) => {
                    if let Err(e) = &result {
                        tracing::info!(code = e.code.as_str(), "server: create did not finish");
                    }
                    return result;
                }
            };
            step = protocol.on(event);
        }
    }

    /// One create request, and what its answer means.
    async fn send_create(&self, create: &ServerRequest, valid_to: DateTime<Utc>) -> Sent {
        let answer = match self.send(create).await {
            Ok(a) if (200..300).contains(&a.status) => a,
            Ok(a) => return Sent::failure(server_error(&a, create)),
            Err(e) => return Sent::failure(e),
        };
        let mut wire: WireSessionToken = match parse(&answer) {
            Ok(w) => w,
            Err(e) => return Sent::failure(e),
        };
        let Some(secret) = wire.token.take().filter(|t| !t.expose().is_empty()) else {
            return Sent::CreatedWithoutSecret(self.to_model(wire));
        };
        let token = self.to_model(wire);
        let clamped_from =
            (token.valid_to + chrono::Duration::minutes(1) < valid_to).then_some(valid_to);
        Sent::Created(CreatedToken {
            token,
            secret,
            clamped_from,
        })
    }

    /// The active token an ambiguous create made, if any: the name and scopes sent, and the `validTo` sent
    /// (to the second: servers keep it to a few milliseconds) or an earlier one the server clamped to, on a
    /// token made since the attempt began (less two minutes for the clocks).
    async fn find_created(
        &self,
        name: &str,
        scope: &str,
        valid_to: DateTime<Utc>,
        started: DateTime<Utc>,
    ) -> Result<Option<PatToken>, Error> {
        let active = self.list_tokens(ListFilter::Active).await?;
        let to_the_second = chrono::Duration::seconds(1);
        Ok(made_by_the_create(
            active,
            name,
            scope,
            valid_to,
            started,
            to_the_second,
        ))
    }

    /// Renames, re-scopes or extends a token (a POST with its id; `validTo` always sent: the token's current
    /// one when `lifespan` is `None`).
    pub async fn update(
        &self,
        authorization_id: &str,
        display_name: Option<&str>,
        scopes: Option<&[String]>,
        lifespan: Option<Lifespan>,
    ) -> Result<UpdatedToken, Error> {
        let id = AuthorizationId::parse(authorization_id)?;
        // New scopes are normalised as on create, before anything is sent: an empty choice is refused, never
        // sent as "".
        let scope = scopes
            .map(crate::scopes::normalise_server_scopes)
            .transpose()?;
        let (valid_to, asked) = match lifespan {
            Some(l) => {
                let v = l.valid_to(self.clock.now(), None)?;
                (v, Some(v))
            }
            None => {
                let answer = self
                    .send_ok(&ServerRequest::get_token(&TokenHost::Deployment, &id))
                    .await?;
                (parse::<WireSessionToken>(&answer)?.valid_to, None)
            }
        };
        if let Some(n) = display_name {
            crate::client::validation::validate_display_name(n)?;
        }
        let body = UpdateBody {
            authorization_id: id.to_string(),
            display_name: display_name.map(|n| n.trim().to_string()),
            scope,
            valid_to: iso(valid_to),
            target_accounts: None,
        };
        let answer = self
            .send_ok(&ServerRequest::update(&TokenHost::Deployment, &body)?)
            .await?;
        let token = self.to_model(parse(&answer)?);
        let clamped_from = asked.filter(|a| token.valid_to + chrono::Duration::minutes(1) < *a);
        Ok(UpdatedToken {
            token,
            clamped_from,
        })
    }

    /// One token of the person (never its secret).
    pub async fn get(&self, authorization_id: &str) -> Result<PatToken, Error> {
        let id = AuthorizationId::parse(authorization_id)?;
        let answer = self
            .send_ok(&ServerRequest::get_token(&TokenHost::Deployment, &id))
            .await?;
        Ok(self.to_model(parse(&answer)?))
    }

    /// Revokes one token: `Revoked` on 200, `AlreadyGone` on 404.
    pub async fn revoke_once(&self, authorization_id: &str) -> Result<RevokeOutcome, Error> {
        let id = AuthorizationId::parse(authorization_id)?;
        let request = ServerRequest::revoke(&TokenHost::Deployment, &id);
        let answer = self.send(&request).await?;
        match answer.status {
            200..=299 => Ok(RevokeOutcome::Revoked),
            404 => Ok(RevokeOutcome::AlreadyGone),
            _ => Err(server_error(&answer, &request)),
        }
    }
}

/// The `organization` of an all-collections token, and the name that creates one.
pub const ALL_COLLECTIONS: &str = "All accessible collections";

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The way in of the fuzz target ([`crate::fuzzing::session_tokens_json`]): `body` read as each answer of
/// `SessionTokens` (the full list, a page, one token, a refusal) as this client reads it, and the tokens it
/// holds turned into the model.
pub(crate) fn fuzz_session_tokens(body: &[u8]) -> Vec<PatToken> {
    static CLIENT: std::sync::OnceLock<ServerClient> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        let address = ServerAddress::parse("https://tfs.contoso.local/tfs").expect("address");
        let credential = ServerCredential::Pat(Sensitive::new("fuzz".to_string()));
        ServerClient::new(address, credential, TransportOptions::default()).expect("client")
    });
    let answer = |status| Answer {
        status,
        headers: Default::default(),
        body: body.to_vec(),
    };
    let mut wire = Vec::new();
    if let Ok(list) = parse::<WireList>(&answer(200)) {
        wire.extend(list.value);
    }
    if let Ok(page) = parse::<WirePage>(&answer(200)) {
        wire.extend(page.session_tokens);
    }
    if let Ok(one) = parse::<WireSessionToken>(&answer(200)) {
        wire.push(one);
    }
    for status in [400, 401, 403, 404, 429, 500] {
        let _ = server_error(
            &answer(status),
            &ServerRequest::list_all(&TokenHost::Deployment),
        );
    }
    wire.into_iter().map(|w| client.to_model(w)).collect()
}

fn parse<T: serde::de::DeserializeOwned>(answer: &Answer) -> Result<T, Error> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        Error::new(
            ErrorCode::MalformedResponse,
            "The server sent an answer PAT Desk could not understand. Please try again.",
        )
        .with_raw(e.to_string())
    })
}

/// Whether a failed paged listing means "this server cannot page" (fall back to the full list).
fn paging_unsupported(e: &Error) -> bool {
    matches!(e.status, Some(400 | 404 | 500 | 501)) || e.code == ErrorCode::MalformedResponse
}

/// A refusal from the server as an error with a plain sentence.
fn server_error(answer: &Answer, request: &ServerRequest) -> Error {
    let vss: WireVssError = serde_json::from_slice(&answer.body).unwrap_or(WireVssError {
        message: None,
        type_key: None,
    });
    let message = vss.message.clone().unwrap_or_default();
    let type_key = vss.type_key.clone().unwrap_or_default();
    let raw = format!("{type_key}: {message}");
    let is_tokens = request
        .path_and_query()
        .contains("/_apis/Token/SessionTokens");
    let error = match (answer.status, type_key.as_str()) {
        (400, "SessionTokenCreateException") => match message.trim() {
            m if m.eq_ignore_ascii_case("AccessDenied") => Error::from_code(ErrorCode::PatCannotCreate),
            m => Error::from_pat_token_error(m, None),
        },
        (404, "SessionTokenNotFoundException") => Error::from_code(ErrorCode::TokenNotFound),
        (404, _) if is_tokens && (message.contains("VS800075") || type_key.contains("ResourceNotFound") || message.is_empty()) => {
            Error::from_code(ErrorCode::ServerTooOld)
        }
        (404, "CollectionDoesNotExistException") | (404, _) if message.contains("TF400898") => {
            Error::from_code(ErrorCode::CollectionNotFound)
        }
        (403, _) => Error::new(
            ErrorCode::AccessDenied,
            "The server refused this: the token is not yours, or your account may not manage tokens here.",
        ),
        (401, _) => Error::from_code(ErrorCode::WrongPassword),
        (429, _) => Error::from_code(ErrorCode::RateLimited)
            .with_retry_after(crate::http::retry_after(&answer.headers)),
        (500..=599, _) => Error::new(
            ErrorCode::ServerError,
            "The server had a problem. Please try again in a moment.",
        ),
        (400, _) => Error::new(
            ErrorCode::InvalidInput,
            "The server did not accept PAT Desk's request. Refresh the list and try again.",
        ),
        _ => Error::new(
            ErrorCode::UnknownServerError,
            "The server refused the request with an unexpected answer. Please try again.",
        ),
    };
    error.with_raw(raw).with_status(answer.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_html_decoded() {
        assert_eq!(html_decode("CI &amp; &lt;nightly&gt;"), "CI & <nightly>");
        assert_eq!(
            html_decode("Dana&#39;s &#x27;key&#x27; &quot;x&quot;"),
            "Dana's 'key' \"x\""
        );
        assert_eq!(html_decode("a & b &unknown; c &"), "a & b &unknown; c &");
        assert_eq!(html_decode("plain"), "plain");
    }

    /// A crash of the fuzz target `session_tokens_json`, kept in fuzz/regressions: the entity search looked at
    /// the first 12 bytes after `&`, which can end inside a character, and listing the tokens panicked (a token
    /// named `CI&CD 日本語` was enough).
    #[test]
    fn names_with_non_ascii_text_after_an_ampersand_decode() {
        assert_eq!(html_decode("CI&amp;CD 日本語"), "CI&CD 日本語");
        assert_eq!(html_decode("&aaaaaaaaaaé;"), "&aaaaaaaaaaé;");
        assert_eq!(html_decode("R&D für Kunden"), "R&D für Kunden");
    }

    #[test]
    fn a_created_tokens_wire_form_never_prints_its_secret() {
        let wire: WireSessionToken = serde_json::from_str(
            r#"{"authorizationId":"3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32","displayName":"ci",
                "validFrom":"2026-01-01T00:00:00Z","validTo":"2026-02-01T00:00:00Z",
                "token":"the-new-pat-value-42"}"#,
        )
        .unwrap();
        let printed = format!("{wire:?} {wire:#?}");
        assert!(!printed.contains("the-new-pat-value-42"), "{printed}");
        assert!(
            printed.contains("3d3aca0c"),
            "the rest is still there: {printed}"
        );
        let page = format!(
            "{:?}",
            serde_json::from_str::<WireList>(
                r#"{"value":[{"authorizationId":"a","validFrom":"2026-01-01T00:00:00Z",
                    "validTo":"2026-02-01T00:00:00Z","token":"the-new-pat-value-42"}]}"#
            )
            .unwrap()
        );
        assert!(!page.contains("the-new-pat-value-42"), "{page}");
    }
}
