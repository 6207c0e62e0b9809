//! Ledger format v2: the ledger as a c2sp.org/tlog-tiles transparency log in a store.
//! docs/design/ledger-v2.md describes the layout and who owns which module.

pub mod consistent;
pub mod cosigned;
pub mod index;
pub mod prove;
pub mod tiles;
pub mod witnessed;

#[cfg(test)]
mod proof_tests;
