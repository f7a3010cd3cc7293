//! Criterion weights: G1 (order relation), entropy, and their combinations.
//!
//! # G1 (序关系分析法, order-relation analysis)
//!
//! Experts rank the m criteria x_(1) ≻ x_(2) ≻ … ≻ x_(m) (most important first) and give, for
//! each neighbouring pair, r_k = w_(k−1) / w_(k) ∈ [1.0, 1.8] (1.0 equal, 1.2 slightly,
//! 1.4 clearly, 1.6 strongly, 1.8 extremely more important; values in between allowed). Then
//!
//! ```text
//! w_(m)   = (1 + Σ_{k=2..m} Π_{i=k..m} r_i)⁻¹
//! w_(k−1) = r_k · w_(k)          (k = m, m−1, …, 2)
//! ```
//!
//! (Guo Yajun's G1 method, as in the public implementations cited in the project's tariff
//! reference §5.3.) The weights sum to 1 by construction.
//!
//! # Entropy weights
//!
//! Each column is first made "larger is better" and scaled to [0, 1] by min-max
//! ([`EntropyNormalisation::MinMax`], the default):
//! benefit z = (x − min)/(max − min), cost z = (max − x)/(max − min), interval: the same cost
//! formula on the distance from the best range (see [`Direction`]). Then
//!
//! ```text
//! p_ij = z_ij / Σ_i z_ij
//! E_j  = −(1 / ln n) Σ_i p_ij ln p_ij        with 0 · ln 0 = 0
//! d_j  = 1 − E_j,    w_j = d_j / Σ_k d_k
//! ```
//!
//! A constant column (max = min) carries no information and gets weight 0. If every column is
//! constant the method has nothing to weigh: [`ScoringError::NoInformation`]. n must be ≥ 2.
//! [`EntropyNormalisation::Sum`] skips the min-max step and uses p = x / Σx (benefit) or
//! p = (1/x) / Σ(1/x) (cost), the convention of pymcdm's `entropy_weights`, for data that are
//! already proportions (x ≥ 0, x > 0 for cost).
//!
//! # Combinations
//!
//! Every input vector is first scaled to sum 1. With vectors u_1 … u_L (for example G1 and
//! entropy):
//!
//! - multiplicative: w_j = Π_k u_kj / Σ_i Π_k u_ki;
//! - geometric: w_j = Π_k u_kj^(c_k) / Σ_i Π_k u_ki^(c_k), exponents c normalised to sum 1
//!   (equal by default: the normalised geometric mean);
//! - linear: w = Σ_k c_k u_k, shares c ≥ 0 normalised to sum 1 (for two vectors
//!   w = α·u_1 + (1 − α)·u_2, see [`CombineMethod::linear`]);
//! - game theory (博弈论组合赋权): the coefficients α minimise ‖Σ_k α_k u_k − u_l‖ for every l,
//!   whose first-order condition is the linear system Σ_k α_k (u_l · u_k) = u_l · u_l
//!   (l = 1 … L). Two vectors are solved in closed form without cancellation; more (or two
//!   parallel ones) with nalgebra's SVD (least squares, minimum norm, so identical vectors get
//!   equal coefficients instead of a singular-matrix failure). A coefficient within
//!   [`GAME_THEORY_ZERO_TOLERANCE`] of the largest is rounding noise and set to 0. The coefficients are
//!   then made non-negative — by absolute value ([`NegativeCoefficients::Abs`], the usual
//!   convention in the literature, default) or by setting negatives to 0
//!   ([`NegativeCoefficients::Clamp`]) — and normalised to sum 1; w = Σ_k α*_k u_k.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::error::{Result, ScoringError, criterion_label, same_len};
use super::matrix::{DecisionMatrix, Direction, MatrixView};

/// The smallest and largest G1 ratio.
pub const G1_RATIO_RANGE: (f64, f64) = (1.0, 1.8);

/// G1 weights.
///
/// `order[p]` is the criterion (0-based column) ranked p-th, most important first; it must be a
/// permutation of `0..m`. `ratios` has m − 1 entries: `ratios[p − 1]` = r_(p+1) =
/// w(order\[p − 1\]) / w(order\[p\]), each in [1.0, 1.8]. Returns the weights indexed by
/// criterion (not by rank).
///
/// # Errors
/// [`ScoringError::Empty`], [`ScoringError::InvalidOrder`], [`ScoringError::ShapeMismatch`] or
/// [`ScoringError::InvalidRatio`].
///
/// # Example
///
/// ```
/// use gridserve_core::scoring::g1_weights;
/// // x3 ≻ x1 ≻ x2 with r_2 = 1.2 (x3 slightly more important than x1), r_3 = 1.4.
/// let w = g1_weights(&[2, 0, 1], &[1.2, 1.4])?;
/// // w(x2) = 1 / (1 + 1.4 + 1.2·1.4) = 1 / 4.08
/// assert!((w[1] - 1.0 / 4.08).abs() < 1e-15);
/// assert!((w[0] - 1.4 / 4.08).abs() < 1e-15);
/// assert!((w[2] - 1.68 / 4.08).abs() < 1e-15);
/// # Ok::<(), gridserve_core::scoring::ScoringError>(())
/// ```
pub fn g1_weights(order: &[usize], ratios: &[f64]) -> Result<Vec<f64>> {
    let m = order.len();
    if m == 0 {
        return Err(ScoringError::Empty { what: "criteria" });
    }
    let mut seen = vec![false; m];
    for &c in order {
        match seen.get_mut(c) {
            None => {
                return Err(ScoringError::InvalidOrder {
                    value: c.to_string(),
                    problem: "is not a criterion",
                });
            }
            Some(true) => {
                return Err(ScoringError::InvalidOrder {
                    value: c.to_string(),
                    problem: "appears twice",
                });
            }
            Some(s) => *s = true,
        }
    }
    if ratios.len() != m - 1 {
        return Err(ScoringError::ShapeMismatch {
            what: "G1 ratios (one per neighbouring pair)".into(),
            expected: m - 1,
            found: ratios.len(),
        });
    }
    let (lo, hi) = G1_RATIO_RANGE;
    for (p, &r) in ratios.iter().enumerate() {
        // `contains` is false for NaN.
        if !(lo..=hi).contains(&r) {
            return Err(ScoringError::InvalidRatio {
                position: p + 2,
                value: r,
            });
        }
    }
    // Σ_{k=2..m} Π_{i=k..m} r_i, accumulated from the back (Horner).
    let mut product = 1.0;
    let mut sum = 0.0;
    for &r in ratios.iter().rev() {
        product *= r;
        sum += product;
    }
    let mut by_rank = vec![0.0; m];
    let mut w = 1.0 / (1.0 + sum);
    if let Some(last) = by_rank.last_mut() {
        *last = w;
    }
    for (p, &r) in ratios.iter().enumerate().rev() {
        w *= r;
        if let Some(slot) = by_rank.get_mut(p) {
            *slot = w;
        }
    }
    let mut weights = vec![0.0; m];
    for (&c, &w) in order.iter().zip(&by_rank) {
        if let Some(slot) = weights.get_mut(c) {
            *slot = w;
        }
    }
    Ok(weights)
}

/// G1 weights with the order given by criterion names.
///
/// # Errors
/// As [`g1_weights`]; a name that is not in `criteria` is [`ScoringError::InvalidOrder`].
pub fn g1_weights_named<S: AsRef<str>>(
    criteria: &[String],
    order: &[S],
    ratios: &[f64],
) -> Result<Vec<f64>> {
    let mut idx = Vec::with_capacity(order.len());
    for name in order {
        let name = name.as_ref();
        let j =
            criteria
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| ScoringError::InvalidOrder {
                    value: name.to_owned(),
                    problem: "is not a criterion",
                })?;
        idx.push(j);
    }
    if idx.len() != criteria.len() && idx.iter().all(|&j| j < criteria.len()) {
        // A permutation of a subset: say which criteria are missing rather than "wrong length".
        let missing: Vec<&str> = criteria
            .iter()
            .enumerate()
            .filter(|(j, _)| !idx.contains(j))
            .map(|(_, c)| c.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(ScoringError::InvalidOrder {
                value: missing.join(", "),
                problem: "misses criteria",
            });
        }
    }
    g1_weights(&idx, ratios).map_err(|e| match e {
        ScoringError::InvalidOrder { value, problem } => ScoringError::InvalidOrder {
            value: value
                .parse::<usize>()
                .ok()
                .and_then(|j| criteria.get(j).cloned())
                .unwrap_or(value),
            problem,
        },
        other => other,
    })
}

/// How the entropy method turns a column into proportions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntropyNormalisation {
    /// Direction-aware min-max to [0, 1], then p = z / Σz (default).
    #[default]
    MinMax,
    /// p = x / Σx for benefit, (1/x) / Σ(1/x) for cost (pymcdm's convention); interval columns
    /// use y = 1 − d/d_max. Needs x ≥ 0 (x > 0 for cost) and a non-zero column sum.
    Sum,
}

impl EntropyNormalisation {
    /// Parses `"min_max"`/`"minmax"` or `"sum"`.
    ///
    /// # Errors
    /// [`ScoringError::Unknown`].
    pub fn parse(text: &str) -> Result<Self> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "minmax" => Ok(Self::MinMax),
            "sum" => Ok(Self::Sum),
            _ => Err(ScoringError::Unknown {
                what: "entropy normalisation",
                name: text.to_owned(),
            }),
        }
    }
}

/// Entropy weights of a decision matrix (per-row best ranges of interval criteria honoured).
///
/// # Errors
/// As [`entropy_weights`].
pub fn entropy_weights_matrix(
    matrix: &DecisionMatrix,
    normalisation: EntropyNormalisation,
) -> Result<Vec<f64>> {
    let names = matrix.criterion_names();
    entropy_impl(
        &matrix.view(),
        &matrix.directions(),
        normalisation,
        Some(&names),
        |i, j| matrix.range_of(i, j),
    )
}

/// Entropy weights of a borrowed matrix, one [`Direction`] per column.
///
/// # Errors
/// [`ScoringError::ShapeMismatch`] (directions), [`ScoringError::TooFewAlternatives`] (n < 2),
/// [`ScoringError::NotFinite`], [`ScoringError::InvalidInterval`],
/// [`ScoringError::NotProportion`] (sum normalisation on negative data),
/// [`ScoringError::NoInformation`] (every column constant).
///
/// # Example
///
/// ```
/// use gridserve_core::scoring::{entropy_weights, Direction, EntropyNormalisation, Layout, MatrixView};
/// // Column 0 varies, column 1 is constant: all the weight goes to column 0.
/// let data = [1.0, 5.0, 2.0, 3.0, 3.0, 3.0]; // column-major, 3 × 2
/// let view = MatrixView::new(&data, 3, 2, Layout::ColumnMajor)?;
/// let w = entropy_weights(&view, &[Direction::Benefit, Direction::Cost], EntropyNormalisation::MinMax)?;
/// assert_eq!(w, vec![1.0, 0.0]);
/// # Ok::<(), gridserve_core::scoring::ScoringError>(())
/// ```
pub fn entropy_weights(
    view: &MatrixView<'_>,
    directions: &[Direction],
    normalisation: EntropyNormalisation,
) -> Result<Vec<f64>> {
    entropy_impl(
        view,
        directions,
        normalisation,
        None,
        |_, j| match directions.get(j)? {
            Direction::Interval { lo, hi } => Some([*lo, *hi]),
            _ => None,
        },
    )
}

fn entropy_impl(
    view: &MatrixView<'_>,
    directions: &[Direction],
    normalisation: EntropyNormalisation,
    names: Option<&[String]>,
    range: impl Fn(usize, usize) -> Option<[f64; 2]>,
) -> Result<Vec<f64>> {
    let (n, m) = (view.rows(), view.cols());
    same_len("directions", m, directions.len())?;
    if m == 0 {
        return Err(ScoringError::Empty { what: "criteria" });
    }
    if n < 2 {
        return Err(ScoringError::TooFewAlternatives {
            needed: 2,
            found: n,
        });
    }
    for (j, d) in directions.iter().enumerate() {
        d.check(j, names)?;
    }
    if let Some((row, column, value)) = view.first_non_finite() {
        return Err(ScoringError::NotFinite {
            row,
            column,
            criterion: criterion_label(names, column),
            value,
        });
    }
    let ln_n = (n as f64).ln();
    let mut z = vec![0.0; n];
    let mut divergence = vec![0.0; m];
    for (j, dir) in directions.iter().enumerate() {
        // t = the value, or the distance from the best range for interval criteria.
        let is_interval = matches!(dir, Direction::Interval { .. });
        for (i, zi) in z.iter_mut().enumerate() {
            let x = view.get(i, j).unwrap_or(0.0);
            *zi = if is_interval {
                let [lo, hi] = range(i, j).unwrap_or([f64::NEG_INFINITY, f64::INFINITY]);
                Direction::interval_deviation(x, lo, hi)
            } else {
                x
            };
        }
        let (tmin, tmax) = z
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
                (a.min(t), b.max(t))
            });
        if tmin == tmax {
            // Constant column: no information, weight 0.
            continue;
        }
        let cost_like = is_interval || matches!(dir, Direction::Cost);
        match normalisation {
            EntropyNormalisation::MinMax => {
                // Halves keep the range finite for values near ±f64::MAX.
                let half_range = tmax / 2.0 - tmin / 2.0;
                for t in &mut z {
                    *t = if cost_like {
                        (tmax / 2.0 - *t / 2.0) / half_range
                    } else {
                        (*t / 2.0 - tmin / 2.0) / half_range
                    };
                }
            }
            EntropyNormalisation::Sum => {
                for (i, t) in z.iter_mut().enumerate() {
                    let x = view.get(i, j).unwrap_or(0.0);
                    let bad = if is_interval {
                        None
                    } else if matches!(dir, Direction::Cost) {
                        (x <= 0.0)
                            .then_some("must be > 0 for a cost criterion in sum normalisation")
                    } else {
                        (x < 0.0).then_some("must be >= 0 in sum normalisation")
                    };
                    if let Some(problem) = bad {
                        return Err(ScoringError::NotProportion {
                            row: i,
                            column: j,
                            criterion: criterion_label(names, j),
                            value: x,
                            problem,
                        });
                    }
                    *t = if is_interval {
                        1.0 - *t / tmax
                    } else if cost_like {
                        1.0 / x
                    } else {
                        x
                    };
                }
            }
        }
        let sum: f64 = z.iter().sum();
        if !(sum > 0.0 && sum.is_finite()) {
            // Only reachable with sum normalisation (min-max always has a 1 in the column).
            return Err(ScoringError::NotProportion {
                row: 0,
                column: j,
                criterion: criterion_label(names, j),
                value: sum,
                problem: "is the column sum, which must be finite and > 0",
            });
        }
        let h: f64 = z
            .iter()
            .map(|&t| {
                let p = t / sum;
                if p > 0.0 { p * p.ln() } else { 0.0 }
            })
            .sum();
        let e = -h / ln_n;
        if let Some(d) = divergence.get_mut(j) {
            *d = (1.0 - e).max(0.0);
        }
    }
    let total: f64 = divergence.iter().sum();
    if total <= 0.0 {
        return Err(ScoringError::NoInformation);
    }
    Ok(divergence.into_iter().map(|d| d / total).collect())
}

/// What the game-theory combination does with a negative coefficient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeCoefficients {
    /// α* = |α| / Σ|α| (the usual convention in the literature; default).
    #[default]
    Abs,
    /// α* = max(α, 0) / Σ max(α, 0): a vector the optimum would subtract is left out.
    Clamp,
}

/// How [`combine_weights`] combines weight vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "method", rename_all = "snake_case")]
pub enum CombineMethod {
    /// w ∝ Π_k u_k.
    Multiplicative,
    /// w ∝ Π_k u_k^(c_k); `None` = equal exponents 1/L.
    Geometric {
        /// The exponents (≥ 0, normalised to sum 1).
        exponents: Option<Vec<f64>>,
    },
    /// w = Σ_k c_k u_k.
    Linear {
        /// The shares (≥ 0, normalised to sum 1).
        coefficients: Vec<f64>,
    },
    /// Coefficients from the game-theory linear system.
    GameTheory {
        /// What to do with negative coefficients.
        #[serde(default)]
        negative: NegativeCoefficients,
    },
}

impl CombineMethod {
    /// Linear combination of two vectors: α·u_1 + (1 − α)·u_2.
    #[must_use]
    pub fn linear(alpha: f64) -> Self {
        Self::Linear {
            coefficients: vec![alpha, 1.0 - alpha],
        }
    }

    /// The method's name (`multiplicative`, `geometric`, `linear`, `game_theory`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Multiplicative => "multiplicative",
            Self::Geometric { .. } => "geometric",
            Self::Linear { .. } => "linear",
            Self::GameTheory { .. } => "game_theory",
        }
    }
}

/// The result of [`combine_weights`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Combination {
    /// The combined weights (sum 1).
    pub weights: Vec<f64>,
    /// The coefficient of each input vector as used: exponents (multiplicative: all 1;
    /// geometric: normalised), shares (linear, game theory: after the negative rule and
    /// normalisation).
    pub coefficients: Vec<f64>,
    /// Game theory only: the raw solution of the linear system, before the negative rule.
    pub raw_coefficients: Option<Vec<f64>>,
}

/// Combines weight vectors (each first scaled to sum 1); see the module docs for the formulas.
///
/// # Errors
/// [`ScoringError::Empty`] (no vectors or no criteria), [`ScoringError::ShapeMismatch`],
/// [`ScoringError::InvalidWeight`], [`ScoringError::ZeroWeights`] (a vector sums to 0),
/// [`ScoringError::InvalidCoefficient`], [`ScoringError::DegenerateCombination`].
///
/// # Example
///
/// ```
/// use gridserve_core::scoring::{combine_weights, CombineMethod};
/// let g1 = [0.5, 0.3, 0.2];
/// let entropy = [0.2, 0.2, 0.6];
/// let c = combine_weights(&[&g1, &entropy], &CombineMethod::linear(0.7))?;
/// assert!((c.weights[0] - (0.7 * 0.5 + 0.3 * 0.2)).abs() < 1e-15);
/// let m = combine_weights(&[&g1, &entropy], &CombineMethod::Multiplicative)?;
/// // 0.5·0.2 : 0.3·0.2 : 0.2·0.6 = 0.10 : 0.06 : 0.12
/// assert!((m.weights[2] - 0.12 / 0.28).abs() < 1e-15);
/// # Ok::<(), gridserve_core::scoring::ScoringError>(())
/// ```
pub fn combine_weights(vectors: &[&[f64]], method: &CombineMethod) -> Result<Combination> {
    let first = vectors.first().ok_or(ScoringError::Empty {
        what: "weight vectors",
    })?;
    let m = first.len();
    if m == 0 {
        return Err(ScoringError::Empty { what: "criteria" });
    }
    let l = vectors.len();
    let mut units: Vec<Vec<f64>> = Vec::with_capacity(l);
    for (k, v) in vectors.iter().enumerate() {
        same_len(format_args!("weight vector {k}"), m, v.len())?;
        units.push(normalised_weights(v, None)?);
    }
    let shares = |c: &[f64]| -> Result<Vec<f64>> {
        same_len("combination coefficients", l, c.len())?;
        for (index, &value) in c.iter().enumerate() {
            if !value.is_finite() || value < 0.0 {
                return Err(ScoringError::InvalidCoefficient {
                    index,
                    value,
                    problem: "must be finite and >= 0",
                });
            }
        }
        let s: f64 = c.iter().sum();
        if s <= 0.0 {
            return Err(ScoringError::InvalidCoefficient {
                index: 0,
                value: s,
                problem: "is the sum of the coefficients, which must be > 0",
            });
        }
        Ok(c.iter().map(|x| x / s).collect())
    };
    let (weights, coefficients, raw) = match method {
        CombineMethod::Multiplicative => {
            let w: Vec<f64> = (0..m)
                .map(|j| {
                    units
                        .iter()
                        .map(|u| u.get(j).copied().unwrap_or(0.0))
                        .product()
                })
                .collect();
            (w, vec![1.0; l], None)
        }
        CombineMethod::Geometric { exponents } => {
            let c = match exponents {
                Some(e) => shares(e)?,
                None => vec![1.0 / l as f64; l],
            };
            // Π u^c computed as exp(Σ c ln u) with u = 0 → 0 (unless its exponent is 0).
            let w: Vec<f64> = (0..m)
                .map(|j| {
                    let mut log = 0.0;
                    for (u, &ck) in units.iter().zip(&c) {
                        let x = u.get(j).copied().unwrap_or(0.0);
                        if ck == 0.0 {
                            continue;
                        }
                        if x == 0.0 {
                            return 0.0;
                        }
                        log += ck * x.ln();
                    }
                    log.exp()
                })
                .collect();
            (w, c, None)
        }
        CombineMethod::Linear { coefficients } => {
            let c = shares(coefficients)?;
            (linear(&units, &c, m), c, None)
        }
        CombineMethod::GameTheory { negative } => {
            let raw = game_theory_coefficients(&units);
            let adjusted: Vec<f64> = raw
                .iter()
                .map(|&a| match negative {
                    NegativeCoefficients::Abs => a.abs(),
                    NegativeCoefficients::Clamp => a.max(0.0),
                })
                .collect();
            let s: f64 = adjusted.iter().sum();
            if !(s > 0.0 && s.is_finite()) {
                return Err(ScoringError::DegenerateCombination {
                    method: method.name(),
                });
            }
            let c: Vec<f64> = adjusted.iter().map(|a| a / s).collect();
            (linear(&units, &c, m), c, Some(raw))
        }
    };
    let total: f64 = weights.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(ScoringError::DegenerateCombination {
            method: method.name(),
        });
    }
    Ok(Combination {
        weights: weights.iter().map(|w| w / total).collect(),
        coefficients,
        raw_coefficients: raw,
    })
}

fn linear(units: &[Vec<f64>], c: &[f64], m: usize) -> Vec<f64> {
    (0..m)
        .map(|j| {
            units
                .iter()
                .zip(c)
                .map(|(u, ck)| ck * u.get(j).copied().unwrap_or(0.0))
                .sum()
        })
        .collect()
}

/// Relative size below which a game-theory coefficient is rounding noise and set to 0: the
/// Gram system squares the condition of the weight vectors, so an SVD solve leaves errors of
/// order 10⁻¹¹ of the largest coefficient where the exact value is 0 (for example a uniform
/// vector combined with any other: its exact coefficient is 0).
pub const GAME_THEORY_ZERO_TOLERANCE: f64 = 1e-9;

/// Solves Σ_k α_k (u_l·u_k) = u_l·u_l: for two vectors in closed form, written without
/// cancellation; otherwise with nalgebra's SVD (least squares, minimum norm). Coefficients
/// within [`GAME_THEORY_ZERO_TOLERANCE`] of the largest are set to exactly 0.
fn game_theory_coefficients(units: &[Vec<f64>]) -> Vec<f64> {
    let mut raw = match units {
        [p, q] => game_theory_two(p, q).map_or_else(|| game_theory_svd(units), Vec::from),
        _ => game_theory_svd(units),
    };
    let largest = raw.iter().fold(0.0_f64, |m, a| m.max(a.abs()));
    for a in &mut raw {
        if a.abs() <= GAME_THEORY_ZERO_TOLERANCE * largest {
            *a = 0.0;
        }
    }
    raw
}

/// The 2 × 2 system [[p·p, p·q], [p·q, q·q]] α = [p·p, q·q] by Cramer's rule:
/// α₁ = q·q · p·(p − q) / det, α₂ = p·p · q·(q − p) / det, with the determinant written as
/// Lagrange's identity Σ_{i<j} (p_i q_j − p_j q_i)² (a sum of squares, so it does not cancel)
/// and the numerators' differences taken before the products. `None` when the vectors are
/// (nearly) parallel, det ≤ 10⁻¹² · p·p · q·q, which the minimum-norm SVD solve handles.
fn game_theory_two(p: &[f64], q: &[f64]) -> Option<[f64; 2]> {
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    let (pp, qq) = (dot(p, p), dot(q, q));
    let p_minus: f64 = p.iter().zip(q).map(|(a, b)| a * (a - b)).sum();
    let q_minus: f64 = q.iter().zip(p).map(|(a, b)| a * (a - b)).sum();
    let mut det = 0.0;
    for (i, (&pi, &qi)) in p.iter().zip(q).enumerate() {
        let rest = p
            .get(i + 1..)
            .unwrap_or(&[])
            .iter()
            .zip(q.get(i + 1..).unwrap_or(&[]));
        for (&pj, &qj) in rest {
            let x = pi * qj - pj * qi;
            det += x * x;
        }
    }
    if !(det > 1e-12 * pp * qq && det.is_finite()) {
        return None;
    }
    Some([qq * p_minus / det, pp * q_minus / det])
}

/// The Gram system solved with nalgebra's SVD (least squares, minimum norm).
fn game_theory_svd(units: &[Vec<f64>]) -> Vec<f64> {
    let l = units.len();
    let m = units.first().map_or(0, Vec::len);
    // Rows of U are the weight vectors; the Gram matrix U·Uᵀ is the system matrix.
    let u = DMatrix::from_fn(l, m, |k, j| {
        units.get(k).and_then(|v| v.get(j)).copied().unwrap_or(0.0)
    });
    let gram = &u * u.transpose();
    let rhs = DVector::from_fn(l, |k, _| gram[(k, k)]);
    let eps = 1e-12 * gram.amax().max(f64::MIN_POSITIVE);
    match gram.svd(true, true).solve(&rhs, eps) {
        Ok(a) => a.iter().copied().collect(),
        // Cannot happen with both U and Vᵀ computed; fall back to equal shares.
        Err(_) => vec![1.0 / l as f64; l],
    }
}

/// Checks weights (finite, ≥ 0, not all zero) and scales them to sum 1.
///
/// # Errors
/// [`ScoringError::InvalidWeight`], [`ScoringError::ZeroWeights`].
pub fn normalised_weights(weights: &[f64], names: Option<&[String]>) -> Result<Vec<f64>> {
    check_weights(weights, names)?;
    let s: f64 = weights.iter().sum();
    Ok(weights.iter().map(|w| w / s).collect())
}

pub(crate) fn check_weights(weights: &[f64], names: Option<&[String]>) -> Result<()> {
    for (index, &value) in weights.iter().enumerate() {
        let problem = if !value.is_finite() {
            "is not finite"
        } else if value < 0.0 {
            "is negative"
        } else {
            continue;
        };
        return Err(ScoringError::InvalidWeight {
            index,
            criterion: criterion_label(names, index),
            value,
            problem,
        });
    }
    let s: f64 = weights.iter().sum();
    if s.is_nan() || s <= 0.0 {
        return Err(ScoringError::ZeroWeights);
    }
    if !s.is_finite() {
        return Err(ScoringError::InvalidWeight {
            index: 0,
            criterion: "sum".into(),
            value: s,
            problem: "is not finite",
        });
    }
    Ok(())
}

/// How a weight vector was obtained (kept with the weights for a report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum WeightSource {
    /// Given by the user.
    Given,
    /// G1 from an order (names, most important first) and ratios.
    G1 {
        /// The criteria, most important first.
        order: Vec<String>,
        /// r_2 … r_m.
        ratios: Vec<f64>,
    },
    /// The entropy method.
    Entropy {
        /// The normalisation used.
        normalisation: EntropyNormalisation,
    },
    /// A combination of other weight vectors.
    Combined {
        /// The method.
        method: CombineMethod,
        /// The coefficients as used (see [`Combination::coefficients`]).
        coefficients: Vec<f64>,
        /// The combined vectors.
        parts: Vec<Weights>,
    },
}

/// Named weights with their provenance, ready to embed in a report.
///
/// ```
/// use gridserve_core::scoring::{CombineMethod, Weights};
/// let criteria: Vec<String> = ["load_factor", "power_factor", "valley_energy_share"]
///     .map(String::from).to_vec();
/// let g1 = Weights::g1(&criteria, &["power_factor", "load_factor", "valley_energy_share"], &[1.4, 1.2])?;
/// // r_2 = w(power_factor) / w(load_factor) = 1.4, r_3 = w(load_factor) / w(valley) = 1.2:
/// // w(valley) = 1 / (1 + 1.2 + 1.4·1.2) = 1 / 3.88, w(power_factor) = 1.68 / 3.88.
/// assert!((g1.get("power_factor").unwrap() - 1.68 / 3.88).abs() < 1e-15);
/// let given = Weights::given(&criteria, &[1.0, 1.0, 2.0])?;
/// let both = Weights::combine(&[&g1, &given], &CombineMethod::linear(0.5))?;
/// assert!((both.values.iter().sum::<f64>() - 1.0).abs() < 1e-15);
/// # Ok::<(), gridserve_core::scoring::ScoringError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// The criteria, in column order.
    pub criteria: Vec<String>,
    /// One weight per criterion (sum 1).
    pub values: Vec<f64>,
    /// How they were obtained.
    pub source: WeightSource,
}

impl Weights {
    /// Weights given by the user (checked, scaled to sum 1).
    ///
    /// # Errors
    /// [`ScoringError::ShapeMismatch`], [`ScoringError::InvalidWeight`],
    /// [`ScoringError::ZeroWeights`].
    pub fn given(criteria: &[String], values: &[f64]) -> Result<Self> {
        same_len("weights", criteria.len(), values.len())?;
        Ok(Self {
            criteria: criteria.to_vec(),
            values: normalised_weights(values, Some(criteria))?,
            source: WeightSource::Given,
        })
    }

    /// G1 weights, the order given by names (see [`g1_weights_named`]).
    ///
    /// # Errors
    /// As [`g1_weights_named`].
    pub fn g1<S: AsRef<str>>(criteria: &[String], order: &[S], ratios: &[f64]) -> Result<Self> {
        Ok(Self {
            criteria: criteria.to_vec(),
            values: g1_weights_named(criteria, order, ratios)?,
            source: WeightSource::G1 {
                order: order.iter().map(|s| s.as_ref().to_owned()).collect(),
                ratios: ratios.to_vec(),
            },
        })
    }

    /// Entropy weights of a decision matrix.
    ///
    /// # Errors
    /// As [`entropy_weights_matrix`].
    pub fn entropy(matrix: &DecisionMatrix, normalisation: EntropyNormalisation) -> Result<Self> {
        Ok(Self {
            criteria: matrix.criterion_names(),
            values: entropy_weights_matrix(matrix, normalisation)?,
            source: WeightSource::Entropy { normalisation },
        })
    }

    /// A combination of weight vectors over the same criteria (same order).
    ///
    /// # Errors
    /// As [`combine_weights`]; [`ScoringError::Unknown`] when the criteria differ.
    pub fn combine(parts: &[&Weights], method: &CombineMethod) -> Result<Self> {
        let first = parts.first().ok_or(ScoringError::Empty {
            what: "weight vectors",
        })?;
        for p in parts {
            if p.criteria != first.criteria {
                return Err(ScoringError::Unknown {
                    what: "criteria list (the combined weights differ)",
                    name: p.criteria.join(","),
                });
            }
        }
        let vectors: Vec<&[f64]> = parts.iter().map(|p| p.values.as_slice()).collect();
        let c = combine_weights(&vectors, method)?;
        Ok(Self {
            criteria: first.criteria.clone(),
            values: c.weights,
            source: WeightSource::Combined {
                method: method.clone(),
                coefficients: c.coefficients,
                parts: parts.iter().map(|p| (*p).clone()).collect(),
            },
        })
    }

    /// The weight of a criterion.
    #[must_use]
    pub fn get(&self, criterion: &str) -> Option<f64> {
        let j = self.criteria.iter().position(|c| c == criterion)?;
        self.values.get(j).copied()
    }
}
