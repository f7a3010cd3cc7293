//! Exact decimal input: a number given as text must be representable as it is written.
//!
//! [`rust_decimal::Decimal`] holds at most 28 significant digits (96-bit mantissa, scale ≤ 28);
//! its own parser rounds longer inputs without a word. Tariff inputs (prices, energies,
//! capacities) are read with [`parse_decimal`] instead, which refuses a number it would have to
//! round, and the serde helpers of this module use it for every decimal field of the tariff's
//! JSON layouts. Integers are exact; a JSON number with a fraction reaches serde as a binary
//! `f64` (serde_json without `arbitrary_precision`) and is read as its shortest round-trip
//! decimal, which has at most 17 significant digits: give longer values as strings.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::Deserializer;
use serde::de::{Error as _, MapAccess, Visitor};

use super::Period;

/// Significant digits an exact decimal input may have.
pub const MAX_SIGNIFICANT_DIGITS: usize = 28;

/// At most 40 characters of `text`, with `…` when cut (values echoed in error messages).
#[must_use]
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// Parses a decimal number written as `[-+]digits[.digits][e[-+]digits]` exactly.
///
/// # Errors
/// A message (without the input beyond a short excerpt) when the text is not a number, has
/// more than 28 significant digits, or is too large or too small to hold exactly.
///
/// ```
/// use gridserve_core::tariff::exact::parse_decimal;
/// assert_eq!(parse_decimal("1.50").unwrap().to_string(), "1.50");
/// assert_eq!(parse_decimal("2.5e3").unwrap().to_string(), "2500");
/// // 29 significant digits: rust_decimal would round this to 1.000…0 silently.
/// assert!(parse_decimal("1.0000000000000000000000000001").is_err());
/// ```
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let bad = || format!("{:?} is not a decimal number", excerpt(text));
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(k) => {
            let e: i64 = t[k + 1..].parse().map_err(|_| bad())?;
            (&t[..k], e)
        }
        None => (t, 0),
    };
    let (negative, body) = match mantissa.as_bytes().first() {
        Some(b'-') => (true, &mantissa[1..]),
        Some(b'+') => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (int_part, frac_part) = match body.find('.') {
        Some(k) => (&body[..k], &body[k + 1..]),
        None => (body, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // All digits, the value being digits × 10^(exponent − frac_len).
    let digits: String = int_part.chars().chain(frac_part.chars()).collect();
    let mut scale = i64::try_from(frac_part.len()).map_err(|_| bad())? - exponent;
    let trimmed = digits.trim_start_matches('0');
    let mut significant = trimmed.trim_end_matches('0');
    if significant.is_empty() {
        return Ok(Decimal::ZERO);
    }
    // Trailing zeros lower the scale; keep the written scale when it fits (1.50 stays 1.50).
    let trailing = i64::try_from(trimmed.len() - significant.len()).map_err(|_| bad())?;
    let mut keep = trailing.min(scale.max(0));
    if significant.len() > MAX_SIGNIFICANT_DIGITS {
        return Err(format!(
            "{:?} has {} significant digits; an exact decimal holds at most {MAX_SIGNIFICANT_DIGITS}",
            excerpt(text),
            significant.len()
        ));
    }
    while keep > 0
        && significant.len() + usize::try_from(keep).unwrap_or(0) > MAX_SIGNIFICANT_DIGITS
    {
        keep -= 1;
    }
    scale -= trailing - keep;
    let owned;
    if keep > 0 {
        owned = format!(
            "{significant}{}",
            "0".repeat(usize::try_from(keep).unwrap_or(0))
        );
        significant = &owned;
    }
    let mut m: i128 = significant.parse().map_err(|_| bad())?;
    if scale < 0 {
        // Whole number with zeros to append: 10^-scale × m must still fit.
        let zeros = u32::try_from(-scale).map_err(|_| too_large(text))?;
        m = 10i128
            .checked_pow(zeros)
            .and_then(|p| m.checked_mul(p))
            .ok_or_else(|| too_large(text))?;
        scale = 0;
    }
    if scale > 28 {
        return Err(format!(
            "{:?} has more decimal places than an exact decimal holds (28)",
            excerpt(text)
        ));
    }
    if negative {
        m = -m;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Decimal::try_from_i128_with_scale(m, scale as u32).map_err(|_| too_large(text))
}

fn too_large(text: &str) -> String {
    format!(
        "{:?} is too large for an exact decimal (|x| < 7.9e28)",
        excerpt(text)
    )
}

struct ExactVisitor;

impl Visitor<'_> for ExactVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number (as a JSON number or a string)")
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Decimal, E> {
        Decimal::try_from_i128_with_scale(v, 0).map_err(|_| E::custom(too_large(&v.to_string())))
    }
    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Decimal, E> {
        let v = i128::try_from(v).map_err(|_| E::custom(too_large(&v.to_string())))?;
        self.visit_i128(v)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom(format!("{v} is not a finite number")));
        }
        // The shortest text that reads back as `v`, e.g. 0.1 for 0.1.
        parse_decimal(&format!("{v:e}")).map_err(E::custom)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }
}

/// Deserializes a decimal exactly (serde `deserialize_with`).
///
/// # Errors
/// The deserializer's error with [`parse_decimal`]'s message.
pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(ExactVisitor)
}

/// Deserializes an optional decimal exactly (`null` is `None`).
///
/// # Errors
/// As [`de`].
pub fn de_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    struct OptVisitor;
    impl<'de> Visitor<'de> for OptVisitor {
        type Value = Option<Decimal>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal number or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            de(d).map(Some)
        }
    }
    d.deserialize_option(OptVisitor)
}

/// Deserializes a map from period name to decimal exactly.
///
/// # Errors
/// As [`de`], and an unknown period name.
pub fn de_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Period, Decimal>, D::Error> {
    struct Exact(Decimal);
    impl<'de> serde::Deserialize<'de> for Exact {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            de(d).map(Exact)
        }
    }
    struct MapVisitor;
    impl<'de> Visitor<'de> for MapVisitor {
        type Value = BTreeMap<Period, Decimal>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map from period name to a decimal number")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((p, Exact(v))) = a.next_entry::<Period, Exact>()? {
                if out.insert(p, v).is_some() {
                    return Err(A::Error::custom(format!("period {p} is given twice")));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(MapVisitor)
}
