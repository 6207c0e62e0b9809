//! What `tollgate init` writes for [gates.drills], from what it detected.

use crate::init::{Facts, Section, quote};
use crate::policy::Environment;

/// The table, or `None` when no drill log was found. Each drill kind the log records must
/// recur: monthly on mainnet, quarterly elsewhere.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    let (log, kinds) = f.found.drill_log.as_ref()?;
    let max_age = match f.environment {
        Environment::Mainnet => "30d",
        _ => "90d",
    };
    let mut about = vec![format!(
        "Found the drill log {} (record drills with `tollgate drill record`).",
        log.display()
    )];
    let mut lines = vec![
        "required = true".to_owned(),
        format!("log = {}", quote(&f.relative(log))),
    ];
    let mut kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    if kinds.is_empty() {
        about.push("The log holds no drill yet: a restore drill is required.".to_owned());
        kinds.push("restore");
    }
    for kind in kinds {
        let key = kind.replace('-', "_");
        if matches!(
            key.as_str(),
            "restore" | "key_rotation" | "incident_simulation" | "failover"
        ) {
            lines.push(format!("{key} = {{ max_age = \"{max_age}\" }}"));
        } else {
            lines.push(format!(
                "custom.{} = {{ max_age = \"{max_age}\" }}",
                quote(kind)
            ));
        }
    }
    Some(Section {
        about,
        lines,
        template: false,
    })
}
