//! The SMS gateway messenger against a local fake gateway of the signature + template-code
//! kind (Aliyun-like `SendSms`: reference §2.2).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::TimeZone;
use gridserve_core::notify::SmsRules;
use gridserve_core::ports::{
    Channel, ManualClock, Messenger, OutboundMessage, SendError, SendOutcome, china_offset,
};
use gridserve_messengers::receiver::{ReceivedRequest, Reply, WebhookReceiver};
use gridserve_messengers::{
    ErrorClass, MessengerError, SmsConfig, SmsMessenger, SmsTemplate, sms_error_classes,
};
use serde_json::{Value, json};

use crate::message;

const KEY: &str = "Bearer gw-key-5e6f";
const BILL: &str = "您户号${customer}的电费${amount}元，请于${due}前缴纳。";
const OUTAGE: &str = "停电通知：${area}于${start}停电，预计${etr}恢复。";

fn gateway_answer(code: &str, message: &str) -> Reply {
    Reply::status(200).with_body(
        &json!({"Code": code, "Message": message, "RequestId": "F655A8D5-B967-440B-8683"})
            .to_string(),
    )
}

/// The fake gateway: checks credentials, signature, template code and parameters as a
/// gateway does, and answers by phone number as scripted.
fn respond(req: &ReceivedRequest) -> Reply {
    if req.header("authorization") != Some(KEY) {
        return gateway_answer(
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return gateway_answer("isv.INVALID_PARAMETERS", "参数异常");
    };
    if body["SignName"] != "城关供电" {
        return gateway_answer("isv.SMS_SIGNATURE_ILLEGAL", "短信签名不合法");
    }
    if !matches!(body["TemplateCode"].as_str(), Some("SMS_100" | "SMS_200")) {
        return gateway_answer("isv.SMS_TEMPLATE_ILLEGAL", "短信模板不合法");
    }
    // TemplateParam is a JSON object as text, with string values only.
    let params: Option<BTreeMap<String, String>> = body["TemplateParam"]
        .as_str()
        .and_then(|p| serde_json::from_str(p).ok());
    if params.is_none() {
        return gateway_answer("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值");
    }
    let phone = body["PhoneNumbers"].as_str().unwrap_or("");
    match phone {
        "13900000001" => gateway_answer("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10"),
        "13900000002" => gateway_answer("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"),
        "13900000003" => gateway_answer("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号 13900000003"),
        "13900000004" => gateway_answer("isp.SYSTEM_ERROR", "系统错误"),
        "13900000005" => gateway_answer("isv.AMOUNT_NOT_ENOUGH", "账户余额不足"),
        "13900000006" => Reply::status(429).with_header("Retry-After", "9"),
        "13900000007" => gateway_answer("isv.SOMETHING_NEW", "?"),
        "13900000008" => gateway_answer("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5"),
        "13900000009" => Reply::status(502),
        _ => Reply::status(200).with_body(
            &json!({"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0",
                    "RequestId": "F655A8D5"})
            .to_string(),
        ),
    }
}

fn config(rx: &WebhookReceiver) -> SmsConfig {
    let mut c = SmsConfig::new(format!("http://{}/sms/send", rx.addr()), "城关供电");
    c.headers.push(("Authorization".into(), KEY.into()));
    c.templates.insert(
        "bill.reminder".into(),
        SmsTemplate {
            code: "SMS_100".into(),
            text: BILL.into(),
        },
    );
    c.templates.insert(
        "outage.planned".into(),
        SmsTemplate {
            code: "SMS_200".into(),
            text: OUTAGE.into(),
        },
    );
    c.connect_timeout_ms = 500;
    c.timeout_ms = 2_000;
    c
}

fn sms(phone: &str, template: &str, text: &str) -> OutboundMessage {
    let mut m = message("sms-key-1");
    m.channel = Channel::Sms;
    m.address = phone.to_owned();
    m.template = template.to_owned();
    m.fields = Vec::new();
    m.text = Some(text.to_owned());
    m
}

fn bill(phone: &str) -> OutboundMessage {
    sms(
        phone,
        "bill.reminder",
        "【城关供电】您户号0100042的电费1,234.50元，请于3月15日前缴纳。",
    )
}

fn messenger(rx: &WebhookReceiver) -> SmsMessenger {
    let clock = std::sync::Arc::new(ManualClock::new(
        china_offset()
            .with_ymd_and_hms(2026, 3, 1, 22, 0, 0)
            .single()
            .unwrap(),
    ));
    SmsMessenger::new(config(rx)).unwrap().with_clock(clock)
}

#[test]
fn sends_signature_template_code_and_parameters() {
    let rx = WebhookReceiver::start(respond).unwrap();
    let m = messenger(&rx);
    assert_eq!(m.channel(), Channel::Sms);
    assert_eq!(
        m.send(&bill("13800000001")).unwrap(),
        SendOutcome::Accepted {
            provider_msg_id: "900619746936498440^0".into()
        }
    );
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["PhoneNumbers"], "13800000001");
    assert_eq!(body["SignName"], "城关供电");
    assert_eq!(body["TemplateCode"], "SMS_100");
    assert_eq!(body["OutId"], "sms-key-1");
    let params: BTreeMap<String, String> =
        serde_json::from_str(body["TemplateParam"].as_str().unwrap()).unwrap();
    assert_eq!(
        params,
        BTreeMap::from([
            ("customer".to_owned(), "0100042".to_owned()),
            ("amount".to_owned(), "1,234.50".to_owned()),
            ("due".to_owned(), "3月15日".to_owned()),
        ])
    );
}

#[test]
fn segments_counted_as_the_notifier_counts_them() {
    let rx = WebhookReceiver::start(respond).unwrap();
    let m = messenger(&rx);
    // The gateway's published example: 160 characters bill as 67 + 67 + 26 = 3 messages.
    let area = "东".repeat(127);
    let text = format!("【城关供电】停电通知：{area}于3月1日8时停电，预计3月1日18时恢复。");
    assert_eq!(text.chars().count(), 160);
    let long = sms("13800000001", "outage.planned", &text);
    assert_eq!(m.segments(&long), 3);
    assert_eq!(
        m.segments(&long),
        SmsRules::default().segments(text.chars().count())
    );
    m.send(&long).unwrap();
    m.send(&bill("13800000001")).unwrap(); // 43 characters: one message
    assert_eq!(m.segments_accepted(), 4);
    // A refused message costs nothing.
    let _ = m.send(&bill("13900000003"));
    assert_eq!(m.segments_accepted(), 4);
}

#[test]
fn every_error_class() {
    let rx = WebhookReceiver::start(respond).unwrap();
    let m = messenger(&rx);
    // Daily flow control: until midnight China time (22:00 → two hours).
    match m.send(&bill("13900000001")).unwrap_err() {
        SendError::Throttled { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(7_200)));
        }
        e => panic!("{e:?}"),
    }
    for (phone, secs) in [
        ("13900000002", 60),
        ("13900000008", 3_600),
        ("13900000006", 9),
    ] {
        match m.send(&bill(phone)).unwrap_err() {
            SendError::Throttled { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(secs)), "{phone}");
            }
            e => panic!("{phone}: {e:?}"),
        }
    }
    for phone in ["13900000004", "13900000009"] {
        let e = m.send(&bill(phone)).unwrap_err();
        assert!(matches!(e, SendError::Transient { .. }), "{phone}: {e:?}");
    }
    let e = m.send(&bill("13900000003")).unwrap_err();
    assert!(matches!(e, SendError::RecipientUnreachable { .. }), "{e:?}");
    assert!(!e.to_string().contains("13900000003"), "phone masked: {e}");
    assert!(e.to_string().contains("139****0003"), "{e}");
    let e = m.send(&bill("13900000005")).unwrap_err();
    assert!(matches!(e, SendError::Auth { .. }), "{e:?}");
    let e = m.send(&bill("13900000007")).unwrap_err();
    assert!(matches!(e, SendError::Invalid { .. }), "{e:?}");
    // Wrong credentials: auth, and the key never shows.
    let mut c = config(&rx);
    c.headers = vec![("Authorization".into(), "Bearer wrong-key-77".into())];
    let e = SmsMessenger::new(c)
        .unwrap()
        .send(&bill("13800000001"))
        .unwrap_err();
    assert!(matches!(e, SendError::Auth { .. }), "{e:?}");
    assert!(!e.to_string().contains("wrong-key-77"), "{e}");
    // A gateway that refuses the signature or the template code.
    let mut c = config(&rx);
    c.sign_name = "别家供电".into();
    let e = SmsMessenger::new(c)
        .unwrap()
        .send(&sms(
            "13800000001",
            "bill.reminder",
            "【别家供电】您户号1的电费2元，请于3日前缴纳。",
        ))
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Invalid { detail, .. } if detail.contains("isv.SMS_SIGNATURE_ILLEGAL")),
        "{e:?}"
    );
    // Classification is data.
    let mut c = config(&rx);
    c.error_classes
        .insert("isv.SOMETHING_NEW".into(), ErrorClass::Retry);
    let e = SmsMessenger::new(c)
        .unwrap()
        .send(&bill("13900000007"))
        .unwrap_err();
    assert!(matches!(e, SendError::Transient { .. }), "{e:?}");
    assert_eq!(
        sms_error_classes().get("isv.BUSINESS_LIMIT_CONTROL"),
        Some(&ErrorClass::Throttle)
    );
}

#[test]
fn refused_before_any_request() {
    let rx = WebhookReceiver::start(respond).unwrap();
    let m = messenger(&rx);
    let cases = [
        // Not the approved form (the template drifted).
        sms(
            "13800000001",
            "bill.reminder",
            "【城关供电】您的电费已结清。",
        ),
        // No signature.
        sms(
            "13800000001",
            "bill.reminder",
            "您户号0100042的电费1元，请于3月15日前缴纳。",
        ),
        // No approved template for the logical one.
        sms("13800000001", "defect.notice", "【城关供电】隐患通知"),
        // Over the 500-character limit.
        sms(
            "13800000001",
            "outage.planned",
            &format!(
                "【城关供电】停电通知：{}于1日停电，预计2日恢复。",
                "东".repeat(500)
            ),
        ),
    ];
    for m_ in &cases {
        let e = m.send(m_).unwrap_err();
        assert!(
            matches!(&e, SendError::Invalid { field: Some(_), .. }),
            "{e:?}"
        );
    }
    let mut no_text = bill("13800000001");
    no_text.text = None;
    assert!(matches!(
        m.send(&no_text).unwrap_err(),
        SendError::Invalid { .. }
    ));
    // Not a mainland mobile number: unreachable, the number masked.
    let e = m.send(&bill("0571-88886666")).unwrap_err();
    assert!(matches!(e, SendError::RecipientUnreachable { .. }), "{e:?}");
    assert!(!e.to_string().contains("88886666"), "{e}");
    assert_eq!(rx.count(), 0);
}

#[test]
fn bad_configuration_is_refused() {
    let bad = |f: &dyn Fn(&mut SmsConfig)| {
        let mut c = SmsConfig::new("http://127.0.0.1:9/sms", "城关供电");
        f(&mut c);
        match SmsMessenger::new(c) {
            Err(MessengerError::InvalidConfig { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(bad(&|c| c.url = "gopher://x".into()), "url");
    assert_eq!(bad(&|c| c.sign_name = "【城关供电】".into()), "sign_name");
    assert_eq!(bad(&|c| c.sign_name = " ".into()), "sign_name");
    assert_eq!(bad(&|c| c.timeout_ms = 0), "timeout_ms");
    let with_template = |text: &'static str, code: &'static str| {
        move |c: &mut SmsConfig| {
            c.templates.insert(
                "t".into(),
                SmsTemplate {
                    code: code.into(),
                    text: text.into(),
                },
            );
        }
    };
    assert_eq!(
        bad(&with_template("${a}${b}。", "SMS_1")),
        "templates.t.text"
    );
    assert_eq!(bad(&with_template("${a}", "SMS_1")), "templates.t.text");
    assert_eq!(
        bad(&with_template("【x】${a}。", "SMS_1")),
        "templates.t.text"
    );
    assert_eq!(bad(&with_template("电费${a}元", " ")), "templates.t.code");
    // Unknown keys in the configuration are refused.
    assert!(
        serde_json::from_str::<SmsConfig>(
            r#"{"url": "http://x", "sign_name": "a", "templates": {}, "signature": "b"}"#
        )
        .is_err()
    );
}

#[test]
fn through_the_dispatcher_and_back_by_delivery_report() {
    use gridserve_core::outbox::{DispatchPolicy, Dispatcher};
    use gridserve_core::ports::memory::MemoryStore;
    use gridserve_core::ports::{EventStore, NewEvent, OutboxQueries, OutboxStatus, ReceiptStatus};
    use gridserve_messengers::inbound::{Applied, apply, parse_sms_reports};

    let rx = WebhookReceiver::start(respond).unwrap();
    let t0 = china_offset()
        .with_ymd_and_hms(2026, 3, 1, 22, 0, 0)
        .single()
        .unwrap();
    let keyed = |phone: &str, key: &str| {
        let mut m = bill(phone);
        m.dedupe_key = key.to_owned();
        m.supersede_key = None;
        m.not_before = t0;
        m
    };
    let mut drifted = keyed("13800000001", "drifted");
    drifted.text = Some("【城关供电】您的电费已结清。".into());
    let mut store = MemoryStore::new();
    store
        .append(
            "bill/B-1",
            0,
            &[NewEvent {
                event_type: "bill.reminded".into(),
                payload_json: "{}".into(),
                actor: "system".into(),
                at: t0,
            }],
            &[
                keyed("13800000001", "ok"),
                keyed("13900000001", "daily-limit"),
                keyed("13900000003", "illegal"),
                drifted,
            ],
        )
        .unwrap();
    let mut dispatcher = Dispatcher::new(DispatchPolicy::default()).unwrap();
    dispatcher.register(std::sync::Arc::new(messenger(&rx)));
    let report = dispatcher.dispatch_once(&mut store, t0).unwrap();
    assert_eq!((report.sent, report.retried, report.dead), (1, 1, 2));
    let entry = |store: &MemoryStore, key: &str| store.by_dedupe_key(key).unwrap().unwrap();
    let sent = entry(&store, "ok");
    assert_eq!(
        sent.provider_msg_id.as_deref(),
        Some("900619746936498440^0")
    );
    // Flow control for the day: retried at midnight China time.
    assert_eq!(
        entry(&store, "daily-limit").next_attempt_at,
        china_offset()
            .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
            .single()
            .unwrap()
    );
    assert_eq!(entry(&store, "illegal").status, OutboxStatus::Dead);
    assert_eq!(entry(&store, "drifted").status, OutboxStatus::Dead);
    // The gateway's delivery report comes back and lands on the sent entry.
    let reports = parse_sms_reports(
        r#"[{"phone_number": "13800000001", "success": true, "err_code": "DELIVERED",
             "biz_id": "900619746936498440^0", "out_id": "ok",
             "report_time": "2026-03-01 22:00:07"}]"#,
        &[],
    )
    .unwrap();
    assert_eq!(
        apply(&reports[0], &mut dispatcher, &mut store).unwrap(),
        Applied::Receipt(sent.id)
    );
    assert_eq!(entry(&store, "ok").receipt, Some(ReceiptStatus::Delivered));
}
