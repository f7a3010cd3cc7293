//! Fusion, the marketing side: the SG186 meters and contacts checked against the customers,
//! and the DA and AMI events judged against the fused network (its live state, and the AMI
//! events as evidence for outage inference).

use std::collections::BTreeMap;
use std::sync::Arc;

use hashbrown::{HashMap, HashSet};

use super::finding::FindingKind;
use super::fuse::{Ctx, mobile_digits};
use super::fused::Provenance;
use super::live::LiveState;
use super::records::{
    AmiEventKind, ContactChannel, Sg186Customer, Sg186Meter, SourceSystem, Sources,
};
use crate::network::Network;
use crate::network::infer::{Evidence, EvidenceKind};
use crate::network::records::{Contact, NetworkData};

const CUST_T: &str = "sg186_customers";
const CONT_T: &str = "sg186_contacts";
const MET_T: &str = "sg186_meters";

/// The first record of each meter number, with provenance; meters without a known customer
/// and customers without a meter reported. Returns the meters and each meter's customer.
pub(super) fn meters<'s>(
    ctx: &mut Ctx<'_>,
    sources: &'s Sources,
    meter_index: &HashMap<&str, usize>,
    cust_index: &HashMap<&str, usize>,
    customers: &[Sg186Customer],
    provenance: &mut Provenance,
) -> (Vec<Sg186Meter>, HashMap<&'s str, &'s str>) {
    let (cust_t, met_t) = (CUST_T, MET_T);
    let first: Vec<&'s Sg186Meter> = sources
        .meters
        .iter()
        .enumerate()
        .filter(|(i, m)| meter_index.get(m.meter.as_str()) == Some(i))
        .map(|(_, m)| m)
        .collect();
    let mut metered: HashSet<&str> = HashSet::with_capacity(first.len());
    let mut meter_customer: HashMap<&'s str, &'s str> = HashMap::with_capacity(first.len());
    for &m in &first {
        provenance.meters.insert(m.meter.clone(), m.row);
        match m.customer.as_deref() {
            Some(c) if cust_index.contains_key(c) => {
                metered.insert(c);
                meter_customer.insert(m.meter.as_str(), c);
            }
            other => ctx.push(
                FindingKind::MeterWithoutCustomer,
                SourceSystem::Sg186,
                met_t,
                &m.meter,
                m.row,
                Some("customer"),
                other.map(str::to_owned),
                "attach the meter to its customer, or remove it",
            ),
        }
    }
    for c in customers {
        if !metered.contains(c.customer.as_str()) {
            ctx.push(
                FindingKind::CustomerWithoutMeter,
                SourceSystem::Sg186,
                cust_t,
                &c.customer,
                c.row,
                Some("customer"),
                None,
                "register the customer's meter",
            );
        }
    }

    (first.into_iter().cloned().collect(), meter_customer)
}

/// The contacts: attached to the placed customers, checked (unknown customer, invalid phone,
/// one phone shared by many customers under many names) and each customer's reachability.
pub(super) fn contacts(
    ctx: &mut Ctx<'_>,
    sources: &Sources,
    cust_index: &HashMap<&str, usize>,
    customers: &[Sg186Customer],
    placed: &HashMap<&str, usize>,
    data: &mut NetworkData,
) {
    let (cust_t, cont_t) = (CUST_T, CONT_T);
    let mut reachable: HashSet<&str> = HashSet::with_capacity(customers.len());
    // (mobile, contact) of every known customer's contact with a valid mobile: sorted, each
    // phone's contacts come together in input order, with no table or set per phone.
    let mut by_phone: Vec<(u64, usize)> = Vec::with_capacity(sources.contacts.len());
    for (i, ct) in sources.contacts.iter().enumerate() {
        let known = cust_index.contains_key(ct.customer.as_str());
        if !known {
            ctx.push(
                FindingKind::ContactWithoutCustomer,
                SourceSystem::Sg186,
                cont_t,
                &ct.customer,
                ct.row,
                Some("customer"),
                Some(ct.customer.clone()),
                "attach the contact to a known customer, or remove it",
            );
            continue;
        }
        let mobile = match ct.phone.as_deref() {
            Some(p) if !p.is_empty() => {
                let m = mobile_digits(p);
                if m.is_none() {
                    ctx.push(
                        FindingKind::InvalidPhone,
                        SourceSystem::Sg186,
                        cont_t,
                        &ct.customer,
                        ct.row,
                        Some("phone"),
                        Some(p.to_owned()),
                        "a mainland mobile has 11 digits starting 13–19; correct the number",
                    );
                }
                m
            }
            _ => None,
        };
        let has_openid = ct.wechat_openid.as_deref().is_some_and(|o| !o.is_empty());
        // The channels a contact lists, or (none listed) SMS with a phone and WeChat with an
        // openid: `Sg186Contact::effective_channels` without building the list.
        let (by_sms, by_wechat) = if ct.channels.is_empty() {
            (mobile.is_some(), has_openid)
        } else {
            (
                mobile.is_some() && ct.channels.contains(&ContactChannel::Sms),
                has_openid
                    && ct.channels.iter().any(|c| {
                        matches!(
                            c,
                            ContactChannel::WechatTemplate | ContactChannel::WechatSubscribe
                        )
                    }),
            )
        };
        if by_sms || by_wechat {
            reachable.insert(ct.customer.as_str());
        }
        if let Some(m) = mobile {
            by_phone.push((m, i));
        }
        if let (Some(&at), Some(name), Some(phone)) = (
            placed.get(ct.customer.as_str()),
            ct.name.as_deref().filter(|n| !n.trim().is_empty()),
            ct.phone.as_deref().filter(|p| !p.trim().is_empty()),
        ) && ct.level >= 1
        {
            data.customers[at].contacts.push(Contact {
                name: name.to_owned(),
                phone: phone.to_owned(),
                role: ct.role,
                level: ct.level,
            });
        }
    }
    by_phone.sort_unstable();
    let mut shared = Vec::new();
    let (mut customers_of, mut names_of): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for group in by_phone.chunk_by(|a, b| a.0 == b.0) {
        // Fewer contacts than the customer threshold cannot reach it.
        if group.len() < ctx.options.shared_phone_customers {
            continue;
        }
        customers_of.clear();
        names_of.clear();
        for &(_, i) in group {
            let ct = &sources.contacts[i];
            customers_of.push(ct.customer.as_str());
            names_of.extend(ct.name.as_deref());
        }
        customers_of.sort_unstable();
        customers_of.dedup();
        names_of.sort_unstable();
        names_of.dedup();
        if customers_of.len() >= ctx.options.shared_phone_customers
            && names_of.len() >= ctx.options.shared_phone_names
        {
            // The group is in input order: its first contact is the first with this phone.
            shared.push((group[0].1, group[0].0, customers_of.len(), names_of.len()));
        }
    }
    shared.sort_unstable_by_key(|&(first, ..)| sources.contacts[first].row);
    for (first, phone, customers, names) in shared {
        let first = &sources.contacts[first];
        ctx.push(
            FindingKind::SharedPhone,
            SourceSystem::Sg186,
            cont_t,
            &first.customer,
            first.row,
            Some("phone"),
            Some(phone.to_string()),
            format!(
                "one phone on {customers} customers under {names} names; confirm each customer's own contact"
            ),
        );
    }
    for c in customers {
        if !reachable.contains(c.customer.as_str()) {
            ctx.push(
                FindingKind::Unreachable,
                SourceSystem::Sg186,
                cust_t,
                &c.customer,
                c.row,
                Some("contacts"),
                None,
                "add a contact with a valid mobile and sms, or a WeChat openid with a WeChat channel",
            );
        }
    }
}

/// The DA events applied to the fused network in time order, with the AMI events judged at
/// their instant and kept as evidence. Returns the evidence and the switches left abnormal.
pub(super) fn live_state(
    ctx: &mut Ctx<'_>,
    sources: &Sources,
    data: &NetworkData,
    meter_customer: &HashMap<&str, &str>,
) -> (Vec<Evidence>, BTreeMap<String, bool>) {
    let mut evidence = Vec::new();
    let mut live_open = BTreeMap::new();
    if !(sources.da_events.is_empty() && sources.ami_events.is_empty()) {
        match Network::from_data(data) {
            Err(err) => ctx.push(
                FindingKind::InvalidRecord,
                SourceSystem::Fusion,
                "network",
                "",
                0,
                None,
                Some(err.to_string()),
                "the fused network does not validate; DA and AMI events were not judged",
            ),
            Ok(net) => {
                let net = Arc::new(net);
                let customer_point: HashMap<&str, &str> = data
                    .customers
                    .iter()
                    .map(|c| (c.number.as_str(), c.point.as_str()))
                    .collect();
                let mut live = LiveState::new(Arc::clone(&net));
                let mut da: Vec<_> = sources.da_events.iter().collect();
                da.sort_by_key(|e| (e.time, e.seq));
                let mut ami: Vec<_> = sources.ami_events.iter().collect();
                ami.sort_by_key(|e| e.time);
                let mut next_da = 0;
                for e in ami {
                    while next_da < da.len() && da[next_da].time <= e.time {
                        live.apply_reporting(da[next_da], &mut ctx.findings);
                        next_da += 1;
                    }
                    let Some(&customer) = meter_customer.get(e.meter.as_str()) else {
                        continue;
                    };
                    let kind = match e.event {
                        AmiEventKind::PowerOff => EvidenceKind::PowerOff,
                        AmiEventKind::PowerOn => EvidenceKind::PowerOn,
                    };
                    evidence.push(Evidence::customer(kind, customer));
                    if e.event == AmiEventKind::PowerOff
                        && let Some(point) = customer_point.get(customer)
                        && live.is_energized(point)
                    {
                        ctx.push(
                            FindingKind::PowerOffWhileSupplied,
                            SourceSystem::Ami,
                            "ami_events",
                            &e.meter,
                            e.row,
                            Some("event"),
                            Some(format!("power_off at {}", e.time.to_rfc3339())),
                            format!(
                                "the model says customer {customer} is supplied: check the live switch states or the connectivity"
                            ),
                        );
                    }
                }
                for e in &da[next_da..] {
                    live.apply_reporting(e, &mut ctx.findings);
                }
                for (asset, open, normal, row) in live.abnormal() {
                    let word = |o: bool| if o { "open" } else { "closed" };
                    ctx.push(
                        FindingKind::AbnormalState,
                        SourceSystem::Da,
                        "da_events",
                        &asset,
                        row,
                        Some("state"),
                        Some(format!("{} (normal: {})", word(open), word(normal))),
                        "a live abnormal state: applied to the live state; restore it or update the GIS normal state",
                    );
                    live_open.insert(asset, open);
                }
            }
        }
    }

    (evidence, live_open)
}
