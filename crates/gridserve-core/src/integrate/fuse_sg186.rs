//! Fusion, the marketing side: the SG186 meters and contacts checked against the customers,
//! and the DA and AMI events judged against the fused network (its live state, and the AMI
//! events as evidence for outage inference).

use std::collections::BTreeMap;
use std::sync::Arc;

use hashbrown::{HashMap, HashSet};

use super::finding::FindingKind;
use super::fuse::{Ctx, mobile_number};
use super::fused::Provenance;
use super::live::LiveState;
use super::records::{
    AmiEventKind, ContactChannel, Sg186Contact, Sg186Customer, Sg186Meter, SourceSystem, Sources,
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
    let mut metered: HashSet<&str> = HashSet::new();
    let mut meter_customer: HashMap<&'s str, &'s str> = HashMap::new();
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
    let mut reachable: HashSet<&str> = HashSet::new();
    let mut by_phone: HashMap<String, (Vec<&str>, HashSet<&str>, &Sg186Contact)> = HashMap::new();
    for ct in &sources.contacts {
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
        let channels = ct.effective_channels();
        let mobile = match ct.phone.as_deref() {
            Some(p) if !p.is_empty() => {
                let m = mobile_number(p);
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
        let by_sms = mobile.is_some() && channels.contains(&ContactChannel::Sms);
        let by_wechat = ct.wechat_openid.as_deref().is_some_and(|o| !o.is_empty())
            && channels.iter().any(|c| {
                matches!(
                    c,
                    ContactChannel::WechatTemplate | ContactChannel::WechatSubscribe
                )
            });
        if by_sms || by_wechat {
            reachable.insert(ct.customer.as_str());
        }
        if let Some(m) = mobile {
            let entry = by_phone
                .entry(m)
                .or_insert_with(|| (Vec::new(), HashSet::new(), ct));
            if !entry.0.contains(&ct.customer.as_str()) {
                entry.0.push(ct.customer.as_str());
            }
            if let Some(name) = ct.name.as_deref() {
                entry.1.insert(name);
            }
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
    let mut shared: Vec<_> = by_phone
        .into_iter()
        .filter(|(_, (cs, names, _))| {
            cs.len() >= ctx.options.shared_phone_customers
                && names.len() >= ctx.options.shared_phone_names
        })
        .collect();
    shared.sort_by_key(|(_, (_, _, first))| first.row);
    for (phone, (cs, names, first)) in shared {
        ctx.push(
            FindingKind::SharedPhone,
            SourceSystem::Sg186,
            cont_t,
            &first.customer,
            first.row,
            Some("phone"),
            Some(phone),
            format!(
                "one phone on {} customers under {} names; confirm each customer's own contact",
                cs.len(),
                names.len()
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
