//! Format 2 of the ledger: a C2SP tlog-tiles log (see docs/design/ledger-v2.md). Records are
//! entries' canonical JSON, bundled 256 to an object; hash tiles and a signed checkpoint
//! commit to them.

pub mod append;
pub mod create;
pub mod end;
pub mod layout;
pub mod origin;
pub mod pending;
pub mod read;
