//! What `tollgate init` writes for [gates.promotion]: a template naming the stage before
//! this environment (it needs `[trust] verdict_keys` and `ops_keys`, which init cannot pick).

use crate::init::{Facts, Section};
use crate::policy::Environment;

/// The commented-out table, or `None` on regtest (the first stage).
pub fn section(f: &Facts<'_>) -> Option<Section> {
    let after = match f.environment {
        Environment::Regtest => return None,
        Environment::Testnet => "{ environment = \"regtest\" }",
        Environment::Mainnet => "{ environment = \"testnet\", stage = \"all\", soak = \"72h\" }",
    };
    Some(Section {
        about: vec![
            "Stage order (docs/gates/promotion.md): this release must have been promoted and deployed (`tollgate deploy record`) in the stage before; uncomment once [trust] names verdict_keys and ops_keys.".to_owned(),
        ],
        lines: vec!["required = true".to_owned(), format!("after = [{after}]")],
        template: true,
    })
}
