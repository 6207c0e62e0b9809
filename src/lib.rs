//! tollgate: a release-promotion gate. Gates examine evidence about a release; the engine
//! turns their reports into a signed promote/block verdict with a provenance record.
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod cyclonedx;
pub mod digest;
pub mod engine;
pub mod gates;
pub mod keys;
pub mod logging;
pub mod output;
pub mod policy;
pub mod provenance;
pub mod release;
pub mod release_build;
pub mod render;
pub mod repo;
pub mod report;
pub mod signing;
pub mod verdict;
pub mod verify;
