//! The `real_deps` gate (under construction).

pub mod config;

pub use config::Config;

use super::{Gate, GateContext, GateResult};

pub const NAME: &str = "real_deps";

pub struct RealDepsGate {
    config: Config,
}

impl RealDepsGate {
    pub fn new(config: Config) -> Self {
        RealDepsGate { config }
    }
}

impl Gate for RealDepsGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    fn evaluate(&self, _ctx: &GateContext<'_>) -> Result<GateResult, String> {
        Err("the real_deps gate is under construction".to_owned())
    }
}
