//! Channel rules: the typed fields of WeChat template and subscription messages, and SMS
//! length and billing segments.
//!
//! The limits are those of the WeChat 类目模板 / 订阅消息 keyword table and the mainland SMS
//! gateways' rules (see the crate's messaging reference); they are data ([`WechatLimits`],
//! [`SmsRules`]) with those values as defaults. Lengths count Unicode characters (a Chinese
//! character counts one), as the platforms do.
//!
//! **Truncation policy.** A value that does not fit is an error naming the template, field and
//! value — except a `thing` field whose template marks it [`Overflow::Truncate`]: it is cut to
//! the limit with the last kept character replaced by `…`. No other type is ever truncated
//! (a cut name, phone number, amount, time, code or enumerated value would say something false).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The type of a WeChat category-template keyword (the prefix of keys such as `thing1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldKind {
    /// A proper noun (name, address, institution): ≤ 20 characters.
    Thing,
    /// A number: ≤ 32 digits (an optional sign and one decimal point allowed).
    Number,
    /// Latin letters only: ≤ 32.
    Letter,
    /// Symbols (no letters, digits or CJK): ≤ 5.
    Symbol,
    /// Digits, letters or symbols, no Chinese characters: ≤ 32.
    CharacterString,
    /// A time such as `15:01` or `2019年10月1日 15:01`; ranges joined with `~`.
    Time,
    /// A date such as `2019年10月1日` or `2019-10-01`; ranges joined with `~`.
    Date,
    /// An amount: an optional currency symbol, ≤ 10 digits, an optional `元`.
    Amount,
    /// A phone number: ≤ 17 characters of digits, `+`, `-`, spaces and parentheses.
    PhoneNumber,
    /// A car number plate: ≤ 8 characters.
    CarNumber,
    /// A person's name: ≤ 10 Chinese characters, or ≤ 20 Latin characters.
    Name,
    /// A phrase: ≤ 5 Chinese characters, nothing else.
    Phrase,
    /// One of the template's pre-approved values: ≤ 20 characters.
    Const,
}

impl FieldKind {
    /// The snake-case name (as in the key prefix).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thing => "thing",
            Self::Number => "number",
            Self::Letter => "letter",
            Self::Symbol => "symbol",
            Self::CharacterString => "character_string",
            Self::Time => "time",
            Self::Date => "date",
            Self::Amount => "amount",
            Self::PhoneNumber => "phone_number",
            Self::CarNumber => "car_number",
            Self::Name => "name",
            Self::Phrase => "phrase",
            Self::Const => "const",
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do with a value longer than its field allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Refuse the notice with [`super::NotifyError::FieldTooLong`] (the default).
    #[default]
    Refuse,
    /// Cut to the limit, ending in `…`. Only `thing` fields accept this; on any other type it
    /// is ignored and the value refused.
    Truncate,
}

/// The length limits of WeChat keyword types, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WechatLimits {
    /// `thing`.
    pub thing: usize,
    /// `number` (digits).
    pub number: usize,
    /// `letter`.
    pub letter: usize,
    /// `symbol`.
    pub symbol: usize,
    /// `character_string`.
    pub character_string: usize,
    /// `time` and `date` (the platform states formats, not a length; this bounds the range).
    pub time: usize,
    /// `amount` (digits; one blog reports 12 for category templates — override if so).
    pub amount_digits: usize,
    /// `phone_number`.
    pub phone_number: usize,
    /// `car_number`.
    pub car_number: usize,
    /// `name` made of Chinese characters.
    pub name_cjk: usize,
    /// `name` made of Latin characters.
    pub name_latin: usize,
    /// `phrase` (Chinese characters).
    pub phrase: usize,
    /// `const`.
    pub constant: usize,
}

impl Default for WechatLimits {
    fn default() -> Self {
        Self {
            thing: 20,
            number: 32,
            letter: 32,
            symbol: 5,
            character_string: 32,
            time: 40,
            amount_digits: 10,
            phone_number: 17,
            car_number: 8,
            name_cjk: 10,
            name_latin: 20,
            phrase: 5,
            constant: 20,
        }
    }
}

/// A value that does not fit its field; the renderer adds template, channel and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldProblem {
    TooLong { length: usize, limit: usize },
    Invalid(String),
}

/// Whether `c` is a CJK ideograph or CJK punctuation / full-width form (what the platforms
/// call 中文/汉字 for these rules).
#[must_use]
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'   // CJK symbols and punctuation
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // full-width forms
        | '\u{20000}'..='\u{2FA1F}')
}

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

impl WechatLimits {
    /// Checks `value` against the rules of `kind`; `allowed` is the list of a `const` field.
    /// Returns the value to send (truncated only for a `thing` with [`Overflow::Truncate`]).
    pub(crate) fn check(
        &self,
        kind: FieldKind,
        value: &str,
        overflow: Overflow,
        allowed: &[String],
    ) -> Result<String, FieldProblem> {
        let len = value.chars().count();
        let too_long = |limit: usize| -> Result<(), FieldProblem> {
            if len > limit {
                Err(FieldProblem::TooLong { length: len, limit })
            } else {
                Ok(())
            }
        };
        let invalid = |why: &str| Err(FieldProblem::Invalid(why.to_owned()));
        if value.trim().is_empty() {
            return invalid("empty");
        }
        match kind {
            FieldKind::Thing => {
                if len > self.thing && overflow == Overflow::Truncate && self.thing > 0 {
                    let mut cut: String = value.chars().take(self.thing - 1).collect();
                    cut.push('…');
                    return Ok(cut);
                }
                too_long(self.thing)?;
            }
            FieldKind::Number => {
                let digits = value.chars().filter(char::is_ascii_digit).count();
                let body = value.strip_prefix('-').unwrap_or(value);
                if body.is_empty()
                    || !body.chars().all(|c| c.is_ascii_digit() || c == '.')
                    || body.matches('.').count() > 1
                {
                    return invalid("a number has digits, an optional sign and one decimal point");
                }
                if digits > self.number {
                    return Err(FieldProblem::TooLong {
                        length: digits,
                        limit: self.number,
                    });
                }
            }
            FieldKind::Letter => {
                if !value.chars().all(|c| c.is_ascii_alphabetic()) {
                    return invalid("letters only");
                }
                too_long(self.letter)?;
            }
            FieldKind::Symbol => {
                if value.chars().any(|c| c.is_alphanumeric() || is_cjk(c)) {
                    return invalid("symbols only");
                }
                too_long(self.symbol)?;
            }
            FieldKind::CharacterString => {
                if value
                    .chars()
                    .any(|c| is_cjk(c) || !c.is_ascii() || c.is_whitespace())
                {
                    return invalid("digits, letters or symbols only; no Chinese characters");
                }
                too_long(self.character_string)?;
            }
            FieldKind::Time | FieldKind::Date => {
                let ok = value.chars().all(|c| {
                    c.is_ascii_digit()
                        || matches!(
                            c,
                            ':' | '-' | '/' | ' ' | '~' | '年' | '月' | '日' | '时' | '分'
                        )
                });
                if !ok || !value.chars().any(|c| c.is_ascii_digit()) {
                    return invalid(
                        "a time or date such as 15:01, 2019年10月1日 15:01 or 2019-10-01; ranges joined with ~",
                    );
                }
                too_long(self.time)?;
            }
            FieldKind::Amount => {
                let mut s = value;
                if let Some(c) = s.chars().next()
                    && matches!(c, '¥' | '￥' | '$' | '€' | '£')
                {
                    s = &s[c.len_utf8()..];
                }
                s = s.strip_suffix('元').unwrap_or(s);
                let digits = s.chars().filter(char::is_ascii_digit).count();
                if digits == 0
                    || !s.chars().all(|c| c.is_ascii_digit() || c == '.')
                    || s.matches('.').count() > 1
                {
                    return invalid("an amount is one currency symbol, digits and an optional 元");
                }
                if digits > self.amount_digits {
                    return Err(FieldProblem::TooLong {
                        length: digits,
                        limit: self.amount_digits,
                    });
                }
            }
            FieldKind::PhoneNumber => {
                if !value
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
                {
                    return invalid("digits, +, -, spaces and parentheses only");
                }
                too_long(self.phone_number)?;
            }
            FieldKind::CarNumber => too_long(self.car_number)?,
            FieldKind::Name => {
                let limit = if value.chars().any(is_cjk) {
                    self.name_cjk
                } else {
                    self.name_latin
                };
                too_long(limit)?;
            }
            FieldKind::Phrase => {
                if !value.chars().all(is_ideograph) {
                    return invalid("Chinese characters only");
                }
                too_long(self.phrase)?;
            }
            FieldKind::Const => {
                too_long(self.constant)?;
                if !allowed.iter().any(|a| a == value) {
                    return Err(FieldProblem::Invalid(format!(
                        "not one of the approved values {allowed:?}"
                    )));
                }
            }
        }
        Ok(value.to_owned())
    }
}

/// SMS rules of the mainland gateways (Alibaba, Tencent, Huawei Cloud).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsRules {
    /// The signature put in front of the text, with its brackets, e.g. `【某某供电】`.
    pub signature: String,
    /// The longest accepted text, signature included (500).
    pub max_chars: usize,
    /// Up to this many characters (signature included) bill as one message (70).
    pub single_chars: usize,
    /// Longer texts bill in segments of this many characters (67).
    pub segment_chars: usize,
}

impl Default for SmsRules {
    fn default() -> Self {
        Self {
            signature: "【供电服务】".to_owned(),
            max_chars: 500,
            single_chars: 70,
            segment_chars: 67,
        }
    }
}

impl SmsRules {
    /// The number of billed messages for a text of `chars` characters (signature included):
    /// one up to `single_chars`, otherwise `ceil(chars / segment_chars)`; 0 for an empty text.
    ///
    /// ```
    /// use gridserve_core::notify::SmsRules;
    /// let rules = SmsRules::default();
    /// // The gateway's own example: 160 characters bill as 67 + 67 + 26 = 3 messages.
    /// assert_eq!(rules.segments(160), 3);
    /// assert_eq!(rules.segments(70), 1);
    /// assert_eq!(rules.segments(71), 2);
    /// ```
    #[must_use]
    pub fn segments(&self, chars: usize) -> usize {
        if chars == 0 {
            0
        } else if chars <= self.single_chars || self.segment_chars == 0 {
            1
        } else {
            chars.div_ceil(self.segment_chars)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: FieldKind, v: &str) -> Result<String, FieldProblem> {
        WechatLimits::default().check(kind, v, Overflow::Refuse, &[])
    }

    #[test]
    fn thing_20_fits_21_does_not() {
        let twenty = "变".repeat(20);
        assert_eq!(check(FieldKind::Thing, &twenty).unwrap(), twenty);
        let twenty_one = "变".repeat(21);
        assert_eq!(
            check(FieldKind::Thing, &twenty_one),
            Err(FieldProblem::TooLong {
                length: 21,
                limit: 20
            })
        );
        // Truncation when the template allows it: 19 kept + the ellipsis = 20.
        let cut = WechatLimits::default()
            .check(FieldKind::Thing, &twenty_one, Overflow::Truncate, &[])
            .unwrap();
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with('…'));
        // Truncate is ignored for other types.
        assert!(
            WechatLimits::default()
                .check(FieldKind::Phrase, "抢修人员正在", Overflow::Truncate, &[])
                .is_err()
        );
    }

    #[test]
    fn phrase_5_fits_6_does_not_and_is_chinese_only() {
        assert!(check(FieldKind::Phrase, "正在抢修中").is_ok());
        assert_eq!(
            check(FieldKind::Phrase, "抢修人员到达"),
            Err(FieldProblem::TooLong {
                length: 6,
                limit: 5
            })
        );
        assert!(matches!(
            check(FieldKind::Phrase, "ok"),
            Err(FieldProblem::Invalid(_))
        ));
    }

    #[test]
    fn character_string_32_and_no_chinese() {
        assert!(check(FieldKind::CharacterString, &"A".repeat(32)).is_ok());
        assert!(matches!(
            check(FieldKind::CharacterString, &"A".repeat(33)),
            Err(FieldProblem::TooLong {
                length: 33,
                limit: 32
            })
        ));
        assert!(matches!(
            check(FieldKind::CharacterString, "D-2026-缺陷"),
            Err(FieldProblem::Invalid(_))
        ));
    }

    #[test]
    fn other_types() {
        assert!(check(FieldKind::Amount, "¥1234.50").is_ok());
        assert!(check(FieldKind::Amount, "1234.50元").is_ok());
        // 11 digits > 10.
        assert!(matches!(
            check(FieldKind::Amount, "123456789.01"),
            Err(FieldProblem::TooLong {
                length: 11,
                limit: 10
            })
        ));
        assert!(check(FieldKind::Amount, "一百元").is_err());
        assert!(check(FieldKind::Time, "2026年3月1日 09:00~12:00").is_ok());
        assert!(check(FieldKind::Time, "明天上午").is_err());
        assert!(check(FieldKind::Number, "-12.5").is_ok());
        assert!(check(FieldKind::Number, "1.2.3").is_err());
        assert!(check(FieldKind::PhoneNumber, "0571-12345678").is_ok());
        assert!(check(FieldKind::PhoneNumber, "138 0000 0000 0000 00").is_err());
        assert!(check(FieldKind::Name, &"张".repeat(10)).is_ok());
        assert!(check(FieldKind::Name, &"张".repeat(11)).is_err());
        assert!(check(FieldKind::Name, &"a".repeat(20)).is_ok());
        assert!(check(FieldKind::Letter, "abc1").is_err());
        assert!(check(FieldKind::Symbol, "~~").is_ok());
        assert!(check(FieldKind::Thing, "  ").is_err());
        let allowed = vec!["已恢复".to_owned(), "抢修中".to_owned()];
        let l = WechatLimits::default();
        assert!(
            l.check(FieldKind::Const, "已恢复", Overflow::Refuse, &allowed)
                .is_ok()
        );
        assert!(
            l.check(FieldKind::Const, "已到达", Overflow::Refuse, &allowed)
                .is_err()
        );
    }

    #[test]
    fn sms_segments_at_the_boundaries() {
        let r = SmsRules::default();
        // Aliyun: ≤ 70 is one message, longer ones bill per 67: 134 = 2 × 67, 135 → 3.
        assert_eq!(
            (
                r.segments(0),
                r.segments(1),
                r.segments(70),
                r.segments(71),
                r.segments(134),
                r.segments(135),
                r.segments(160),
                r.segments(500)
            ),
            (0, 1, 1, 2, 2, 3, 3, 8)
        );
    }
}
