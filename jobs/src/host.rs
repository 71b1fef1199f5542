//! Telling a host on this machine from one across a network.

use std::net::IpAddr;

/// Whether `host` (a name or an address, without brackets or port) is this machine:
/// `localhost`, a name under it, or a loopback address. Traffic to it never crosses a
/// network, so TLS there protects nothing.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
