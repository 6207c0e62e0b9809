//! End-to-end tests of the `tollgate` binary, one module per area.

mod audit;
mod drills;
mod evaluate;
mod explain;
mod generate;
mod github;
mod init;
mod keygen;
mod ledger;
mod ledger_bundle;
mod ledger_replay;
mod plugin;
mod policy;
mod readme;
mod real_deps;
mod report;
mod sbom;
mod smoke;
mod spawn;
mod terminal;
mod util;
mod verify;
