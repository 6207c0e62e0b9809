//! tollgate: a release-promotion gate. Gates examine evidence about a release; the engine
//! turns their reports into a signed promote/block verdict with a provenance record.
#![forbid(unsafe_code)]

pub mod approvals;
pub mod bounded;
pub mod canonical;
pub mod cli;
pub mod commands;
pub mod console;
pub mod cyclonedx;
pub mod digest;
pub mod drills;
pub mod dsse;
pub mod engine;
pub mod explain;
#[doc(hidden)]
pub mod fuzzing;
pub mod gates;
pub mod github;
pub mod init;
pub mod jsonl_log;
pub mod keys;
pub mod ledger;
pub mod logging;
pub mod minisig;
pub mod output;
pub mod policy;
pub mod process;
pub mod provenance;
pub mod redact;
pub mod release;
pub mod release_build;
pub mod render;
pub mod repo;
pub mod report;
pub mod signing;
pub mod smoke;
pub mod snapshots;
pub mod ssh_keys;
pub mod term;
pub mod tlog;
pub mod tls;
pub mod verdict;
pub mod verify;
pub mod vsa;
pub mod witness;
