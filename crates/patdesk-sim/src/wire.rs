//! The shapes the simulator puts on the wire that are shared by several hosts: timestamps in the service's
//! formats, the VSS error body (§2.14), the Entra error body (§3.7), the `203` sign-in page (§2.13) and JSON
//! responses. Keeping them in one place keeps every route byte-compatible with the contract.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Timelike, Utc};
use serde::Serialize;

/// The Azure DevOps resource (application) id: the only audience the Azure DevOps routes accept (§3.1).
pub const ADO_RESOURCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";
/// The resource URI alias of [`ADO_RESOURCE`] that Entra also accepts in scopes.
pub const ADO_RESOURCE_URI: &str = "https://app.vssps.visualstudio.com";

/// `2020-11-23T04:04:38.5233333Z`: up to 7 fractional digits, trailing zeros dropped, like .NET's
/// round-trip format for `validTo`.
pub fn fmt_trimmed(dt: &DateTime<Utc>) -> String {
    let ticks = dt.nanosecond() % 1_000_000_000 / 100;
    let base = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    if ticks == 0 {
        return format!("{base}Z");
    }
    let frac = format!("{ticks:07}");
    format!("{base}.{}Z", frac.trim_end_matches('0'))
}

/// `2020-11-02T22:56:52.1033333Z`: always 7 fractional digits, as `validFrom` is written (§2.7).
pub fn fmt_ticks(dt: &DateTime<Utc>) -> String {
    let ticks = dt.nanosecond() % 1_000_000_000 / 100;
    format!("{}.{ticks:07}Z", dt.format("%Y-%m-%dT%H:%M:%S"))
}

/// Plain RFC 3339 with milliseconds, for the simulator's own control routes.
pub fn fmt_millis(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses the timestamps clients send: RFC 3339 with any offset and 0–9 fractional digits, a space instead of
/// `T` (as Git Credential Manager writes), or no zone at all (taken as UTC).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    let spaced = s.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&spaced) {
        return Some(dt.with_timezone(&Utc));
    }
    let bare = spaced.trim_end_matches('Z');
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(bare, f) {
            return Some(n.and_utc());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(bare, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    }
    None
}

/// The service stores `validTo` with about 10 ms precision: `…23.319Z` comes back as `…23.32Z` (§2.7).
pub fn round_to_10ms(dt: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = i64::from(dt.nanosecond() % 1_000_000_000);
    let whole = dt - chrono::Duration::nanoseconds(nanos);
    let hundredths = (nanos + 5_000_000) / 10_000_000;
    whole + chrono::Duration::milliseconds(hundredths * 10)
}

/// A JSON response with the given status.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// A response with no body at all (revoke's `204`).
pub fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

/// An HTML page.
pub fn html(status: StatusCode, page: String) -> Response<Body> {
    let mut r = Response::new(Body::from(page));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// A `302` to `location`.
pub fn redirect(location: &str) -> Response<Body> {
    let mut r = html(
        StatusCode::FOUND,
        format!(
            "<html><head><title>Object moved</title></head><body><h2>Object moved to <a href=\"{}\">here</a>.</h2></body></html>",
            html_escape(location)
        ),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The VSS error body of §2.14 with the .NET type name derived from `type_key`.
pub fn vss_error(
    status: StatusCode,
    type_key: &str,
    message: &str,
    event_id: u32,
) -> Response<Body> {
    let namespace = match type_key {
        "InvalidAccessException" | "UnauthorizedRequestException" => {
            "Microsoft.TeamFoundation.Framework.Server"
        }
        "JsonReaderException" => "Newtonsoft.Json",
        _ => "Microsoft.VisualStudio.Services.WebApi",
    };
    let assembly = if namespace == "Newtonsoft.Json" {
        "Newtonsoft.Json".to_string()
    } else {
        namespace.to_string()
    };
    json(
        status,
        &serde_json::json!({
            "$id": "1",
            "innerException": null,
            "message": message,
            "typeName": format!("{namespace}.{type_key}, {assembly}"),
            "typeKey": type_key,
            "errorCode": 0,
            "eventId": event_id,
        }),
    )
}

/// The HTML sign-in page Azure DevOps answers with `203` to an unauthenticated GET/POST (§2.13).
pub fn signin_page_203() -> Response<Body> {
    html(
        StatusCode::NON_AUTHORITATIVE_INFORMATION,
        "<!DOCTYPE html>\n<html><head><title>Azure DevOps Services | Sign In</title></head><body>\
         <p>You need to sign in to continue to Azure DevOps.</p>\
         <a href=\"https://app.vssps.visualstudio.com/_signin\">Sign in</a></body></html>"
            .to_string(),
    )
}

/// Minimal HTML escaping for values put into simulator pages.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Builds the Entra token-endpoint error body of §3.7.
pub fn entra_error(
    now: DateTime<Utc>,
    status: StatusCode,
    error: &str,
    code: u32,
    description: &str,
) -> Response<Body> {
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    json(
        status,
        &serde_json::json!({
            "error": error,
            "error_description": format!(
                "AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}"
            ),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_validto_like_the_service() {
        let t = parse_time("2020-12-01T23:46:23.319Z").unwrap();
        assert_eq!(fmt_trimmed(&round_to_10ms(t)), "2020-12-01T23:46:23.32Z");
        let t = parse_time("2020-12-01T23:46:59.996Z").unwrap();
        assert_eq!(fmt_trimmed(&round_to_10ms(t)), "2020-12-01T23:47:00Z");
    }

    #[test]
    fn formats_ticks_with_seven_digits() {
        let t = parse_time("2020-11-02T22:56:52.10333331Z").unwrap();
        assert_eq!(fmt_ticks(&t), "2020-11-02T22:56:52.1033333Z");
        assert_eq!(fmt_trimmed(&t), "2020-11-02T22:56:52.1033333Z");
        let t = parse_time("2025-01-01 00:00:00Z").unwrap();
        assert_eq!(fmt_ticks(&t), "2025-01-01T00:00:00.0000000Z");
    }
}
