//! Smoke runs: start a node from a spec, wait until it is ready, drive it over HTTP,
//! JSON-RPC or commands, restart it and check that its state survived, stop it — and, whatever
//! happens, stop and reap it (see `keeper`). Only loopback is ever contacted.

pub mod assertion;
pub mod client;
mod drive;
pub mod keeper;
mod logcap;
pub mod node;
pub mod problem;
pub mod run;
mod signals;
pub mod spec;
pub mod template;

pub use keeper::KeeperArgs;
pub use problem::Problem;
pub use run::{Report, RunContext, run};
pub use spec::Spec;
