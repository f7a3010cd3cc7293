//! Unit tests of the classification (the dispatch loop is tested against the SQLite store in
//! the facade's integration tests).

use std::time::Duration;

use chrono::TimeZone;

use super::*;
use crate::ports::{MessageCategory, OutboundMessage, OutboxStatus, china_offset};

fn t(secs: i64) -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
        .single()
        .unwrap()
        + chrono::Duration::seconds(secs)
}

fn entry(attempts: u32) -> OutboxEntry {
    OutboxEntry {
        id: 1,
        message: OutboundMessage {
            dedupe_key: "k".into(),
            stream: "s".into(),
            stream_version: 1,
            channel: Channel::WechatTemplate,
            address: "openid".into(),
            customer: None,
            template: "tpl".into(),
            fields: vec![],
            text: None,
            link: None,
            category: MessageCategory::Service,
            not_before: t(0),
            expires_at: None,
            supersede_key: None,
        },
        status: OutboxStatus::Pending,
        attempts,
        next_attempt_at: t(0),
        last_error: None,
        provider_msg_id: None,
        sent_at: None,
        receipt: None,
    }
}

fn transient() -> SendError {
    SendError::Transient {
        detail: "-1 系统繁忙".into(),
        retry_after: None,
    }
}

#[allow(clippy::needless_pass_by_value)] // the call sites read better by value
fn run(attempts: u32, outcome: Result<SendOutcome, SendError>) -> Decision {
    let policy = DispatchPolicy::default();
    let mut rng = SplitMix64::new(3);
    decide(&policy, &entry(attempts), &outcome, t(0), &mut rng)
}

#[test]
fn successes_are_sent_with_the_provider_id() {
    let d = run(0, Ok(SendOutcome::Delivered));
    assert_eq!(
        d.result,
        AttemptResult::Sent {
            at: t(0),
            provider_msg_id: None
        }
    );
    let d = run(
        2,
        Ok(SendOutcome::Accepted {
            provider_msg_id: "200228332".into(),
        }),
    );
    assert!(
        matches!(d.result, AttemptResult::Sent { provider_msg_id: Some(ref id), .. } if id == "200228332")
    );
    assert!(!d.opt_out);
}

#[test]
fn transient_failures_back_off_within_the_full_jitter_ceiling() {
    // After the n-th failure the wait is in [0, min(100 s, 1 s · 2^(n−1))].
    for (prior, ceiling_s) in [(0u32, 1i64), (1, 2), (3, 8), (6, 64)] {
        match run(prior, Err(transient())).result {
            AttemptResult::Retry {
                next_attempt_at,
                error,
            } => {
                assert!(next_attempt_at >= t(0) && next_attempt_at <= t(ceiling_s));
                assert!(error.contains("系统繁忙"));
            }
            other => panic!("expected a retry, got {other:?}"),
        }
    }
}

#[test]
fn the_eighth_failed_attempt_is_dead_with_the_reason() {
    match run(7, Err(transient())).result {
        AttemptResult::Dead { reason } => {
            assert_eq!(
                reason,
                "gave up after 8 attempts: transient failure: -1 系统繁忙"
            );
        }
        other => panic!("expected dead, got {other:?}"),
    }
}

#[test]
fn retry_after_is_honoured_and_capped() {
    let throttled = |secs| SendError::Throttled {
        detail: "45009 reach max api daily quota limit".into(),
        retry_after: Some(Duration::from_secs(secs)),
    };
    assert!(matches!(
        run(0, Err(throttled(3_600))).result,
        AttemptResult::Retry { next_attempt_at, .. } if next_attempt_at == t(3_600)
    ));
    // A week is cut to the 48 h maximum.
    assert!(matches!(
        run(0, Err(throttled(7 * 86_400))).result,
        AttemptResult::Retry { next_attempt_at, .. } if next_attempt_at == t(48 * 3_600)
    ));
    let slow = SendError::Transient {
        detail: "503".into(),
        retry_after: Some(Duration::from_secs(120)),
    };
    assert!(matches!(
        run(1, Err(slow)).result,
        AttemptResult::Retry { next_attempt_at, .. } if next_attempt_at == t(120)
    ));
}

#[test]
fn permanent_failures_are_dead_at_once() {
    let invalid = SendError::Invalid {
        field: Some("thing1".into()),
        detail: "47003 argument invalid! data.thing1.value invalid".into(),
    };
    match run(0, Err(invalid)).result {
        AttemptResult::Dead { reason } => {
            assert!(reason.contains("field thing1") && reason.contains("47003"));
        }
        other => panic!("{other:?}"),
    }
    let unreachable = SendError::RecipientUnreachable {
        detail: "43004 require subscribe".into(),
    };
    assert!(matches!(
        run(0, Err(unreachable)).result,
        AttemptResult::Dead { ref reason } if reason == "recipient unreachable: 43004 require subscribe"
    ));
}

#[test]
fn opted_out_is_suppressed_and_recorded() {
    let d = run(
        0,
        Err(SendError::OptedOut {
            detail: "43101 user refuse to accept the msg".into(),
        }),
    );
    assert!(d.opt_out);
    assert!(
        matches!(d.result, AttemptResult::Suppressed { ref reason } if reason.contains("43101"))
    );
}

#[test]
fn auth_failures_retry_a_bounded_number_of_times() {
    let auth = || SendError::Auth {
        detail: "40001 invalid credential".into(),
    };
    assert!(matches!(
        run(0, Err(auth())).result,
        AttemptResult::Retry { .. }
    ));
    // max_auth_attempts = 2: the second failed attempt is final.
    assert!(matches!(
        run(1, Err(auth())).result,
        AttemptResult::Dead { ref reason } if reason.starts_with("gave up after 2 attempts: authentication failed")
    ));
}

#[test]
fn invalid_policies_name_the_field() {
    let mut p = DispatchPolicy::default();
    p.rate_limits.insert(
        Channel::Sms,
        RateLimit {
            per_second: 0.0,
            burst: 5,
        },
    );
    match Dispatcher::new(p) {
        Err(OutboxError::InvalidPolicy { field, value, .. }) => {
            assert_eq!(field, "rate_limits.sms.per_second");
            assert_eq!(value, "0");
        }
        other => panic!("{other:?}"),
    }
    let p = DispatchPolicy {
        multiplier: 0.5,
        ..DispatchPolicy::default()
    };
    assert!(
        matches!(p.validate(), Err(OutboxError::InvalidPolicy { ref field, .. }) if field == "multiplier")
    );
    let p = DispatchPolicy {
        max_delay_ms: 10,
        ..DispatchPolicy::default()
    };
    assert!(p.validate().is_err());
    let err = serde_json::from_str::<DispatchPolicy>(r#"{"max_attemps": 3}"#);
    assert!(err.is_err(), "unknown fields are refused");
}

#[test]
fn memory_messenger_scripts_then_random_then_success() {
    let m = MemoryMessenger::accepting(Channel::Sms).with_random_failures(RandomFailures {
        transient: 0.5,
        seed: 9,
        ..RandomFailures::default()
    });
    m.push_outcome(Err(SendError::Auth {
        detail: "scripted".into(),
    }));
    let msg = entry(0).message;
    assert!(matches!(m.send(&msg), Err(SendError::Auth { .. })));
    let outcomes: Vec<_> = (0..2_000).map(|_| m.send(&msg)).collect();
    let failures = outcomes.iter().filter(|o| o.is_err()).count();
    // Binomial(2000, 0.5): mean 1000, sd 22.4; 5 sd either side.
    assert!((888..=1112).contains(&failures), "{failures}");
    assert_eq!(m.attempts().len(), 2_001);
    assert_eq!(m.delivered().len(), 2_000 - failures);
    // Provider ids count the acceptances.
    assert!(matches!(
        outcomes.iter().rfind(|o| o.is_ok()),
        Some(Ok(SendOutcome::Accepted { provider_msg_id })) if *provider_msg_id == format!("mem-{}", 2_000 - failures)
    ));
}
