//! Everything a provider (or anyone who finds the URL) can push: WeChat XML, SMS-gateway report
//! and reply arrays, a read report, reply texts, and the push query parameters. The first byte
//! picks the parser, the rest is the body. Parsers may refuse; they must not panic.
#![no_main]

use chrono::TimeZone;
use gridserve_core::ports::{Channel, china_offset};
use gridserve_messengers::inbound::{
    PushGuard, ReplyKeywords, parse_sms_replies, parse_sms_reports, parse_wechat_push,
    read_receipt, wechat_signature,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let keywords = ReplyKeywords::default();
    let book = |_: Channel, a: &str| (a.len() % 2 == 0).then(|| "0100042".to_owned());
    let now = china_offset()
        .timestamp_opt(1_700_000_000, 0)
        .single()
        .expect("a valid time");
    match kind % 6 {
        0 => {
            let _ = parse_wechat_push(text, &keywords, &book);
        }
        1 => {
            let _ = parse_sms_reports(text, &["MK:0001".to_owned()]);
        }
        2 => {
            let _ = parse_sms_replies(text, &keywords, &book);
        }
        3 => {
            let _ = keywords.classify(text);
            let _ = read_receipt(text, now);
        }
        4 => {
            // timestamp, nonce and signature separated by newlines; a correct signature as well.
            let mut parts = text.splitn(3, '\n');
            let (ts, nonce, sig) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let guard = PushGuard::new("fuzz-token", 300);
            let _ = guard.check(sig, ts, nonce, now);
            let _ = guard.check(&wechat_signature("fuzz-token", ts, nonce), ts, nonce, now);
        }
        _ => {
            let _ = serde_json::from_str::<ReplyKeywords>(text).map(|k| k.classify("还停电"));
        }
    }
});
