//! Per-client rate limits for the public newsletter actions: one budget for sign-ups, one for
//! the actions that carry an email link's token. GCRA (`governor`) per client key, in a
//! table of bounded size.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::DefaultClock;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::{Quota, RateLimiter as Gcra};

use crate::client::ClientKey;

/// Most clients one limiter tracks; past it, new clients share one allowance until stale
/// entries are swept. About 100 bytes each: 10 MB at most per limiter.
pub const MAX_TRACKED_CLIENTS: usize = 100_000;
/// Least time between two sweeps of a full table (a sweep walks the whole table).
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// The rate limits of the service.
pub struct RateLimits {
    /// `subscribe` and the sign-up form (`SUBSCRIBE_RATE_LIMIT`).
    pub sign_up: RateLimiter,
    /// Confirming and changing preferences with an email's link (`LINK_RATE_LIMIT`).
    /// Unsubscribing is never limited: leaving must always work, and a forged link is
    /// refused before any database work.
    pub links: RateLimiter,
}

impl RateLimits {
    /// Both budgets, in requests a minute per client (0: no limit).
    pub fn new(sign_up_per_minute: u32, links_per_minute: u32) -> Self {
        Self { sign_up: RateLimiter::new(sign_up_per_minute), links: RateLimiter::new(links_per_minute) }
    }
}

/// A keyed store that never holds more than `max_keys` clients: once full, a client it does
/// not know shares the `Overflow` allowance, so a flood of addresses costs bounded memory
/// and locks out no client already known.
struct BoundedStore {
    clients: DashMapStateStore<ClientKey>,
    max_keys: usize,
}

impl StateStore for BoundedStore {
    type Key = ClientKey;

    fn measure_and_replace<T, F, E>(&self, key: &ClientKey, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let key = if self.clients.len() >= self.max_keys && !self.clients.contains_key(key) {
            &ClientKey::Overflow
        } else {
            key
        };
        self.clients.measure_and_replace(key, f)
    }
}

impl ShrinkableKeyedStateStore<ClientKey> for BoundedStore {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&self.clients, drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&self.clients);
    }

    fn len(&self) -> usize {
        self.clients.len()
    }

    fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }
}

/// A per-client allowance of requests a minute. One process's view: replicas each count
/// their own share, which a load balancer spreading clients keeps close enough.
pub struct RateLimiter {
    gcra: Option<Gcra<ClientKey, BoundedStore, DefaultClock>>,
    max_keys: usize,
    last_sweep: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// Allows `per_minute` requests a minute per client, in a burst or spread out; 0 turns
    /// the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_TRACKED_CLIENTS)
    }

    fn with_capacity(per_minute: u32, max_keys: usize) -> Self {
        let gcra = NonZeroU32::new(per_minute).map(|n| {
            let store = BoundedStore { clients: DashMapStateStore::default(), max_keys };
            Gcra::new(Quota::per_minute(n), store, DefaultClock::default())
        });
        Self { gcra, max_keys, last_sweep: Mutex::new(None) }
    }

    /// Records a request from `ip`; false when it is over the limit.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let Some(gcra) = &self.gcra else { return true };
        if gcra.len() >= self.max_keys {
            self.sweep(gcra);
        }
        gcra.check_key(&ClientKey::of(ip)).is_ok()
    }

    /// Clients tracked now.
    pub fn tracked(&self) -> usize {
        self.gcra.as_ref().map_or(0, Gcra::len)
    }

    /// Forgets clients whose allowance is whole again, at most once per `SWEEP_INTERVAL`.
    fn sweep(&self, gcra: &Gcra<ClientKey, BoundedStore, DefaultClock>) {
        let Ok(mut last) = self.last_sweep.try_lock() else { return };
        if last.is_some_and(|at| at.elapsed() < SWEEP_INTERVAL) {
            return;
        }
        *last = Some(Instant::now());
        gcra.retain_recent();
        gcra.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn the_limit_applies_per_client() {
        let limiter = RateLimiter::new(2);
        assert!(limiter.allow(ip("10.0.0.1")));
        assert!(limiter.allow(ip("10.0.0.1")));
        assert!(!limiter.allow(ip("10.0.0.1")));
        assert!(limiter.allow(ip("10.0.0.2")));
    }

    #[test]
    fn an_ipv6_client_is_its_64_bit_prefix() {
        let limiter = RateLimiter::new(2);
        assert!(limiter.allow(ip("2001:db8:0:1::1")));
        assert!(limiter.allow(ip("2001:db8:0:1::2")));
        assert!(!limiter.allow(ip("2001:db8:0:1:ffff::3")), "the same /64");
        assert!(limiter.allow(ip("2001:db8:0:2::1")), "another /64");
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(0);
        assert!((0..100).all(|_| limiter.allow(ip("10.0.0.1"))));
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn a_full_table_shares_one_allowance_among_new_clients_and_keeps_known_ones() {
        let limiter = RateLimiter::with_capacity(3, 100);
        let known = ip("192.0.2.1");
        assert!(limiter.allow(known));
        for i in 0..5_000u32 {
            limiter.allow(IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
        }
        assert!(limiter.tracked() <= 101, "bounded: {}", limiter.tracked());
        assert!(limiter.allow(known), "a known client keeps its own allowance");
        assert!(!limiter.allow(ip("10.99.99.99")), "newcomers share the exhausted overflow allowance");
    }
}
