//! The client address a request is counted under: the TCP peer, or, behind a trusted reverse
//! proxy, the address that proxy reports in `X-Forwarded-For`.

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;

/// An address range such as `10.0.0.0/8`, `fd00::/8` or one address (`127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// True when `addr` is in the range (an IPv4-mapped IPv6 address counts as its IPv4 one).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(a)) => prefix_eq(u32::from(net).into(), u32::from(a).into(), self.prefix, 32),
            (IpAddr::V6(net), IpAddr::V6(a)) => prefix_eq(u128::from(net), u128::from(a), self.prefix, 128),
            _ => false,
        }
    }
}

fn prefix_eq(net: u128, addr: u128, prefix: u8, bits: u8) -> bool {
    let shift = u32::from(bits - prefix);
    net.checked_shr(shift).unwrap_or(0) == addr.checked_shr(shift).unwrap_or(0)
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not an IP address or a CIDR range (e.g. 10.0.0.0/8)");
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let addr = addr.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        if prefix > bits {
            return Err(bad());
        }
        Ok(Self { addr, prefix })
    }
}

/// The client of a request. When the TCP peer is a trusted proxy, the right-most address in
/// `X-Forwarded-For` that is not itself a trusted proxy: each proxy appends the address it was
/// reached from, so entries right of it were written by our proxies and left of it by the client
/// (who may write anything). Otherwise the peer itself, and `X-Forwarded-For` is ignored: anyone
/// can send the header.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |addr: IpAddr| trusted.iter().any(|range| range.contains(addr));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    // Several header lines form one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    for hop in hops.iter().rev() {
        // A malformed entry ends the walk: what lies left of it cannot be trusted.
        let Ok(addr) = hop.trim().parse::<IpAddr>() else { break };
        client = addr.to_canonical();
        if !is_trusted(client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn ranges_parse_and_match() {
        let net: IpRange = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(net.contains(ip("::ffff:10.1.0.9")));
        assert!(!net.contains(ip("10.2.0.1")));
        let one: IpRange = "192.0.2.1".parse().unwrap();
        assert!(one.contains(ip("192.0.2.1")) && !one.contains(ip("192.0.2.2")));
        let v6: IpRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let all: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")) && !all.contains(ip("::1")));
        for bad in ["10.0.0.0/33", "::/129", "nonsense", "10.0.0/8", "10.0.0.0/x"] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = ranges(&["10.0.0.0/8"]);
        assert_eq!(client_addr(ip("203.0.113.9"), &headers(&["198.51.100.1"]), &trusted), ip("203.0.113.9"));
        assert_eq!(client_addr(ip("10.0.0.2"), &headers(&["198.51.100.1"]), &[]), ip("10.0.0.2"));
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_rightmost_untrusted_hop() {
        let trusted = ranges(&["10.0.0.0/8", "192.168.1.1"]);
        let peer = ip("10.0.0.2");
        // The client forged the first entry; the proxies appended the rest.
        let forwarded = headers(&["1.2.3.4, 198.51.100.7", "192.168.1.1"]);
        assert_eq!(client_addr(peer, &forwarded, &trusted), ip("198.51.100.7"));
        assert_eq!(client_addr(peer, &headers(&[" 198.51.100.7 "]), &trusted), ip("198.51.100.7"));
        assert_eq!(client_addr(peer, &HeaderMap::new(), &trusted), peer, "no header: the proxy itself");
        assert_eq!(client_addr(peer, &headers(&["10.0.0.9"]), &trusted), ip("10.0.0.9"), "all trusted");
        assert_eq!(
            client_addr(peer, &headers(&["198.51.100.7, garbage, 10.0.0.9"]), &trusted),
            ip("10.0.0.9"),
            "a malformed hop ends the walk at the last trusted one"
        );
        assert_eq!(client_addr(ip("::ffff:10.0.0.2"), &headers(&["2001:db8::1"]), &trusted), ip("2001:db8::1"));
    }
}
