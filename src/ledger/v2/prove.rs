//! Inclusion proofs from a v2 store (`audit prove`, `verify --store`): the record, its audit
//! path from the hash tiles (authenticated against the checkpoint's root) and the signed
//! checkpoint, current or cosigned. The proof is checked before it is handed out.

use super::cosigned;
use super::index::{Found, find_verdict, read_record};
use super::tiles::{StoreTiles, read_checkpoint};
use crate::ledger::store::Store;
use crate::tlog::TileHashReader;
use crate::tlog::note::SignedCheckpoint;
use crate::tlog::proof::{InclusionProof, prove};
use crate::witness::Witnesses;

/// Which checkpoint a proof leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against<'a> {
    /// The store's current `checkpoint`.
    Current,
    /// The newest `checkpoints/<size>` with a cosignature (any witness's, unverified).
    AnyCosigned,
    /// The newest `checkpoints/<size>` these witnesses cosigned (at least `min` of them).
    CosignedBy(&'a Witnesses),
}

/// What to prove: a record by index, or the record naming a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which<'a> {
    Index(u64),
    Verdict(&'a str),
    /// The record at this index, which must name this verdict.
    Both(u64, &'a str),
}

/// A proof and how its record was found.
#[derive(Debug)]
pub struct Proved {
    pub proof: InclusionProof,
    pub checkpoint: SignedCheckpoint,
    /// `None` when the record was given by index.
    pub via: Option<super::index::Via>,
}

/// The checkpoint a proof is made against, per `against`.
pub fn checkpoint(store: &dyn Store, against: Against<'_>) -> Result<SignedCheckpoint, String> {
    let location = store.location();
    let current = read_checkpoint(store)?.ok_or_else(|| {
        format!(
            "the ledger at {location} has no checkpoint: it is not a format-v2 ledger (a v1 ledger has no proofs: `tollgate audit migrate` it), or nothing was ever appended"
        )
    })?;
    let none = Witnesses::default();
    let witnesses = match against {
        Against::Current => return Ok(current),
        Against::AnyCosigned => &none,
        Against::CosignedBy(w) => w,
    };
    match cosigned::newest(store, current.checkpoint.size, witnesses)? {
        Some((signed, _)) => Ok(signed),
        None if witnesses.demanded() => Err(format!(
            "no checkpoint of the ledger at {location} carries {} valid cosignature(s) from the witnesses {}: have them run `tollgate audit witness --store {location} …`",
            witnesses.min,
            witnesses
                .keys
                .iter()
                .map(|k| k.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => Err(format!(
            "no witness has cosigned a checkpoint of the ledger at {location} (no {}<size>): have one run `tollgate audit witness`, or prove against the current checkpoint (without --witnessed)",
            cosigned::PREFIX
        )),
    }
}

/// Prove `which` against `against`.
pub fn inclusion(
    store: &dyn Store,
    which: Which<'_>,
    against: Against<'_>,
) -> Result<Proved, String> {
    let location = store.location();
    let checkpoint = checkpoint(store, against)?;
    let size = checkpoint.checkpoint.size;
    let (index, record, via) = match which {
        Which::Index(index) => (index, read_record(store, index, size)?, None),
        Which::Both(index, sha) => {
            let record = read_record(store, index, size)?;
            let named = super::index::verdict_of(&record);
            if named.as_deref() != Some(sha) {
                return Err(format!(
                    "record {index} of the ledger at {location} does not name verdict {sha} ({})",
                    match named {
                        Some(other) => format!("it names verdict {other}"),
                        None => "it is not a verdict record".to_owned(),
                    }
                ));
            }
            (index, record, None)
        }
        Which::Verdict(sha) => match find_verdict(store, sha, size)? {
            Some(Found { index, record, via }) => (index, record, Some(via)),
            None => {
                return Err(format!(
                    "no record of the ledger at {location} names verdict {sha} (among the {size} record(s) its {} covers)",
                    if matches!(against, Against::Current) {
                        "current checkpoint".to_owned()
                    } else {
                        format!("cosigned checkpoint {}{size}", cosigned::PREFIX)
                    }
                ));
            }
        },
    };
    let tiles = StoreTiles::new(store);
    let reader = TileHashReader::new(size, checkpoint.checkpoint.root, &tiles);
    let hashes = prove(index, size, &reader).map_err(|e| {
        format!("{location}: the hash tiles do not prove record {index} against the checkpoint of size {size}: {e}")
    })?;
    let proof = InclusionProof::new(index, &record, &hashes, &checkpoint);
    proof.check().map_err(|e| {
        format!(
            "{location}: record {index} does not lead to the checkpoint's root (the entry bundle does not match the hash tiles): {e}"
        )
    })?;
    Ok(Proved {
        proof,
        checkpoint,
        via,
    })
}
