//! What `tollgate init` writes for [gates.approvals]: a template (reviewers' keys are
//! nothing init can find), offered for testnet and mainnet.

use crate::init::{Facts, Section};
use crate::policy::Environment;

/// The commented-out table, or `None` on regtest.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    if f.environment == Environment::Regtest {
        return None;
    }
    Some(Section {
        about: vec![
            "Change control (docs/gates/approvals.md): `tollgate propose` records a signed proposal for these artifacts, reviewers `tollgate approve` it; uncomment and name your reviewers' minisign public keys.".to_owned(),
        ],
        lines: vec![
            "required = true".to_owned(),
            "review_window = \"24h\"".to_owned(),
            "max_age = \"96h\"".to_owned(),
            "frozen = [\"protocol\"]".to_owned(),
            "ops.security = { keys = [\"keys/security.pub\"], min = 1 }".to_owned(),
            "ops.maintainers = { keys = [\"keys/maintainer-1.pub\", \"keys/maintainer-2.pub\", \"keys/maintainer-3.pub\"], min = 2 }".to_owned(),
        ],
        template: true,
    })
}
