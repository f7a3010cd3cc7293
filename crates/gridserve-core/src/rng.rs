//! The project's one small seeded random number generator, for reproducible jitter, synthetic
//! networks, examples, benchmarks and tests. Not for anything secret.
//!
//! - [`SplitMix64`] (Steele, Lea and Flood 2014) is the seeder and a generator in its own right:
//!   one `u64` of state, good enough for retry jitter and small random test cases.
//! - [`Rng`] is xoshiro256** (Blackman and Vigna 2018) with its four words of state seeded from
//!   a [`SplitMix64`], as its authors recommend; the synthetic network generator uses it.
//!
//! Both use integer arithmetic and basic IEEE-754 operations only, so a seed gives the same
//! stream on every platform. The crate `gridserve-synth` re-exports this module: it lives here
//! because the outbox dispatcher's jitter, production code of this crate, draws from it too.

/// SplitMix64: a tiny, fast, seedable generator (one `u64` of state).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose first output is that of the reference implementation seeded with
    /// `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, n]` (multiply-shift; the bias is below 2⁻⁶⁴·n).
    pub fn up_to(&mut self, n: u64) -> u64 {
        if n == u64::MAX {
            return self.next_u64();
        }
        ((u128::from(self.next_u64()) * u128::from(n + 1)) >> 64) as u64
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `next_u64() % n`, for small test cases where the modulo bias does not matter; 0 when
    /// `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }
}

/// xoshiro256** seeded through [`SplitMix64`].
#[derive(Debug, Clone)]
pub struct Rng {
    state: [u64; 4],
}

impl Rng {
    /// A generator seeded with the first four outputs of `SplitMix64::new(seed)`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let mut seeder = SplitMix64::new(seed);
        Self {
            state: [
                seeder.next_u64(),
                seeder.next_u64(),
                seeder.next_u64(),
                seeder.next_u64(),
            ],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n` (Lemire's method, unbiased); 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        let mut product = u128::from(self.next_u64()) * u128::from(n);
        if (product as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (product as u64) < threshold {
                product = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (product >> 64) as u64
    }

    /// A uniform index into a collection of `len` elements (0 when `len` is 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A uniform integer in `lo..=hi`, for `lo <= hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.index((hi - lo).saturating_add(1))
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform number in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit_f64()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit_f64() < p
    }

    /// A uniformly chosen element of a non-empty slice.
    ///
    /// # Panics
    /// If `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A value from a non-empty table of `(value, weight)` pairs, chosen in proportion to the
    /// weights.
    ///
    /// # Panics
    /// If `table` is empty.
    pub fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u64 = table.iter().map(|&(_, weight)| u64::from(weight)).sum();
        let mut roll = self.below(total);
        for &(value, weight) in table {
            let weight = u64::from(weight);
            if roll < weight {
                return value;
            }
            roll -= weight;
        }
        table[table.len() - 1].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rng_matches_reference_vectors() {
        // The state SplitMix64 seeds from 0, and xoshiro256**'s first outputs from the state
        // [1, 2, 3, 4], as printed by the reference C implementations
        // (prng.di.unimi.it/splitmix64.c, xoshiro256starstar.c).
        let mut rng = Rng::new(0);
        assert_eq!(
            rng.state,
            [
                0xE220_A839_7B1D_CDAF,
                0x6E78_9E6A_A1B9_65F4,
                0x06C4_5D18_8009_454F,
                0xF88B_B8A8_724C_81EC,
            ]
        );
        rng.state = [1, 2, 3, 4];
        let first: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(first, [11_520, 0, 1_509_978_240, 1_215_971_899_390_074_240]);
        for n in [1, 2, 3, 10, 1 << 40, u64::MAX] {
            assert!((0..100).all(|_| rng.below(n) < n));
        }
        assert_eq!(rng.below(0), 0);
        assert!((0..1000).all(|_| (0.0..1.0).contains(&rng.unit_f64())));
        assert!(!rng.chance(0.0));
        assert!(rng.chance(1.0));
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
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn below_index_and_between_stay_in_range_and_cover_it() {
        let mut r = Rng::new(11);
        let mut seen = [false; 5];
        for _ in 0..1_000 {
            let v = r.between(3, 7);
            assert!((3..=7).contains(&v));
            seen[v - 3] = true;
            assert!(r.below(5) < 5);
            assert!((0.0..1.0).contains(&r.unit_f64()));
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(r.index(0), 0);
        assert_eq!(r.weighted(&[('a', 0), ('b', 3)]), 'b');
    }
}
