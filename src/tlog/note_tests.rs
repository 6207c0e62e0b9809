//! Tests of checkpoint notes: known answers from Go's note package and the C2SP spec,
//! parsing rules, signing with a tollgate key, verification failures.

use super::*;
use crate::tlog::{empty_root, leaf_hash, test_signer};

/// Go's note package documentation: PeterNeumann's signer key, verifier key and signature.
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn peter_key() -> ed25519_dalek::SigningKey {
    let encoded = PETER_SKEY.splitn(5, '+').nth(4).unwrap();
    let bytes = unb64(encoded).unwrap();
    assert_eq!(bytes[0], 0x01);
    ed25519_dalek::SigningKey::from_bytes(&bytes[1..].try_into().unwrap())
}

#[test]
fn known_answer_go_note_vkey_and_signature() {
    use ed25519_dalek::Signer as _;
    let key = peter_key();
    let note_key =
        NoteKey::new("PeterNeumann", key.verifying_key().to_bytes(), KeyKind::Log).unwrap();
    assert_eq!(note_key.vkey(), PETER_VKEY);
    assert_eq!(NoteKey::parse_vkey(PETER_VKEY).unwrap(), note_key);
    let signature = NoteSignature {
        name: "PeterNeumann".into(),
        id: note_key.id,
        signature: key.sign(PETER_TEXT.as_bytes()).to_bytes().to_vec(),
    };
    assert_eq!(signature.line(), PETER_SIG);
    assert_eq!(
        NoteSignature::parse_line(PETER_SIG.trim_end_matches('\n')).unwrap(),
        signature
    );
}

#[test]
fn known_answer_c2sp_signed_note_example() {
    // c2sp.org/signed-note, "Verifier keys": this vkey verifies this note.
    let key = NoteKey::parse_vkey(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    )
    .unwrap();
    assert_eq!((key.id, key.kind), (0x530d903a, KeyKind::Log));
    let line = "\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=";
    let signature = NoteSignature::parse_line(line).unwrap();
    assert_eq!(signature.id, key.id);
    assert!(ed25519_verifies(
        &key.public,
        b"This is an example message.\n",
        &signature.signature
    ));
    assert!(!ed25519_verifies(
        &key.public,
        b"This is an example message!\n",
        &signature.signature
    ));
}

#[test]
fn checkpoint_signature_matches_signed_note() {
    // The same checkpoint signed by signed_note (an independent implementation) and by the
    // code path SignedCheckpoint::sign uses: byte-identical notes (Ed25519 is deterministic).
    use ed25519_dalek::Signer as _;
    let key = peter_key();
    let checkpoint = Checkpoint::new("PeterNeumann", 3, leaf_hash(b"x")).unwrap();
    let ours = SignedCheckpoint::new(
        checkpoint.clone(),
        vec![log_signature(
            &checkpoint,
            key.verifying_key().to_bytes(),
            |m| key.sign(m).to_bytes(),
        )],
    );
    let signer = signed_note::StandardSigner::new(PETER_SKEY).unwrap();
    let mut theirs = signed_note::Note::new(checkpoint.body().as_bytes(), &[]).unwrap();
    theirs.add_sigs(&[&signer]).unwrap();
    assert_eq!(ours.to_bytes(), theirs.to_bytes());
    let verifier = signed_note::StandardVerifier::new(PETER_VKEY).unwrap();
    let list = signed_note::VerifierList::new(vec![Box::new(verifier)]);
    assert!(
        signed_note::Note::from_bytes(&ours.to_bytes())
            .unwrap()
            .verify(&list)
            .is_ok()
    );
}

#[test]
fn body_matches_tlog_tiles_and_parses_back() {
    let mut checkpoint = Checkpoint::new("example.com/log", 923748, leaf_hash(b"r")).unwrap();
    checkpoint.extensions.push("ext one".into());
    let theirs =
        tlog_tiles::Checkpoint::new("example.com/log", 923748, leaf_hash(b"r"), "ext one\n")
            .unwrap();
    assert_eq!(checkpoint.body().as_bytes(), theirs.to_bytes());
    assert_eq!(
        Checkpoint::parse_body(&checkpoint.body()).unwrap(),
        checkpoint
    );
    let empty = Checkpoint::new("o", 0, empty_root()).unwrap();
    assert_eq!(
        empty.body(),
        "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    );
}

#[test]
fn bad_checkpoint_texts_say_which_line() {
    let root = b64(&[1; 32]);
    for (text, says) in [
        (format!("o\n1\n{root}"), "newline"),
        (format!("\n1\n{root}\n"), "line 1"),
        (format!("o\n01\n{root}\n"), "line 2"),
        (format!("o\n-1\n{root}\n"), "line 2"),
        (format!("o\n18446744073709551616\n{root}\n"), "line 2"),
        ("o\n1\n".to_owned(), "line 3"),
        ("o\n1\nAAAA\n".to_owned(), "line 3"),
        (format!("o\n1\n{root}\n\nx\n"), "line 4"),
        (format!("o\r\n1\n{root}\n"), "control"),
    ] {
        let err = Checkpoint::parse_body(&text).unwrap_err();
        assert!(err.contains(says), "{text:?}: {err}");
        assert!(tlog_tiles::Checkpoint::from_bytes(text.as_bytes()).is_err() || says == "control");
    }
    assert!(Checkpoint::new("has space", 1, empty_root()).is_err());
    assert!(Checkpoint::new("a+b", 1, empty_root()).is_err());
}

#[test]
fn sign_parse_verify_with_a_tollgate_key() {
    let (_dir, signer) = test_signer();
    let checkpoint = Checkpoint::new("tollgate.example/ledger", 42, leaf_hash(b"a")).unwrap();
    let signed = SignedCheckpoint::sign(checkpoint.clone(), &signer);
    let parsed = SignedCheckpoint::parse(&signed.to_bytes()).unwrap();
    assert_eq!(parsed, signed);
    let key = NoteKey::from_minisign(
        &signer.public_key_file().unwrap(),
        "tollgate.example/ledger",
        KeyKind::Log,
    )
    .unwrap();
    assert_eq!(key.public, signer.ed25519_public());
    assert_eq!(
        NoteKey::from_minisign(&signer.public_key_base64(), &key.name, KeyKind::Log).unwrap(),
        key
    );
    let keys = [key.clone()];
    assert_eq!(parsed.verified_by(&keys), vec![&key]);
    assert_eq!(parsed.verify(&keys).unwrap(), vec![&key]);
    // Go's note package (via signed_note) accepts it with the printed vkey.
    let verifier = signed_note::StandardVerifier::new(&key.vkey()).unwrap();
    let list = signed_note::VerifierList::new(vec![Box::new(verifier)]);
    assert!(
        signed_note::Note::from_bytes(&signed.to_bytes())
            .unwrap()
            .verify(&list)
            .is_ok()
    );

    // A key named differently from the origin is no log key of this checkpoint.
    let other_name = NoteKey::new("other.example/log", key.public, KeyKind::Log).unwrap();
    assert!(
        parsed
            .verified_by(std::slice::from_ref(&other_name))
            .is_empty()
    );
    assert!(
        parsed
            .verify(&[other_name])
            .unwrap_err()
            .contains("no signature by a trusted log key")
    );

    // An altered checkpoint with the same signature line fails loudly.
    let altered = String::from_utf8(signed.to_bytes())
        .unwrap()
        .replace("\n42\n", "\n43\n");
    let altered = SignedCheckpoint::parse(altered.as_bytes()).unwrap();
    assert!(altered.verified_by(&keys).is_empty());
    assert!(
        altered
            .verify(&keys)
            .unwrap_err()
            .contains("does not verify")
    );
}

#[test]
fn unsigned_checkpoints_and_signature_merging() {
    let checkpoint = Checkpoint::new("o.example", 1, leaf_hash(b"a")).unwrap();
    let unsigned = SignedCheckpoint::new(checkpoint.clone(), vec![]);
    assert_eq!(
        unsigned.to_bytes(),
        format!("{}\n", checkpoint.body()).into_bytes()
    );
    assert_eq!(
        SignedCheckpoint::parse(&unsigned.to_bytes()).unwrap(),
        unsigned
    );
    assert!(unsigned.verify(&[]).is_err());

    let (_dir, signer) = test_signer();
    let mut signed = SignedCheckpoint::sign(checkpoint, &signer);
    let first = signed.signatures[0].clone();
    let extra = NoteSignature {
        name: "w.example".into(),
        id: 7,
        signature: vec![1; 72],
    };
    signed.add_signature(extra.clone());
    signed.add_signature(NoteSignature {
        signature: vec![2; 72],
        ..extra.clone()
    });
    assert_eq!(signed.signatures.len(), 2);
    assert_eq!(signed.signatures[0], first);
    assert_eq!(signed.signatures[1].signature, vec![2; 72]);
    assert_eq!(SignedCheckpoint::parse(&signed.to_bytes()).unwrap(), signed);
}

#[test]
fn malformed_notes_are_refused() {
    let body = Checkpoint::new("o.example", 1, leaf_hash(b"a"))
        .unwrap()
        .body();
    let sig = b64(&[0; 68]);
    for (note, says) in [
        (body.clone(), "blank line"),
        (format!("{body}\n\u{2014} o.example {sig}"), "newline"),
        (format!("{body}\n- o.example {sig}\n"), "em dash"),
        (format!("{body}\n\u{2014} o.example\n"), "no space"),
        (format!("{body}\n\u{2014} o.example AAAA\n"), "too short"),
        (format!("{body}\n\u{2014} o.example {sig}x\n"), "base64"),
        (format!("{body}\n\u{2014} o.example {sig}\n\n"), "line"),
        (format!("{body}\n\u{2014} o.example {sig}\r\n"), "control"),
    ] {
        let err = SignedCheckpoint::parse(note.as_bytes()).unwrap_err();
        assert!(err.contains(says), "{note:?}: {err}");
    }
    let too_many: String = (0..=MAX_SIGNATURES)
        .map(|i| format!("\u{2014} n{i} {sig}\n"))
        .collect();
    let err = SignedCheckpoint::parse(format!("{body}\n{too_many}").as_bytes()).unwrap_err();
    assert!(err.contains("more than 100"), "{err}");
    assert!(
        SignedCheckpoint::parse(&[0xff, b'\n', b'\n'])
            .unwrap_err()
            .contains("UTF-8")
    );
}

#[test]
fn vkeys_are_strict() {
    let key = NoteKey::parse_vkey(PETER_VKEY).unwrap();
    let cosigner = NoteKey::new("w.example/w1", key.public, KeyKind::Cosigner).unwrap();
    assert_ne!(
        cosigner.id,
        NoteKey::new("w.example/w1", key.public, KeyKind::Log)
            .unwrap()
            .id
    );
    assert!(cosigner.vkey().contains("+BB"), "{}", cosigner.vkey()); // 0x04 then the key
    assert_eq!(NoteKey::parse_vkey(&cosigner.vkey()).unwrap(), cosigner);
    for bad in [
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW+x",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ApPc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(NoteKey::parse_vkey(bad).is_err(), "{bad}");
    }
    assert!(NoteKey::from_minisign("untrusted comment: x\n", "n", KeyKind::Log).is_err());
    assert!(NoteKey::from_minisign("RWnotakey", "n", KeyKind::Log).is_err());
}
