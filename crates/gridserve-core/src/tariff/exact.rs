//! Exact decimal input: a number given as text must be representable as it is written.
//!
//! [`rust_decimal::Decimal`] holds at most 28 significant digits (96-bit mantissa, scale ≤ 28);
//! its own parser rounds longer inputs without a word. Tariff inputs (prices, energies,
//! capacities) are read with [`parse_decimal`] instead, which refuses a number it would have to
//! round, and the serde helpers of this module use it for every decimal field of the tariff's
//! JSON layouts. Integers are exact. A JSON number with a fraction reaches serde as a binary
//! `f64` (serde_json without `arbitrary_precision`, which would change how numbers behave in
//! every crate of a host's build); JSON text entry points therefore pass through
//! [`quote_inexact_numbers`] first, which hands every literal an `f64` would not carry as
//! written (more than 17 significant digits, say) to the decimal fields as its exact text.

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

/// JSON text prepared so that every number literal reaches serde with its written value.
///
/// serde_json (without `arbitrary_precision`) hands a number with a fraction or an exponent,
/// and an integer beyond 64 bits, to serde as a binary `f64`. Where that `f64` does not read
/// back as the literal's own digits (more than 17 significant digits, or a value no `f64` holds
/// exactly enough, such as `0.1000000000000000055511151231257827`, or an underflow to 0), the
/// literal is turned into a JSON string holding exactly its text: a decimal field reads it
/// with [`parse_decimal`] (exact, or refused beyond 28 significant digits), and any other field
/// refuses a string — see [`ExactJson::explain`] for a message that says why. Literals an `f64`
/// carries exactly as written pass through, so ordinary JSON is untouched (and not copied).
#[derive(Debug, Clone)]
pub struct ExactJson<'a> {
    /// The text to deserialize.
    pub text: std::borrow::Cow<'a, str>,
    quoted: Vec<String>,
}

impl ExactJson<'_> {
    /// The literals that were turned into strings, as written.
    #[must_use]
    pub fn quoted(&self) -> &[String] {
        &self.quoted
    }

    /// A clearer message for a serde error caused by a quoted literal reaching a field that
    /// does not take text (`invalid type: string "0.1000…", expected f64`), or `None` when
    /// `message` is about something else.
    #[must_use]
    pub fn explain(&self, message: &str) -> Option<String> {
        let rest = message.strip_prefix("invalid type: string \"")?;
        let (literal, tail) = rest.split_once('"')?;
        if !self.quoted.iter().any(|q| q == literal) {
            return None;
        }
        let expected = tail.split_once("expected ").map_or("", |(_, e)| e);
        Some(format!(
            "the number {} has more digits than a binary floating-point number carries \
             (at most 17 significant digits); this field takes {}",
            excerpt(literal),
            if expected.is_empty() {
                "a shorter number"
            } else {
                expected.trim_end_matches(|c: char| c == ',' || c.is_whitespace())
            }
        ))
    }
}

/// Prepares JSON text as [`ExactJson`] describes. Text that is not valid JSON passes through
/// unchanged where it is invalid (serde reports it); only tokens that follow the JSON number
/// grammar, outside strings, are ever rewritten.
///
/// ```
/// use gridserve_core::tariff::exact::quote_inexact_numbers;
/// let j = quote_inexact_numbers(r#"{"a": 0.1, "b": 1.00000000000000000001, "c": 12}"#);
/// assert_eq!(j.text, r#"{"a": 0.1, "b": "1.00000000000000000001", "c": 12}"#);
/// ```
#[must_use]
pub fn quote_inexact_numbers(text: &str) -> ExactJson<'_> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut quoted = Vec::new();
    let mut copied = 0; // bytes of `text` already in `out`
    // Open brackets (`true` for an object) and whether the next token is an object's key: a
    // number in a key's place is invalid JSON and must stay so.
    let mut open: Vec<bool> = Vec::new();
    let mut key_next = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                open.push(bytes[i] == b'{');
                key_next = bytes[i] == b'{';
                i += 1;
            }
            b'}' | b']' => {
                open.pop();
                key_next = false;
                i += 1;
            }
            b',' => {
                key_next = open.last() == Some(&true);
                i += 1;
            }
            b':' => {
                key_next = false;
                i += 1;
            }
            b'"' => {
                key_next = false;
                // Skip the string, escapes included.
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                let literal = &text[start..i];
                let glued = start > 0 && bytes[start - 1].is_ascii_alphanumeric()
                    || i < bytes.len() && bytes[i].is_ascii_alphanumeric();
                let in_value_place = !std::mem::take(&mut key_next);
                if in_value_place && !glued && is_json_number(literal) && !f64_carries(literal) {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
                    o.push_str(&text[copied..start]);
                    o.push('"');
                    o.push_str(literal);
                    o.push('"');
                    copied = i;
                    quoted.push(literal.to_owned());
                }
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                key_next = false;
                i += 1;
            }
        }
    }
    let text = match out {
        Some(mut o) => {
            o.push_str(&text[copied.min(text.len())..]);
            std::borrow::Cow::Owned(o)
        }
        None => std::borrow::Cow::Borrowed(text),
    };
    ExactJson { text, quoted }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Whether serde_json hands the literal to serde with its written value: an integer within
/// 64 bits, or a number whose correctly rounded `f64` reads back as the same digits.
fn f64_carries(literal: &str) -> bool {
    let integer = !literal.contains(['.', 'e', 'E']);
    if integer && (literal.parse::<i64>().is_ok() || literal.parse::<u64>().is_ok()) {
        return true;
    }
    let Ok(f) = literal.parse::<f64>() else {
        return false;
    };
    if !f.is_finite() {
        // serde_json refuses it as out of range: leave that error to it.
        return true;
    }
    normal_digits(literal) == normal_digits(&format!("{f:e}"))
}

/// The significant digits (no leading or trailing zeros) and the decimal exponent of the
/// first of them, with the sign: `-0.0120e3` → (true, "12", 1). Zero is (false, "", 0).
fn normal_digits(s: &str) -> (bool, String, i64) {
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(k) => (&s[..k], s[k + 1..].parse::<i64>().unwrap_or(i64::MAX / 2)),
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = int_part.chars().chain(frac_part.chars()).collect();
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0');
    if digits.is_empty() {
        return (false, String::new(), 0);
    }
    let int_len = i64::try_from(int_part.len()).unwrap_or(i64::MAX / 2);
    let lead = i64::try_from(lead).unwrap_or(0);
    (
        negative,
        digits.to_owned(),
        exp.saturating_add(int_len - lead - 1),
    )
}

/// Deserializes JSON text into `T` with its number literals prepared as
/// [`quote_inexact_numbers`] does, refusing trailing characters. The error message names the
/// field path (`pf_target: …`) and explains a literal too long for a binary float.
///
/// # Errors
/// The message of the first problem.
pub fn from_json_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let exact = quote_inexact_numbers(text);
    let mut de = serde_json::Deserializer::from_str(&exact.text);
    let describe = |path: String, inner: String| {
        let message = exact.explain(&inner).unwrap_or(inner);
        if path == "." || path.is_empty() {
            message
        } else {
            format!("{path}: {message}")
        }
    };
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| describe(e.path().to_string(), e.inner().to_string()))?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[test]
    fn short_literals_pass_through_untouched() {
        // Each of these is the shortest round-trip text of its own f64, so serde_json carries
        // it exactly; nothing is copied.
        let t = r#"{"a": [0.1, -2.5e-3, 1e-30, 0.30000000000000004, 18446744073709551615, -9223372036854775808, 0, -0.0, 1.50]}"#;
        let j = quote_inexact_numbers(t);
        assert!(
            matches!(j.text, std::borrow::Cow::Borrowed(_)),
            "{}",
            j.text
        );
        assert!(j.quoted().is_empty());
    }

    #[test]
    fn inexact_literals_become_exact_strings() {
        // 21 significant digits; the exact binary value of 0.1 written out (its f64 reads
        // back as 0.1, not as these digits); beyond u64; an underflow to 0.
        let t = r#"[1.00000000000000000001, 0.1000000000000000055511151231257827, 18446744073709551616, 1e-400, "9.99999999999999999999"]"#;
        let j = quote_inexact_numbers(t);
        assert_eq!(
            j.text,
            r#"["1.00000000000000000001", "0.1000000000000000055511151231257827", "18446744073709551616", "1e-400", "9.99999999999999999999"]"#
        );
        assert_eq!(j.quoted().len(), 4);
    }

    #[test]
    fn strings_and_invalid_tokens_are_left_alone() {
        // Digits inside strings (escaped quotes included), a leading zero (invalid JSON), and
        // a token glued to letters are not numbers to rewrite.
        let t = r#"{"k\"1.00000000000000000001": "1.00000000000000000001", "b": 01.00000000000000000001, "c": x1.00000000000000000001}"#;
        let j = quote_inexact_numbers(t);
        assert_eq!(j.text, t);
        // A number where an object's key belongs is invalid JSON and stays invalid.
        for t in [
            r#"{1.00000000000000000001: 2}"#,
            r#"{"a": 1, 1.00000000000000000001: 2}"#,
            r#"[{"a": [1]}, {1.00000000000000000001: 2}]"#,
        ] {
            assert_eq!(quote_inexact_numbers(t).text, t);
        }
        // In arrays and after a key, it is a value.
        assert_eq!(
            quote_inexact_numbers(r#"{"a": [1, 1.00000000000000000001]}"#).text,
            r#"{"a": [1, "1.00000000000000000001"]}"#
        );
    }

    #[test]
    fn explain_names_the_literal_and_what_the_field_takes() {
        let j = quote_inexact_numbers("[1.00000000000000000001]");
        let m = j
            .explain(r#"invalid type: string "1.00000000000000000001", expected f64"#)
            .unwrap();
        assert!(
            m.contains("1.00000000000000000001") && m.contains("f64"),
            "{m}"
        );
        assert!(
            j.explain("invalid type: string \"x\", expected f64")
                .is_none()
        );
    }

    #[test]
    fn decimal_inputs_outside_the_tariff_are_exact_or_refused() {
        use crate::advice::AdviceRules;
        use crate::workflow::bill::BillCommand;
        // A payment of 29 significant digits would have been rounded by rust_decimal's own
        // parser; it is refused, and 21 digits are kept exactly.
        let pay = |amount: &str| {
            serde_json::from_value::<BillCommand>(
                serde_json::json!({"type": "record_payment", "amount": amount}),
            )
        };
        assert!(pay("1.0000000000000000000000000001").is_err());
        assert_eq!(
            pay("12.345678901234567890").unwrap(),
            BillCommand::RecordPayment {
                amount: "12.345678901234567890".parse().unwrap()
            }
        );
        // Advice rules as JSON text: a long literal reaches the decimal field as written.
        let rules =
            AdviceRules::from_json(r#"{"tou_shift_share": 0.1000000000000000055511151231}"#)
                .unwrap();
        assert_eq!(
            rules.tou_shift_share.to_string(),
            "0.1000000000000000055511151231"
        );
        let err =
            AdviceRules::from_json(r#"{"tou_shift_share": "0.10000000000000000000000000001"}"#)
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("tou_shift_share") && err.contains("significant digits"),
            "{err}"
        );
    }

    #[test]
    fn normal_digits_agree_on_equal_values() {
        assert_eq!(normal_digits("-0.0120e3"), (true, "12".into(), 1));
        assert_eq!(normal_digits("1.2e1"), normal_digits("12"));
        assert_eq!(normal_digits("0.000"), (false, String::new(), 0));
    }
}
