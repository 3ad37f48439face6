//! Everything the simulator remembers: the seeded world (tenants, people, organizations, PATs), the policies and
//! behaviour switches of §11/§13, the Entra grants in flight (authorization codes, refresh tokens, device codes),
//! the injected faults and the request log. One mutex guards it; no lock is ever held across an `await`.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::faults::FaultRule;

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimUser {
    pub oid: String,
    pub display_name: String,
    pub email: String,
    /// Home tenant.
    pub tenant_id: String,
}

/// A person plus what only the simulator needs to know about them.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: SimUser,
    /// The Azure DevOps member (profile) id, distinct from the Entra object id.
    pub member_id: String,
    /// Tenants the person is a guest in.
    pub guest_of: Vec<String>,
}

/// An Entra tenant.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub name: String,
}

/// An Azure DevOps organization.
#[derive(Debug, Clone)]
pub struct Org {
    pub account_id: String,
    pub account_name: String,
    pub tenant_id: String,
    pub members: Vec<String>,
    pub owner: Option<String>,
}

/// A personal access token. The secret itself is never stored, only its SHA-256 (to authenticate it).
#[derive(Debug, Clone)]
pub struct Pat {
    pub authorization_id: String,
    pub owner_oid: String,
    /// The organization name it was created through.
    pub org: String,
    pub display_name: String,
    pub scope: String,
    pub target_accounts: Option<Vec<String>>,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub revoked: bool,
    /// SHA-256 of the secret, when the simulator issued one (seeded tokens have none).
    pub secret_sha256: Option<[u8; 32]>,
}

/// The SHA-256 a PAT's secret is remembered by.
pub fn secret_digest(secret: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes()).into()
}

/// The three states the contract's status rule derives (§13 item 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PatStatus {
    Active,
    Expired,
    Revoked,
}

impl PatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PatStatus::Active => "active",
            PatStatus::Expired => "expired",
            PatStatus::Revoked => "revoked",
        }
    }
}

impl Pat {
    pub fn status(&self, now: DateTime<Utc>) -> PatStatus {
        if self.revoked {
            PatStatus::Revoked
        } else if self.valid_to <= now {
            PatStatus::Expired
        } else {
            PatStatus::Active
        }
    }
}

/// Tenant policies (§2.17).
#[derive(Debug, Clone, Default)]
pub struct TenantPolicy {
    pub restrict_global: bool,
    pub restrict_full_scope: bool,
    pub max_lifespan_days: Option<u32>,
    pub lifespan_refuse: bool,
    pub allow_list: Vec<String>,
}

/// Organization policy "Restrict personal access token (PAT) creation" (§2.17).
#[derive(Debug, Clone, Default)]
pub struct OrgPolicy {
    /// Every Azure DevOps request to the organization is refused with `401 VS403463` (a Conditional Access
    /// policy this device or sign-in does not meet; §8).
    pub conditional_access: bool,
    pub restrict_creation: bool,
    pub packaging_only: bool,
    pub on_update: bool,
    pub allow_list: Vec<String>,
}

/// Behaviour switches for the variants of §11. Serialised as the body of `POST /_sim/switches`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Switches {
    pub revoke_success_status: u16,
    pub revoke_unknown_status: u16,
    pub accounts_bare_array: bool,
    /// `refuse` (`expiredPatCannotBeExtended`) or `allow`.
    pub expired_update: String,
    pub list_tenant_wide: bool,
    pub legacy_secrets: bool,
    /// `lenient` or `strict`.
    pub scope_mode: String,
    /// Status for a missing Entra scope in strict mode: 401 or 403.
    pub scope_failure_status: u16,
    pub refresh_rotation: bool,
    pub auto_approve: bool,
    pub device_pending_polls: u32,
    /// Polls answered `slow_down` before a device code's normal answers.
    pub device_slow_down_polls: u32,
    /// Error the authorize endpoint redirects with instead of a code (`access_denied`, `interaction_required`, …).
    pub authorize_error: Option<String>,
    /// App-only callers get a `302` to `/_signin` instead of `403`.
    pub app_only_redirect: bool,
    /// The token's tenant must be the organization's tenant.
    pub tenant_check: bool,
    pub access_token_ttl_seconds: u64,
    /// Lifetime of a device code, seconds.
    pub device_code_lifetime_seconds: u64,
    /// `interval` of the device-code response, seconds.
    pub device_interval_seconds: u64,
}

impl Default for Switches {
    fn default() -> Self {
        Switches {
            revoke_success_status: 204,
            revoke_unknown_status: 404,
            accounts_bare_array: false,
            expired_update: "refuse".into(),
            list_tenant_wide: false,
            legacy_secrets: false,
            scope_mode: "lenient".into(),
            scope_failure_status: 403,
            refresh_rotation: true,
            auto_approve: false,
            device_pending_polls: 1,
            device_slow_down_polls: 0,
            authorize_error: None,
            app_only_redirect: false,
            tenant_check: true,
            access_token_ttl_seconds: 3600,
            device_code_lifetime_seconds: 900,
            device_interval_seconds: 5,
        }
    }
}

/// An authorization code waiting to be redeemed (§3.4).
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scopes: Vec<String>,
    pub oid: String,
    pub tid: String,
    pub issued: DateTime<Utc>,
    pub used: bool,
}

/// An authorize request shown on the sign-in page, waiting for the button.
#[derive(Debug, Clone)]
pub struct PendingAuthorize {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: String,
    pub scopes: Vec<String>,
    pub tenant: String,
}

/// A refresh token's grant (§3.5).
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: String,
    pub oid: String,
    pub scopes: Vec<String>,
    pub expires: DateTime<Utc>,
}

/// Where a device code stands (§3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    Pending,
    Approved(String),
    Declined,
    Redeemed,
}

/// A device code.
#[derive(Debug, Clone)]
pub struct DeviceGrant {
    pub user_code: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub tenant: String,
    pub expires: DateTime<Utc>,
    pub polls: u32,
    pub state: DeviceState,
}

/// One recorded request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub query: String,
    pub route: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The TCP connection it came on (numbered from 1), for the server mode's routes, whose sign-in belongs to
    /// the connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<u64>,
}

/// An injected fault with its own bookkeeping.
#[derive(Debug, Clone)]
pub struct ActiveFault {
    pub id: u64,
    pub rule: FaultRule,
    pub remaining: Option<u64>,
    pub window: VecDeque<Instant>,
}

/// The seeded world.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub tenants: Vec<Tenant>,
    pub users: Vec<UserRecord>,
    pub orgs: Vec<Org>,
    pub pats: Vec<Pat>,
    pub by_id: HashMap<String, usize>,
    /// Per organization id (lower case), the PATs that target it; key `*` holds the global ones.
    pub by_target: HashMap<String, Vec<usize>>,
    pub demo_oid: String,
}

impl World {
    fn target_keys(p: &Pat) -> Vec<String> {
        match &p.target_accounts {
            None => vec!["*".to_string()],
            Some(v) => v.iter().map(|a| a.to_ascii_lowercase()).collect(),
        }
    }

    pub fn add_pat(&mut self, p: Pat) -> usize {
        let i = self.pats.len();
        self.by_id
            .insert(p.authorization_id.to_ascii_lowercase(), i);
        for k in Self::target_keys(&p) {
            self.by_target.entry(k).or_default().push(i);
        }
        self.pats.push(p);
        i
    }

    /// Changes a PAT's targets, keeping the index in step.
    pub fn retarget(&mut self, i: usize, targets: Option<Vec<String>>) {
        for k in Self::target_keys(&self.pats[i]) {
            if let Some(v) = self.by_target.get_mut(&k) {
                v.retain(|&x| x != i);
            }
        }
        self.pats[i].target_accounts = targets;
        for k in Self::target_keys(&self.pats[i]) {
            self.by_target.entry(k).or_default().push(i);
        }
    }

    pub fn pat_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(&id.to_ascii_lowercase()).copied()
    }

    pub fn user(&self, oid: &str) -> Option<&UserRecord> {
        self.users
            .iter()
            .find(|u| u.user.oid.eq_ignore_ascii_case(oid))
    }

    pub fn org(&self, name: &str) -> Option<&Org> {
        self.orgs
            .iter()
            .find(|o| o.account_name.eq_ignore_ascii_case(name))
    }

    pub fn org_by_id(&self, id: &str) -> Option<&Org> {
        self.orgs
            .iter()
            .find(|o| o.account_id.eq_ignore_ascii_case(id))
    }

    pub fn tenant_known(&self, id: &str) -> bool {
        self.tenants.iter().any(|t| t.id.eq_ignore_ascii_case(id))
    }

    /// Whether the person belongs to the tenant (home or guest).
    pub fn in_tenant(&self, oid: &str, tenant: &str) -> bool {
        self.user(oid).is_some_and(|u| {
            u.user.tenant_id.eq_ignore_ascii_case(tenant)
                || u.guest_of.iter().any(|g| g.eq_ignore_ascii_case(tenant))
        })
    }
}

/// The date after which new global PATs are refused by default: the originally announced 2026-03-15 (§2.18).
pub fn default_global_creation_cutoff() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 15, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

/// The date all global PATs stop working (§2.18).
pub fn default_global_retirement() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

/// All mutable state.
#[derive(Debug)]
pub struct SimState {
    pub world: World,
    /// How far the simulator's clock is from the machine's: `start_offset` plus what `/_sim/clock` shifted.
    pub clock_offset: Duration,
    /// The offset the simulator started with (zero, or [`crate::SimOptions::start_at`] minus the machine's
    /// "now" at start); `{"offsetSeconds": n}` shifts the clock from there.
    pub start_offset: Duration,
    pub switches: Switches,
    pub tenant_policies: HashMap<String, TenantPolicy>,
    pub org_policies: HashMap<String, OrgPolicy>,
    pub global_creation_cutoff: Option<DateTime<Utc>>,
    pub global_retirement: DateTime<Utc>,
    pub auth_codes: HashMap<String, AuthCode>,
    pub pending_authorize: HashMap<String, PendingAuthorize>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub device_codes: HashMap<String, DeviceGrant>,
    pub faults: Vec<ActiveFault>,
    pub next_fault_id: u64,
    pub requests: Vec<RecordedRequest>,
    pub next_seq: u64,
    pub request_count: u64,
    pub revoke_calls: u64,
    pub client_ids: Vec<String>,
    /// The Azure DevOps Server (on-premises) mode's state.
    pub server: crate::onprem::world::ServerWorld,
}

impl SimState {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    /// Moves the clock so that "now" is `at`.
    pub fn set_now(&mut self, at: DateTime<Utc>) {
        self.clock_offset = at - Utc::now();
    }

    pub fn tenant_policy(&self, tenant: &str) -> TenantPolicy {
        self.tenant_policies
            .get(&tenant.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    pub fn org_policy(&self, org_id: &str) -> OrgPolicy {
        self.org_policies
            .get(&org_id.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}
