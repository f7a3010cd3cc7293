//! [`SmsMessenger`]: notices through an SMS gateway of the kind mainland providers run
//! (Aliyun, Tencent Cloud, Huawei Cloud: reference §2.2): a registered signature
//! (`SignName`), pre-approved templates named by a code (`TemplateCode`) whose `${name}`
//! variables are sent as a JSON object (`TemplateParam`), the phone numbers, and an answer
//! `{"Code": "OK", "BizId": …}` or an error code such as `isv.BUSINESS_LIMIT_CONTROL`.
//!
//! The request is plain JSON to the configured endpoint, authenticated by the configured
//! headers: the utility's SMS platform or a small relay in front of the provider. The
//! providers' own request signing (Aliyun's RPC signature with an AccessKey, Tencent's TC3) is
//! not implemented here; the codes and the template model are the providers'.
//!
//! The notifier renders the full text (`【signature】body`, checked against the SMS length
//! limit); this messenger recovers the template variables from that text by matching it
//! against the approved template text, so what the gateway sends is exactly what was
//! rendered, and a template that drifted from the approved one is refused before it costs a
//! message.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use gridserve_core::notify::SmsRules;
use gridserve_core::ports::{
    Channel, Clock, Messenger, OutboundMessage, SendError, SendOutcome, SystemClock,
};
use serde::{Deserialize, Serialize};

use crate::MessengerError;
use crate::http::{ErrorClass, Http, http_status_error, scrub};

/// One approved gateway template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsTemplate {
    /// The gateway's template code, e.g. `SMS_271525076`.
    pub code: String,
    /// The approved template text without the signature, with `${name}` variables, e.g.
    /// `"您户号${customer}的${month}电费${amount}元，请于${due}前缴纳。"`. Two variables may
    /// not be adjacent (a gateway rule), so the text determines the variables' values.
    pub text: String,
}

/// The configuration of an [`SmsMessenger`], as serde data.
///
/// ```
/// use gridserve_messengers::SmsConfig;
///
/// let config: SmsConfig = serde_json::from_str(r#"{
///     "url": "http://127.0.0.1:9000/sms/send",
///     "sign_name": "城关供电",
///     "templates": {"bill.reminder": {"code": "SMS_1", "text": "您的电费${amount}元待缴。"}}
/// }"#)?;
/// assert_eq!(config.rules.segment_chars, 67);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// The gateway's send endpoint (`http://…`, or `https://…` with the `tls` feature). There
    /// is no default: each utility contracts its own gateway.
    pub url: String,
    /// The registered signature without brackets, e.g. `城关供电`; the rendered text must
    /// start with `【sign_name】`.
    pub sign_name: String,
    /// The approved template of each logical template (e.g. `"bill.reminder"`).
    pub templates: BTreeMap<String, SmsTemplate>,
    /// Lengths and billing segments (default: the notifier's, 500 / 70 / 67).
    #[serde(default)]
    pub rules: SmsRules,
    /// Extra headers sent with every request (the gateway's credentials); never printed.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The delay of a rate-limit answer that names no period, in seconds (default 60).
    #[serde(default = "default_throttle_s")]
    pub throttle_retry_after_s: u64,
    /// Time allowed to connect, in milliseconds (default 2,000).
    #[serde(default = "default_connect_ms")]
    pub connect_timeout_ms: u64,
    /// Time allowed for one exchange, in milliseconds (default 10,000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Idle keep-alive connections kept open to the provider for reuse (default 64). Set it
    /// to at least the dispatcher's in-flight limit for this channel, or concurrent sends
    /// open a new connection each time the pool is full.
    #[serde(default = "default_idle_connections")]
    pub max_idle_connections: usize,
    /// Overrides of the code classification (see [`sms_error_classes`]); a code in neither is
    /// [`ErrorClass::Invalid`].
    #[serde(default)]
    pub error_classes: BTreeMap<String, ErrorClass>,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("sign_name", &self.sign_name)
            .field("templates", &self.templates)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn default_throttle_s() -> u64 {
    60
}
fn default_connect_ms() -> u64 {
    2_000
}
fn default_timeout_ms() -> u64 {
    10_000
}
fn default_idle_connections() -> usize {
    64
}

impl SmsConfig {
    /// A configuration with the defaults and no templates.
    pub fn new(url: impl Into<String>, sign_name: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            sign_name: sign_name.into(),
            templates: BTreeMap::new(),
            rules: SmsRules::default(),
            headers: Vec::new(),
            throttle_retry_after_s: default_throttle_s(),
            connect_timeout_ms: default_connect_ms(),
            timeout_ms: default_timeout_ms(),
            max_idle_connections: default_idle_connections(),
            error_classes: BTreeMap::new(),
        }
    }
}

/// The gateway codes and their classes (Aliyun's `SendSms` error list, the common model;
/// reference §2.2). A code not listed (and not overridden in [`SmsConfig::error_classes`]) is
/// [`ErrorClass::Invalid`].
///
/// | code | meaning | class |
/// |---|---|---|
/// | `isp.SYSTEM_ERROR`, `SignatureNonceUsed`, `ServiceUnavailable` | gateway error | retry |
/// | `isv.BUSINESS_LIMIT_CONTROL` | per-number flow control; the message names the period (`触发天级流控`, `小时级`, `分钟级`) | throttle (a day: until the next midnight) |
/// | `isv.DAY_LIMIT_CONTROL` | daily limit | daily quota |
/// | `Throttling.User`, `Throttling` | request rate | throttle |
/// | `isv.OUT_OF_SERVICE`, `isv.AMOUNT_NOT_ENOUGH`, `isv.ACCOUNT_NOT_EXISTS`, `isv.ACCOUNT_ABNORMAL`, `isv.PRODUCT_UN_SUBSCRIPT`, `isv.PRODUCT_UNSUBSCRIBE`, `isp.RAM_PERMISSION_DENY`, `isv.DENY_IP_RANGE`, `InvalidAccessKeyId.NotFound`, `SignatureDoesNotMatch` | the account or credentials | auth |
/// | `isv.MOBILE_NUMBER_ILLEGAL`, `isv.DOMESTIC_NUMBER_NOT_SUPPORTED` | the number cannot be reached | unreachable |
/// | `isv.SMS_TEMPLATE_ILLEGAL`, `isv.SMS_SIGNATURE_ILLEGAL`, `isv.SMS_SIGNATURE_SCENE_ILLEGAL`, `isv.INVALID_PARAMETERS`, `isv.MOBILE_COUNT_OVER_LIMIT`, `isv.TEMPLATE_MISSING_PARAMETERS`, `isv.INVALID_JSON_PARAM`, `isv.BLACK_KEY_CONTROL_LIMIT`, `isv.PARAM_LENGTH_LIMIT`, `isv.PARAM_NOT_SUPPORT_URL`, `isv.EXTEND_CODE_ERROR` | the message or template | invalid |
pub fn sms_error_classes() -> BTreeMap<String, ErrorClass> {
    use ErrorClass::*;
    [
        ("isp.SYSTEM_ERROR", Retry),
        ("SignatureNonceUsed", Retry),
        ("ServiceUnavailable", Retry),
        ("isv.BUSINESS_LIMIT_CONTROL", Throttle),
        ("isv.DAY_LIMIT_CONTROL", DailyQuota),
        ("Throttling.User", Throttle),
        ("Throttling", Throttle),
        ("isv.OUT_OF_SERVICE", Auth),
        ("isv.AMOUNT_NOT_ENOUGH", Auth),
        ("isv.ACCOUNT_NOT_EXISTS", Auth),
        ("isv.ACCOUNT_ABNORMAL", Auth),
        ("isv.PRODUCT_UN_SUBSCRIPT", Auth),
        ("isv.PRODUCT_UNSUBSCRIBE", Auth),
        ("isp.RAM_PERMISSION_DENY", Auth),
        ("isv.DENY_IP_RANGE", Auth),
        ("InvalidAccessKeyId.NotFound", Auth),
        ("SignatureDoesNotMatch", Auth),
        ("isv.MOBILE_NUMBER_ILLEGAL", Unreachable),
        ("isv.DOMESTIC_NUMBER_NOT_SUPPORTED", Unreachable),
        ("isv.SMS_TEMPLATE_ILLEGAL", Invalid),
        ("isv.SMS_SIGNATURE_ILLEGAL", Invalid),
        ("isv.SMS_SIGNATURE_SCENE_ILLEGAL", Invalid),
        ("isv.INVALID_PARAMETERS", Invalid),
        ("isv.MOBILE_COUNT_OVER_LIMIT", Invalid),
        ("isv.TEMPLATE_MISSING_PARAMETERS", Invalid),
        ("isv.INVALID_JSON_PARAM", Invalid),
        ("isv.BLACK_KEY_CONTROL_LIMIT", Invalid),
        ("isv.PARAM_LENGTH_LIMIT", Invalid),
        ("isv.PARAM_NOT_SUPPORT_URL", Invalid),
        ("isv.EXTEND_CODE_ERROR", Invalid),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// One piece of an approved template text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Var(String),
}

/// Splits `${name}` variables out of an approved template text.
fn pieces(text: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            out.push(Piece::Literal(rest[..start].to_owned()));
        }
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "a `${` without its `}`".to_owned())?;
        let name = &after[..end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!("variable name {name:?} is not a plain word"));
        }
        if matches!(out.last(), Some(Piece::Var(_))) {
            return Err("two variables are adjacent".to_owned());
        }
        out.push(Piece::Var(name.to_owned()));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest.to_owned()));
    }
    if !out.iter().any(|p| matches!(p, Piece::Literal(_))) {
        return Err("a template may not consist only of variables".to_owned());
    }
    Ok(out)
}

/// The variables of `body` under the template `pieces`, or `None` if the body does not have
/// the template's form. Each variable takes the shortest text up to the next literal; the
/// result is checked by rendering it again.
fn extract(pieces: &[Piece], body: &str) -> Option<BTreeMap<String, String>> {
    let mut vars = BTreeMap::new();
    let mut pos = 0;
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Literal(l) => {
                if !body[pos..].starts_with(l.as_str()) {
                    return None;
                }
                pos += l.len();
            }
            Piece::Var(name) => {
                let end = match pieces.get(i + 1) {
                    Some(Piece::Literal(next)) => pos + body[pos..].find(next.as_str())?,
                    _ => body.len(),
                };
                let value = &body[pos..end];
                if value.is_empty() {
                    return None;
                }
                if let Some(seen) = vars.get(name)
                    && seen != value
                {
                    return None;
                }
                vars.insert(name.clone(), value.to_owned());
                pos = end;
            }
        }
    }
    if pos != body.len() {
        return None;
    }
    let again: String = pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(l) => l.as_str(),
            Piece::Var(n) => vars.get(n).map_or("", String::as_str),
        })
        .collect();
    (again == body).then_some(vars)
}

/// Whether `phone` is a mainland mobile number: 11 digits starting `1[3-9]`, optionally
/// after `+86` or `86` (source-systems reference §3).
fn is_mainland_mobile(phone: &str) -> bool {
    let digits = phone
        .strip_prefix("+86")
        .or_else(|| phone.strip_prefix("86").filter(|r| r.len() == 11))
        .unwrap_or(phone);
    digits.len() == 11
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.as_bytes()[0] == b'1'
        && (b'3'..=b'9').contains(&digits.as_bytes()[1])
}

/// The answer of the gateway.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GatewayAnswer {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    biz_id: Option<String>,
}

/// Sends notices through an SMS gateway; see the module docs.
///
/// The request is a JSON `POST` of `PhoneNumbers` (the notice's address), `SignName`,
/// `TemplateCode`, `TemplateParam` (a JSON object as text, as the gateways take it) and
/// `OutId` (the dedupe key, returned in delivery reports), with the configured headers.
/// Before any request, a notice is refused as `Invalid` when its logical template has no
/// approved template, its text does not start with the signature, is over the length limit,
/// or does not have the approved template's form; and as `RecipientUnreachable` when the
/// address is not a mainland mobile number.
///
/// | answer | result |
/// |---|---|
/// | `Code` `OK` | `Accepted { BizId }` (`Delivered` without a BizId); the billed segments are counted |
/// | retry class, HTTP 408 / 5xx, network failures, unreadable answers | `Transient` |
/// | throttle class, HTTP 429 | `Throttled` after `Retry-After`, else the period the message names (天级: until midnight, 小时级: an hour, 分钟级: a minute), else `throttle_retry_after_s` |
/// | daily quota class | `Throttled` until the next midnight, China Standard Time |
/// | auth class, HTTP 401 / 403 | `Auth` |
/// | unreachable class | `RecipientUnreachable` |
/// | invalid class, unknown codes | `Invalid` |
///
/// Error texts never carry the phone number (masked) or the headers.
pub struct SmsMessenger {
    config: SmsConfig,
    templates: BTreeMap<String, Vec<Piece>>,
    classes: BTreeMap<String, ErrorClass>,
    signature: String,
    http: Http,
    clock: Arc<dyn Clock>,
    segments: AtomicU64,
}

impl std::fmt::Debug for SmsMessenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessenger")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SmsMessenger {
    /// A messenger with `config`, reading time from the system clock.
    ///
    /// # Errors
    /// [`MessengerError::InvalidConfig`] for an unusable URL, an empty signature or one with
    /// brackets, zero timeouts, or an approved template text that is malformed (an unclosed
    /// `${`, adjacent variables, only variables, brackets reserved for the signature).
    pub fn new(config: SmsConfig) -> Result<Self, MessengerError> {
        let invalid = |field: &str, value: &str, reason: &str| MessengerError::InvalidConfig {
            field: field.to_owned(),
            value: gridserve_core::excerpt(value),
            reason: reason.to_owned(),
        };
        crate::check_base_url(&config.url)
            .map_err(|reason| invalid("url", &config.url, &reason))?;
        let sign = config.sign_name.trim();
        if sign.is_empty() || sign.contains(['【', '】']) {
            return Err(invalid(
                "sign_name",
                &config.sign_name,
                "must be the signature's text, without 【】",
            ));
        }
        if config.connect_timeout_ms == 0 || config.timeout_ms == 0 {
            return Err(invalid("timeout_ms", "0", "timeouts must be positive"));
        }
        let mut templates = BTreeMap::new();
        for (name, t) in &config.templates {
            if t.code.trim().is_empty() {
                return Err(invalid(
                    &format!("templates.{name}.code"),
                    &t.code,
                    "must not be empty",
                ));
            }
            if t.text.contains(['【', '】']) {
                return Err(invalid(
                    &format!("templates.{name}.text"),
                    &t.text,
                    "【】 are reserved for the signature",
                ));
            }
            let p = pieces(&t.text)
                .map_err(|reason| invalid(&format!("templates.{name}.text"), &t.text, &reason))?;
            templates.insert(name.clone(), p);
        }
        let mut classes = sms_error_classes();
        classes.extend(config.error_classes.clone());
        let http = Http::new(
            config.connect_timeout_ms,
            config.timeout_ms,
            config.max_idle_connections,
        );
        Ok(Self {
            signature: format!("【{sign}】"),
            config,
            templates,
            classes,
            http,
            clock: Arc::new(SystemClock::china()),
            segments: AtomicU64::new(0),
        })
    }

    /// The same messenger reading time from `clock` (daily limits).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &SmsConfig {
        &self.config
    }

    /// The code's class (the table with the configuration's overrides; unknown codes are
    /// [`ErrorClass::Invalid`]).
    pub fn class_of(&self, code: &str) -> ErrorClass {
        self.classes
            .get(code)
            .copied()
            .unwrap_or(ErrorClass::Invalid)
    }

    /// The billed segments of `message`'s text (signature included), by the notifier's rule
    /// ([`SmsRules::segments`]); 0 without a text.
    pub fn segments(&self, message: &OutboundMessage) -> usize {
        message
            .text
            .as_deref()
            .map_or(0, |t| self.config.rules.segments(t.chars().count()))
    }

    /// The segments of every message the gateway accepted so far (what the provider bills).
    pub fn segments_accepted(&self) -> u64 {
        self.segments.load(Ordering::Relaxed)
    }

    /// The request body for `message`.
    fn body(&self, message: &OutboundMessage) -> Result<Vec<u8>, SendError> {
        let name = gridserve_core::excerpt(&message.template);
        let pieces = self
            .templates
            .get(&message.template)
            .ok_or_else(|| SendError::Invalid {
                field: Some("template".to_owned()),
                detail: format!("no approved SMS template configured for {name:?}"),
            })?;
        let text = message.text.as_deref().ok_or_else(|| SendError::Invalid {
            field: Some("text".to_owned()),
            detail: format!("template {name:?}: the notice has no SMS text"),
        })?;
        let length = text.chars().count();
        if length > self.config.rules.max_chars {
            return Err(SendError::Invalid {
                field: Some("text".to_owned()),
                detail: format!(
                    "template {name:?}: {length} characters, over the limit of {}",
                    self.config.rules.max_chars
                ),
            });
        }
        let body =
            text.strip_prefix(self.signature.as_str())
                .ok_or_else(|| SendError::Invalid {
                    field: Some("text".to_owned()),
                    detail: format!(
                        "template {name:?}: the text does not start with the signature {}",
                        self.signature
                    ),
                })?;
        let vars = extract(pieces, body).ok_or_else(|| SendError::Invalid {
            field: Some("text".to_owned()),
            detail: format!(
                "template {name:?}: the text does not have the approved template's form"
            ),
        })?;
        let phone = message.address.trim();
        if !is_mainland_mobile(phone) {
            return Err(SendError::RecipientUnreachable {
                detail: format!(
                    "{} is not a mainland mobile number",
                    gridserve_core::access::mask_phone(phone)
                ),
            });
        }
        let param = serde_json::to_string(&vars).map_err(|e| SendError::Invalid {
            field: None,
            detail: format!("cannot serialize: {e}"),
        })?;
        let code = &self.config.templates[&message.template].code;
        serde_json::to_vec(&serde_json::json!({
            "PhoneNumbers": phone,
            "SignName": self.config.sign_name.trim(),
            "TemplateCode": code,
            "TemplateParam": param,
            "OutId": message.dedupe_key,
        }))
        .map_err(|e| SendError::Invalid {
            field: None,
            detail: format!("cannot serialize: {e}"),
        })
    }

    /// The delay a throttle answer's message names.
    fn throttle_period(&self, message: &str) -> Option<Duration> {
        if message.contains("天级") {
            Some(crate::http::until_next_china_midnight(self.clock.now()))
        } else if message.contains("小时级") {
            Some(Duration::from_secs(3_600))
        } else if message.contains("分钟级") {
            Some(Duration::from_secs(60))
        } else {
            None
        }
    }
}

impl Messenger for SmsMessenger {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError> {
        let body = self.body(message)?;
        let phone = message.address.trim();
        let secrets: Vec<&str> = self
            .config
            .headers
            .iter()
            .map(|(_, v)| v.as_str())
            .collect();
        let answer = self
            .http
            .post_json(&self.config.url, &body, &self.config.headers)
            .map_err(|e| SendError::Transient {
                detail: format!("sms gateway: {}", scrub(&e, &secrets, phone)),
                retry_after: None,
            })?;
        let parsed = serde_json::from_str::<GatewayAnswer>(&answer.body);
        if let Some(e) = http_status_error(answer.status, answer.retry_after)
            && !matches!(&parsed, Ok(a) if a.code != "OK")
        {
            return Err(e);
        }
        let parsed = parsed.map_err(|_| SendError::Transient {
            detail: format!(
                "sms gateway: unreadable answer {:?}",
                scrub(&answer.body, &secrets, phone)
            ),
            retry_after: None,
        })?;
        if parsed.code == "OK" {
            let billed = u64::try_from(self.segments(message)).unwrap_or(u64::MAX);
            self.segments.fetch_add(billed, Ordering::Relaxed);
            return Ok(match parsed.biz_id.filter(|b| !b.is_empty()) {
                Some(provider_msg_id) => SendOutcome::Accepted { provider_msg_id },
                None => SendOutcome::Delivered,
            });
        }
        let detail = format!(
            "sms gateway: {}: {}",
            scrub(&parsed.code, &secrets, phone),
            scrub(&parsed.message, &secrets, phone)
        );
        let class = match self.class_of(&parsed.code) {
            ErrorClass::Throttle if parsed.message.contains("天级") => ErrorClass::DailyQuota,
            c => c,
        };
        let throttle = self
            .throttle_period(&parsed.message)
            .unwrap_or(Duration::from_secs(self.config.throttle_retry_after_s));
        Err(class.to_error(detail, None, throttle, answer.retry_after, self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_pieces_and_their_rules() {
        assert_eq!(
            pieces("您的电费${amount}元，请于${due}前缴纳。").unwrap(),
            vec![
                Piece::Literal("您的电费".into()),
                Piece::Var("amount".into()),
                Piece::Literal("元，请于".into()),
                Piece::Var("due".into()),
                Piece::Literal("前缴纳。".into()),
            ]
        );
        assert!(pieces("${a}${b}尾").is_err(), "adjacent variables");
        assert!(pieces("${a}").is_err(), "only variables");
        assert!(pieces("电费${amount").is_err(), "unclosed");
        assert!(pieces("电费${a b}").is_err(), "not a word");
    }

    #[test]
    fn variables_recovered_from_the_rendered_text() {
        let p = pieces("您户号${customer}的电费${amount}元，请于${due}前缴纳。").unwrap();
        let v = extract(&p, "您户号0100042的电费1,234.50元，请于3月15日前缴纳。").unwrap();
        assert_eq!(v["customer"], "0100042");
        assert_eq!(v["amount"], "1,234.50");
        assert_eq!(v["due"], "3月15日");
        // A text of another form does not match.
        assert!(extract(&p, "您户号0100042的电费已结清。").is_none());
        // Nor one with extra text at the end.
        assert!(extract(&p, "您户号1的电费2元，请于3日前缴纳。多余").is_none());
        // A trailing variable takes the rest.
        let p = pieces("停电区域：${area}").unwrap();
        assert_eq!(
            extract(&p, "停电区域：城关镇东街").unwrap()["area"],
            "城关镇东街"
        );
        // An empty variable is not a match.
        assert!(extract(&p, "停电区域：").is_none());
    }

    #[test]
    fn mainland_mobiles() {
        for ok in ["13800000001", "+8613800000001", "8619912345678"] {
            assert!(is_mainland_mobile(ok), "{ok}");
        }
        for bad in [
            "12800000001",
            "1380000000",
            "138000000012",
            "0571-88886666",
            "",
        ] {
            assert!(!is_mainland_mobile(bad), "{bad}");
        }
    }
}
