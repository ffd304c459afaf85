//! Attempt limits (logins, registrations) as GCRA, the generic cell rate algorithm that the
//! `governor` crate also implements. A key's whole state is one number, the theoretical arrival
//! time ("TAT") of its next attempt, so it fits one database row that every server instance
//! on the database reads and writes.

/// `burst` attempts at once, then one more every `interval_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub interval_ms: i64,
    pub burst: u32,
}

impl Quota {
    /// `n` attempts a minute: a burst of `n`, then one every `60 / n` seconds.
    pub fn per_minute(n: u32) -> Quota {
        Quota::spread(60_000, n)
    }

    /// `n` attempts an hour: a burst of `n`, then one every `60 / n` minutes.
    pub fn per_hour(n: u32) -> Quota {
        Quota::spread(3_600_000, n)
    }

    /// A burst of `burst`, then one every `interval_ms`.
    pub fn every(interval_ms: i64, burst: u32) -> Quota {
        Quota {
            interval_ms: interval_ms.max(1),
            burst: burst.max(1),
        }
    }

    fn spread(period_ms: i64, n: u32) -> Quota {
        let n = n.max(1);
        Quota::every(period_ms / i64::from(n), n)
    }

    /// One attempt at `now_ms`, against the key's stored TAT (`None`: no attempt remembered).
    /// `Ok` is the TAT to store; `Err` how many milliseconds to wait (and nothing is stored).
    pub fn attempt(self, tat: Option<i64>, now_ms: i64) -> Result<i64, u64> {
        let tat = tat.unwrap_or(now_ms).max(now_ms);
        let tolerance = self.interval_ms * (i64::from(self.burst) - 1);
        let ahead = tat - now_ms;
        if ahead > tolerance {
            Err(u64::try_from(ahead - tolerance).unwrap_or(0))
        } else {
            Ok(tat + self.interval_ms)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attempts at the given times; the waits of the refused ones.
    fn run(quota: Quota, times: &[i64]) -> Vec<Result<(), u64>> {
        let mut tat = None;
        times
            .iter()
            .map(|&now| match quota.attempt(tat, now) {
                Ok(next) => {
                    tat = Some(next);
                    Ok(())
                }
                Err(wait) => Err(wait),
            })
            .collect()
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let quota = Quota::every(30_000, 3);
        assert_eq!(
            run(quota, &[0, 0, 0, 0, 29_999, 30_000, 30_000]),
            [
                Ok(()),
                Ok(()),
                Ok(()),
                Err(30_000),
                Err(1),
                Ok(()),
                Err(30_000)
            ]
        );
    }

    #[test]
    fn a_quiet_key_gets_its_whole_burst_back() {
        let quota = Quota::per_minute(2);
        assert_eq!(
            run(quota, &[0, 0, 0, 120_000, 120_000, 120_000]),
            [Ok(()), Ok(()), Err(30_000), Ok(()), Ok(()), Err(30_000)]
        );
    }

    #[test]
    fn per_hour_spreads_the_hour() {
        // Three an hour: the fourth waits 20 minutes.
        assert_eq!(run(Quota::per_hour(3), &[0, 0, 0, 0])[3], Err(20 * 60_000));
        // Zero would never allow anything; it means one.
        assert_eq!(Quota::per_minute(0), Quota::every(60_000, 1));
    }
}
