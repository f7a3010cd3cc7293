//! Power factor and the adjustment of 《功率因数调整电费办法》(83)水电财字第215号.
//!
//! The monthly power factor is cos φ = E_P / √(E_P² + E_Q²) with E_P the month's active energy
//! (kWh) and E_Q = |forward kvarh| + |reverse kvarh|: over-compensation (reverse, capacitive
//! kvarh) counts against the customer (reference tariff.md §2.2). It is rounded half-up to 0.01
//! before the table lookup. [`power_factor`] does this exactly: it decides each rounding boundary
//! by comparing squares in decimal arithmetic, so a value such as 0.895 is never misrounded by a
//! floating-point square root.
//!
//! The adjustment percentage (positive = surcharge 增收, negative = reduction 减收) in closed form
//! (reference §2.3; `data/pf_adjustment_1983.csv` is the full table, checked in the tests):
//!
//! | standard | reduction | surcharge |
//! |---|---|---|
//! | 0.90 | 0.90–0.94: −0.15 %/0.01 above 0.90; ≥ 0.95: −0.75 % | 0.70–0.89: +0.5 %/0.01 below 0.90; 0.65–0.69: +1 %/0.01 on top of 10 %; ≤ 0.64: +2 %/0.01 on top of 15 % |
//! | 0.85 | 0.85–0.90: −0.1 %/0.01; 0.91/0.92/0.93: −0.65/−0.80/−0.95 %; ≥ 0.94: −1.10 % | 0.65–0.84: +0.5 %/0.01; 0.60–0.64: +1 %/0.01 on top of 10 %; ≤ 0.59: +2 %/0.01 on top of 15 % |
//! | 0.80 | 0.80–0.90: −0.1 %/0.01; 0.91: −1.15 %; ≥ 0.92: −1.30 % | 0.60–0.79: +0.5 %/0.01; 0.55–0.59: +1 %/0.01 on top of 10 %; ≤ 0.54: +2 %/0.01 on top of 15 % |
//!
//! Below the table's last row (0.50) the +2 %/0.01 step continues without a cap, as the 1983
//! text does.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::TariffError;

/// Which table of the 1983 rules applies (reference §2.1), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PfStandard {
    /// 0.90: HV industrial customers above 160 kVA (every 大工业 customer, in practice).
    #[serde(rename = "0.90")]
    P090,
    /// 0.85: other industrial and non-industrial customers of ≥ 100 kVA.
    #[serde(rename = "0.85")]
    P085,
    /// 0.80: agricultural and wholesale customers of ≥ 100 kVA.
    #[serde(rename = "0.80")]
    P080,
    /// No power-factor adjustment.
    #[serde(rename = "none")]
    None,
}

impl PfStandard {
    /// The standard's power factor (0.90, 0.85, 0.80), `None` for no standard.
    #[must_use]
    pub fn value(self) -> Option<Decimal> {
        match self {
            Self::P090 => Some(Decimal::new(90, 2)),
            Self::P085 => Some(Decimal::new(85, 2)),
            Self::P080 => Some(Decimal::new(80, 2)),
            Self::None => None,
        }
    }

    /// The lowest power factor that earns the largest reduction (0.95, 0.94, 0.92): the default
    /// target of compensation advice.
    #[must_use]
    pub fn full_reduction_pf(self) -> Option<Decimal> {
        match self {
            Self::P090 => Some(Decimal::new(95, 2)),
            Self::P085 => Some(Decimal::new(94, 2)),
            Self::P080 => Some(Decimal::new(92, 2)),
            Self::None => None,
        }
    }

    /// The name used in JSON and messages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::P090 => "0.90",
            Self::P085 => "0.85",
            Self::P080 => "0.80",
            Self::None => "none",
        }
    }
}

/// The monthly power factor from active and reactive energy, rounded half-up to 0.01.
///
/// `kvarh_forward` and `kvarh_reverse` are added as absolute values. Reactive energy of zero
/// gives 1.00.
///
/// ```
/// use gridserve_core::tariff::power_factor;
/// use rust_decimal::Decimal;
/// // 1000 kWh, 484.3 kvarh: cos φ = 1000 / √(1000² + 484.3²) = 0.89999… → 0.90.
/// let pf = power_factor(Decimal::from(1000), Decimal::new(4843, 1), Decimal::ZERO, "C1")?;
/// assert_eq!(pf, Decimal::new(90, 2));
/// # Ok::<(), gridserve_core::tariff::TariffError>(())
/// ```
///
/// # Errors
/// [`TariffError::NegativeQuantity`] for negative active energy,
/// [`TariffError::PfZeroEnergy`] when the active energy is zero,
/// [`TariffError::Overflow`] for energies beyond about 10¹² kWh.
pub fn power_factor(
    energy_kwh: Decimal,
    kvarh_forward: Decimal,
    kvarh_reverse: Decimal,
    record: &str,
) -> Result<Decimal, TariffError> {
    if energy_kwh.is_sign_negative() && !energy_kwh.is_zero() {
        return Err(TariffError::NegativeQuantity {
            record: record.to_owned(),
            field: "energy_kwh".into(),
            value: energy_kwh,
        });
    }
    let q = kvarh_forward.abs() + kvarh_reverse.abs();
    if energy_kwh.is_zero() {
        return Err(TariffError::PfZeroEnergy {
            record: record.to_owned(),
            kvarh: q,
        });
    }
    if q.is_zero() {
        return Ok(Decimal::ONE);
    }
    let overflow = || TariffError::Overflow {
        record: record.to_owned(),
        what: "power factor",
    };
    let p2 = energy_kwh.checked_mul(energy_kwh).ok_or_else(overflow)?;
    let s2 = p2
        .checked_add(q.checked_mul(q).ok_or_else(overflow)?)
        .ok_or_else(overflow)?;
    let lhs = p2.checked_mul(Decimal::from(40_000)).ok_or_else(overflow)?;
    // The rounded value is k/100 for the largest k with cos φ ≥ (k − 0.5)/100, i.e.
    // 40000·P² ≥ (2k − 1)²·(P² + Q²). Start from a floating-point estimate and settle the
    // boundary exactly.
    let at_least = |k: i64| -> Result<bool, TariffError> {
        if k <= 0 {
            return Ok(true);
        }
        let t = Decimal::from(2 * k - 1);
        Ok(lhs
            >= t.checked_mul(t)
                .and_then(|t2| t2.checked_mul(s2))
                .ok_or_else(overflow)?)
    };
    let p = f64::try_from(energy_kwh).unwrap_or(0.0);
    let qf = f64::try_from(q).unwrap_or(0.0);
    #[allow(clippy::cast_possible_truncation)]
    let mut k = ((p / p.hypot(qf)) * 100.0).round() as i64;
    k = k.clamp(0, 100);
    while k < 100 && at_least(k + 1)? {
        k += 1;
    }
    while k > 0 && !at_least(k)? {
        k -= 1;
    }
    Ok(Decimal::new(k, 2))
}

/// The adjustment percentage for a power factor already rounded to 0.01 (values with more
/// decimals are rounded half-up first; values outside 0–1 are clamped). Positive = surcharge,
/// negative = reduction; zero for [`PfStandard::None`].
///
/// ```
/// use gridserve_core::tariff::{adjustment_pct, PfStandard};
/// use rust_decimal::Decimal;
/// // Reference §2.4: standard 0.90, pf 0.82 → +4.0 %.
/// assert_eq!(adjustment_pct(PfStandard::P090, Decimal::new(82, 2)), Decimal::new(400, 2));
/// ```
#[must_use]
pub fn adjustment_pct(standard: PfStandard, pf: Decimal) -> Decimal {
    // A power factor lies in 0–1; anything outside is clamped to the nearer end.
    let n = pf
        .clamp(Decimal::ZERO, Decimal::ONE)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|v| i64::try_from(v).ok())
        .unwrap_or(0);
    // Percent in hundredths of a percent.
    let hundredths: i64 = match standard {
        PfStandard::None => 0,
        PfStandard::P090 => match n {
            95.. => -75,
            90..=94 => -15 * (n - 90),
            70..=89 => 50 * (90 - n),
            65..=69 => 1000 + 100 * (70 - n),
            _ => 1500 + 200 * (65 - n),
        },
        PfStandard::P085 => match n {
            94.. => -110,
            91..=93 => -65 - 15 * (n - 91),
            85..=90 => -10 * (n - 85),
            65..=84 => 50 * (85 - n),
            60..=64 => 1000 + 100 * (65 - n),
            _ => 1500 + 200 * (60 - n),
        },
        PfStandard::P080 => match n {
            92.. => -130,
            91 => -115,
            80..=90 => -10 * (n - 80),
            60..=79 => 50 * (80 - n),
            55..=59 => 1000 + 100 * (60 - n),
            _ => 1500 + 200 * (55 - n),
        },
    };
    Decimal::new(hundredths, 2)
}

/// The compensation (kvar) that raises the power factor of an average load `p_kw` from `pf_from`
/// to `pf_to`: Q_c = P·(tan φ1 − tan φ2) (reference §2.4). Zero when `pf_from ≥ pf_to`.
#[must_use]
pub fn compensation_kvar(p_kw: f64, pf_from: f64, pf_to: f64) -> f64 {
    if !(pf_from > 0.0 && pf_from < pf_to && pf_to <= 1.0 && p_kw.is_finite()) {
        return 0.0;
    }
    let tan = |c: f64| (1.0 - c * c).max(0.0).sqrt() / c;
    p_kw * (tan(pf_from) - tan(pf_to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const TABLE: &str = include_str!("data/pf_adjustment_1983.csv");

    /// The closed form equals every row of the 1983 table (1.00 … 0.50, three standards).
    #[test]
    fn closed_form_matches_the_csv_table() {
        let mut rows = 0;
        for line in TABLE.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let pf = d(cols[0]);
            for (std, col) in [
                (PfStandard::P090, 1),
                (PfStandard::P085, 2),
                (PfStandard::P080, 3),
            ] {
                let want = d(cols[col].trim_start_matches('+'));
                assert_eq!(
                    adjustment_pct(std, pf),
                    want,
                    "pf {pf} standard {}",
                    std.as_str()
                );
            }
            rows += 1;
        }
        assert_eq!(rows, 51);
    }

    /// Every boundary of the three tables (reference §2.3), values read off the table.
    #[test]
    fn boundaries_of_each_standard() {
        let cases = [
            // standard 0.90
            (PfStandard::P090, "0.95", "-0.75"),
            (PfStandard::P090, "0.94", "-0.60"),
            (PfStandard::P090, "0.90", "0.00"),
            (PfStandard::P090, "0.89", "0.50"),
            (PfStandard::P090, "0.70", "10.00"),
            (PfStandard::P090, "0.69", "11.00"),
            (PfStandard::P090, "0.65", "15.00"),
            (PfStandard::P090, "0.64", "17.00"),
            // standard 0.85: the same breakpoints shifted by 0.05 (0.94/0.93, 0.85/0.84, 0.65/0.64, 0.60/0.59)
            (PfStandard::P085, "0.94", "-1.10"),
            (PfStandard::P085, "0.93", "-0.95"),
            (PfStandard::P085, "0.91", "-0.65"),
            (PfStandard::P085, "0.90", "-0.50"),
            (PfStandard::P085, "0.85", "0.00"),
            (PfStandard::P085, "0.84", "0.50"),
            (PfStandard::P085, "0.65", "10.00"),
            (PfStandard::P085, "0.64", "11.00"),
            (PfStandard::P085, "0.60", "15.00"),
            (PfStandard::P085, "0.59", "17.00"),
            // standard 0.80: 0.92/0.91, 0.80/0.79, 0.60/0.59, 0.55/0.54
            (PfStandard::P080, "0.92", "-1.30"),
            (PfStandard::P080, "0.91", "-1.15"),
            (PfStandard::P080, "0.90", "-1.00"),
            (PfStandard::P080, "0.80", "0.00"),
            (PfStandard::P080, "0.79", "0.50"),
            (PfStandard::P080, "0.60", "10.00"),
            (PfStandard::P080, "0.59", "11.00"),
            (PfStandard::P080, "0.55", "15.00"),
            (PfStandard::P080, "0.54", "17.00"),
            // Below the table: +2 %/0.01 continues (0.90: 0.40 → 15 + 2·25 = 65).
            (PfStandard::P090, "0.40", "65.00"),
            (PfStandard::None, "0.40", "0"),
            // Clamped: above 1 is 1.00, below 0 is 0.00 (0.90: 15 + 2 × 65 = 145).
            (PfStandard::P090, "7", "-0.75"),
            (PfStandard::P090, "-3", "145"),
        ];
        for (std, pf, want) in cases {
            assert_eq!(
                adjustment_pct(std, d(pf)),
                d(want),
                "{} at {pf}",
                std.as_str()
            );
        }
    }

    #[test]
    fn power_factor_rounds_half_up_exactly() {
        // P = 1000, Q around the 0.895 boundary: cos φ = 0.895 exactly when
        // Q = P·tan(acos 0.895) = 498.398; Q = 498 → 0.895142 → 0.90; Q = 499 → 0.894785 → 0.89.
        assert_eq!(
            power_factor(d("1000"), d("498"), d("0"), "x").unwrap(),
            d("0.90")
        );
        assert_eq!(
            power_factor(d("1000"), d("499"), d("0"), "x").unwrap(),
            d("0.89")
        );
        // Pythagorean triples give exact values: P = 4, Q = 3 → 0.8 exactly, with the reverse
        // kvarh added as an absolute value (fwd 2 + |rev −1| = 3); P = 3, Q = 4 → 0.6.
        assert_eq!(
            power_factor(d("4"), d("2"), d("-1"), "x").unwrap(),
            d("0.80")
        );
        assert_eq!(
            power_factor(d("3"), d("4"), d("0"), "x").unwrap(),
            d("0.60")
        );
        assert_eq!(power_factor(d("5"), d("0"), d("0"), "x").unwrap(), d("1"));
    }

    #[test]
    fn zero_energy_is_refused() {
        assert!(matches!(
            power_factor(d("0"), d("10"), d("0"), "C9 2026-02"),
            Err(TariffError::PfZeroEnergy { record, kvarh }) if record == "C9 2026-02" && kvarh == d("10")
        ));
        assert!(matches!(
            power_factor(d("-1"), d("10"), d("0"), "C9"),
            Err(TariffError::NegativeQuantity { .. })
        ));
    }

    #[test]
    fn compensation_formula() {
        // P = 1000 kW from 0.80 to 0.95: tan φ1 = 0.6/0.8 = 0.75,
        // tan φ2 = √(1 − 0.9025)/0.95 = 0.328684 → 1000 × 0.421316 = 421.32 kvar.
        let q = compensation_kvar(1000.0, 0.8, 0.95);
        assert!((q - 421.316).abs() < 0.01, "{q}");
        assert!(compensation_kvar(1000.0, 0.96, 0.95).abs() < f64::EPSILON);
    }
}
