//! Turning what `evaluate`, `freeze` and `unfreeze` produced into ledger entries, and the
//! ledger's freeze state into the `freeze` report that blocks an evaluation.

use super::append::Pending;
use super::entry::{BlobRef, ENTRY_SCHEMA, Entry, FreezeRecord, FreezeStatement, Kind};
use super::evidence::Collected;
use super::freeze::FreezeState;
use crate::report::GateReport;
use crate::verdict::Verdict;

/// The name of the built-in report a freeze adds to a verdict.
pub const FREEZE_GATE: &str = "freeze";

/// Everything an evaluation wrote, ready to record.
pub struct Evaluated<'a> {
    pub verdict: &'a Verdict,
    pub verdict_bytes: &'a [u8],
    pub verdict_signature: Option<&'a str>,
    pub provenance_bytes: &'a [u8],
    pub provenance_signature: Option<&'a str>,
    pub evidence: Collected,
    /// The append time (RFC 3339).
    pub time: String,
}

pub fn blank(kind: Kind, environment: &str, time: String) -> Entry {
    Entry {
        schema: ENTRY_SCHEMA.to_owned(),
        seq: 0,
        prev: None,
        time,
        kind,
        environment: environment.to_owned(),
        decision: None,
        commit: None,
        verdict: None,
        verdict_signature: None,
        provenance: None,
        provenance_signature: None,
        evidence: Vec::new(),
        evidence_list: None,
        freeze: None,
        record: None,
        v1: None,
    }
}

/// The entry for one evaluation, with the verdict, provenance, signatures and evidence.
pub fn verdict_entry(e: Evaluated<'_>) -> Pending {
    let mut entry = blank(Kind::Verdict, e.verdict.environment.as_str(), e.time);
    entry.decision = Some(e.verdict.decision.as_str().to_owned());
    entry.commit = e.verdict.commit.as_ref().map(|c| c.sha.clone());
    let mut blobs = vec![e.verdict_bytes.to_vec(), e.provenance_bytes.to_vec()];
    entry.verdict = Some(BlobRef::of(e.verdict_bytes));
    entry.provenance = Some(BlobRef::of(e.provenance_bytes));
    if let Some(sig) = e.verdict_signature {
        entry.verdict_signature = Some(BlobRef::of(sig.as_bytes()));
        blobs.push(sig.as_bytes().to_vec());
    }
    if let Some(sig) = e.provenance_signature {
        entry.provenance_signature = Some(BlobRef::of(sig.as_bytes()));
        blobs.push(sig.as_bytes().to_vec());
    }
    entry.evidence = e.evidence.records;
    blobs.extend(e.evidence.blobs);
    // The verdict entry's time is the ledger's clock (no signature covers it).
    Pending {
        entry,
        blobs,
        time_source: super::clock::Source::Clock,
    }
}

/// The statement a freeze or unfreeze signs, and the entry that records it.
pub fn freeze_statement(
    kind: Kind,
    environment: &str,
    reason: &str,
    by: &str,
    time: &str,
) -> FreezeStatement {
    FreezeStatement {
        action: kind,
        environment: environment.to_owned(),
        reason: reason.to_owned(),
        by: by.to_owned(),
        time: time.to_owned(),
    }
}

/// An ops signature of a statement: the `.minisig` text and the signer's public key.
pub struct OpsSignature {
    pub minisig: String,
    /// The signer's minisign public key ("RW...").
    pub public_key: String,
}

/// The entry of a freeze or unfreeze, signed over the statement's canonical JSON (`None`
/// only for tests that reproduce what old versions wrote).
pub fn freeze_entry(statement: &FreezeStatement, signature: Option<OpsSignature>) -> Pending {
    let mut entry = blank(
        statement.action,
        &statement.environment,
        statement.time.clone(),
    );
    let mut blobs = Vec::new();
    // A signature covers the time (the wall clock; `freeze` has no --now): never moved, a
    // short lag behind a concurrent append accepted. An unsigned entry's time is the clock's.
    let time_source = if signature.is_some() {
        super::clock::Source::Signed
    } else {
        super::clock::Source::Clock
    };
    let (signature, public_key) = match signature {
        Some(OpsSignature {
            minisig,
            public_key,
        }) => {
            let blob = BlobRef::of(minisig.as_bytes());
            blobs.push(minisig.into_bytes());
            (Some(blob), Some(public_key))
        }
        None => (None, None),
    };
    entry.freeze = Some(FreezeRecord {
        reason: statement.reason.clone(),
        by: statement.by.clone(),
        signature,
        public_key,
    });
    Pending {
        entry,
        blobs,
        time_source,
    }
}

/// The `freeze` report for an evaluation: `None` when the environment is not frozen; a
/// failing report when it is (naming an unfreeze that did not lift it); an error report when
/// the freeze state cannot be read (a ledger that cannot say whether the environment is
/// frozen never lets it promote).
pub fn freeze_report(
    state: &Result<Option<FreezeState>, String>,
    environment: &str,
) -> Option<GateReport> {
    match state {
        Ok(None) => None,
        Ok(Some(frozen)) => Some(GateReport::from_findings(
            FREEZE_GATE,
            frozen.findings(environment),
            Vec::new(),
        )),
        Err(e) => Some(GateReport::errored(
            FREEZE_GATE,
            format!("cannot read the ledger's freeze state for {environment}: {e}"),
        )),
    }
}

/// A freeze as the decision takes it (`engine::decide`): the reason it gives is
/// [`FreezeState::block_reason`], word for word (the freezer's words, the entry, and an
/// unfreeze that did not lift it).
pub fn freeze_input(frozen: &FreezeState, environment: &str) -> crate::engine::Freeze {
    crate::engine::Freeze {
        environment: environment.to_owned(),
        by: frozen.frozen_by.clone(),
        since: frozen.since.clone(),
        reason: frozen.why(),
    }
}

#[cfg(test)]
mod decision_tests {
    use super::*;
    use crate::ledger::freeze::{Refused, UNSIGNED_UNFREEZE};

    #[test]
    fn the_decisions_freeze_reason_is_the_freeze_states_block_reason() {
        let mut frozen = FreezeState {
            seq: 3,
            frozen_by: "ops <ops@example.org>".into(),
            since: "2026-11-20T08:00:00Z".into(),
            reason: "incident OPS-7".into(),
            signed: "signed by ops key ABCD".into(),
            unlift_refused: None,
        };
        let report = freeze_report(&Ok(Some(frozen.clone())), "mainnet").unwrap();
        let decided = freeze_input(&frozen, "mainnet").to_string();
        assert_eq!(report.findings[0].message, decided);
        assert_eq!(decided, frozen.block_reason("mainnet"));
        frozen.unlift_refused = Some(Refused {
            seq: 4,
            code: UNSIGNED_UNFREEZE,
            by: "someone".into(),
            why: "it carries no signature".into(),
        });
        let decided = freeze_input(&frozen, "mainnet").to_string();
        assert_eq!(decided, frozen.block_reason("mainnet"));
        assert!(
            decided.contains("the unfreeze in ledger entry 4 did not lift it"),
            "{decided}"
        );
    }
}
