//! What can still be re-verified of gates that cannot be re-run: for signatures (without
//! the artifacts), the sums file's signature against the stored policy's trusted keys, and
//! that the sums list exactly the verdict's subjects; for health (without Prometheus),
//! every check re-decided from its stored response.

use super::Check;
use crate::minisig::{Check as SigCheck, SignatureFile};
use crate::policy::Policy;
use crate::report::GateReport;
use crate::verdict::Verdict;
use std::collections::{BTreeMap, BTreeSet};

/// The checks, each passed or failed; empty when the policy has no signatures gate.
pub fn signatures(
    policy: &Policy,
    verdict: &Verdict,
    stored: Option<&GateReport>,
    blobs: &BTreeMap<String, Vec<u8>>,
) -> Vec<Check> {
    let Some(config) = &policy.gates.signatures else {
        return Vec::new();
    };
    let stored_bytes = |name: &str| {
        stored
            .into_iter()
            .flat_map(|r| &r.evidence)
            .find(|e| e.path == name)
            .and_then(|e| blobs.get(&e.sha256))
    };
    let sums_name = normalize(&config.sums.to_string_lossy());
    let Some(sums) = stored_bytes(&sums_name) else {
        return vec![Check::failed(format!(
            "{sums_name} is not in the ledger, so nothing about the signatures can be re-verified"
        ))];
    };
    let mut checks = Vec::new();
    if config.require_sums_signature {
        let sig_name = normalize(&config.sums_signature.to_string_lossy());
        checks.push(match stored_bytes(&sig_name) {
            None => Check::failed(format!("{sig_name} is not in the ledger")),
            Some(sig) => {
                let text = String::from_utf8_lossy(sig);
                match SignatureFile::parse(&text) {
                    Err(e) => Check::failed(format!("{sig_name} cannot be read: {e}")),
                    Ok(file) => match file.check_bytes(
                        &policy.trust.artifact_keys,
                        sums,
                        config.allow_legacy,
                    ) {
                        SigCheck::Valid => Check::passed(format!(
                            "{sig_name} verifies {sums_name} with trusted key {}",
                            file.key_id
                        )),
                        other => Check::failed(format!(
                            "{sig_name} does not verify {sums_name} with the policy's artifact keys ({other:?})"
                        )),
                    },
                }
            }
        });
    }
    let listed: BTreeSet<(String, String)> =
        crate::gates::signatures::parse_sums(&String::from_utf8_lossy(sums))
            .entries
            .into_iter()
            .map(|e| (normalize(&e.name), e.sha256))
            .collect();
    let subjects: BTreeSet<(String, String)> = verdict
        .subjects
        .iter()
        .map(|s| (s.name.clone(), s.sha256.clone()))
        .collect();
    checks.push(if listed == subjects {
        Check::passed(format!(
            "{sums_name} lists exactly the verdict's {} subject(s) and their digests",
            subjects.len()
        ))
    } else {
        let only = |a: &BTreeSet<(String, String)>, b: &BTreeSet<(String, String)>| {
            a.difference(b)
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Check::failed(format!(
            "{sums_name} and the verdict's subjects differ (only in the sums: [{}]; only in the verdict: [{}])",
            only(&listed, &subjects),
            only(&subjects, &listed)
        ))
    });
    checks
}

/// A name as the release listing spells it (as the signatures gate names its subjects).
fn normalize(name: &str) -> String {
    name.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Every health check and endpoint re-decided from its stored request and response.
pub fn health(
    config: &crate::gates::health::Config,
    stored: Option<&GateReport>,
    blobs: &BTreeMap<String, Vec<u8>>,
) -> Vec<Check> {
    crate::gates::health::replay::redecide(config, stored, blobs)
        .into_iter()
        .map(|r| Check {
            ok: r.agrees,
            what: r.what,
        })
        .collect()
}
