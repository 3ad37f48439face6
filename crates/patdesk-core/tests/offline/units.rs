//! The pieces that need no server: secrets, the pinned error JSON, lifespans, organization input,
//! endpoint validation and the scope catalogue.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use patdesk_core::endpoints::{parse_organization, Endpoints};
use patdesk_core::error::{default_message, ALL_CODES};
use patdesk_core::model::{CreatedToken, Lifespan, PatToken, RevokeOutcome, TokenStatus};
use patdesk_core::scopes::Catalogue;
use patdesk_core::{Error, ErrorCode, Sensitive};
use url::Url;

#[test]
fn sensitive_never_prints_its_value() {
    let secret =
        Sensitive::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPAZDO1234".to_string());
    let value = secret.expose().clone();
    for rendered in [
        format!("{secret:?}"),
        format!("{secret:#?}"),
        format!("{secret}"),
        secret.to_string(),
    ] {
        assert!(!rendered.contains(&value));
        assert!(!rendered.contains("AZDO"));
        assert_eq!(rendered, "<redacted>");
    }
    let copy = secret.clone();
    assert_eq!(copy.expose(), &value);
    let created = CreatedToken {
        token: sample_token(),
        secret,
        clamped_from: None,
    };
    assert!(!format!("{created:?}").contains(&value));
    let reveal = created.into_reveal();
    assert!(
        !format!("{reveal:?}").contains(&value),
        "the IPC view's Debug redacts too"
    );
    assert_eq!(
        serde_json::to_value(&reveal).unwrap()["secret"],
        value.as_str()
    );
}

fn sample_token() -> PatToken {
    PatToken {
        authorization_id: "3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32".into(),
        display_name: "n".into(),
        scope: "app_token".into(),
        scope_summary: vec!["Full access".into()],
        target_organizations: None,
        is_global: true,
        valid_from: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        valid_to: Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
        status: TokenStatus::Active,
        stopped_working: true,
        organization: "fab".into(),
    }
}

#[test]
fn error_json_is_exactly_code_and_message() {
    let e = Error::new(ErrorCode::PolicyLifespan, "Pick a shorter lifespan.")
        .with_raw("patLifespanPolicyViolation")
        .with_status(200)
        .with_retry_after(Some(std::time::Duration::from_secs(3)));
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"code":"policyLifespan","message":"Pick a shorter lifespan."}"#
    );
    let back: Error = serde_json::from_str(r#"{"code":"rateLimited","message":"m"}"#).unwrap();
    assert_eq!(back.code, ErrorCode::RateLimited);
    // The Azure DevOps Server codes cross IPC the same way.
    for (code, name) in [
        (ErrorCode::WrongPassword, "wrongPassword"),
        (ErrorCode::AccountLocked, "accountLocked"),
        (ErrorCode::ServerUnreachable, "serverUnreachable"),
        (ErrorCode::TlsNotTrusted, "tlsNotTrusted"),
        (ErrorCode::KerberosOnly, "kerberosOnly"),
        (ErrorCode::PatCannotCreate, "patCannotCreate"),
        (ErrorCode::ServerTooOld, "serverTooOld"),
    ] {
        let e = Error::from_code(code).with_status(401).with_raw("raw");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": name, "message": patdesk_core::error::default_message(code)})
        );
    }
    let failed = RevokeOutcome::Failed {
        error: Error::new(ErrorCode::Network, "x"),
    };
    assert_eq!(
        serde_json::to_string(&failed).unwrap(),
        r#"{"kind":"failed","error":{"code":"network","message":"x"}}"#
    );
    assert_eq!(
        serde_json::to_string(&RevokeOutcome::AlreadyGone).unwrap(),
        r#"{"kind":"alreadyGone"}"#
    );
}

#[test]
fn every_code_has_a_plain_message_and_transient_ones_are_marked() {
    for (code, _) in ALL_CODES {
        let m = default_message(*code);
        assert!(m.ends_with('.') || m.ends_with(')'), "{code}: {m}");
        assert!(
            !m.contains("patTokenError") && !m.contains("HTTP"),
            "{code}: {m}"
        );
    }
    for c in [
        ErrorCode::RateLimited,
        ErrorCode::ServerError,
        ErrorCode::Timeout,
        ErrorCode::Network,
        ErrorCode::ServerBusy,
    ] {
        assert!(Error::from_code(c).is_transient(), "{c}");
    }
    for c in [
        ErrorCode::PolicyLifespan,
        ErrorCode::SessionExpired,
        ErrorCode::MalformedResponse,
        ErrorCode::TokenNotFound,
    ] {
        assert!(!Error::from_code(c).is_transient(), "{c}");
    }
    let e = Error::from_pat_token_error(
        "disablePatCreationPolicyViolation",
        Some("Only packaging scopes are allowed."),
    );
    assert_eq!(e.code, ErrorCode::PolicyCreationRestricted);
    assert!(
        e.message.ends_with("Only packaging scopes are allowed."),
        "{}",
        e.message
    );
    assert_eq!(
        Error::from_pat_token_error("DUPLICATEHASH", None).code,
        ErrorCode::ServerBusy
    );
    // Entra's errors: entra::tests::every_known_entra_answer_gets_its_sentence.
}

#[test]
fn lifespan_validation() {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    assert_eq!(
        Lifespan::Days { days: 30 }.valid_to(now, None).unwrap(),
        now + Duration::days(30)
    );
    assert_eq!(
        Lifespan::Days { days: 365 }.valid_to(now, None).unwrap(),
        now + Duration::days(365)
    );
    assert_eq!(
        Lifespan::Days { days: 0 }
            .valid_to(now, None)
            .unwrap_err()
            .code,
        ErrorCode::InvalidExpiry
    );
    assert_eq!(
        Lifespan::Days { days: 366 }
            .valid_to(now, None)
            .unwrap_err()
            .code,
        ErrorCode::InvalidExpiry
    );
    let e = Lifespan::Days { days: 31 }
        .valid_to(now, Some(30))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::PolicyLifespan);
    assert!(e.message.contains("30 days"), "{}", e.message);
    assert!(Lifespan::Days { days: 30 }.valid_to(now, Some(30)).is_ok());
    let date = |y, m, d| Lifespan::Until {
        date: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
    };
    let end = date(2026, 7, 1).valid_to(now, None).unwrap();
    assert_eq!(end, Utc.with_ymd_and_hms(2026, 7, 1, 23, 59, 59).unwrap());
    assert_eq!(
        date(2026, 6, 1).valid_to(now, None).unwrap_err().code,
        ErrorCode::InvalidExpiry,
        "today is not the future"
    );
    assert_eq!(
        date(2025, 1, 1).valid_to(now, None).unwrap_err().code,
        ErrorCode::InvalidExpiry
    );
    assert_eq!(
        date(2027, 6, 2).valid_to(now, None).unwrap_err().code,
        ErrorCode::InvalidExpiry
    );
    let last = date(2027, 6, 1).valid_to(now, None).unwrap();
    assert!(last <= now + Duration::days(365), "capped at one year");
    assert_eq!(
        date(2026, 7, 15).valid_to(now, Some(30)).unwrap_err().code,
        ErrorCode::PolicyLifespan
    );
    assert!(date(2026, 6, 20).valid_to(now, Some(30)).is_ok());
    // Wire shape.
    assert_eq!(
        serde_json::to_string(&Lifespan::Days { days: 30 }).unwrap(),
        r#"{"kind":"days","days":30}"#
    );
    assert_eq!(
        serde_json::to_string(&date(2026, 7, 1)).unwrap(),
        r#"{"kind":"until","date":"2026-07-01"}"#
    );
}

#[test]
fn organizations_from_names_and_addresses() {
    for (input, want) in [
        ("fabrikam", "fabrikam"),
        ("  Fabrikam-Fiber-Inc ", "Fabrikam-Fiber-Inc"),
        ("https://dev.azure.com/fabrikam", "fabrikam"),
        ("https://dev.azure.com/fabrikam/", "fabrikam"),
        (
            "https://dev.azure.com/fabrikam/Project/_git/repo?x=1",
            "fabrikam",
        ),
        ("dev.azure.com/fabrikam", "fabrikam"),
        ("https://fabrikam.visualstudio.com", "fabrikam"),
        (
            "https://fabrikam.visualstudio.com/DefaultCollection/_git/x",
            "fabrikam",
        ),
        ("fabrikam.visualstudio.com", "fabrikam"),
        ("a", "a"),
    ] {
        assert_eq!(parse_organization(input).unwrap(), want, "{input}");
    }
    let long = "a".repeat(51);
    for bad in [
        "",
        "   ",
        "-fab",
        "fab-",
        "fab rikam",
        "fab_rikam",
        "fäb",
        long.as_str(),
        "https://dev.azure.com/",
        "https://github.com/fab",
        "ftp://dev.azure.com/fab",
    ] {
        let e = parse_organization(bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOrganization, "{bad:?}");
        assert!(!e.message.is_empty());
    }
    assert!(parse_organization(&"a".repeat(50)).is_ok());
}

#[test]
fn endpoints_refuse_plain_http_except_loopback() {
    let u = |s: &str| Url::parse(s).unwrap();
    let ok = Endpoints::new(
        u("http://127.0.0.1:1/login"),
        u("http://localhost:2"),
        u("http://[::1]:3/v"),
        u("https://dev.azure.com"),
    )
    .unwrap();
    assert!(!ok.is_loopback());
    let e = Endpoints::new(
        u("http://login.example.com"),
        u("https://a"),
        u("https://b"),
        u("https://c"),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsecureUrl);
    let e = Endpoints::new(
        u("https://a"),
        u("https://b"),
        u("http://10.0.0.5:8080"),
        u("https://c"),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsecureUrl);
    let e = Endpoints::new(
        u("https://a"),
        u("https://b"),
        u("file:///etc/passwd"),
        u("https://c"),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsecureUrl);
    let sim = Endpoints::from_sim_json(
        r#"{"login":"http://127.0.0.1:5000/login","app_vssps":"http://127.0.0.1:5000/app_vssps","vssps":"http://127.0.0.1:5000/vssps","dev":"http://127.0.0.1:5000/dev"}"#,
    )
    .unwrap();
    assert!(sim.is_loopback());
    assert_eq!(sim.vssps.as_str(), "http://127.0.0.1:5000/vssps");
    let e = Endpoints::from_sim_json(
        r#"{"login":"http://sim.example:1","app_vssps":"x","vssps":"y","dev":"z"}"#,
    )
    .unwrap_err();
    assert!(matches!(
        e.code,
        ErrorCode::InsecureUrl | ErrorCode::Internal
    ));
    let azure = Endpoints::azure();
    assert_eq!(azure.vssps.as_str(), "https://vssps.dev.azure.com/");
    assert_eq!(azure.login.host_str(), Some("login.microsoftonline.com"));
}

#[test]
fn endpoints_from_env_overrides_and_validates() {
    // The only test in this binary that touches these variables.
    std::env::set_var("PATDESK_VSSPS_URL", "http://127.0.0.1:9/vssps");
    let e = Endpoints::from_env().unwrap();
    assert_eq!(e.vssps.as_str(), "http://127.0.0.1:9/vssps");
    assert_eq!(e.login.host_str(), Some("login.microsoftonline.com"));
    std::env::set_var("PATDESK_DEV_URL", "http://dev.example.com");
    assert_eq!(
        Endpoints::from_env().unwrap_err().code,
        ErrorCode::InsecureUrl
    );
    std::env::remove_var("PATDESK_VSSPS_URL");
    std::env::remove_var("PATDESK_DEV_URL");
    assert_eq!(Endpoints::from_env().unwrap(), Endpoints::azure());
}

#[test]
fn catalogue_describes_and_exports() {
    let c = Catalogue::load();
    assert_eq!(c.describe("app_token"), ["Full access"]);
    let words = c.describe("vso.code_write vso.packaging");
    assert_eq!(words.len(), 2);
    assert!(
        words[0].starts_with("Code") && words[1].starts_with("Packaging"),
        "{words:?}"
    );
    let ipc = c.to_ipc();
    let presets: Vec<(&str, Vec<&str>)> = ipc
        .presets
        .iter()
        .map(|p| (p.id.as_str(), p.scopes.iter().map(String::as_str).collect()))
        .collect();
    assert!(presets.contains(&("build-agent", vec!["vso.agentpools_manage"])));
    assert!(presets.contains(&("git", vec!["vso.code_write"])));
    assert!(presets.contains(&("packages-read", vec!["vso.packaging"])));
    assert!(presets.contains(&("pipelines", vec!["vso.build_execute"])));
    let common: Vec<&str> = ipc
        .groups
        .iter()
        .filter(|g| g.common)
        .map(|g| g.title.as_str())
        .collect();
    for g in ["Code", "Build", "Release", "Packaging", "Work Items"] {
        assert!(common.contains(&g), "{g} in {common:?}");
    }
    assert!(ipc.groups.iter().any(|g| g.deprecated));
    let json = serde_json::to_value(&ipc).unwrap();
    assert_eq!(json["fullAccess"]["scope"], "app_token");
}
