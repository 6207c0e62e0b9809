//! The `sbom` gate (under construction).

pub mod config;

pub use config::Config;

use super::{Gate, GateContext, GateResult};

pub const NAME: &str = "sbom";

pub struct SbomGate {
    config: Config,
}

impl SbomGate {
    pub fn new(config: Config) -> Self {
        SbomGate { config }
    }
}

impl Gate for SbomGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    fn evaluate(&self, _ctx: &GateContext<'_>) -> Result<GateResult, String> {
        Err("the sbom gate is under construction".to_owned())
    }
}
