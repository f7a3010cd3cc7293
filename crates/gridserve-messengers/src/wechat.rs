//! [`WechatMessenger`]: notices as WeChat official-account template messages (模板消息) or
//! subscription notices (订阅通知), with the access token fetched, cached and refreshed.
//!
//! The contract followed (the project's messaging reference §2.1, from the official
//! documentation):
//!
//! - token: `GET {api_base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…`
//!   answers `{"access_token": …, "expires_in": 7200}` or `{"errcode": …, "errmsg": …}`;
//!   fetching a new token invalidates the previous one, so the token is fetched once and shared
//!   by every thread, and a token-invalid answer refreshes it only if no other thread already
//!   did; or `POST {api_base}/cgi-bin/stable_token` ([`TokenApi::Stable`]), which returns the
//!   same token to every caller while it is valid, for several processes;
//! - template message: `POST {api_base}/cgi-bin/message/template/send?access_token=…` with
//!   `touser`, `template_id`, optional `url` / `miniprogram{appid, pagepath}`, `data{key:
//!   {value}}` and `client_msg_id` (the dedupe key: WeChat drops a repeat for the same openid
//!   within 10 minutes); the answer is `{"errcode": 0, "errmsg": "ok", "msgid": …}`;
//! - subscription notice: `POST {api_base}/cgi-bin/message/subscribe/bizsend?access_token=…`
//!   with `touser`, `template_id`, optional `page` / `miniprogram`, and `data`;
//! - mini-program subscription message: `POST {api_base}/cgi-bin/message/subscribe/send?…`
//!   with `touser`, `template_id`, optional `page` (a page of the mini-program) and `data`.
//!
//! Delivery is confirmed later by the `TEMPLATESENDJOBFINISH` push (see
//! [`crate::inbound`]), matched by the `msgid` returned as
//! [`SendOutcome::Accepted`]'s `provider_msg_id`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gridserve_core::ports::{
    Channel, Clock, Messenger, OutboundMessage, SendError, SendOutcome, SystemClock, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::MessengerError;
use crate::http::{ErrorClass, Http, encode_component, http_status_error, scrub};

/// Which WeChat message the messenger sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WechatKind {
    /// Template messages (`cgi-bin/message/template/send`), channel `wechat_template`.
    #[default]
    Template,
    /// Subscription notices (`cgi-bin/message/subscribe/bizsend`), channel
    /// `wechat_subscribe`.
    Subscribe,
    /// Mini-program subscription messages (`cgi-bin/message/subscribe/send`, the utility's
    /// mini-program as the sender; `appid` and `secret` are the mini-program's), channel
    /// `wechat_subscribe`. The page opened is the mini-program link's `pagepath` (its `appid`
    /// is not sent: the page is the sender's own).
    MiniProgramSubscribe,
}

/// Which token API the messenger uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenApi {
    /// `GET cgi-bin/token`: each call issues a new token and invalidates the previous one, so
    /// only one process may fetch tokens for an account.
    #[default]
    Token,
    /// `POST cgi-bin/stable_token` (normal mode, `force_refresh: false`): repeated calls return
    /// the same token while it is valid (the platform renews it 5 minutes before expiry and
    /// keeps both valid meanwhile), so several application instances can each fetch their own.
    /// WeChat recommends it over `token`.
    Stable,
}

/// The name of the mini-program page field: the documentation says `pagepath`, some
/// endpoints accept only `path` (reference §2.1), so it is configurable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PagePathField {
    /// `"pagepath"` (the documented name).
    #[default]
    Pagepath,
    /// `"path"`.
    Path,
}

/// Where a tap on the message leads. There is no default address: without a configured link
/// the message has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WechatLink {
    /// No link.
    #[default]
    None,
    /// The notice's own link (rendered from its template) as the `url` (template messages)
    /// or `page` (subscription notices); none when the notice has none. A link that is a path
    /// (`/outage/O-17`, as the shipped templates have) is joined to `site`; without a site
    /// such a notice is refused as invalid (field `link`), never sent with a broken link.
    MessageUrl {
        /// The utility's service site, e.g. `https://wx.example-utility.cn` (no default).
        #[serde(default)]
        site: Option<String>,
    },
    /// A mini-program page. `pagepath` may hold `{link}`, replaced by the notice's link
    /// percent-encoded (empty when the notice has none), and `{notice}`, replaced by its dedupe
    /// key percent-encoded (for read receipts), e.g.
    /// `"pages/notice/index?u={link}"`. If a `url` is also sent, WeChat opens the
    /// mini-program and uses the url only where mini-programs are not supported.
    MiniProgram {
        /// The mini-program's appid.
        appid: String,
        /// The page, with an optional `{link}` placeholder.
        pagepath: String,
        /// The field name for the page.
        #[serde(default)]
        field: PagePathField,
        /// Also send the notice's link as the `url` fallback.
        #[serde(default)]
        with_url: bool,
    },
}

/// The configuration of a [`WechatMessenger`], as serde data.
///
/// ```
/// use gridserve_messengers::WechatConfig;
///
/// let config: WechatConfig = serde_json::from_str(r#"{
///     "appid": "wx0123456789abcdef",
///     "secret": "s3cret",
///     "templates": {"outage.progress": "TPL-OUTAGE-1"},
///     "link": {"mini_program": {"appid": "wxmini", "pagepath": "pages/n?u={link}"}}
/// }"#)?;
/// assert_eq!(config.api_base, "https://api.weixin.qq.com");
/// assert!(serde_json::from_str::<WechatConfig>(r#"{"appid": "a", "secret": "b",
///     "templates": {}, "colour": "red"}"#).is_err()); // unknown keys are refused
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    /// The official account's appid.
    pub appid: String,
    /// The official account's AppSecret (never printed: `Debug` and errors hide it).
    pub secret: String,
    /// The API's base URL (default `https://api.weixin.qq.com`, which needs the `tls`
    /// feature; tests point it at a local server).
    #[serde(default = "default_api_base")]
    pub api_base: String,
    /// Template messages or subscription notices (default `template`).
    #[serde(default)]
    pub kind: WechatKind,
    /// The token API (default `token`; use `stable` when several processes send for the same
    /// account).
    #[serde(default)]
    pub token_api: TokenApi,
    /// The WeChat template id of each logical template (e.g. `"outage.progress"`).
    pub templates: BTreeMap<String, String>,
    /// Where a tap leads (default: nowhere).
    #[serde(default)]
    pub link: WechatLink,
    /// A query parameter added to the `url` that names the notice (its dedupe key), so the
    /// details page can report that the customer read it
    /// ([`crate::inbound::Inbound::Read`]); e.g. `"notice"` gives `…?notice=<key>`. None by
    /// default. In a mini-program page, `{notice}` is replaced the same way.
    #[serde(default)]
    pub read_param: Option<String>,
    /// Send `client_msg_id`, the hex SHA-1 of the dedupe key (template messages only; default
    /// true).
    #[serde(default = "yes")]
    pub client_msg_id: bool,
    /// Refresh the token this many seconds before WeChat says it expires (default 300).
    #[serde(default = "default_margin_s")]
    pub token_refresh_margin_s: u64,
    /// The delay of a rate-limit answer without its own `Retry-After`, in seconds
    /// (default 60: errcode 45011 says "retry next minute").
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
    /// Overrides of the errcode classification (see [`wechat_error_classes`]); an errcode
    /// in neither is [`ErrorClass::Invalid`].
    #[serde(default)]
    pub error_classes: BTreeMap<i64, ErrorClass>,
}

impl std::fmt::Debug for WechatConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatConfig")
            .field("appid", &self.appid)
            .field("secret", &"***")
            .field("api_base", &self.api_base)
            .field("kind", &self.kind)
            .field("templates", &self.templates)
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

fn default_api_base() -> String {
    "https://api.weixin.qq.com".to_owned()
}
fn yes() -> bool {
    true
}
fn default_margin_s() -> u64 {
    300
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

impl WechatConfig {
    /// A configuration with the defaults and no templates or link.
    pub fn new(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            appid: appid.into(),
            secret: secret.into(),
            api_base: default_api_base(),
            kind: WechatKind::default(),
            token_api: TokenApi::default(),
            templates: BTreeMap::new(),
            link: WechatLink::default(),
            read_param: None,
            client_msg_id: true,
            token_refresh_margin_s: default_margin_s(),
            throttle_retry_after_s: default_throttle_s(),
            connect_timeout_ms: default_connect_ms(),
            timeout_ms: default_timeout_ms(),
            max_idle_connections: default_idle_connections(),
            error_classes: BTreeMap::new(),
        }
    }
}

/// The documented errcodes of the token, template-message and subscription-notice APIs and
/// their classes (reference §2.1; WeChat's global return-code list). Any errcode not listed
/// (and not overridden in [`WechatConfig::error_classes`]) is [`ErrorClass::Invalid`]: an
/// unexplained refusal is dead-lettered with its code rather than retried without end.
///
/// | errcode | meaning | class |
/// |---|---|---|
/// | -1 | system busy | retry |
/// | 40001, 40014, 42001 | access token invalid / expired | refresh token |
/// | 40013, 40125, 40164, 41002, 41004, 50001, 50002 | bad appid or secret, IP not on the whitelist, missing credentials, api not authorised or restricted | auth |
/// | 45009 | daily api quota reached | daily quota |
/// | 45011, 45047 | per-minute api quota, too many messages | throttle |
/// | 40003 | invalid openid (not this account's) | unreachable |
/// | 43004 | require subscribe (not following) | unreachable |
/// | 43019 | the user is on the blacklist | opted out |
/// | 43101 | the user refuses the messages | opted out |
/// | 40036, 40037 | invalid template id | invalid |
/// | 41028, 41029, 41030 | invalid form id or page | invalid |
/// | 44002, 47001, 47003 | empty post, data format error, argument invalid (`data.<key>.value`) | invalid |
/// | 45002 | content too long | invalid |
/// | 48001 | api unauthorised | invalid (configuration) |
pub fn wechat_error_classes() -> BTreeMap<i64, ErrorClass> {
    use ErrorClass::*;
    [
        (-1, Retry),
        (40001, RefreshToken),
        (40014, RefreshToken),
        (42001, RefreshToken),
        (40013, Auth),
        (40125, Auth),
        (40164, Auth),
        (41002, Auth),
        (41004, Auth),
        (50001, Auth),
        (50002, Auth),
        (45009, DailyQuota),
        (45011, Throttle),
        (45047, Throttle),
        (40003, Unreachable),
        (43004, Unreachable),
        (43019, OptedOut),
        (43101, OptedOut),
        (40036, Invalid),
        (40037, Invalid),
        (41028, Invalid),
        (41029, Invalid),
        (41030, Invalid),
        (44002, Invalid),
        (47001, Invalid),
        (47003, Invalid),
        (45002, Invalid),
        (48001, Invalid),
    ]
    .into_iter()
    .collect()
}

/// The key of a `data.<key>.value` in a WeChat errmsg (`argument invalid! data.thing1.value
/// invalid`), if there is one.
fn field_of(errmsg: &str) -> Option<String> {
    let start = errmsg.find("data.")? + "data.".len();
    let rest = &errmsg[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_owned())
}

/// `url` with `param=value` added to its query (before any `#fragment`), the value
/// percent-encoded.
fn with_query(url: &str, param: &str, value: &str) -> String {
    let (base, fragment) = url
        .split_once('#')
        .map_or((url, None), |(b, f)| (b, Some(f)));
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut out = format!("{base}{sep}{param}={}", encode_component(value));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// The `client_msg_id` of a notice: the hex SHA-1 of its dedupe key, so the same notice
/// always carries the same id (WeChat drops a repeat for the same openid within 10 minutes)
/// in a fixed 40 ASCII characters whatever the key's length.
fn client_msg_id(dedupe_key: &str) -> String {
    sha1_smol::Sha1::from(dedupe_key.as_bytes())
        .digest()
        .to_string()
}

/// The longest token life believed, in seconds (the documented 7,200).
const MAX_TOKEN_LIFE_S: i64 = 7_200;

/// A cached access token.
#[derive(Debug, Clone)]
struct Token {
    value: String,
    refresh_at: Timestamp,
}

/// The answer of a WeChat API call.
#[derive(Debug, Deserialize)]
struct ApiAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    msgid: Option<serde_json::Value>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

/// Sends notices as WeChat template messages or subscription notices; see the module docs.
///
/// The recipient is the notice's address, the contact's `wechat_openid`; the template id is
/// looked up from the notice's logical template in [`WechatConfig::templates`]; the `data`
/// are the notice's fields (already checked against WeChat's keyword limits by the notifier).
/// Each answer is classified by the errcode table ([`wechat_error_classes`], overridable):
///
/// | answer | result |
/// |---|---|
/// | errcode 0 | `Accepted { msgid }` (`Delivered` if no msgid was given) |
/// | token invalid / expired | a new token (unless another thread already fetched one), the send once more; `Auth` if refused again |
/// | retry class, HTTP 408 / 5xx, network failures, unreadable answers | `Transient` (with `Retry-After` when given) |
/// | throttle class, HTTP 429 | `Throttled` after `Retry-After`, or `throttle_retry_after_s` |
/// | daily quota (45009) | `Throttled` until the next midnight, China Standard Time |
/// | unreachable class | `RecipientUnreachable` |
/// | opted-out class | `OptedOut` |
/// | invalid class, unknown errcodes, an unknown logical template, an empty openid | `Invalid` (naming the `data` key when WeChat does) |
///
/// Error texts carry the errcode and WeChat's message with the openid masked; never the
/// secret or the token.
pub struct WechatMessenger {
    config: WechatConfig,
    classes: BTreeMap<i64, ErrorClass>,
    http: Http,
    clock: Arc<dyn Clock>,
    token: Mutex<Option<Token>>,
}

impl std::fmt::Debug for WechatMessenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatMessenger")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What one send attempt with a given token came to.
enum Attempt {
    Done(Result<SendOutcome, SendError>),
    TokenRefused(String),
}

impl WechatMessenger {
    /// A messenger with `config`, reading time from the system clock.
    ///
    /// # Errors
    /// [`MessengerError::InvalidConfig`] for an empty appid or secret, an `api_base` that is
    /// not `http://…` (or `https://…` with the `tls` feature), zero timeouts, a link site that
    /// is not an `http(s)://` address, a mini-program link without an appid or page, a
    /// `read_param` that is not a plain word, or an empty template id.
    pub fn new(config: WechatConfig) -> Result<Self, MessengerError> {
        let invalid = |field: &str, value: &str, reason: &str| MessengerError::InvalidConfig {
            field: field.to_owned(),
            value: gridserve_core::excerpt(value),
            reason: reason.to_owned(),
        };
        if config.appid.trim().is_empty() {
            return Err(invalid("appid", &config.appid, "must not be empty"));
        }
        if config.secret.trim().is_empty() {
            return Err(invalid("secret", "", "must not be empty"));
        }
        crate::check_base_url(&config.api_base)
            .map_err(|reason| invalid("api_base", &config.api_base, &reason))?;
        if config.connect_timeout_ms == 0 || config.timeout_ms == 0 {
            return Err(invalid("timeout_ms", "0", "timeouts must be positive"));
        }
        if let WechatLink::MessageUrl { site: Some(site) } = &config.link {
            let lower = site.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"));
            if !rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) {
                return Err(invalid(
                    "link.message_url.site",
                    site,
                    "must be an http:// or https:// address with a host",
                ));
            }
        }
        if let WechatLink::MiniProgram {
            appid, pagepath, ..
        } = &config.link
        {
            if appid.trim().is_empty() {
                return Err(invalid(
                    "link.mini_program.appid",
                    appid,
                    "must not be empty",
                ));
            }
            if pagepath.trim().is_empty() {
                return Err(invalid(
                    "link.mini_program.pagepath",
                    pagepath,
                    "must not be empty",
                ));
            }
        }
        if let Some(p) = &config.read_param
            && (p.is_empty()
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            return Err(invalid(
                "read_param",
                p,
                "must be a plain word (letters, digits, _ and -)",
            ));
        }
        for (name, id) in &config.templates {
            if id.trim().is_empty() {
                return Err(invalid(
                    &format!("templates.{name}"),
                    id,
                    "must not be empty",
                ));
            }
        }
        let mut classes = wechat_error_classes();
        classes.extend(config.error_classes.iter().map(|(k, v)| (*k, *v)));
        let http = Http::new(
            config.connect_timeout_ms,
            config.timeout_ms,
            config.max_idle_connections,
        );
        Ok(Self {
            config,
            classes,
            http,
            clock: Arc::new(SystemClock::china()),
            token: Mutex::new(None),
        })
    }

    /// The same messenger reading time from `clock` (token expiry, daily quotas).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &WechatConfig {
        &self.config
    }

    /// The errcode's class (the table with the configuration's overrides; unknown codes are
    /// [`ErrorClass::Invalid`]).
    pub fn class_of(&self, errcode: i64) -> ErrorClass {
        self.classes
            .get(&errcode)
            .copied()
            .unwrap_or(ErrorClass::Invalid)
    }

    fn secrets<'a>(&'a self, token: &'a str) -> [&'a str; 2] {
        [self.config.secret.as_str(), token]
    }

    /// The cached token, fetched first if there is none or it is due for refresh.
    fn token(&self) -> Result<String, SendError> {
        let now = self.clock.now();
        let mut slot = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = slot.as_ref()
            && now < t.refresh_at
        {
            return Ok(t.value.clone());
        }
        let fresh = self.fetch_token(now)?;
        let value = fresh.value.clone();
        *slot = Some(fresh);
        Ok(value)
    }

    /// A new token in place of `refused`, unless another thread already replaced it (a new
    /// token invalidates the old one, so fetching twice would refuse the other's sends).
    fn refresh(&self, refused: &str) -> Result<String, SendError> {
        let now = self.clock.now();
        let mut slot = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = slot.as_ref()
            && t.value != refused
            && now < t.refresh_at
        {
            return Ok(t.value.clone());
        }
        let fresh = self.fetch_token(now)?;
        let value = fresh.value.clone();
        *slot = Some(fresh);
        Ok(value)
    }

    /// Drops the cached token (the next send fetches one).
    pub fn forget_token(&self) {
        *self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn fetch_token(&self, now: Timestamp) -> Result<Token, SendError> {
        let base = self.config.api_base.trim_end_matches('/');
        let secrets = self.secrets("");
        let answer = match self.config.token_api {
            TokenApi::Token => self.http.get(&format!(
                "{base}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
                encode_component(&self.config.appid),
                encode_component(&self.config.secret),
            )),
            TokenApi::Stable => {
                let body = serde_json::json!({
                    "grant_type": "client_credential",
                    "appid": self.config.appid,
                    "secret": self.config.secret,
                    "force_refresh": false,
                });
                self.http.post_json(
                    &format!("{base}/cgi-bin/stable_token"),
                    body.to_string().as_bytes(),
                    &[],
                )
            }
        };
        let answer = answer.map_err(|e| SendError::Transient {
            detail: format!("token: {}", scrub(&e, &secrets, "")),
            retry_after: None,
        })?;
        if let Some(e) = http_status_error(answer.status, answer.retry_after) {
            return Err(prefix("token", e));
        }
        let parsed: ApiAnswer =
            serde_json::from_str(&answer.body).map_err(|_| SendError::Transient {
                detail: format!(
                    "token: unreadable answer {:?}",
                    scrub(&answer.body, &secrets, "")
                ),
                retry_after: None,
            })?;
        match (parsed.errcode, parsed.access_token, parsed.expires_in) {
            (0, Some(value), Some(expires_in)) if !value.is_empty() && expires_in > 0 => {
                // WeChat documents 7,200 s; a longer claim is not trusted beyond that.
                let expires_in = expires_in.min(MAX_TOKEN_LIFE_S);
                let margin = i64::try_from(self.config.token_refresh_margin_s).unwrap_or(0);
                // A token shorter-lived than the margin is used for half its life.
                let usable = if expires_in > margin {
                    expires_in - margin
                } else {
                    expires_in / 2
                };
                Ok(Token {
                    value,
                    refresh_at: now
                        .checked_add_signed(chrono::Duration::seconds(usable))
                        .unwrap_or(now),
                })
            }
            (0, _, _) => Err(SendError::Transient {
                detail: "token: answer without access_token or expires_in".to_owned(),
                retry_after: None,
            }),
            (code, _, _) => {
                let class = match self.class_of(code) {
                    // A token-invalid code from the token endpoint itself is a credential
                    // problem.
                    ErrorClass::RefreshToken => ErrorClass::Auth,
                    c => c,
                };
                Err(class.to_error(
                    format!(
                        "token: errcode {code}: {}",
                        scrub(&parsed.errmsg, &secrets, "")
                    ),
                    None,
                    Duration::from_secs(self.config.throttle_retry_after_s),
                    answer.retry_after,
                    now,
                ))
            }
        }
    }

    /// The request body for `message`.
    fn body(&self, message: &OutboundMessage) -> Result<Vec<u8>, SendError> {
        let template_id = self
            .config
            .templates
            .get(&message.template)
            .ok_or_else(|| SendError::Invalid {
                field: Some("template".to_owned()),
                detail: format!(
                    "no WeChat template id configured for template {:?}",
                    gridserve_core::excerpt(&message.template)
                ),
            })?;
        let openid = message.address.trim();
        if openid.is_empty() || openid.chars().any(char::is_control) {
            return Err(SendError::Invalid {
                field: Some("address".to_owned()),
                detail: "the openid is empty or has control characters".to_owned(),
            });
        }
        if message.fields.is_empty() {
            return Err(SendError::Invalid {
                field: Some("fields".to_owned()),
                detail: format!(
                    "template {:?} has no WeChat keywords",
                    gridserve_core::excerpt(&message.template)
                ),
            });
        }
        let data: serde_json::Map<String, serde_json::Value> = message
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!({ "value": v })))
            .collect();
        let mut body = serde_json::Map::new();
        body.insert("touser".into(), openid.into());
        body.insert("template_id".into(), template_id.as_str().into());
        let url_key = match self.config.kind {
            WechatKind::Template => "url",
            WechatKind::Subscribe | WechatKind::MiniProgramSubscribe => "page",
        };
        let tracked = |link: &str| match &self.config.read_param {
            Some(param) => with_query(link, param, &message.dedupe_key),
            None => link.to_owned(),
        };
        match &self.config.link {
            WechatLink::None => {}
            WechatLink::MiniProgram { pagepath, .. }
                if self.config.kind == WechatKind::MiniProgramSubscribe =>
            {
                let link = message.link.as_deref().unwrap_or("");
                let page = pagepath
                    .replace("{link}", &encode_component(link))
                    .replace("{notice}", &encode_component(&message.dedupe_key));
                body.insert("page".into(), page.into());
            }
            WechatLink::MessageUrl { .. }
                if self.config.kind == WechatKind::MiniProgramSubscribe =>
            {
                // A mini-program opens only its own pages: a web link has no place here.
            }
            WechatLink::MessageUrl { site } => {
                if let Some(link) = &message.link {
                    let absolute = if link.starts_with('/') {
                        match site {
                            Some(site) => format!("{}{link}", site.trim_end_matches('/')),
                            None => {
                                return Err(SendError::Invalid {
                                    field: Some("link".to_owned()),
                                    detail: format!(
                                        "the link {:?} is a path and no site is configured",
                                        gridserve_core::excerpt(link)
                                    ),
                                });
                            }
                        }
                    } else {
                        link.clone()
                    };
                    body.insert(url_key.into(), tracked(&absolute).into());
                }
            }
            WechatLink::MiniProgram {
                appid,
                pagepath,
                field,
                with_url,
            } => {
                let link = message.link.as_deref().unwrap_or("");
                let page = pagepath
                    .replace("{link}", &encode_component(link))
                    .replace("{notice}", &encode_component(&message.dedupe_key));
                let field = match field {
                    PagePathField::Pagepath => "pagepath",
                    PagePathField::Path => "path",
                };
                body.insert(
                    "miniprogram".into(),
                    serde_json::json!({ "appid": appid, field: page }),
                );
                if *with_url && !link.is_empty() {
                    body.insert(url_key.into(), tracked(link).into());
                }
            }
        }
        body.insert("data".into(), data.into());
        if self.config.client_msg_id && self.config.kind == WechatKind::Template {
            body.insert(
                "client_msg_id".into(),
                client_msg_id(&message.dedupe_key).into(),
            );
        }
        serde_json::to_vec(&body).map_err(|e| SendError::Invalid {
            field: None,
            detail: format!("cannot serialize: {e}"),
        })
    }

    fn attempt(&self, token: &str, body: &[u8], openid: &str) -> Attempt {
        let path = match self.config.kind {
            WechatKind::Template => "cgi-bin/message/template/send",
            WechatKind::Subscribe => "cgi-bin/message/subscribe/bizsend",
            WechatKind::MiniProgramSubscribe => "cgi-bin/message/subscribe/send",
        };
        let url = format!(
            "{}/{path}?access_token={}",
            self.config.api_base.trim_end_matches('/'),
            encode_component(token)
        );
        let secrets = self.secrets(token);
        let answer = match self.http.post_json(&url, body, &[]) {
            Ok(a) => a,
            Err(e) => {
                return Attempt::Done(Err(SendError::Transient {
                    detail: format!("{path}: {}", scrub(&e, &secrets, openid)),
                    retry_after: None,
                }));
            }
        };
        if let Some(e) = http_status_error(answer.status, answer.retry_after) {
            return Attempt::Done(Err(prefix(path, e)));
        }
        let Ok(parsed) = serde_json::from_str::<ApiAnswer>(&answer.body) else {
            return Attempt::Done(Err(SendError::Transient {
                detail: format!(
                    "{path}: unreadable answer {:?}",
                    scrub(&answer.body, &secrets, openid)
                ),
                retry_after: None,
            }));
        };
        if parsed.errcode == 0 {
            let id = match parsed.msgid {
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
                _ => None,
            };
            return Attempt::Done(Ok(match id {
                Some(provider_msg_id) => SendOutcome::Accepted { provider_msg_id },
                None => SendOutcome::Delivered,
            }));
        }
        let detail = format!(
            "{path}: errcode {}: {}",
            parsed.errcode,
            scrub(&parsed.errmsg, &secrets, openid)
        );
        match self.class_of(parsed.errcode) {
            ErrorClass::RefreshToken => Attempt::TokenRefused(detail),
            class => Attempt::Done(Err(class.to_error(
                detail,
                field_of(&parsed.errmsg),
                Duration::from_secs(self.config.throttle_retry_after_s),
                answer.retry_after,
                self.clock.now(),
            ))),
        }
    }
}

fn prefix(what: &str, e: SendError) -> SendError {
    match e {
        SendError::Transient {
            detail,
            retry_after,
        } => SendError::Transient {
            detail: format!("{what}: {detail}"),
            retry_after,
        },
        SendError::Throttled {
            detail,
            retry_after,
        } => SendError::Throttled {
            detail: format!("{what}: {detail}"),
            retry_after,
        },
        SendError::Auth { detail } => SendError::Auth {
            detail: format!("{what}: {detail}"),
        },
        SendError::Invalid { field, detail } => SendError::Invalid {
            field,
            detail: format!("{what}: {detail}"),
        },
        other => other,
    }
}

impl Messenger for WechatMessenger {
    fn channel(&self) -> Channel {
        match self.config.kind {
            WechatKind::Template => Channel::WechatTemplate,
            WechatKind::Subscribe | WechatKind::MiniProgramSubscribe => Channel::WechatSubscribe,
        }
    }

    fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError> {
        let body = self.body(message)?;
        let openid = message.address.trim();
        let token = self.token()?;
        match self.attempt(&token, &body, openid) {
            Attempt::Done(result) => result,
            Attempt::TokenRefused(_) => {
                let token = self.refresh(&token)?;
                match self.attempt(&token, &body, openid) {
                    Attempt::Done(result) => result,
                    Attempt::TokenRefused(detail) => {
                        // Refused twice: drop the token so a later attempt fetches anew.
                        self.forget_token();
                        Err(SendError::Auth {
                            detail: format!("{detail} (again after a new token)"),
                        })
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_added_before_the_fragment() {
        assert_eq!(with_query("https://a/b", "n", "k/1"), "https://a/b?n=k%2F1");
        assert_eq!(
            with_query("https://a/b?x=1", "n", "k"),
            "https://a/b?x=1&n=k"
        );
        assert_eq!(
            with_query("https://a/b#top", "n", "k"),
            "https://a/b?n=k#top"
        );
    }

    #[test]
    fn data_key_from_errmsg() {
        assert_eq!(
            field_of("argument invalid! data.thing1.value invalid rid: 6"),
            Some("thing1".into())
        );
        assert_eq!(field_of("argument invalid!"), None);
        assert_eq!(field_of("data."), None);
    }

    #[test]
    fn every_documented_code_has_a_class() {
        let t = wechat_error_classes();
        for (code, class) in [
            (-1, ErrorClass::Retry),
            (42001, ErrorClass::RefreshToken),
            (45009, ErrorClass::DailyQuota),
            (43101, ErrorClass::OptedOut),
            (43004, ErrorClass::Unreachable),
            (47003, ErrorClass::Invalid),
        ] {
            assert_eq!(t.get(&code), Some(&class), "{code}");
        }
    }

    #[test]
    fn config_debug_hides_the_secret() {
        let c = WechatConfig::new("wx1", "very-secret");
        assert!(!format!("{c:?}").contains("very-secret"));
    }
}
