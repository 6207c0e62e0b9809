//! What `tollgate init` writes for [gates.health]: a template pointing at the shipped node
//! SLO rules (the Prometheus address and metric names are the operator's), offered for
//! testnet and mainnet.

use crate::init::{Facts, Section};
use crate::policy::Environment;

/// The commented-out table, or `None` on regtest.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    if f.environment == Environment::Regtest {
        return None;
    }
    Some(Section {
        about: vec![
            "Live health from Prometheus (docs/gates/health.md; the seeds' SLO rules are in gates/health/node-slo.toml); uncomment with your Prometheus and copy the checks you need.".to_owned(),
        ],
        lines: vec![
            "required = true".to_owned(),
            "prometheus_env = \"TOLLGATE_PROMETHEUS_URL\"".to_owned(),
            "checks = [{ name = \"uptime over 30 days\", query = 'avg_over_time(up{job=\"node\"}[30d])', expect = \">= 0.995\", min_series = 3 }]".to_owned(),
        ],
        template: true,
    })
}
