//! The monthly energy-report push: each customer's report summary (built by
//! [`advice`](crate::advice)) sent with a link to the report page, once per period.
//!
//! One instance per customer and period: id `"{customer}/{YYYY-MM}"`, stream
//! `report/{customer}/{YYYY-MM}`. The push is deduplicated by the instance's state:
//!
//! ```text
//! new --publish--> published                  (report.monthly notice)
//! published --publish, same digest--> (nothing: a second run sends nothing)
//! published --publish, changed, resend = false--> published   (revised: recorded, no notice)
//! published --publish, differs from the one sent, resend = true--> published
//!                                             (resent: report.monthly again)
//! ```
//!
//! The digest is a 64-bit FNV-1a hash of the summary's text, status and saving: a rebuilt
//! report that reads the same is the same report. The link is the template's (the shipped
//! `report.monthly` template links `/report/{customer}/{period}`, a path joined to the site
//! the messenger is configured with; no site is assumed). Use
//! [`Desk::push_reports`](super::Desk::push_reports) to push a whole run.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::advice::{EnergyReport, render_summary};
use crate::notify::{Audience, Levels, NoticeRequest};
use crate::ports::Timestamp;

use super::{Ctx, Permissions, Refusals, Role, Workflow, WorkflowError, vars};

/// The push workflow's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportPushRules {
    /// The contact levels that receive the report (default 1: the first contacts).
    pub levels: u8,
    /// Who may give which command (default: `publish` by the system and customer managers).
    pub permissions: Permissions,
}

impl Default for ReportPushRules {
    fn default() -> Self {
        Self {
            levels: 1,
            permissions: Permissions::from_pairs([(
                "publish",
                &[Role::System, Role::CustomerManager][..],
            )]),
        }
    }
}

/// The part of a report that is pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDigest {
    /// The plain-text summary ([`render_summary`]), for the app inbox.
    pub summary: String,
    /// The overall status in one character: 红, 黄 or 绿.
    pub status: String,
    /// The estimated yearly saving, yuan (two decimals).
    #[serde(deserialize_with = "crate::tariff::exact::de")]
    pub saving_yuan: Decimal,
}

impl ReportDigest {
    /// The digest of `report`.
    pub fn of(report: &EnergyReport) -> Self {
        let status = match report.overall_status() {
            crate::advice::transformer::Status::Red => "红",
            crate::advice::transformer::Status::Yellow => "黄",
            crate::advice::transformer::Status::Green => "绿",
        };
        Self {
            summary: render_summary(report),
            status: status.to_owned(),
            saving_yuan: report.total_saving_yuan().round_dp(2),
        }
    }

    /// The 64-bit FNV-1a hash of the summary, status and saving, as 16 hex digits.
    pub fn hash(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let saving = self.saving_yuan.to_string();
        for part in [self.summary.as_str(), &self.status, &saving] {
            for b in part.bytes().chain([0xff]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }
}

/// Where a push stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportPushStatus {
    /// Nothing pushed yet.
    #[default]
    New,
    /// Pushed.
    Published,
}

/// The state of one customer's push for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPushState {
    /// `"{customer}/{period}"`.
    pub id: String,
    /// Where it stands.
    pub status: ReportPushStatus,
    /// The customer.
    pub customer: Option<String>,
    /// The period, `YYYY-MM`.
    pub period: Option<String>,
    /// The hash of the last report recorded.
    pub digest: Option<String>,
    /// The hash of the last report sent.
    pub sent_digest: Option<String>,
    /// Times the report was sent.
    pub sends: u32,
}

/// A command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReportPushCommand {
    /// Push the report (once; see the module docs).
    Publish {
        /// The customer (must match the instance id).
        customer: String,
        /// The period, `YYYY-MM` (must match the instance id).
        period: String,
        /// What is pushed.
        report: ReportDigest,
        /// Send again if the report changed since it was sent.
        #[serde(default)]
        resend: bool,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReportPushEvent {
    /// Sent for the first time.
    Published {
        /// The customer.
        customer: String,
        /// The period.
        period: String,
        /// The report's hash.
        digest: String,
        /// What was sent.
        report: ReportDigest,
    },
    /// The report changed; not sent again.
    Revised {
        /// The new hash.
        digest: String,
    },
    /// The report changed and was sent again.
    Resent {
        /// The new hash.
        digest: String,
        /// What was sent.
        report: ReportDigest,
    },
}

/// The push workflow.
#[derive(Debug, Clone, Default)]
pub struct ReportPushWorkflow {
    /// Its rules.
    pub rules: ReportPushRules,
}

impl ReportPushWorkflow {
    /// The workflow with `rules`.
    #[must_use]
    pub fn with_rules(rules: ReportPushRules) -> Self {
        Self { rules }
    }

    /// The instance id of `customer`'s push for `period`.
    #[must_use]
    pub fn instance(customer: &str, period: &str) -> String {
        format!("{customer}/{period}")
    }
}

fn valid_period(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(p[5..].parse::<u8>(), Ok(1..=12))
}

impl Workflow for ReportPushWorkflow {
    type State = ReportPushState;
    type Command = ReportPushCommand;
    type Event = ReportPushEvent;
    type Status = ReportPushStatus;
    const KIND: &'static str = "report";

    fn initial(id: &str) -> ReportPushState {
        ReportPushState {
            id: id.to_owned(),
            status: ReportPushStatus::New,
            customer: None,
            period: None,
            digest: None,
            sent_digest: None,
            sends: 0,
        }
    }

    fn status(s: &ReportPushState) -> &ReportPushStatus {
        &s.status
    }

    fn is_open(_: &ReportPushState) -> bool {
        false
    }

    fn customer(s: &ReportPushState) -> Option<&str> {
        s.customer.as_deref()
    }

    fn decide(
        &self,
        s: &ReportPushState,
        c: &ReportPushCommand,
        ctx: Ctx<'_>,
    ) -> Result<Vec<ReportPushEvent>, WorkflowError> {
        let ReportPushCommand::Publish {
            customer,
            period,
            report,
            resend,
        } = c;
        let r =
            Refusals::check::<Self>(&self.rules.permissions, s, c, ctx, Some(customer.as_str()))?;
        if !valid_period(period) {
            return Err(r.invalid("period", period.clone(), "must be YYYY-MM"));
        }
        if ctx.id != Self::instance(customer, period) {
            return Err(r.invalid(
                "customer",
                format!("{customer}/{period}"),
                "customer and period must name this instance",
            ));
        }
        if report.summary.trim().is_empty() {
            return Err(r.invalid("report.summary", report.summary.clone(), "empty"));
        }
        let digest = report.hash();
        Ok(match s.status {
            ReportPushStatus::New => vec![ReportPushEvent::Published {
                customer: customer.clone(),
                period: period.clone(),
                digest,
                report: report.clone(),
            }],
            ReportPushStatus::Published
                if *resend && s.sent_digest.as_deref() != Some(digest.as_str()) =>
            {
                vec![ReportPushEvent::Resent {
                    digest,
                    report: report.clone(),
                }]
            }
            ReportPushStatus::Published if s.digest.as_deref() == Some(digest.as_str()) => {
                Vec::new()
            }
            ReportPushStatus::Published => vec![ReportPushEvent::Revised { digest }],
        })
    }

    fn apply(mut s: ReportPushState, e: &ReportPushEvent) -> ReportPushState {
        match e {
            ReportPushEvent::Published {
                customer,
                period,
                digest,
                ..
            } => {
                s.status = ReportPushStatus::Published;
                s.customer = Some(customer.clone());
                s.period = Some(period.clone());
                s.digest = Some(digest.clone());
                s.sent_digest = Some(digest.clone());
                s.sends += 1;
            }
            ReportPushEvent::Revised { digest } => s.digest = Some(digest.clone()),
            ReportPushEvent::Resent { digest, .. } => {
                s.digest = Some(digest.clone());
                s.sent_digest = Some(digest.clone());
                s.sends += 1;
            }
        }
        s
    }

    fn tick(&self, _: &ReportPushState, _: Timestamp) -> Vec<ReportPushEvent> {
        Vec::new()
    }

    fn notices(
        &self,
        before: &ReportPushState,
        e: &ReportPushEvent,
        at: Timestamp,
    ) -> Vec<NoticeRequest> {
        let s = Self::apply(before.clone(), e);
        let report = match e {
            ReportPushEvent::Published { report, .. } | ReportPushEvent::Resent { report, .. } => {
                report
            }
            ReportPushEvent::Revised { .. } => return Vec::new(),
        };
        let (Some(customer), Some(period)) = (&s.customer, &s.period) else {
            return Vec::new();
        };
        // 2026-03 → 2026年3月.
        let month = period[5..].trim_start_matches('0');
        vec![NoticeRequest {
            template: "report.monthly".to_owned(),
            audience: Audience {
                customer: customer.clone(),
                levels: Levels::UpTo(self.rules.levels.max(1)),
                only_phone: None,
            },
            vars: vars([
                ("period", period.clone()),
                ("month", format!("{}年{month}月", &period[..4])),
                ("summary", report.summary.clone()),
                ("status", report.status.clone()),
                ("saving", report.saving_yuan.round_dp(2).to_string()),
            ]),
            not_before: at,
            expires_at: None,
            supersede_topic: Some("report".to_owned()),
            urgent: false,
        }]
    }
}
