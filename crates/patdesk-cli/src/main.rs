//! `patdesk-cli`: PAT Desk without the window, for people who live in a terminal and for scripts.
//!
//! A thin layer over `patdesk-core` (the same client and bulk-revoke engine as the app): list, create and
//! revoke personal access tokens, sign in, and say who is signed in. Results go to stdout (plain text, or JSON
//! with `--json`); prompts, progress and warnings go to stderr, so `TOKEN=$(patdesk-cli create …)` captures
//! exactly the new secret. Exit codes: 0 done, 1 failed (the plain-language reason is printed), 2 usage.
//!
//! Authentication: `PATDESK_ACCESS_TOKEN` if set; otherwise a device-code sign-in whose tokens live only in
//! this process. Endpoints come from `PATDESK_LOGIN_URL`, `PATDESK_APP_VSSPS_URL`, `PATDESK_VSSPS_URL` and
//! `PATDESK_DEV_URL` (the simulator in tests), the real Microsoft hosts otherwise.
//!
//! With `--server <URL>` the same verbs work against an Azure DevOps Server / TFS 2017+ (`server.rs`),
//! signing in as `PATDESK_SERVER_USER` with `PATDESK_SERVER_PASSWORD`, or with the PAT in
//! `PATDESK_SERVER_PAT` — never from an argument, which other users of the machine could see. On Windows, with
//! none of them set, as the person signed in to Windows.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{ArgGroup, Parser, Subcommand, ValueEnum};
use patdesk_core::bulk::{bulk_revoke, BulkItem, BulkOptions, CancellationToken};
use patdesk_core::credentials::StaticToken;
use patdesk_core::endpoints::Endpoints;
use patdesk_core::entra::{DeviceCodeFlow, EntraConfig};
use patdesk_core::model::{
    BulkSummary, Lifespan, ListFilter, NewTokenRequest, Organization, PatToken, Profile,
    RevokeOutcome, TokenStatus,
};
use patdesk_core::session::Session;
use patdesk_core::{Error, ErrorCode};

mod server;

#[derive(Parser)]
#[command(
    name = "patdesk-cli",
    version,
    about = "Manage your Azure DevOps personal access tokens from the terminal.",
    after_help = "Signs in with PATDESK_ACCESS_TOKEN when it is set, otherwise with a device code.\n\
                  With --server URL (Azure DevOps Server / TFS): PATDESK_SERVER_USER (DOMAIN\\user) and \
                  PATDESK_SERVER_PASSWORD, or PATDESK_SERVER_PAT; on Windows, with none of them set, as the \
                  person signed in to Windows."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// With --server: go on although the address is plain http:// to another computer. That connection is not
    /// encrypted: a new token, and your Windows sign-in, could be read or misused by anyone on the network.
    /// Prefer the server's https:// address. (A token is never sent over it, with or without this.)
    #[arg(long, global = true)]
    allow_plain_http: bool,
}

#[derive(Subcommand)]
enum Command {
    /// List your tokens (all your organizations unless --org is given).
    List {
        /// Only this organization (name or https://dev.azure.com/NAME).
        #[arg(long, conflicts_with = "server")]
        org: Option<String>,
        /// An Azure DevOps Server / TFS address instead of Azure DevOps Services, e.g.
        /// https://tfs.contoso.local:8080/tfs; with a collection (…/tfs/DefaultCollection), only the tokens
        /// made for that collection.
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        #[arg(long, value_enum, default_value_t = FilterArg::Active)]
        filter: FilterArg,
        #[arg(long, value_enum, default_value_t = SortArg::Name)]
        sort: SortArg,
        /// Print JSON (the IPC `PatToken[]`) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create a token and print its secret once.
    #[command(group(ArgGroup::new("what").required(true).args(["scopes", "full_access"])))]
    #[command(group(ArgGroup::new("lifespan").required(true).args(["days", "until"])))]
    Create {
        #[arg(long, required_unless_present = "server", conflicts_with = "server")]
        org: Option<String>,
        /// An Azure DevOps Server / TFS address instead of Azure DevOps Services.
        #[arg(long, value_name = "URL", requires = "target")]
        server: Option<String>,
        /// With --server: the collection the token is for.
        #[arg(long, group = "target")]
        collection: Option<String>,
        /// With --server: a token for all accessible collections.
        #[arg(long, group = "target", requires = "server")]
        all_collections: bool,
        #[arg(long)]
        name: String,
        /// Space-separated scopes, e.g. "vso.code_write vso.packaging".
        #[arg(long)]
        scopes: Option<String>,
        /// Full access to everything (not recommended).
        #[arg(long)]
        full_access: bool,
        /// Lasts this many days from now (1–365).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=365))]
        days: Option<u32>,
        /// Lasts until the end of this day (UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<NaiveDate>,
        /// Print JSON (token, secret, clampedFrom) instead of the bare secret.
        #[arg(long)]
        json: bool,
    },
    /// Revoke tokens by id, or every expired token.
    #[command(group(ArgGroup::new("which").required(true).args(["ids", "expired"])))]
    Revoke {
        /// The organization to revoke through (required with ids; limits --expired).
        #[arg(long, required_unless_present_any = ["expired", "server"], conflicts_with = "server")]
        org: Option<String>,
        /// An Azure DevOps Server / TFS address instead of Azure DevOps Services; with a collection
        /// (…/tfs/DefaultCollection), --expired revokes only the tokens made for that collection.
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// Revoke every expired token (of --org or the --server address's collection, or of all of them).
        #[arg(long, conflicts_with = "ids")]
        expired: bool,
        /// Most revokes in flight at once.
        #[arg(long, default_value_t = patdesk_core::bulk::DEFAULT_CONCURRENCY, value_parser = concurrency_in_range)]
        concurrency: usize,
        /// Print the summary as JSON (the IPC `BulkSummary`).
        #[arg(long)]
        json: bool,
        /// Token ids (authorizationId).
        #[arg(value_name = "ID")]
        ids: Vec<String>,
    },
    /// Sign in with a device code and say who you are.
    SignIn,
    /// Who is signed in, and their organizations.
    Whoami {
        #[arg(long)]
        json: bool,
    },
}

fn concurrency_in_range(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n @ 1..=32) => Ok(n),
        _ => Err("a number from 1 to 32".to_string()),
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FilterArg {
    Active,
    Expired,
    Revoked,
    All,
}

impl From<FilterArg> for ListFilter {
    fn from(f: FilterArg) -> Self {
        match f {
            FilterArg::Active => ListFilter::Active,
            FilterArg::Expired => ListFilter::Expired,
            FilterArg::Revoked => ListFilter::Revoked,
            FilterArg::All => ListFilter::All,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    Name,
    Expiry,
    Status,
}

fn main() -> ExitCode {
    // Before any token is read: no core dump of this process, which holds them (best effort).
    let _ = patdesk_core::secret::keep_out_of_core_dumps();
    // clap prints usage errors itself and exits 2.
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("patdesk-cli: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("patdesk-cli: {}", error.message);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Error> {
    let endpoints = Endpoints::from_env()?;
    server::allow_plain_http(cli.allow_plain_http);
    match cli.command {
        Command::SignIn => {
            let session = connect(&endpoints, true).await?;
            let profile = &session.profile;
            println!(
                "Signed in as {} <{}>",
                printable(&profile.display_name),
                printable(&profile.email)
            );
            if StaticToken::from_env().is_none() {
                eprintln!(
                    "This sign-in lasts only for this command. Other commands sign in again, \
                     or use PATDESK_ACCESS_TOKEN."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Whoami { json } => {
            let session = connect(&endpoints, false).await?;
            let profile = &session.profile;
            if json {
                print_json(profile)?;
            } else {
                println!(
                    "{} <{}>",
                    printable(&profile.display_name),
                    printable(&profile.email)
                );
                let names: Vec<&str> = profile
                    .organizations
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect();
                println!("Organizations: {}", printable(&names.join(", ")));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::List {
            server: Some(url),
            filter,
            sort,
            json,
            ..
        } => {
            let mut tokens = server::list(&url, filter.into()).await?;
            sort_tokens(&mut tokens, sort);
            if json {
                print_json(&tokens)?;
            } else {
                print_table(&tokens, "all collections");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::List {
            org,
            filter,
            sort,
            json,
            server: None,
        } => {
            let session = connect(&endpoints, false).await?;
            let orgs = organizations(&session.profile, org.as_deref())?;
            let (mut tokens, some_listed) = list(&session, &orgs, filter.into()).await;
            sort_tokens(&mut tokens, sort);
            if json {
                print_json(&tokens)?;
            } else {
                print_table(&tokens, "all organizations");
            }
            Ok(if some_listed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Create {
            org,
            server,
            collection,
            all_collections: _,
            name,
            scopes,
            full_access,
            days,
            until,
            json,
        } => {
            let scopes: Vec<String> = if full_access {
                vec!["app_token".to_string()]
            } else {
                scopes
                    .unwrap_or_default()
                    .split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            let lifespan = match (days, until) {
                (Some(days), _) => Lifespan::Days { days },
                (None, Some(date)) => Lifespan::Until { date },
                (None, None) => unreachable!("clap requires --days or --until"),
            };
            let created = match server {
                Some(url) => {
                    server::create(
                        &url,
                        NewTokenRequest {
                            organization: collection.unwrap_or_else(|| {
                                patdesk_core::server::ALL_COLLECTIONS.to_string()
                            }),
                            display_name: name,
                            scopes,
                            lifespan,
                        },
                    )
                    .await?
                }
                None => {
                    let session = connect(&endpoints, false).await?;
                    let organization = patdesk_core::endpoints::parse_organization(
                        org.as_deref().unwrap_or_default(),
                    )?;
                    session
                        .client_for(&organization)
                        .create_pat(&NewTokenRequest {
                            organization,
                            display_name: name,
                            scopes,
                            lifespan,
                        })
                        .await?
                }
            };
            if let Some(asked) = created.clamped_from {
                eprintln!(
                    "Note: the server shortened the expiry from {} to {}.",
                    asked.format("%Y-%m-%d"),
                    created.token.valid_to.format("%Y-%m-%d")
                );
            }
            let token = created.token.clone();
            if json {
                print_json(&created.into_reveal())?;
            } else {
                eprintln!(
                    "Created \"{}\" in {}, valid until {}. Copy it now: it is shown only once.",
                    printable(&token.display_name),
                    printable(&token.organization),
                    token.valid_to.format("%Y-%m-%d")
                );
                println!("{}", created.secret.expose());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Revoke {
            server: Some(url),
            expired,
            concurrency,
            json,
            ids,
            ..
        } => {
            let summary = server::revoke(&url, expired, ids, concurrency).await?;
            if json {
                print_json(&summary)?;
            } else {
                print_summary(&summary);
            }
            Ok(if summary.failed == 0 && summary.cancelled == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Revoke {
            org,
            expired,
            concurrency,
            json,
            ids,
            server: None,
        } => {
            let session = connect(&endpoints, false).await?;
            let items: Vec<BulkItem> = if expired {
                let orgs = organizations(&session.profile, org.as_deref())?;
                let (tokens, some_listed) = list(&session, &orgs, ListFilter::Expired).await;
                if !some_listed {
                    return Ok(ExitCode::FAILURE);
                }
                tokens
                    .into_iter()
                    .filter(|t| t.status == TokenStatus::Expired)
                    .map(|t| BulkItem {
                        organization: t.organization,
                        authorization_id: t.authorization_id,
                        display_name: t.display_name,
                    })
                    .collect()
            } else {
                let organization = patdesk_core::endpoints::parse_organization(
                    org.as_deref().unwrap_or_default(),
                )?;
                // Every id checked before anything is sent: there is no "revoke everything".
                for id in &ids {
                    patdesk_core::client::validate_token_id(id)?;
                }
                ids.into_iter()
                    .map(|id| BulkItem {
                        organization: organization.clone(),
                        display_name: id.clone(),
                        authorization_id: id,
                    })
                    .collect()
            };
            if items.is_empty() {
                eprintln!("Nothing to revoke.");
                if json {
                    print_json(&BulkSummary::default())?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let summary = revoke(&session, items, concurrency).await;
            if json {
                print_json(&summary)?;
            } else {
                print_summary(&summary);
            }
            Ok(if summary.failed == 0 && summary.cancelled == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// The signed-in person: with `PATDESK_ACCESS_TOKEN` (the home tenant only), or a device-code sign-in that
/// reaches every organization, guest tenants included, exactly as the window signs in (`Session`).
async fn connect(endpoints: &Endpoints, explicit: bool) -> Result<Session, Error> {
    if let Some(token) = StaticToken::from_env() {
        if explicit {
            eprintln!("Using the access token from PATDESK_ACCESS_TOKEN.");
        }
        return Session::with_access_token(endpoints, Arc::new(token)).await;
    }
    let config = EntraConfig::from_env();
    let prompt = DeviceCodeFlow::start(endpoints, &config).await?;
    eprintln!("{}", prompt.message);
    eprintln!("Waiting for you to finish signing in… (Ctrl-C cancels)");
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let tokens = DeviceCodeFlow::poll_until_done(&prompt, &cancel).await;
    watcher.abort();
    Session::sign_in_with_tokens(endpoints, &config, &config.authority, tokens?, None).await
}

fn organizations(profile: &Profile, wanted: Option<&str>) -> Result<Vec<Organization>, Error> {
    let Some(wanted) = wanted else {
        return Ok(profile.organizations.clone());
    };
    let name = patdesk_core::endpoints::parse_organization(wanted)?;
    match profile
        .organizations
        .iter()
        .find(|o| o.name.eq_ignore_ascii_case(&name))
    {
        Some(o) => Ok(vec![o.clone()]),
        None => Err(Error::new(
            ErrorCode::OrganizationNotFound,
            format!(
                "You are not a member of an organization called \"{name}\". Your organizations: {}.",
                profile
                    .organizations
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Tokens of each organization, de-duplicated (the window's listing: `patdesk_core::listing`). An
/// organization that cannot be listed (say, a guest organization in another tenant) is reported on stderr
/// with its own reason while the rest is still listed; the bool is false when nothing at all could be listed.
async fn list(
    session: &Session,
    orgs: &[Organization],
    filter: ListFilter,
) -> (Vec<PatToken>, bool) {
    let names: Vec<String> = orgs.iter().map(|o| o.name.clone()).collect();
    let listing = session.list_every_organization(filter, Some(&names)).await;
    let some_listed = !listing.nothing_listed(orgs.len());
    for failure in &listing.unavailable {
        let org = &failure.organization.name;
        eprintln!(
            "Could not list the tokens of {org}: {}",
            failure.error.message
        );
        if failure.error.code == ErrorCode::SessionExpired && some_listed {
            guest_hint(session, org).await;
        }
    }
    (listing.tokens, some_listed)
}

/// The sign-in worked elsewhere but not in `org`: most likely it belongs to another Entra tenant (the person
/// is a guest there), which needs a sign-in of its own (§3.3).
async fn guest_hint(session: &Session, org: &str) {
    if let Ok(info) = session.client_for(org).discover_tenant(org).await {
        if let Some(tenant) = info.tenant_id {
            eprintln!(
                "  {org} signs in through another Microsoft Entra tenant ({tenant}). To manage its tokens, \
                 sign in for that tenant: PATDESK_AUTHORITY={tenant} patdesk-cli …"
            );
        }
    }
}

fn sort_tokens(tokens: &mut [PatToken], sort: SortArg) {
    let status_rank = |s: TokenStatus| match s {
        TokenStatus::Active => 0,
        TokenStatus::Expired => 1,
        TokenStatus::Revoked => 2,
    };
    match sort {
        SortArg::Name => tokens.sort_by_key(|t| t.display_name.to_lowercase()),
        SortArg::Expiry => tokens.sort_by_key(|t| t.valid_to),
        SortArg::Status => tokens.sort_by_key(|t| (status_rank(t.status), t.valid_to)),
    }
}

/// The bulk engine, with one line of progress per token on stderr and Ctrl-C as "cancel".
async fn revoke<R: patdesk_core::bulk::Revoker>(
    session: &R,
    items: Vec<BulkItem>,
    concurrency: usize,
) -> BulkSummary {
    let options = BulkOptions {
        max_concurrency: concurrency,
        ..BulkOptions::default()
    };
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("Cancelling: waiting for the requests already sent…");
            on_ctrl_c.cancel();
        }
    });
    let summary = bulk_revoke(session, items, &options, &cancel, |p| {
        let what = match &p.latest.outcome {
            RevokeOutcome::Revoked => "revoked".to_string(),
            RevokeOutcome::AlreadyGone => "already revoked".to_string(),
            RevokeOutcome::Failed { error } => format!("failed: {}", error.message),
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "[{}/{}] {} ({}): {what}",
            p.done,
            p.total,
            printable(&p.latest.display_name),
            printable(&p.latest.authorization_id)
        );
    })
    .await;
    watcher.abort();
    summary
}

fn print_summary(summary: &BulkSummary) {
    for r in &summary.results {
        if let RevokeOutcome::Failed { error } = &r.outcome {
            if error.code != ErrorCode::Cancelled {
                println!(
                    "Not revoked: {} ({}): {}",
                    printable(&r.display_name),
                    printable(&r.authorization_id),
                    error.message
                );
            }
        }
    }
    let mut parts = vec![format!("{} revoked", summary.revoked)];
    if summary.already_gone > 0 {
        parts.push(format!("{} already revoked", summary.already_gone));
    }
    if summary.failed > 0 {
        parts.push(format!(
            "{} failed (run the command again to retry them)",
            summary.failed
        ));
    }
    if summary.cancelled > 0 {
        parts.push(format!("{} not sent (cancelled)", summary.cancelled));
    }
    println!("{}.", parts.join(", "));
}

/// The tokens as a table; `everywhere` names the targets of a token for all organizations (or collections).
fn print_table(tokens: &[PatToken], everywhere: &str) {
    if tokens.is_empty() {
        println!("No tokens.");
        return;
    }
    let rows: Vec<[String; 6]> = tokens
        .iter()
        .map(|t| {
            let orgs = match &t.target_organizations {
                None => everywhere.to_string(),
                Some(list) => list
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            [
                printable(&t.display_name),
                status_word(t.status).to_string(),
                t.valid_to.format("%Y-%m-%d").to_string(),
                printable(&orgs),
                t.scope_summary.join(", "),
                printable(&t.authorization_id),
            ]
        })
        .collect();
    let header = [
        "NAME",
        "STATUS",
        "EXPIRES",
        "ORGANIZATIONS",
        "PERMISSIONS",
        "ID",
    ];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count().min(48));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let cell = truncate(cell, 48);
            if i + 1 == cells.len() {
                out.push_str(&cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", line(header.to_vec()));
    for row in &rows {
        let _ = writeln!(out, "{}", line(row.iter().map(String::as_str).collect()));
    }
    let _ = writeln!(
        out,
        "{} token{}",
        tokens.len(),
        if tokens.len() == 1 { "" } else { "s" }
    );
}

/// Text from the server (a token's name, an organization's) made safe to print: control characters, text
/// direction overrides and zero-width characters are written as `\u{1b}` and the like, so a name cannot clear
/// the terminal, move the cursor or show something other than what it holds.
fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || patdesk_core::client::is_hidden_character(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn status_word(s: TokenStatus) -> &'static str {
    match s {
        TokenStatus::Active => "active",
        TokenStatus::Expired => "expired",
        TokenStatus::Revoked => "revoked",
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(Error::internal)?;
    println!("{text}");
    Ok(())
}
