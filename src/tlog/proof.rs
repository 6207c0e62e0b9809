//! Inclusion proofs an auditor can carry (`audit prove`'s JSON) and RFC 6962 consistency
//! proofs, made and checked with tlog_tiles.

use super::note::{Checkpoint, SignedCheckpoint};
use super::{Hash, HashReader, b64, empty_root, hash_from_b64, leaf_hash, unb64};
use serde::{Deserialize, Serialize};

/// Most hashes an audit path or consistency proof of a 2^64-record tree can need.
const MAX_PROOF_HASHES: usize = 128;

/// Largest proof file tollgate reads (a record is at most 64 KiB; base64 and the checkpoint).
pub const MAX_PROOF_JSON: usize = 1 << 20;

/// An inclusion proof: record `index` (its bytes in `entry`) is in the tree of `tree_size`
/// records whose root the signed `checkpoint` names; `hashes` is the RFC 6962 audit path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    /// The audit path, base64 hashes, leaf to root.
    pub hashes: Vec<String>,
    /// The record, base64.
    pub entry: String,
    /// The signed checkpoint note the proof leads to.
    pub checkpoint: String,
}

impl InclusionProof {
    /// A proof for `record` at `index` against `checkpoint` with audit path `hashes`.
    pub fn new(
        index: u64,
        record: &[u8],
        hashes: &[Hash],
        checkpoint: &SignedCheckpoint,
    ) -> InclusionProof {
        InclusionProof {
            index,
            tree_size: checkpoint.checkpoint.size,
            hashes: encode_hashes(hashes),
            entry: b64(record),
            checkpoint: String::from_utf8_lossy(&checkpoint.to_bytes()).into_owned(),
        }
    }

    /// Parse a proof file: strict JSON (unknown or repeated fields are errors), at most
    /// [`MAX_PROOF_JSON`] bytes.
    pub fn from_json(bytes: &[u8]) -> Result<InclusionProof, String> {
        if bytes.len() > MAX_PROOF_JSON {
            return Err(format!(
                "the proof is {} bytes, more than the {MAX_PROOF_JSON} tollgate reads",
                bytes.len()
            ));
        }
        serde_json::from_slice(bytes).map_err(|e| format!("the proof is not valid proof JSON: {e}"))
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The signed checkpoint in `checkpoint`, parsed (signatures unchecked).
    pub fn signed_checkpoint(&self) -> Result<SignedCheckpoint, String> {
        SignedCheckpoint::parse(self.checkpoint.as_bytes())
            .map_err(|e| format!("the proof's checkpoint: {e}"))
    }

    /// Check that the record leads to the checkpoint's root: the checkpoint parses, its size
    /// is `tree_size`, `index` is inside the tree, and the audit path hashes the record's leaf
    /// to the root. Returns the checkpoint and the record. Does not check signatures: verify
    /// [`Self::signed_checkpoint`] against trusted keys as well.
    pub fn check(&self) -> Result<(Checkpoint, Vec<u8>), String> {
        let checkpoint = self.signed_checkpoint()?.checkpoint;
        if self.tree_size != checkpoint.size {
            return Err(format!(
                "the proof's tree_size {} is not its checkpoint's size {}",
                self.tree_size, checkpoint.size
            ));
        }
        if self.index >= self.tree_size {
            return Err(format!(
                "the proof's index {} is not inside a tree of {} records",
                self.index, self.tree_size
            ));
        }
        let record = unb64(&self.entry).ok_or("the proof's entry is not canonical base64")?;
        let hashes = decode_hashes(&self.hashes, "the proof's hashes")?;
        tlog_tiles::check_record(&hashes, self.tree_size, checkpoint.root, self.index, leaf_hash(&record))
            .map_err(|e| {
                format!(
                    "the proof's hashes do not lead from entry {} to the checkpoint's root at size {} ({e})",
                    self.index, self.tree_size
                )
            })?;
        Ok((checkpoint, record))
    }
}

/// Base64 strings of `hashes`, as proofs carry them.
pub fn encode_hashes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| b64(&h.0)).collect()
}

/// Hashes from base64 strings; `what` names the list in errors.
pub fn decode_hashes(texts: &[String], what: &str) -> Result<Vec<Hash>, String> {
    if texts.len() > MAX_PROOF_HASHES {
        return Err(format!(
            "{what}: {} hashes, more than any proof needs",
            texts.len()
        ));
    }
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| hash_from_b64(text, &format!("{what}[{i}]")))
        .collect()
}

/// The audit path of record `index` in the tree of `tree_size` records.
pub fn prove(index: u64, tree_size: u64, reader: &impl HashReader) -> Result<Vec<Hash>, String> {
    if index >= tree_size {
        return Err(format!(
            "record {index} is not in a tree of {tree_size} records"
        ));
    }
    tlog_tiles::prove_record(tree_size, index, reader)
        .map_err(|e| format!("proving record {index} in the tree of {tree_size}: {e}"))
}

/// The consistency proof from the tree of `old_size` records to the tree of `new_size`
/// (empty when `old_size` is 0 or equals `new_size`).
pub fn prove_consistency(
    old_size: u64,
    new_size: u64,
    reader: &impl HashReader,
) -> Result<Vec<Hash>, String> {
    if old_size > new_size {
        return Err(format!(
            "a tree of {old_size} records cannot be a prefix of one of {new_size}"
        ));
    }
    if old_size == 0 {
        return Ok(Vec::new());
    }
    tlog_tiles::prove_tree(new_size, old_size, reader).map_err(|e| {
        format!("proving the tree of {old_size} is a prefix of the tree of {new_size}: {e}")
    })
}

/// Check that the tree (`old_size`, `old_root`) is a prefix of (`new_size`, `new_root`).
pub fn check_consistency(
    proof: &[Hash],
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
) -> Result<(), String> {
    let rewritten = || {
        format!(
            "the tree of {new_size} records (root {new_root}) does not contain the tree of {old_size} records (root {old_root}): the log was rewritten or the proof is wrong"
        )
    };
    if old_size > new_size {
        return Err(format!(
            "the tree shrank from {old_size} to {new_size} records: the log was rewritten"
        ));
    }
    if proof.len() > MAX_PROOF_HASHES {
        return Err(format!(
            "the consistency proof has {} hashes, more than any proof needs",
            proof.len()
        ));
    }
    if old_size == 0 {
        return if old_root == empty_root() && proof.is_empty() {
            Ok(())
        } else {
            Err(rewritten())
        };
    }
    tlog_tiles::check_tree(&proof.to_vec(), new_size, new_root, old_size, old_root)
        .map_err(|_| rewritten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::note::Checkpoint;
    use crate::tlog::test_signer;
    use crate::tlog::tree::{MemoryHashes, root};

    fn log(n: u64) -> (Vec<Vec<u8>>, MemoryHashes) {
        let records: Vec<Vec<u8>> = (0..n).map(|i| format!("record {i}").into_bytes()).collect();
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let hashes = MemoryHashes::of(&refs).unwrap();
        (records, hashes)
    }

    #[test]
    fn inclusion_proofs_round_trip_and_check() {
        let (_dir, signer) = test_signer();
        let (records, hashes) = log(77);
        let signed = SignedCheckpoint::sign(
            Checkpoint::new("o.example", 77, root(77, &hashes).unwrap()).unwrap(),
            &signer,
        );
        for index in [0, 1, 40, 76] {
            let path = prove(index, 77, &hashes).unwrap();
            let proof = InclusionProof::new(index, &records[index as usize], &path, &signed);
            let parsed = InclusionProof::from_json(proof.to_json().as_bytes()).unwrap();
            assert_eq!(parsed, proof);
            let (checkpoint, record) = parsed.check().unwrap();
            assert_eq!(
                (checkpoint, record),
                (signed.checkpoint.clone(), records[index as usize].clone())
            );
        }
        let good = InclusionProof::new(5, &records[5], &prove(5, 77, &hashes).unwrap(), &signed);
        let fails = |proof: InclusionProof, says: &str| {
            let err = proof.check().unwrap_err();
            assert!(err.contains(says), "{says}: {err}");
        };
        fails(
            InclusionProof {
                entry: b64(b"other"),
                ..good.clone()
            },
            "do not lead from entry 5",
        );
        fails(
            InclusionProof {
                index: 6,
                ..good.clone()
            },
            "do not lead",
        );
        fails(
            InclusionProof {
                tree_size: 78,
                ..good.clone()
            },
            "tree_size 78",
        );
        fails(
            InclusionProof {
                index: 77,
                tree_size: 77,
                ..good.clone()
            },
            "not inside",
        );
        fails(
            InclusionProof {
                hashes: good.hashes[1..].to_vec(),
                ..good.clone()
            },
            "do not lead",
        );
        fails(
            InclusionProof {
                hashes: vec!["AAAA".into()],
                ..good.clone()
            },
            "hashes[0]",
        );
        fails(
            InclusionProof {
                entry: "!".into(),
                ..good.clone()
            },
            "entry",
        );
        fails(
            InclusionProof {
                checkpoint: "x".into(),
                ..good.clone()
            },
            "checkpoint",
        );
        let mut json: serde_json::Value = serde_json::from_str(&good.to_json()).unwrap();
        json["extra"] = 1.into();
        assert!(
            InclusionProof::from_json(json.to_string().as_bytes())
                .unwrap_err()
                .contains("extra")
        );
        let twice = good
            .to_json()
            .replacen("\"index\": 5,", "\"index\": 5, \"index\": 5,", 1);
        assert!(
            InclusionProof::from_json(twice.as_bytes())
                .unwrap_err()
                .contains("duplicate")
        );
    }

    #[test]
    fn consistency_proofs() {
        let (_, hashes) = log(300);
        for (old, new) in [
            (1, 1),
            (1, 300),
            (7, 8),
            (255, 256),
            (256, 257),
            (100, 300),
            (300, 300),
        ] {
            let proof = prove_consistency(old, new, &hashes).unwrap();
            let (old_root, new_root) = (root(old, &hashes).unwrap(), root(new, &hashes).unwrap());
            check_consistency(&proof, old, old_root, new, new_root).unwrap();
            let err =
                check_consistency(&proof, old, leaf_hash(b"forged"), new, new_root).unwrap_err();
            assert!(err.contains("rewritten"), "{err}");
        }
        let new_root = root(300, &hashes).unwrap();
        check_consistency(&[], 0, empty_root(), 300, new_root).unwrap();
        assert!(check_consistency(&[], 0, leaf_hash(b"x"), 300, new_root).is_err());
        assert!(
            check_consistency(&[], 5, new_root, 4, new_root)
                .unwrap_err()
                .contains("shrank")
        );
        assert!(prove_consistency(5, 4, &hashes).is_err());
        assert!(prove(300, 300, &hashes).is_err());
    }
}
