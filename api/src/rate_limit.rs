//! A per-client fixed-window rate limit for the public sign-up operations.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// Counts requests per client address per minute. One process's view: replicas each
/// count their own share, which a load balancer spreading clients keeps close enough.
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// Allows `per_minute` requests a minute per address; 0 turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// Records a request from `ip`; false when it is over the limit.
    pub fn allow(&self, ip: IpAddr) -> bool {
        self.allow_at(ip, Instant::now())
    }

    fn allow_at(&self, ip: IpAddr, now: Instant) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let Ok(mut windows) = self.windows.lock() else { return true };
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_address_and_per_minute() {
        let limiter = RateLimiter::new(2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().expect("ip"), "10.0.0.2".parse().expect("ip"));
        let t0 = Instant::now();
        assert!(limiter.allow_at(a, t0));
        assert!(limiter.allow_at(a, t0));
        assert!(!limiter.allow_at(a, t0));
        assert!(limiter.allow_at(b, t0));
        assert!(limiter.allow_at(a, t0 + WINDOW));
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(0);
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        assert!((0..100).all(|_| limiter.allow(ip)));
    }
}
