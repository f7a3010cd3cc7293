//! Notice templates as data, and their rendering for one channel.
//!
//! A [`Template`] has a logical name (`"outage.progress"`), a category (service or urgent), and
//! one form per channel family: typed WeChat keywords, an SMS text, an app/webhook text, and an
//! optional link. Texts use `{variable}` placeholders (`{{` and `}}` for literal braces) filled
//! from the variables the workflow event supplies. [`TemplateSet::defaults`] ships the templates
//! of the four workflows; a host overrides them with its own JSON (its approved WeChat keys and
//! SMS texts).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::ports::{Channel, MessageCategory};

use super::NotifyError;
use super::channel::{FieldKind, FieldProblem, Overflow, SmsRules, WechatLimits};

/// The shipped templates ([`TemplateSet::defaults`]).
const SHIPPED_JSON: &str = include_str!("data/templates.json");

/// One keyword of a WeChat template or subscription message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatField {
    /// The template's key, e.g. `thing1`.
    pub key: String,
    /// Its type, which sets its limits.
    pub kind: FieldKind,
    /// The value, with `{variable}` placeholders.
    pub value: String,
    /// What to do when the value is too long (only `thing` may truncate).
    #[serde(default)]
    pub overflow: Overflow,
    /// The approved values of a `const` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

/// A notice template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Service (held in quiet hours) or urgent.
    pub category: MessageCategory,
    /// The WeChat keywords (template and subscription messages); empty: no WeChat form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wechat: Vec<WechatField>,
    /// The SMS text without the signature; `None`: no SMS form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<String>,
    /// The text for the app inbox and webhooks; `None`: the SMS text is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// A link to the details page, with placeholders: a path on the utility's service site
    /// (`/outage/{outage}`, joined to the site the messenger is configured with) or an
    /// absolute `https://` URL. The shipped templates carry paths only: no site is assumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl Template {
    /// Whether the template can be rendered for `channel`.
    #[must_use]
    pub fn supports(&self, channel: Channel) -> bool {
        match channel {
            Channel::WechatTemplate | Channel::WechatSubscribe => !self.wechat.is_empty(),
            Channel::Sms => self.sms.is_some(),
            _ => self.app.is_some() || self.sms.is_some(),
        }
    }
}

/// A notice rendered for one channel: what goes into an [`crate::ports::OutboundMessage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The keyword values (WeChat) in template order; empty for text channels.
    pub fields: Vec<(String, String)>,
    /// The text (SMS with its signature; app/webhook).
    pub text: Option<String>,
    /// The link.
    pub link: Option<String>,
    /// Billed SMS segments (0 for other channels).
    pub sms_segments: usize,
}

/// The named templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateSet {
    /// Templates by name.
    pub templates: BTreeMap<String, Template>,
}

/// Fills `{variable}` placeholders. `Err(Ok(name))`: a missing variable; `Err(Err(detail))`:
/// malformed text.
fn fill(text: &str, vars: &BTreeMap<String, String>) -> Result<String, Result<String, String>> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(r) = tail.strip_prefix("{{") {
            out.push('{');
            rest = r;
        } else if let Some(r) = tail.strip_prefix("}}") {
            out.push('}');
            rest = r;
        } else if let Some(r) = tail.strip_prefix('{') {
            let Some(end) = r.find('}') else {
                return Err(Err(format!("unclosed {{ at byte {i}")));
            };
            let name = &r[..end];
            match vars.get(name) {
                Some(v) => out.push_str(v),
                None => return Err(Ok(name.to_owned())),
            }
            rest = &r[end + 1..];
        } else {
            return Err(Err(format!("lone }} at byte {i}")));
        }
    }
    out.push_str(rest);
    Ok(out)
}

impl TemplateSet {
    /// Reads a set from JSON (an object of templates by name).
    ///
    /// # Errors
    /// [`NotifyError::InvalidRules`] naming the JSON problem.
    pub fn from_json(json: &str) -> Result<Self, NotifyError> {
        serde_json::from_str(json).map_err(|e| NotifyError::InvalidRules {
            detail: format!("templates: {e}"),
        })
    }

    /// The template called `name`.
    ///
    /// # Errors
    /// [`NotifyError::UnknownTemplate`].
    pub fn get(&self, name: &str) -> Result<&Template, NotifyError> {
        self.templates
            .get(name)
            .ok_or_else(|| NotifyError::UnknownTemplate {
                template: name.to_owned(),
            })
    }

    /// Renders template `name` for `channel` with `vars`, checking the channel's limits.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use gridserve_core::notify::{SmsRules, TemplateSet, WechatLimits};
    /// use gridserve_core::ports::Channel;
    ///
    /// let set = TemplateSet::defaults();
    /// let vars: BTreeMap<String, String> = [
    ///     ("area", "城关镇东街"), ("status", "抢修中"), ("etr_text", "预计3月1日14:00恢复"),
    ///     ("updated", "2026年3月1日 11:20"), ("outage", "O-17"), ("cause", "线路故障"),
    /// ].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    /// let r = set.render("outage.progress", Channel::Sms, &vars,
    ///                    &WechatLimits::default(), &SmsRules::default())?;
    /// assert!(r.text.unwrap().starts_with("【供电服务】"));
    /// # Ok::<(), gridserve_core::notify::NotifyError>(())
    /// ```
    ///
    /// # Errors
    /// [`NotifyError`]: unknown template, no form for the channel, a missing variable, or a
    /// value over its field's or the SMS limit (naming template, field and value).
    pub fn render(
        &self,
        name: &str,
        channel: Channel,
        vars: &BTreeMap<String, String>,
        wechat: &WechatLimits,
        sms: &SmsRules,
    ) -> Result<Rendered, NotifyError> {
        let t = self.get(name)?;
        let fill_field = |field: &str, text: &str| {
            fill(text, vars).map_err(|e| match e {
                Ok(variable) => NotifyError::MissingVariable {
                    template: name.to_owned(),
                    channel,
                    field: field.to_owned(),
                    variable,
                },
                Err(detail) => NotifyError::BadTemplate {
                    template: name.to_owned(),
                    field: field.to_owned(),
                    detail,
                },
            })
        };
        let no_form = || NotifyError::NoChannelForm {
            template: name.to_owned(),
            channel,
        };
        let link = t
            .link
            .as_deref()
            .map(|l| fill_field("link", l))
            .transpose()?;
        match channel {
            Channel::WechatTemplate | Channel::WechatSubscribe => {
                if t.wechat.is_empty() {
                    return Err(no_form());
                }
                let mut fields = Vec::with_capacity(t.wechat.len());
                for f in &t.wechat {
                    let value = fill_field(&f.key, &f.value)?;
                    let checked = wechat
                        .check(f.kind, &value, f.overflow, &f.allowed)
                        .map_err(|p| match p {
                            FieldProblem::TooLong { length, limit } => NotifyError::FieldTooLong {
                                template: name.to_owned(),
                                channel,
                                field: f.key.clone(),
                                kind: f.kind,
                                value: crate::access::excerpt(&value),
                                length,
                                limit,
                            },
                            FieldProblem::Invalid(reason) => NotifyError::FieldInvalid {
                                template: name.to_owned(),
                                channel,
                                field: f.key.clone(),
                                kind: f.kind,
                                value: crate::access::excerpt(&value),
                                reason,
                            },
                        })?;
                    fields.push((f.key.clone(), checked));
                }
                Ok(Rendered {
                    fields,
                    text: None,
                    link,
                    sms_segments: 0,
                })
            }
            Channel::Sms => {
                let body = fill_field("text", t.sms.as_deref().ok_or_else(no_form)?)?;
                if let Some(c) = body.chars().find(|c| matches!(c, '【' | '】')) {
                    return Err(NotifyError::FieldInvalid {
                        template: name.to_owned(),
                        channel,
                        field: "text".to_owned(),
                        kind: FieldKind::Thing,
                        value: crate::access::excerpt(&body),
                        reason: format!("{c} is reserved for the signature"),
                    });
                }
                let text = format!("{}{body}", sms.signature);
                let length = text.chars().count();
                if length > sms.max_chars {
                    return Err(NotifyError::SmsTooLong {
                        template: name.to_owned(),
                        length,
                        limit: sms.max_chars,
                    });
                }
                Ok(Rendered {
                    fields: Vec::new(),
                    sms_segments: sms.segments(length),
                    text: Some(text),
                    link,
                })
            }
            _ => {
                let src = t.app.as_deref().or(t.sms.as_deref()).ok_or_else(no_form)?;
                Ok(Rendered {
                    fields: Vec::new(),
                    text: Some(fill_field("text", src)?),
                    link,
                    sms_segments: 0,
                })
            }
        }
    }

    /// The templates of the shipped workflows, in Chinese, with WeChat keywords typed per the
    /// category-template rules and SMS texts within one or two segments: the data file
    /// `notify/data/templates.json`, embedded (the layout a host's own set takes in
    /// [`TemplateSet::from_json`]). Names:
    /// `defect.{notice,due_soon,overdue,escalated,sent_back,closed}`,
    /// `bill.{issued,reminder,paid}`, `invoice.{in_locker,pickup_reminder,expired}`,
    /// `outage.{planned,planned_reminder,planned_cancelled,detected,progress,restored,
    /// restored_by_switching,still_out}`, `report.monthly`.
    #[must_use]
    pub fn defaults() -> Self {
        static SHIPPED: LazyLock<TemplateSet> = LazyLock::new(|| {
            // Checked by a unit test: failing to parse it is a build defect.
            TemplateSet::from_json(SHIPPED_JSON).expect("the embedded templates are valid")
        });
        SHIPPED.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn fill_placeholders_and_escapes() {
        let v = vars(&[("a", "1")]);
        assert_eq!(fill("x{a}y{{z}}", &v).unwrap(), "x1y{z}");
        assert_eq!(fill("{b}", &v), Err(Ok("b".to_owned())));
        assert!(matches!(fill("{a", &v), Err(Err(_))));
        assert!(matches!(fill("a}", &v), Err(Err(_))));
    }

    fn one_field(kind: FieldKind) -> TemplateSet {
        let mut templates = BTreeMap::new();
        templates.insert(
            "t".to_owned(),
            Template {
                category: MessageCategory::Service,
                wechat: vec![WechatField {
                    key: "k1".into(),
                    kind,
                    value: "{v}".into(),
                    overflow: Overflow::Refuse,
                    allowed: vec![],
                }],
                sms: Some("{v}".into()),
                app: None,
                link: None,
            },
        );
        TemplateSet { templates }
    }

    #[test]
    fn errors_name_template_field_and_value() {
        let set = one_field(FieldKind::Thing);
        let w = WechatLimits::default();
        let s = SmsRules::default();
        let long = "甲".repeat(21);
        let err = set
            .render("t", Channel::WechatTemplate, &vars(&[("v", &long)]), &w, &s)
            .unwrap_err();
        assert_eq!(
            err,
            NotifyError::FieldTooLong {
                template: "t".into(),
                channel: Channel::WechatTemplate,
                field: "k1".into(),
                kind: FieldKind::Thing,
                value: long,
                length: 21,
                limit: 20
            }
        );
        let ok = set
            .render(
                "t",
                Channel::WechatTemplate,
                &vars(&[("v", &"甲".repeat(20))]),
                &w,
                &s,
            )
            .unwrap();
        assert_eq!(ok.fields[0].1.chars().count(), 20);
        assert!(matches!(
            set.render("t", Channel::Sms, &vars(&[]), &w, &s),
            Err(NotifyError::MissingVariable { variable, .. }) if variable == "v"
        ));
        assert!(matches!(
            set.render("nope", Channel::Sms, &vars(&[]), &w, &s),
            Err(NotifyError::UnknownTemplate { .. })
        ));
    }

    #[test]
    fn sms_counts_the_signature() {
        let set = one_field(FieldKind::Thing);
        let w = WechatLimits::default();
        // Signature 【供电服务】 is 6 characters: a 64-character body makes exactly 70 (one
        // message), 65 makes 71 (two segments of 67).
        let s = SmsRules::default();
        assert_eq!(s.signature.chars().count(), 6);
        let r = set
            .render("t", Channel::Sms, &vars(&[("v", &"电".repeat(64))]), &w, &s)
            .unwrap();
        assert_eq!((r.text.unwrap().chars().count(), r.sms_segments), (70, 1));
        let r = set
            .render("t", Channel::Sms, &vars(&[("v", &"电".repeat(65))]), &w, &s)
            .unwrap();
        assert_eq!(r.sms_segments, 2);
        // 154 + 6 = 160 characters: 67 + 67 + 26, three messages.
        let r = set
            .render(
                "t",
                Channel::Sms,
                &vars(&[("v", &"电".repeat(154))]),
                &w,
                &s,
            )
            .unwrap();
        assert_eq!(r.sms_segments, 3);
        // 494 + 6 = 500 is accepted, 495 + 6 = 501 is not.
        assert!(
            set.render(
                "t",
                Channel::Sms,
                &vars(&[("v", &"电".repeat(494))]),
                &w,
                &s
            )
            .is_ok()
        );
        assert_eq!(
            set.render(
                "t",
                Channel::Sms,
                &vars(&[("v", &"电".repeat(495))]),
                &w,
                &s
            ),
            Err(NotifyError::SmsTooLong {
                template: "t".into(),
                length: 501,
                limit: 500
            })
        );
        assert!(matches!(
            set.render("t", Channel::Sms, &vars(&[("v", "【广告】")]), &w, &s),
            Err(NotifyError::FieldInvalid { .. })
        ));
    }

    /// The variables a text names, found by filling it until nothing is missing.
    fn variables(text: &str) -> BTreeMap<String, String> {
        let mut vars = BTreeMap::new();
        loop {
            match fill(text, &vars) {
                Ok(_) => return vars,
                Err(Ok(missing)) => {
                    // Four characters: a customer's name or an area of typical length.
                    vars.insert(missing, "城关东街".to_owned());
                }
                Err(Err(detail)) => panic!("malformed placeholder in {text:?}: {detail}"),
            }
        }
    }

    #[test]
    fn shipped_templates_are_well_formed() {
        let set = TemplateSet::defaults();
        // The 21 names listed in the documentation of `defaults`.
        assert_eq!(set.templates.len(), 21);
        let (w, s) = (WechatLimits::default(), SmsRules::default());
        for (name, t) in &set.templates {
            for f in &t.wechat {
                // Only a `thing` may be cut; every other type is refused when too long.
                assert_eq!(
                    f.overflow == Overflow::Truncate,
                    f.kind == FieldKind::Thing,
                    "{name}.{}",
                    f.key
                );
                assert_eq!(
                    f.kind == FieldKind::Const,
                    !f.allowed.is_empty(),
                    "{name}.{}",
                    f.key
                );
                variables(&f.value);
            }
            for text in [&t.sms, &t.app, &t.link].into_iter().flatten() {
                variables(text);
            }
            // Each SMS text with four-character values fits one or two segments.
            if let Some(sms) = &t.sms {
                let mut vars = variables(sms);
                vars.extend(t.link.as_deref().map(variables).unwrap_or_default());
                let r = set.render(name, Channel::Sms, &vars, &w, &s).unwrap();
                assert!(
                    (1..=2).contains(&r.sms_segments),
                    "{name}: {}",
                    r.sms_segments
                );
            }
        }
    }

    #[test]
    fn unknown_template_keys_are_refused_by_name() {
        let err = TemplateSet::from_json(r#"{"t": {"category": "service", "smss": "x"}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("smss"), "{err}");
        let err = TemplateSet::from_json(
            r#"{"t": {"category": "service", "wechat": [{"key": "k", "kind": "thing", "value": "v", "overflw": "truncate"}]}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("overflw"), "{err}");
    }

    #[test]
    fn defaults_round_trip_through_json() {
        let d = TemplateSet::defaults();
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(TemplateSet::from_json(&json).unwrap(), d);
        assert!(TemplateSet::from_json("{\"x\": 1}").is_err());
    }
}
