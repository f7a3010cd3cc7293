//! Work reminders to staff: the dispatcher when an outage's scope is traced, the crew leader
//! when a crew is dispatched, the inspector when a defect's rectification deadline nears, the
//! collector when a customer breaks a payment promise — through the same outbox and
//! messengers as customer notices, with staff roles ([`Role`]), quiet hours and escalation as
//! data ([`StaffRules`]).
//!
//! A workflow says which reminders an event causes ([`Workflow::staff_signals`](super::Workflow::staff_signals)):
//! [`StaffSignal::Remind`] with the reminder's kind and variables, or
//! [`StaffSignal::Resolve`] when the matter a reminder was about is handled (the crew was
//! dispatched, the crew reported in, the rectification was submitted, the bill was paid). An
//! [`Engine`](super::Engine) with a [`StaffNotifier`] renders them into outbox messages in the
//! same append as the event:
//!
//! - **recipients**: the member the matter belongs to when the workflow knows one and the
//!   [`StaffDirectory`] (the host's duty roster) lists them in one of the kind's roles with a
//!   contact (the inspector who recorded the defect; the collector who issued the bill or took
//!   its last promise); otherwise every member who holds one of the kind's roles; for a crew
//!   reminder, the leader of the dispatched crew. Each member gets one message per listed
//!   contact (work app inbox, SMS, WeChat).
//! - **quiet hours**: a reminder whose rule is not `urgent` and that falls inside
//!   [`StaffRules::quiet_hours`] waits for the window's end (`not_before`); urgent ones (outage
//!   work) go at once.
//! - **escalation**: with `escalate_after_min`, each member holding an `escalate_to` role
//!   also gets a scheduled escalation (`not_before` = the reminder's time + the delay, held
//!   by quiet hours in turn unless urgent). When the matter is resolved first, a stand-down
//!   record with the escalation's supersede key is enqueued: it replaces the escalation while
//!   both are unsent (the outbox's supersede rule) and itself expires at once, so neither is
//!   ever sent. An escalation already sent stays sent.
//! - **keys**: dedupe keys from the stream, the event's version, the kind, the member and the
//!   channel, so a replay enqueues nothing twice; messages name the member, not a phone
//!   number, and carry no customer's personal data (ids and counts only).
//!
//! A reminder no member can receive (nobody holds the role, or no contact) is reported as a
//! [`StaffUnreached`], never dropped silently.

use std::collections::BTreeMap;

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use crate::notify::{ChannelAddress, QuietHours};
use crate::ports::{MessageCategory, OutboundMessage, Timestamp};

use super::{Role, minutes};

/// What a work reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffReminderKind {
    /// An outage's scope was traced: the dispatcher on duty is to dispatch a crew.
    OutageTraced,
    /// A crew was dispatched to an outage: its leader is to go and report in.
    CrewAssigned,
    /// A defect's rectification deadline nears: the inspector is to follow it up.
    DefectDueSoon,
    /// A customer broke a payment promise: the collector is to call again.
    PromiseBroken,
}

impl StaffReminderKind {
    /// Every kind.
    pub const ALL: [StaffReminderKind; 4] = [
        Self::OutageTraced,
        Self::CrewAssigned,
        Self::DefectDueSoon,
        Self::PromiseBroken,
    ];

    /// The kind's stable name (as serialized), e.g. `outage_traced`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OutageTraced => "outage_traced",
            Self::CrewAssigned => "crew_assigned",
            Self::DefectDueSoon => "defect_due_soon",
            Self::PromiseBroken => "promise_broken",
        }
    }
}

/// The rule of one reminder kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffReminderRule {
    /// The roles that receive the reminder (a crew reminder goes to the leader of the crew
    /// among the members holding these roles).
    pub roles: Vec<Role>,
    /// Sent during quiet hours too.
    #[serde(default)]
    pub urgent: bool,
    /// The reminder's text; `{name}` is replaced by the variable `name` (an unknown name is
    /// left as written).
    pub text: String,
    /// Escalate when the matter is not resolved this many minutes after the reminder; `None`
    /// never escalates.
    #[serde(default)]
    pub escalate_after_min: Option<i64>,
    /// Who gets the escalation.
    #[serde(default)]
    pub escalate_to: Vec<Role>,
    /// The escalation's text (variables as in `text`, plus `{after_min}`).
    #[serde(default)]
    pub escalation_text: String,
}

/// Staff reminder rules, as serde data with defaults.
///
/// The defaults are house choices, not published figures (set them per utility): outage work
/// is urgent and escalates fast (the dispatcher's supervisor after 15 minutes without a crew
/// dispatched; the dispatcher after 30 minutes without word from the crew), office work waits
/// for the end of quiet hours 22:00–07:00 and escalates to a supervisor after a working day
/// (defect follow-up, 24 h) or two (a broken promise, 48 h).
///
/// ```
/// use gridserve_core::workflow::staff::StaffRules;
///
/// let rules: StaffRules = serde_json::from_str(
///     r#"{"promise_broken": {"roles": ["collector"], "text": "账单 {bill} 未按约缴费",
///         "escalate_after_min": 60, "escalate_to": ["supervisor"]}}"#,
/// )?;
/// assert_eq!(rules.promise_broken.escalate_after_min, Some(60));
/// assert!(rules.outage_traced.urgent); // the others keep their defaults
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaffRules {
    /// Staff quiet hours (default 22:00–07:00); `None` for none.
    pub quiet_hours: Option<QuietHours>,
    /// An outage's scope was traced.
    pub outage_traced: StaffReminderRule,
    /// A crew was dispatched.
    pub crew_assigned: StaffReminderRule,
    /// A defect's rectification deadline nears.
    pub defect_due_soon: StaffReminderRule,
    /// A payment promise was broken.
    pub promise_broken: StaffReminderRule,
}

impl Default for StaffRules {
    fn default() -> Self {
        let time = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        Self {
            quiet_hours: Some(QuietHours {
                start: time(22),
                end: time(7),
            }),
            outage_traced: StaffReminderRule {
                roles: vec![Role::Dispatcher],
                urgent: true,
                text: "停电 {outage} 已研判：影响 {customers} 户，请派单抢修".into(),
                escalate_after_min: Some(15),
                escalate_to: vec![Role::Supervisor],
                escalation_text: "停电 {outage} 研判后 {after_min} 分钟仍未派单".into(),
            },
            crew_assigned: StaffReminderRule {
                roles: vec![Role::RepairCrew],
                urgent: true,
                text: "抢修任务：停电 {outage} 已派 {crew}，请前往并回报".into(),
                escalate_after_min: Some(30),
                escalate_to: vec![Role::Dispatcher],
                escalation_text: "{crew} 派单后 {after_min} 分钟未回报停电 {outage} 进展".into(),
            },
            defect_due_soon: StaffReminderRule {
                roles: vec![Role::Inspector],
                urgent: false,
                text: "隐患 {defect} 整改期限 {due} 将至，请督促".into(),
                escalate_after_min: Some(24 * 60),
                escalate_to: vec![Role::Supervisor],
                escalation_text: "隐患 {defect} 提醒后 {after_min} 分钟仍未提交整改".into(),
            },
            promise_broken: StaffReminderRule {
                roles: vec![Role::Collector],
                urgent: false,
                text: "账单 {bill}（户号 {customer}）承诺 {pay_by} 前缴费未兑现，请再次催缴".into(),
                escalate_after_min: Some(48 * 60),
                escalate_to: vec![Role::Supervisor],
                escalation_text: "账单 {bill} 失信后 {after_min} 分钟仍未缴费".into(),
            },
        }
    }
}

impl StaffRules {
    /// The rule of `kind`.
    pub fn rule(&self, kind: StaffReminderKind) -> &StaffReminderRule {
        match kind {
            StaffReminderKind::OutageTraced => &self.outage_traced,
            StaffReminderKind::CrewAssigned => &self.crew_assigned,
            StaffReminderKind::DefectDueSoon => &self.defect_due_soon,
            StaffReminderKind::PromiseBroken => &self.promise_broken,
        }
    }
}

/// A member of staff, as the host's duty roster lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    /// A stable user id (as in [`Actor::id`](super::Actor)).
    pub id: String,
    /// The member's roles.
    pub roles: Vec<Role>,
    /// The crew the member belongs to (as outage dispatch names it), if any.
    #[serde(default)]
    pub crew: Option<String>,
    /// Whether the member leads that crew (crew reminders go to leaders).
    #[serde(default)]
    pub crew_leader: bool,
    /// Where reminders go: one message per contact.
    pub contacts: Vec<ChannelAddress>,
}

/// The staff on duty: who gets which reminders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StaffDirectory {
    /// The members.
    pub members: Vec<StaffMember>,
}

/// What an event asks of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum StaffSignal {
    /// Remind the kind's roles.
    Remind {
        /// What about.
        kind: StaffReminderKind,
        /// The crew, for [`StaffReminderKind::CrewAssigned`].
        #[serde(default)]
        crew: Option<String>,
        /// The member the matter belongs to (the inspector who recorded the defect, the
        /// collector who issued the bill or took the promise): the reminder goes to them
        /// alone when they are on the roster, hold one of the kind's roles and have a
        /// contact; otherwise to every holder of the roles.
        #[serde(default)]
        member: Option<String>,
        /// The text's variables (ids, counts and times; no personal data).
        vars: BTreeMap<String, String>,
    },
    /// The matter of a reminder of this kind in this stream is handled: stand its pending
    /// escalations down.
    Resolve {
        /// Which reminder's matter.
        kind: StaffReminderKind,
    },
}

/// A reminder nobody could receive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StaffUnreached {
    /// The stream whose event caused it.
    pub stream: String,
    /// The event's version.
    pub version: u64,
    /// The reminder's kind.
    pub kind: StaffReminderKind,
    /// Why: `"no member holds role dispatcher"`, `"no leader of crew 抢修一班"`, …
    pub reason: String,
}

/// Renders [`StaffSignal`]s into outbox messages; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaffNotifier {
    /// The duty roster.
    pub directory: StaffDirectory,
    /// The rules.
    pub rules: StaffRules,
}

/// The messages of one signal, or why it reached nobody.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderedStaff {
    /// The messages, reminders, escalations and stand-downs.
    pub messages: Vec<OutboundMessage>,
    /// Set when a reminder reached nobody.
    pub unreached: Option<StaffUnreached>,
}

fn fill(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

impl StaffNotifier {
    /// A notifier for `directory` with the default rules.
    pub fn new(directory: StaffDirectory) -> Self {
        Self {
            directory,
            rules: StaffRules::default(),
        }
    }

    /// The same notifier with `rules`.
    #[must_use]
    pub fn with_rules(mut self, rules: StaffRules) -> Self {
        self.rules = rules;
        self
    }

    fn holders<'a>(&'a self, roles: &'a [Role]) -> impl Iterator<Item = &'a StaffMember> + 'a {
        self.directory
            .members
            .iter()
            .filter(move |m| m.roles.iter().any(|r| roles.contains(r)))
    }

    fn release(&self, at: Timestamp, urgent: bool) -> Timestamp {
        match (&self.rules.quiet_hours, urgent) {
            (Some(q), false) => q.release(at),
            _ => at,
        }
    }

    /// Renders `signal`, caused by the event at `version` of `stream` happening at `at`.
    pub fn render(
        &self,
        stream: &str,
        version: u64,
        at: Timestamp,
        signal: &StaffSignal,
    ) -> RenderedStaff {
        let mut out = RenderedStaff::default();
        let kind = match signal {
            StaffSignal::Remind { kind, .. } | StaffSignal::Resolve { kind } => *kind,
        };
        let rule = self.rules.rule(kind);
        let category = if rule.urgent {
            MessageCategory::Urgent
        } else {
            MessageCategory::Service
        };
        let message = |member: &StaffMember,
                       contact: &ChannelAddress,
                       what: &str,
                       text: Option<String>,
                       vars: &BTreeMap<String, String>| OutboundMessage {
            dedupe_key: format!(
                "staff/{stream}/{version}/{}/{what}/{}/{}",
                kind.as_str(),
                member.id,
                contact.channel
            ),
            stream: stream.to_owned(),
            stream_version: version,
            channel: contact.channel,
            address: contact.address.clone(),
            customer: None,
            template: format!("staff.{}", kind.as_str()),
            fields: vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            text,
            link: None,
            category,
            not_before: at,
            expires_at: None,
            supersede_key: None,
        };
        let escalation_key = |member: &StaffMember, contact: &ChannelAddress| {
            format!(
                "staff/{stream}/{}/escalation/{}/{}",
                kind.as_str(),
                member.id,
                contact.channel
            )
        };
        match signal {
            StaffSignal::Remind {
                crew, member, vars, ..
            } => {
                let sent_at = self.release(at, rule.urgent);
                let mut reached = 0;
                // The member the matter belongs to, if the roster can reach them in a role of
                // the kind; else every holder.
                let assigned = member.as_deref().filter(|id| {
                    self.holders(&rule.roles)
                        .any(|m| m.id == *id && !m.contacts.is_empty())
                });
                for m in self.holders(&rule.roles) {
                    if kind == StaffReminderKind::CrewAssigned
                        && !(m.crew_leader && m.crew.is_some() && m.crew == *crew)
                    {
                        continue;
                    }
                    if assigned.is_some_and(|id| m.id != id) {
                        continue;
                    }
                    for c in &m.contacts {
                        let mut msg = message(m, c, "remind", Some(fill(&rule.text, vars)), vars);
                        msg.not_before = sent_at;
                        out.messages.push(msg);
                        reached += 1;
                    }
                }
                if reached == 0 {
                    let reason = if kind == StaffReminderKind::CrewAssigned {
                        format!(
                            "no leader of crew {} with a contact",
                            crate::excerpt(crew.as_deref().unwrap_or(""))
                        )
                    } else {
                        let roles: Vec<_> =
                            rule.roles.iter().map(super::names::serde_tag).collect();
                        format!("no member with a contact holds role {}", roles.join(" or "))
                    };
                    out.unreached = Some(StaffUnreached {
                        stream: stream.to_owned(),
                        version,
                        kind,
                        reason,
                    });
                    return out;
                }
                if let Some(after) = rule.escalate_after_min {
                    let mut evars = vars.clone();
                    evars.insert("after_min".into(), after.to_string());
                    let text = fill(&rule.escalation_text, &evars);
                    let when = self.release(sent_at + minutes(after.max(0)), rule.urgent);
                    for m in self.holders(&rule.escalate_to) {
                        for c in &m.contacts {
                            let mut msg = message(m, c, "escalate", Some(text.clone()), &evars);
                            msg.template = format!("staff.{}.escalated", kind.as_str());
                            msg.not_before = when;
                            msg.supersede_key = Some(escalation_key(m, c));
                            out.messages.push(msg);
                        }
                    }
                }
            }
            StaffSignal::Resolve { .. } if rule.escalate_after_min.is_some() => {
                for m in self.holders(&rule.escalate_to) {
                    for c in &m.contacts {
                        let mut msg = message(m, c, "stand_down", None, &BTreeMap::new());
                        msg.template = format!("staff.{}.stand_down", kind.as_str());
                        msg.supersede_key = Some(escalation_key(m, c));
                        // Replaces the pending escalation, then expires unsent.
                        msg.expires_at = Some(at);
                        out.messages.push(msg);
                    }
                }
            }
            StaffSignal::Resolve { .. } => {}
        }
        out
    }
}
