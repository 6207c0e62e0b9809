//! The batch verifier against signatures made by tollgate's own signer and by stock minisign
//! (testdata/interop, prehashed and legacy), and against single flipped bits.

use super::*;
use crate::signing::{Signer, keygen};
use std::path::{Path, PathBuf};

fn interop(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/interop")
        .join(path)
}

fn trusted(path: &Path) -> TrustedKey {
    TrustedKey::from_file(path, "k.pub").unwrap()
}

fn stock(kind: &str, file: &str) -> (Vec<u8>, String) {
    let data = std::fs::read(interop(&format!("{kind}/{file}"))).unwrap();
    let sig = std::fs::read_to_string(interop(&format!("{kind}/{file}.minisig"))).unwrap();
    (data, sig)
}

/// A fresh tollgate key pair: (signer, its trusted public key). Keep the dir alive.
fn own_key() -> (tempfile::TempDir, Signer, TrustedKey) {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path(), None).unwrap();
    let signer = Signer::load(&keys.secret, None).unwrap();
    let key = trusted(&keys.public);
    (dir, signer, key)
}

/// Flip one bit of the base64 blob on line `line` (0-based) at byte `at`.
fn flip_blob_bit(sig: &str, line: usize, at: usize) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    let mut lines: Vec<String> = sig.lines().map(str::to_owned).collect();
    let mut bytes = engine.decode(&lines[line]).unwrap();
    bytes[at] ^= 0x01;
    lines[line] = engine.encode(bytes);
    lines.join("\n") + "\n"
}

fn verifies(verifier: &BatchVerifier, sig: &str, data: &[u8], legacy: bool) -> bool {
    let Ok(item) = verifier.prepare(sig, data, legacy) else {
        return false;
    };
    let single = verifier.verify_one(&item);
    assert_eq!(
        verifier.verify_all(&[&item]),
        vec![single],
        "batch and single agree"
    );
    single
}

#[test]
fn own_signatures_verify_and_every_flipped_bit_is_caught() {
    let (_dir, signer, key) = own_key();
    let verifier = BatchVerifier::new(&key).unwrap();
    let sig = signer
        .sign(b"verdict bytes", "env:regtest sha256:abc")
        .unwrap();
    let item = verifier.prepare(&sig, b"verdict bytes", false).unwrap();
    assert_eq!(item.trusted_comment(), "env:regtest sha256:abc");
    assert!(verifies(&verifier, &sig, b"verdict bytes", false));

    assert!(!verifies(&verifier, &sig, b"verdict bytez", false), "data");
    assert!(
        !verifies(
            &verifier,
            &flip_blob_bit(&sig, 1, 40),
            b"verdict bytes",
            false
        ),
        "signature"
    );
    assert!(
        !verifies(
            &verifier,
            &flip_blob_bit(&sig, 3, 7),
            b"verdict bytes",
            false
        ),
        "global signature"
    );
    let comment = sig.replace("env:regtest", "env:mainnet");
    assert!(
        !verifies(&verifier, &comment, b"verdict bytes", false),
        "trusted comment"
    );
    // The untrusted comment is not signed: changing it changes nothing.
    let untrusted = sig.replacen("signature from", "whatever", 1);
    assert!(verifies(&verifier, &untrusted, b"verdict bytes", false));
}

#[test]
fn stock_minisign_prehashed_and_legacy() {
    let key = trusted(&interop("keys/signer.pub"));
    let verifier = BatchVerifier::new(&key).unwrap();
    for file in ["hello.txt", "payload.bin", "SHA256SUMS"] {
        let (data, sig) = stock("prehashed", file);
        assert!(verifies(&verifier, &sig, &data, false), "prehashed {file}");
        let mut tampered = data.clone();
        tampered[0] ^= 0x80;
        assert!(
            !verifies(&verifier, &sig, &tampered, false),
            "prehashed {file}"
        );

        let (data, sig) = stock("legacy", file);
        assert!(verifies(&verifier, &sig, &data, true), "legacy {file}");
        // Like `minisign-verify` with allow_legacy = false: refused, not verified.
        assert_eq!(
            verifier.prepare(&sig, &data, false).err(),
            Some(Rejected::WrongKeyOrAlgorithm)
        );
        // Agrees with minisign-verify on the same inputs.
        let decoded = minisign_verify::Signature::decode(&sig).unwrap();
        assert!(key.key.verify(&data, &decoded, true).is_ok());
    }
}

#[test]
fn another_key_or_garbage_is_rejected_before_batching() {
    let other = trusted(&interop("keys/other.pub"));
    let verifier = BatchVerifier::new(&other).unwrap();
    let (data, sig) = stock("prehashed", "hello.txt");
    assert_eq!(
        verifier.prepare(&sig, &data, false).err(),
        Some(Rejected::WrongKeyOrAlgorithm)
    );
    let garbage = verifier.prepare("untrusted comment: x\nnot base64\n", &data, false);
    assert_eq!(
        garbage.err(),
        Some(Rejected::Malformed(
            "Invalid encoding in minisign data".to_owned()
        ))
    );
}

#[test]
fn a_bad_signature_in_a_large_batch_is_named_exactly() {
    let (_dir, signer, key) = own_key();
    let verifier = BatchVerifier::new(&key).unwrap();
    let datas: Vec<Vec<u8>> = (0..150)
        .map(|i| format!("entry {i}").into_bytes())
        .collect();
    let mut sigs: Vec<String> = datas
        .iter()
        .map(|d| signer.sign(d, "tollgate").unwrap())
        .collect();
    sigs[77] = flip_blob_bit(&sigs[77], 3, 0);
    sigs[140] = flip_blob_bit(&sigs[140], 1, 20);
    let items: Vec<Prepared> = sigs
        .iter()
        .zip(&datas)
        .map(|(s, d)| verifier.prepare(s, d, false).unwrap())
        .collect();
    let refs: Vec<&Prepared> = items.iter().collect();
    let results = verifier.verify_all(&refs);
    let bad: Vec<usize> = (0..results.len()).filter(|&i| !results[i]).collect();
    assert_eq!(bad, vec![77, 140]);
}
