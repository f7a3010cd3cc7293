//! The dispatcher's small machinery: a seeded random source, full-jitter backoff and token
//! buckets.

use std::time::Duration;

use super::{DispatchPolicy, RateLimit};
use crate::ports::Timestamp;

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, fast, seedable generator, good enough for
/// jitter (not for anything secret).
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, n]` (multiply-shift; the bias is below 2⁻⁶⁴·n).
    pub(crate) fn up_to(&mut self, n: u64) -> u64 {
        if n == u64::MAX {
            return self.next_u64();
        }
        ((u128::from(self.next_u64()) * u128::from(n + 1)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

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
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of SplitMix64 seeded with 1234567, as printed by the reference C
        // implementation (prng.di.unimi.it/splitmix64.c) and by a line-by-line Python
        // transcription of it.
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(r.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn up_to_stays_in_range_and_covers_it() {
        let mut r = SplitMix64::new(7);
        let mut seen = [false; 4];
        for _ in 0..1_000 {
            let v = r.up_to(3);
            assert!(v <= 3);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(r.up_to(0), 0);
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
