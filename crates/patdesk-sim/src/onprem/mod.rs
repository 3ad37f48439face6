//! The Azure DevOps Server (TFS 2017+) mode, following `shared/contract/azure-devops-server.md`: a server
//! under `{base}/tfs` with project collections, Windows sign-in (NTLM, per TCP connection) or Basic with a PAT,
//! and the legacy `_apis/Token/SessionTokens` resource at the deployment and at the collection level.
//!
//! `auth` is IIS (who is calling), `tokens` the SessionTokens resource, `world` the server's state,
//! `control` its `/_sim/server/` routes.

pub mod auth;
pub mod control;
pub mod tokens;
pub mod world;

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::json;

use crate::router::{Ctx, Route};
use crate::server::Shared;
use crate::wire;

/// The virtual directory the simulated server lives under.
pub const VIRTUAL_DIRECTORY: &str = "tfs";

/// Names a path under `/tfs` (`segs` are the lower-case segments after `tfs`, `orig` the same as sent).
pub fn classify(segs: &[&str], orig: &[&str]) -> Route {
    let id = |i: usize| orig.get(i).map(|s| s.to_string());
    match segs {
        ["_apis", "token", "sessiontokens"] => Route::ServerTokens {
            collection: None,
            id: None,
        },
        ["_apis", "token", "sessiontokens", _] => Route::ServerTokens {
            collection: None,
            id: id(3),
        },
        [_, "_apis", "token", "sessiontokens"] => Route::ServerTokens {
            collection: id(0),
            id: None,
        },
        [_, "_apis", "token", "sessiontokens", _] => Route::ServerTokens {
            collection: id(0),
            id: id(4),
        },
        ["_apis", "projectcollections"] => Route::ServerCollections,
        ["_apis", "connectiondata"] => Route::ServerConnectionData { collection: None },
        [_, "_apis", "connectiondata"] => Route::ServerConnectionData { collection: id(0) },
        _ => Route::ServerNotFound,
    }
}

/// Answers a server route for the signed-in caller (`ctx.caller`).
pub fn handle(shared: &Shared, ctx: &Ctx) -> Response<Body> {
    let Some(caller) = ctx.caller.as_ref() else {
        return wire::empty(StatusCode::UNAUTHORIZED);
    };
    match &ctx.route {
        Route::ServerTokens { collection, id } => {
            tokens::handle(shared, ctx, caller, collection.as_deref(), id.as_deref())
        }
        Route::ServerCollections => {
            let st = shared.lock();
            let value: Vec<_> = st
                .server
                .collections
                .iter()
                .map(|c| {
                    json!({
                        "id": c.id, "name": c.name,
                        "url": format!("{}/tfs/_apis/projectCollections/{}", shared.base_url, c.id),
                        "collectionUrl": format!("{}/tfs/{}", shared.base_url, c.name),
                        "state": "Started",
                    })
                })
                .collect();
            wire::json(
                StatusCode::OK,
                &json!({"count": value.len(), "value": value}),
            )
        }
        Route::ServerConnectionData { collection } => {
            let st = shared.lock();
            if let Some(name) = collection {
                if st.server.collection(name).is_none() {
                    return wire::vss_error(
                        StatusCode::NOT_FOUND,
                        "CollectionDoesNotExistException",
                        &format!("TF400898: The collection {name} does not exist."),
                        0,
                    );
                }
            }
            let user = st.server.user(&caller.login);
            wire::json(
                StatusCode::OK,
                &json!({
                    "authenticatedUser": {
                        "id": user.map(|u| u.id.clone()),
                        "descriptor": format!("System.Security.Principal.WindowsIdentity;{}", caller.login),
                        "providerDisplayName": user.map(|u| u.display_name.clone()),
                        "isActive": true,
                        "properties": { "Account": { "$type": "System.String", "$value": caller.login } },
                    },
                    "instanceId": st.server.instance_id,
                    "deploymentType": "onPremises",
                }),
            )
        }
        _ => wire::vss_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("VS800075: The resource {} could not be found.", ctx.path),
            0,
        ),
    }
}
