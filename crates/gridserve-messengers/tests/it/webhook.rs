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
