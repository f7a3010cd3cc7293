//! The WeChat messenger against a local fake of the official-account API: the documented
//! token and send contract (reference §2.1), token expiry in the middle of a storm, every
//! errcode class, throttling with `Retry-After`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeZone;
use gridserve_core::ports::{
    Channel, ManualClock, Messenger, OutboundMessage, SendError, SendOutcome, china_offset,
};
use gridserve_messengers::receiver::{ReceivedRequest, Reply, WebhookReceiver};
use gridserve_messengers::{
    ErrorClass, MessengerError, PagePathField, TokenApi, WechatConfig, WechatKind, WechatLink,
    WechatMessenger,
};
use serde_json::{Value, json};

use crate::message;

const APPID: &str = "wx5f0e1a2b3c4d5e6f";
const SECRET: &str = "app-secret-9f8e7d";

/// The state of the fake official-account API.
#[derive(Default)]
struct State {
    /// Tokens issued so far.
    issued: u32,
    /// The one valid token (a new one invalidates the previous, as WeChat does).
    current: Option<String>,
    /// The current token has expired (answers 42001) until a new one is fetched.
    expired: bool,
    /// Expire the current token after this many more accepted sends.
    expire_after: Option<u32>,
    /// Refuse every token (answers 40001 to every send).
    refuse_tokens: bool,
    /// Answer this many sends with HTTP 429 and `Retry-After: 7`.
    throttle: u32,
    /// Answer this many sends with errcode -1.
    busy: u32,
    /// Accepted sends, in order.
    accepted: Vec<Value>,
    /// The next msgid.
    msgid: u64,
}

/// The fake: scripted answers by openid, documented checks on the body.
struct Fake {
    rx: WebhookReceiver,
    state: Arc<Mutex<State>>,
}

fn query(path: &str) -> HashMap<String, String> {
    path.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn answer(v: &Value) -> Reply {
    Reply::status(200)
        .with_header("Content-Type", "application/json")
        .with_body(&v.to_string())
}

fn err(code: i64, msg: &str) -> Reply {
    answer(&json!({"errcode": code, "errmsg": msg}))
}

/// The errcode a scripted openid gets (as the real API answers for such a recipient).
fn scripted(openid: &str) -> Option<(i64, &'static str)> {
    Some(match openid {
        "o-not-following" => (43004, "require subscribe hint: [x]"),
        "o-refuses" => (43101, "user refuse to accept the msg hint: [y]"),
        "o-blacklisted" => (43019, "require remove blacklist"),
        "o-foreign" => (40003, "invalid openid o-foreign hint: [z]"),
        "o-quota" => (45009, "reach max api daily quota limit"),
        "o-minute" => (
            45011,
            "api minute-quota reach limit mustslower retry next minute",
        ),
        "o-unauthorized" => (48001, "api unauthorized"),
        "o-mystery" => (99_999, "something new"),
        _ => return None,
    })
}

fn respond(state: &Mutex<State>, req: &ReceivedRequest) -> Reply {
    let mut s = state.lock().unwrap();
    let q = query(&req.path);
    let route = req.path.split('?').next().unwrap_or("");
    match (req.method.as_str(), route) {
        ("GET", "/cgi-bin/token") => {
            if q.get("grant_type").map(String::as_str) != Some("client_credential") {
                return err(40002, "invalid grant_type");
            }
            if q.get("appid").map(String::as_str) != Some(APPID) {
                return err(40013, "invalid appid");
            }
            if q.get("secret").map(String::as_str) != Some(SECRET) {
                return err(40125, "invalid appsecret");
            }
            s.issued += 1;
            let token = format!("TOKEN-{}", s.issued);
            s.current = Some(token.clone());
            s.expired = false;
            answer(&json!({"access_token": token, "expires_in": 7200}))
        }
        ("POST", "/cgi-bin/stable_token") => {
            // Normal mode: the current token while it is valid, else a new one.
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                return err(47001, "data format error");
            };
            if body["appid"] != APPID || body["secret"] != SECRET {
                return err(40125, "invalid appsecret");
            }
            if body["force_refresh"] != false || s.expired || s.current.is_none() {
                s.issued += 1;
                s.current = Some(format!("TOKEN-{}", s.issued));
                s.expired = false;
            }
            answer(&json!({"access_token": s.current, "expires_in": 7200}))
        }
        (
            "POST",
            "/cgi-bin/message/template/send"
            | "/cgi-bin/message/subscribe/bizsend"
            | "/cgi-bin/message/subscribe/send",
        ) => {
            let token = q.get("access_token").cloned().unwrap_or_default();
            if s.refuse_tokens || Some(&token) != s.current.as_ref() {
                return err(
                    40001,
                    "invalid credential, access_token is invalid or not latest",
                );
            }
            if s.expired {
                return err(42001, "access_token expired");
            }
            if s.throttle > 0 {
                s.throttle -= 1;
                return Reply::status(429).with_header("Retry-After", "7");
            }
            if s.busy > 0 {
                s.busy -= 1;
                return err(-1, "system error");
            }
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                return err(47001, "data format error");
            };
            let openid = body["touser"].as_str().unwrap_or("");
            if openid.is_empty() {
                return err(40003, "invalid openid");
            }
            if !body["template_id"]
                .as_str()
                .is_some_and(|t| t.starts_with("TPL-"))
            {
                return err(40037, "invalid template_id");
            }
            // The documented keyword limit: a `thing` value is at most 20 characters.
            if let Some(data) = body["data"].as_object() {
                for (k, v) in data {
                    let value = v["value"].as_str().unwrap_or("");
                    if k.starts_with("thing") && value.chars().count() > 20 {
                        return err(47003, &format!("argument invalid! data.{k}.value invalid"));
                    }
                }
            } else {
                return err(47001, "data format error");
            }
            if let Some((code, msg)) = scripted(openid) {
                return err(code, msg);
            }
            s.msgid += 1;
            s.accepted.push(body);
            if let Some(n) = s.expire_after.as_mut() {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    s.expire_after = None;
                    s.expired = true;
                }
            }
            if !route.ends_with("template/send") {
                err(0, "ok")
            } else {
                answer(&json!({"errcode": 0, "errmsg": "ok", "msgid": 200_228_332 + s.msgid}))
            }
        }
        _ => Reply::status(404),
    }
}

impl Fake {
    fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let rx = WebhookReceiver::start(move |req| respond(&st, req)).unwrap();
        Self { rx, state }
    }

    fn base(&self) -> String {
        format!("http://{}", self.rx.addr())
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    fn config(&self) -> WechatConfig {
        let mut c = WechatConfig::new(APPID, SECRET);
        c.api_base = self.base();
        c.templates = BTreeMap::from([("outage.progress".to_owned(), "TPL-OUTAGE-1".to_owned())]);
        c.link = WechatLink::MessageUrl { site: None };
        c.connect_timeout_ms = 500;
        c.timeout_ms = 2_000;
        c
    }
}

fn clock_at(h: u32, m: u32) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        china_offset()
            .with_ymd_and_hms(2026, 3, 1, h, m, 0)
            .single()
            .unwrap(),
    ))
}

fn to(openid: &str, key: &str) -> OutboundMessage {
    let mut m = message(key);
    m.channel = Channel::WechatTemplate;
    m.address = openid.to_owned();
    m
}

fn messenger(config: WechatConfig, clock: &Arc<ManualClock>) -> WechatMessenger {
    WechatMessenger::new(config)
        .unwrap()
        .with_clock(clock.clone())
}

#[test]
fn sends_the_documented_template_payload_with_one_token() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let m = messenger(fake.config(), &clock);
    assert_eq!(m.channel(), Channel::WechatTemplate);
    for i in 0..3 {
        let out = m.send(&to("o-customer-1", &format!("k{i}"))).unwrap();
        assert_eq!(
            out,
            SendOutcome::Accepted {
                provider_msg_id: (200_228_333 + i).to_string()
            }
        );
    }
    fake.with(|s| {
        assert_eq!(s.issued, 1, "one token for all sends");
        let body = &s.accepted[0];
        assert_eq!(body["touser"], "o-customer-1");
        assert_eq!(body["template_id"], "TPL-OUTAGE-1");
        assert_eq!(body["url"], "https://example.invalid/o/17");
        // The SHA-1 of the dedupe key "k0" (printf k0 | sha1sum), the same on every attempt.
        assert_eq!(
            body["client_msg_id"],
            "699de12dc3094b06a5098e77fb1cdd72975b76a2"
        );
        assert_eq!(body["data"]["thing1"]["value"], "城关10kV线");
        assert_eq!(body["data"]["phrase2"]["value"], "抢修中");
        assert!(body.get("miniprogram").is_none());
    });
}

#[test]
fn mini_program_link_from_configuration() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let mut c = fake.config();
    c.link = WechatLink::MiniProgram {
        appid: "wxmini01".into(),
        pagepath: "pages/notice/index?u={link}".into(),
        field: PagePathField::Path,
        with_url: false,
    };
    c.client_msg_id = false;
    messenger(c, &clock).send(&to("o-1", "k")).unwrap();
    let mut c = fake.config();
    c.link = WechatLink::None;
    messenger(c, &clock).send(&to("o-1", "k2")).unwrap();
    fake.with(|s| {
        let mp = &s.accepted[0];
        assert_eq!(mp["miniprogram"]["appid"], "wxmini01");
        assert_eq!(
            mp["miniprogram"]["path"],
            "pages/notice/index?u=https%3A%2F%2Fexample.invalid%2Fo%2F17"
        );
        assert!(mp.get("url").is_none());
        assert!(mp.get("client_msg_id").is_none());
        // No link configured: none sent, whatever the notice carries.
        assert!(s.accepted[1].get("url").is_none());
        assert!(s.accepted[1].get("miniprogram").is_none());
    });
}

#[test]
fn a_path_link_is_joined_to_the_configured_site() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let mut path = to("o-1", "k");
    path.link = Some("/outage/O-17".into());
    // Without a site the notice is refused, not sent with a broken link.
    let before = fake.rx.count();
    let e = messenger(fake.config(), &clock).send(&path).unwrap_err();
    assert!(
        matches!(&e, SendError::Invalid { field: Some(f), .. } if f == "link"),
        "{e:?}"
    );
    assert_eq!(fake.rx.count(), before);
    let mut c = fake.config();
    c.link = WechatLink::MessageUrl {
        site: Some("https://wx.utility.test/".into()),
    };
    messenger(c, &clock).send(&path).unwrap();
    fake.with(|s| assert_eq!(s.accepted[0]["url"], "https://wx.utility.test/outage/O-17"));
    // The shipped templates carry paths, never a made-up site.
    let shipped = gridserve_core::notify::TemplateSet::defaults();
    let json = serde_json::to_string(&shipped).unwrap();
    assert!(!json.contains("http"), "{json}");
}

#[test]
fn the_link_names_the_notice_for_read_receipts() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let mut c = fake.config();
    c.read_param = Some("notice".into());
    let m = messenger(c, &clock);
    m.send(&to("o-1", "outage/O-17#3/t")).unwrap();
    let mut c = fake.config();
    c.link = WechatLink::MiniProgram {
        appid: "wxmini01".into(),
        pagepath: "pages/n?k={notice}".into(),
        field: PagePathField::Pagepath,
        with_url: false,
    };
    messenger(c, &clock).send(&to("o-1", "a b")).unwrap();
    fake.with(|s| {
        assert_eq!(
            s.accepted[0]["url"],
            "https://example.invalid/o/17?notice=outage%2FO-17%233%2Ft"
        );
        assert_eq!(s.accepted[1]["miniprogram"]["pagepath"], "pages/n?k=a%20b");
    });
}

#[test]
fn subscription_notices_use_bizsend_and_page() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let mut c = fake.config();
    c.kind = WechatKind::Subscribe;
    let m = messenger(c, &clock);
    assert_eq!(m.channel(), Channel::WechatSubscribe);
    let mut msg = to("o-1", "k");
    msg.channel = Channel::WechatSubscribe;
    // bizsend answers without a msgid: delivery is then only known from the push.
    assert_eq!(m.send(&msg).unwrap(), SendOutcome::Delivered);
    let got = fake.rx.received();
    assert!(got.iter().any(|r| {
        r.path
            .starts_with("/cgi-bin/message/subscribe/bizsend?access_token=")
    }));
    fake.with(|s| {
        assert_eq!(s.accepted[0]["page"], "https://example.invalid/o/17");
        assert!(s.accepted[0].get("client_msg_id").is_none());
    });
}

#[test]
fn mini_program_subscription_messages_open_the_configured_page() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let mut c = fake.config();
    c.kind = WechatKind::MiniProgramSubscribe;
    c.link = WechatLink::MiniProgram {
        appid: "wxmini01".into(),
        pagepath: "pages/outage/index?n={notice}".into(),
        field: PagePathField::Pagepath,
        with_url: false,
    };
    let m = messenger(c, &clock);
    assert_eq!(m.channel(), Channel::WechatSubscribe);
    assert_eq!(m.send(&to("o-1", "k1")).unwrap(), SendOutcome::Delivered);
    // A web link is not a mini-program page: not sent.
    let mut c = fake.config();
    c.kind = WechatKind::MiniProgramSubscribe;
    messenger(c, &clock).send(&to("o-1", "k2")).unwrap();
    assert!(fake.rx.received().iter().any(|r| {
        r.path
            .starts_with("/cgi-bin/message/subscribe/send?access_token=")
    }));
    fake.with(|s| {
        assert_eq!(s.accepted[0]["page"], "pages/outage/index?n=k1");
        assert!(s.accepted[0].get("miniprogram").is_none());
        assert!(s.accepted[0].get("client_msg_id").is_none());
        assert!(s.accepted[1].get("page").is_none());
        assert!(s.accepted[1].get("url").is_none());
    });
    // The documented refusal of a revoked subscription: an opt-out.
    let mut c = fake.config();
    c.kind = WechatKind::MiniProgramSubscribe;
    assert!(matches!(
        messenger(c, &clock)
            .send(&to("o-refuses", "k3"))
            .unwrap_err(),
        SendError::OptedOut { .. }
    ));
}

#[test]
fn token_refreshed_before_it_expires() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let m = messenger(fake.config(), &clock);
    m.send(&to("o-1", "a")).unwrap();
    // 7,200 s of validity less the 300 s margin: still the same token at 6,899 s …
    clock.advance(chrono::Duration::seconds(6_899));
    m.send(&to("o-1", "b")).unwrap();
    assert_eq!(fake.with(|s| s.issued), 1);
    // … and a new one, fetched before any send fails, at 6,900 s.
    clock.advance(chrono::Duration::seconds(1));
    m.send(&to("o-1", "c")).unwrap();
    assert_eq!(fake.with(|s| s.issued), 2);
    assert_eq!(fake.with(|s| s.accepted.len()), 3);
}

#[test]
fn token_expiry_mid_storm_refreshes_once_and_loses_nothing() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let m = Arc::new(messenger(fake.config(), &clock));
    // The token dies after 100 accepted sends, while 8 threads send 50 each.
    fake.with(|s| s.expire_after = Some(100));
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let m = m.clone();
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| m.send(&to(&format!("o-{t}-{i}"), &format!("k-{t}-{i}"))))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(results.len(), 400);
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed, first {:?}",
        failed.len(),
        failed.first()
    );
    fake.with(|s| {
        assert_eq!(s.accepted.len(), 400);
        // One refresh for the whole storm: threads that saw the old token refused reuse the
        // new one instead of fetching (and so invalidating) another.
        assert_eq!(s.issued, 2);
    });
}

#[test]
fn several_instances_share_the_stable_token() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let mut c = fake.config();
    c.token_api = TokenApi::Stable;
    // Two application instances, each with its own messenger and cache.
    let a = messenger(c.clone(), &clock);
    let b = messenger(c, &clock);
    for i in 0..5 {
        a.send(&to("o-1", &format!("a{i}"))).unwrap();
        b.send(&to("o-1", &format!("b{i}"))).unwrap();
    }
    assert_eq!(fake.with(|s| s.issued), 1, "one token for both instances");
    // With cgi-bin/token each instance's fetch invalidates the other's token: every switch
    // of instance costs a refused send and a new token (the reason for the stable API).
    let a = messenger(fake.config(), &clock);
    let b = messenger(fake.config(), &clock);
    for i in 0..3 {
        a.send(&to("o-1", &format!("c{i}"))).unwrap();
        b.send(&to("o-1", &format!("d{i}"))).unwrap();
    }
    // 1 stable token, then a new token for each of the 6 alternating sends.
    assert_eq!(fake.with(|s| s.issued), 7);
}

#[test]
fn an_absurd_token_lifetime_is_capped() {
    let rx = WebhookReceiver::start(|req| {
        if req.path.starts_with("/cgi-bin/token") {
            answer(&json!({"access_token": "T", "expires_in": i64::MAX}))
        } else {
            answer(&json!({"errcode": 0, "errmsg": "ok", "msgid": 1}))
        }
    })
    .unwrap();
    let clock = clock_at(8, 0);
    let mut c = WechatConfig::new(APPID, SECRET);
    c.api_base = format!("http://{}", rx.addr());
    c.templates.insert("outage.progress".into(), "TPL-1".into());
    let m = messenger(c, &clock);
    m.send(&to("o-1", "a")).unwrap();
    // Believed for the documented 7,200 s less the margin, not for ever.
    clock.advance(chrono::Duration::seconds(6_900));
    m.send(&to("o-1", "b")).unwrap();
    let fetches = rx
        .received()
        .iter()
        .filter(|r| r.path.starts_with("/cgi-bin/token"))
        .count();
    assert_eq!(fetches, 2);
}

#[test]
fn a_token_refused_twice_is_an_auth_failure() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let m = messenger(fake.config(), &clock);
    fake.with(|s| s.refuse_tokens = true);
    let e = m.send(&to("o-1", "a")).unwrap_err();
    assert!(matches!(e, SendError::Auth { .. }), "{e:?}");
    assert!(e.to_string().contains("40001"), "{e}");
    assert!(!e.to_string().contains("TOKEN-"), "no token in errors: {e}");
    assert_eq!(fake.with(|s| s.issued), 2, "fetched, refreshed once");
    // The next attempt fetches a token again and succeeds once the API accepts it.
    fake.with(|s| s.refuse_tokens = false);
    assert!(m.send(&to("o-1", "a")).is_ok());
}

#[test]
fn wrong_credentials_are_auth_failures_without_the_secret() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let mut c = fake.config();
    c.secret = "wrong-secret-123".into();
    let e = messenger(c, &clock).send(&to("o-1", "a")).unwrap_err();
    assert!(matches!(e, SendError::Auth { .. }), "{e:?}");
    assert!(e.to_string().contains("40125"), "{e}");
    assert!(!e.to_string().contains("wrong-secret-123"), "{e}");
    let mut c = fake.config();
    c.appid = "wx-other".into();
    let e = messenger(c, &clock).send(&to("o-1", "a")).unwrap_err();
    assert!(matches!(e, SendError::Auth { .. }), "{e:?}");
}

#[test]
fn busy_and_throttled_answers() {
    let fake = Fake::start();
    let clock = clock_at(23, 0);
    let m = messenger(fake.config(), &clock);
    fake.with(|s| s.busy = 1);
    let e = m.send(&to("o-1", "a")).unwrap_err();
    assert!(matches!(e, SendError::Transient { .. }), "{e:?}");
    // HTTP 429 with Retry-After: throttled for exactly that long.
    fake.with(|s| s.throttle = 1);
    assert_eq!(
        m.send(&to("o-1", "a")).unwrap_err(),
        SendError::Throttled {
            detail: "cgi-bin/message/template/send: HTTP 429".into(),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
    // The daily quota: until midnight China time (23:00 → one hour).
    match m.send(&to("o-quota", "a")).unwrap_err() {
        SendError::Throttled { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(3_600)));
        }
        e => panic!("{e:?}"),
    }
    // The per-minute quota: the configured delay (60 s by default).
    match m.send(&to("o-minute", "a")).unwrap_err() {
        SendError::Throttled { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(60)));
        }
        e => panic!("{e:?}"),
    }
    assert!(m.send(&to("o-1", "a")).is_ok(), "recovers");
}

#[test]
fn unreachable_and_refusing_recipients() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let m = messenger(fake.config(), &clock);
    for openid in ["o-not-following", "o-foreign"] {
        let e = m.send(&to(openid, "a")).unwrap_err();
        assert!(
            matches!(e, SendError::RecipientUnreachable { .. }),
            "{openid}: {e:?}"
        );
        assert!(!e.to_string().contains(openid), "openid masked: {e}");
    }
    for openid in ["o-refuses", "o-blacklisted"] {
        let e = m.send(&to(openid, "a")).unwrap_err();
        assert!(matches!(e, SendError::OptedOut { .. }), "{openid}: {e:?}");
    }
}

#[test]
fn invalid_messages_are_dead_letters() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let m = messenger(fake.config(), &clock);
    // A thing keyword over 20 characters: WeChat names the key.
    let mut long = to("o-1", "a");
    long.fields[0].1 = "城".repeat(21);
    match m.send(&long).unwrap_err() {
        SendError::Invalid { field, detail } => {
            assert_eq!(field.as_deref(), Some("thing1"));
            assert!(detail.contains("47003"), "{detail}");
        }
        e => panic!("{e:?}"),
    }
    // api unauthorized (configuration), and an errcode nobody documented.
    for openid in ["o-unauthorized", "o-mystery"] {
        let e = m.send(&to(openid, "a")).unwrap_err();
        assert!(matches!(e, SendError::Invalid { .. }), "{openid}: {e:?}");
    }
    // An invalid template id.
    let mut c = fake.config();
    c.templates
        .insert("outage.progress".into(), "WRONG-ID".into());
    let e = messenger(c, &clock).send(&to("o-1", "a")).unwrap_err();
    assert!(
        matches!(&e, SendError::Invalid { detail, .. } if detail.contains("40037")),
        "{e:?}"
    );
    // Refused before any request: an unknown logical template, an empty openid.
    let before = fake.rx.count();
    let mut unknown = to("o-1", "a");
    unknown.template = "nobody.knows".into();
    assert!(matches!(
        m.send(&unknown).unwrap_err(),
        SendError::Invalid { field: Some(f), .. } if f == "template"
    ));
    assert!(matches!(
        m.send(&to(" ", "a")).unwrap_err(),
        SendError::Invalid { field: Some(f), .. } if f == "address"
    ));
    assert_eq!(fake.rx.count(), before);
}

#[test]
fn classification_is_data() {
    let fake = Fake::start();
    let clock = clock_at(8, 0);
    let mut c = fake.config();
    c.error_classes.insert(99_999, ErrorClass::Retry);
    c.error_classes.insert(43004, ErrorClass::OptedOut);
    let m = messenger(c, &clock);
    assert!(matches!(
        m.send(&to("o-mystery", "a")).unwrap_err(),
        SendError::Transient { .. }
    ));
    assert!(matches!(
        m.send(&to("o-not-following", "a")).unwrap_err(),
        SendError::OptedOut { .. }
    ));
}

#[test]
fn transport_failures_are_transient() {
    let clock = clock_at(8, 0);
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = WechatConfig::new(APPID, SECRET);
    c.api_base = format!("http://127.0.0.1:{port}");
    c.templates.insert("outage.progress".into(), "TPL-1".into());
    let e = messenger(c, &clock).send(&to("o-1", "a")).unwrap_err();
    assert!(matches!(e, SendError::Transient { .. }), "{e:?}");
    assert!(!e.to_string().contains(SECRET), "{e}");
    // 5xx and unreadable answers.
    let rx = WebhookReceiver::start(|req| {
        if req.path.starts_with("/cgi-bin/token") {
            answer(&json!({"access_token": "T", "expires_in": 7200}))
        } else if req.body.windows(6).any(|w| w == b"o-5xx\"") {
            Reply::status(503)
        } else {
            Reply::status(200).with_body("<html>gateway</html>")
        }
    })
    .unwrap();
    let mut c = WechatConfig::new(APPID, SECRET);
    c.api_base = format!("http://{}", rx.addr());
    c.templates.insert("outage.progress".into(), "TPL-1".into());
    let m = messenger(c, &clock);
    for openid in ["o-5xx", "o-garbage"] {
        let e = m.send(&to(openid, "a")).unwrap_err();
        assert!(matches!(e, SendError::Transient { .. }), "{openid}: {e:?}");
    }
}

#[test]
fn bad_configuration_is_refused() {
    let bad = |f: &dyn Fn(&mut WechatConfig)| {
        let mut c = WechatConfig::new(APPID, SECRET);
        c.api_base = "http://127.0.0.1:9".into();
        f(&mut c);
        match WechatMessenger::new(c) {
            Err(MessengerError::InvalidConfig { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(bad(&|c| c.appid = " ".into()), "appid");
    assert_eq!(bad(&|c| c.secret = String::new()), "secret");
    assert_eq!(bad(&|c| c.api_base = "ftp://x".into()), "api_base");
    assert_eq!(bad(&|c| c.timeout_ms = 0), "timeout_ms");
    assert_eq!(
        bad(&|c| {
            c.link = WechatLink::MiniProgram {
                appid: String::new(),
                pagepath: "p".into(),
                field: PagePathField::Pagepath,
                with_url: false,
            }
        }),
        "link.mini_program.appid"
    );
    assert_eq!(bad(&|c| c.read_param = Some("a=b".into())), "read_param");
    assert_eq!(
        bad(&|c| {
            c.link = WechatLink::MessageUrl {
                site: Some("wx.utility.test".into()),
            }
        }),
        "link.message_url.site"
    );
    // The secret never appears in an error, even for a bad secret.
    let e = WechatMessenger::new(WechatConfig::new(APPID, " ")).unwrap_err();
    assert!(!e.to_string().contains(SECRET));
}

#[test]
fn dispatcher_turns_each_class_into_its_outcome() {
    use gridserve_core::outbox::{DispatchPolicy, Dispatcher};
    use gridserve_core::ports::memory::MemoryStore;
    use gridserve_core::ports::{EventStore, NewEvent, OptOuts, OutboxQueries, OutboxStatus};

    let fake = Fake::start();
    let clock = clock_at(23, 0);
    let t0 = gridserve_core::ports::Clock::now(&*clock);
    let mut long = to("o-1", "long");
    long.fields[0].1 = "城".repeat(21);
    let notices: Vec<OutboundMessage> = [
        to("o-1", "ok"),
        to("o-not-following", "unreachable"),
        to("o-refuses", "refuses"),
        to("o-quota", "quota"),
        long,
    ]
    .into_iter()
    .map(|mut m| {
        m.supersede_key = None;
        m.not_before = t0;
        m
    })
    .collect();
    let mut store = MemoryStore::new();
    store
        .append(
            "outage/O-17",
            0,
            &[NewEvent {
                event_type: "outage.progress".into(),
                payload_json: "{}".into(),
                actor: "system".into(),
                at: t0,
            }],
            &notices,
        )
        .unwrap();
    let mut dispatcher = Dispatcher::new(DispatchPolicy::default()).unwrap();
    dispatcher.register(Arc::new(messenger(fake.config(), &clock)));
    let report = dispatcher.dispatch_once(&mut store, t0).unwrap();
    assert_eq!(
        (report.sent, report.dead, report.suppressed, report.retried),
        (1, 2, 1, 1)
    );
    let entry = |key: &str| store.by_dedupe_key(key).unwrap().unwrap();
    assert_eq!(entry("ok").status, OutboxStatus::Sent);
    assert!(entry("ok").provider_msg_id.is_some());
    assert_eq!(entry("unreachable").status, OutboxStatus::Dead);
    assert_eq!(entry("long").status, OutboxStatus::Dead);
    assert_eq!(entry("refuses").status, OutboxStatus::Suppressed);
    assert!(
        store
            .is_opted_out(Channel::WechatTemplate, "o-refuses")
            .unwrap()
    );
    // A later notice to the refusing openid is suppressed before sending; no record of
    // either suppression carries the openid (exports mask addresses, not free text).
    let mut again = to("o-refuses", "refuses-again");
    again.supersede_key = None;
    again.not_before = t0;
    store
        .append(
            "outage/O-18",
            0,
            &[NewEvent {
                event_type: "outage.progress".into(),
                payload_json: "{}".into(),
                actor: "system".into(),
                at: t0,
            }],
            &[again],
        )
        .unwrap();
    let before = fake.rx.count();
    // (The store or the dispatcher suppresses it, whichever sees the opt-out first.)
    dispatcher.dispatch_once(&mut store, t0).unwrap();
    assert_eq!(fake.rx.count(), before, "not sent");
    let entry = |key: &str| store.by_dedupe_key(key).unwrap().unwrap();
    assert_eq!(entry("refuses-again").status, OutboxStatus::Suppressed);
    for key in ["refuses", "refuses-again"] {
        let reason = entry(key).last_error.unwrap();
        assert!(!reason.contains("o-refuses"), "{reason}");
    }
    // The daily quota: retried at midnight China time.
    let quota = entry("quota");
    assert_eq!(quota.status, OutboxStatus::Pending);
    assert_eq!(
        quota.next_attempt_at,
        china_offset()
            .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
            .single()
            .unwrap()
    );
}
