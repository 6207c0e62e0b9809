//! Fixture crate.
