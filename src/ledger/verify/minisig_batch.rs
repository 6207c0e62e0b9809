//! Minisign signature verification in batches, for `audit verify`: a 100,000-entry ledger
//! holds 200,000 minisign signatures, i.e. 400,000 Ed25519 checks (each signature over the
//! data or its BLAKE2b-512 prehash, and the global signature over signature || trusted
//! comment). Checking them one at a time dominated verify; `ed25519-dalek`'s batch
//! verification checks many in one multiscalar multiplication.
//!
//! Semantics are minisign's (and `minisign-verify`'s, which the rest of tollgate uses for
//! single signatures): algorithm `ED` (prehashed) or, only when allowed, `Ed` (legacy); the
//! signature's key id must be the key's; both signatures must verify; the untrusted comment
//! is ignored. When a batch fails, its signatures are checked one by one (`verify`, the same
//! cofactorless equation `minisign-verify` uses) so the caller learns exactly which failed.

use crate::keys::{KeyId, TrustedKey};
use base64::Engine as _;
use blake2::{Blake2b512, Digest};
use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use rayon::prelude::*;

/// Signatures (minisigs) per batch: large enough for the multiscalar multiplication to pay
/// off, small enough that one bad signature costs little to find by checking its batch one
/// by one.
const BATCH: usize = 64;

/// The minisign algorithm tags (bytes 0..2 of the signature blob).
const LEGACY: [u8; 2] = *b"Ed";
const PREHASHED: [u8; 2] = *b"ED";
const TRUSTED_PREFIX: &str = "trusted comment: ";

/// One trusted key, ready for batch verification.
pub struct BatchVerifier {
    key_id: KeyId,
    key: VerifyingKey,
}

/// Why a signature could not even be put into a batch.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejected {
    /// Not a minisign signature; the text says why (in `minisign-verify`'s words).
    Malformed(String),
    /// Well-formed, but it cannot verify with this key: another key id, or a legacy
    /// signature where only prehashed ones are allowed.
    WrongKeyOrAlgorithm,
}

/// A parsed minisign signature with the message it signs, waiting for verification.
pub struct Prepared {
    /// The BLAKE2b-512 prehash of the data (`ED`), or the data itself (legacy `Ed`).
    message: Vec<u8>,
    signature: Signature,
    /// signature || trusted comment: what the global signature signs.
    global_message: Vec<u8>,
    global_signature: Signature,
}

impl Prepared {
    /// The trusted comment (without its `trusted comment: ` prefix).
    pub fn trusted_comment(&self) -> &str {
        // Built in `prepare` from the 64-byte signature and a `&str`, so this cannot fail.
        std::str::from_utf8(&self.global_message[64..]).unwrap_or("")
    }
}

impl BatchVerifier {
    /// A verifier for `key`; refuses a weak (small-order) Ed25519 key, which no honest
    /// minisign key is.
    pub fn new(key: &TrustedKey) -> Result<BatchVerifier, String> {
        let verifying = VerifyingKey::from_bytes(&key.ed25519)
            .map_err(|e| format!("public key {} is not an Ed25519 point: {e}", key.key_id))?;
        if verifying.is_weak() {
            return Err(format!("public key {} is a weak Ed25519 key", key.key_id));
        }
        Ok(BatchVerifier {
            key_id: key.key_id,
            key: verifying,
        })
    }

    /// The key's id, as minisign prints it in messages.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Parse the `.minisig` text `signature` over `data`, as `minisign-verify` would.
    pub fn prepare(
        &self,
        signature: &str,
        data: &[u8],
        allow_legacy: bool,
    ) -> Result<Prepared, Rejected> {
        let Some(parsed) = parse(signature) else {
            // Our parser and minisign-verify's agree on well-formed input; for the message
            // (and any edge case of base64 leniency) ask minisign-verify itself.
            return Err(match minisign_verify::Signature::decode(signature) {
                Err(e) => Rejected::Malformed(e.to_string()),
                Ok(_) => Rejected::Malformed("unsupported minisign encoding".to_owned()),
            });
        };
        let (algorithm, key_id, signature, trusted_comment, global_signature) = parsed;
        if key_id != *self.key_id.as_bytes() {
            return Err(Rejected::WrongKeyOrAlgorithm);
        }
        let message = match algorithm {
            PREHASHED => Blake2b512::digest(data).to_vec(),
            LEGACY if allow_legacy => data.to_vec(),
            _ => return Err(Rejected::WrongKeyOrAlgorithm),
        };
        let mut global_message = Vec::with_capacity(64 + trusted_comment.len());
        global_message.extend_from_slice(&signature);
        global_message.extend_from_slice(trusted_comment.as_bytes());
        Ok(Prepared {
            message,
            signature: Signature::from_bytes(&signature),
            global_message,
            global_signature: Signature::from_bytes(&global_signature),
        })
    }

    /// Whether both of `item`'s signatures verify (checked on their own).
    pub fn verify_one(&self, item: &Prepared) -> bool {
        self.key.verify(&item.message, &item.signature).is_ok()
            && self
                .key
                .verify(&item.global_message, &item.global_signature)
                .is_ok()
    }

    /// Whether each item's signatures verify, in `items`' order. Batches run in parallel;
    /// a batch that fails is re-checked item by item, so a bad signature is named exactly.
    pub fn verify_all(&self, items: &[&Prepared]) -> Vec<bool> {
        items
            .par_chunks(BATCH)
            .flat_map_iter(|batch| {
                if self.verify_batch(batch) {
                    vec![true; batch.len()]
                } else {
                    batch.iter().map(|item| self.verify_one(item)).collect()
                }
            })
            .collect()
    }

    // A batch can accept what single verification refuses only for encodings the key's
    // owner alone could produce (e.g. a non-canonical R of a valid signature); the stored
    // signature's bytes are pinned by their SHA-256 in the chain either way.
    fn verify_batch(&self, batch: &[&Prepared]) -> bool {
        let mut messages: Vec<&[u8]> = Vec::with_capacity(batch.len() * 2);
        let mut signatures = Vec::with_capacity(batch.len() * 2);
        for item in batch {
            messages.push(&item.message);
            signatures.push(item.signature);
            messages.push(&item.global_message);
            signatures.push(item.global_signature);
        }
        let keys = vec![self.key; signatures.len()];
        ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    }
}

type Parsed<'a> = ([u8; 2], [u8; 8], [u8; 64], &'a str, [u8; 64]);

/// Split a `.minisig` text into algorithm, key id, signature, trusted comment and global
/// signature, with `minisign-verify`'s rules (four lines; 74- and 64-byte base64 blobs; the
/// third line starts with `trusted comment: `; algorithm `Ed` or `ED`).
fn parse(text: &str) -> Option<Parsed<'_>> {
    let mut lines = text.lines();
    let _untrusted = lines.next()?;
    let blob = decode::<74>(lines.next()?)?;
    let trusted_comment = lines.next()?.strip_prefix(TRUSTED_PREFIX)?;
    let global_signature = decode::<64>(lines.next()?)?;
    let algorithm: [u8; 2] = blob[0..2].try_into().ok()?;
    if algorithm != LEGACY && algorithm != PREHASHED {
        return None;
    }
    Some((
        algorithm,
        blob[2..10].try_into().ok()?,
        blob[10..74].try_into().ok()?,
        trusted_comment,
        global_signature,
    ))
}

fn decode<const N: usize>(line: &str) -> Option<[u8; N]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(line)
        .ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
#[path = "minisig_batch_tests.rs"]
mod tests;
