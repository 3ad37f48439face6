//! What the tools a person hands a PAT to call with it: Git's smart-HTTP ref advertisement
//! (`{dev}/{org}[/{project}]/_git/{repo}/info/refs?service=git-upload-pack`), an Azure Artifacts NuGet feed
//! (`{pkgs}/{org}[/{project}]/_packaging/{feed}/nuget/v3/index.json`, its search, and the v2 OData feed older
//! NuGet clients read) and the same feed's npm registry (`…/_packaging/{feed}/npm/registry/{package}`, whose
//! one package is `patdesk-probe`) and its Python index (`…/_packaging/{feed}/pypi/simple/`, the same one
//! package). Each checks Basic auth against the PATs the simulator issued, as connectionData does
//! ([`crate::devops::pat_from_basic`]), and challenges with `WWW-Authenticate: Basic` otherwise, which is what
//! makes Git and NuGet look up a stored credential. The repository is empty of objects and every feed lists
//! one package, [`PROBE_PACKAGE`] (which cannot be downloaded): the point is whether the tool authenticates,
//! not what it downloads. The request log records each answer's status, so a test can tell a search the feed
//! answered (`200`) from one it refused (`401`) even when the client reports both alike.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::json;

use crate::router::Ctx;
use crate::server::Shared;
use crate::state::{Org, SimState};
use crate::wire;

/// The one package every simulated feed lists.
pub const PROBE_PACKAGE: &str = "PatDesk.Probe";

/// The commit every simulated repository's `main` points at (the objects are never served).
const HEAD_COMMIT: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// `401` with a Basic challenge (and the VSS JSON body Azure DevOps sends).
fn challenge(shared: &Shared, message: &str) -> Response<Body> {
    let mut r = wire::vss_error(
        StatusCode::UNAUTHORIZED,
        "UnauthorizedRequestException",
        message,
        3000,
    );
    if let Ok(v) = HeaderValue::from_str(&format!("Basic realm=\"{}\"", shared.base_url)) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// The organization and the Basic check shared by both tools.
fn authorize<'s>(
    shared: &Shared,
    st: &'s SimState,
    ctx: &Ctx,
    org: &str,
) -> Result<&'s Org, Response<Body>> {
    let Some(o) = st.world.org(org) else {
        return Err(wire::vss_error(
            StatusCode::NOT_FOUND,
            "AccountNotFoundException",
            "TF400813: The organization could not be found.",
            0,
        ));
    };
    let auth = ctx.header("authorization").unwrap_or_default();
    let (scheme, value) = auth.trim().split_once(' ').unwrap_or((auth.trim(), ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(challenge(shared, crate::devops::NOT_AUTHORIZED));
    }
    crate::devops::pat_from_basic(st, value, o)
        .map(|_| o)
        .map_err(|m| challenge(shared, m))
}

/// One pkt-line of Git's wire format.
fn pkt_line(payload: &str) -> String {
    format!("{:04x}{payload}", payload.len() + 4)
}

/// `GET …/_git/{repo}/info/refs?service=git-upload-pack`: the ref advertisement of a repository whose `main`
/// is [`HEAD_COMMIT`] (protocol v0, which every Git client understands).
pub fn git_info_refs(shared: &Shared, ctx: &Ctx, org: &str) -> Response<Body> {
    let st = shared.lock();
    if let Err(r) = authorize(shared, &st, ctx, org) {
        return r;
    }
    if ctx.q("service") != Some("git-upload-pack") {
        return wire::vss_error(
            StatusCode::FORBIDDEN,
            "InvalidArgumentValueException",
            "This simulated repository only serves git-upload-pack.",
            0,
        );
    }
    let mut body = pkt_line("# service=git-upload-pack\n");
    body.push_str("0000");
    body.push_str(&pkt_line(&format!(
        "{HEAD_COMMIT} HEAD\0multi_ack thin-pack side-band side-band-64k ofs-delta shallow no-progress include-tag symref=HEAD:refs/heads/main agent=patdesk-sim\n"
    )));
    body.push_str(&pkt_line(&format!("{HEAD_COMMIT} refs/heads/main\n")));
    body.push_str("0000");
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-git-upload-pack-advertisement"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// Any request under `{pkgs}/{org}[/{project}]/_packaging/{feed}/nuget/`: `rest` is what follows `nuget/`.
pub fn nuget_feed(shared: &Shared, ctx: &Ctx, org: &str, rest: &str) -> Response<Body> {
    let st = shared.lock();
    if let Err(r) = authorize(shared, &st, ctx, org) {
        return r;
    }
    drop(st);
    let feed_root = ctx
        .path
        .rsplit_once("/nuget/")
        .map(|(root, _)| format!("{}{root}/nuget", shared.base_url))
        .unwrap_or_default();
    let rest = rest.trim_end_matches('/').to_ascii_lowercase();
    match rest.as_str() {
        "v3/index.json" => wire::json(
            StatusCode::OK,
            &json!({
                "version": "3.0.0",
                "resources": [
                    { "@id": format!("{feed_root}/v3/query2/"), "@type": "SearchQueryService" },
                    { "@id": format!("{feed_root}/v3/query2/"), "@type": "SearchQueryService/3.0.0-beta" },
                    { "@id": format!("{feed_root}/v3/query2/"), "@type": "SearchQueryService/3.0.0-rc" },
                    { "@id": format!("{feed_root}/v3/flat2/"), "@type": "PackageBaseAddress/3.0.0" },
                    { "@id": format!("{feed_root}/v3/registrations2/"), "@type": "RegistrationsBaseUrl" },
                    { "@id": format!("{feed_root}/v2/"), "@type": "LegacyGallery/2.0.0" },
                ],
            }),
        ),
        "v3/query2" => wire::json(
            StatusCode::OK,
            &json!({
                "totalHits": 1,
                "data": [{
                    "@id": format!("{feed_root}/v3/registrations2/patdesk.probe/index.json"),
                    "@type": "Package",
                    "id": PROBE_PACKAGE,
                    "version": "1.0.0",
                    "description": "The package every simulated feed lists.",
                    "versions": [{ "version": "1.0.0", "downloads": 0 }],
                }],
            }),
        ),
        "v2" => atom(service_document(&feed_root)),
        "v2/$metadata" => xml(METADATA.to_string()),
        r if r.starts_with("v2/") => atom(empty_feed(&feed_root)),
        _ => wire::vss_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            "The feed holds no such package.",
            0,
        ),
    }
}

fn atom(body: String) -> Response<Body> {
    typed(body, "application/atom+xml;type=feed;charset=utf-8")
}

fn xml(body: String) -> Response<Body> {
    typed(body, "application/xml;charset=utf-8")
}

fn typed(body: String, content_type: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert("DataServiceVersion", HeaderValue::from_static("2.0;"));
    r
}

fn service_document(feed_root: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><service xml:base="{feed_root}/v2/" xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom"><workspace><atom:title>Default</atom:title><collection href="Packages"><atom:title>Packages</atom:title></collection></workspace></service>"#
    )
}

/// The v2 answer to every query: the feed with its one package.
fn empty_feed(feed_root: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><feed xml:base="{feed_root}/v2/" xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><id>{feed_root}/v2/Packages</id><title type="text">Packages</title><updated>2000-01-01T00:00:00Z</updated><link rel="self" title="Packages" href="Packages" /><entry><id>{feed_root}/v2/Packages(Id='{PROBE_PACKAGE}',Version='1.0.0')</id><category term="NuGetGallery.V2FeedPackage" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme" /><link rel="edit" title="V2FeedPackage" href="Packages(Id='{PROBE_PACKAGE}',Version='1.0.0')" /><title type="text">{PROBE_PACKAGE}</title><summary type="text"></summary><updated>2000-01-01T00:00:00Z</updated><author><name>PAT Desk</name></author><content type="application/zip" src="{feed_root}/v2/package/{PROBE_PACKAGE}/1.0.0" /><m:properties><d:Id>{PROBE_PACKAGE}</d:Id><d:Version>1.0.0</d:Version><d:Description>The package every simulated feed lists.</d:Description><d:IsLatestVersion m:type="Edm.Boolean">true</d:IsLatestVersion><d:IsAbsoluteLatestVersion m:type="Edm.Boolean">true</d:IsAbsoluteLatestVersion></m:properties></entry></feed>"#
    )
}

/// The OData schema of a v2 feed, reduced to what NuGet clients read (the `Packages` set and the `Search`
/// and `FindPackagesById` functions).
const METADATA: &str = r#"<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"><edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" m:DataServiceVersion="2.0"><Schema Namespace="NuGetGallery" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xmlns="http://schemas.microsoft.com/ado/2006/04/edm"><EntityType Name="V2FeedPackage" m:HasStream="true"><Key><PropertyRef Name="Id" /><PropertyRef Name="Version" /></Key><Property Name="Id" Type="Edm.String" Nullable="false" /><Property Name="Version" Type="Edm.String" Nullable="false" /><Property Name="Description" Type="Edm.String" /><Property Name="IsLatestVersion" Type="Edm.Boolean" Nullable="false" /><Property Name="IsAbsoluteLatestVersion" Type="Edm.Boolean" Nullable="false" /></EntityType><EntityContainer Name="FeedContext_x0060_1" m:IsDefaultEntityContainer="true"><EntitySet Name="Packages" EntityType="NuGetGallery.V2FeedPackage" /><FunctionImport Name="Search" EntitySet="Packages" ReturnType="Collection(NuGetGallery.V2FeedPackage)" m:HttpMethod="GET"><Parameter Name="searchTerm" Type="Edm.String" FixedLength="false" Unicode="false" /><Parameter Name="targetFramework" Type="Edm.String" FixedLength="false" Unicode="false" /><Parameter Name="includePrerelease" Type="Edm.Boolean" Nullable="false" /></FunctionImport><FunctionImport Name="FindPackagesById" EntitySet="Packages" ReturnType="Collection(NuGetGallery.V2FeedPackage)" m:HttpMethod="GET"><Parameter Name="id" Type="Edm.String" FixedLength="false" Unicode="false" /></FunctionImport></EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"#;

/// The one package every simulated npm feed holds.
pub const NPM_PROBE_PACKAGE: &str = "patdesk-probe";

/// `GET …/npm/registry/{package}`: the packument of [`NPM_PROBE_PACKAGE`] (its tarball is never served).
pub fn npm_feed(shared: &Shared, ctx: &Ctx, org: &str, package: &str) -> Response<Body> {
    let st = shared.lock();
    if let Err(r) = authorize(shared, &st, ctx, org) {
        return r;
    }
    drop(st);
    if !package.eq_ignore_ascii_case(NPM_PROBE_PACKAGE) {
        return wire::json(StatusCode::NOT_FOUND, &json!({ "error": "Not found" }));
    }
    let registry = ctx
        .path
        .rsplit_once("/npm/registry/")
        .map(|(root, _)| format!("{}{root}/npm/registry", shared.base_url))
        .unwrap_or_default();
    wire::json(
        StatusCode::OK,
        &json!({
            "name": NPM_PROBE_PACKAGE,
            "dist-tags": { "latest": "1.0.0" },
            "versions": {
                "1.0.0": {
                    "name": NPM_PROBE_PACKAGE,
                    "version": "1.0.0",
                    "description": "The package every simulated npm feed holds.",
                    "dist": {
                        "tarball": format!("{registry}/{NPM_PROBE_PACKAGE}/-/{NPM_PROBE_PACKAGE}-1.0.0.tgz"),
                        "shasum": "0000000000000000000000000000000000000000",
                    },
                },
            },
            "time": { "1.0.0": "2000-01-01T00:00:00.000Z" },
        }),
    )
}

/// `GET …/pypi/simple/` and `…/pypi/simple/patdesk-probe/`: the simple index (PEP 503) with
/// [`NPM_PROBE_PACKAGE`]'s one release (its file is never served).
pub fn pypi_feed(shared: &Shared, ctx: &Ctx, org: &str, rest: &str) -> Response<Body> {
    let st = shared.lock();
    if let Err(r) = authorize(shared, &st, ctx, org) {
        return r;
    }
    drop(st);
    let rest = rest.trim_end_matches('/').to_ascii_lowercase();
    let page = match rest.as_str() {
        "simple" => format!(
            "<!DOCTYPE html><html><body><a href=\"{NPM_PROBE_PACKAGE}/\">{NPM_PROBE_PACKAGE}</a></body></html>"
        ),
        r if r == format!("simple/{NPM_PROBE_PACKAGE}") => format!(
            "<!DOCTYPE html><html><body><a href=\"../../packages/patdesk_probe-1.0.0.tar.gz#sha256={}\">patdesk_probe-1.0.0.tar.gz</a></body></html>",
            "0".repeat(64)
        ),
        _ => return wire::json(StatusCode::NOT_FOUND, &json!({ "error": "Not found" })),
    };
    wire::html(StatusCode::OK, page)
}
