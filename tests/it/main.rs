//! Integration tests of the gridserve facade (one binary, many modules).

mod queries;
mod reference;
mod scope_props;
mod validation;
