//! Login attempts are limited per account (email) and per client address, so neither
//! one password nor one client can be guessed at speed.

use governor::clock::DefaultClock;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// Allows a burst of attempts, then a steady trickle, per email and per IP.
pub struct LoginLimiter {
    by_email: Keyed<String>,
    by_ip: Keyed<IpAddr>,
}

impl LoginLimiter {
    /// `per_email` and `per_ip` attempts per minute (bursts of the same size).
    pub fn new(per_email: u32, per_ip: u32) -> Self {
        let quota =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        LoginLimiter {
            by_email: RateLimiter::keyed(quota(per_email)),
            by_ip: RateLimiter::keyed(quota(per_ip)),
        }
    }

    /// Counts an attempt; `false` when either limit is exhausted.
    pub fn check(&self, email: &str, ip: IpAddr) -> bool {
        let email_ok = self
            .by_email
            .check_key(&email.trim().to_lowercase())
            .is_ok();
        let ip_ok = self.by_ip.check_key(&ip).is_ok();
        email_ok && ip_ok
    }
}

impl Default for LoginLimiter {
    /// Ten attempts a minute per account, thirty per address.
    fn default() -> Self {
        LoginLimiter::new(10, 30)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_beyond_the_burst_are_refused_per_email_and_per_ip() {
        let limiter = LoginLimiter::new(3, 100);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!((0..3).all(|_| limiter.check("ana@acme.test", ip)));
        assert!(!limiter.check("ANA@acme.test", ip));
        assert!(limiter.check("ben@acme.test", ip));

        let limiter = LoginLimiter::new(100, 2);
        assert!(limiter.check("a@x.test", ip) && limiter.check("b@x.test", ip));
        assert!(!limiter.check("c@x.test", ip));
        assert!(limiter.check("c@x.test", "127.0.0.2".parse().unwrap()));
    }
}
