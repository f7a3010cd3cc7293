//! Who may do what and who may read what: the roles and actors of the workflows, the
//! permissions of each command (data), and the masking of personal data (phone numbers, names)
//! by the reader's role.
//!
//! A leaf of the layering `ports → network → access → notify → workflow → outbox`: it
//! depends on nothing above it, so notices and workflows both build on it without importing
//! each other.

use serde::{Deserialize, Serialize};

/// A role an actor may hold. What each role may do is data: each workflow's
/// [`Permissions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// A safety inspector (安全检查员): records and verifies defects.
    Inspector,
    /// A customer manager (客户经理): the customer's account manager.
    CustomerManager,
    /// A supervisor: closes, escalations land with them.
    Supervisor,
    /// A collector (催费员).
    Collector,
    /// An invoice clerk (发票管理员).
    InvoiceClerk,
    /// A dispatcher (调度员 / 抢修指挥).
    Dispatcher,
    /// A member of a repair crew (抢修班).
    RepairCrew,
    /// A contact of the customer acting for it (only on that customer's instances).
    Customer,
    /// The system itself: deadlines, automatic steps, integrations.
    System,
}

/// Who gives a command.
///
/// The [`Role::System`] role (deadlines, automatic steps, integrations) is not something a
/// caller can name: it is held only by an actor made with [`Actor::system`], which takes the
/// host's [`SystemGrant`]. `System` listed among the roles of [`Actor::new`] counts for
/// nothing, and an actor read from data (JSON, a Python dict) that names it is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// A stable user id (recorded in the audit trail).
    pub id: String,
    /// The roles held.
    #[serde(deserialize_with = "roles_from_data")]
    pub roles: Vec<Role>,
    /// For the customer role: the customer number the actor acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Granted the system role by the host (never read from data).
    #[serde(skip)]
    system: bool,
}

/// Roles read from data: the system role is refused (the host grants it).
fn roles_from_data<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Role>, D::Error> {
    let roles = Vec::<Role>::deserialize(d)?;
    if roles.contains(&Role::System) {
        return Err(serde::de::Error::custom(
            "the system role is granted by the host application, not named by a caller",
        ));
    }
    Ok(roles)
}

/// The host's permission to act as the system: what [`Actor::system`] needs. Only host code
/// makes one (it has no serde form and cannot come from a command, a request or a Python
/// dict); hand the resulting actor only to the host's own scheduler and integrations.
#[derive(Debug)]
pub struct SystemGrant(());

impl SystemGrant {
    /// The grant, made by the host application's own code.
    #[must_use]
    pub fn host() -> Self {
        Self(())
    }
}

impl Actor {
    /// An actor with `roles` (a [`Role::System`] among them counts for nothing: see
    /// [`Actor::system`]).
    pub fn new(id: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Self {
        Self {
            id: id.into(),
            roles: roles.into_iter().collect(),
            customer: None,
            system: false,
        }
    }

    /// A contact acting for customer `customer`.
    pub fn customer(id: impl Into<String>, customer: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            roles: vec![Role::Customer],
            customer: Some(customer.into()),
            system: false,
        }
    }

    /// The system (deadlines and automatic steps), on the host's grant.
    #[must_use]
    pub fn system(_grant: &SystemGrant) -> Self {
        Self {
            id: "system".to_owned(),
            roles: vec![Role::System],
            customer: None,
            system: true,
        }
    }

    /// Whether the actor holds `role`: [`Role::System`] only on the host's grant.
    #[must_use]
    pub fn holds(&self, role: Role) -> bool {
        if role == Role::System {
            self.system
        } else {
            self.roles.contains(&role)
        }
    }
}

/// Which roles may give which commands (by command name), as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permissions(pub std::collections::BTreeMap<String, Vec<Role>>);

impl Permissions {
    /// From `(command, roles)` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [Role])>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(c, r)| (c.to_owned(), r.to_vec()))
                .collect(),
        )
    }

    /// Checks that `actor` may give `command` on `stream`, whose customer is `customer`. The
    /// customer role counts only for the actor's own customer. A command not listed is
    /// allowed to nobody.
    ///
    /// # Errors
    /// [`Denied`] (a workflow reports it as `WorkflowError::Forbidden`).
    pub fn check(
        &self,
        stream: &str,
        command: &str,
        actor: &Actor,
        customer: Option<&str>,
    ) -> Result<(), Denied> {
        let allowed = self.0.get(command).map(Vec::as_slice).unwrap_or_default();
        let mut other_customer = false;
        for r in &actor.roles {
            if !allowed.contains(r) || !actor.holds(*r) {
                continue;
            }
            if *r != Role::Customer {
                return Ok(());
            }
            match (customer, actor.customer.as_deref()) {
                (Some(c), Some(a)) if c == a => return Ok(()),
                _ => other_customer = true,
            }
        }
        Err(Denied {
            stream: stream.to_owned(),
            command: command.to_owned(),
            actor: actor.id.clone(),
            allowed: allowed.to_vec(),
            other_customer,
        })
    }
}

/// A command refused because the actor holds none of the roles allowed to give it (or acts for
/// another customer): what [`Permissions::check`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The stream.
    pub stream: String,
    /// The command.
    pub command: String,
    /// The actor's id.
    pub actor: String,
    /// The roles that may give the command.
    pub allowed: Vec<Role>,
    /// The actor holds the customer role but for another customer.
    pub other_customer: bool,
}

/// Whether personal data is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Masking {
    /// Phone numbers, names and digit runs that may be phone numbers are masked.
    #[default]
    Masked,
    /// Shown as they are.
    Clear,
}

/// Which roles read personal data in the clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskingPolicy {
    /// Roles that see clear values; everyone else sees them masked.
    pub clear_roles: Vec<Role>,
}

impl Default for MaskingPolicy {
    /// Customer managers and supervisors see contacts in the clear (they call them); crews,
    /// dispatchers, analysts and everyone else see them masked.
    fn default() -> Self {
        Self {
            clear_roles: vec![Role::CustomerManager, Role::Supervisor],
        }
    }
}

impl MaskingPolicy {
    /// The masking for a reader holding `roles`.
    #[must_use]
    pub fn for_roles(&self, roles: &[Role]) -> Masking {
        if roles.iter().any(|r| self.clear_roles.contains(r)) {
            Masking::Clear
        } else {
            Masking::Masked
        }
    }
}

impl Masking {
    /// A phone number or other address: see [`mask_phone`].
    #[must_use]
    pub fn phone(self, s: &str) -> String {
        match self {
            Self::Clear => s.to_owned(),
            Self::Masked => mask_phone(s),
        }
    }

    /// A person's name: see [`mask_name`].
    #[must_use]
    pub fn name(self, s: &str) -> String {
        match self {
            Self::Clear => s.to_owned(),
            Self::Masked => mask_name(s),
        }
    }

    /// Free text: see [`mask_text`].
    #[must_use]
    pub fn text(self, s: &str) -> String {
        match self {
            Self::Clear => s.to_owned(),
            Self::Masked => mask_text(s),
        }
    }
}

/// Personal data in a typed value (names, phone numbers, addresses), masked in place by what
/// each field is. The network's own records and answers ([`Scope::report`],
/// [`Network::to_data`]) carry personal data as it was given, because the core computes with
/// it; anything shown or exported to a reader goes through this with the reader's
/// [`Masking`] (from [`MaskingPolicy::for_roles`]). Nothing changes with [`Masking::Clear`].
///
/// ```
/// use gridserve_core::access::{MaskPersonal, MaskingPolicy, Role};
/// use gridserve_core::network::records::{Contact, ContactRole};
///
/// let mut c = Contact {
///     name: "王建国".into(),
///     phone: "13812345678".into(),
///     role: ContactRole::default(),
///     level: 1,
/// };
/// c.mask_personal(MaskingPolicy::default().for_roles(&[Role::Dispatcher]));
/// assert_eq!(c.phone, "138****5678");
/// assert_ne!(c.name, "王建国");
/// ```
///
/// [`Scope::report`]: crate::network::Scope::report
/// [`Network::to_data`]: crate::network::Network::to_data
pub trait MaskPersonal {
    /// Masks the personal data of `self` for a reader with `masking`.
    fn mask_personal(&mut self, masking: Masking);
}

impl MaskPersonal for crate::network::records::Contact {
    fn mask_personal(&mut self, masking: Masking) {
        self.name = masking.name(&self.name);
        self.phone = masking.phone(&self.phone);
    }
}

impl MaskPersonal for crate::network::records::CustomerRecord {
    fn mask_personal(&mut self, masking: Masking) {
        self.name = self.name.as_deref().map(|n| masking.name(n));
        self.contacts
            .iter_mut()
            .for_each(|c| c.mask_personal(masking));
    }
}

impl MaskPersonal for crate::network::AffectedCustomer {
    fn mask_personal(&mut self, masking: Masking) {
        self.name = self.name.as_deref().map(|n| masking.name(n));
        self.contacts
            .iter_mut()
            .for_each(|c| c.mask_personal(masking));
    }
}

impl MaskPersonal for crate::network::ScopeReport {
    fn mask_personal(&mut self, masking: Masking) {
        self.customers
            .iter_mut()
            .for_each(|c| c.mask_personal(masking));
    }
}

impl MaskPersonal for crate::network::records::NetworkData {
    fn mask_personal(&mut self, masking: Masking) {
        self.customers
            .iter_mut()
            .for_each(|c| c.mask_personal(masking));
    }
}

/// Masks a phone number or address: with 8 or more characters the first 3 and the last 4 stay
/// (`13812345678` → `138****5678`); shorter ones keep only their last 2.
#[must_use]
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let (head, tail) = if n >= 8 { (3, 4) } else { (0, n.min(2)) };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

/// Masks a name: the first character stays, the others become `*` (spaces stay):
/// `张三丰` → `张**`.
#[must_use]
pub fn mask_name(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i == 0 || c == ' ' { c } else { '*' })
        .collect()
}

/// Whether `c` is a digit as people type phone numbers: ASCII or full-width (`０`–`９`).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c)
}

/// Whether `c` may separate the digit groups of a phone number: `-`, space, `.`, brackets, and
/// their full-width forms.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '-' | ' '
            | '.'
            | '('
            | ')'
            | '\u{FF0D}'
            | '\u{3000}'
            | '\u{FF0E}'
            | '\u{FF08}'
            | '\u{FF09}'
            | '\u{2010}'
            | '\u{2013}'
    )
}

/// Whether the digit groups of a candidate, separated by `seps`, look like a phone number
/// rather than a date or an amount: 7 to 15 digits; a date (`2026-03-02`, `2026.3.2`) or a
/// decimal amount (`12345678.90`) is not one.
fn looks_like_phone(groups: &[usize], seps: &[char]) -> bool {
    let digits: usize = groups.iter().sum();
    if !(7..=15).contains(&digits) {
        return false;
    }
    if groups.len() == 1 {
        return true;
    }
    let date = groups.len() == 3 && groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2;
    let dotted = seps.iter().any(|c| matches!(c, '.' | '\u{FF0E}'));
    !date && groups.iter().all(|&g| g >= 2) && (!dotted || groups.iter().all(|&g| g >= 3))
}

/// Masks phone numbers in free text, in the forms people write them: unbroken
/// (`13800000001`), grouped by `-`, spaces, dots or brackets (`138-0000-0001`,
/// `138 0000 0001`, `(0571) 8888 6666`), with a `+86` prefix, and in full-width digits. Of
/// the 7 to 15 digits, the first 3 and the last 4 stay and the others become `*`; the
/// separators stay. Dates and decimal amounts are left as they are. Names in free text are
/// not found here: mask name fields with [`mask_name`] by what they are.
///
/// ```
/// use gridserve_core::access::mask_text;
/// assert_eq!(mask_text("请联系138-0000-0001"), "请联系138-****-0001");
/// assert_eq!(mask_text("+86 138 0000 0001"), "+86 1** **** 0001");
/// assert_eq!(mask_text("2026-03-02 到期"), "2026-03-02 到期");
/// ```
#[must_use]
pub fn mask_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = is_digit(chars[i])
            || (matches!(chars[i], '+' | '\u{FF0B}')
                && chars.get(i + 1).is_some_and(|&c| is_digit(c)));
        if !starts || (i > 0 && is_digit(chars[i - 1])) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The longest run of digits joined by single separators, ending on a digit.
        let mut end = i + usize::from(!is_digit(chars[i]));
        let mut last_digit = i;
        let mut groups = vec![0_usize];
        let mut seps = Vec::new();
        while end < chars.len() {
            let c = chars[end];
            if is_digit(c) {
                if let Some(g) = groups.last_mut() {
                    *g += 1;
                }
                last_digit = end;
                end += 1;
            } else if is_separator(c) && end > i && is_digit(chars[end - 1]) {
                // A separator counts only when a digit follows (possibly after `(`).
                let next = chars.get(end + 1).copied();
                if next.is_some_and(is_digit) {
                    seps.push(c);
                    groups.push(0);
                    end += 1;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        let run = &chars[i..=last_digit];
        groups.retain(|&g| g > 0);
        if looks_like_phone(&groups, &seps) {
            let total: usize = groups.iter().sum();
            let mut seen = 0;
            for &c in run {
                if is_digit(c) {
                    seen += 1;
                    out.push(if seen <= 3 || seen > total - 4 {
                        c
                    } else {
                        '*'
                    });
                } else {
                    out.push(c);
                }
            }
        } else {
            out.extend(run);
        }
        i = last_digit + 1;
    }
    out
}

/// A value as an error message may echo it: phone numbers masked ([`mask_text`]) and cut
/// to 64 characters with the full length said, so an error never carries personal data or
/// a huge input.
///
/// ```
/// use gridserve_core::access::excerpt;
/// assert_eq!(excerpt("call 13800000001"), "call 138****0001");
/// assert_eq!(excerpt(&"x".repeat(10_000_000)).chars().count(), 64 + " … (10000000 characters)".chars().count());
/// ```
#[must_use]
pub fn excerpt(s: &str) -> String {
    const MAX: usize = 64;
    let n = s.chars().count();
    if n <= MAX {
        return mask_text(s);
    }
    // Mask a little more than is shown, so a number cut at the edge is still masked.
    let head: String = s.chars().take(MAX + 16).collect();
    let masked: String = mask_text(&head).chars().take(MAX).collect();
    format!("{masked} … ({n} characters)")
}

/// Masks personal data in a JSON value (an event, a state, an export) by what each field is:
/// a phone or address field (`phone`, `address`, `openid`, `*_phone`) with [`mask_phone`], a
/// person's name field (`name`, `*_name` but not a template or file name) with [`mask_name`],
/// and phone numbers in every other string with [`mask_text`]. Nothing changes with
/// [`Masking::Clear`].
pub fn mask_value(v: &mut serde_json::Value, masking: Masking) {
    if masking == Masking::Clear {
        return;
    }
    match v {
        serde_json::Value::String(s) => *s = mask_text(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| mask_value(x, masking)),
        serde_json::Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                match (field_kind(k), x) {
                    (FieldKind::Phone, serde_json::Value::String(s)) => *s = mask_phone(s),
                    (FieldKind::Name, serde_json::Value::String(s)) => *s = mask_name(s),
                    (_, x) => mask_value(x, masking),
                }
            }
        }
        _ => {}
    }
}

/// What a JSON field holds, by its key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Phone,
    Name,
    Other,
}

fn field_kind(key: &str) -> FieldKind {
    match key {
        "phone" | "address" | "openid" | "mobile" => FieldKind::Phone,
        "name" | "contact" | "contact_name" | "customer_name" | "person" => FieldKind::Name,
        k if k.ends_with("_phone") || k.ends_with("_address") => FieldKind::Phone,
        _ => FieldKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_masked_in_every_common_form() {
        // Each form of the same number keeps its first 3 and last 4 digits.
        for (given, masked) in [
            ("13800000001", "138****0001"),
            ("138-0000-0001", "138-****-0001"),
            ("138 0000 0001", "138 **** 0001"),
            ("138.0000.0001", "138.****.0001"),
            ("+86 138 0000 0001", "+86 1** **** 0001"),
            ("+8613800000001", "+861******0001"),
            ("１３８０００００００１", "１３８****０００１"),
            ("0571-8888-6666", "057*-****-6666"),
            ("电话：138-0000-0001。", "电话：138-****-0001。"),
        ] {
            assert_eq!(mask_text(given), masked, "{given}");
        }
        // Not phone numbers: dates, times, amounts, short numbers.
        for kept in [
            "2026-03-02T10:00:00+08:00",
            "2026.3.2",
            "1234.50 元",
            "12345678.90",
            "110",
            "第3-2号",
        ] {
            assert_eq!(mask_text(kept), kept);
        }
    }

    #[test]
    fn json_fields_masked_by_what_they_are() {
        let mut v = serde_json::json!({
            "phone": "13800000001", "name": "张三丰", "customer_name": "李四",
            "note": "请致电 138-0000-0001", "template": "bill.issued",
            "due": "2026-03-02T10:00:00+08:00", "list": [{"phone": "0571-88886666"}],
        });
        let clear = v.clone();
        mask_value(&mut v, Masking::Clear);
        assert_eq!(v, clear);
        mask_value(&mut v, Masking::Masked);
        assert_eq!(v["phone"], "138****0001");
        assert_eq!(v["name"], "张**");
        assert_eq!(v["customer_name"], "李*");
        assert_eq!(v["note"], "请致电 138-****-0001");
        assert_eq!(v["template"], "bill.issued");
        assert_eq!(v["due"], "2026-03-02T10:00:00+08:00");
        assert_eq!(v["list"][0]["phone"], "057******6666");
    }

    #[test]
    fn the_system_role_is_granted_not_named() {
        let p = Permissions::from_pairs([("trace", &[Role::System][..])]);
        let named = Actor::new("mallory", [Role::System]);
        assert!(p.check("outage/O-1", "trace", &named, None).is_err());
        let system = Actor::system(&SystemGrant::host());
        assert!(p.check("outage/O-1", "trace", &system, None).is_ok());
        // From data: refused by name, and a serialized system actor does not come back as one.
        let err = serde_json::from_str::<Actor>(r#"{"id": "x", "roles": ["system"]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("granted by the host"), "{err}");
        let back = serde_json::to_string(&Actor::new("a", [Role::Dispatcher])).unwrap();
        assert!(
            !serde_json::from_str::<Actor>(&back)
                .unwrap()
                .holds(Role::System)
        );
        assert!(
            serde_json::from_str::<Actor>(r#"{"id": "x", "roles": [], "admin": true}"#).is_err()
        );
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0571-88886666"), "057******6666");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("Li Lei"), "L* ***");
        assert_eq!(
            mask_text("请联系13812345678或110"),
            "请联系138****5678或110"
        );
        assert_eq!(Masking::Clear.phone("13812345678"), "13812345678");
        let p = MaskingPolicy::default();
        assert_eq!(p.for_roles(&[Role::RepairCrew]), Masking::Masked);
        assert_eq!(
            p.for_roles(&[Role::RepairCrew, Role::CustomerManager]),
            Masking::Clear
        );
    }

    #[test]
    fn scope_reports_and_network_records_masked_for_the_reader() {
        use crate::network::{ElementId, Network, Topology};
        use std::sync::Arc;
        // BUS -CB1- A -L1- B; C1 (two contacts) at B, C2 (one contact) at A.
        let json = r#"{
            "points": [{"asset": "BUS", "kind": "substation_bus"}, {"asset": "A", "kind": "pole"},
                       {"asset": "B", "kind": "pole"}],
            "segments": [{"asset": "L1", "from": "A", "to": "B", "kind": "overhead",
                          "length_m": 100.0}],
            "switches": [{"asset": "CB1", "from": "BUS", "to": "A", "kind": "breaker",
                          "normally_open": false, "protective": true}],
            "sources": [{"asset": "S1", "point": "BUS", "capacity_kva": 8000.0}],
            "customers": [
                {"number": "C1", "name": "城关水泥厂", "point": "B", "contracted_kva": 400.0,
                 "load_kw": 50.0, "contacts": [
                    {"name": "王建国", "phone": "13800000001", "role": "electrician"},
                    {"name": "李红", "phone": "138-0000-0002", "role": "manager", "level": 2}]},
                {"number": "C2", "name": "客户二", "point": "A", "contracted_kva": 400.0,
                 "load_kw": 30.0, "contacts": [
                    {"name": "赵六", "phone": "13900000003", "role": "manager"}]}]
        }"#;
        let data = crate::network::io::read_json(json.as_bytes()).unwrap();
        let net = Arc::new(Network::from_data(&data).unwrap());
        let topo = Topology::normal(net.clone());
        let l1 = net.line_id("L1").unwrap();
        let report = topo
            .fault(ElementId::Line(l1))
            .unwrap()
            .scope
            .report(&topo)
            .unwrap();
        assert_eq!(report.customers.len(), 2);
        let phones: Vec<String> = report
            .customers
            .iter()
            .flat_map(|c| c.contacts.iter().map(|k| k.phone.clone()))
            .collect();
        assert!(!phones.is_empty());
        let policy = MaskingPolicy::default();
        let mut masked = report.clone();
        masked.mask_personal(policy.for_roles(&[Role::Dispatcher]));
        let text = serde_json::to_string(&masked).unwrap();
        for p in &phones {
            assert!(!text.contains(p.as_str()), "{p} in the clear");
            assert!(text.contains(&mask_phone(p)));
        }
        for (a, b) in report.customers.iter().zip(&masked.customers) {
            assert_eq!(a.number, b.number);
            if let (Some(a), Some(b)) = (&a.name, &b.name) {
                assert_ne!(a, b);
            }
        }
        // A customer manager reads them as they are.
        let mut clear = report.clone();
        clear.mask_personal(policy.for_roles(&[Role::CustomerManager]));
        assert_eq!(clear, report);
        // The same for the network's records.
        let mut records = net.to_data();
        records.mask_personal(Masking::Masked);
        let text = serde_json::to_string(&records).unwrap();
        assert!(phones.iter().all(|p| !text.contains(p.as_str())));
    }
}
