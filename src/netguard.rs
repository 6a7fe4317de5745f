//! Which network addresses Infracast may send webhooks to: never loopback, private, link-local
//! (including the cloud metadata address 169.254.169.254), unspecified, multicast or shared
//! (CGNAT) space, unless the operator allows private targets explicitly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// True when an address is internal (not reachable on the public internet). IPv6 forms that
/// embed an IPv4 address (mapped, compatible, SIIT, NAT64, 6to4) are judged by that address, so
/// `[::7f00:1]` or `[64:ff9b::7f00:1]` is loopback as `127.0.0.1` is.
pub fn is_internal(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v6(v6: Ipv6Addr) -> bool {
    if let Some(embedded) = embedded_ipv4(v6) {
        return is_internal_v4(embedded);
    }
    let segments = v6.segments();
    let first = segments[0];
    v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7 (AWS IMDS fd00:ec2::254 included)
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // deprecated site-local fec0::/10
        || (first == 0x64 && segments[1] == 0xff9b && segments[2] == 1) // local NAT64 64:ff9b:1::/48
        || (first == 0x2001 && segments[1] == 0) // Teredo 2001::/32 (hides an IPv4 client)
        || (first == 0x2001 && segments[1] == 0x0db8) // documentation 2001:db8::/32
        || (first == 0x2001 && segments[1] == 2 && segments[2] == 0) // benchmarking 2001:2::/48
        || (first == 0x0100 && segments[1..4] == [0, 0, 0]) // discard-only 100::/64
}

/// The IPv4 address an IPv6 address stands for, in the forms that embed one.
fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let segments = v6.segments();
    let low = || {
        Ipv4Addr::new(
            (segments[6] >> 8) as u8,
            segments[6] as u8,
            (segments[7] >> 8) as u8,
            segments[7] as u8,
        )
    };
    let leading_zeros = |count: usize| segments[..count].iter().all(|segment| *segment == 0);
    if leading_zeros(5) && segments[5] == 0xffff {
        return Some(low()); // IPv4-mapped ::ffff:a.b.c.d
    }
    if leading_zeros(4) && segments[4] == 0xffff && segments[5] == 0 {
        return Some(low()); // SIIT ::ffff:0:a.b.c.d
    }
    if leading_zeros(6) && !(segments[6] == 0 && segments[7] <= 1) {
        return Some(low()); // IPv4-compatible ::a.b.c.d (not :: or ::1)
    }
    if segments[0] == 0x64 && segments[1] == 0xff9b && segments[2..6] == [0, 0, 0, 0] {
        return Some(low()); // NAT64 64:ff9b::a.b.c.d
    }
    if segments[0] == 0x2002 {
        // 6to4 2002:AABB:CCDD::/48 carries a.b.c.d in its second and third groups.
        return Some(Ipv4Addr::new(
            (segments[1] >> 8) as u8,
            segments[1] as u8,
            (segments[2] >> 8) as u8,
            segments[2] as u8,
        ));
    }
    None
}

fn is_internal_v4(address: Ipv4Addr) -> bool {
    let [a, b, c, _] = address.octets();
    address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        || address.is_documentation()
        || a == 0
        || a >= 240 // reserved 240.0.0.0/4
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64.0.0/10
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18.0.0/15
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0.0/24 (192.0.0.170 NAT64)
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast 192.88.99.0/24
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
            "::7f00:1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::1",
            "::ffff:0:7f00:1",
            "192.0.0.170",
            "240.0.0.1",
            "255.255.255.254",
            "2001::1",
            "2001:db8::1",
            "fec0::1",
            "64:ff9b:1::1",
        ] {
            assert!(
                is_internal(internal.parse().unwrap()),
                "{internal} is internal"
            );
        }
        for public in [
            "8.8.8.8",
            "52.1.2.3",
            "2600:1f18::1",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "::808:808",
        ] {
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
