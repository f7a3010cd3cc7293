//! Integration tests of the gridserve facade (one binary, many modules).

mod advice;
mod capacity;
mod cim;
mod feeders;
mod flisr;
mod infer;
mod integrate;
mod meshed;
mod outage_plan;
#[cfg(all(feature = "sqlite", feature = "webhook"))]
mod outbox;
mod predict;
mod queries;
#[cfg(feature = "sqlite")]
mod quickstart;
mod reliability;
mod report;
mod report_push;
mod roundtrip;
mod scope_props;
mod scoring;
mod staff;
mod tariff;
mod validation;
mod workflow;
