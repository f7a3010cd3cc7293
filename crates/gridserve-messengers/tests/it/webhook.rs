//! The webhook messenger against a real HTTP receiver on 127.0.0.1.

use std::time::{Duration, Instant};

use chrono::TimeZone;
use gridserve_core::ports::{Messenger, OutboundMessage, SendError, SendOutcome};
use gridserve_messengers::receiver::{Reply, WebhookReceiver};
use gridserve_messengers::{MessengerError, WebhookConfig, WebhookMessenger, parse_retry_after};

use crate::message;

fn messenger(url: &str) -> WebhookMessenger {
    let mut config = WebhookConfig::new(url);
    config.connect_timeout_ms = 500;
    config.timeout_ms = 1_000;
    config
        .headers
        .push(("Authorization".into(), "Bearer t0k3n".into()));
    WebhookMessenger::new(config).unwrap()
}

/// A receiver whose answer is chosen by the message's dedupe key.
fn scripted() -> WebhookReceiver {
    WebhookReceiver::start(|req| match req.header("Idempotency-Key").unwrap_or("") {
        "ok" => Reply::status(200),
        "no-content" => Reply::status(204),
        "throttle" => Reply::status(429).with_header("Retry-After", "120"),
        "throttle-date" => {
            Reply::status(429).with_header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")
        }
        "busy" => Reply::status(503).with_header("Retry-After", "7"),
        "error" => Reply::status(500).with_body("database is locked"),
        "auth" => Reply::status(401),
        "forbidden" => Reply::status(403),
        "bad" => Reply::status(422).with_body(r#"{"error":"template unknown"}"#),
        "redirect" => Reply::status(302).with_header("Location", "/elsewhere"),
        "slow" => Reply::status(200).after(Duration::from_millis(3_000)),
        _ => Reply::status(404),
    })
    .unwrap()
}

#[test]
fn posts_the_message_as_json_with_the_idempotency_key() {
    let rx = scripted();
    let m = messenger(&rx.url());
    assert_eq!(m.send(&message("ok")).unwrap(), SendOutcome::Delivered);
    assert_eq!(
        m.send(&message("no-content")).unwrap(),
        SendOutcome::Delivered
    );
    let got = rx.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].path, "/notices");
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert_eq!(got[0].header("authorization"), Some("Bearer t0k3n"));
    let body: OutboundMessage = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body, message("ok"));
}

#[test]
fn each_status_class_maps_to_its_send_error() {
    let rx = scripted();
    let m = messenger(&rx.url());
    assert!(matches!(
        m.send(&message("throttle")),
        Err(SendError::Throttled { retry_after: Some(d), .. }) if d == Duration::from_secs(120)
    ));
    // A date in the past asks for no delay.
    assert!(matches!(
        m.send(&message("throttle-date")),
        Err(SendError::Throttled {
            retry_after: Some(Duration::ZERO),
            ..
        })
    ));
    assert!(matches!(
        m.send(&message("busy")),
        Err(SendError::Transient { retry_after: Some(d), .. }) if d == Duration::from_secs(7)
    ));
    match m.send(&message("error")) {
        Err(SendError::Transient {
            detail,
            retry_after: None,
        }) => {
            assert_eq!(detail, "HTTP 500: database is locked");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        m.send(&message("auth")),
        Err(SendError::Auth { .. })
    ));
    assert!(matches!(
        m.send(&message("forbidden")),
        Err(SendError::Auth { .. })
    ));
    match m.send(&message("bad")) {
        Err(SendError::Invalid { detail, .. }) => assert!(detail.starts_with("HTTP 422")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        m.send(&message("nothing-here")),
        Err(SendError::Invalid { .. })
    ));
    // Redirects are not followed (a POST must not be replayed elsewhere).
    assert!(matches!(
        m.send(&message("redirect")),
        Err(SendError::Invalid { .. })
    ));
    assert_eq!(rx.received().len(), 9);
}

#[test]
fn a_slow_answer_times_out_as_transient() {
    let rx = scripted();
    let m = messenger(&rx.url());
    let start = Instant::now();
    let err = m.send(&message("slow")).unwrap_err();
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");
    // The 1 s budget, not the receiver's 3 s, bounds the call.
    assert!(start.elapsed() < Duration::from_millis(2_500));
    // The connection is usable again afterwards.
    assert_eq!(m.send(&message("ok")).unwrap(), SendOutcome::Delivered);
}

#[test]
fn a_refused_connection_is_transient() {
    // Bind a port, then free it: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let m = messenger(&format!("http://127.0.0.1:{port}/notices"));
    assert!(matches!(
        m.send(&message("ok")),
        Err(SendError::Transient { .. })
    ));
}

#[test]
fn bad_configurations_are_refused() {
    for url in ["ftp://x/y", "127.0.0.1:80", "http://", "http:///path"] {
        assert!(
            matches!(
                WebhookMessenger::new(WebhookConfig::new(url)),
                Err(MessengerError::InvalidUrl { .. })
            ),
            "{url}"
        );
    }
    #[cfg(not(feature = "tls"))]
    assert!(WebhookMessenger::new(WebhookConfig::new("https://example.invalid/x")).is_err());
    let mut zero = WebhookConfig::new("http://127.0.0.1:1/x");
    zero.timeout_ms = 0;
    assert!(WebhookMessenger::new(zero).is_err());
    let cfg: WebhookConfig = serde_json::from_str(r#"{"url": "http://127.0.0.1:9/x"}"#).unwrap();
    assert_eq!((cfg.connect_timeout_ms, cfg.timeout_ms), (2_000, 10_000));
}

#[test]
fn retry_after_parses_seconds_and_dates() {
    let now = chrono::Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    assert_eq!(
        parse_retry_after(" 30 ", now),
        Some(Duration::from_secs(30))
    );
    // RFC 9110's example format; 90 s after `now`.
    assert_eq!(
        parse_retry_after("Sun, 01 Mar 2026 00:01:30 GMT", now),
        Some(Duration::from_secs(90))
    );
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("-5", now), None);
}

mod batch {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use gridserve_messengers::{BatchItemAnswer, BatchItemStatus};

    use super::*;

    fn batch_messenger(url: &str, size: usize) -> WebhookMessenger {
        let mut config = WebhookConfig::new(url);
        config.connect_timeout_ms = 500;
        config.timeout_ms = 1_000;
        config.batch_size = size;
        WebhookMessenger::new(config).unwrap()
    }

    /// Each notice's answer chosen by its dedupe key (the fault injection per item).
    fn per_key(m: &OutboundMessage) -> BatchItemAnswer {
        let a = |s| BatchItemAnswer::new(s);
        match m.dedupe_key.as_str() {
            "ok" => a(BatchItemStatus::Delivered),
            "accepted" => BatchItemAnswer {
                provider_msg_id: Some("p-77".into()),
                ..a(BatchItemStatus::Accepted)
            },
            "busy" => BatchItemAnswer {
                retry_after_s: Some(7),
                ..a(BatchItemStatus::Transient).with_detail("queue full")
            },
            "throttle" => BatchItemAnswer {
                retry_after_s: Some(120),
                ..a(BatchItemStatus::Throttled).with_detail("rate")
            },
            "auth" => a(BatchItemStatus::Auth).with_detail("token expired"),
            "bad" => BatchItemAnswer {
                field: Some("template".into()),
                ..a(BatchItemStatus::Invalid).with_detail("unknown template")
            },
            "gone" => a(BatchItemStatus::Unreachable).with_detail("no such inbox"),
            "td" => a(BatchItemStatus::OptedOut).with_detail("unsubscribed"),
            _ => a(BatchItemStatus::Invalid),
        }
    }

    fn batch(keys: &[&str]) -> Vec<OutboundMessage> {
        keys.iter().map(|k| message(k)).collect()
    }

    fn refs(ms: &[OutboundMessage]) -> Vec<&OutboundMessage> {
        ms.iter().collect()
    }

    #[test]
    fn one_post_answers_each_notice_with_its_own_class() {
        let rx = WebhookReceiver::start_batch(|_| None, per_key).unwrap();
        let m = batch_messenger(&rx.url(), 10);
        assert_eq!(m.max_batch(), 10);
        let ms = batch(&[
            "ok", "accepted", "busy", "throttle", "auth", "bad", "gone", "td",
        ]);
        let r = m.send_batch(&refs(&ms));
        assert_eq!(r.len(), 8);
        assert_eq!(r[0], Ok(SendOutcome::Delivered));
        assert_eq!(
            r[1],
            Ok(SendOutcome::Accepted {
                provider_msg_id: "p-77".into()
            })
        );
        assert!(
            matches!(&r[2], Err(SendError::Transient { detail, retry_after: Some(d) })
                if detail == "queue full" && *d == Duration::from_secs(7)),
            "{:?}",
            r[2]
        );
        assert!(
            matches!(&r[3], Err(SendError::Throttled { retry_after: Some(d), .. })
            if *d == Duration::from_secs(120))
        );
        assert!(matches!(&r[4], Err(SendError::Auth { .. })));
        assert!(
            matches!(&r[5], Err(SendError::Invalid { field: Some(f), detail })
            if f == "template" && detail == "unknown template")
        );
        assert!(matches!(&r[6], Err(SendError::RecipientUnreachable { .. })));
        assert!(matches!(&r[7], Err(SendError::OptedOut { .. })));
        // One request: a JSON array of the eight notices, no Idempotency-Key header.
        let got = rx.received();
        assert_eq!((got.len(), rx.items()), (1, 8));
        assert_eq!(got[0].header("idempotency-key"), None);
        let body: Vec<OutboundMessage> = serde_json::from_slice(&got[0].body).unwrap();
        assert_eq!(body, ms);
    }

    #[test]
    fn a_batch_of_one_is_a_single_post_with_its_idempotency_key() {
        let rx = WebhookReceiver::start_batch(|_| None, per_key).unwrap();
        let m = batch_messenger(&rx.url(), 10);
        let ms = batch(&["throttle"]);
        let r = m.send_batch(&refs(&ms));
        assert!(
            matches!(&r[0], Err(SendError::Throttled { retry_after: Some(d), .. })
            if *d == Duration::from_secs(120))
        );
        let got = rx.received();
        assert_eq!(got[0].header("idempotency-key"), Some("throttle"));
        let body: OutboundMessage = serde_json::from_slice(&got[0].body).unwrap();
        assert_eq!(body, ms[0]);
    }

    #[test]
    fn whole_request_failures_apply_to_every_notice() {
        // The n-th request: 429 with Retry-After, then 503, then a reset connection, then
        // 401, then answers per item.
        let n = Arc::new(AtomicUsize::new(0));
        let rx = WebhookReceiver::start_batch(
            move |_| match n.fetch_add(1, Ordering::SeqCst) {
                0 => Some(Reply::status(429).with_header("Retry-After", "30")),
                1 => Some(Reply::status(503).with_body("maintenance")),
                2 => Some(Reply::reset()),
                3 => Some(Reply::status(401)),
                _ => None,
            },
            per_key,
        )
        .unwrap();
        let m = batch_messenger(&rx.url(), 10);
        let ms = batch(&["ok", "bad", "td"]);
        let r = m.send_batch(&refs(&ms));
        assert!(
            r.iter().all(
                |x| matches!(x, Err(SendError::Throttled { retry_after: Some(d), .. })
            if *d == Duration::from_secs(30))
            ),
            "{r:?}"
        );
        let r = m.send_batch(&refs(&ms));
        assert!(
            r.iter().all(
                |x| matches!(x, Err(SendError::Transient { detail, retry_after: None })
            if detail == "HTTP 503: maintenance")
            ),
            "{r:?}"
        );
        let r = m.send_batch(&refs(&ms));
        assert!(
            r.iter()
                .all(|x| matches!(x, Err(SendError::Transient { .. }))),
            "{r:?}"
        );
        let r = m.send_batch(&refs(&ms));
        assert!(
            r.iter().all(|x| matches!(x, Err(SendError::Auth { .. }))),
            "{r:?}"
        );
        // The receiver is fine again, and so is the messenger's connection pool.
        let r = m.send_batch(&refs(&ms));
        assert_eq!(r[0], Ok(SendOutcome::Delivered));
        assert!(matches!(r[1], Err(SendError::Invalid { .. })));
        assert!(matches!(r[2], Err(SendError::OptedOut { .. })));
        assert_eq!(rx.received().len(), 5);
        // Only the last request's notices count as answered in a batch.
        assert_eq!(rx.items(), 3);
    }

    #[test]
    fn a_refused_connection_fails_every_notice_transiently() {
        let port = {
            let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
            l.local_addr().unwrap().port()
        };
        let m = batch_messenger(&format!("http://127.0.0.1:{port}/notices"), 5);
        let ms = batch(&["ok", "ok", "ok"]);
        let r = m.send_batch(&refs(&ms));
        assert_eq!(r.len(), 3);
        assert!(
            r.iter()
                .all(|x| matches!(x, Err(SendError::Transient { .. })))
        );
    }

    #[test]
    fn malformed_answers_are_transient_and_an_empty_2xx_delivers_all() {
        let n = Arc::new(AtomicUsize::new(0));
        let rx = WebhookReceiver::start(move |_| match n.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::status(200).with_body(r#"[{"status":"delivered"}]"#),
            1 => Reply::status(200).with_body("accepted"),
            2 => Reply::status(200)
                .with_body(r#"[{"status":"delivered"},{"status":"lost"}]"#),
            3 => Reply::status(200).with_body(
                r#"[{"status":"delivered","dedupe_key":"b"},{"status":"delivered","dedupe_key":"a"}]"#,
            ),
            4 => Reply::status(204),
            // Longer than the 4 KiB + 1 KiB per notice read: cut, so malformed.
            5 => Reply::status(200).with_body(&format!(
                r#"[{{"status":"delivered","detail":"{}"}},{{"status":"delivered"}}]"#,
                "x".repeat(8_000)
            )),
            _ => Reply::status(200).with_body(
                r#"[{"status":"delivered","dedupe_key":"a"},{"status":"delivered"}]"#,
            ),
        })
        .unwrap();
        let m = batch_messenger(&rx.url(), 2);
        let ms = batch(&["a", "b"]);
        for why in [
            "1 answers for 2 notices",
            "expected value",
            "unknown variant `lost`",
            "answer 0 echoes another notice's dedupe key",
        ] {
            let r = m.send_batch(&refs(&ms));
            assert_eq!(r.len(), 2);
            for x in &r {
                match x {
                    Err(SendError::Transient { detail, .. }) => {
                        assert!(detail.contains("malformed batch answer"), "{detail}");
                        assert!(detail.contains(why), "{detail} lacks {why}");
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        assert_eq!(
            m.send_batch(&refs(&ms)),
            vec![Ok(SendOutcome::Delivered); 2]
        );
        let cut = m.send_batch(&refs(&ms));
        assert!(
            cut.iter()
                .all(|x| matches!(x, Err(SendError::Transient { detail, .. })
                if detail.contains("malformed batch answer"))),
            "{cut:?}"
        );
        assert_eq!(
            m.send_batch(&refs(&ms)),
            vec![Ok(SendOutcome::Delivered); 2]
        );
    }

    #[test]
    fn batch_settings_are_checked() {
        for size in [0, gridserve_messengers::MAX_WEBHOOK_BATCH + 1] {
            let mut c = WebhookConfig::new("http://127.0.0.1:9/x");
            c.batch_size = size;
            match WebhookMessenger::new(c) {
                Err(MessengerError::InvalidConfig { field, .. }) => assert_eq!(field, "batch_size"),
                other => panic!("{other:?}"),
            }
        }
        let mut c = WebhookConfig::new("http://127.0.0.1:9/x");
        c.batch_url = Some("ftp://127.0.0.1/batch".into());
        assert!(matches!(
            WebhookMessenger::new(c),
            Err(MessengerError::InvalidUrl { .. })
        ));
        let cfg: WebhookConfig = serde_json::from_str(
            r#"{"url": "http://127.0.0.1:9/x", "batch_size": 100, "batch_url": "http://127.0.0.1:9/batch"}"#,
        )
        .unwrap();
        assert_eq!(cfg.batch_size, 100);
        let d: WebhookConfig = serde_json::from_str(r#"{"url": "http://127.0.0.1:9/x"}"#).unwrap();
        assert_eq!((d.batch_size, d.batch_url), (1, None));
        assert!(
            serde_json::from_str::<WebhookConfig>(r#"{"url": "http://x/", "batchsize": 2}"#)
                .is_err()
        );
    }

    #[test]
    fn batches_go_to_the_batch_url_and_single_posts_to_the_url() {
        let rx = WebhookReceiver::start_batch(|_| None, per_key).unwrap();
        let mut config = WebhookConfig::new(rx.url());
        config.batch_size = 4;
        config.batch_url = Some(format!("http://{}/notices/batch", rx.addr()));
        let m = WebhookMessenger::new(config).unwrap();
        let two = batch(&["ok", "ok"]);
        let one = batch(&["ok"]);
        assert_eq!(m.send_batch(&refs(&two)).len(), 2);
        assert_eq!(m.send_batch(&refs(&one)), vec![Ok(SendOutcome::Delivered)]);
        let paths: Vec<_> = rx.received().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/notices/batch", "/notices"]);
    }
}
