//! Login attempt limits, per client address and per username, so a password cannot be
//! guessed quickly from one machine or against one account from many; and registration
//! attempts per client address, so one machine cannot flood the server with accounts.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Keyed limiters forget idle keys only when asked; past this many keys they are asked.
const PRUNE_ABOVE_KEYS: usize = 10_000;

pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_user: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    /// `per_ip_per_minute` attempts a minute from one address; a burst of `per_user` attempts
    /// on one username, then one every 30 seconds.
    pub fn new(per_ip_per_minute: u32, per_user: u32) -> LoginLimiter {
        let ip_quota = Quota::per_minute(NonZeroU32::new(per_ip_per_minute.max(1)).unwrap());
        let user_quota = Quota::with_period(Duration::from_secs(30))
            .expect("non-zero period")
            .allow_burst(NonZeroU32::new(per_user.max(1)).unwrap());
        LoginLimiter {
            per_ip: DefaultKeyedRateLimiter::keyed(ip_quota),
            per_user: DefaultKeyedRateLimiter::keyed(user_quota),
        }
    }

    /// Counts one attempt. `Err` carries how long the caller must wait.
    pub fn check(&self, ip: Option<IpAddr>, username: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        if self.per_ip.len() > PRUNE_ABOVE_KEYS {
            self.per_ip.retain_recent();
        }
        if self.per_user.len() > PRUNE_ABOVE_KEYS {
            self.per_user.retain_recent();
        }
        if let Some(ip) = ip {
            self.per_ip
                .check_key(&ip)
                .map_err(|e| e.wait_time_from(now))?;
        }
        self.per_user
            .check_key(&username.to_owned())
            .map_err(|e| e.wait_time_from(now))
    }
}

/// Registration attempts per client address: a burst of `per_hour`, then one more every
/// `60 / per_hour` minutes.
pub struct RegistrationLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl RegistrationLimiter {
    pub fn new(per_hour: u32) -> RegistrationLimiter {
        let quota = Quota::per_hour(NonZeroU32::new(per_hour.max(1)).unwrap());
        RegistrationLimiter {
            per_ip: DefaultKeyedRateLimiter::keyed(quota),
        }
    }

    /// Counts one attempt from `ip` (requests without a known address are not limited, as for
    /// logins). `Err` carries how long the caller must wait.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        let Some(ip) = ip else { return Ok(()) };
        if self.per_ip.len() > PRUNE_ABOVE_KEYS {
            self.per_ip.retain_recent();
        }
        let now = DefaultClock::default().now();
        self.per_ip
            .check_key(&ip)
            .map_err(|e| e.wait_time_from(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_limited_whatever_the_address() {
        let limiter = LoginLimiter::new(1000, 3);
        for i in 0..3u8 {
            assert!(
                limiter
                    .check(Some(IpAddr::from([10, 0, 0, i])), "anna")
                    .is_ok()
            );
        }
        let wait = limiter
            .check(Some(IpAddr::from([10, 0, 0, 9])), "anna")
            .unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30));
        assert!(
            limiter
                .check(Some(IpAddr::from([10, 0, 0, 9])), "bert")
                .is_ok()
        );
    }

    #[test]
    fn an_address_is_limited_whatever_the_username() {
        let limiter = LoginLimiter::new(2, 100);
        let ip = Some(IpAddr::from([192, 168, 1, 5]));
        assert!(limiter.check(ip, "a1").is_ok());
        assert!(limiter.check(ip, "a2").is_ok());
        assert!(limiter.check(ip, "a3").is_err());
        assert!(
            limiter
                .check(Some(IpAddr::from([192, 168, 1, 6])), "a3")
                .is_ok()
        );
    }

    #[test]
    fn registrations_are_limited_per_address() {
        let limiter = RegistrationLimiter::new(3);
        let ip = Some(IpAddr::from([192, 168, 1, 5]));
        for _ in 0..3 {
            assert!(limiter.check(ip).is_ok());
        }
        let wait = limiter.check(ip).unwrap_err();
        // One attempt comes back every 20 minutes.
        assert!(wait > Duration::from_secs(19 * 60) && wait <= Duration::from_secs(20 * 60));
        assert!(limiter.check(Some(IpAddr::from([192, 168, 1, 6]))).is_ok());
    }
}
