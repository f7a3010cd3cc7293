//! Inbound: WeChat pushes (signature, replays, the XML messages) and SMS gateway pushes,
//! parsed into typed items and applied to the outbox.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeZone;
use gridserve_core::outbox::{DispatchPolicy, Dispatcher, MemoryMessenger};
use gridserve_core::ports::memory::MemoryStore;
use gridserve_core::ports::{
    Channel, EventStore, NewEvent, OptOuts, OutboundMessage, OutboxQueries, ReceiptStatus,
    Timestamp, china_offset,
};
use gridserve_messengers::inbound::{
    Applied, CustomerCall, Inbound, InboundError, MAX_PUSH_BYTES, PushGuard, Reply, ReplyCommand,
    ReplyKeywords, address_book, apply, parse_sms_replies, parse_sms_reports, parse_wechat_push,
    read_receipt, wechat_signature,
};

use crate::message;

const TOKEN: &str = "push-token-1";
const OPENID: &str = "oia2TjuEGTNoeX76QEjQNrcURxG8";
const PHONE: &str = "13800000001";

fn at(unix: i64) -> Timestamp {
    china_offset().timestamp_opt(unix, 0).single().unwrap()
}

fn book() -> BTreeMap<(Channel, String), String> {
    BTreeMap::from([
        (
            (Channel::WechatTemplate, OPENID.to_owned()),
            "0100042".to_owned(),
        ),
        ((Channel::Sms, PHONE.to_owned()), "0100043".to_owned()),
    ])
}

fn parse(xml: &str) -> Result<Inbound, InboundError> {
    let b = book();
    parse_wechat_push(xml, &ReplyKeywords::default(), &address_book(&b))
}

fn text_push(content: &str, created: i64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\
         <FromUserName><![CDATA[{OPENID}]]></FromUserName>\
         <CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content><![CDATA[{content}]]></Content><MsgId>1234567890123456</MsgId></xml>"
    )
}

fn event_push(event: &str, extra: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\
         <FromUserName><![CDATA[{OPENID}]]></FromUserName>\
         <CreateTime>1395658920</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[{event}]]></Event>{extra}</xml>"
    )
}

#[test]
fn push_signature_window_and_replays() {
    let guard = PushGuard::new(TOKEN, 300);
    let now = at(1_700_000_000);
    let sig = |ts: &str, nonce: &str| wechat_signature(TOKEN, ts, nonce);
    // A genuine push passes once.
    guard
        .check(&sig("1699999990", "n1"), "1699999990", "n1", now)
        .unwrap();
    // Upper-case hex is the same signature.
    guard
        .check(
            &sig("1699999991", "n2").to_uppercase(),
            "1699999991",
            "n2",
            now,
        )
        .unwrap();
    // The same timestamp and nonce again: a replay.
    assert_eq!(
        guard.check(&sig("1699999990", "n1"), "1699999990", "n1", now),
        Err(InboundError::Replayed {
            timestamp: 1_699_999_990
        })
    );
    // Another nonce at the same second is another push.
    guard
        .check(&sig("1699999990", "n3"), "1699999990", "n3", now)
        .unwrap();
    // Forged: signed with another token, or the nonce changed after signing.
    let forged = wechat_signature("guessed-token", "1699999990", "n4");
    assert_eq!(
        guard.check(&forged, "1699999990", "n4", now),
        Err(InboundError::BadSignature)
    );
    assert_eq!(
        guard.check(&sig("1699999990", "n5"), "1699999990", "n6", now),
        Err(InboundError::BadSignature)
    );
    assert_eq!(
        guard.check("", "1699999990", "n5", now),
        Err(InboundError::BadSignature)
    );
    // Outside the window, in the past or the future: stale.
    assert!(matches!(
        guard.check(&sig("1699999699", "n7"), "1699999699", "n7", now),
        Err(InboundError::Stale { skew_s: 301, .. })
    ));
    assert!(matches!(
        guard.check(&sig("1700000301", "n8"), "1700000301", "n8", now),
        Err(InboundError::Stale { skew_s: -301, .. })
    ));
    // The window's edge is inside.
    guard
        .check(&sig("1699999700", "n9"), "1699999700", "n9", now)
        .unwrap();
    // A replay after the window is refused as stale (the nonce was forgotten).
    let later = at(1_700_000_400);
    assert!(matches!(
        guard.check(&sig("1699999990", "n1"), "1699999990", "n1", later),
        Err(InboundError::Stale { .. })
    ));
    // Extreme timestamps are stale, never an overflow (a clock before 1970, too).
    let before_1970 = at(-2_000_000_000);
    for ts in ["9223372036854775807", "-9223372036854775808"] {
        assert!(matches!(
            guard.check(&sig(ts, "x"), ts, "x", before_1970),
            Err(InboundError::Stale { .. })
        ));
        assert!(matches!(
            guard.check(&sig(ts, "y"), ts, "y", now),
            Err(InboundError::Stale { .. })
        ));
    }
    // A signed but non-numeric timestamp.
    assert!(matches!(
        guard.check(&sig("soon", "n10"), "soon", "n10", now),
        Err(InboundError::Malformed { .. })
    ));
    // The server-URL check echoes echostr only when signed.
    assert_eq!(
        guard.verify_url(&sig("1700000000", "e1"), "1700000000", "e1", "echo-42", now),
        Ok("echo-42")
    );
    assert!(
        guard
            .verify_url("bad", "1700000000", "e2", "echo-42", now)
            .is_err()
    );
}

#[test]
fn template_receipts() {
    // The documented pushes (MsgID 200163836 / 200163840).
    let ok = parse(&event_push(
        "TEMPLATESENDJOBFINISH",
        "<MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>",
    ))
    .unwrap();
    assert_eq!(
        ok,
        Inbound::Receipt {
            channel: Channel::WechatTemplate,
            provider_msg_id: "200163836".into(),
            status: ReceiptStatus::Delivered,
            at: at(1_395_658_920),
        }
    );
    let blocked = parse(&event_push(
        "TEMPLATESENDJOBFINISH",
        "<MsgID>200163840</MsgID><Status><![CDATA[failed:user block]]></Status>",
    ))
    .unwrap();
    assert!(matches!(
        blocked,
        Inbound::Receipt {
            status: ReceiptStatus::UserBlocked,
            ..
        }
    ));
    let failed = parse(&event_push(
        "TEMPLATESENDJOBFINISH",
        "<MsgID>200163841</MsgID><Status><![CDATA[failed: system failed]]></Status>",
    ))
    .unwrap();
    assert!(matches!(
        failed,
        Inbound::Receipt { status: ReceiptStatus::Failed(s), .. } if s == "failed: system failed"
    ));
    // Subscription notices report per message in a list.
    let sub = |code: &str| {
        parse(&event_push(
            "subscribe_msg_sent_event",
            &format!(
                "<SubscribeMsgSentEvent><List><TemplateId><![CDATA[TPL-1]]></TemplateId>\
                 <MsgID>1700827132819554304</MsgID><ErrorCode>{code}</ErrorCode>\
                 <ErrorStatus><![CDATA[x]]></ErrorStatus></List></SubscribeMsgSentEvent>"
            ),
        ))
        .unwrap()
    };
    assert!(matches!(
        sub("0"),
        Inbound::Receipt { channel: Channel::WechatSubscribe, status: ReceiptStatus::Delivered,
                           ref provider_msg_id, .. } if provider_msg_id == "1700827132819554304"
    ));
    assert!(matches!(
        sub("43101"),
        Inbound::Receipt {
            status: ReceiptStatus::UserBlocked,
            ..
        }
    ));
}

fn reply_of(item: Inbound) -> Reply {
    match item {
        Inbound::Reply(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn wechat_replies_each_kind() {
    for (text, command) in [
        ("已缴费", ReplyCommand::BillPaid),
        ("电费交过了，谢谢", ReplyCommand::BillPaid),
        ("发票收到了", ReplyCommand::InvoiceReceived),
        ("ＲＥＣＥＩＶＥＤ", ReplyCommand::InvoiceReceived),
        ("我家还停电！", ReplyCommand::StillOut),
        ("out", ReplyCommand::StillOut),
        ("退订", ReplyCommand::Unsubscribe),
        ("TD", ReplyCommand::Unsubscribe),
    ] {
        let r = reply_of(parse(&text_push(text, 1_772_330_400)).unwrap());
        assert_eq!(r.command, command, "{text}");
        assert_eq!(r.channel, Channel::WechatTemplate);
        assert_eq!(r.customer.as_deref(), Some("0100042"));
        assert_eq!(r.address, OPENID);
    }
    // "Still out" is outage evidence: the customer and the time of the reply.
    let r = reply_of(parse(&text_push("还停电", 1_772_330_400)).unwrap());
    assert_eq!(
        r.customer_call(),
        Some(CustomerCall {
            customer: "0100042".into(),
            at: at(1_772_330_400),
            channel: Channel::WechatTemplate,
        })
    );
    // Other replies are not evidence, nor is one from an unknown address.
    let paid = reply_of(parse(&text_push("已缴费", 1)).unwrap());
    assert_eq!(paid.customer_call(), None);
    // Negations and other text are left to a person, phone numbers masked.
    for text in [
        "发票还没收到",
        "请打电话13912345678",
        "抢修队还没来电话",
        "这个月没有电费单",
    ] {
        let r = reply_of(parse(&text_push(text, 1)).unwrap());
        match r.command {
            ReplyCommand::Unrecognised { text: shown } => {
                assert!(!shown.contains("13912345678"), "{shown}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    // The openid is masked in Debug.
    let dbg = format!("{:?}", parse(&text_push("已缴费", 1)).unwrap());
    assert!(!dbg.contains(OPENID), "{dbg}");
}

#[test]
fn follow_and_unfollow_events() {
    let un = reply_of(parse(&event_push("unsubscribe", "")).unwrap());
    assert_eq!(un.command, ReplyCommand::Unsubscribe);
    assert_eq!(un.customer.as_deref(), Some("0100042"));
    let sub = parse(&event_push("subscribe", "")).unwrap();
    assert!(matches!(sub, Inbound::Subscribed { ref address, .. } if address == OPENID));
    assert!(!format!("{sub:?}").contains(OPENID));
    assert!(matches!(
        parse(&event_push("CLICK", "<EventKey>V1001</EventKey>")).unwrap(),
        Inbound::Ignored { .. }
    ));
    assert!(matches!(
        parse(&text_push("x", 1).replace("[text]", "[image]")).unwrap(),
        Inbound::Ignored { .. }
    ));
}

#[test]
fn malformed_pushes_are_typed_errors_without_the_openid() {
    let cases = [
        "not xml at all".to_owned(),
        "<root><CreateTime>1</CreateTime></root>".to_owned(),
        text_push("x", 1).replace("<CreateTime>1</CreateTime>", ""),
        text_push("x", 1).replace(
            "<CreateTime>1</CreateTime>",
            "<CreateTime>soon</CreateTime>",
        ),
        event_push("TEMPLATESENDJOBFINISH", "<Status>success</Status>"),
        // A DTD (entity expansion) is refused outright.
        format!(
            "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>{}",
            text_push("&b;", 1)
        ),
    ];
    for xml in &cases {
        match parse(xml) {
            Err(e @ InboundError::Malformed { .. }) => {
                assert!(!e.to_string().contains(OPENID), "{e}");
            }
            other => panic!("{xml}: {other:?}"),
        }
    }
    let huge = text_push(&"x".repeat(MAX_PUSH_BYTES), 1);
    assert!(matches!(parse(&huge), Err(InboundError::TooLarge { .. })));
}

#[test]
fn sms_reports_and_replies() {
    // Delivery reports in the gateway's shape.
    let reports = r#"[
        {"phone_number": "13800000001", "send_time": "2026-03-01 08:00:00",
         "report_time": "2026-03-01 08:00:05", "success": true, "err_code": "DELIVERED",
         "err_msg": "用户接收成功", "sms_size": "1", "biz_id": "932702304080415357^0",
         "out_id": "sms-key-1"},
        {"phone_number": "13800000002", "report_time": "2026-03-01 08:00:06",
         "success": false, "err_code": "MK:0001", "biz_id": "932702304080415358^0"},
        {"phone_number": "13800000003", "report_time": "2026-03-01T08:00:07+08:00",
         "success": false, "err_code": "UNDELIV", "biz_id": "932702304080415359^0"}
    ]"#;
    let items = parse_sms_reports(reports, &["MK:0001".to_owned()]).unwrap();
    let eight = china_offset()
        .with_ymd_and_hms(2026, 3, 1, 8, 0, 5)
        .single()
        .unwrap();
    assert_eq!(
        items[0],
        Inbound::Receipt {
            channel: Channel::Sms,
            provider_msg_id: "932702304080415357^0".into(),
            status: ReceiptStatus::Delivered,
            at: eight,
        }
    );
    assert!(matches!(
        items[1],
        Inbound::Receipt {
            status: ReceiptStatus::UserBlocked,
            ..
        }
    ));
    assert!(matches!(
        &items[2],
        Inbound::Receipt { status: ReceiptStatus::Failed(c), .. } if c == "UNDELIV"
    ));
    // A report without its id names the item and field; the phone never shows.
    let e = parse_sms_reports(
        r#"[{"biz_id": "1", "success": true, "report_time": "2026-03-01 08:00:00"},
            {"phone_number": "13800000002", "success": true, "report_time": "2026-03-01 08:00:00"}]"#,
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(&e, InboundError::Malformed { field, .. } if field == "[1].biz_id"),
        "{e:?}"
    );
    assert!(!e.to_string().contains("13800000002"));
    let e = parse_sms_reports(
        r#"[{"biz_id": "1", "success": true, "report_time": "yesterday"}]"#,
        &[],
    )
    .unwrap_err();
    assert!(matches!(&e, InboundError::Malformed { field, .. } if field == "[0].report_time"));
    assert!(parse_sms_reports("{}", &[]).is_err());

    // Replies.
    let b = book();
    let replies = parse_sms_replies(
        r#"[
        {"phone_number": "13800000001", "send_time": "2026-03-01 20:15:00", "content": "TD",
         "sign_name": "城关供电", "dest_code": "1234", "sequence_id": 1234567},
        {"phone_number": "13800000001", "send_time": "2026-03-01 20:16:00", "content": "还没来电"},
        {"phone_number": "13800000001", "send_time": "2026-03-01 20:17:00", "content": "已交"},
        {"phone_number": "13800000009", "send_time": "2026-03-01 20:18:00", "content": "发票收到了"},
        {"phone_number": "13800000009", "send_time": "2026-03-01 20:19:00", "content": "收到"}
    ]"#,
        &ReplyKeywords::default(),
        &address_book(&b),
    )
    .unwrap();
    let kinds: Vec<_> = replies
        .into_iter()
        .map(reply_of)
        .map(|r| (r.command.clone(), r.customer.clone(), r.customer_call()))
        .collect();
    let twenty = |m: u32| {
        china_offset()
            .with_ymd_and_hms(2026, 3, 1, 20, m, 0)
            .single()
            .unwrap()
    };
    assert_eq!(kinds[0].0, ReplyCommand::Unsubscribe);
    assert_eq!(kinds[1].0, ReplyCommand::StillOut);
    assert_eq!(
        kinds[1].2,
        Some(CustomerCall {
            customer: "0100043".into(),
            at: twenty(16),
            channel: Channel::Sms
        })
    );
    assert_eq!(kinds[2].0, ReplyCommand::BillPaid);
    assert_eq!(kinds[3], (ReplyCommand::InvoiceReceived, None, None));
    // A bare "got it" acknowledges a notice; it is not "invoice received".
    assert!(matches!(kinds[4].0, ReplyCommand::Unrecognised { .. }));
    let e = parse_sms_replies(
        r#"[{"send_time": "2026-03-01 20:15:00", "content": "TD"}]"#,
        &ReplyKeywords::default(),
        &address_book(&b),
    )
    .unwrap_err();
    assert!(matches!(&e, InboundError::Malformed { field, .. } if field == "[0].phone_number"));
}

#[test]
fn keywords_are_data() {
    let k: ReplyKeywords = serde_json::from_str(r#"{"paid": ["缴清"]}"#).unwrap();
    assert_eq!(k.classify("已经缴清"), ReplyCommand::BillPaid);
    assert!(matches!(
        k.classify("已缴费"),
        ReplyCommand::Unrecognised { .. }
    ));
    assert!(serde_json::from_str::<ReplyKeywords>(r#"{"pay": []}"#).is_err());
}

fn notice(key: &str, channel: Channel, address: &str) -> OutboundMessage {
    let mut m = message(key);
    m.channel = channel;
    m.address = address.to_owned();
    m.supersede_key = None;
    m
}

#[test]
fn applied_to_the_outbox() {
    let mut store = MemoryStore::new();
    let t0 = message("x").not_before;
    store
        .append(
            "outage/O-17",
            0,
            &[NewEvent {
                event_type: "outage.restored".into(),
                payload_json: "{}".into(),
                actor: "system".into(),
                at: t0,
            }],
            &[
                notice("n1", Channel::WechatTemplate, OPENID),
                notice("n2", Channel::WechatTemplate, "o-other"),
            ],
        )
        .unwrap();
    let mut dispatcher = Dispatcher::new(DispatchPolicy::default()).unwrap();
    dispatcher.register(Arc::new(MemoryMessenger::accepting(
        Channel::WechatTemplate,
    )));
    assert_eq!(dispatcher.dispatch_once(&mut store, t0).unwrap().sent, 2);
    let id_of = |store: &MemoryStore, key: &str| {
        store
            .by_dedupe_key(key)
            .unwrap()
            .unwrap()
            .provider_msg_id
            .unwrap()
    };
    // A delivery receipt lands on its entry.
    let p1 = id_of(&store, "n1");
    let receipt = parse(&event_push(
        "TEMPLATESENDJOBFINISH",
        &format!("<MsgID>{p1}</MsgID><Status>success</Status>"),
    ))
    .unwrap();
    let applied = apply(&receipt, &mut dispatcher, &mut store).unwrap();
    let e1 = store.by_dedupe_key("n1").unwrap().unwrap();
    assert_eq!(applied, Applied::Receipt(e1.id));
    assert_eq!(e1.receipt, Some(ReceiptStatus::Delivered));
    // A user-block receipt records an opt-out of the entry's address.
    let p2 = id_of(&store, "n2");
    let blocked = parse(&event_push(
        "TEMPLATESENDJOBFINISH",
        &format!("<MsgID>{p2}</MsgID><Status>failed:user block</Status>"),
    ))
    .unwrap();
    apply(&blocked, &mut dispatcher, &mut store).unwrap();
    assert!(
        store
            .is_opted_out(Channel::WechatTemplate, "o-other")
            .unwrap()
    );
    // An unknown message id changes nothing.
    let stray = parse(&event_push(
        "TEMPLATESENDJOBFINISH",
        "<MsgID>999</MsgID><Status>success</Status>",
    ))
    .unwrap();
    assert_eq!(
        apply(&stray, &mut dispatcher, &mut store).unwrap(),
        Applied::UnknownReceipt
    );
    // Unfollowing opts out; following again withdraws it.
    let un = parse(&event_push("unsubscribe", "")).unwrap();
    assert_eq!(
        apply(&un, &mut dispatcher, &mut store).unwrap(),
        Applied::OptedOut
    );
    assert!(store.is_opted_out(Channel::WechatTemplate, OPENID).unwrap());
    let sub = parse(&event_push("subscribe", "")).unwrap();
    assert_eq!(
        apply(&sub, &mut dispatcher, &mut store).unwrap(),
        Applied::OptOutWithdrawn
    );
    assert!(!store.is_opted_out(Channel::WechatTemplate, OPENID).unwrap());
    // An SMS "TD" opts the number out of SMS only.
    let b = book();
    let td = parse_sms_replies(
        r#"[{"phone_number": "13800000001", "send_time": "2026-03-01 20:15:00", "content": "TD"}]"#,
        &ReplyKeywords::default(),
        &address_book(&b),
    )
    .unwrap();
    apply(&td[0], &mut dispatcher, &mut store).unwrap();
    assert!(store.is_opted_out(Channel::Sms, PHONE).unwrap());
    assert!(!store.is_opted_out(Channel::WechatTemplate, PHONE).unwrap());
    // The details page reports a read of the first notice.
    let read = read_receipt("n1", t0).unwrap();
    assert_eq!(
        apply(&read, &mut dispatcher, &mut store).unwrap(),
        Applied::Receipt(e1.id)
    );
    assert_eq!(
        store.by_dedupe_key("n1").unwrap().unwrap().receipt,
        Some(ReceiptStatus::Read)
    );
    let unknown = read_receipt("never-sent", t0).unwrap();
    assert_eq!(
        apply(&unknown, &mut dispatcher, &mut store).unwrap(),
        Applied::UnknownReceipt
    );
    for bad in [" ".to_owned(), "k".repeat(513), "a\u{0}b".to_owned()] {
        assert!(matches!(
            read_receipt(&bad, t0),
            Err(InboundError::Malformed { .. })
        ));
    }
    // "Still out" goes to the workflows, with its evidence.
    let out = parse(&text_push("还停电", 1_772_330_400)).unwrap();
    match apply(&out, &mut dispatcher, &mut store).unwrap() {
        Applied::ForWorkflow(r) => {
            assert_eq!(r.customer_call().unwrap().customer, "0100042");
        }
        other => panic!("{other:?}"),
    }
}
