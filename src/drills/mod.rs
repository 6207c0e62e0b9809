//! Operational drills (restore, key rotation, incident simulation, failover, custom): the
//! drill log format, shared by `tollgate drill` and the drills gate.

mod entry;
mod log;

pub use entry::{DrillEntry, DrillResult, ValidEntry, signed_bytes};
pub use log::{LogError, append, read};

/// The drill kinds the design names; any other lower-case kebab-case name is a custom kind.
pub const WELL_KNOWN_KINDS: &[&str] =
    &["restore", "key-rotation", "incident-simulation", "failover"];

/// Whether `kind` is a usable drill kind name: lower-case kebab-case, 1 to 64 characters.
pub fn is_valid_kind(kind: &str) -> bool {
    (1..=64).contains(&kind.len())
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !kind.starts_with('-')
        && !kind.ends_with('-')
}
