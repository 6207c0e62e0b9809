//! Ledger format v2: the ledger as a c2sp.org/tlog-tiles transparency log in a store.
//! docs/design/ledger-v2.md describes the layout and who owns which module.

pub mod tiles;
