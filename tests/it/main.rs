//! Integration tests of the gridserve facade (one binary, many modules).

mod queries;
mod reference;
mod reliability;
mod report;
mod roundtrip;
mod scope_props;
mod validation;
mod workflow;
