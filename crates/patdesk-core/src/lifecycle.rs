//! A token's life after Create: Regenerate (contract §2.10), which has no API of its own, and the copies of
//! a token's value that PAT Desk itself made, kept in step with it.
//!
//! Regenerate is Get, Create, then Revoke, in that order and never otherwise: the new token exists, with its
//! secret in hand, before the old one is revoked, so whatever fails the person keeps at least one working
//! token. A create that fails leaves the old token untouched (the error is returned); a revoke that fails is
//! reported in [`Regenerated::previous`] (both tokens then exist and are listed), never hidden.
//!
//! Where PAT Desk had saved the old value in the keychain ("Save in my keychain"), the new value replaces it
//! there ([`replace_saved_copy`]); the window tells the person which places were updated. Anywhere else the
//! old value was pasted is the person's to change, which is why the window says so.

use chrono::Utc;

use crate::client::AzureDevOpsClient;
use crate::error::{Error, ErrorCode};
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
    /// The IPC view: the one time the new secret crosses to the window, as after Create.
    pub fn into_reveal(
        self,
        replaced: Vec<ReplacedCopy>,
        replace_error: Option<Error>,
    ) -> RegeneratedTokenReveal {
        RegeneratedTokenReveal {
            created: self.created.into_reveal(),
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

/// [`replace_saved_copy`] from async code, for a keychain that may be unavailable (`None`: nothing was saved
/// there this run). Answers the places updated and, if the keychain copy could not be replaced, why.
pub async fn replace_copies(
    vault: Option<&Vault>,
    regenerated: &Regenerated,
) -> (Vec<ReplacedCopy>, Option<Error>) {
    let Some(vault) = vault else {
        return (Vec::new(), None);
    };
    let old_id = regenerated.previous.authorization_id.clone();
    let new = regenerated.created.clone();
    match vault
        .run(move |v| replace_saved_copy(v, &old_id, &new))
        .await
    {
        Ok(true) => (vec![ReplacedCopy::Keychain], None),
        Ok(false) => (Vec::new(), None),
        Err(e) => (
            Vec::new(),
            Some(Error {
                message: format!(
                    "The copy saved in your keychain could not be replaced: {} Copy the new value now, or save it again.",
                    e.message
                ),
                ..e
            }),
        ),
    }
}
