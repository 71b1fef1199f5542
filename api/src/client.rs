//! Who the client is: its address as the socket saw it, or, behind proxies listed in
//! `TRUSTED_PROXIES`, the right-most `X-Forwarded-For` hop that no trusted proxy added; and
//! the key that rate limits and connection caps count by (an IPv6 client is its /64).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use axum::http::HeaderMap;

/// The client's address (request data for rate limits and connection caps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// What limits count by.
    pub fn key(self) -> ClientKey {
        ClientKey::of(self.0)
    }
}

/// What rate limits and connection caps count by. One IPv6 subscriber usually holds a whole
/// /64 (and often far more), so counting single IPv6 addresses would give each client
/// 2^64 allowances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An IPv4 address (IPv4-mapped IPv6 addresses count as IPv4).
    V4(u32),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
    /// Every client that arrives while a limiter's table is full (see `rate_limit`).
    Overflow,
}

impl ClientKey {
    /// The key of an address.
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Self::V4(u32::from(v4)),
            IpAddr::V6(v6) => Self::V6((u128::from(v6) >> 64) as u64),
        }
    }
}

/// A block of addresses, `ADDRESS/PREFIX` (a bare address is a block of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in the block (an IPv4-mapped IPv6 address is its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => masked_v4(ip, self.prefix) == u32::from(net),
            (IpAddr::V6(net), IpAddr::V6(ip)) => masked_v6(ip, self.prefix) == u128::from(net),
            (IpAddr::V6(net), IpAddr::V4(ip)) => masked_v6(ip.to_ipv6_mapped(), self.prefix) == u128::from(net),
            (IpAddr::V4(_), IpAddr::V6(_)) => false,
        }
    }
}

fn masked_v4(ip: Ipv4Addr, prefix: u8) -> u32 {
    let bits = u32::from(ip);
    if prefix == 0 { 0 } else { bits & (u32::MAX << (32 - u32::from(prefix))) }
}

fn masked_v6(ip: Ipv6Addr, prefix: u8) -> u128 {
    let bits = u128::from(ip);
    if prefix == 0 { 0 } else { bits & (u128::MAX << (128 - u32::from(prefix))) }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        let (address, prefix) = match value.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (value, None),
        };
        let address: IpAddr = address.parse().map_err(|_| format!("\"{value}\" is not an IP address or block"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(p) if p <= max => p,
                _ => return Err(format!("\"{value}\": the prefix length must be a number from 0 to {max}")),
            },
        };
        // An IPv4-mapped block (`::ffff:10.0.0.0/104`) is the IPv4 block it maps.
        let (address, prefix) = match address.to_canonical() {
            IpAddr::V4(v4) if address.is_ipv6() && prefix >= 96 => (IpAddr::V4(v4), prefix - 96),
            _ => (address, prefix),
        };
        let network = match address {
            IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(masked_v4(v4, prefix))),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(masked_v6(v6, prefix))),
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` entries are believed (`TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

/// Most `TRUSTED_PROXIES` entries: each request is checked against all of them.
pub const MAX_TRUSTED_PROXIES: usize = 64;
/// Most `X-Forwarded-For` hops looked at, so that a forged list of thousands costs nothing.
const MAX_FORWARDED_HOPS: usize = 32;

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and blocks (`10.0.0.0/8, fd00::/8`).
    pub fn parse(value: &str) -> Result<Self, String> {
        let blocks = value
            .split(',')
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(Cidr::from_str)
            .collect::<Result<Vec<_>, _>>()?;
        if blocks.len() > MAX_TRUSTED_PROXIES {
            return Err(format!("at most {MAX_TRUSTED_PROXIES} blocks, got {}", blocks.len()));
        }
        Ok(Self(blocks))
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(ip))
    }

    /// The client of a request that came from `peer`: `peer` itself unless it is a trusted
    /// proxy; then, walking `X-Forwarded-For` from the right, the first hop that is not a
    /// trusted proxy. Entries left of it were written by the client and prove nothing. A
    /// malformed entry stops the walk at the last address known good.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .rev()
            .flat_map(|value| value.to_str().unwrap_or("").rsplit(','))
            .take(MAX_FORWARDED_HOPS);
        for hop in hops {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`) as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse::<Ipv6Addr>().ok()).map(IpAddr::V6);
    }
    hop.rsplit_once(':').and_then(|(ip, _)| ip.parse::<Ipv4Addr>().ok()).map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        }
        headers
    }

    #[test]
    fn blocks_parse_and_contain_their_addresses() {
        let block: Cidr = "10.1.2.3/8".parse().expect("block");
        assert_eq!(block.to_string(), "10.0.0.0/8");
        assert!(block.contains(ip("10.255.0.1")));
        assert!(block.contains(ip("::ffff:10.0.0.9")), "IPv4-mapped IPv6 is IPv4");
        assert!(!block.contains(ip("11.0.0.1")));
        let v6: Cidr = "2001:db8::/32".parse().expect("block");
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        let one: Cidr = "192.0.2.7".parse().expect("one address");
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        assert!("0.0.0.0/0".parse::<Cidr>().expect("all").contains(ip("8.8.8.8")));
        let mapped: Cidr = "::ffff:10.0.0.0/104".parse().expect("mapped");
        assert_eq!(mapped.to_string(), "10.0.0.0/8");
        assert!("::/0".parse::<Cidr>().expect("all v6").contains(ip("10.0.0.1")), "mapped into IPv6");
        for bad in ["10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.0/-1", "10.0.0.0/"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_right_most_hop_no_trusted_proxy_added() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 2001:db8::/32").expect("proxies");
        // Not from a trusted proxy: the header is the client's own claim and is ignored.
        assert_eq!(proxies.client_ip(ip("203.0.113.9"), &forwarded(&["1.1.1.1"])), ip("203.0.113.9"));
        // Through two trusted proxies; the left-most entry is forged by the client.
        let headers = forwarded(&["6.6.6.6, 198.51.100.4", "10.0.0.2"]);
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &headers), ip("198.51.100.4"));
        // Ports and brackets as some proxies write them.
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &forwarded(&["198.51.100.4:5555"])), ip("198.51.100.4"));
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &forwarded(&["[2001:db9::7]:443"])), ip("2001:db9::7"));
        // No header, or only trusted hops: the last address known.
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &forwarded(&["10.0.0.3"])), ip("10.0.0.3"));
        // A malformed entry stops the walk.
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &forwarded(&["198.51.100.4, garbage"])), ip("10.0.0.1"));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_bit_prefix() {
        assert_eq!(ClientKey::of(ip("2001:db8:1:2:aaaa::1")), ClientKey::of(ip("2001:db8:1:2:bbbb::9")));
        assert_ne!(ClientKey::of(ip("2001:db8:1:2::1")), ClientKey::of(ip("2001:db8:1:3::1")));
        assert_eq!(ClientKey::of(ip("::ffff:192.0.2.1")), ClientKey::of(ip("192.0.2.1")));
        assert_ne!(ClientKey::of(ip("192.0.2.1")), ClientKey::of(ip("192.0.2.2")));
    }
}
