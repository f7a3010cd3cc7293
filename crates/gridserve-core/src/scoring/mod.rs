//! Energy-use scoring of customers: indicators, G1 and entropy weights, and TOPSIS.
//!
//! - [`indicators`]: the built-in indicators ([`Indicator`]) computed from a plain
//!   [`UsageRecord`] per customer, each with its direction (benefit, cost, or an interval with a
//!   best range), gathered in a [`DecisionMatrix`] to which users add their own columns.
//! - [`weights`]: G1 (order relation) weights, entropy weights, and their multiplicative,
//!   geometric, linear and game-theory combinations, each with its formula.
//! - [`topsis`](mod@topsis): closeness to the ideal solution, D⁺, D⁻, ranks and percentiles;
//!   [`topsis()`] on a decision matrix and [`topsis_batch`] for millions of rows read in place
//!   from a borrowed [`MatrixView`] on all cores.
//!
//! nalgebra is used where linear algebra is the natural tool: the game-theory combination
//! solves its Gram system with an SVD, and the dense [`topsis()`] path normalises, weights and
//! measures distances with matrix and vector operations. The batch path is a plain two-pass
//! streaming kernel, since it must not materialise any n × m intermediate.
//!
//! Every result type ([`IndicatorValue`], [`Weights`], [`TopsisResult`], [`Score`]) is serde
//! data, so that a report can embed it.
//!
//! # G1 weights, then TOPSIS
//!
//! ```
//! use gridserve_core::scoring::{
//!     compute_indicators, topsis, Indicator, IndicatorOptions, TopsisOptions, UsageRecord, Weights,
//! };
//! let customer = |id: &str, energy_kwh: f64, valley_kwh: f64, max_load_kw: f64| UsageRecord {
//!     id: id.into(),
//!     period_hours: 720.0,
//!     energy_kwh,
//!     valley_kwh: Some(valley_kwh),
//!     max_load_kw: Some(max_load_kw),
//!     reactive_kvarh: Some(energy_kwh * 0.4),
//!     ..Default::default()
//! };
//! let records = [
//!     customer("A", 288_000.0, 120_000.0, 500.0), // load factor 400/500 = 0.8
//!     customer("B", 216_000.0, 50_000.0, 600.0),  // 300/600 = 0.5
//!     customer("C", 144_000.0, 30_000.0, 250.0),  // 200/250 = 0.8
//! ];
//! let indicators = [Indicator::LoadFactor, Indicator::ValleyEnergyShare, Indicator::PowerFactor];
//! let matrix = compute_indicators(&records, &indicators, &IndicatorOptions::default())?;
//!
//! // Experts: valley share ≻ load factor (r = 1.4) ≻ power factor (r = 1.2).
//! let criteria = matrix.criterion_names();
//! let w = Weights::g1(&criteria, &["valley_energy_share", "load_factor", "power_factor"], &[1.4, 1.2])?;
//! // w(power factor) = 1 / (1 + 1.2 + 1.4·1.2) = 1 / 3.88
//! assert!((w.get("power_factor").unwrap() - 1.0 / 3.88).abs() < 1e-15);
//!
//! let result = topsis(&matrix, &w.values, &TopsisOptions::default())?;
//! // A leads on both weighted criteria that differ (power factor is the same for all).
//! assert_eq!(result.rank[0], 1);
//! let score = result.score(0).unwrap();
//! assert_eq!((score.rank, score.percentile, score.peers), (1, 100.0, 3));
//! # Ok::<(), gridserve_core::scoring::ScoringError>(())
//! ```

pub mod error;
pub mod indicators;
pub mod matrix;
pub mod topsis;
pub mod weights;

pub use error::ScoringError;
pub use indicators::{Indicator, IndicatorOptions, UsageRecord, compute_indicators};
pub use matrix::{Criterion, DecisionMatrix, Direction, IndicatorValue, Layout, MatrixView};
pub use topsis::{
    ColumnStats, MAX_THREADS, Normalisation, Score, TopsisOptions, TopsisOutputs, TopsisResult,
    TopsisStats, rank_descending, topsis, topsis_batch, topsis_batch_exact, topsis_batch_into,
    topsis_batch_with_stats, topsis_stats,
};
pub use weights::{
    Combination, CombineMethod, EntropyNormalisation, GAME_THEORY_ZERO_TOLERANCE,
    NegativeCoefficients, WeightSource, Weights, combine_weights, entropy_weights,
    entropy_weights_matrix, g1_weights, g1_weights_named, normalised_weights,
};
