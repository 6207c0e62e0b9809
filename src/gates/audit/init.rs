//! What `tollgate init` writes for [gates.audit], from what it detected.

use crate::init::{Facts, Section, list};
use crate::policy::Environment;

/// The table, or `None` when nothing was detected for it.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    if f.found.audit_reports.is_empty() {
        return f.found.cargo_lock.then(|| Section {
            about: vec![
                "No audit report in the release: cargo-audit runs against Cargo.lock at evaluation time (it must be installed; ship reports with `reports = [...]` instead).".to_owned(),
            ],
            lines: vec![
                "required = true".to_owned(),
                "run = true".to_owned(),
                format!("threshold = \"{}\"", threshold(f.environment)),
                "unknown_severity = \"high\"".to_owned(),
            ],
            template: false,
        });
    }
    let names: Vec<String> = f
        .found
        .audit_reports
        .iter()
        .map(|r| r.name.clone())
        .collect();
    let described: Vec<String> = f
        .found
        .audit_reports
        .iter()
        .map(|r| format!("{} ({})", r.name, r.tool))
        .collect();
    let threshold = threshold(f.environment);
    Some(Section {
        about: vec![format!("Found audit reports: {}.", described.join(", "))],
        lines: vec![
            "required = true".to_owned(),
            format!("reports = {}", list(&names)),
            format!("threshold = \"{threshold}\""),
            "unknown_severity = \"high\"".to_owned(),
            "max_age = \"7d\"".to_owned(),
        ],
        template: false,
    })
}

/// The lowest advisory severity that blocks: stricter on mainnet.
fn threshold(environment: Environment) -> &'static str {
    match environment {
        Environment::Mainnet => "low",
        _ => "medium",
    }
}
