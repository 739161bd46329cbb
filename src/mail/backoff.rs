//! When to try a failed email again: exponential backoff from a few seconds, capped, with jitter
//! so a burst of failures (the SMTP server was down) does not retry in lockstep.

use std::time::Duration;

/// The retry schedule of the outbox worker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt.
    pub base: Duration,
    /// No delay is ever longer than this.
    pub cap: Duration,
    /// Total attempts, the first one included; after the last failure the email is `failed`.
    pub max_attempts: u32,
    /// Spread around the nominal delay, 0.0..=1.0 (0.2 = ±20 %).
    pub jitter: f64,
}

impl Default for RetryPolicy {
    /// 5 s, 10 s, 20 s, … 320 s: 8 attempts over about 10 minutes, none more than 10 minutes apart.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(10 * 60),
            max_attempts: 8,
            jitter: 0.2,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    After(Duration),
    /// Out of attempts: mark the email failed (and keep it for an admin to look at).
    GiveUp,
}

impl RetryPolicy {
    /// The delay before the next attempt, or give up.
    ///
    /// `failed_attempts` counts failures so far (1 after the first failure). `unit` is a random
    /// number in `0.0..1.0` supplied by the caller (e.g. `fastrand::f64()`), so this stays a pure
    /// function that tests can pin.
    pub fn after_failure(&self, failed_attempts: u32, unit: f64) -> Retry {
        if failed_attempts >= self.max_attempts {
            return Retry::GiveUp;
        }
        let (low, high) = self.bounds(failed_attempts);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.5
        };
        Retry::After(low + (high - low).mul_f64(unit))
    }

    /// The jitter bounds of the delay after `failed_attempts` failures: `[nominal·(1−j), min(nominal·(1+j), cap)]`.
    pub fn bounds(&self, failed_attempts: u32) -> (Duration, Duration) {
        let nominal = self.nominal(failed_attempts);
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let low = nominal.mul_f64(1.0 - jitter);
        let high = nominal.mul_f64(1.0 + jitter).min(self.cap);
        (low.min(high), high)
    }

    /// `base · 2^(failed_attempts − 1)`, capped.
    pub fn nominal(&self, failed_attempts: u32) -> Duration {
        let exponent = failed_attempts.saturating_sub(1).min(31);
        self.base
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.cap)
            .min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_five_seconds() {
        let policy = RetryPolicy::default();
        let nominal: Vec<u64> = (1..8).map(|n| policy.nominal(n).as_secs()).collect();
        assert_eq!(nominal, [5, 10, 20, 40, 80, 160, 320]);
    }

    #[test]
    fn gives_up_after_the_last_attempt() {
        let policy = RetryPolicy::default();
        assert!(matches!(policy.after_failure(7, 0.5), Retry::After(_)));
        assert_eq!(policy.after_failure(8, 0.5), Retry::GiveUp);
        assert_eq!(policy.after_failure(100, 0.5), Retry::GiveUp);
    }

    #[test]
    fn never_waits_longer_than_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 100,
            ..RetryPolicy::default()
        };
        for n in 1..100 {
            let (low, high) = policy.bounds(n);
            assert!(
                low <= high && high <= Duration::from_secs(600),
                "attempt {n}"
            );
            assert_eq!(
                policy.after_failure(n, 0.999),
                Retry::After(low + (high - low).mul_f64(0.999))
            );
        }
        assert_eq!(
            policy.bounds(50),
            (Duration::from_secs(480), Duration::from_secs(600))
        );
    }

    #[test]
    fn jitter_stays_within_its_bounds() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.bounds(1),
            (Duration::from_secs(4), Duration::from_secs(6))
        );
        assert_eq!(
            policy.after_failure(1, 0.0),
            Retry::After(Duration::from_secs(4))
        );
        assert_eq!(
            policy.after_failure(1, 1.0),
            Retry::After(Duration::from_secs(6))
        );
        assert_eq!(
            policy.after_failure(1, f64::NAN),
            Retry::After(Duration::from_secs(5))
        );
        assert_eq!(
            policy.after_failure(1, 7.0),
            Retry::After(Duration::from_secs(6))
        );
    }
}
