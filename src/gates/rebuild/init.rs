//! What `tollgate init` writes for [gates.rebuild]: a template (the release's build command
//! and where it leaves artifacts are the project's to say), offered for testnet and mainnet.

use crate::init::{Facts, Section, quote};
use crate::policy::Environment;

/// The commented-out table, or `None` on regtest.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    if f.environment == Environment::Regtest {
        return None;
    }
    let artifacts: Vec<String> = f.found.artifacts.iter().map(|a| quote(a)).collect();
    Some(Section {
        about: vec![
            "Rebuild from the commit (docs/gates/rebuild.md): the command runs in a clean export of the commit and every artifact must match bit for bit; uncomment with your release build.".to_owned(),
        ],
        lines: vec![
            "required = true".to_owned(),
            "command = [\"bash\", \"scripts/build-release.sh\"]".to_owned(),
            "outputs = \"dist\"".to_owned(),
            format!("artifacts = [{}]", artifacts.join(", ")),
            "timeout = \"45m\"".to_owned(),
        ],
        template: true,
    })
}
