//! The seeded worlds (`demo`, `empty`, `large:N`): a believable person with organizations in two tenants, a
//! guest membership, an MSA-backed organization for discovery, and PATs in every state the client must show.
//! Everything is deterministic (fixed RNG seed) relative to the simulator's "now".

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::state::{Org, Pat, SimUser, Tenant, UserRecord, World};

/// Which world to start from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// Dana Whitfield with about 40 PATs of every kind.
    Demo,
    /// The same people and organizations, no PATs.
    Empty,
    /// The same people, with N PATs for Dana spread over her organizations.
    Large(usize),
}

impl FromStr for Seed {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "demo" => Ok(Seed::Demo),
            "empty" => Ok(Seed::Empty),
            _ => match s.strip_prefix("large:") {
                Some(n) => n
                    .parse::<usize>()
                    .map(Seed::Large)
                    .map_err(|_| format!("invalid seed {s:?}: large:N needs a number")),
                None => Err(format!(
                    "invalid seed {s:?}: expected demo, empty or large:N"
                )),
            },
        }
    }
}

impl std::fmt::Display for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seed::Demo => write!(f, "demo"),
            Seed::Empty => write!(f, "empty"),
            Seed::Large(n) => write!(f, "large:{n}"),
        }
    }
}

/// Contoso's tenant: Dana's home.
pub const CONTOSO_TENANT: &str = "3f2b8c1e-5a47-4d2e-9b1c-7e6d5a4b3c21";
/// Fabrikam's tenant: Dana is a guest there.
pub const FABRIKAM_TENANT: &str = "8e1d4a7b-2c3f-4b5a-a6d9-0f1e2d3c4b5a";
/// The all-zero tenant of MSA-backed organizations.
pub const MSA_TENANT: &str = "00000000-0000-0000-0000-000000000000";
/// Dana Whitfield's Entra object id.
pub const DANA_OID: &str = "5b0c2d6e-8f41-4a3b-9c7d-1e2f3a4b5c6d";
/// Sam Okafor: a colleague, owner of PATs Dana must not see.
pub const SAM_OID: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

fn base_world() -> World {
    let mut w = World {
        demo_oid: DANA_OID.to_string(),
        ..World::default()
    };
    w.tenants = vec![
        Tenant {
            id: CONTOSO_TENANT.into(),
            name: "Contoso".into(),
        },
        Tenant {
            id: FABRIKAM_TENANT.into(),
            name: "Fabrikam".into(),
        },
        Tenant {
            id: MSA_TENANT.into(),
            name: "Microsoft accounts".into(),
        },
    ];
    w.users = vec![
        UserRecord {
            user: SimUser {
                oid: DANA_OID.into(),
                display_name: "Dana Whitfield".into(),
                email: "dana.whitfield@contoso.example".into(),
                tenant_id: CONTOSO_TENANT.into(),
            },
            member_id: "d4a1f0c2-7b3e-4c59-8e21-6a0b9c8d7e6f".into(),
            guest_of: vec![FABRIKAM_TENANT.into()],
        },
        UserRecord {
            user: SimUser {
                oid: SAM_OID.into(),
                display_name: "Sam Okafor".into(),
                email: "sam.okafor@contoso.example".into(),
                tenant_id: CONTOSO_TENANT.into(),
            },
            member_id: "e5b2a1d3-8c4f-4d6a-9f32-7b1c0d9e8f70".into(),
            guest_of: vec![],
        },
    ];
    w.orgs = vec![
        Org {
            account_id: "1c7e2a9b-3d4f-4e5a-8b6c-9d0e1f2a3b4c".into(),
            account_name: "contoso-web".into(),
            tenant_id: CONTOSO_TENANT.into(),
            members: vec![DANA_OID.into(), SAM_OID.into()],
            owner: Some(DANA_OID.into()),
        },
        Org {
            account_id: "2d8f3b0c-4e5a-4f6b-9c7d-0e1f2a3b4c5d".into(),
            account_name: "contoso-data".into(),
            tenant_id: CONTOSO_TENANT.into(),
            members: vec![DANA_OID.into()],
            owner: None,
        },
        Org {
            account_id: "3e9a4c1d-5f6b-4a7c-8d8e-1f2a3b4c5d6e".into(),
            account_name: "fabrikam-tools".into(),
            tenant_id: FABRIKAM_TENANT.into(),
            members: vec![DANA_OID.into()],
            owner: None,
        },
        Org {
            account_id: "4fab5d2e-6a7c-4b8d-9e9f-2a3b4c5d6e7f".into(),
            account_name: "whitfield-family".into(),
            tenant_id: MSA_TENANT.into(),
            members: vec![],
            owner: None,
        },
    ];
    w
}

fn rng_uuid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

fn jitter(rng: &mut StdRng) -> Duration {
    Duration::seconds(rng.gen_range(0..86_400))
        + Duration::nanoseconds(rng.gen_range(0..10_000_000) * 100)
}

/// (name, scope, org index or None for global, created days ago, expires in days, revoked)
type DemoPat = (&'static str, &'static str, Option<usize>, i64, i64, bool);

const DEMO_PATS: &[DemoPat] = &[
    (
        "Git: https://dev.azure.com/contoso-web/ on DANA-LAPTOP",
        "vso.code_write vso.packaging",
        Some(0),
        200,
        165,
        false,
    ),
    (
        "Azure Artifacts Credential Provider",
        "vso.packaging",
        Some(0),
        30,
        3,
        false,
    ),
    (
        "release-pipeline-bot",
        "vso.build_execute vso.release_execute",
        Some(0),
        300,
        2,
        false,
    ),
    ("work-items-sync", "vso.work_write", Some(0), 100, 60, false),
    ("full-access-admin", "app_token", Some(0), 50, 10, false),
    (
        "dashboard-reader",
        "vso.dashboards vso.analytics",
        Some(0),
        400,
        -35,
        false,
    ),
    ("old-ci-token", "vso.build", Some(0), 500, -120, false),
    (
        "leaked-in-public-repo",
        "vso.code_full",
        Some(0),
        20,
        70,
        true,
    ),
    ("npm-publish", "vso.packaging_write", Some(0), 90, 5, false),
    (
        "git: https://contoso-web.visualstudio.com/ on BUILD-AGENT-07",
        "vso.code",
        Some(0),
        700,
        -300,
        false,
    ),
    (
        "test-results-uploader",
        "vso.test_write",
        Some(0),
        60,
        300,
        false,
    ),
    ("wiki-bot", "vso.wiki_write", Some(0), 10, 80, false),
    ("service-hooks", "vso.hooks_write", Some(0), 120, 1, false),
    (
        "graph-reader",
        "vso.graph vso.identity",
        Some(0),
        30,
        150,
        false,
    ),
    (
        "revoked-laptop-token",
        "vso.code_write",
        Some(0),
        150,
        20,
        true,
    ),
    (
        "Visual Studio Code",
        "vso.code_write vso.work_write",
        Some(0),
        5,
        25,
        false,
    ),
    ("tfx-cli", "vso.gallery_manage", Some(0), 20, 44, false),
    (
        "Revoked: accidental full access",
        "app_token",
        Some(0),
        3,
        27,
        true,
    ),
    (
        "pipeline-resources",
        "vso.pipelineresources_use",
        Some(0),
        1,
        1,
        false,
    ),
    (
        "Git: https://dev.azure.com/contoso-data/ on DANA-LAPTOP",
        "vso.code_write",
        Some(1),
        180,
        185,
        false,
    ),
    ("analytics-powerbi", "vso.analytics", Some(1), 40, 50, false),
    (
        "data-pipeline",
        "vso.build_execute vso.variablegroups_read",
        Some(1),
        90,
        6,
        false,
    ),
    (
        "full-access-migration",
        "app_token",
        Some(1),
        200,
        -10,
        false,
    ),
    (
        "nuget-feed-reader",
        "vso.packaging",
        Some(1),
        300,
        -60,
        false,
    ),
    (
        "secure-files",
        "vso.securefiles_read",
        Some(1),
        15,
        200,
        false,
    ),
    (
        "agent-pool-registration",
        "vso.agentpools_manage",
        Some(1),
        25,
        340,
        false,
    ),
    (
        "revoked-old-analytics",
        "vso.analytics",
        Some(1),
        400,
        -100,
        true,
    ),
    (
        "release-approvals",
        "vso.release_manage",
        Some(1),
        33,
        4,
        false,
    ),
    ("project-admin", "vso.project_manage", Some(1), 2, 88, false),
    ("audit-export", "vso.auditlog", Some(1), 70, 20, false),
    (
        "taskgroups",
        "vso.taskgroups_read",
        Some(1),
        130,
        230,
        false,
    ),
    (
        "Git: https://dev.azure.com/fabrikam-tools/ on DANA-LAPTOP",
        "vso.code_write",
        Some(2),
        100,
        265,
        false,
    ),
    ("fabrikam-full-access", "app_token", Some(2), 60, 30, false),
    (
        "marketplace-publisher",
        "vso.gallery_publish",
        Some(2),
        365,
        -1,
        false,
    ),
    ("fabrikam-ci", "vso.build_execute", Some(2), 45, 7, false),
    (
        "revoked-contractor-token",
        "vso.work_full",
        Some(2),
        80,
        100,
        true,
    ),
    (
        "symbol-upload",
        "vso.symbols_write",
        Some(2),
        10,
        170,
        false,
    ),
    (
        "extension-data",
        "vso.extension.data_write",
        Some(2),
        200,
        -20,
        false,
    ),
    (
        "notifications",
        "vso.notification",
        Some(2),
        500,
        -200,
        false,
    ),
    (
        "All orgs: personal automation",
        "vso.work vso.code",
        None,
        150,
        30,
        false,
    ),
];

#[allow(clippy::too_many_arguments)]
fn make_pat(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    w: &World,
    owner: &str,
    name: &str,
    scope: &str,
    org: Option<usize>,
    from_days: i64,
    to_days: i64,
    revoked: bool,
) -> Pat {
    let created = now - Duration::days(from_days) - jitter(rng);
    // Expiry keeps a deterministic hour offset so near-expiry tokens are really "within N days".
    let expires = crate::wire::round_to_10ms(
        now + Duration::days(to_days) - Duration::hours(if to_days > 0 { 6 } else { 0 })
            + Duration::minutes(rng.gen_range(0..300)),
    );
    let org_ix = org.unwrap_or(0);
    Pat {
        authorization_id: rng_uuid(rng),
        owner_oid: owner.to_string(),
        org: w.orgs[org_ix].account_name.clone(),
        display_name: name.to_string(),
        scope: scope.to_string(),
        target_accounts: org.map(|i| vec![w.orgs[i].account_id.clone()]),
        valid_from: created,
        valid_to: expires,
        revoked,
        secret_sha256: None,
    }
}

/// Builds the world for `seed` relative to `now`.
pub fn build(seed: &Seed, now: DateTime<Utc>) -> World {
    let mut w = base_world();
    let mut rng = StdRng::seed_from_u64(0x5EED_D4A4);
    match seed {
        Seed::Empty => {}
        Seed::Demo => {
            for &(name, scope, org, from, to, revoked) in DEMO_PATS {
                let p = make_pat(
                    &mut rng, now, &w, DANA_OID, name, scope, org, from, to, revoked,
                );
                w.add_pat(p);
            }
            for (name, scope) in [
                ("sam-build-agent", "vso.agentpools_manage"),
                ("sam-code-review", "vso.code"),
            ] {
                let p = make_pat(
                    &mut rng,
                    now,
                    &w,
                    SAM_OID,
                    name,
                    scope,
                    Some(0),
                    40,
                    60,
                    false,
                );
                w.add_pat(p);
            }
        }
        Seed::Large(n) => {
            const SCOPES: &[&str] = &[
                "vso.code",
                "vso.code_write",
                "vso.packaging",
                "vso.build_execute",
                "vso.work_write",
                "app_token",
                "vso.analytics",
                "vso.release_execute vso.build",
            ];
            w.pats.reserve(*n);
            for i in 0..*n {
                let org = if i % 97 == 96 { None } else { Some(i % 3) };
                let scope = SCOPES[i % SCOPES.len()];
                let to = rng.gen_range(-200..365);
                let revoked = i % 11 == 0;
                let name = format!(
                    "pat-{:05} {}",
                    i + 1,
                    scope.split(' ').next().unwrap_or(scope)
                );
                let from = rng.gen_range(1..400);
                let p = make_pat(
                    &mut rng, now, &w, DANA_OID, &name, scope, org, from, to, revoked,
                );
                w.add_pat(p);
            }
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seed_names() {
        assert_eq!("demo".parse::<Seed>(), Ok(Seed::Demo));
        assert_eq!("EMPTY".parse::<Seed>(), Ok(Seed::Empty));
        assert_eq!("large:10000".parse::<Seed>(), Ok(Seed::Large(10_000)));
        assert!("large:x".parse::<Seed>().is_err());
        assert!("huge".parse::<Seed>().is_err());
        assert_eq!(Seed::Large(5).to_string(), "large:5");
    }

    #[test]
    fn large_seed_indexes_every_pat() {
        let w = build(&Seed::Large(10_000), Utc::now());
        assert_eq!(w.pats.len(), 10_000);
        let indexed: usize = w.by_target.values().map(Vec::len).sum();
        assert_eq!(indexed, 10_000);
    }
}
