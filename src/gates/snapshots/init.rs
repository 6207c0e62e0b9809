//! What `tollgate init` writes for [gates.snapshots]: enabled when the repository keeps a
//! snapshot log (ops/snapshots.jsonl), else a template for mainnet ("No snapshot = mainnet
//! NOT ready").

use crate::init::{Facts, Section, quote};
use crate::policy::Environment;

/// The table, a template on mainnet, or `None`.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    let log = f.found.snapshot_log.as_ref();
    if log.is_none() && f.environment != Environment::Mainnet {
        return None;
    }
    let path = log.map_or_else(|| "../ops/snapshots.jsonl".to_owned(), |p| f.relative(p));
    let about = match log {
        Some(p) => format!(
            "Found the snapshot log {} (`tollgate snapshot record`): fresh full and state snapshots, kept off-node for the retention window (docs/gates/snapshots.md).",
            p.display()
        ),
        None => "No snapshot log found: record snapshots with `tollgate snapshot record`, then uncomment (docs/gates/snapshots.md).".to_owned(),
    };
    Some(Section {
        about: vec![about],
        lines: vec![
            "required = true".to_owned(),
            format!("log = {}", quote(&path)),
            "full_max_age = \"7d\"".to_owned(),
            "state_max_age = \"1d\"".to_owned(),
            "retention = \"14d\"".to_owned(),
        ],
        template: log.is_none(),
    })
}
