//! Which gates replay re-runs and why the others are taken as stored.
//!
//! The rule: a gate is re-run when everything it reads is in the ledger. That holds for
//! `drills` (the drill log) and for `audit` reading report files that date themselves
//! (cargo-deny's JSON carries its own timestamps); it does not hold for `audit` with
//! `run = true` (a live cargo-audit run) or with a report whose age came from its file's
//! modification time (cargo-audit and osv-scanner JSON record no time, and the ledger keeps
//! bytes, not mtimes), nor for any gate whose stored evidence is incomplete. `signatures`
//! needs the artifacts (only their digests are stored), `real_deps` and `sbom` need
//! `cargo metadata` (the registry and the toolchain), and gates that drive a live node or an
//! external program cannot be re-run from files at all.

use crate::ledger::entry::EvidenceRecord;
use crate::policy::Policy;
use crate::report::GateReport;
use crate::verdict::Verdict;
use std::collections::BTreeMap;

/// Prefix of a reason that is also a problem: the entry and its own verdict disagree.
pub const INCONSISTENT: &str = "the entry contradicts its verdict: ";

/// What replay has to decide per gate.
pub struct Facts<'a> {
    pub policy: &'a Policy,
    pub verdict: &'a Verdict,
    pub records: &'a [EvidenceRecord],
    /// Stored evidence bytes by digest.
    pub blobs: &'a BTreeMap<String, Vec<u8>>,
    /// Evidence paths the replay tree could not hold, with why.
    pub unplaced: &'a BTreeMap<String, String>,
}

/// Why gates that read the release build cannot be re-run.
pub const NEEDS_CARGO_METADATA: &str = "it needs `cargo metadata` of the release build (the cargo registry and toolchain), which the ledger does not keep";

/// `Ok` when `gate` can be re-run from the ledger, else why not (each gate says, through
/// the registry).
pub fn replayable(
    gate: &str,
    stored: Option<&GateReport>,
    facts: &Facts<'_>,
) -> Result<(), String> {
    crate::gates::registry::replayable(gate, stored, facts)
}

/// The audit gate's rule: reports that date themselves, all stored, and no live run.
pub fn audit(stored: Option<&GateReport>, facts: &Facts<'_>) -> Result<(), String> {
    let Some(config) = &facts.policy.gates.audit else {
        return Err("the stored policy does not configure it".to_owned());
    };
    if config.run.is_some() {
        return Err(
            "it ran cargo-audit live (`run = true`) against the advisory database of that moment"
                .to_owned(),
        );
    }
    evidence_complete(crate::gates::audit::NAME, stored, facts)?;
    for evidence in stored.into_iter().flat_map(|r| &r.evidence) {
        if !config.reports.contains(&evidence.path) {
            continue;
        }
        let dated = facts
            .blobs
            .get(&evidence.sha256)
            .is_some_and(|bytes| crate::gates::audit::dates_itself(bytes));
        if !dated {
            return Err(format!(
                "{} records no time of its own: its age came from the file's modification time, which the ledger does not keep",
                evidence.path
            ));
        }
    }
    Ok(())
}

/// Every file the stored report lists must be stored (and placeable) under that gate's role.
pub fn evidence_complete(
    gate: &str,
    stored: Option<&GateReport>,
    facts: &Facts<'_>,
) -> Result<(), String> {
    let role = format!("gate:{gate}");
    for evidence in stored.into_iter().flat_map(|r| &r.evidence) {
        if facts
            .verdict
            .subjects
            .iter()
            .any(|s| s.sha256 == evidence.sha256)
        {
            return Err(format!(
                "it read {}, which is one of the verdict's artifacts (artifacts are never stored)",
                evidence.path
            ));
        }
        let record = facts
            .records
            .iter()
            .find(|r| r.role == role && r.path == evidence.path && r.sha256 == evidence.sha256);
        match record {
            Some(r) if r.stored => {}
            Some(r) => {
                return Err(format!(
                    "its evidence {} was not stored ({})",
                    evidence.path,
                    r.note.as_deref().unwrap_or("no reason recorded")
                ));
            }
            None => {
                return Err(format!(
                    "{INCONSISTENT}the stored {gate} report read {} (sha256 {}), which the entry's evidence list does not record",
                    evidence.path, evidence.sha256
                ));
            }
        }
        if let Some(why) = facts.unplaced.get(&evidence.path) {
            return Err(why.clone());
        }
    }
    Ok(())
}
