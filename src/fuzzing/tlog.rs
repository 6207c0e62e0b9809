//! Fuzz entry points for the v2 log's parsers (src/tlog/): checkpoint notes and verifier
//! keys, inclusion proofs, entry bundles and tile paths. Each checks round trips and that
//! tlog_tiles / signed_note (ports of Go's tlog and note) agree with what tollgate accepts.

use super::split_nul;
use crate::tlog::bundle;
use crate::tlog::note::{KeyKind, NoteKey, SignedCheckpoint};
use crate::tlog::paths::{TileId, to_go_path};
use crate::tlog::proof::InclusionProof;

/// The log key the committed checkpoint and proof seeds are signed with: Go's note package
/// documentation's example key (its secret key is published there too).
pub const SEED_LOG_VKEY: &str =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

/// The keys the targets verify with: the seed log key, and the same Ed25519 key as a witness.
fn seed_keys() -> Vec<NoteKey> {
    let log = NoteKey::parse_vkey(SEED_LOG_VKEY).expect("the seed vkey parses");
    let witness = NoteKey::new("witness.example/w1", log.public, KeyKind::Cosigner)
        .expect("a valid witness name");
    vec![log, witness]
}

/// A checkpoint note, then (after a NUL byte) a verifier key. A parsed note re-encodes to
/// the input, its text is a checkpoint tlog_tiles reads the same way, a signed one is a note
/// signed_note reads; a parsed vkey re-encodes to the input and signed_note agrees on it.
pub fn tlog_checkpoint(data: &[u8]) {
    let (note, vkey) = split_nul(data);
    if let Ok(signed) = SignedCheckpoint::parse(note) {
        assert_eq!(signed.to_bytes(), note);
        assert_eq!(
            SignedCheckpoint::parse(&signed.to_bytes()).as_ref(),
            Ok(&signed)
        );
        let body = signed.checkpoint.body();
        let theirs = tlog_tiles::Checkpoint::from_bytes(body.as_bytes())
            .expect("tlog_tiles reads every checkpoint tollgate reads");
        assert_eq!(theirs.origin(), signed.checkpoint.origin);
        assert_eq!(theirs.size(), signed.checkpoint.size);
        assert_eq!(theirs.hash().0, signed.checkpoint.root.0);
        if !signed.signatures.is_empty() {
            let theirs = signed_note::Note::from_bytes(note).expect("signed_note reads it too");
            assert_eq!(theirs.text(), body.as_bytes());
        }
        let keys = seed_keys();
        let verified = signed.verified_by(&keys);
        if let Ok(strict) = signed.verify(&keys) {
            assert_eq!(strict, verified);
        }
    }
    if let Ok(text) = std::str::from_utf8(vkey)
        && let Ok(key) = NoteKey::parse_vkey(text)
    {
        assert_eq!(key.vkey(), text);
        if key.kind == KeyKind::Log {
            assert!(signed_note::StandardVerifier::new(text).is_ok());
        }
    }
}

/// An inclusion proof (JSON). A parsed proof is checked (it must not panic); one that checks
/// re-encodes to a proof that checks the same way.
pub fn tlog_proof(data: &[u8]) {
    let Ok(proof) = InclusionProof::from_json(data) else {
        return;
    };
    let checked = proof.check();
    if let Ok((checkpoint, record)) = &checked {
        assert_eq!(checkpoint.size, proof.tree_size);
        let again = InclusionProof::from_json(proof.to_json().as_bytes()).expect("re-parses");
        assert_eq!(
            again.check().as_ref(),
            Ok(&(checkpoint.clone(), record.clone()))
        );
        if let Ok(signed) = proof.signed_checkpoint() {
            let _ = signed.verify(&seed_keys());
        }
    }
}

/// An entry bundle: what decodes encodes back to the same bytes.
pub fn tlog_bundle(data: &[u8]) {
    if let Ok(records) = bundle::decode(data) {
        assert!(!records.is_empty() && records.len() <= 256);
        assert_eq!(bundle::encode(&records).as_deref(), Ok(data));
        let first = bundle::decode_prefix(data, 1).expect("one record at least");
        assert_eq!(first[0], records[0]);
    }
}

/// A tile path: what parses prints back as the input, and Go's path for the same tile is
/// what tlog_tiles reads as that tile.
pub fn tlog_tile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = TileId::parse(text) {
        assert_eq!(id.path(), text);
        let tile = id.to_tile().expect("a parsed tile is a tlog_tiles tile");
        assert_eq!(TileId::from_tile(&tile), Ok(id));
        let go = to_go_path(&id);
        assert_eq!(tile.path(), go);
        let back = tlog_tiles::Tile::from_path(&go).expect("tlog_tiles reads Go's path");
        assert_eq!(back, tile);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    #[test]
    fn checkpoint_seeds_verify_with_the_seed_key() {
        let keys = seed_keys();
        let mut verified = 0;
        for seed in seeds("tlog_checkpoint") {
            tlog_checkpoint(&seed);
            let (note, vkey) = split_nul(&seed);
            let signed = SignedCheckpoint::parse(note).unwrap();
            verified += usize::from(signed.verify(&keys).is_ok());
            assert!(NoteKey::parse_vkey(std::str::from_utf8(vkey).unwrap()).is_ok());
        }
        assert!(verified >= 2, "{verified}");
    }

    #[test]
    fn proof_bundle_and_tile_seeds_are_valid() {
        for seed in seeds("tlog_proof") {
            tlog_proof(&seed);
            let proof = InclusionProof::from_json(&seed).unwrap();
            proof.check().unwrap();
            proof
                .signed_checkpoint()
                .unwrap()
                .verify(&seed_keys())
                .unwrap();
        }
        for seed in seeds("tlog_bundle") {
            tlog_bundle(&seed);
            bundle::decode(&seed).unwrap();
        }
        for seed in seeds("tlog_tile") {
            tlog_tile(&seed);
            TileId::parse(std::str::from_utf8(&seed).unwrap()).unwrap();
        }
    }
}
