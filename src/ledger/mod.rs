//! The auditors' ledger: an append-only, tamper-evident record of every verdict, kept in a
//! [`store::Store`] (a local directory or S3-compatible object storage).

pub mod append;
pub mod bundle;
pub mod clock;
pub mod conformance;
pub mod create;
pub mod entry;
pub mod evidence;
pub mod format;
pub mod freeze;
mod freeze_read;
pub mod head;
pub mod history;
pub mod local;
pub mod migrate;
pub mod open;
pub mod ops;
pub mod query;
pub mod record;
pub mod replay;
pub mod revocation;
pub mod rollout;
pub mod s3;
pub mod scan;
pub mod signed;
pub mod store;
pub mod store_check;
pub mod tail;
pub mod timeline;
pub mod v2;
pub mod verify;

pub use entry::EntryId;
pub use open::{DEFAULT_STORE, Mode, open};
