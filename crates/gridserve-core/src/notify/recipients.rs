//! Who receives a notice: the customer's contacts (from the network model) filtered by contact
//! role (which roles may receive which notices: [`RecipientPolicy`]) and level (the workflow's
//! [`Audience`]), with each contact's channels, opt-outs and quiet hours ([`ContactBook`]).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::network::records::{Contact, ContactRole};
use crate::ports::{Channel, MessageCategory, Timestamp};

use super::masking::{mask_name, mask_phone};

/// A daily do-not-disturb window in the local time of the notice's timestamp (China Standard
/// Time for the timestamps gridserve writes). `start > end` spans midnight (22:00–07:00);
/// `start == end` is an empty window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// The window opens (inclusive).
    pub start: NaiveTime,
    /// The window closes (exclusive).
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether `at` (its local time of day) falls in the window.
    #[must_use]
    pub fn contains(&self, at: Timestamp) -> bool {
        let t = at.time();
        if self.start <= self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// The first time at or after `at` outside the window: `at` itself when outside, else the
    /// window's next end.
    #[must_use]
    pub fn release(&self, at: Timestamp) -> Timestamp {
        if !self.contains(at) {
            return at;
        }
        let t = at.time();
        let to_end = self.end.signed_duration_since(t);
        // Inside a window: the end is later today, or (past midnight-spanning start) tomorrow.
        let wait = if to_end > Duration::zero() {
            to_end
        } else {
            to_end + Duration::days(1)
        };
        // Drop sub-second noise so the release lands on the boundary.
        let released = at + wait;
        released.with_nanosecond(0).unwrap_or(released)
    }
}

/// A channel and the contact's address on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelAddress {
    /// The channel.
    pub channel: Channel,
    /// The address (openid, phone number, inbox id).
    pub address: String,
}

/// A contact's delivery settings, kept by the host (the network model holds only name, phone,
/// role and level).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactSettings {
    /// Channels in order of preference; the first one the template supports and the contact
    /// has not opted out of is used. Empty: SMS to the contact's phone.
    #[serde(default)]
    pub channels: Vec<ChannelAddress>,
    /// Do-not-disturb window, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHours>,
    /// Channels the contact refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opted_out: Vec<Channel>,
    /// Notice topics (template prefixes such as `"bill"`) the contact does not want; urgent
    /// notices are sent regardless.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub muted_topics: Vec<String>,
}

impl ContactSettings {
    /// The channels of a contact as the marketing system lists it (SG186 `sg186_contacts`:
    /// `phone`, `wechat_openid` and `channels` separated by `;`, reference source-systems
    /// §2): `sms` goes to the phone, `wechat_template` and `wechat_subscribe` to the openid,
    /// in the order listed. Names match after trimming and lower-casing; empty entries are
    /// skipped; no channel at all leaves the default (SMS to the phone).
    ///
    /// ```
    /// use gridserve_core::notify::ContactSettings;
    /// use gridserve_core::ports::Channel;
    ///
    /// let s = ContactSettings::from_source("13800000001", Some("oAbC123"), "WeChat_Template; sms")?;
    /// assert_eq!(s.channels[0].channel, Channel::WechatTemplate);
    /// assert_eq!(s.channels[0].address, "oAbC123");
    /// assert_eq!(s.channels[1].address, "13800000001");
    /// # Ok::<(), gridserve_core::notify::NotifyError>(())
    /// ```
    ///
    /// # Errors
    /// [`NotifyError::InvalidRules`] for an unknown channel name, a WeChat channel without an
    /// openid, or `sms` without a phone (the phone is never shown).
    pub fn from_source(
        phone: &str,
        wechat_openid: Option<&str>,
        channels: &str,
    ) -> Result<Self, super::NotifyError> {
        let bad = |detail: String| super::NotifyError::InvalidRules {
            detail: format!("contact channels: {detail}"),
        };
        let openid = wechat_openid.map(str::trim).filter(|o| !o.is_empty());
        let mut out = Vec::new();
        for name in channels.split(';').map(|c| c.trim().to_lowercase()) {
            let (channel, address) = match name.as_str() {
                "" => continue,
                "sms" if !phone.trim().is_empty() => (Channel::Sms, phone.trim()),
                "sms" => return Err(bad("sms is listed but the contact has no phone".into())),
                "wechat_template" | "wechat_subscribe" => {
                    let channel = if name == "wechat_template" {
                        Channel::WechatTemplate
                    } else {
                        Channel::WechatSubscribe
                    };
                    match openid {
                        Some(o) => (channel, o),
                        None => {
                            return Err(bad(format!(
                                "{name} is listed but the contact has no wechat_openid"
                            )));
                        }
                    }
                }
                other => {
                    return Err(bad(format!(
                        "unknown channel {:?} (expected sms, wechat_template or wechat_subscribe)",
                        crate::excerpt(other)
                    )));
                }
            };
            if !out.iter().any(|c: &ChannelAddress| c.channel == channel) {
                out.push(ChannelAddress {
                    channel,
                    address: address.to_owned(),
                });
            }
        }
        Ok(Self {
            channels: out,
            ..Self::default()
        })
    }
}

/// Contact settings by customer number and contact phone number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContactBook {
    /// customer number → phone → settings.
    pub customers: BTreeMap<String, BTreeMap<String, ContactSettings>>,
}

impl ContactBook {
    /// Sets the settings of the contact with `phone` of `customer`.
    pub fn set(&mut self, customer: &str, phone: &str, settings: ContactSettings) {
        self.customers
            .entry(customer.to_owned())
            .or_default()
            .insert(phone.to_owned(), settings);
    }

    /// The settings of a contact, if any.
    #[must_use]
    pub fn get(&self, customer: &str, phone: &str) -> Option<&ContactSettings> {
        self.customers.get(customer).and_then(|m| m.get(phone))
    }
}

/// Which contact levels a notice goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "level", rename_all = "snake_case")]
pub enum Levels {
    /// Every level.
    All,
    /// Levels 1 up to this one; if the customer has no permitted contact there, its lowest
    /// permitted level (a notice never goes silent for want of a level-1 contact of the
    /// permitted roles).
    UpTo(u8),
    /// Exactly this level; if the customer has no permitted contact at it, the highest
    /// permitted level below it, else the lowest above it (an escalation never goes silent
    /// for want of a level-3 contact).
    Exactly(u8),
}

/// The recipients a workflow asks for: a customer and the contact levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// The customer number.
    pub customer: String,
    /// Which levels.
    pub levels: Levels,
    /// A single contact (by phone) instead of the levels: a bill forwarded to another contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_phone: Option<String>,
}

/// Which contact roles may receive the notices of a topic (the template name up to its first
/// `.`): the permission side of recipient resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientPolicy {
    /// Topic → preferred roles. A topic not listed goes to every role.
    pub roles: BTreeMap<String, Vec<ContactRole>>,
    /// When a customer has no contact in any of a topic's preferred roles (most customers'
    /// contacts are `other`), the notice goes to its other contacts instead of to nobody.
    /// Default `true`; `false` makes the roles strict (the notice is then reported as
    /// unreached, never dropped silently).
    #[serde(default = "yes")]
    pub fallback_to_any_contact: bool,
}

fn yes() -> bool {
    true
}

impl Default for RecipientPolicy {
    /// Defects go to the electrician, the energy manager and the legal representative; bills
    /// and invoices to finance, the manager and the legal representative; outages to everyone.
    /// A customer with no contact in those roles gets them at its other contacts.
    fn default() -> Self {
        use ContactRole::{Electrician, Finance, LegalRepresentative, Manager};
        let mut roles = BTreeMap::new();
        roles.insert(
            "defect".to_owned(),
            vec![Electrician, Manager, LegalRepresentative],
        );
        roles.insert(
            "bill".to_owned(),
            vec![Finance, Manager, LegalRepresentative],
        );
        roles.insert(
            "invoice".to_owned(),
            vec![Finance, Manager, LegalRepresentative],
        );
        Self {
            roles,
            fallback_to_any_contact: true,
        }
    }
}

impl RecipientPolicy {
    /// Whether a contact in `role` may receive notices of template `template`.
    #[must_use]
    pub fn permits(&self, template: &str, role: ContactRole) -> bool {
        let topic = template.split('.').next().unwrap_or(template);
        self.roles.get(topic).is_none_or(|r| r.contains(&role))
    }
}

/// One resolved recipient: a contact of a customer on one channel. Its `Debug` masks the
/// name, phone and address.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The customer number.
    pub customer: String,
    /// The contact's name.
    pub name: String,
    /// The contact's phone.
    pub phone: String,
    /// The contact's role.
    pub role: ContactRole,
    /// The contact's level.
    pub level: u8,
    /// The chosen channel.
    pub channel: Channel,
    /// The address on it.
    pub address: String,
    /// The contact's quiet hours.
    pub quiet_hours: Option<QuietHours>,
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recipient")
            .field("customer", &self.customer)
            .field("name", &mask_name(&self.name))
            .field("phone", &mask_phone(&self.phone))
            .field("role", &self.role)
            .field("level", &self.level)
            .field("channel", &self.channel)
            .field("address", &mask_phone(&self.address))
            .finish_non_exhaustive()
    }
}

/// Resolves the recipients of template `template` among `contacts` of `audience.customer`:
/// permitted roles, the audience's levels, not muted, one channel each (the first of the
/// contact's channels that `supports` accepts and that the contact has not opted out of).
/// Contacts with no usable channel are left out. The order is the contacts' order.
pub fn resolve(
    template: &str,
    category: MessageCategory,
    audience: &Audience,
    contacts: &[Contact],
    policy: &RecipientPolicy,
    book: &ContactBook,
    supports: impl Fn(Channel) -> bool,
) -> Vec<Recipient> {
    let topic = template.split('.').next().unwrap_or(template);
    // No contact in a preferred role: every contact stands in (when the policy says so).
    let any_role = policy.fallback_to_any_contact
        && !contacts.iter().any(|c| policy.permits(template, c.role));
    let permitted = |c: &Contact| {
        if !any_role && !policy.permits(template, c.role) {
            return false;
        }
        let s = book.get(&audience.customer, &c.phone);
        category == MessageCategory::Urgent
            || s.is_none_or(|s| !s.muted_topics.iter().any(|t| t == topic))
    };
    let permitted_levels = || contacts.iter().filter(|c| permitted(c)).map(|c| c.level);
    let at_level = |level: Option<u8>| -> Vec<&Contact> {
        contacts
            .iter()
            .filter(|c| Some(c.level) == level && permitted(c))
            .collect()
    };
    let chosen: Vec<&Contact> = if let Some(phone) = &audience.only_phone {
        contacts
            .iter()
            .filter(|c| &c.phone == phone && permitted(c))
            .collect()
    } else {
        match audience.levels {
            Levels::All => contacts.iter().filter(|c| permitted(c)).collect(),
            Levels::UpTo(l) => {
                let v: Vec<&Contact> = contacts
                    .iter()
                    .filter(|c| c.level <= l && permitted(c))
                    .collect();
                if v.is_empty() {
                    at_level(permitted_levels().min())
                } else {
                    v
                }
            }
            Levels::Exactly(l) => {
                let below = permitted_levels().filter(|&x| x <= l).max();
                at_level(below.or_else(|| permitted_levels().min()))
            }
        }
    };
    let mut out = Vec::with_capacity(chosen.len());
    for c in chosen {
        let settings = book.get(&audience.customer, &c.phone);
        let default = [ChannelAddress {
            channel: Channel::Sms,
            address: c.phone.clone(),
        }];
        let channels: &[ChannelAddress] = match settings {
            Some(s) if !s.channels.is_empty() => &s.channels,
            _ => &default,
        };
        let refused = |ch: Channel| settings.is_some_and(|s| s.opted_out.contains(&ch));
        if let Some(ca) = channels
            .iter()
            .find(|ca| supports(ca.channel) && !refused(ca.channel))
        {
            out.push(Recipient {
                customer: audience.customer.clone(),
                name: c.name.clone(),
                phone: c.phone.clone(),
                role: c.role,
                level: c.level,
                channel: ca.channel,
                address: ca.address.clone(),
                quiet_hours: settings.and_then(|s| s.quiet_hours),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::ports::china_offset;

    #[test]
    fn channels_from_the_marketing_system() {
        let s = ContactSettings::from_source(
            "13800000001",
            Some(" oAbC "),
            " wechat_subscribe;;SMS;wechat_template;sms ",
        )
        .unwrap();
        let got: Vec<(Channel, &str)> = s
            .channels
            .iter()
            .map(|c| (c.channel, c.address.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Channel::WechatSubscribe, "oAbC"),
                (Channel::Sms, "13800000001"),
                (Channel::WechatTemplate, "oAbC"),
            ]
        );
        assert!(
            ContactSettings::from_source("138", None, "")
                .unwrap()
                .channels
                .is_empty()
        );
        for (phone, openid, channels) in [
            ("13800000001", None, "wechat_template"),
            ("13800000001", Some(" "), "wechat_subscribe"),
            ("", Some("o"), "sms"),
            ("13800000001", Some("o"), "fax"),
        ] {
            let e = ContactSettings::from_source(phone, openid, channels).unwrap_err();
            assert!(!e.to_string().contains("13800000001"), "{e}");
        }
    }

    fn at(h: u32, m: u32) -> Timestamp {
        china_offset()
            .with_ymd_and_hms(2026, 3, 1, h, m, 0)
            .single()
            .unwrap_or_else(|| unreachable!())
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn quiet_hours_across_midnight() {
        let q = QuietHours {
            start: hm(22, 0),
            end: hm(7, 0),
        };
        assert!(!q.contains(at(21, 59)));
        assert!(q.contains(at(22, 0)));
        assert!(q.contains(at(6, 59)));
        assert!(!q.contains(at(7, 0)));
        // 23:30 → 07:00 the next morning; 03:00 → 07:00 the same day; 12:00 unchanged.
        assert_eq!(
            q.release(at(23, 30)),
            china_offset()
                .with_ymd_and_hms(2026, 3, 2, 7, 0, 0)
                .unwrap()
        );
        assert_eq!(q.release(at(3, 0)), at(7, 0));
        assert_eq!(q.release(at(12, 0)), at(12, 0));
        let day = QuietHours {
            start: hm(12, 0),
            end: hm(14, 0),
        };
        assert_eq!(day.release(at(13, 0)), at(14, 0));
        assert!(!day.contains(at(14, 0)));
        let empty = QuietHours {
            start: hm(12, 0),
            end: hm(12, 0),
        };
        assert!(!empty.contains(at(12, 0)));
    }

    fn contact(name: &str, phone: &str, role: ContactRole, level: u8) -> Contact {
        Contact {
            name: name.into(),
            phone: phone.into(),
            role,
            level,
        }
    }

    #[test]
    fn roles_levels_channels_and_opt_outs() {
        let contacts = vec![
            contact("王财务", "1", ContactRole::Finance, 1),
            contact("李电工", "2", ContactRole::Electrician, 1),
            contact("赵经理", "3", ContactRole::Manager, 2),
            contact("钱法人", "4", ContactRole::LegalRepresentative, 4),
        ];
        let policy = RecipientPolicy::default();
        let mut book = ContactBook::default();
        book.set(
            "C1",
            "3",
            ContactSettings {
                channels: vec![
                    ChannelAddress {
                        channel: Channel::WechatTemplate,
                        address: "openid-3".into(),
                    },
                    ChannelAddress {
                        channel: Channel::Sms,
                        address: "3".into(),
                    },
                ],
                ..ContactSettings::default()
            },
        );
        let aud = |levels| Audience {
            customer: "C1".into(),
            levels,
            only_phone: None,
        };
        let names = |r: Vec<Recipient>| -> Vec<(String, Channel)> {
            r.into_iter().map(|r| (r.phone, r.channel)).collect()
        };
        let all = |_: Channel| true;
        // Bills: finance, manager, legal; the electrician is not permitted.
        let r = resolve(
            "bill.reminder",
            MessageCategory::Service,
            &aud(Levels::All),
            &contacts,
            &policy,
            &book,
            all,
        );
        assert_eq!(
            names(r),
            [
                ("1".to_owned(), Channel::Sms),
                ("3".to_owned(), Channel::WechatTemplate),
                ("4".to_owned(), Channel::Sms)
            ]
        );
        // Exactly level 3: nobody at 3, so the highest permitted level below (2).
        let r = resolve(
            "bill.reminder",
            MessageCategory::Service,
            &aud(Levels::Exactly(3)),
            &contacts,
            &policy,
            &book,
            all,
        );
        assert_eq!(names(r), [("3".to_owned(), Channel::WechatTemplate)]);
        // Without WeChat support the manager falls back to SMS.
        let r = resolve(
            "bill.reminder",
            MessageCategory::Service,
            &aud(Levels::Exactly(2)),
            &contacts,
            &policy,
            &book,
            |c| c == Channel::Sms,
        );
        assert_eq!(names(r), [("3".to_owned(), Channel::Sms)]);
        // Outages go to everyone up to level 1.
        let r = resolve(
            "outage.detected",
            MessageCategory::Urgent,
            &aud(Levels::UpTo(1)),
            &contacts,
            &policy,
            &book,
            all,
        );
        assert_eq!(r.len(), 2);
        // Opt-out of SMS and a muted topic.
        book.set(
            "C1",
            "1",
            ContactSettings {
                opted_out: vec![Channel::Sms],
                ..ContactSettings::default()
            },
        );
        book.set(
            "C1",
            "2",
            ContactSettings {
                muted_topics: vec!["outage".into()],
                ..ContactSettings::default()
            },
        );
        let r = resolve(
            "outage.still_out",
            MessageCategory::Service,
            &aud(Levels::UpTo(1)),
            &contacts,
            &policy,
            &book,
            all,
        );
        assert!(r.is_empty(), "{r:?}");
        // Urgent notices ignore the muted topic (not the opt-out).
        let r = resolve(
            "outage.detected",
            MessageCategory::Urgent,
            &aud(Levels::UpTo(1)),
            &contacts,
            &policy,
            &book,
            all,
        );
        assert_eq!(names(r), [("2".to_owned(), Channel::Sms)]);
        let dbg = format!(
            "{:?}",
            resolve(
                "bill.reminder",
                MessageCategory::Service,
                &Audience {
                    customer: "C1".into(),
                    levels: Levels::All,
                    only_phone: Some("3".into())
                },
                &contacts,
                &policy,
                &book,
                all,
            )
        );
        assert!(dbg.contains("赵**") && !dbg.contains("赵经理"), "{dbg}");
    }
}
