//! Scoring: indicators, G1 / entropy / combined weights and TOPSIS. Every expected number is
//! worked by hand in the comment next to it, or comes from an independent formula written out
//! in the test (not from the code under test).

use std::num::NonZeroUsize;

use gridserve::scoring::{
    CombineMethod, Criterion, DecisionMatrix, Direction, EntropyNormalisation, Indicator,
    IndicatorOptions, Layout, MatrixView, NegativeCoefficients, Normalisation, ScoringError,
    TopsisOptions, TopsisOutputs, UsageRecord, Weights, combine_weights, compute_indicators,
    entropy_weights, entropy_weights_matrix, g1_weights, g1_weights_named, rank_descending, topsis,
    topsis_batch, topsis_batch_into,
};
use proptest::prelude::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

fn assert_all_close(a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(close(*x, *y, tol), "index {i}: {x} vs {y}");
    }
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("A{i}")).collect()
}

// ---------------------------------------------------------------------------------- G1

#[test]
fn g1_matches_exact_fractions() {
    // r = 6/5, 6/5, 7/5, 9/5 for x1 ≻ x2 ≻ x3 ≻ x4 ≻ x5. Products from the back:
    // 9/5, 63/25, 378/125, 2268/625; 1 + Σ = 7483/625, so w5 = 625/7483, w4 = 1125/7483,
    // w3 = 1575/7483, w2 = 1890/7483, w1 = 2268/7483.
    let w = g1_weights(&[0, 1, 2, 3, 4], &[1.2, 1.2, 1.4, 1.8]).unwrap();
    let exact = [2268.0, 1890.0, 1575.0, 1125.0, 625.0].map(|x| x / 7483.0);
    assert_all_close(&w, &exact, 1e-15);
    assert!(close(w.iter().sum::<f64>(), 1.0, 1e-15));
}

#[test]
fn g1_is_swara_with_k_as_the_ratio() {
    // SWARA (Keršulienė, Zavadskas and Turskis 2010): k_j = s_j + 1, q_j = q_{j−1}/k_j,
    // w = q/Σq, so q_{j−1}/q_j = k_j: G1 with r_j = k_j. The comparative importances
    // s = 0.48, 0.35, 0.22 of the SWARA example in Alinezhad and Khalili (2019), as used in
    // the R package MCDA's `swara` example: k = 37/25, 27/20, 61/50, so q = 1, 25/37,
    // 500/999, 25000/60939 and over the common denominator 60939 = 27·37·61:
    // (60939, 41175, 30500, 25000)/157614 = 0.38664, 0.26124, 0.19351, 0.15862.
    let w = g1_weights(&[0, 1, 2, 3], &[1.48, 1.35, 1.22]).unwrap();
    let exact = [60939.0, 41175.0, 30500.0, 25000.0].map(|x| x / 157_614.0);
    assert_all_close(&w, &exact, 1e-15);
}

#[test]
fn g1_order_maps_ranks_to_columns() {
    // Same ratios, the order reversed: the most important is column 4.
    let w = g1_weights(&[4, 3, 2, 1, 0], &[1.2, 1.2, 1.4, 1.8]).unwrap();
    let exact = [625.0, 1125.0, 1575.0, 1890.0, 2268.0].map(|x| x / 7483.0);
    assert_all_close(&w, &exact, 1e-15);
    // One criterion: weight 1. All ratios 1: equal weights.
    assert_eq!(g1_weights(&[0], &[]).unwrap(), vec![1.0]);
    assert_all_close(
        &g1_weights(&[1, 0, 2], &[1.0, 1.0]).unwrap(),
        &[1.0 / 3.0; 3],
        1e-15,
    );
}

#[test]
fn g1_rejects_bad_input() {
    let e = g1_weights(&[0, 1, 2], &[1.2, 1.9]).unwrap_err();
    assert_eq!(
        e,
        ScoringError::InvalidRatio {
            position: 3,
            value: 1.9
        }
    );
    assert!(matches!(
        g1_weights(&[0, 1], &[0.99]),
        Err(ScoringError::InvalidRatio { position: 2, .. })
    ));
    assert!(matches!(
        g1_weights(&[0, 1], &[f64::NAN]),
        Err(ScoringError::InvalidRatio { .. })
    ));
    assert!(matches!(
        g1_weights(&[0, 0, 1], &[1.2, 1.2]),
        Err(ScoringError::InvalidOrder {
            problem: "appears twice",
            ..
        })
    ));
    assert!(matches!(
        g1_weights(&[0, 3], &[1.2]),
        Err(ScoringError::InvalidOrder {
            problem: "is not a criterion",
            ..
        })
    ));
    assert!(matches!(
        g1_weights(&[0, 1, 2], &[1.2]),
        Err(ScoringError::ShapeMismatch {
            expected: 2,
            found: 1,
            ..
        })
    ));
    let crit: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    assert!(matches!(
        g1_weights_named(&crit, &["a", "b"], &[1.2]),
        Err(ScoringError::InvalidOrder { problem: "misses criteria", ref value }) if value == "c"
    ));
    assert!(matches!(
        g1_weights_named(&crit, &["a", "b", "zz"], &[1.2, 1.2]),
        Err(ScoringError::InvalidOrder { problem: "is not a criterion", ref value }) if value == "zz"
    ));
}

// ---------------------------------------------------------------------------------- entropy

/// Entropy weights written out directly from the textbook formula, for checking.
fn entropy_by_formula(cols: &[Vec<f64>]) -> Vec<f64> {
    let n = cols[0].len() as f64;
    let d: Vec<f64> = cols
        .iter()
        .map(|z| {
            let s: f64 = z.iter().sum();
            let h: f64 = z
                .iter()
                .filter(|&&x| x > 0.0)
                .map(|&x| (x / s) * (x / s).ln())
                .sum();
            1.0 + h / n.ln()
        })
        .collect();
    let t: f64 = d.iter().sum();
    d.iter().map(|x| x / t).collect()
}

#[test]
fn entropy_by_hand() {
    // Benefit [1, 2, 3] → z = [0, 0.5, 1]; cost [10, 10, 20] → z = [1, 1, 0];
    // interval [0.5, 0.7] on [0.2, 0.6, 1.0] → distances [0.3, 0, 0.3] → z = [0, 1, 0];
    // constant [4, 4, 4] → weight 0.
    let data = [
        1.0, 2.0, 3.0, 10.0, 10.0, 20.0, 0.2, 0.6, 1.0, 4.0, 4.0, 4.0,
    ];
    let view = MatrixView::new(&data, 3, 4, Layout::ColumnMajor).unwrap();
    let dirs = [
        Direction::Benefit,
        Direction::Cost,
        Direction::Interval { lo: 0.5, hi: 0.7 },
        Direction::Benefit,
    ];
    let w = entropy_weights(&view, &dirs, EntropyNormalisation::MinMax).unwrap();
    // Column 3 (z = [0,1,0]) has entropy 0 → d = 1; column 1 (p = [½, ½, 0]) d = 1 − ln2/ln3;
    // column 0 (p = [0, ⅓, ⅔]) d = 1 + (⅓ ln⅓ + ⅔ ln⅔)/ln3.
    let mut expect = entropy_by_formula(&[
        vec![0.0, 0.5, 1.0],
        vec![1.0, 1.0, 0.0],
        vec![0.0, 1.0, 0.0],
    ]);
    expect.push(0.0);
    assert_all_close(&w, &expect, 1e-14);
    let d1 = 1.0 - 2f64.ln() / 3f64.ln();
    let d0 = 1.0
        + ((1.0f64 / 3.0) * (1.0f64 / 3.0).ln() + (2.0f64 / 3.0) * (2.0f64 / 3.0).ln()) / 3f64.ln();
    assert!(close(w[1], d1 / (d0 + d1 + 1.0), 1e-14));
}

#[test]
fn entropy_edge_cases() {
    let data = [3.0, 3.0, 3.0, 1.0, 1.0, 1.0];
    let view = MatrixView::new(&data, 3, 2, Layout::ColumnMajor).unwrap();
    let dirs = [Direction::Benefit, Direction::Cost];
    assert_eq!(
        entropy_weights(&view, &dirs, EntropyNormalisation::MinMax),
        Err(ScoringError::NoInformation)
    );
    let one = MatrixView::new(&data[..2], 1, 2, Layout::RowMajor).unwrap();
    assert_eq!(
        entropy_weights(&one, &dirs, EntropyNormalisation::MinMax),
        Err(ScoringError::TooFewAlternatives {
            needed: 2,
            found: 1
        })
    );
    let bad = [1.0, 2.0, 3.0, 4.0, f64::INFINITY, 6.0];
    let view = MatrixView::new(&bad, 3, 2, Layout::RowMajor).unwrap();
    assert!(matches!(
        entropy_weights(&view, &dirs, EntropyNormalisation::MinMax),
        Err(ScoringError::NotFinite {
            row: 2,
            column: 0,
            ..
        })
    ));
    // Sum normalisation refuses negative data, naming the cell.
    let neg = [1.0, -2.0, 3.0, 1.0, 2.0, 3.0];
    let view = MatrixView::new(&neg, 3, 2, Layout::ColumnMajor).unwrap();
    assert!(matches!(
        entropy_weights(&view, &dirs, EntropyNormalisation::Sum),
        Err(ScoringError::NotProportion {
            row: 1,
            column: 0,
            ..
        })
    ));
    // …but min-max handles negatives and zeros (0 · ln 0 = 0).
    let w = entropy_weights(&view, &dirs, EntropyNormalisation::MinMax).unwrap();
    assert!(close(w.iter().sum::<f64>(), 1.0, 1e-15));
}

// ---------------------------------------------------------------------------------- combination

#[test]
fn combinations_by_hand() {
    let a = [0.5, 0.3, 0.2];
    let b = [0.2, 0.2, 0.6];
    // Multiplicative: 0.10 : 0.06 : 0.12 over 0.28.
    let m = combine_weights(&[&a, &b], &CombineMethod::Multiplicative).unwrap();
    assert_all_close(&m.weights, &[0.10 / 0.28, 0.06 / 0.28, 0.12 / 0.28], 1e-15);
    // Geometric: √0.10 : √0.06 : √0.12.
    let g = combine_weights(&[&a, &b], &CombineMethod::Geometric { exponents: None }).unwrap();
    let s = 0.10f64.sqrt() + 0.06f64.sqrt() + 0.12f64.sqrt();
    assert_all_close(
        &g.weights,
        &[0.10f64.sqrt() / s, 0.06f64.sqrt() / s, 0.12f64.sqrt() / s],
        1e-14,
    );
    // Linear α = 0.7: [0.41, 0.27, 0.32].
    let l = combine_weights(&[&a, &b], &CombineMethod::linear(0.7)).unwrap();
    assert_all_close(&l.weights, &[0.41, 0.27, 0.32], 1e-14);
    // Inputs are scaled to sum 1 first: [5, 3, 2] is the same as a.
    let l2 = combine_weights(&[&[5.0, 3.0, 2.0], &b], &CombineMethod::linear(0.7)).unwrap();
    assert_all_close(&l2.weights, &l.weights, 1e-15);
}

#[test]
fn game_theory_matches_the_closed_form() {
    // For two vectors the system [[a·a, a·b], [a·b, b·b]] α = [a·a, b·b] gives
    // α1 = b·b (a·a − a·b) / det, α2 = a·a (b·b − a·b) / det, det = a·a b·b − (a·b)².
    let a = [0.4, 0.35, 0.25];
    let b = [0.2, 0.3, 0.5];
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>();
    let (aa, bb, ab) = (dot(&a, &a), dot(&b, &b), dot(&a, &b));
    let det = aa * bb - ab * ab;
    let (a1, a2) = (bb * (aa - ab) / det, aa * (bb - ab) / det);
    assert!(a1 > 0.0 && a2 > 0.0);
    let c = combine_weights(
        &[&a, &b],
        &CombineMethod::GameTheory {
            negative: NegativeCoefficients::Abs,
        },
    )
    .unwrap();
    let raw = c.raw_coefficients.clone().unwrap();
    assert_all_close(&raw, &[a1, a2], 1e-10);
    let (s1, s2) = (a1 / (a1 + a2), a2 / (a1 + a2));
    assert_all_close(&c.coefficients, &[s1, s2], 1e-10);
    let expect: Vec<f64> = a.iter().zip(&b).map(|(x, y)| s1 * x + s2 * y).collect();
    assert_all_close(&c.weights, &expect, 1e-10);

    // A negative coefficient: a = [0.5, 0.3, 0.2], b = [0.9, 0.05, 0.05]:
    // a·a = 0.38, a·b = 0.475 > a·a, so α1 = b·b (a·a − a·b)/det < 0.
    let a = [0.5, 0.3, 0.2];
    let b = [0.9, 0.05, 0.05];
    let (aa, bb, ab) = (dot(&a, &a), dot(&b, &b), dot(&a, &b));
    let det = aa * bb - ab * ab;
    let (a1, a2) = (bb * (aa - ab) / det, aa * (bb - ab) / det);
    assert!(a1 < 0.0 && a2 > 0.0);
    let abs = combine_weights(
        &[&a, &b],
        &CombineMethod::GameTheory {
            negative: NegativeCoefficients::Abs,
        },
    )
    .unwrap();
    assert_all_close(&abs.coefficients, &[-a1 / (a2 - a1), a2 / (a2 - a1)], 1e-10);
    let clamp = combine_weights(
        &[&a, &b],
        &CombineMethod::GameTheory {
            negative: NegativeCoefficients::Clamp,
        },
    )
    .unwrap();
    assert_all_close(&clamp.coefficients, &[0.0, 1.0], 1e-12);
    assert_all_close(&clamp.weights, &b, 1e-12);

    // Identical vectors: singular system, the minimum-norm solution shares equally.
    let same = combine_weights(
        &[&a, &a],
        &CombineMethod::GameTheory {
            negative: NegativeCoefficients::Abs,
        },
    )
    .unwrap();
    assert_all_close(&same.coefficients, &[0.5, 0.5], 1e-10);
    assert_all_close(&same.weights, &a, 1e-12);
}

#[test]
fn combination_errors() {
    let a = [0.5, 0.5];
    assert!(matches!(
        combine_weights(&[&a, &[0.5, 0.3, 0.2]], &CombineMethod::Multiplicative),
        Err(ScoringError::ShapeMismatch { .. })
    ));
    assert_eq!(
        combine_weights(&[&a, &[0.0, 0.0]], &CombineMethod::Multiplicative),
        Err(ScoringError::ZeroWeights)
    );
    assert_eq!(
        combine_weights(&[&[1.0, 0.0], &[0.0, 1.0]], &CombineMethod::Multiplicative),
        Err(ScoringError::DegenerateCombination {
            method: "multiplicative"
        })
    );
    assert!(matches!(
        combine_weights(&[&a, &a], &CombineMethod::linear(1.5)),
        Err(ScoringError::InvalidCoefficient { index: 1, .. })
    ));
    assert!(matches!(
        combine_weights(&[&a, &[-0.1, 1.1]], &CombineMethod::linear(0.5)),
        Err(ScoringError::InvalidWeight { index: 0, .. })
    ));
}

// ---------------------------------------------------------------------------------- TOPSIS

#[test]
fn topsis_published_example_min_max() {
    // pymcdm's documented example (TOPSIS docstring): cost [1, 2, 5], benefit
    // [3000, 3750, 4500], weights ½ ½, min-max → [0.500, 0.617, 0.500].
    // By hand: v1 = [0, .125, .5] (ideal 0), v2 = [0, .25, .5] (ideal .5);
    // A2: D⁺ = √(.125² + .25²) = √.078125, D⁻ = √(.375² + .25²) = √.203125.
    let m = DecisionMatrix::from_columns(
        names(3),
        vec![
            Criterion::new("c1", "", Direction::Cost),
            Criterion::new("c2", "", Direction::Benefit),
        ],
        vec![vec![1.0, 2.0, 5.0], vec![3000.0, 3750.0, 4500.0]],
    )
    .unwrap();
    let opts = TopsisOptions {
        normalisation: Normalisation::MinMax,
        ..Default::default()
    };
    let r = topsis(&m, &[0.5, 0.5], &opts).unwrap();
    let a2 = 0.203125f64.sqrt() / (0.203125f64.sqrt() + 0.078125f64.sqrt());
    assert_all_close(&r.closeness, &[0.5, a2, 0.5], 1e-15);
    assert!((a2 - 0.617).abs() < 5e-4);
    assert_all_close(&r.d_plus, &[0.5, 0.078125f64.sqrt(), 0.5], 1e-15);
    // Ties share the smaller rank.
    assert_eq!(r.rank, vec![2, 1, 2]);
    assert_eq!(r.percentile, vec![50.0, 100.0, 50.0]);
}

#[test]
fn topsis_vector_by_hand() {
    // Benefit [3, 4] (norm 5) and cost [1, 2] (norm √5), weights 0.6 / 0.4.
    // v1 = [0.36, 0.48], v2 = [0.4/√5, 0.8/√5]; ideal (0.48, 0.4/√5), anti (0.36, 0.8/√5).
    // Row 0: D⁺ = 0.12, D⁻ = 0.4/√5; row 1: D⁺ = 0.4/√5, D⁻ = 0.12.
    let m = DecisionMatrix::from_columns(
        names(2),
        vec![
            Criterion::new("b", "", Direction::Benefit),
            Criterion::new("c", "", Direction::Cost),
        ],
        vec![vec![3.0, 4.0], vec![1.0, 2.0]],
    )
    .unwrap();
    // Weights are scaled to sum 1: 3 : 2 is 0.6 : 0.4.
    let r = topsis(&m, &[3.0, 2.0], &TopsisOptions::default()).unwrap();
    let q = 0.4 / 5f64.sqrt();
    assert_all_close(&r.d_plus, &[0.12, q], 1e-15);
    assert_all_close(&r.d_minus, &[q, 0.12], 1e-15);
    assert_all_close(&r.closeness, &[q / (q + 0.12), 0.12 / (q + 0.12)], 1e-15);
    assert_eq!(r.rank, vec![1, 2]);
}

#[test]
fn topsis_interval_criterion() {
    // Load rate with best range [0.3, 0.75]: values 0.5 (inside), 0.1 (0.2 below), 0.85 (0.1
    // above) → y = [1, 0, 0.5]. Alone, with min-max, C = y: [1, 0, 0.5].
    let m = DecisionMatrix::from_columns(
        names(3),
        vec![Criterion::new(
            "beta",
            "1",
            Direction::Interval { lo: 0.3, hi: 0.75 },
        )],
        vec![vec![0.5, 0.1, 0.85]],
    )
    .unwrap();
    let opts = TopsisOptions {
        normalisation: Normalisation::MinMax,
        ..Default::default()
    };
    let r = topsis(&m, &[1.0], &opts).unwrap();
    assert_all_close(&r.closeness, &[1.0, 0.0, 0.5], 1e-12);
    // Per-row ranges: give row 1 the range [0.05, 0.2], now it is inside too; row 2 is the only
    // one outside → y = [1, 1, 0].
    let mut m2 = m;
    m2.set_row_ranges("beta", vec![[0.3, 0.75], [0.05, 0.2], [0.3, 0.75]])
        .unwrap();
    let r = topsis(&m2, &[1.0], &opts).unwrap();
    assert_all_close(&r.closeness, &[1.0, 1.0, 0.0], 1e-12);
    // Every row inside: the column is constant → degenerate, C = 0.5.
    let m3 = DecisionMatrix::from_columns(
        names(2),
        vec![Criterion::new(
            "beta",
            "1",
            Direction::Interval { lo: 0.0, hi: 1.0 },
        )],
        vec![vec![0.5, 0.6]],
    )
    .unwrap();
    let r = topsis(&m3, &[1.0], &TopsisOptions::default()).unwrap();
    assert!(r.degenerate);
    assert_eq!(r.closeness, vec![0.5, 0.5]);
}

fn matrix_3x3() -> DecisionMatrix {
    DecisionMatrix::from_columns(
        names(4),
        vec![
            Criterion::new("b", "", Direction::Benefit),
            Criterion::new("c", "", Direction::Cost),
            Criterion::new("i", "", Direction::Interval { lo: 0.4, hi: 0.6 }),
        ],
        vec![
            vec![0.9, -0.2, 0.4, 0.1],
            vec![12.0, 30.0, 18.0, 25.0],
            vec![0.5, 0.9, 0.2, 0.45],
        ],
    )
    .unwrap()
}

#[test]
fn topsis_constant_zero_and_zero_weight_columns_contribute_nothing() {
    let base = matrix_3x3();
    let w = [0.5, 0.3, 0.2];
    let r0 = topsis(&base, &w, &TopsisOptions::default()).unwrap();
    for (extra, label) in [(vec![7.0; 4], "constant"), (vec![0.0; 4], "all zero")] {
        let mut m = base.clone();
        m.push_column(Criterion::new("extra", "", Direction::Cost), &extra)
            .unwrap();
        let r = topsis(&m, &[0.5, 0.3, 0.2, 0.4], &TopsisOptions::default()).unwrap();
        // The extra weight rescales the others by 1/1.4: distances shrink by 1/1.4, C is unchanged.
        assert_all_close(&r.closeness, &r0.closeness, 1e-12);
        assert_all_close(
            &r.d_plus,
            &r0.d_plus.iter().map(|d| d / 1.4).collect::<Vec<_>>(),
            1e-12,
        );
        assert!(!r.degenerate, "{label}");
    }
    // Zero weight on a varying column = dropping it.
    let r = topsis(&base, &[0.5, 0.3, 0.0], &TopsisOptions::default()).unwrap();
    let two = DecisionMatrix::from_columns(
        names(4),
        base.criteria()[..2].to_vec(),
        vec![
            base.column(0).unwrap().to_vec(),
            base.column(1).unwrap().to_vec(),
        ],
    )
    .unwrap();
    let r2 = topsis(&two, &[0.5, 0.3], &TopsisOptions::default()).unwrap();
    assert_all_close(&r.closeness, &r2.closeness, 1e-12);
}

#[test]
fn topsis_edge_errors_and_single_alternative() {
    let m = matrix_3x3();
    assert_eq!(
        topsis(&m, &[0.0, 0.0, 0.0], &TopsisOptions::default()),
        Err(ScoringError::ZeroWeights)
    );
    assert!(matches!(
        topsis(&m, &[0.5, -0.1, 0.2], &TopsisOptions::default()),
        Err(ScoringError::InvalidWeight { index: 1, problem: "is negative", ref criterion, .. }) if criterion == "c"
    ));
    assert!(matches!(
        topsis(&m, &[0.5, 0.5], &TopsisOptions::default()),
        Err(ScoringError::ShapeMismatch {
            expected: 3,
            found: 2,
            ..
        })
    ));
    // NaN in a cell: refused when the matrix is built, naming row and column.
    let e = DecisionMatrix::from_columns(
        names(2),
        vec![
            Criterion::new("b", "", Direction::Benefit),
            Criterion::new("c", "", Direction::Cost),
        ],
        vec![vec![1.0, 2.0], vec![3.0, f64::NAN]],
    )
    .unwrap_err();
    assert!(
        matches!(e, ScoringError::NotFinite { row: 1, column: 1, ref criterion, .. } if criterion == "c")
    );
    // …and by the batch path, first by row then column.
    let data = [1.0, 2.0, f64::INFINITY, 4.0, f64::NAN, 6.0];
    for layout in [Layout::RowMajor, Layout::ColumnMajor] {
        let view = MatrixView::new(&data, 3, 2, layout).unwrap();
        let e = topsis_batch(
            &view,
            &[Direction::Benefit; 2],
            &[1.0, 1.0],
            &TopsisOptions::default(),
        )
        .unwrap_err();
        // Row-major: (1,0) = ∞ is first; column-major: (2,0) = ∞ and (1,1) = NaN → row 1 first.
        let expect = match layout {
            Layout::RowMajor => (1, 0),
            Layout::ColumnMajor => (1, 1),
        };
        assert!(
            matches!(e, ScoringError::NotFinite { row, column, .. } if (row, column) == expect),
            "{e:?}"
        );
    }
    // One alternative: nothing separates it: C = 0.5, rank 1, percentile 100, flagged.
    let one = DecisionMatrix::from_columns(
        names(1),
        vec![Criterion::new("b", "", Direction::Benefit)],
        vec![vec![3.0]],
    )
    .unwrap();
    let r = topsis(&one, &[1.0], &TopsisOptions::default()).unwrap();
    assert_eq!(
        (r.closeness[0], r.rank[0], r.percentile[0], r.degenerate),
        (0.5, 1, 100.0, true)
    );
    let view = MatrixView::new(&[3.0, 1.0], 1, 2, Layout::RowMajor).unwrap();
    let r = topsis_batch(
        &view,
        &[Direction::Benefit, Direction::Cost],
        &[1.0, 1.0],
        &TopsisOptions::default(),
    )
    .unwrap();
    assert_eq!((r.closeness[0], r.rank[0], r.degenerate), (0.5, 1, true));
}

#[test]
fn ranks_and_percentiles() {
    // Competition ranking: 0.9 → 1; 0.5, 0.5 → 2; 0.1 → 4. Percentile 100·(n − rank)/(n − 1).
    let (r, p) = rank_descending(&[0.5, 0.9, 0.1, 0.5]).unwrap();
    assert_eq!(r, vec![2, 1, 4, 2]);
    assert_eq!(p, vec![100.0 * 2.0 / 3.0, 100.0, 0.0, 100.0 * 2.0 / 3.0]);
    assert!(matches!(
        rank_descending(&[0.1, f64::NAN]),
        Err(ScoringError::NotFinite { row: 1, .. })
    ));
}

#[test]
fn ranks_of_a_large_input_with_ties() {
    // Above the two-thread threshold (1,048,576 values), with many ties (1,000 distinct
    // values) and negative zero beside zero. Reference: rank = 1 + the number of values
    // strictly greater, found by binary search in a descending sorted copy.
    let n = 1_500_001;
    let mut rng = gridserve::synth::Rng::new(42);
    let values: Vec<f64> = (0..n)
        .map(|_| {
            let s = rng.next_u64();
            let v = ((s >> 33) % 1000) as f64 / 1000.0;
            if v == 0.0 && s & 1 == 1 { -0.0 } else { v }
        })
        .collect();
    let (r, p) = rank_descending(&values).unwrap();
    let mut sorted = values.clone();
    sorted.sort_by(|a, b| b.partial_cmp(a).unwrap());
    for (i, &v) in values.iter().enumerate() {
        let greater = sorted.partition_point(|&x| x > v);
        assert_eq!(r[i] as usize, greater + 1, "row {i} value {v}");
        let expected = 100.0 * (n - 1 - greater) as f64 / (n - 1) as f64;
        assert!((p[i] - expected).abs() < 1e-9);
    }
}

#[test]
fn batch_into_caller_buffers() {
    let n = 50_000;
    let (cm, dirs, w) = random_case(n, 5);
    let view = MatrixView::new(&cm, n, dirs.len(), Layout::ColumnMajor).unwrap();
    let opts = TopsisOptions::default();
    let whole = topsis_batch(&view, &dirs, &w, &opts).unwrap();
    // Buffers with stale contents are overwritten.
    let (mut p, mut q, mut c) = (vec![7.0; n], vec![7.0; n], vec![7.0; n]);
    let degenerate = topsis_batch_into(
        &view,
        &dirs,
        &w,
        &opts,
        TopsisOutputs {
            d_plus: &mut p,
            d_minus: &mut q,
            closeness: &mut c,
        },
    )
    .unwrap();
    assert!(!degenerate);
    assert_eq!((p, q, c), (whole.d_plus, whole.d_minus, whole.closeness));
    // A buffer of the wrong length is refused, naming it.
    let (mut p, mut q, mut c) = (vec![0.0; n], vec![0.0; n - 1], vec![0.0; n]);
    let e = topsis_batch_into(
        &view,
        &dirs,
        &w,
        &opts,
        TopsisOutputs {
            d_plus: &mut p,
            d_minus: &mut q,
            closeness: &mut c,
        },
    )
    .unwrap_err();
    assert!(
        matches!(&e, ScoringError::ShapeMismatch { what, expected, found } if what == "d_minus buffer" && *expected == n && *found == n - 1),
        "{e}"
    );
}

/// A random matrix with mixed criteria (including negatives and an interval column).
fn random_case(n: usize, seed: u64) -> (Vec<f64>, Vec<Direction>, Vec<f64>) {
    let mut rng = gridserve::synth::Rng::new(seed);
    let mut next = || rng.unit_f64();
    let dirs = vec![
        Direction::Benefit,
        Direction::Cost,
        Direction::Interval { lo: 0.3, hi: 0.6 },
        Direction::Benefit,
        Direction::Cost,
    ];
    let m = dirs.len();
    let mut col_major = vec![0.0; n * m];
    for j in 0..m {
        for i in 0..n {
            let u = next();
            col_major[j * n + i] = match j {
                0 => u * 10.0 - 5.0,    // negatives
                1 => (u * 4.0).floor(), // ties
                2 => u,                 // load-rate-like
                3 => 1000.0 + u * 9000.0,
                _ => u * 1e-3,
            };
        }
    }
    let weights = (0..m).map(|_| next() + 0.05).collect();
    (col_major, dirs, weights)
}

fn to_row_major(col_major: &[f64], n: usize, m: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * m];
    for j in 0..m {
        for i in 0..n {
            out[i * m + j] = col_major[j * n + i];
        }
    }
    out
}

fn check_paths_agree(n: usize, seed: u64, norm: Normalisation, threads: usize) {
    check_paths_agree_with(n, seed, norm, threads, false);
    // Benefit and cost columns only: the row-major fast paths.
    check_paths_agree_with(n, seed, norm, threads, true);
}

fn check_paths_agree_with(n: usize, seed: u64, norm: Normalisation, threads: usize, plain: bool) {
    let (cm, mut dirs, mut w) = random_case(n, seed);
    if plain {
        dirs[2] = Direction::Cost;
        // An inactive column among the active ones.
        w[3] = 0.0;
    }
    let m = dirs.len();
    let crits = dirs
        .iter()
        .enumerate()
        .map(|(j, d)| Criterion::new(format!("c{j}"), "", *d))
        .collect();
    let cols: Vec<Vec<f64>> = cm.chunks(n).map(<[f64]>::to_vec).collect();
    let dm = DecisionMatrix::from_columns(names(n), crits, cols).unwrap();
    let opts = TopsisOptions {
        normalisation: norm,
        ranks: true,
        threads: NonZeroUsize::new(threads),
    };
    let dense = topsis(&dm, &w, &opts).unwrap();
    let rm = to_row_major(&cm, n, m);
    let slices: Vec<&[f64]> = cm.chunks(n).collect();
    let views = [
        MatrixView::new(&cm, n, m, Layout::ColumnMajor).unwrap(),
        MatrixView::new(&rm, n, m, Layout::RowMajor).unwrap(),
        MatrixView::from_columns(&slices).unwrap(),
    ];
    for view in &views {
        let b = topsis_batch(view, &dirs, &w, &opts).unwrap();
        assert_all_close(&b.closeness, &dense.closeness, 1e-12);
        assert_all_close(&b.d_plus, &dense.d_plus, 1e-12);
        assert_all_close(&b.d_minus, &dense.d_minus, 1e-12);
        for c in &b.closeness {
            assert!((0.0..=1.0).contains(c));
        }
    }
}

#[test]
fn batch_equals_dense_on_all_layouts_and_thread_counts() {
    for norm in [Normalisation::Vector, Normalisation::MinMax] {
        for threads in [1, 2, 3, 7] {
            check_paths_agree(1000, 11, norm, threads);
        }
    }
    // Larger than the one-thread threshold, default threads.
    check_paths_agree(40_000, 3, Normalisation::Vector, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batch_equals_dense_random(n in 1usize..60, seed in any::<u64>(), threads in 1usize..5, minmax in any::<bool>()) {
        let norm = if minmax { Normalisation::MinMax } else { Normalisation::Vector };
        check_paths_agree(n, seed, norm, threads);
    }

    /// The best alternative on every criterion at once has C = 1; the worst on all has C = 0.
    #[test]
    fn dominating_alternative_scores_one(vals in prop::collection::vec(0.0f64..100.0, 6..30)) {
        let n = vals.len();
        let mut b = vals.clone();
        let mut c: Vec<f64> = vals.iter().map(|v| v * 0.5 + 3.0).collect();
        b.push(1000.0); c.push(-1000.0);      // dominates
        b.push(-1000.0); c.push(1000.0);      // dominated
        let m = DecisionMatrix::from_columns(
            names(n + 2),
            vec![Criterion::new("b", "", Direction::Benefit), Criterion::new("c", "", Direction::Cost)],
            vec![b, c],
        ).unwrap();
        let r = topsis(&m, &[0.3, 0.7], &TopsisOptions::default()).unwrap();
        prop_assert!(close(r.closeness[n], 1.0, 1e-12));
        prop_assert!(close(r.closeness[n + 1], 0.0, 1e-12));
        prop_assert_eq!(r.rank[n], 1);
    }
}

// ---------------------------------------------------------------------------------- indicators

fn record() -> UsageRecord {
    UsageRecord {
        id: "3301".into(),
        period_hours: 720.0,
        energy_kwh: 216_000.0, // P_avg = 300 kW
        sharp_kwh: Some(20_000.0),
        peak_kwh: Some(60_000.0),
        flat_kwh: Some(76_000.0),
        valley_kwh: Some(50_000.0),
        deep_valley_kwh: Some(10_000.0),
        reactive_kvarh: Some(162_000.0), // 216:162 = 4:3 → pf = 0.8
        power_factor: None,
        max_load_kw: Some(500.0),
        min_load_kw: Some(100.0),
        avg_load_kw: None,
        capacity_kva: Some(630.0),
        transformer_p0_kw: Some(0.81), // S11-630 (tariff reference §4.2)
        transformer_pk_kw: Some(6.2),
        transformer_i0_pct: None,
        transformer_uk_pct: None,
        max_demand_kw: Some(480.0),
        contract_demand_kw: Some(400.0),
        output: Some(1200.0),
    }
}

#[test]
fn indicators_by_hand() {
    let o = IndicatorOptions::default();
    let r = record();
    let get = |i: Indicator| i.compute(0, &r, &o).unwrap();
    assert_eq!(get(Indicator::LoadFactor).0, 0.6); // 300 / 500
    assert_eq!(get(Indicator::MinLoadRatio).0, 0.2); // 100 / 500
    assert_eq!(get(Indicator::PeakValleyDifferenceRate).0, 0.8); // 400 / 500
    assert!(close(get(Indicator::PowerFactor).0, 0.8, 1e-15)); // 216 / √(216² + 162²) = 216/270
    // β = 300 / 0.8 / 630 = 375 / 630; best range [1.33 · 0.81/6.2, 0.75].
    let (beta, range) = get(Indicator::TransformerLoadRate);
    assert!(close(beta, 375.0 / 630.0, 1e-15));
    let [lo, hi] = range.unwrap();
    assert!(close(lo, 1.33 * 0.81 / 6.2, 1e-15) && hi == 0.75);
    assert!(close(
        get(Indicator::ValleyEnergyShare).0,
        60_000.0 / 216_000.0,
        1e-15
    ));
    assert!(close(
        get(Indicator::PeakEnergyShare).0,
        80_000.0 / 216_000.0,
        1e-15
    ));
    assert!(close(get(Indicator::KwhPerKva).0, 216_000.0 / 630.0, 1e-15));
    // ΔA = (0.81 + 1.05 · β² · 6.2) · 720.
    let loss = (0.81 + 1.05 * (375.0f64 / 630.0).powi(2) * 6.2) * 720.0;
    assert!(close(
        get(Indicator::TransformerLossRate).0,
        loss / 216_000.0,
        1e-14
    ));
    assert_eq!(get(Indicator::DemandUtilisation).0, 1.2); // 480 / 400 (contract demand)
    assert_eq!(get(Indicator::UnitOutputConsumption).0, 180.0); // 216000 / 1200

    // Comprehensive β_JZ with I0% = 0.6, Uk% = 4.5, K_Q = 0.1:
    // P0Z = 0.81 + 0.1·0.6·630/100 = 1.188, PkZ = 6.2 + 0.1·4.5·630/100 = 9.035.
    let mut r2 = r.clone();
    r2.transformer_i0_pct = Some(0.6);
    r2.transformer_uk_pct = Some(4.5);
    let (_, range) = Indicator::TransformerLoadRate.compute(0, &r2, &o).unwrap();
    assert!(close(range.unwrap()[0], 1.33 * 1.188 / 9.035, 1e-14));
    // Without contract demand, demand utilisation is per kVA: 480 / 630.
    r2.contract_demand_kw = None;
    assert!(close(
        Indicator::DemandUtilisation.compute(0, &r2, &o).unwrap().0,
        480.0 / 630.0,
        1e-15
    ));
}

#[test]
fn indicator_errors_name_the_record_and_field() {
    let o = IndicatorOptions::default();
    let mut r = record();
    r.max_load_kw = None;
    assert_eq!(
        compute_indicators(&[record(), r], &[Indicator::LoadFactor], &o).unwrap_err(),
        ScoringError::MissingInput {
            record: 1,
            id: "3301".into(),
            indicator: "load_factor",
            field: "max_load_kw"
        }
    );
    let mut r = record();
    r.capacity_kva = Some(0.0);
    assert!(matches!(
        compute_indicators(&[r], &[Indicator::KwhPerKva], &o),
        Err(ScoringError::InvalidInput {
            record: 0,
            field: "capacity_kva",
            ..
        })
    ));
    let mut r = record();
    r.power_factor = Some(1.2);
    assert!(matches!(
        Indicator::PowerFactor.compute(0, &r, &o),
        Err(ScoringError::InvalidInput {
            field: "power_factor",
            ..
        })
    ));
    let mut r = record();
    r.transformer_p0_kw = None;
    assert!(matches!(
        Indicator::TransformerLoadRate.compute(0, &r, &o),
        Err(ScoringError::MissingInput {
            field: "transformer_p0_kw",
            ..
        })
    ));
    // A documented fallback range instead.
    let o2 = IndicatorOptions {
        default_load_rate_range: Some([0.2, 0.75]),
        ..o.clone()
    };
    assert_eq!(
        Indicator::TransformerLoadRate
            .compute(0, &r, &o2)
            .unwrap()
            .1,
        Some([0.2, 0.75])
    );
    assert!(matches!(
        compute_indicators(
            &[record()],
            &[Indicator::LoadFactor, Indicator::LoadFactor],
            &o
        ),
        Err(ScoringError::DuplicateCriterion { .. })
    ));
}

#[test]
fn indicator_matrix_with_a_user_column_scores_end_to_end() {
    let o = IndicatorOptions::default();
    let mut a = record();
    a.id = "A".into();
    let mut b = record();
    b.id = "B".into();
    b.max_load_kw = Some(900.0); // worse load factor and peak–valley rate
    b.transformer_p0_kw = Some(1.2); // S9-630: a wider best range lower end
    let ind = [
        Indicator::LoadFactor,
        Indicator::PeakValleyDifferenceRate,
        Indicator::TransformerLoadRate,
    ];
    let mut m = compute_indicators(&[a, b], &ind, &o).unwrap();
    assert_eq!(m.row_ranges(2).unwrap()[1][0], 1.33 * 1.2 / 6.2);
    m.push_column(
        Criterion::new("voltage_violation_h", "h", Direction::Cost),
        &[3.0, 40.0],
    )
    .unwrap();
    let values = m.row_values(1);
    assert_eq!(values[3].name, "voltage_violation_h");
    assert_eq!(values[2].best_range, Some([1.33 * 1.2 / 6.2, 0.75]));
    let w = Weights::entropy(&m, EntropyNormalisation::MinMax).unwrap();
    // The load-rate column is inside both best ranges (β = 0.595): constant → weight 0.
    assert_eq!(w.get("transformer_load_rate"), Some(0.0));
    let w2 = entropy_weights_matrix(&m, EntropyNormalisation::MinMax).unwrap();
    assert_eq!(w.values, w2);
    let r = topsis(&m, &[0.25, 0.25, 0.25, 0.25], &TopsisOptions::default()).unwrap();
    assert_eq!(r.rank, vec![1, 2]);
    assert_eq!(r.closeness, vec![1.0, 0.0]);
    // Everything serialises for a report.
    let json = serde_json::to_string(&(values, &w, r.score(0).unwrap())).unwrap();
    assert!(json.contains("\"best_range\"") && json.contains("\"percentile\":100.0"));
}

// ---------------------------------------------------------------------------------- hardening

#[test]
fn min_max_does_not_cancel_on_a_narrow_column() {
    // [[100, 1], [100 + 1e-9, 2], [100 + 2e-9, 3]], benefit/cost, weights 0.5/0.5. pymcdm 1.4.0
    // (TOPSIS with minmax_normalization, types [1, -1]) gives 0.5000017763630032 for the middle
    // row; the exact value for these doubles, worked with Python's Decimal at 50 digits from
    // r = (x − min)/(max − min), is 0.500001776363003310036. Computing a·x + b instead of
    // a·(x − min) gave a relative error of about 1e-6 here.
    let exact = 0.500_001_776_363_003_3;
    let col = [100.0, 100.0 + 1e-9, 100.0 + 2e-9];
    let cost = [1.0, 2.0, 3.0];
    let dirs = [Direction::Benefit, Direction::Cost];
    let opts = TopsisOptions {
        normalisation: Normalisation::MinMax,
        ..TopsisOptions::default()
    };
    let dm = DecisionMatrix::from_columns(
        names(3),
        vec![
            Criterion::new("b", "", Direction::Benefit),
            Criterion::new("c", "", Direction::Cost),
        ],
        vec![col.to_vec(), cost.to_vec()],
    )
    .unwrap();
    let dense = topsis(&dm, &[0.5, 0.5], &opts).unwrap();
    assert!(
        close(dense.closeness[1], exact, 1e-15),
        "{}",
        dense.closeness[1]
    );
    let cm: Vec<f64> = col.iter().chain(&cost).copied().collect();
    let rm = to_row_major(&cm, 3, 2);
    let slices = [&col[..], &cost[..]];
    for view in [
        MatrixView::new(&cm, 3, 2, Layout::ColumnMajor).unwrap(),
        MatrixView::new(&rm, 3, 2, Layout::RowMajor).unwrap(),
        MatrixView::from_columns(&slices).unwrap(),
    ] {
        let b = topsis_batch(&view, &dirs, &[0.5, 0.5], &opts).unwrap();
        assert!(close(b.closeness[1], exact, 1e-15), "{}", b.closeness[1]);
    }
    // The same narrow column shifted into an interval criterion's deviation (distance from
    // [0, 99]: 1, 1 + 1e-9, 1 + 2e-9) goes through the interval coefficients.
    let dirs = [Direction::Interval { lo: 0.0, hi: 99.0 }, Direction::Cost];
    let view = MatrixView::new(&cm, 3, 2, Layout::ColumnMajor).unwrap();
    let b = topsis_batch(&view, &dirs, &[0.5, 0.5], &opts).unwrap();
    // The deviation grows with x, so the interval column now favours the first row and the
    // middle row's distances swap: C = 1 − C of the benefit case (the deviations x − 99 are
    // exact by Sterbenz's lemma, so no digits are lost before the shift either).
    assert!(
        close(b.closeness[1], 1.0 - exact, 1e-14),
        "{}",
        b.closeness[1]
    );
}

#[test]
fn game_theory_gives_exactly_zero_for_a_uniform_vector() {
    // u1 = [0.5, 0.3, 0.2], u2 = [1/3, 1/3, 1/3]: u1·u2 = (Σu1)/3 = 1/3 = u2·u2, so the
    // closed form α2 = u1·u1 (u2·u2 − u1·u2)/det is exactly 0 and α1 = u2·u2 (u1·u1 − u2·u2)/
    // (u1·u1 u2·u2 − u2·u2²) = 1. The SVD solve used to return about 6.5e-11 for α2.
    let u1 = [0.5, 0.3, 0.2];
    let u2 = [1.0 / 3.0; 3];
    for negative in [NegativeCoefficients::Abs, NegativeCoefficients::Clamp] {
        let c = combine_weights(&[&u1, &u2], &CombineMethod::GameTheory { negative }).unwrap();
        let raw = c.raw_coefficients.clone().unwrap();
        assert_eq!(raw[1], 0.0);
        assert!(close(raw[0], 1.0, 1e-14), "{raw:?}");
        assert_eq!(c.coefficients, vec![1.0, 0.0]);
        assert_all_close(&c.weights, &u1, 1e-15);
    }
    // Three vectors go through the SVD; the uniform one still gets exactly 0 when the two
    // others are the same vector u1 (then α = (½, ½, 0) is the minimum-norm solution: the
    // system is u1's equation twice and u2's, whose solution puts 1 on u1 split evenly).
    let c = combine_weights(
        &[&u1, &u1, &u2],
        &CombineMethod::GameTheory {
            negative: NegativeCoefficients::Abs,
        },
    )
    .unwrap();
    let raw = c.raw_coefficients.unwrap();
    assert_eq!(raw[2], 0.0, "{raw:?}");
    assert_all_close(&raw[..2], &[0.5, 0.5], 1e-12);
}

#[test]
fn topsis_threads_zero_and_huge() {
    let (cm, dirs, w) = random_case(200, 5);
    let view = MatrixView::new(&cm, 200, dirs.len(), Layout::ColumnMajor).unwrap();
    let base = topsis_batch(&view, &dirs, &w, &TopsisOptions::default()).unwrap();
    // More than MAX_THREADS: a typed error, never a panic.
    let huge = TopsisOptions {
        threads: NonZeroUsize::new(5000),
        ..TopsisOptions::default()
    };
    match topsis_batch(&view, &dirs, &w, &huge) {
        Err(ScoringError::InvalidOption { option, value, .. }) => {
            assert_eq!((option, value), ("threads", 5000.0));
        }
        other => panic!("expected InvalidOption, got {other:?}"),
    }
    // The most allowed: one thread per row at most (200 here), same answer.
    let most = TopsisOptions {
        threads: NonZeroUsize::new(gridserve::scoring::MAX_THREADS),
        ..TopsisOptions::default()
    };
    let r = topsis_batch(&view, &dirs, &w, &most).unwrap();
    assert_all_close(&r.closeness, &base.closeness, 1e-12);
    assert_eq!(r.rank, base.rank);
}

/// A value that is not a number: NaN, +∞ or −∞.
fn bad_value() -> impl Strategy<Value = f64> {
    prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// NaN or ±∞ anywhere in a matrix: every TOPSIS and entropy entry point, on every layout,
    /// returns an error naming the cell, never a number and never a panic.
    #[test]
    fn non_finite_cells_are_refused_everywhere(
        n in 1usize..9,
        m in 1usize..5,
        at in any::<prop::sample::Index>(),
        bad in bad_value(),
        seed in any::<u64>(),
        minmax in any::<bool>(),
    ) {
        let mut s = seed | 1;
        let mut cm: Vec<f64> = (0..n * m)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % 1000) as f64 / 10.0
            })
            .collect();
        let k = at.index(n * m);
        cm[k] = bad;
        let (row, col) = (k % n, k / n);
        let dirs: Vec<Direction> = (0..m)
            .map(|j| match j % 3 {
                0 => Direction::Benefit,
                1 => Direction::Cost,
                _ => Direction::Interval { lo: 20.0, hi: 60.0 },
            })
            .collect();
        let w = vec![1.0; m];
        let opts = TopsisOptions {
            normalisation: if minmax { Normalisation::MinMax } else { Normalisation::Vector },
            ..TopsisOptions::default()
        };
        let rm = to_row_major(&cm, n, m);
        let slices: Vec<&[f64]> = cm.chunks(n).collect();
        for view in [
            MatrixView::new(&cm, n, m, Layout::ColumnMajor).unwrap(),
            MatrixView::new(&rm, n, m, Layout::RowMajor).unwrap(),
            MatrixView::from_columns(&slices).unwrap(),
        ] {
            match topsis_batch(&view, &dirs, &w, &opts) {
                Err(ScoringError::NotFinite { row: r, column: c, .. }) => {
                    prop_assert_eq!((r, c), (row, col));
                }
                other => prop_assert!(false, "topsis_batch: {:?}", other),
            }
            for norm in [EntropyNormalisation::MinMax, EntropyNormalisation::Sum] {
                prop_assert!(entropy_weights(&view, &dirs, norm).is_err());
            }
        }
        let crits = dirs
            .iter()
            .enumerate()
            .map(|(j, d)| Criterion::new(format!("c{j}"), "", *d))
            .collect();
        let cols: Vec<Vec<f64>> = cm.chunks(n).map(<[f64]>::to_vec).collect();
        prop_assert!(DecisionMatrix::from_columns(names(n), crits, cols).is_err());
    }

    /// NaN or ±∞ in weights, G1 ratios, combination inputs, closeness values or usage
    /// fields: an error, never a number and never a panic.
    #[test]
    fn non_finite_parameters_are_refused(
        bad in bad_value(),
        k in 0usize..3,
        field in 0usize..20,
    ) {
        let (cm, dirs, mut w) = random_case(20, 7);
        let view = MatrixView::new(&cm, 20, dirs.len(), Layout::ColumnMajor).unwrap();
        w[k] = bad;
        prop_assert!(topsis_batch(&view, &dirs, &w, &TopsisOptions::default()).is_err());
        let mut ratios = vec![1.2, 1.4];
        ratios[k % 2] = bad;
        prop_assert!(g1_weights(&[0, 1, 2], &ratios).is_err());
        let mut u = [0.2, 0.3, 0.5];
        u[k] = bad;
        for method in [
            CombineMethod::linear(0.5),
            CombineMethod::GameTheory { negative: NegativeCoefficients::Abs },
            CombineMethod::Multiplicative,
        ] {
            prop_assert!(combine_weights(&[&u, &[0.3, 0.3, 0.4]], &method).is_err());
        }
        prop_assert!(combine_weights(&[&[0.2, 0.3, 0.5], &[0.3, 0.3, 0.4]], &CombineMethod::linear(bad)).is_err());
        let mut c = vec![0.5, 0.25, 0.75];
        c[k] = bad;
        prop_assert!(rank_descending(&c).is_err());
        // A usage record with one field not finite: refused naming the field, whichever
        // indicators are asked for (even none that reads it).
        let mut r = record();
        let mut scratch = None;
        let slot: &mut Option<f64> = match field {
            0 => { r.period_hours = bad; &mut scratch }
            1 => { r.energy_kwh = bad; &mut scratch }
            2 => &mut r.sharp_kwh,
            3 => &mut r.peak_kwh,
            4 => &mut r.flat_kwh,
            5 => &mut r.valley_kwh,
            6 => &mut r.deep_valley_kwh,
            7 => &mut r.reactive_kvarh,
            8 => &mut r.power_factor,
            9 => &mut r.max_load_kw,
            10 => &mut r.min_load_kw,
            11 => &mut r.avg_load_kw,
            12 => &mut r.capacity_kva,
            13 => &mut r.transformer_p0_kw,
            14 => &mut r.transformer_pk_kw,
            15 => &mut r.transformer_i0_pct,
            16 => &mut r.transformer_uk_pct,
            17 => &mut r.max_demand_kw,
            18 => &mut r.contract_demand_kw,
            _ => &mut r.output,
        };
        *slot = Some(bad);
        for asked in [&Indicator::ALL[..], &[Indicator::LoadFactor][..]] {
            match compute_indicators(std::slice::from_ref(&r), asked, &IndicatorOptions::default()) {
                Err(ScoringError::InvalidInput { record: 0, value, .. }) => {
                    prop_assert!(!value.is_finite());
                }
                other => prop_assert!(false, "indicators: {:?}", other),
            }
        }
    }
}
