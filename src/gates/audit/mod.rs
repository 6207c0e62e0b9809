//! The `audit` gate (under construction).

pub mod config;

pub use config::Config;

use super::{Gate, GateContext, GateResult};

pub const NAME: &str = "audit";

pub struct AuditGate {
    config: Config,
}

impl AuditGate {
    pub fn new(config: Config) -> Self {
        AuditGate { config }
    }
}

impl Gate for AuditGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    fn evaluate(&self, _ctx: &GateContext<'_>) -> Result<GateResult, String> {
        Err("the audit gate is under construction".to_owned())
    }
}
