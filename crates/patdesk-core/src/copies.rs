//! Keeping the copies of a token's value PAT Desk put elsewhere in step with the token: after a revoke each
//! recorded copy can be removed (Git's credential with `git credential reject`, NuGet's package source with
//! `nuget sources remove` / `dotnet nuget remove source`, npm's lines with `npm config delete`, pip's keychain
//! item and index line, the keychain copy), and after Regenerate each one is
//! given the new value. Every place gets its own result, so the window can say what happened where.
//!
//! The work is synchronous (it runs the tools and may touch the keychain): call it from `spawn_blocking`.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::Error;
use crate::git_credential::GitCredentials;
use crate::handoffs::{HandOff, HandOffStore, Tool};
use crate::model::{CreatedToken, ReplacedCopy};
use crate::npm::NpmClient;
use crate::nuget::{NuGetClient, NuGetHandOff};
use crate::pip::PipClient;
pub use crate::replacement::TokenRef;
use crate::vault::Vault;

/// What became of one copy: removed (after a revoke) or given the new value (after Regenerate), or why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", ts(export))]
pub struct CopyResult {
    pub authorization_id: String,
    /// "Git", "NuGet feed contoso-packages", "Keychain".
    pub label: String,
    /// Where the tool keeps it (helper, client), for the details.
    pub place: String,
    pub done: bool,
    pub error: Option<Error>,
}

/// The tools PAT Desk hands tokens to.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    pub git: GitCredentials,
    pub nuget: NuGetClient,
    pub npm: NpmClient,
    pub pip: PipClient,
    /// The keychain pip's copy lives in (`None` when the keychain is not used this run).
    pub vault: Option<Vault>,
}

/// Remove every recorded copy of `tokens` (and the keychain copy, when `vault` holds one). A place whose
/// removal fails stays in the record, so the person can try again.
pub fn remove_copies(
    store: Option<&HandOffStore>,
    vault: Option<&Vault>,
    tools: &Tools,
    tokens: &[TokenRef],
) -> Vec<CopyResult> {
    let mut results = Vec::new();
    let saved = vault.and_then(|v| v.saved_pats().ok()).unwrap_or_default();
    for token in tokens {
        if let Some(store) = store {
            for hand_off in store.for_token(&token.authorization_id) {
                let outcome = match hand_off.tool {
                    Tool::Git => tools.git.reject(&hand_off.organization),
                    Tool::NuGet => tools
                        .nuget
                        .remove_source(hand_off.name.as_deref().unwrap_or(&hand_off.target)),
                    Tool::Npm => tools.npm.remove(&hand_off.target),
                    Tool::Pip => tools.pip.remove(tools.vault.as_ref(), &hand_off.target),
                };
                let outcome = outcome.and_then(|()| store.forget(&hand_off));
                results.push(result_for(&hand_off, outcome));
            }
        }
        let has_saved = saved.iter().any(|p| {
            p.authorization_id
                .eq_ignore_ascii_case(&token.authorization_id)
                && p.organization.eq_ignore_ascii_case(&token.organization)
        });
        if let (true, Some(vault)) = (has_saved, vault) {
            let outcome = vault.forget_pat(&token.organization, &token.authorization_id);
            results.push(CopyResult {
                authorization_id: token.authorization_id.clone(),
                label: "Keychain".into(),
                place: "PAT Desk's entry in your system keychain".into(),
                done: outcome.is_ok(),
                error: outcome.err(),
            });
        }
    }
    results
}

/// Give every recorded copy of the token `old_id` the value of `new` (Regenerate), and record them under the
/// new token. The person's earlier choices stand: a NuGet source kept in plain text stays so.
pub fn replace_recorded_copies(
    store: &HandOffStore,
    tools: &Tools,
    old_id: &str,
    new: &CreatedToken,
) -> Vec<(ReplacedCopy, CopyResult)> {
    let mut results = Vec::new();
    for old in store.for_token(old_id) {
        let (kind, outcome) = match old.tool {
            Tool::Git => (
                ReplacedCopy::Git,
                tools.git.approve_until(
                    &old.organization,
                    None,
                    &new.secret,
                    Some(new.token.valid_to),
                ),
            ),
            Tool::NuGet => (
                ReplacedCopy::NuGet,
                tools
                    .nuget
                    .hand_off(
                        &NuGetHandOff {
                            feed_url: &old.target,
                            source_name: old.name.as_deref().unwrap_or(&old.target),
                            username: &old.organization,
                            plain_text_ok: old.plain_text,
                        },
                        &new.secret,
                    )
                    .map(|_| ()),
            ),
            Tool::Npm => (
                ReplacedCopy::Npm,
                tools
                    .npm
                    .hand_off(&old.target, &old.organization, &new.secret, old.plain_text),
            ),
            Tool::Pip => (
                ReplacedCopy::Pip,
                tools
                    .pip
                    .hand_off(
                        tools.vault.as_ref(),
                        &old.target,
                        &new.secret,
                        old.plain_text,
                    )
                    .map(|_| ()),
            ),
        };
        let outcome = outcome.and_then(|()| {
            store.record(HandOff {
                authorization_id: new.token.authorization_id.clone(),
                handed_at: chrono::Utc::now(),
                ..old.clone()
            })
        });
        results.push((kind, result_for(&old, outcome)));
    }
    results
}

fn result_for(hand_off: &HandOff, outcome: Result<(), Error>) -> CopyResult {
    CopyResult {
        authorization_id: hand_off.authorization_id.clone(),
        label: hand_off.label(),
        place: hand_off.place.clone(),
        done: outcome.is_ok(),
        error: outcome.err(),
    }
}
