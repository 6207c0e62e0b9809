//! Turning what `evaluate`, `freeze` and `unfreeze` produced into ledger entries, and the
//! ledger's freeze state into the `freeze` report that blocks an evaluation.

use super::append::Pending;
use super::entry::{BlobRef, ENTRY_SCHEMA, Entry, FreezeRecord, FreezeStatement, GENESIS, Kind};
use super::evidence::Collected;
use super::tail::Frozen;
use crate::report::{Finding, GateReport};
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

fn blank(kind: Kind, environment: &str, time: String) -> Entry {
    Entry {
        schema: ENTRY_SCHEMA.to_owned(),
        seq: 0,
        prev: GENESIS.to_owned(),
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
        freeze: None,
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
    Pending { entry, blobs }
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

/// The entry of a freeze or unfreeze; `signature` is the `.minisig` text over the
/// statement's canonical JSON.
pub fn freeze_entry(statement: &FreezeStatement, signature: Option<String>) -> Pending {
    let mut entry = blank(
        statement.action,
        &statement.environment,
        statement.time.clone(),
    );
    let mut blobs = Vec::new();
    let signature = signature.map(|text| {
        let blob = BlobRef::of(text.as_bytes());
        blobs.push(text.into_bytes());
        blob
    });
    entry.freeze = Some(FreezeRecord {
        reason: statement.reason.clone(),
        by: statement.by.clone(),
        signature,
    });
    Pending { entry, blobs }
}

/// The `freeze` report for an evaluation: `None` when the environment is not frozen; a
/// failing report when it is; an error report when the freeze state cannot be read (a
/// ledger that cannot say whether the environment is frozen never lets it promote).
pub fn freeze_report(
    state: Result<Option<Frozen>, String>,
    environment: &str,
) -> Option<GateReport> {
    let frozen = match state {
        Ok(None) => return None,
        Ok(Some(frozen)) => frozen,
        Err(e) => {
            return Some(GateReport::errored(
                FREEZE_GATE,
                format!("cannot read the ledger's freeze state for {environment}: {e}"),
            ));
        }
    };
    let finding = Finding::error(
        "freeze.frozen",
        format!(
            "{environment} is frozen since {} by {}: {}",
            frozen.time, frozen.by, frozen.reason
        ),
    )
    .subject(environment)
    .hint(format!(
        "promotion resumes after `tollgate unfreeze --environment {environment} --reason TEXT` (ledger entry {} froze it)",
        frozen.seq
    ));
    Some(GateReport::from_findings(
        FREEZE_GATE,
        vec![finding],
        Vec::new(),
    ))
}

/// A freeze as the decision takes it (`engine::decide`); its reason is the `freeze.frozen`
/// finding's message, word for word.
pub fn freeze_input(frozen: &Frozen, environment: &str) -> crate::engine::Freeze {
    crate::engine::Freeze {
        environment: environment.to_owned(),
        by: frozen.by.clone(),
        since: frozen.time.clone(),
        reason: frozen.reason.clone(),
    }
}

#[cfg(test)]
mod decision_tests {
    use super::*;

    #[test]
    fn the_decisions_freeze_reason_is_the_findings_message() {
        let frozen = Frozen {
            seq: 3,
            reason: "incident OPS-7".into(),
            by: "ops <ops@example.org>".into(),
            time: "2026-11-20T08:00:00Z".into(),
        };
        let report = freeze_report(Ok(Some(frozen.clone())), "mainnet").unwrap();
        assert_eq!(
            report.findings[0].message,
            freeze_input(&frozen, "mainnet").to_string()
        );
    }
}
