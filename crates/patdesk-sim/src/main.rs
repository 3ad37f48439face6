//! The `patdesk-sim` binary: runs the simulator until killed and prints its four base URLs as one line of JSON,
//! so that scripts, end-to-end tests and the desktop app's developers can point PAT Desk at it.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use patdesk_sim::{FaultKind, FaultRule, Seed, SimOptions, Simulator};

/// A loopback simulator of Azure DevOps (PAT Lifecycle, Profile, Accounts, tenant discovery) and Microsoft
/// Entra ID (authorization code + PKCE, refresh tokens, device code).
///
/// On start it prints ONE line of JSON with the base URLs, {"login":…,"app_vssps":…,"vssps":…,"dev":…},
/// then serves until killed.
///
/// Test-only control routes (JSON in and out) live under http://127.0.0.1:PORT/_sim/:
///   GET  /_sim/state            people, organizations, tokens (no secrets), requestCount, revokeCalls
///   GET  /_sim/requests         recorded requests [{method,path,query,route,status,headers,body}]
///   DELETE /_sim/requests       clear the log (and the counters)
///   POST /_sim/faults           add a FaultRule {kind, route?, latencyMs?, ratePerSec?, status?, ratio?,
///                               count?, authorizationId?, patError?, afterEffect?, announce?, maxDelayMs?,
///                               sizeBytes?}
///                               -> {"id": n}
///   GET|DELETE /_sim/faults     list or clear the fault rules
///   POST /_sim/clock            {"now": "ISO-8601"} or {"offsetSeconds": n}: set or shift the simulator's "now"
///   POST /_sim/seed             {"seed": "demo"|"empty"|"large:N"}: reset all state
///   POST /_sim/policies         {"org"?, "tenant"?, "restrictGlobal"?, "restrictFullScope"?, "maxLifespanDays"?,
///                               "lifespanMode"?, "conditionalAccess"?, "restrictCreation"?, "packagingOnly"?, "restrictCreationOnUpdate"?,
///                               "allowList"?, "globalCreationCutoff"?, "globalRetirement"?}
///   GET|POST /_sim/switches     behaviour variants of the contract's §11 (see README)
///   POST /_sim/device/approve   {"userCode", "userOid"?}; /_sim/device/decline {"userCode"}
///   POST /_sim/access-token     {"userOid"?, "appOnly"?, "tenantId"?, "scope"?, "audience"?, "ttlSeconds"?}
///   POST /_sim/pats             {"userOid"?, "org", "displayName", "scope", "validTo", "global"?, "revoked"?}
///
/// The Azure DevOps Server mode lives under /tfs (collections DefaultCollection and Fabrikam; sign in as
/// CONTOSO\dana with the password Passw0rd-demo, by NTLM or with a PAT). With --server the JSON line also has
/// "server": "http://127.0.0.1:PORT/tfs". Its control routes:
///   GET  /_sim/server/state             accounts (no passwords), collections, tokens (no secrets), revokeAllCalls,
///                                       handshakes, failedHandshakes, connections
///   POST /_sim/server/users             {"login": "DOMAIN\\user", "password", "displayName"?, "locked"?}
///   POST /_sim/server/collections       {"name"}
///   POST /_sim/server/tokens            {"owner"?, "collection"?, "displayName", "scope"?, "validTo"?, "validFrom"?,
///                                       "revoked"?} -> {"authorizationId", "token"}
///   GET|POST /_sim/server/switches      {"windowsAuth": "negotiateAndNtlm"|"ntlmOnly"|"negotiateOnly"|"kerberosOnly",
///                                       "ntlmFirst", "basicPat", "paging", "sessionTokensRoute", "maxLifetimeDays",
///                                       "defaultLifetimeDays"}
///   POST /_sim/server/drop-connections  close every open connection that reached /tfs
#[derive(Parser, Debug)]
#[command(name = "patdesk-sim", version, verbatim_doc_comment)]
struct Args {
    /// TCP port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind instead of 127.0.0.1 (loopback only is recommended).
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Starting data: demo, empty or large:N.
    #[arg(long, default_value = "demo")]
    seed: Seed,
    /// Sign in without the sign-in page; device codes succeed after --device-pending-polls polls.
    #[arg(long)]
    auto_approve: bool,
    /// Polls answered authorization_pending before an auto-approved device code succeeds.
    #[arg(long, default_value_t = 1)]
    device_pending_polls: u32,
    /// Delay every response by N milliseconds.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Answer 429 (TF400733, Retry-After) beyond N requests per second; the answers let through announce the
    /// limit (X-RateLimit-Limit, -Remaining, -Reset).
    #[arg(long)]
    rate_limit: Option<f64>,
    /// With --rate-limit: announce nothing on the answers let through (only the 429s tell).
    #[arg(long)]
    silent_rate_limit: bool,
    /// Share (0..1) of requests answered 500 with a VSS error body.
    #[arg(long)]
    fail_ratio: Option<f64>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    access_token_ttl: u64,
    /// Accepted client id (repeatable). Default: Visual Studio's public client and patdesk-test-client.
    #[arg(long = "client-id")]
    client_ids: Vec<String>,
    /// Start the simulator's clock at this ISO-8601 date instead of the machine's "now".
    #[arg(long, value_parser = parse_start_at)]
    now: Option<chrono::DateTime<chrono::Utc>>,
    /// Also print the Azure DevOps Server mode's URL ("server") in the JSON line.
    #[arg(long)]
    server: bool,
    /// Serve HTTPS with this certificate chain (PEM; the leaf must name 127.0.0.1). Needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
}

fn parse_start_at(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&chrono::Utc))
        .map_err(|e| format!("not an ISO-8601 date ({e}), e.g. 2026-12-02T09:00:00Z"))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut opts = SimOptions {
        seed: args.seed,
        auto_approve: args.auto_approve,
        device_pending_polls: args.device_pending_polls,
        access_token_ttl: Duration::from_secs(args.access_token_ttl),
        start_at: args.now,
        ..SimOptions::default()
    };
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        opts.tls = Some(patdesk_sim::SimTls {
            cert_chain_pem: std::fs::read_to_string(cert)?,
            key_pem: std::fs::read_to_string(key)?,
        });
    }
    if !args.client_ids.is_empty() {
        opts.client_ids = args.client_ids;
    }
    if let Some(ms) = args.latency_ms {
        opts.faults.push(FaultRule {
            latency_ms: Some(ms),
            ..FaultRule::new(FaultKind::Latency)
        });
    }
    if let Some(rate) = args.rate_limit {
        opts.faults.push(FaultRule {
            rate_per_sec: Some(rate),
            announce: Some(!args.silent_rate_limit),
            ..FaultRule::new(FaultKind::RateLimit)
        });
    }
    if let Some(ratio) = args.fail_ratio {
        opts.faults.push(FaultRule {
            status: Some(500),
            ratio: Some(ratio),
            ..FaultRule::new(FaultKind::Status)
        });
    }
    let sim = Simulator::start_on(SocketAddr::new(args.bind, args.port), opts).await?;
    let mut line = serde_json::to_value(sim.endpoints()).map_err(std::io::Error::other)?;
    if args.server {
        line["server"] = serde_json::Value::String(sim.server_url());
    }
    let line = serde_json::to_string(&line).map_err(std::io::Error::other)?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    eprintln!(
        "patdesk-sim: control routes at {}/_sim/ (Ctrl+C to stop)",
        sim.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}
