//! What the simulated Azure DevOps Server remembers: its Windows accounts (with passwords, for the NTLM
//! acceptor), its project collections, the session tokens (PATs) of `_apis/Token/SessionTokens`, and the
//! switches for the variants of `shared/contract/azure-devops-server.md` (which sign-in schemes IIS offers,
//! whether the paging procedure exists, whether the route exists at all).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::seed::Seed;

/// The seeded person's Windows account.
pub const DEMO_LOGIN: &str = "CONTOSO\\dana";
/// The seeded person's password (a simulator, not a secret).
pub const DEMO_PASSWORD: &str = "Passw0rd-demo";
/// A colleague whose tokens the demo person must never see or revoke.
pub const COLLEAGUE_LOGIN: &str = "CONTOSO\\sam";
pub const COLLEAGUE_PASSWORD: &str = "Passw0rd-sam";

/// A Windows account of the simulated domain.
#[derive(Debug, Clone)]
pub struct ServerUser {
    /// The identity id TFS gives the account.
    pub id: String,
    /// `DOMAIN\account`.
    pub login: String,
    pub display_name: String,
    pub password: String,
    /// Locked out by the domain: every sign-in fails, whatever the password.
    pub locked: bool,
}

impl ServerUser {
    fn domain_and_account(&self) -> (&str, &str) {
        match self.login.split_once('\\') {
            Some((d, a)) => (d, a),
            None => ("", self.login.as_str()),
        }
    }

    /// Whether the NTLM user and domain a client sent name this account (`DOMAIN\user`, `user@domain` or a
    /// bare `user`).
    pub fn matches(&self, account: &str, domain: Option<&str>) -> bool {
        let (my_domain, my_account) = self.domain_and_account();
        if let Some((a, d)) = account.split_once('@') {
            return a.eq_ignore_ascii_case(my_account)
                && d.split('.')
                    .next()
                    .is_some_and(|d| d.eq_ignore_ascii_case(my_domain));
        }
        account.eq_ignore_ascii_case(my_account)
            && domain
                .filter(|d| !d.is_empty())
                .is_none_or(|d| d.eq_ignore_ascii_case(my_domain))
    }
}

/// A project collection.
#[derive(Debug, Clone)]
pub struct Collection {
    pub id: String,
    pub name: String,
}

/// A session token (`SessionToken` of §3).
#[derive(Debug, Clone)]
pub struct SessionToken {
    pub authorization_id: String,
    pub access_id: String,
    pub owner: String,
    /// As stored: HTML-encoded (§3 "Create").
    pub display_name_stored: String,
    pub scope: String,
    /// `None`: all accessible collections (deployment level).
    pub target_accounts: Option<Vec<String>>,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub revoked: bool,
    /// `tokenType=Compact` (a PAT); `false` for the self-describing default, which no list shows.
    pub compact: bool,
    /// Created with `isRequestedByTfsPatWebUI=true`.
    pub by_web_ui: bool,
    pub secret_sha256: Option<[u8; 32]>,
}

impl SessionToken {
    pub fn is_valid(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.valid_to > now
    }
}

/// Which Windows sign-in IIS offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WindowsAuth {
    /// `Negotiate` and `NTLM` (the IIS default).
    NegotiateAndNtlm,
    /// `NTLM` only.
    NtlmOnly,
    /// `Negotiate` only; it still accepts NTLM inside Negotiate.
    NegotiateOnly,
    /// `Negotiate` only, and only Kerberos inside it (NTLM turned off in the domain).
    KerberosOnly,
}

/// Behaviour variants of the server (`POST /_sim/server/switches`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerSwitches {
    pub windows_auth: WindowsAuth,
    /// Offer `NTLM` before `Negotiate` in the challenge list (the order varies on real servers).
    pub ntlm_first: bool,
    /// Basic with a PAT works (it stops when IIS Basic authentication is turned on).
    pub basic_pat: bool,
    /// The paging procedure `prc_GetAccessTokensByUserIdByPage` exists (older servers may lack it).
    pub paging: bool,
    /// The `Token/SessionTokens` route exists (older servers do not have it).
    pub session_tokens_route: bool,
    /// `SessionTokenMaxLifetime`: longer lifetimes are clamped silently.
    pub max_lifetime_days: u32,
    /// Lifetime when `validTo` is missing.
    pub default_lifetime_days: u32,
}

impl Default for ServerSwitches {
    fn default() -> Self {
        ServerSwitches {
            windows_auth: WindowsAuth::NegotiateAndNtlm,
            ntlm_first: false,
            basic_pat: true,
            paging: true,
            session_tokens_route: true,
            max_lifetime_days: 365,
            default_lifetime_days: 90,
        }
    }
}

/// The simulated server.
#[derive(Debug, Clone, Default)]
pub struct ServerWorld {
    pub instance_id: String,
    pub users: Vec<ServerUser>,
    pub collections: Vec<Collection>,
    pub tokens: Vec<SessionToken>,
    pub switches: ServerSwitches,
    /// Id-less `DELETE`s received (each revoked every token of its caller).
    pub revoke_all_calls: u64,
    /// NTLM handshakes that ended in a signed-in connection.
    pub handshakes: u64,
    /// NTLM handshakes refused at the last step (wrong password, locked or unknown account).
    pub failed_handshakes: u64,
}

impl ServerWorld {
    pub fn user(&self, login: &str) -> Option<&ServerUser> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    pub fn collection(&self, name: &str) -> Option<&Collection> {
        self.collections
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn token_index(&self, id: &str) -> Option<usize> {
        self.tokens
            .iter()
            .position(|t| t.authorization_id.eq_ignore_ascii_case(id))
    }

    /// Adds or replaces an account; returns its id.
    pub fn upsert_user(
        &mut self,
        login: &str,
        password: &str,
        display_name: Option<&str>,
        locked: bool,
    ) -> String {
        if let Some(u) = self
            .users
            .iter_mut()
            .find(|u| u.login.eq_ignore_ascii_case(login))
        {
            u.password = password.to_string();
            u.locked = locked;
            if let Some(d) = display_name {
                u.display_name = d.to_string();
            }
            return u.id.clone();
        }
        let id = uuid::Uuid::new_v4().to_string();
        let account = login.rsplit('\\').next().unwrap_or(login);
        self.users.push(ServerUser {
            id: id.clone(),
            login: login.to_string(),
            display_name: display_name.unwrap_or(account).to_string(),
            password: password.to_string(),
            locked,
        });
        id
    }

    pub fn add_collection(&mut self, name: &str) -> Collection {
        if let Some(c) = self.collection(name) {
            return c.clone();
        }
        let c = Collection {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
        };
        self.collections.push(c.clone());
        c
    }
}

/// HTML-encodes a display name the way the server stores it.
pub fn html_encode(s: &str) -> String {
    crate::wire::html_escape(s)
}

/// Builds the server's starting state for `seed`: the same accounts and collections for every seed, and
/// tokens of every kind only for the demo.
pub fn build(seed: &Seed, now: DateTime<Utc>) -> ServerWorld {
    let mut w = ServerWorld {
        instance_id: uuid::Uuid::new_v4().to_string(),
        ..ServerWorld::default()
    };
    w.upsert_user(DEMO_LOGIN, DEMO_PASSWORD, Some("Dana Whitfield"), false);
    w.upsert_user(
        COLLEAGUE_LOGIN,
        COLLEAGUE_PASSWORD,
        Some("Sam Okafor"),
        false,
    );
    let default = w.add_collection("DefaultCollection").id;
    let fabrikam = w.add_collection("Fabrikam").id;
    let mut add = |owner: &str,
                   name: &str,
                   scope: &str,
                   target: Option<&str>,
                   from_days: i64,
                   to_days: i64,
                   revoked: bool| {
        w.tokens.push(SessionToken {
            authorization_id: uuid::Uuid::new_v4().to_string(),
            access_id: uuid::Uuid::new_v4().to_string(),
            owner: owner.to_string(),
            display_name_stored: html_encode(name),
            scope: scope.to_string(),
            target_accounts: target.map(|t| vec![t.to_string()]),
            valid_from: now + Duration::days(from_days),
            valid_to: now + Duration::days(to_days),
            revoked,
            compact: true,
            by_web_ui: true,
            secret_sha256: None,
        });
    };
    match seed {
        Seed::Empty => {}
        Seed::Demo => {
            add(
                DEMO_LOGIN,
                "Build agent",
                "vso.build_execute vso.code",
                Some(&default),
                -40,
                50,
                false,
            );
            add(
                DEMO_LOGIN,
                "Packages & feeds <nuget>",
                "vso.packaging",
                Some(&default),
                -10,
                170,
                false,
            );
            add(
                DEMO_LOGIN,
                "Release pipeline",
                "vso.release_execute",
                Some(&fabrikam),
                -100,
                80,
                false,
            );
            add(
                DEMO_LOGIN,
                "All collections – admin scripts",
                "app_token",
                None,
                -5,
                25,
                false,
            );
            add(
                DEMO_LOGIN,
                "Old clone token",
                "vso.code",
                Some(&default),
                -200,
                -20,
                false,
            );
            add(
                DEMO_LOGIN,
                "Expired test token",
                "vso.work",
                Some(&fabrikam),
                -120,
                -3,
                false,
            );
            add(
                DEMO_LOGIN,
                "Laptop (revoked)",
                "vso.code_write",
                Some(&default),
                -60,
                30,
                true,
            );
            add(
                COLLEAGUE_LOGIN,
                "Sam's deploy token",
                "vso.release_execute",
                Some(&default),
                -30,
                60,
                false,
            );
        }
        Seed::Large(n) => {
            for i in 0..*n {
                add(
                    DEMO_LOGIN,
                    &format!("Token {i:04}"),
                    "vso.code",
                    Some(if i % 2 == 0 { &default } else { &fabrikam }),
                    -((i % 300) as i64) - 1,
                    // Never exactly "now": a token expiring during a test would change status under it.
                    match (i % 400) as i64 - 30 {
                        0 => 1,
                        d => d,
                    },
                    i % 17 == 0,
                );
            }
        }
    }
    w
}
