//! The health gate's configuration and its handling of answers, against tiny loopback
//! servers (the real Prometheus runs in tests/cli/health.rs).

use super::*;
use crate::policy::{self, Policy};

fn policy(table: &str) -> Result<Policy, String> {
    let dir = std::env::temp_dir();
    policy::parse(
        &dir.join("policy.toml"),
        &format!("environment = \"testnet\"\n{table}\n"),
    )
    .map_err(|e| e.to_string())
}

#[test]
fn configuration_is_checked_up_front() {
    let ok = policy(
        r#"[gates.health]
prometheus = "http://127.0.0.1:9090"
soak = "72h"
[[gates.health.checks]]
name = "up"
query = 'min_over_time(up{job="node",env="{environment}"}[{soak}])'
expect = ">= 1"
"#,
    )
    .unwrap();
    let config = ok.gates.health.unwrap();
    assert_eq!(config.checks[0].min_series, 1);
    assert_eq!(config.soak, Some(Duration::from_secs(72 * 3600)));
    for (table, why) in [
        (
            "[gates.health]\nprometheus = \"http://x\"\n",
            "no check and no endpoint",
        ),
        (
            "[gates.health]\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\n",
            "no Prometheus",
        ),
        (
            "[gates.health]\nprometheus = \"http://u:p@x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\n",
            "credentials",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up[{soak}]\"\nexpect = \">= 1\"\n",
            "sets no `soak`",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up{nope}\"\nexpect = \">= 1\"\n",
            "unknown placeholder",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \"1\"\n",
            "`expect`",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\nmin_series = 0\n",
            "min_series",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\nbearer_env = \"not a name\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\n",
            "not an environment variable name",
        ),
        (
            "[gates.health]\n[[gates.health.endpoints]]\nname = \"seed\"\nurl = \"http://x/health\"\nassertions = [\"/x >= {later}\"]\n",
            "unknown placeholder",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\nsurprise = 1\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\n",
            "surprise",
        ),
    ] {
        let err = policy(table).unwrap_err();
        assert!(err.contains(why), "{table}\n=> {err}");
    }
}

#[test]
fn durations_read_as_promql() {
    assert_eq!(prom_duration(Duration::from_secs(72 * 3600)), "3d");
    assert_eq!(prom_duration(Duration::from_secs(5400)), "1h30m");
    assert_eq!(prom_duration(Duration::from_secs(90)), "1m30s");
}
