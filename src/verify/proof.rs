//! Checking an inclusion proof (`verify --proof`, and `verify --store` on a v2 ledger) for a
//! verified verdict: the proof's record names the verdict, its checkpoint is signed by a
//! trusted key, its audit path leads to the checkpoint's root, and enough of the named
//! witnesses cosigned the checkpoint. Every failing check is reported, each saying which.

use crate::keys::TrustedKey;
use crate::ledger::v2::index::verdict_of;
use crate::tlog::note::{KeyKind, NoteKey};
use crate::tlog::proof::InclusionProof;
use crate::witness::Witnesses;

/// The largest proof file read (a record is at most 64 KiB; the rest is small).
pub const CAP: crate::bounded::Cap = crate::bounded::Cap {
    bytes: crate::tlog::proof::MAX_PROOF_JSON as u64,
    what: "an inclusion proof",
    advice: "a proof from `tollgate audit prove` is a few kilobytes: check that --proof names it",
};

/// What a proof that checked out shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proven {
    pub index: u64,
    pub tree_size: u64,
    pub origin: String,
    /// The key id of the trusted key that signed the checkpoint.
    pub signed_by: String,
    /// The named witnesses whose cosignature verified.
    pub cosigners: Vec<String>,
    /// The record's ledger time, when it has one.
    pub time: Option<String>,
    /// The SHA-256 of the record's bytes: with `index + 1`, its ledger entry id.
    pub entry_sha256: String,
}

/// Read and parse a proof file.
pub fn read(path: &std::path::Path) -> Result<InclusionProof, String> {
    let bytes = crate::bounded::read_capped(path, CAP)
        .map_err(|e| format!("proof: {}", e.describe(path)))?;
    InclusionProof::from_json(&bytes).map_err(|e| format!("proof {}: {e}", path.display()))
}

/// Check `proof` for the verdict of SHA-256 `verdict_sha256`, trusting checkpoints signed by
/// any of `log_keys` and demanding `witnesses`. All problems, each prefixed `proof:`.
pub fn check(
    proof: &InclusionProof,
    verdict_sha256: &str,
    log_keys: &[&TrustedKey],
    witnesses: &Witnesses,
) -> Result<Proven, Vec<String>> {
    let signed = proof
        .signed_checkpoint()
        .map_err(|e| vec![format!("proof: {e}")])?;
    let checkpoint = &signed.checkpoint;
    let mut problems = Vec::new();

    // The record names the verdict (and says the place the proof gives it).
    let record = crate::tlog::unb64(&proof.entry);
    let mut time = None;
    match &record {
        None => problems.push("proof: the entry is not canonical base64".to_owned()),
        Some(record) => {
            match verdict_of(record) {
                Some(named) if named == verdict_sha256 => {}
                Some(named) => problems.push(format!(
                    "proof: the entry names verdict {named}, not this verdict (sha256 {verdict_sha256})"
                )),
                None => problems.push(format!(
                    "proof: the entry is not a verdict record naming this verdict (sha256 {verdict_sha256})"
                )),
            }
            let value: Option<serde_json::Value> = serde_json::from_slice(record).ok();
            if let Some(seq) = value.as_ref().and_then(|v| v.get("seq")?.as_u64())
                && seq != proof.index + 1
            {
                problems.push(format!(
                    "proof: the entry says it is record seq {seq}, but the proof puts it at index {} (seq {})",
                    proof.index,
                    proof.index + 1
                ));
            }
            time = value
                .as_ref()
                .and_then(|v| Some(v.get("time")?.as_str()?.to_owned()));
        }
    }

    // The checkpoint is signed by a trusted key (named by the log's origin).
    let note_keys: Vec<(NoteKey, &TrustedKey)> = log_keys
        .iter()
        .filter_map(|k| {
            NoteKey::new(&checkpoint.origin, k.ed25519, KeyKind::Log)
                .ok()
                .map(|n| (n, *k))
        })
        .collect();
    let keys: Vec<NoteKey> = note_keys.iter().map(|(n, _)| n.clone()).collect();
    let signed_by = match signed.verify(&keys) {
        Ok(verified) => verified.first().and_then(|v| {
            note_keys
                .iter()
                .find(|(n, _)| n == *v)
                .map(|(_, k)| k.key_id.to_string())
        }),
        Err(e) => {
            let given: Vec<String> = log_keys.iter().map(|k| k.key_id.to_string()).collect();
            problems.push(format!(
                "proof: the checkpoint is not signed by a trusted key ({}; trusted: {}): {e}; \
                 a checkpoint is signed by the key of the last append, an ops key after a \
                 freeze or deploy record: give that one with --ops-key",
                "the verdict key given with --pubkey or an --ops-key",
                given.join(", ")
            ));
            None
        }
    };

    // The audit path leads from the record to the checkpoint's root.
    if let Err(e) = proof.check() {
        problems.push(format!("proof: {e}"));
    }

    // Enough of the named witnesses cosigned this checkpoint.
    let cosigners = crate::ledger::v2::cosigned::valid_cosigners(&signed, witnesses);
    if witnesses.demanded() && cosigners.len() < witnesses.min {
        let names: Vec<&str> = witnesses.keys.iter().map(|k| k.name.as_str()).collect();
        problems.push(format!(
            "proof: the checkpoint carries {} valid cosignature(s) from the named witnesses ({}), {} demanded{}",
            cosigners.len(),
            names.join(", "),
            witnesses.min,
            if cosigners.is_empty() {
                String::new()
            } else {
                format!(" (valid: {})", cosigners.join(", "))
            }
        ));
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Proven {
        index: proof.index,
        tree_size: proof.tree_size,
        origin: checkpoint.origin.clone(),
        signed_by: signed_by.unwrap_or_default(),
        cosigners,
        time,
        entry_sha256: record
            .as_deref()
            .map(crate::digest::sha256_hex)
            .unwrap_or_default(),
    })
}
