//! `tollgate verify`'s ledger check: with `--proof FILE` offline (the proof's record names the
//! verdict, its checkpoint is signed by `--pubkey` or an `--ops-key`, its path leads to the
//! root, the named witnesses cosigned), with `--store` on a v2 ledger the same through a proof
//! made from the store; a v1 ledger keeps its chain check and lookup (`verify.rs`).

use super::CommandError;
use crate::cli::VerifyArgs;
use crate::keys::TrustedKey;
use crate::ledger::EntryId;
use crate::ledger::format::{Format, detect};
use crate::ledger::store::Store;
use crate::ledger::v2::prove::{Against, Which, inclusion};
use crate::verify::proof::{Proven, check, read};
use crate::verify::{Invalid, Verified};
use crate::witness::Witnesses;
use anyhow::anyhow;
use std::path::Path;

/// Where the ledger records the verdict.
pub enum Logged {
    /// A v1 ledger's entry.
    Entry(EntryId),
    /// A checked inclusion proof (from `--proof`, or made from a v2 `--store`).
    Proof(Proven),
}

impl Logged {
    /// The ledger time of the record, for the revocation check.
    pub fn time(&self) -> Option<&str> {
        match self {
            Logged::Entry(_) => None,
            Logged::Proof(p) => p.time.as_deref(),
        }
    }

    /// The text output's tail: ", recorded in …".
    pub fn text(&self, location: Option<&str>) -> String {
        let place = location.map(|l| format!(" in {l}")).unwrap_or_default();
        match self {
            Logged::Entry(id) => format!(", recorded{place} as entry {id}"),
            Logged::Proof(p) => format!(
                ", recorded{place} as entry {}:{} (record {} of {} under a checkpoint of {} signed by key {}{})",
                p.index + 1,
                p.entry_sha256,
                p.index,
                p.tree_size,
                p.origin,
                p.signed_by,
                if p.cosigners.is_empty() {
                    String::new()
                } else {
                    format!(", cosigned by {}", p.cosigners.join(", "))
                }
            ),
        }
    }

    /// `ledger_entry` (`SEQ:SHA256`) and, for a proof, `proof` of the JSON output.
    pub fn json(logged: Option<&Logged>) -> (serde_json::Value, serde_json::Value) {
        match logged {
            Some(Logged::Entry(id)) => (id.to_string().into(), serde_json::Value::Null),
            Some(Logged::Proof(p)) => (
                format!("{}:{}", p.index + 1, p.entry_sha256).into(),
                serde_json::json!({"index": p.index, "tree_size": p.tree_size, "origin": p.origin,
                                   "signed_by": p.signed_by, "cosigners": p.cosigners}),
            ),
            None => (serde_json::Value::Null, serde_json::Value::Null),
        }
    }
}

/// The witnesses `--witness` and `--min-witnesses` demand (exit 2 on a bad one, or when
/// there is no proof or store to demand them of).
pub fn witnesses(args: &VerifyArgs) -> Result<Witnesses, CommandError> {
    let witnesses = Witnesses::from_args(
        &args.witnesses.witnesses,
        args.witnesses.min_witnesses,
        Path::new("."),
    )
    .map_err(|e| CommandError::config(anyhow!(e)))?;
    if witnesses.demanded() && args.proof.is_none() && args.store.is_none() {
        return Err(CommandError::config(anyhow!(
            "--witness needs --proof FILE or --store S: the cosignatures are on the ledger's checkpoint"
        )));
    }
    Ok(witnesses)
}

/// How the ledger check went: done here (`--proof`, a v2 store, nothing to check), or a v1
/// store for the caller's chain check.
pub enum Checked {
    Done(Result<Verified, Invalid>, Option<Logged>),
    V1(Verified),
}

/// Check that the ledger records the verified verdict, by proof.
pub fn by_proof(
    verified: Result<Verified, Invalid>,
    args: &VerifyArgs,
    store: Option<&dyn Store>,
    log_keys: &[&TrustedKey],
    witnesses: &Witnesses,
) -> Checked {
    let ok = match verified {
        Ok(ok) => ok,
        bad => return Checked::Done(bad, None),
    };
    let proof = match (&args.proof, store) {
        (Some(path), _) => read(path),
        (None, Some(store)) => match detect(store) {
            Ok(Some(Format::V2)) => {
                let against = if witnesses.demanded() {
                    Against::CosignedBy(witnesses)
                } else {
                    Against::Current
                };
                inclusion(store, Which::Verdict(&ok.sha256), against)
                    .map(|proved| proved.proof)
                    .map_err(|e| {
                        format!(
                            "{e}: a signed verdict outside the ledger (or outside what its witnesses cosigned) is not accepted"
                        )
                    })
            }
            Ok(_) if witnesses.demanded() => Err(format!(
                "the ledger at {} is format v1: it has no checkpoints for witnesses to cosign (`tollgate audit migrate` it)",
                store.location()
            )),
            Ok(_) => return Checked::V1(ok),
            Err(e) => Err(e),
        },
        (None, None) => return Checked::Done(Ok(ok), None),
    };
    let checked = proof
        .map_err(|e| vec![e])
        .and_then(|proof| check(&proof, &ok.sha256, log_keys, witnesses));
    match checked {
        Ok(proven) => Checked::Done(Ok(ok), Some(Logged::Proof(proven))),
        Err(problems) => Checked::Done(Err(Invalid { problems }), None),
    }
}
