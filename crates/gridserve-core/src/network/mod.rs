//! The point-line network model and outage scope.
//!
//! - [`records`]: the plain records a network is exchanged as (JSON via serde, CSV via [`io`]).
//! - [`Network`]: the validated, immutable model, keyed by asset number, with dense ids.
//! - [`NetworkState`]: switch positions and faulted / out-of-service elements, cheap to copy.
//! - [`Topology`]: the compiled index of a network in one state; answers energized sets, the
//!   scope of any set of operations, faults, planned outages and switch exposure.
//! - [`capacity`]: loading of sources and rated lines against their capacities.
//! - [`infer`]: outage inference from AMI, DA and call evidence.
//! - [`restore`]: FLISR switching plans (isolate, re-close, transfer through ties).
//! - [`predict`]: expected SAIFI, SAIDI and ENS per feeder, with and without FLISR.
//! - [`busbranch`]: the mapping from a bus-branch model with element switches (pandapower's) to
//!   the point-line records, and back.
//!
//! The seeded generator of realistic 10 kV networks for tests, examples and benches is the crate
//! `gridserve-synth` (`gridserve::synth` in the facade).

pub mod busbranch;
pub mod capacity;
pub mod error;
pub mod infer;
pub mod io;
mod model;
pub mod predict;
pub mod records;
pub mod restore;
mod scope;
mod state;
mod text;
mod topology;

pub use busbranch::{BusBranch, BusBranchMap, BusBranchOptions};
pub use error::{Action, NetworkError, Problem, ProblemKind, Problems, RecordKind, Refusal};
pub use model::{
    ContactRef, CustomerId, CustomerRef, ElementId, Line, LineId, LineKind, Network, Point,
    PointId, Segment, Source, SourceId, Switch, Transformer, ValidationOptions,
};
pub use scope::{
    AffectedCustomer, Boundary, BoundaryDevice, Scope, ScopeReport, ScopeSummary, Trip,
};
pub use state::{Condition, NetworkState, Operation};
pub use topology::{
    Applied, Exposure, ExposureKind, FaultOutcome, PlannedOutage, Topology, UnsuppliedBatch,
};
