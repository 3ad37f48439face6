//! The proxy the environment asks for (`HTTPS_PROXY` for https, `HTTP_PROXY` for http, either spelling case),
//! unless `NO_PROXY` names the host (exactly, as a domain suffix, or `*`) or the host is this machine. A proxy
//! is reached with an HTTP `CONNECT` tunnel, through which TLS and NTLM then run unchanged.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Whether `NO_PROXY` (`no_proxy`) or the loopback rule exempts `host`.
pub fn bypassed(host: &str) -> bool {
    bypassed_by(host, env(&["NO_PROXY", "no_proxy"]).as_deref())
}

/// Whether the list `no_proxy` (comma-separated names, `.suffix`es or `*`) or the loopback rule exempts
/// `host`.
pub fn bypassed_by(host: &str, no_proxy: Option<&str>) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        return true;
    }
    let Some(list) = no_proxy else {
        return false;
    };
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            let entry = entry.to_ascii_lowercase();
            let entry = entry.split(':').next().unwrap_or_default();
            entry == "*"
                || host == entry.trim_start_matches('.')
                || host.ends_with(&format!(".{}", entry.trim_start_matches('.')))
        })
}

/// The proxy for `target`, if the environment names one and does not exempt the host.
pub fn proxy_for(target: &Url) -> Option<Url> {
    let host = target.host_str()?;
    if bypassed(host) {
        return None;
    }
    let raw = match target.scheme() {
        "https" => env(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]),
        _ => env(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]),
    }?;
    let with_scheme = if raw.contains("://") {
        raw
    } else {
        format!("http://{raw}")
    };
    Url::parse(&with_scheme)
        .ok()
        .filter(|u| u.scheme() == "http")
}

/// Opens a `CONNECT host:port` tunnel through `proxy`.
pub async fn tunnel(proxy: &Url, host: &str, port: u16) -> std::io::Result<TcpStream> {
    let proxy_host = proxy.host_str().unwrap_or_default();
    let proxy_port = proxy.port_or_known_default().unwrap_or(8080);
    let mut stream = tokio::time::timeout(
        crate::http::CONNECT_TIMEOUT,
        TcpStream::connect((
            proxy_host.trim_start_matches('[').trim_end_matches(']'),
            proxy_port,
        )),
    )
    .await
    .map_err(|_| std::io::Error::other("proxy connect timed out"))??;
    let target = format!("{host}:{port}");
    stream
        .write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
        .await?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Err(std::io::Error::other("the proxy closed the connection"));
        }
        head.push(byte[0]);
        if head.len() > 16 * 1024 {
            return Err(std::io::Error::other("the proxy's answer is too long"));
        }
    }
    let status_line = String::from_utf8_lossy(&head);
    let status = status_line.split_whitespace().nth(1).unwrap_or_default();
    if status != "200" {
        return Err(std::io::Error::other(format!(
            "the proxy answered {status}"
        )));
    }
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::bypassed_by;

    #[test]
    fn loopback_and_no_proxy_entries_bypass_the_proxy() {
        for host in ["127.0.0.1", "localhost", "[::1]", "::1"] {
            assert!(bypassed_by(host, None), "{host}");
        }
        assert!(!bypassed_by("tfs.contoso.local", None));
        let list = Some(" .contoso.local, build01 ,10.0.0.5:8080");
        assert!(bypassed_by("tfs.contoso.local", list));
        assert!(bypassed_by("contoso.local", list));
        assert!(bypassed_by("BUILD01", list));
        assert!(bypassed_by("10.0.0.5", list));
        assert!(!bypassed_by("tfs.fabrikam.local", list));
        assert!(!bypassed_by("notcontoso.local", list));
        assert!(bypassed_by("anything", Some("*")));
    }
}
