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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// A stable user id (recorded in the audit trail).
    pub id: String,
    /// The roles held.
    pub roles: Vec<Role>,
    /// For the customer role: the customer number the actor acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

impl Actor {
    /// An actor with `roles`.
    pub fn new(id: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Self {
        Self {
            id: id.into(),
            roles: roles.into_iter().collect(),
            customer: None,
        }
    }

    /// A contact acting for customer `customer`.
    pub fn customer(id: impl Into<String>, customer: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            roles: vec![Role::Customer],
            customer: Some(customer.into()),
        }
    }

    /// The system (deadlines and automatic steps).
    #[must_use]
    pub fn system() -> Self {
        Self::new("system", [Role::System])
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
            if !allowed.contains(r) {
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

/// Masks every run of 7 or more digits in free text as a phone number (keeping 3 + 4 of 11).
#[must_use]
pub fn mask_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 7 {
            out.push_str(&mask_phone(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
