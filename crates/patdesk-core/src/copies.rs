//! Keeping the copies of a token's value PAT Desk put elsewhere in step with the token: after a revoke each
//! recorded copy can be removed (Git's credential with `git credential reject`, NuGet's package source with
//! `nuget sources remove` / `dotnet nuget remove source`, npm's lines with `npm config delete`, pip's keychain
//! item and index line, the keychain copy), and after Regenerate each one is
//! given the new value. Every place gets its own result, so the window can say what happened where.
//!
//! `handoffs.json` is a plain file any program of the person's can change, so a record is checked again
//! before it is used: it must be of the token's organization, a feed's address must pass
//! [`crate::feed_address::FeedAddresses`] and Git's target must be the organization's own. A record that does
//! not is skipped, with a sentence in its result, and nothing is written for it. Git is given a new value
//! only where its helper keeps it out of plain files: a plain-file helper (`store`) needs the person's
//! go-ahead again ([`CopyResult::needs_go_ahead`]).
//!
//! The work is synchronous (it runs the tools and may touch the keychain): call it from `spawn_blocking`.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::{Error, ErrorCode};
use crate::feed_address::FeedAddresses;
use crate::git_credential::{GitCredentials, GitHelperVerdict};
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
    /// Not done because Git's helper keeps tokens in a plain file: the window asks the person before the new
    /// value goes there ("Use with Git" with the plain-file box).
    #[serde(default)]
    pub needs_go_ahead: bool,
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
    /// The feed addresses a token of the organization may be handed for: every recorded feed is checked
    /// against them before it is used.
    pub feeds: FeedAddresses,
}

/// Whether the record `hand_off` may be used for a token of `organization`: skipped (with the sentence) when
/// it names another organization, a feed PAT Desk does not hand tokens to, or a Git target other than the
/// organization's own.
fn check_record(tools: &Tools, organization: &str, hand_off: &HandOff) -> Result<(), Error> {
    let skipped = |why: String| {
        Error::new(
            ErrorCode::FeedAddressNotAllowed,
            format!(
                "PAT Desk skipped \"{}\": its record points to {}, {why} The record may have been changed by another program; PAT Desk wrote nothing there. Check that place yourself.",
                hand_off.label(),
                hand_off.target
            ),
        )
    };
    if !hand_off
        .organization
        .trim()
        .eq_ignore_ascii_case(organization.trim())
    {
        return Err(skipped(format!(
            "which is for the organization {}, not {organization}.",
            hand_off.organization
        )));
    }
    match hand_off.tool {
        Tool::Git => {
            let expected = tools.git.target_url(organization);
            if hand_off.target.trim().eq_ignore_ascii_case(&expected) {
                Ok(())
            } else {
                Err(skipped(format!(
                    "not to {expected}, where Git keeps this organization's token."
                )))
            }
        }
        Tool::NuGet | Tool::Npm | Tool::Pip => match tools.feeds.check(&hand_off.target) {
            Ok(_) => Ok(()),
            Err(e) => Err(skipped(format!(
                "which is not an Azure Artifacts feed of {organization}. {}",
                e.message
            ))),
        },
    }
}

/// Give Git the new value for `organization`, unless its helper keeps it in a plain file (or the record says
/// it did): then only with the person's go-ahead, asked again — `Ok(false)`.
fn replace_git(
    tools: &Tools,
    old: &HandOff,
    organization: &str,
    new: &CreatedToken,
) -> Result<bool, Error> {
    let check = tools.git.check_helpers(organization)?;
    match check.verdict {
        GitHelperVerdict::Unusable => Err(Error::new(ErrorCode::GitUnavailable, check.message)),
        GitHelperVerdict::PlainFile => Ok(false),
        GitHelperVerdict::Ready if old.plain_text => Ok(false),
        GitHelperVerdict::Ready => tools
            .git
            .approve_until(organization, None, &new.secret, Some(new.token.valid_to))
            .map(|()| true),
    }
}

fn needs_go_ahead(hand_off: &HandOff) -> CopyResult {
    CopyResult {
        authorization_id: hand_off.authorization_id.clone(),
        label: hand_off.label(),
        place: hand_off.place.clone(),
        done: false,
        error: Some(git_needs_go_ahead()),
        needs_go_ahead: true,
    }
}

/// Why Git was not given a new value: its helper writes a plain file, which needs the person's go-ahead.
pub(crate) fn git_needs_go_ahead() -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        "Git keeps tokens in a plain file on this computer, so the new value needs your go-ahead before PAT Desk gives it to Git. Choose Use with Git for the new token and confirm the plain file, or copy it and enter it when Git asks.",
    )
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
                if let Err(e) = check_record(tools, &token.organization, &hand_off) {
                    results.push(result_for(&hand_off, Err(e)));
                    continue;
                }
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
                needs_go_ahead: false,
            });
        }
    }
    results
}

/// Give every recorded copy of the token `old_id` the value of `new` (Regenerate), and record them under the
/// new token. The person's earlier choices stand for the feeds: a NuGet source kept in plain text stays so.
/// Each record is checked first (see the module's comment): one that fails is skipped with its sentence, and
/// Git with a plain-file helper waits for the person's go-ahead.
pub fn replace_recorded_copies(
    store: &HandOffStore,
    tools: &Tools,
    old_id: &str,
    new: &CreatedToken,
) -> Vec<(ReplacedCopy, CopyResult)> {
    let mut results = Vec::new();
    let organization = new.token.organization.as_str();
    for old in store.for_token(old_id) {
        let kind = match old.tool {
            Tool::Git => ReplacedCopy::Git,
            Tool::NuGet => ReplacedCopy::NuGet,
            Tool::Npm => ReplacedCopy::Npm,
            Tool::Pip => ReplacedCopy::Pip,
        };
        if let Err(e) = check_record(tools, organization, &old) {
            results.push((kind, result_for(&old, Err(e))));
            continue;
        }
        let outcome = match old.tool {
            Tool::Git => match replace_git(tools, &old, organization, new) {
                Ok(true) => Ok(()),
                Ok(false) => {
                    results.push((kind, needs_go_ahead(&old)));
                    continue;
                }
                Err(e) => Err(e),
            },
            Tool::NuGet => tools
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
            Tool::Npm => {
                tools
                    .npm
                    .hand_off(&old.target, &old.organization, &new.secret, old.plain_text)
            }
            Tool::Pip => tools
                .pip
                .hand_off(
                    tools.vault.as_ref(),
                    &old.target,
                    &new.secret,
                    old.plain_text,
                )
                .map(|_| ()),
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
        needs_go_ahead: false,
    }
}
