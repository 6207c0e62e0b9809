//! Plugin gates (`[[gates.plugin]]`): any executable becomes a gate. Tollgate writes a JSON
//! request to its stdin, reads a JSON report from its stdout, and treats anything else (a
//! non-zero exit, no or invalid JSON, another protocol version, a timeout) as "could not
//! evaluate", which blocks. The protocol is in docs/plugins.md.

pub mod config;
pub mod protocol;
pub(crate) mod response;
mod run;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::report::Finding;

/// The table name in policies (`[[gates.plugin]]`); each plugin gate reports under its own
/// `name`.
pub const NAME: &str = "plugin";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "[[gates.plugin]]: any executable, JSON request on stdin, JSON report on stdout (docs/plugins.md); each runs as a gate of its own name";

pub struct PluginGate {
    config: Config,
}

impl PluginGate {
    pub fn new(config: Config) -> Self {
        PluginGate { config }
    }
}

impl Gate for PluginGate {
    fn name(&self) -> &str {
        &self.config.name
    }

    fn required(&self) -> bool {
        self.config.required
    }

    /// A plugin's `timeout` bounds its run and is its gate's deadline.
    fn timeout(&self) -> std::time::Duration {
        self.config.timeout
    }

    fn evaluate(&self, ctx: &GateContext<'_>) -> Result<GateResult, String> {
        let mut out = GateResult::default();
        let ran = run::run(&self.config, ctx, &mut out.evidence)?;
        let valid = response::parse(&ran.stdout, &self.config.name)
            .map_err(|e| format!("{}: {e}{}", self.describe(), ran.stderr_note))?;
        out.evidence
            .extend(run::evidence(&valid.evidence, ctx, &self.config)?);
        out.findings = valid.findings;
        if ran.left_processes {
            out.findings.push(
                Finding::warning(
                    "plugin.left-processes",
                    format!(
                        "plugin `{}` exited but left processes running in its process group; they were stopped",
                        self.config.name
                    ),
                )
                .subject(&self.config.name)
                .hint("make the plugin wait for what it starts"),
            );
        }
        Ok(out)
    }
}

impl PluginGate {
    /// "plugin `NAME` (POLICY:LINE)", which sends the reader to the table.
    fn describe(&self) -> String {
        describe(&self.config)
    }
}

fn describe(config: &Config) -> String {
    format!(
        "plugin `{}` ({}:{})",
        config.name,
        config.policy.display(),
        config.line
    )
}

#[cfg(test)]
mod tests;
