//! End-to-end tests of the `tollgate` binary, one module per area.

mod audit;
mod canonical;
mod drills;
mod evaluate;
mod explain;
mod freeze;
mod generate;
mod github;
mod github_hostile;
mod init;
mod integrity;
mod keygen;
mod ledger;
mod ledger_bundle;
mod ledger_replay;
mod plugin;
mod policy;
mod readme;
mod real_deps;
mod report;
mod runner_model;
mod sbom;
mod smoke;
mod terminal;
mod util;
mod verify;
