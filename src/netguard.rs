//! Which network addresses Infracast may send webhooks to: never loopback, private, link-local
//! (including the cloud metadata address 169.254.169.254), unspecified, multicast or shared
//! (CGNAT) space, unless the operator allows private targets explicitly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// True when an address is internal (not reachable on the public internet).
pub fn is_internal(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(mapped) = v6.to_ipv4_mapped() {
                return is_internal_v4(mapped);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) // AWS IMDS over IPv6
        }
    }
}

fn is_internal_v4(address: Ipv4Addr) -> bool {
    let [a, b, ..] = address.octets();
    address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        || address.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64.0.0/10
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18.0.0/15
}

/// Why a webhook target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("webhook url must be an absolute http(s) URL with a host: {0}")]
    BadUrl(String),
    #[error("webhook host `{0}` does not resolve")]
    Unresolvable(String),
    #[error(
        "webhook host `{host}` resolves to internal address {address}; refused (set INFRACAST_WEBHOOK_ALLOW_PRIVATE=1 to allow)"
    )]
    Internal { host: String, address: IpAddr },
}

/// Resolves the URL's host once and returns (host, the checked address to connect to).
pub async fn resolve_target(
    url: &reqwest::Url,
    allow_internal: bool,
) -> Result<(String, SocketAddr), TargetError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TargetError::BadUrl(url.to_string()));
    }
    let host = url
        .host_str()
        .ok_or_else(|| TargetError::BadUrl(url.to_string()))?
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| TargetError::BadUrl(url.to_string()))?;
    let lookup_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((lookup_host.as_str(), port))
        .await
        .map_err(|_| TargetError::Unresolvable(host.clone()))?
        .collect();
    let Some(first) = addresses.first().copied() else {
        return Err(TargetError::Unresolvable(host));
    };
    if !allow_internal
        && let Some(internal) = addresses.iter().find(|address| is_internal(address.ip()))
    {
        return Err(TargetError::Internal {
            host,
            address: internal.ip(),
        });
    }
    Ok((host, first))
}

/// Whether `INFRACAST_WEBHOOK_ALLOW_PRIVATE=1` is set.
pub fn internal_targets_allowed_by_environment() -> bool {
    std::env::var("INFRACAST_WEBHOOK_ALLOW_PRIVATE")
        .is_ok_and(|value| value == "1" || value.eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_internal_and_public_addresses() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "fd00:ec2::254",
        ] {
            assert!(
                is_internal(internal.parse().unwrap()),
                "{internal} is internal"
            );
        }
        for public in ["8.8.8.8", "52.1.2.3", "2600:1f18::1"] {
            assert!(!is_internal(public.parse().unwrap()), "{public} is public");
        }
    }

    #[tokio::test]
    async fn refuses_loopback_targets_unless_allowed() {
        let url = reqwest::Url::parse("http://127.0.0.1:9/hook").unwrap();
        assert!(matches!(
            resolve_target(&url, false).await,
            Err(TargetError::Internal { .. })
        ));
        assert!(resolve_target(&url, true).await.is_ok());
        let url = reqwest::Url::parse("ftp://example.com/").unwrap();
        assert!(matches!(
            resolve_target(&url, true).await,
            Err(TargetError::BadUrl(_))
        ));
    }
}
