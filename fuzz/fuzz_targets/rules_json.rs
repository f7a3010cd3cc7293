//! Every rules/options document a caller hands over as JSON: the first byte picks the kind,
//! the rest is the document. Parsing and validation may refuse; they must not panic.
#![no_main]

use gridserve_core::advice::AdviceRules;
use gridserve_core::advice::transformer::LossTable;
use gridserve_core::notify::{MaskingPolicy, SmsRules, TemplateSet, WechatLimits};
use gridserve_core::outbox::DispatchPolicy;
use gridserve_core::reliability::{DltOptions, IndexOptions};
use gridserve_core::workflow::DeskRules;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match kind % 9 {
        0 => {
            let _ = AdviceRules::from_json(text).map(|r| r.validate());
        }
        1 => {
            let _ = LossTable::from_json(text);
        }
        2 => {
            let _ = TemplateSet::from_json(text);
        }
        3 => {
            if let Ok(p) = serde_json::from_str::<DispatchPolicy>(text) {
                let _ = p.validate();
            }
        }
        4 => {
            let _ = serde_json::from_str::<DeskRules>(text);
        }
        5 => {
            let _ = serde_json::from_str::<IndexOptions>(text);
            let _ = serde_json::from_str::<DltOptions>(text);
        }
        6 => {
            let _ = serde_json::from_str::<SmsRules>(text);
        }
        7 => {
            let _ = serde_json::from_str::<WechatLimits>(text);
        }
        _ => {
            let _ = serde_json::from_str::<MaskingPolicy>(text);
        }
    }
});
