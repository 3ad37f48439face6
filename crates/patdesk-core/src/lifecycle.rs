//! A token's life after Create: Regenerate (contract §2.10), which has no API of its own, and the copies of
//! a token's value that PAT Desk itself made, kept in step with it.
//!
//! Regenerate is Get, Create, then Revoke, in that order and never otherwise: the new token exists, with its
//! secret in hand, before the old one is revoked, so whatever fails the person keeps at least one working
//! token. A create that fails leaves the old token untouched (the error is returned); a revoke that fails is
//! reported in [`Regenerated::previous`] (both tokens then exist and are listed), never hidden.
//!
//! Where PAT Desk itself had put the old value, the new value replaces it: the copy saved in the keychain
//! ("Save in my keychain", [`replace_saved_copy`]) and Git's credential for the organization when an earlier
//! version had noted the hand-off in the keychain's index ([`replace_git_copy`]); every place in the record of
//! hand-offs (Git, NuGet, npm) is refreshed by [`crate::copies::replace_recorded_copies`]. The window tells the
//! person which places were updated. Anywhere else the old value was pasted is the person's
//! to change, which is why the window says so.

use chrono::Utc;

use crate::client::AzureDevOpsClient;
use crate::error::{Error, ErrorCode};
use crate::git_credential::{GitCredentials, GitHelperVerdict};
use crate::model::{
    CreatedToken, NewTokenRequest, RegenerateRequest, RegeneratedTokenReveal, ReplacedCopy,
    RevokeOutcome, RevokeResult,
};
use crate::vault::{SavedPat, Vault};

/// The result of Regenerate: the new token with its secret, and what happened to the old one.
#[derive(Debug, Clone)]
pub struct Regenerated {
    pub created: CreatedToken,
    /// `Revoked` or `AlreadyGone`: only the new token is left. `Failed`: both exist.
    pub previous: RevokeResult,
}

impl Regenerated {
    /// The IPC view: the new token without its value (it crosses only on Reveal, as after Create).
    pub fn into_reveal(
        self,
        replaced: Vec<ReplacedCopy>,
        replace_error: Option<Error>,
    ) -> RegeneratedTokenReveal {
        RegeneratedTokenReveal {
            created: self.created.view(),
            previous: self.previous,
            replaced,
            replace_error,
        }
    }

    /// Whether the old token is gone (revoked now, or already).
    pub fn previous_gone(&self) -> bool {
        !matches!(self.previous.outcome, RevokeOutcome::Failed { .. })
    }
}

impl AzureDevOpsClient {
    /// Regenerate a token: a new token with the same name, scopes and organization and the expiry of
    /// `request.lifespan`, then the old one revoked (contract §2.10).
    ///
    /// The name and scopes are read from Azure DevOps (Get), not taken from the window. A global token is
    /// refused: a token for all organizations can no longer be created, and "Replace" makes one per
    /// organization instead.
    pub async fn regenerate_pat(&self, request: &RegenerateRequest) -> Result<Regenerated, Error> {
        let org = request.organization.trim();
        let old = self
            .get_pat(org, &request.authorization_id)
            .await?
            .ok_or_else(|| Error::from_code(ErrorCode::TokenNotFound))?;
        if old.is_global {
            return Err(Error::new(
                ErrorCode::GlobalPatRetired,
                "This token works in all organizations, and such tokens can no longer be created. Use Replace to make a token for one organization instead.",
            ));
        }
        let created = self
            .create_pat(&NewTokenRequest {
                organization: org.to_string(),
                display_name: old.display_name.clone(),
                scopes: old.scope.split_whitespace().map(str::to_string).collect(),
                lifespan: request.lifespan,
            })
            .await?;
        let outcome = match self.revoke_pat(org, &old.authorization_id).await {
            Ok(outcome) => outcome,
            Err(error) => RevokeOutcome::Failed { error },
        };
        Ok(Regenerated {
            created,
            previous: RevokeResult {
                authorization_id: old.authorization_id,
                display_name: old.display_name,
                outcome,
            },
        })
    }
}

/// If the keychain holds a saved copy of the token `old_id`, save `new`'s value in its place (under the new
/// token's id) and forget the old copy. `Ok(true)` when a copy was replaced, `Ok(false)` when there was none.
/// The new value is written before the old one is removed, so a failure never leaves neither.
pub fn replace_saved_copy(vault: &Vault, old_id: &str, new: &CreatedToken) -> Result<bool, Error> {
    let Some(old) = vault
        .saved_pats()?
        .into_iter()
        .find(|p| p.authorization_id.eq_ignore_ascii_case(old_id))
    else {
        return Ok(false);
    };
    let replacement = SavedPat {
        organization: new.token.organization.clone(),
        authorization_id: new.token.authorization_id.clone(),
        display_name: new.token.display_name.clone(),
        valid_to: Some(new.token.valid_to.to_rfc3339()),
        saved_at: Utc::now(),
    };
    vault.save_pat(&replacement, &new.secret)?;
    vault.forget_pat(&old.organization, &old.authorization_id)?;
    Ok(true)
}

/// If PAT Desk had handed the token `old_id` to Git for the new token's organization, hand Git the new value
/// instead (`git credential approve` replaces the organization's stored value) and note the new token.
/// `Ok(true)` when Git now holds the new value, `Ok(false)` when Git was never given the old one by PAT Desk.
/// A helper that writes a plain file (`store`) is not given the new value without the person's go-ahead,
/// asked again: that is an error saying so.
pub fn replace_git_copy(
    vault: &Vault,
    git: &GitCredentials,
    old_id: &str,
    new: &CreatedToken,
) -> Result<bool, Error> {
    let organization = &new.token.organization;
    match vault.handed_to_git(organization)? {
        Some(h) if h.authorization_id.eq_ignore_ascii_case(old_id) => {}
        _ => return Ok(false),
    }
    let check = git.check_helpers(organization)?;
    match check.verdict {
        GitHelperVerdict::Ready => {}
        GitHelperVerdict::PlainFile => return Err(crate::copies::git_needs_go_ahead()),
        GitHelperVerdict::Unusable => {
            return Err(Error::new(ErrorCode::GitUnavailable, check.message))
        }
    }
    git.approve(organization, None, &new.secret)?;
    vault.note_handed_to_git(organization, &new.token.authorization_id)?;
    Ok(true)
}

/// Every copy PAT Desk had made of the old value, replaced by the new one, from async code. `vault` is
/// `None` when the keychain is not used this run (then PAT Desk kept no copy and noted no hand-off). Answers
/// the places updated and, for any place that could not be updated, why (the new value is still on the
/// screen to copy).
pub async fn replace_copies(
    vault: Option<&Vault>,
    git: &GitCredentials,
    regenerated: &Regenerated,
) -> (Vec<ReplacedCopy>, Option<Error>) {
    let Some(vault) = vault else {
        return (Vec::new(), None);
    };
    let old_id = regenerated.previous.authorization_id.clone();
    let new = regenerated.created.clone();
    let git = git.clone();
    let outcome = vault
        .run(move |v| {
            let keychain = replace_saved_copy(v, &old_id, &new);
            let git = replace_git_copy(v, &git, &old_id, &new);
            Ok((keychain, git))
        })
        .await;
    let (keychain, git) = match outcome {
        Ok(both) => both,
        Err(e) => (Err(e.clone()), Err(e)),
    };
    let mut replaced = Vec::new();
    let mut problems = Vec::new();
    let mut first_error: Option<Error> = None;
    for (place, result, sentence) in [
        (
            ReplacedCopy::Keychain,
            keychain,
            "The copy saved in your keychain could not be replaced",
        ),
        (
            ReplacedCopy::Git,
            git,
            "Git's stored value could not be replaced",
        ),
    ] {
        match result {
            Ok(true) => replaced.push(place),
            Ok(false) => {}
            Err(e) => {
                problems.push(format!("{sentence}: {}", e.message));
                first_error.get_or_insert(e);
            }
        }
    }
    let error = first_error.map(|e| Error {
        message: format!(
            "{} Copy the new value now and put it there yourself.",
            problems.join(" ")
        ),
        ..e
    });
    (replaced, error)
}
