//! Format 2 of the ledger: a c2sp.org/tlog-tiles transparency log in a store (see
//! docs/design/ledger-v2.md for the layout and who owns which module). Records are entries'
//! canonical JSON, bundled 256 to an object; hash tiles and a signed checkpoint commit to
//! them.

pub mod append;
pub mod batch;
pub mod consistent;
pub mod cosigned;
pub mod create;
pub mod end;
pub mod index;
pub mod layout;
pub mod origin;
#[cfg(test)]
mod proof_tests;
pub mod prove;
pub mod publish;
pub mod read;
#[cfg(test)]
pub(crate) mod tests;
pub mod tiles;
pub mod verified;
#[cfg(test)]
mod verified_tests;
pub mod verify;
mod verify_records;
mod verify_since;
#[cfg(test)]
mod verify_tests;
mod verify_tree;
pub mod witnessed;
