//! Transparency-log primitives for ledger format v2 (c2sp.org/tlog-tiles): tile paths, entry
//! bundles, checkpoints and their signed notes, cosignatures, proofs and tree growth. Pure
//! functions over bytes, no I/O; the Merkle math is tlog_tiles' (a port of Go's
//! golang.org/x/mod/sumdb/tlog) and the note format signed_note's. docs/design/ledger-v2.md.

pub mod bundle;
pub mod cosign;
pub mod note;
pub mod paths;
pub mod proof;
pub mod tree;

pub use tlog_tiles::{Hash, HashReader, TileHashReader, TileReader};

/// Tile height: every tile (hash tiles and entry bundles) spans 2^8 = 256 entries.
pub const HEIGHT: u8 = 8;

/// Hashes in a full tile, records in a full entry bundle.
pub const TILE_WIDTH: u64 = 256;

/// The RFC 6962 leaf hash of one record: SHA-256(0x00 ‖ record).
pub fn leaf_hash(record: &[u8]) -> Hash {
    tlog_tiles::record_hash(record)
}

/// The root of the empty tree: SHA-256 of the empty string (RFC 6962 section 2.1).
pub fn empty_root() -> Hash {
    tlog_tiles::EMPTY_HASH
}

/// Standard base64 (with padding), as checkpoints, notes and proofs use it.
pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decode standard base64, accepting only the canonical encoding (what [`b64`] writes), so
/// every accepted text has exactly one byte string and re-encodes to itself.
pub(crate) fn unb64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    (b64(&bytes) == text).then_some(bytes)
}

/// A 32-byte hash from canonical base64; `what` names it in the error.
pub(crate) fn hash_from_b64(text: &str, what: &str) -> Result<Hash, String> {
    let bytes = unb64(text).ok_or_else(|| format!("{what} {text:?} is not canonical base64"))?;
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{what} is {} bytes, a SHA-256 hash is 32", b.len()))?;
    Ok(Hash(array))
}

/// A fresh unencrypted signing key for tests (its directory lives as long as the guard).
#[cfg(test)]
pub(crate) fn test_signer() -> (tempfile::TempDir, Signer) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let keys = crate::signing::keygen(dir.path(), None).expect("keygen");
    let signer = Signer::load(&keys.secret, None).expect("loading the new key");
    (dir, signer)
}

#[cfg(test)]
use crate::signing::Signer;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_and_empty_hashes_are_rfc6962() {
        use sha2::Digest as _;
        assert_eq!(
            empty_root().0.as_slice(),
            sha2::Sha256::digest(b"").as_slice()
        );
        let mut prefixed = vec![0u8];
        prefixed.extend_from_slice(b"record");
        assert_eq!(
            leaf_hash(b"record").0.as_slice(),
            sha2::Sha256::digest(&prefixed).as_slice()
        );
    }

    #[test]
    fn base64_is_canonical_only() {
        assert_eq!(unb64("AA=="), Some(vec![0]));
        assert_eq!(unb64("AB=="), None); // non-zero padding bits
        assert_eq!(unb64("AA"), None);
        assert!(hash_from_b64(&b64(&[7; 32]), "root").is_ok());
        let short = hash_from_b64(&b64(&[7; 31]), "root").unwrap_err();
        assert!(short.contains("31 bytes"), "{short}");
    }
}
