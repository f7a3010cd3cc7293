//! The outage notice workflow driven by an inference and a FLISR plan, on the hand-built
//! feeders of `feeders` (the inferred device and the plan worked out by hand from the drawing
//! there), and a property over random faults of synthetic tied networks: every affected
//! customer hears of its restoration exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Duration, TimeZone};
use gridserve::network::error::Action;
use gridserve::network::infer::{Evidence, EvidenceKind, InferenceOptions};
use gridserve::network::records::{Contact, ContactRole, NetworkData};
use gridserve::network::restore::{RestorationOptions, Stage};
use gridserve::network::{ElementId, Network, NetworkError, Operation, Topology, Trip};
use gridserve::ports::memory::MemoryStore;
use gridserve::ports::{EventStore, NewEvent, Timestamp, china_offset};
use gridserve::synth::{SplitMix64, SynthConfig, generate};
use gridserve::workflow::outage::{
    CitedEvidence, OutageCommand, OutageEvent, OutagePlanStep, OutageState, OutageStatus,
    OutageWorkflow,
};
use gridserve::workflow::{Actor, Desk, Role, SystemGrant, Workflow, WorkflowError};

use crate::feeders::three_feeders;

use EvidenceKind::*;

/// The three feeders, every customer with one electrician at level 1 (SMS to the phone).
fn data() -> NetworkData {
    let mut d = three_feeders();
    for (i, c) in d.customers.iter_mut().enumerate() {
        c.contacts = vec![Contact {
            name: format!("电工{i}"),
            phone: format!("1390000000{i}"),
            role: ContactRole::Electrician,
            level: 1,
        }];
    }
    d
}

fn t0() -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .unwrap()
}

fn dispatcher() -> Actor {
    Actor::new("disp-1", [Role::Dispatcher])
}

fn system() -> Actor {
    Actor::system(&SystemGrant::host())
}

/// The evidence of the LA2 fault: AMI power-off from A2 and A4, a call from A6, a power-on
/// reading from A7 (a meter that did not see the outage), the DA trip of CBA, and a power-on
/// reading from B2 on the healthy feeder B.
fn evidence() -> Vec<Evidence> {
    vec![
        Evidence::customer(PowerOff, "C-A2"),
        Evidence::customer(PowerOff, "C-A4"),
        Evidence::customer(Call, "C-A6"),
        Evidence::customer(PowerOn, "C-A7"),
        Evidence::asset(Trip, "CBA"),
        Evidence::customer(PowerOn, "C-B2"),
    ]
}

/// `customer → [(template, stream version)]` of every notice queued for the outage.
fn notices(store: &MemoryStore) -> BTreeMap<String, Vec<(String, u64)>> {
    let mut out: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for e in store.entries() {
        let m = &e.message;
        out.entry(m.customer.clone().unwrap_or_default())
            .or_default()
            .push((m.template.clone(), m.stream_version));
    }
    out
}

fn templates_of(store: &MemoryStore, customer: &str) -> Vec<String> {
    notices(store)
        .get(customer)
        .map(|v| v.iter().map(|(t, _)| t.clone()).collect())
        .unwrap_or_default()
}

/// The outage traced from the inference and given the plan of the LA2 fault, at version 4
/// (detect, trace, dispatch, attach).
fn traced_with_plan(desk: &Desk, topo: &Topology, store: &mut MemoryStore) {
    let e = &desk.outages;
    let net = topo.network();
    let ev = evidence();
    let inf = topo.infer(&ev, &InferenceOptions::default()).unwrap();
    e.execute(
        store,
        "O1",
        Some(0),
        &OutageCommand::Detect {
            area: "城关镇东街".into(),
            element: "CBA".into(),
            cause: "线路故障".into(),
        },
        &dispatcher(),
        t0(),
    )
    .unwrap();
    let trace = OutageCommand::trace_inferred(topo, &inf.outages[0], &ev, None).unwrap();
    e.execute(store, "O1", Some(1), &trace, &system(), t0())
        .unwrap();
    e.execute(
        store,
        "O1",
        Some(2),
        &OutageCommand::Dispatch {
            crew: "抢修一班".into(),
            etr: Some(t0() + Duration::hours(4)),
        },
        &dispatcher(),
        t0(),
    )
    .unwrap();
    let plan = topo
        .restoration_plan(net.element("LA2").unwrap(), &RestorationOptions::default())
        .unwrap();
    let attach = OutageCommand::attach_plan(topo, &plan).unwrap();
    e.execute(store, "O1", Some(3), &attach, &dispatcher(), t0())
        .unwrap();
}

#[test]
fn inferred_outage_restored_step_by_step_notifies_each_customer_once() {
    let net = Arc::new(Network::from_data(&data()).unwrap());
    let topo = Topology::normal(net.clone());
    let desk = Desk::new(net.clone());
    let e = &desk.outages;
    let mut s = MemoryStore::new();

    // The inference: the DA trip names CBA, so every power-off unit below it (A2, A4, A6:
    // k = 3) is its evidence with the trip itself (items 0, 1, 2, 4); the power-on reading of
    // A7 lies below CBA (j = 1) and contradicts it; B2's is on feeder B and is not used.
    // Confidence = 1 (a trip) × k / (k + j) = 3 / 4 = 0.75.
    let ev = evidence();
    let inf = topo.infer(&ev, &InferenceOptions::default()).unwrap();
    assert_eq!(inf.outages.len(), 1);
    let o = &inf.outages[0];
    assert_eq!(o.device, Trip::Switch(net.line_id("CBA").unwrap()));
    assert_eq!(o.evidence, [0, 1, 2, 4]);
    assert_eq!(inf.contradicting, [3]);
    assert_eq!(o.confidence, 0.75);

    // Tracing it: below CBA are A2, A4, A6, A7 (4 customers, all of normal importance, so
    // listed by number); CBA is the tripped device; the evidence cited is recorded.
    let trace = OutageCommand::trace_inferred(&topo, o, &ev, None).unwrap();
    let OutageCommand::TraceScope {
        customers,
        tripped,
        inferred: Some(inferred),
        ..
    } = &trace
    else {
        panic!("{trace:?}");
    };
    assert_eq!(customers, &["C-A2", "C-A4", "C-A6", "C-A7"]);
    assert_eq!(tripped, &["CBA"]);
    assert_eq!(inferred.device, "CBA");
    assert_eq!((inferred.reports_off, inferred.reports_on), (3, 1));
    assert!(inferred.tripped);
    assert_eq!(
        inferred.evidence[3],
        CitedEvidence {
            index: 4,
            kind: Trip,
            customer: None,
            asset: Some("CBA".into()),
        }
    );

    // The plan of the fault on LA2 (worked out in `flisr`): open S1, S2, F4 (isolate), close
    // CBA (A2 back), close T1 (the tail A5–A6 from SB: A6 back). Still out: A4 in the faulted
    // section and A7 behind F4.
    let plan = topo
        .restoration_plan(net.element("LA2").unwrap(), &RestorationOptions::default())
        .unwrap();
    let OutageCommand::AttachPlan { steps } = OutageCommand::attach_plan(&topo, &plan).unwrap()
    else {
        panic!()
    };
    let brief: Vec<(&str, Action, Stage, Vec<&str>)> = steps
        .iter()
        .map(|x| {
            (
                x.device.as_str(),
                x.action,
                x.stage,
                x.customers.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    use Action::{Close, Open};
    assert_eq!(
        brief,
        [
            ("S1", Open, Stage::Isolate, vec![]),
            ("S2", Open, Stage::Isolate, vec![]),
            ("F4", Open, Stage::Isolate, vec![]),
            ("CBA", Close, Stage::Upstream, vec!["C-A2"]),
            ("T1", Close, Stage::Transfer, vec!["C-A6"]),
        ]
    );
    assert_eq!(
        (steps[3].load_restored_kw, steps[4].load_restored_kw),
        (100.0, 150.0)
    );

    traced_with_plan(&desk, &topo, &mut s);
    // Traced (v2): 4 detected notices; dispatched (v3): 4 progress; attached (v4): none.
    assert_eq!(s.outbox_len(), 8);
    let done = |s: &mut MemoryStore, step: usize, at: Timestamp| {
        e.execute(
            s,
            "O1",
            None,
            &OutageCommand::CompleteStep { step },
            &dispatcher(),
            at,
        )
        .unwrap()
    };
    // Steps 1–3 restore nobody: no notice.
    for k in 1..=3 {
        assert_eq!(done(&mut s, k, t0()).appended.enqueued, 0);
    }
    // Step 4 (v8) brings A2 back: one restored notice, to A2 only.
    let at4 = t0() + Duration::minutes(5);
    let x = done(&mut s, 4, at4);
    assert_eq!(x.appended.enqueued, 1);
    let st = e.load(&s, "O1").unwrap().state;
    assert_eq!(st.restored_by("C-A2"), Some(4));
    assert_eq!(st.status, OutageStatus::CrewDispatched);
    let text = s.entries().last().unwrap().message.text.clone().unwrap();
    assert!(
        text.contains("城关镇东街已于2026年3月2日 10:05由其他线路恢复供电"),
        "{text}"
    );
    // A new estimate (v9): progress to the three still out.
    let x = e
        .execute(
            &mut s,
            "O1",
            None,
            &OutageCommand::UpdateEtr {
                etr: t0() + Duration::hours(6),
            },
            &dispatcher(),
            at4,
        )
        .unwrap();
    assert_eq!(x.appended.enqueued, 3);
    // Step 5 (v10) brings A6 back; the fault is located (v11) and repaired (v12): progress
    // to A4 and A7 only; the restoration (v13) notifies A4 and A7 only.
    assert_eq!(done(&mut s, 5, at4).appended.enqueued, 1);
    for c in [
        OutageCommand::Locate {
            location: "LA2".into(),
            evidence: vec![],
            etr: None,
        },
        OutageCommand::StartRepair { etr: None },
    ] {
        let x = e
            .execute(&mut s, "O1", None, &c, &dispatcher(), at4)
            .unwrap();
        assert_eq!(x.appended.enqueued, 2);
    }
    let x = e
        .execute(
            &mut s,
            "O1",
            None,
            &OutageCommand::Restore,
            &dispatcher(),
            t0() + Duration::hours(3),
        )
        .unwrap();
    assert_eq!(x.version, 13);
    assert_eq!(x.appended.enqueued, 2);

    // Per customer, in order: A2 and A6 heard of the outage and its progress until their step,
    // then exactly one restored notice and nothing more; A4 and A7 heard every stage and the
    // final restoration.
    let d = "outage.detected";
    let p = "outage.progress";
    let by_switching = "outage.restored_by_switching";
    assert_eq!(templates_of(&s, "C-A2"), [d, p, by_switching]);
    // A6 was still out when the estimate moved (v9), and brought back by step 5 (v10).
    assert_eq!(templates_of(&s, "C-A6"), [d, p, p, by_switching]);
    let versions: Vec<u64> = notices(&s)["C-A6"].iter().map(|x| x.1).collect();
    assert_eq!(versions, [2, 3, 9, 10]);
    for c in ["C-A4", "C-A7"] {
        assert_eq!(
            templates_of(&s, c),
            [d, p, p, p, p, "outage.restored"],
            "{c}"
        );
    }
    assert!(templates_of(&s, "C-B2").is_empty());

    // The state per customer: A2 by step 4, A6 by step 5, the others by the restoration.
    let st = e.load(&s, "O1").unwrap().state;
    assert_eq!(
        st.restored_by_step,
        BTreeMap::from([("C-A2".to_owned(), 4), ("C-A6".to_owned(), 5)])
    );
    assert_eq!(st.steps_done, 5);
    assert_eq!(st.customers_out().count(), 0);
    assert_eq!(st.inferred.as_ref().unwrap().confidence, 0.75);
    // Replay: folding the stored events again gives the same state.
    let folded = e
        .events(&s, "O1")
        .unwrap()
        .iter()
        .fold(OutageWorkflow::initial("O1"), OutageWorkflow::apply);
    assert_eq!(folded, st);
    // The still-out follow-up goes to every affected customer, as before.
    desk.tick(&mut s, t0() + Duration::hours(4)).unwrap();
    let follow: BTreeSet<String> = s
        .entries()
        .iter()
        .filter(|x| x.message.template == "outage.still_out")
        .filter_map(|x| x.message.customer.clone())
        .collect();
    assert_eq!(follow.len(), 4);
}

#[test]
fn every_refusal_is_typed_and_writes_nothing() {
    let net = Arc::new(Network::from_data(&data()).unwrap());
    let topo = Topology::normal(net.clone());
    let desk = Desk::new(net.clone());
    let e = &desk.outages;
    let mut s = MemoryStore::new();
    let ev = evidence();
    let inf = topo.infer(&ev, &InferenceOptions::default()).unwrap();
    e.execute(
        &mut s,
        "O1",
        Some(0),
        &OutageCommand::Detect {
            area: "城关镇东街".into(),
            element: "CBA".into(),
            cause: String::new(),
        },
        &dispatcher(),
        t0(),
    )
    .unwrap();
    // Before tracing: attaching a plan or completing a step is in the wrong state.
    let attach_cmd = |steps: Vec<OutagePlanStep>| OutageCommand::AttachPlan { steps };
    let step = |device: &str, customers: &[&str]| OutagePlanStep {
        device: device.into(),
        action: Action::Close,
        stage: Stage::Transfer,
        remote: true,
        customers: customers.iter().map(|c| (*c).to_owned()).collect(),
        load_restored_kw: 10.0,
    };
    let refused = |s: &mut MemoryStore, c: &OutageCommand, actor: &Actor| {
        let before = (e.load(s, "O1").unwrap().version, s.outbox_len());
        let err = e.execute(s, "O1", None, c, actor, t0()).unwrap_err();
        assert_eq!(
            (e.load(s, "O1").unwrap().version, s.outbox_len()),
            before,
            "a refusal wrote something: {err}"
        );
        err
    };
    let err = refused(&mut s, &attach_cmd(vec![step("T1", &[])]), &dispatcher());
    assert!(
        matches!(err, WorkflowError::WrongState { ref command, .. } if command == "attach_plan"),
        "{err}"
    );
    let err = refused(
        &mut s,
        &OutageCommand::CompleteStep { step: 1 },
        &dispatcher(),
    );
    assert!(matches!(err, WorkflowError::WrongState { .. }), "{err}");

    let trace = OutageCommand::trace_inferred(&topo, &inf.outages[0], &ev, None).unwrap();
    e.execute(&mut s, "O1", None, &trace, &system(), t0())
        .unwrap();
    // A confidence outside [0, 1] in a hand-made trace is refused (on another outage).
    let mut bad = trace.clone();
    if let OutageCommand::TraceScope {
        inferred: Some(i), ..
    } = &mut bad
    {
        i.confidence = 1.5;
    }
    e.execute(
        &mut s,
        "O2",
        Some(0),
        &OutageCommand::Detect {
            area: "城关镇东街".into(),
            element: "CBA".into(),
            cause: String::new(),
        },
        &dispatcher(),
        t0(),
    )
    .unwrap();
    let err = e
        .execute(&mut s, "O2", Some(1), &bad, &system(), t0())
        .unwrap_err();
    assert!(
        matches!(err, WorkflowError::Invalid { ref field, .. } if field == "inferred.confidence"),
        "{err}"
    );

    let invalid = |err: WorkflowError| match err {
        WorkflowError::Invalid {
            field,
            value,
            reason,
            ..
        } => (field, value, reason),
        other => panic!("{other}"),
    };
    // No plan yet.
    let (field, value, reason) = invalid(refused(
        &mut s,
        &OutageCommand::CompleteStep { step: 1 },
        &dispatcher(),
    ));
    assert_eq!(
        (field.as_str(), value.as_str(), reason.as_str()),
        ("step", "1", "no restoration plan is attached")
    );
    // A plan step bringing back B2, not an affected customer: refused naming it.
    let (field, value, reason) = invalid(refused(
        &mut s,
        &attach_cmd(vec![step("CBA", &["C-A2"]), step("T1", &["C-A6", "C-B2"])]),
        &dispatcher(),
    ));
    assert_eq!(
        (field.as_str(), value.as_str(), reason.as_str()),
        (
            "steps[1].customers",
            "C-B2",
            "not an affected customer of this outage"
        )
    );
    // A customer in two steps, an empty plan, an unknown device, a negative load.
    let (field, value, _) = invalid(refused(
        &mut s,
        &attach_cmd(vec![step("CBA", &["C-A2"]), step("T1", &["C-A2"])]),
        &dispatcher(),
    ));
    assert_eq!(
        (field.as_str(), value.as_str()),
        ("steps[1].customers", "C-A2")
    );
    let (field, ..) = invalid(refused(&mut s, &attach_cmd(vec![]), &dispatcher()));
    assert_eq!(field, "steps");
    let err = refused(&mut s, &attach_cmd(vec![step("T9", &[])]), &dispatcher());
    assert!(
        matches!(err, WorkflowError::UnknownDevice { ref asset } if asset == "T9"),
        "{err}"
    );
    let mut negative = step("T1", &[]);
    negative.load_restored_kw = -1.0;
    let (field, ..) = invalid(refused(&mut s, &attach_cmd(vec![negative]), &dispatcher()));
    assert_eq!(field, "steps[0].load_restored_kw");
    // A customer may not attach plans or complete steps.
    let customer = Actor::customer("c-a2", "C-A2");
    let err = refused(&mut s, &attach_cmd(vec![step("T1", &[])]), &customer);
    assert!(matches!(err, WorkflowError::Forbidden { .. }), "{err}");

    // The real plan: 5 steps.
    let plan = topo
        .restoration_plan(net.element("LA2").unwrap(), &RestorationOptions::default())
        .unwrap();
    let attach = OutageCommand::attach_plan(&topo, &plan).unwrap();
    e.execute(&mut s, "O1", None, &attach, &dispatcher(), t0())
        .unwrap();
    let step_refusal = |s: &mut MemoryStore, n: usize| {
        let (field, value, reason) = invalid(refused(
            s,
            &OutageCommand::CompleteStep { step: n },
            &dispatcher(),
        ));
        assert_eq!((field.as_str(), value), ("step", n.to_string()));
        reason
    };
    assert_eq!(
        step_refusal(&mut s, 0),
        "no such step: the plan has 5 steps"
    );
    assert_eq!(
        step_refusal(&mut s, 6),
        "no such step: the plan has 5 steps"
    );
    assert_eq!(step_refusal(&mut s, 2), "out of order: step 1 comes first");
    e.execute(
        &mut s,
        "O1",
        None,
        &OutageCommand::CompleteStep { step: 1 },
        &dispatcher(),
        t0(),
    )
    .unwrap();
    assert_eq!(step_refusal(&mut s, 1), "the step is already done");
    // Once a step is done the plan can no longer be replaced.
    let (field, _, reason) = invalid(refused(&mut s, &attach, &dispatcher()));
    assert_eq!(field, "steps");
    assert!(reason.contains("can no longer be replaced"), "{reason}");
    // After the restoration no step can be done.
    e.execute(
        &mut s,
        "O1",
        None,
        &OutageCommand::Restore,
        &dispatcher(),
        t0(),
    )
    .unwrap();
    let err = refused(
        &mut s,
        &OutageCommand::CompleteStep { step: 2 },
        &dispatcher(),
    );
    assert!(
        matches!(err, WorkflowError::WrongState { ref state, .. } if state == "restored"),
        "{err}"
    );
    // The error's message names the stream, command and state.
    assert_eq!(
        err.to_string(),
        "complete_step is not possible on outage/O1 in state restored"
    );
}

#[test]
fn constructors_refuse_a_changed_topology_and_missing_evidence() {
    let net = Arc::new(Network::from_data(&data()).unwrap());
    let mut topo = Topology::normal(net.clone());
    let ev = evidence();
    let inf = topo.infer(&ev, &InferenceOptions::default()).unwrap();
    let plan = topo
        .restoration_plan(net.element("LA2").unwrap(), &RestorationOptions::default())
        .unwrap();
    // Fewer evidence items than the inference cites (it cites item 4).
    let err = OutageCommand::trace_inferred(&topo, &inf.outages[0], &ev[..3], None).unwrap_err();
    assert!(
        matches!(err, NetworkError::InvalidEvidence { index: 4, .. }),
        "{err}"
    );
    // The DA trip applied to the live topology: the inference and the plan were made against
    // the state before it, so neither is read from the changed topology.
    topo.apply(&[Operation::open(net.line_id("CBA").unwrap())])
        .unwrap();
    let err = OutageCommand::trace_inferred(&topo, &inf.outages[0], &ev, None).unwrap_err();
    assert!(matches!(err, NetworkError::StaleScope { .. }), "{err}");
    let err = OutageCommand::attach_plan(&topo, &plan).unwrap_err();
    assert!(matches!(err, NetworkError::StaleScope { .. }), "{err}");
}

#[test]
fn old_logs_without_the_new_events_still_load() {
    // A stream written before inferences and plans were recorded: its scope event has no
    // `inferred` field. It loads, with no inference, no plan, and every customer still out.
    let net = Arc::new(Network::from_data(&data()).unwrap());
    let desk = Desk::new(net);
    let mut s = MemoryStore::new();
    let raw = |t: &str, json: &str| NewEvent {
        event_type: format!("outage.{t}"),
        payload_json: json.to_owned(),
        actor: "disp-1".into(),
        at: t0(),
    };
    s.append(
        "outage/OLD",
        0,
        &[
            raw(
                "detected",
                r#"{"type":"detected","area":"城关镇东街","element":"LA2","cause":"故障"}"#,
            ),
            raw(
                "scope_traced",
                r#"{"type":"scope_traced","customers":["C-A2","C-A4"],"tripped":["CBA"],"etr":null}"#,
            ),
        ],
        &[],
    )
    .unwrap();
    let st: OutageState = desk.outages.load(&s, "OLD").unwrap().state;
    assert_eq!(st.status, OutageStatus::ScopeTraced);
    assert!(st.inferred.is_none() && st.plan.is_empty());
    assert_eq!(st.customers_out().count(), 2);
    // And it goes on: a progress notice reaches both.
    let x = desk
        .outages
        .execute(
            &mut s,
            "OLD",
            Some(2),
            &OutageCommand::Dispatch {
                crew: "抢修一班".into(),
                etr: None,
            },
            &dispatcher(),
            t0(),
        )
        .unwrap();
    assert_eq!(x.appended.enqueued, 2);
    // The new events serialise with their tags.
    let e = OutageEvent::StepCompleted {
        step: 4,
        customers: vec!["C-A2".into()],
    };
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"type":"step_completed","step":4,"customers":["C-A2"]}"#
    );
}

#[test]
fn random_faults_every_affected_customer_hears_of_its_restoration_once() {
    // On tied synthetic networks, for random segment faults: trace the fault, attach its plan,
    // complete every step, restore. Folding the events and asking the workflow which notices
    // each causes (independent of contacts): every affected customer gets exactly one
    // restored notice (by a step or by the restoration), customers a step brought back get no
    // later progress or restored notice, and the customers the plan brings back are exactly
    // those the plan counts.
    let data = generate(&SynthConfig {
        tie_fraction: 1.0,
        ..SynthConfig::with_points(2_000, 11)
    });
    let net = Arc::new(Network::from_data(&data).unwrap());
    let topo = Topology::normal(net.clone());
    let desk = Desk::new(net.clone());
    let e = &desk.outages;
    let segments: Vec<_> = net
        .line_ids()
        .filter(|&l| matches!(net.line(l).kind, gridserve::network::LineKind::Segment(_)))
        .collect();
    let mut rng = SplitMix64::new(11);
    let mut s = MemoryStore::new();
    let mut by_steps = 0;
    for i in 0..60 {
        let l = segments[rng.below(segments.len())];
        let fault = topo.fault(ElementId::Line(l)).unwrap();
        if fault.scope.summary().customers == 0 {
            continue;
        }
        let id = format!("R{i}");
        let run = |s: &mut MemoryStore, c: &OutageCommand| {
            e.execute(s, &id, None, c, &dispatcher(), t0()).unwrap()
        };
        run(
            &mut s,
            &OutageCommand::Detect {
                area: "某区域".into(),
                element: net.line_asset(l).into(),
                cause: String::new(),
            },
        );
        run(
            &mut s,
            &OutageCommand::trace_fault(&topo, &fault, None).unwrap(),
        );
        let plan = topo
            .restoration_plan(ElementId::Line(l), &RestorationOptions::default())
            .unwrap();
        let OutageCommand::AttachPlan { steps } = OutageCommand::attach_plan(&topo, &plan).unwrap()
        else {
            panic!()
        };
        for (k, (x, p)) in steps.iter().zip(&plan.steps).enumerate() {
            assert_eq!(
                x.customers.len(),
                p.customers_restored,
                "{id} step {}",
                k + 1
            );
        }
        run(
            &mut s,
            &OutageCommand::AttachPlan {
                steps: steps.clone(),
            },
        );
        for k in 1..=steps.len() {
            run(&mut s, &OutageCommand::CompleteStep { step: k });
            if k == 1 {
                run(
                    &mut s,
                    &OutageCommand::UpdateEtr {
                        etr: t0() + Duration::hours(2),
                    },
                );
            }
        }
        run(&mut s, &OutageCommand::Restore);
        // Fold and collect the notice requests of every event.
        let mut st = OutageWorkflow::initial(&id);
        let mut restored: BTreeMap<String, usize> = BTreeMap::new();
        let mut after_back: Vec<String> = Vec::new();
        for ev in e.events(&s, &id).unwrap() {
            for n in e.workflow.notices(&st, &ev, t0()) {
                let c = n.audience.customer;
                if n.template.starts_with("outage.restored") {
                    *restored.entry(c.clone()).or_default() += 1;
                }
                if n.template == "outage.progress" && st.restored_by(&c).is_some() {
                    after_back.push(c);
                }
            }
            st = OutageWorkflow::apply(st, &ev);
        }
        by_steps += st.restored_by_step.len();
        let affected: BTreeSet<&String> = st.customers.iter().collect();
        assert_eq!(affected.len(), plan.customers_out, "{id}");
        assert_eq!(restored.keys().collect::<BTreeSet<_>>(), affected, "{id}");
        assert!(restored.values().all(|&n| n == 1), "{id}: {restored:?}");
        assert!(after_back.is_empty(), "{id}: {after_back:?}");
        assert_eq!(
            st.restored_by_step.len(),
            plan.customers_out - plan.customers_remaining,
            "{id}"
        );
    }
    // The cases exercise restoration by steps, not only the final restoration.
    eprintln!("{by_steps} customers brought back by plan steps");
    assert!(
        by_steps >= 20,
        "{by_steps} customers brought back by plan steps"
    );
}
