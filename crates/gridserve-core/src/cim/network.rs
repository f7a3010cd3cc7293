//! The network's records from a resolved CIM model.

use super::{CimDevice, CimError, CimModel, CimOptions, DeviceType};
use crate::error_info::excerpt;
use crate::network::records::{
    CustomerRecord, Importance, NetworkData, PointKind, PointRecord, SegmentKind, SegmentRecord,
    SourceRecord, SwitchKind, SwitchRecord, TransformerRecord, TransformerUsage,
};

fn missing(model: &CimModel, d: &CimDevice, attribute: &str) -> CimError {
    CimError::Missing {
        file: model.file.as_str().into(),
        line: d.line,
        element: d.class.as_str().into(),
        id: excerpt(&d.mrid).into(),
        attribute: attribute.into(),
    }
}

fn switch_kind(kind: DeviceType) -> Option<SwitchKind> {
    Some(match kind {
        DeviceType::Breaker => SwitchKind::Breaker,
        DeviceType::Recloser => SwitchKind::Recloser,
        DeviceType::LoadBreakSwitch => SwitchKind::LoadBreakSwitch,
        DeviceType::Disconnector | DeviceType::Jumper | DeviceType::Switch => {
            SwitchKind::Disconnector
        }
        DeviceType::Fuse => SwitchKind::Fuse,
        DeviceType::Sectionalizer => SwitchKind::Sectionalizer,
        DeviceType::Segment
        | DeviceType::Transformer
        | DeviceType::Consumer
        | DeviceType::Source => {
            return None;
        }
    })
}

pub(super) fn to_network_data(
    model: &CimModel,
    options: &CimOptions,
) -> Result<NetworkData, CimError> {
    let mut data = NetworkData {
        points: model
            .nodes
            .iter()
            .map(|n| PointRecord {
                asset: n.asset.clone(),
                kind: PointKind::Junction,
                name: n.name.clone(),
                in_service: true,
            })
            .collect(),
        ..NetworkData::default()
    };
    for d in &model.devices {
        let node_b = || d.node_b.clone().unwrap_or_default();
        match d.kind {
            DeviceType::Segment => data.segments.push(SegmentRecord {
                asset: d.asset.clone(),
                from: d.node_a.clone(),
                to: node_b(),
                kind: SegmentKind::Overhead,
                length_m: d
                    .length_m
                    .or(options.segment_length_m)
                    .ok_or_else(|| missing(model, d, "Conductor.length"))?,
                rated_current_a: None,
                in_service: true,
            }),
            DeviceType::Transformer => data.transformers.push(TransformerRecord {
                asset: d.asset.clone(),
                from: d.node_a.clone(),
                to: node_b(),
                rated_kva: d
                    .rated_kva
                    .ok_or_else(|| missing(model, d, "PowerTransformerEnd.ratedS"))?,
                model: String::new(),
                year_in_service: None,
                usage: TransformerUsage::Public,
                in_service: true,
            }),
            DeviceType::Consumer => data.customers.push(CustomerRecord {
                number: d.asset.clone(),
                name: d.name.clone(),
                point: d.node_a.clone(),
                contracted_kva: 0.0,
                load_kw: d.load_kw.unwrap_or(options.consumer_load_kw),
                importance: Importance::Normal,
                contacts: Vec::new(),
            }),
            DeviceType::Source => data.sources.push(SourceRecord {
                asset: d.asset.clone(),
                point: d.node_a.clone(),
                name: d.name.clone(),
                capacity_kva: d.rated_kva.or(options.source_capacity_kva).ok_or_else(|| {
                    missing(
                        model,
                        d,
                        if d.class == "SynchronousMachine" {
                            "RotatingMachine.ratedS"
                        } else {
                            "ExternalNetworkInjection.maxP"
                        },
                    )
                })?,
                in_service: true,
            }),
            kind => {
                let Some(switch) = switch_kind(kind) else {
                    continue;
                };
                data.switches.push(SwitchRecord {
                    asset: d.asset.clone(),
                    from: d.node_a.clone(),
                    to: node_b(),
                    kind: switch,
                    normally_open: d.normal_open.unwrap_or(false),
                    protective: switch.protective_by_default(),
                    remote: false,
                    in_service: true,
                });
            }
        }
    }
    Ok(data)
}
