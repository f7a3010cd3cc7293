//! Integration tests of the gridserve facade (one binary, many modules).

mod queries;
mod reference;
mod roundtrip;
mod scope_props;
mod tariff;
mod validation;
