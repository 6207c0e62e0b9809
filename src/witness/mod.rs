//! Witnesses of the ledger's transparency log: the keys a reader trusts to cosign
//! checkpoints (and how many must), and a witness's own state (what it cosigned last).

pub mod keys;
pub mod state;

pub use keys::{WitnessKey, Witnesses};
pub use state::{Seen, State};
