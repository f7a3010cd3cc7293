//! The dispatcher's small machinery: a seeded random source, full-jitter backoff and token
//! buckets.

use std::time::Duration;

use super::{DispatchPolicy, RateLimit};
use crate::ports::Timestamp;

/// The seeded generator the dispatcher's jitter and the memory outbox's random failures draw
/// from (good enough for jitter, not for anything secret).
pub(crate) use crate::rng::SplitMix64;

/// The backoff ceiling after `failures` failed attempts (1 for the first):
/// `min(max_delay, base · multiplier^(failures − 1))` in milliseconds.
pub(crate) fn backoff_ceiling_ms(policy: &DispatchPolicy, failures: u32) -> u64 {
    let exp = failures.saturating_sub(1);
    let grown = policy.base_delay_ms as f64 * policy.multiplier.powi(exp.min(1_000) as i32);
    if grown >= policy.max_delay_ms as f64 {
        policy.max_delay_ms
    } else {
        grown as u64
    }
}

/// Full jitter: uniform in `[0, ceiling]`.
pub(crate) fn full_jitter(
    policy: &DispatchPolicy,
    failures: u32,
    rng: &mut SplitMix64,
) -> Duration {
    Duration::from_millis(rng.up_to(backoff_ceiling_ms(policy, failures)))
}

/// `t + d`, saturating at chrono's largest time.
pub(crate) fn add(t: Timestamp, d: Duration) -> Timestamp {
    chrono::TimeDelta::from_std(d)
        .ok()
        .and_then(|delta| t.checked_add_signed(delta))
        .unwrap_or_else(|| chrono::DateTime::<chrono::Utc>::MAX_UTC.with_timezone(t.offset()))
}

/// A token bucket on the caller's clock.
#[derive(Debug, Clone)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    last: Option<Timestamp>,
}

impl TokenBucket {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            tokens: f64::from(limit.burst),
            last: None,
        }
    }

    fn refill(&mut self, now: Timestamp) {
        if let Some(last) = self.last {
            if now > last {
                let secs = (now - last).as_seconds_f64();
                self.tokens =
                    (self.tokens + secs * self.limit.per_second).min(f64::from(self.limit.burst));
                self.last = Some(now);
            }
        } else {
            self.last = Some(now);
        }
    }

    /// Takes a token if one is there.
    pub(crate) fn try_take(&mut self, now: Timestamp) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until a token is there.
    pub(crate) fn wait(&mut self, now: Timestamp) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.limit.per_second)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::china_offset;
    use chrono::TimeZone;

    fn t(ms: i64) -> Timestamp {
        china_offset()
            .timestamp_millis_opt(1_770_000_000_000 + ms)
            .unwrap()
    }

    #[test]
    fn ceilings_follow_base_times_two_to_the_n_capped() {
        let p = DispatchPolicy::default();
        // 1 s, 2 s, 4 s, ... 64 s, then the 100 s cap (1·2^7 = 128 > 100).
        let want = [
            1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 100_000, 100_000,
        ];
        for (i, w) in want.iter().enumerate() {
            assert_eq!(
                backoff_ceiling_ms(&p, i as u32 + 1),
                *w,
                "failure {}",
                i + 1
            );
        }
        assert_eq!(backoff_ceiling_ms(&p, u32::MAX), 100_000);
    }

    #[test]
    fn full_jitter_spreads_over_the_whole_range() {
        let p = DispatchPolicy::default();
        let mut r = SplitMix64::new(1);
        let draws: Vec<u128> = (0..10_000)
            .map(|_| full_jitter(&p, 3, &mut r).as_millis())
            .collect();
        assert!(draws.iter().all(|d| *d <= 4_000));
        // Uniform on [0, 4000]: mean 2000; the standard error of 10,000 draws is ~11.5 ms.
        let mean = draws.iter().sum::<u128>() as f64 / draws.len() as f64;
        assert!((mean - 2_000.0).abs() < 60.0, "mean {mean}");
        assert!(draws.iter().any(|d| *d < 200) && draws.iter().any(|d| *d > 3_800));
    }

    #[test]
    fn token_bucket_allows_burst_then_the_rate() {
        let mut b = TokenBucket::new(RateLimit {
            per_second: 2.0,
            burst: 3,
        });
        assert!(b.try_take(t(0)) && b.try_take(t(0)) && b.try_take(t(0)));
        assert!(!b.try_take(t(0)));
        // One token every 500 ms.
        assert_eq!(b.wait(t(0)), Duration::from_millis(500));
        assert!(!b.try_take(t(499)));
        assert!(b.try_take(t(500)));
        // A long quiet spell refills to the burst, not beyond.
        let later = t(60_000);
        assert!((0..3).all(|_| b.try_take(later)));
        assert!(!b.try_take(later));
        // A clock that goes backwards does not mint tokens.
        assert!(!b.try_take(t(1_000)));
    }
}
