//! c2sp.org/tlog-cosignature `cosignature/v1`: a witness's timestamped Ed25519 statement that
//! it saw a checkpoint consistent with everything it saw before.

use super::note::{Checkpoint, KeyKind, NoteKey, NoteSignature, ed25519_verifies, key_id};
use crate::signing::Signer;

/// The latest timestamp a cosignature may carry (2^63 - 1, as the spec requires).
const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// The signed message: `cosignature/v1\ntime <timestamp>\n` then the checkpoint text.
fn message(checkpoint: &Checkpoint, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{}", checkpoint.body()).into_bytes()
}

/// `signer`'s cosignature of `checkpoint` at `timestamp` (POSIX seconds) as witness `name`:
/// key id SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[..4]; the signature line carries
/// key id ‖ timestamp (u64 big-endian) ‖ Ed25519 signature. A timestamp above 2^63 - 1 makes
/// a cosignature that [`verify_cosignature`] refuses.
pub fn cosign(
    checkpoint: &Checkpoint,
    name: &str,
    signer: &Signer,
    timestamp: u64,
) -> NoteSignature {
    cosign_with(checkpoint, name, signer.ed25519_public(), timestamp, |m| {
        signer.sign_ed25519(m)
    })
}

fn cosign_with(
    checkpoint: &Checkpoint,
    name: &str,
    public: [u8; 32],
    timestamp: u64,
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> NoteSignature {
    let mut signature = timestamp.to_be_bytes().to_vec();
    signature.extend_from_slice(&sign(&message(checkpoint, timestamp)));
    NoteSignature {
        name: name.to_owned(),
        id: key_id(name, KeyKind::Cosigner, &public),
        signature,
    }
}

/// Check `signature` as `key`'s cosignature of `checkpoint`; the cosignature's timestamp.
pub fn verify_cosignature(
    checkpoint: &Checkpoint,
    signature: &NoteSignature,
    key: &NoteKey,
) -> Result<u64, String> {
    let who = format!("{}+{:08x}", key.name, key.id);
    if key.kind != KeyKind::Cosigner {
        return Err(format!("{who} is a log key, not a witness (cosigner) key"));
    }
    if signature.name != key.name || signature.id != key.id {
        return Err(format!(
            "the signature line is by {}+{:08x}, not by witness {who}",
            signature.name, signature.id
        ));
    }
    if signature.signature.len() != 8 + 64 {
        return Err(format!(
            "the cosignature by {who} is {} bytes after its key id; cosignature/v1 has 72 (timestamp and Ed25519 signature)",
            signature.signature.len()
        ));
    }
    let (time, sig) = signature.signature.split_at(8);
    let timestamp = u64::from_be_bytes(time.try_into().map_err(|_| "bad timestamp")?);
    if timestamp > MAX_TIMESTAMP {
        return Err(format!(
            "the cosignature by {who} has timestamp {timestamp}, above 2^63 - 1"
        ));
    }
    if !ed25519_verifies(&key.public, &message(checkpoint, timestamp), sig) {
        return Err(format!(
            "the cosignature by {who} (time {timestamp}) does not verify for the checkpoint of {:?} at size {}: the checkpoint or the time was altered, or the key is not the witness's",
            checkpoint.origin, checkpoint.size
        ));
    }
    Ok(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::note::SignedCheckpoint;
    use crate::tlog::{leaf_hash, test_signer};

    fn checkpoint() -> Checkpoint {
        Checkpoint::new("example.com/behind-the-sofa", 20852163, leaf_hash(b"r")).unwrap()
    }

    #[test]
    fn known_answer_message_and_layout() {
        // The signed message of c2sp.org/tlog-cosignature's example.
        let cp = Checkpoint {
            root: crate::tlog::hash_from_b64(
                "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
                "root",
            )
            .unwrap(),
            ..checkpoint()
        };
        assert_eq!(
            String::from_utf8(message(&cp, 1679315147)).unwrap(),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        // The example's witness line: key id, then the timestamp 0x64_18_50_cb.
        let line = "\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
        let sig = NoteSignature::parse_line(line).unwrap();
        assert_eq!(sig.signature.len(), 72);
        assert_eq!(
            u64::from_be_bytes(sig.signature[..8].try_into().unwrap()),
            1679315147
        );
    }

    #[test]
    fn cosignatures_verify_and_fail_on_any_change() {
        let (_dir, witness) = test_signer();
        let (_dir2, stranger) = test_signer();
        let cp = checkpoint();
        let key =
            NoteKey::new("w.example/w1", witness.ed25519_public(), KeyKind::Cosigner).unwrap();
        let sig = cosign(&cp, "w.example/w1", &witness, 1_700_000_000);
        assert_eq!(sig.id, key.id);
        assert_eq!(verify_cosignature(&cp, &sig, &key), Ok(1_700_000_000));

        // The wrong key (same name: its id differs, so the line is not its).
        let wrong =
            NoteKey::new("w.example/w1", stranger.ed25519_public(), KeyKind::Cosigner).unwrap();
        assert!(
            verify_cosignature(&cp, &sig, &wrong)
                .unwrap_err()
                .contains("not by witness")
        );
        // A stranger's signature under the witness's name and id.
        let forged = NoteSignature {
            id: key.id,
            ..cosign(&cp, "w.example/w1", &stranger, 1_700_000_000)
        };
        assert!(
            verify_cosignature(&cp, &forged, &key)
                .unwrap_err()
                .contains("does not verify")
        );
        // The wrong time.
        let mut retimed = sig.clone();
        retimed.signature[7] ^= 1;
        assert!(
            verify_cosignature(&cp, &retimed, &key)
                .unwrap_err()
                .contains("does not verify")
        );
        // An altered checkpoint.
        let altered = Checkpoint {
            size: cp.size + 1,
            ..cp.clone()
        };
        assert!(verify_cosignature(&altered, &sig, &key).is_err());
        // A log key is not a cosigner key, even for the same Ed25519 key.
        let log = NoteKey::new("w.example/w1", witness.ed25519_public(), KeyKind::Log).unwrap();
        assert!(
            verify_cosignature(&cp, &sig, &log)
                .unwrap_err()
                .contains("log key")
        );
        // Timestamps above 2^63 - 1, and truncated signatures.
        let late = cosign(&cp, "w.example/w1", &witness, u64::MAX);
        assert!(
            verify_cosignature(&cp, &late, &key)
                .unwrap_err()
                .contains("2^63")
        );
        let short = NoteSignature {
            signature: sig.signature[..71].to_vec(),
            ..sig.clone()
        };
        assert!(
            verify_cosignature(&cp, &short, &key)
                .unwrap_err()
                .contains("72")
        );
    }

    #[test]
    fn cosigned_checkpoints_are_verified_by_both_keys() {
        let (_dir, log) = test_signer();
        let (_dir2, witness) = test_signer();
        let cp = Checkpoint::new("log.example", 5, leaf_hash(b"x")).unwrap();
        let mut signed = SignedCheckpoint::sign(cp.clone(), &log);
        signed.add_signature(cosign(&cp, "w.example", &witness, 99));
        let parsed = SignedCheckpoint::parse(&signed.to_bytes()).unwrap();
        let keys = [
            NoteKey::new("log.example", log.ed25519_public(), KeyKind::Log).unwrap(),
            NoteKey::new("w.example", witness.ed25519_public(), KeyKind::Cosigner).unwrap(),
            NoteKey::new("other.example", witness.ed25519_public(), KeyKind::Cosigner).unwrap(),
        ];
        assert_eq!(parsed.verified_by(&keys), vec![&keys[0], &keys[1]]);
        assert_eq!(parsed.verify(&keys).unwrap().len(), 2);
        // Go's note package ignores the 0x04 line as an unknown key and verifies the log's.
        let verifier = signed_note::StandardVerifier::new(&keys[0].vkey()).unwrap();
        let list = signed_note::VerifierList::new(vec![Box::new(verifier)]);
        let (good, unknown) = signed_note::Note::from_bytes(&parsed.to_bytes())
            .unwrap()
            .verify(&list)
            .unwrap();
        assert_eq!((good.len(), unknown.len()), (1, 1));
    }
}
