//! `audit verify` of format-2 logs: an intact log passes; a changed record, tile or
//! checkpoint, a removed bundle and an unsigned checkpoint are named; `--since` reads only
//! what came after the pin and calls a rewritten log a fork.

use super::tests::{log, pending};
use super::verify::verify;
use crate::keys::TrustedKey;
use crate::ledger::append::append;
use crate::ledger::store::Store;
use crate::tlog::note::SignedCheckpoint;

fn key(log: &super::tests::Log) -> TrustedKey {
    TrustedKey::resolve(&log.signer.public_key_base64(), std::path::Path::new(".")).unwrap()
}

fn filled(n: usize) -> super::tests::Log {
    let log = log();
    for i in 0..n {
        append(&log.store, pending(i), Some(&log.signer)).unwrap();
    }
    log
}

fn first_break(log: &super::tests::Log) -> (String, String) {
    let outcome = verify(&log.store, Some(&key(log)), &[], None).unwrap();
    let first = outcome.breaks.first().expect("a break");
    (first.key.clone(), first.message.clone())
}

#[test]
fn an_intact_log_verifies_with_its_checkpoint_signature() {
    let log = filled(300);
    let outcome = verify(&log.store, Some(&key(&log)), &[], None).unwrap();
    assert!(outcome.ok(), "{:?}", outcome.breaks);
    assert_eq!(outcome.entries, 300);
    let checkpoint = outcome.checkpoint.unwrap();
    assert_eq!((checkpoint.size, checkpoint.signed), (300, true));
    assert_eq!(checkpoint.signed_by.len(), 1);
    assert_eq!(outcome.signatures_verified, 1);
}

#[test]
fn a_changed_record_tile_or_bundle_is_named() {
    let log = filled(300);
    // A record in the full bundle, edited in place (same length).
    let path = log.dir.path().join("ledger/tile/entries/000");
    let bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(7).position(|w| w == b"regtest").unwrap();
    let mut edited = bytes.clone();
    edited[at + 6] = b'u';
    std::fs::write(&path, &edited).unwrap();
    // Still a well-formed entry: the tree no longer matches it.
    let (key, message) = first_break(&log);
    assert_eq!(key, "tile/0/000");
    assert!(
        message.contains("holds other hashes than the records give"),
        "{message}"
    );
    let outcome = verify(&log.store, None, &[], None).unwrap();
    assert!(
        outcome
            .breaks
            .iter()
            .any(|b| b.key == "checkpoint" && b.message.contains("is not the root")),
        "{:?}",
        outcome.breaks
    );
    std::fs::write(&path, &bytes).unwrap();

    let tile = log.dir.path().join("ledger/tile/0/000");
    let mut hashes = std::fs::read(&tile).unwrap();
    hashes[40] ^= 1;
    std::fs::write(&tile, &hashes).unwrap();
    let (key, message) = first_break(&log);
    assert_eq!(key, "tile/0/000", "{message}");
    hashes[40] ^= 1;
    std::fs::write(&tile, &hashes).unwrap();
    assert_eq!(
        verify(&log.store, Some(&key_of(&log)), &[], None)
            .unwrap()
            .breaks,
        []
    );

    // The first bundle removed: what follows belongs to no record, the checkpoint covers
    // more than the log holds.
    std::fs::remove_file(&path).unwrap();
    let breaks = verify(&log.store, None, &[], None).unwrap().breaks;
    let said = |key: &str, what: &str| {
        breaks
            .iter()
            .any(|b| b.key.starts_with(key) && b.message.contains(what))
    };
    assert!(
        said("tile/entries/001", "beyond the log's end"),
        "{breaks:?}"
    );
    assert!(said("checkpoint", "(truncation)"), "{breaks:?}");
}

fn key_of(log: &super::tests::Log) -> TrustedKey {
    key(log)
}

#[test]
fn an_unsigned_checkpoint_is_a_break_with_a_key_and_reported_without() {
    let log = log();
    append(&log.store, pending(0), None).unwrap();
    let (key, message) = first_break(&log);
    assert_eq!(key, "checkpoint");
    assert!(message.contains("not signed"), "{message}");
    let outcome = verify(&log.store, None, &[], None).unwrap();
    assert!(outcome.ok() && !outcome.checkpoint.unwrap().signed);
}

#[test]
fn since_reads_only_what_follows_the_pin_and_catches_a_fork() {
    let log = filled(40);
    let pinned = SignedCheckpoint::parse(&log.store.get("checkpoint").unwrap().unwrap()).unwrap();
    for i in 40..45 {
        append(&log.store, pending(i), Some(&log.signer)).unwrap();
    }
    let outcome = verify(&log.store, Some(&key(&log)), &[], Some(&pinned)).unwrap();
    assert!(outcome.ok(), "{:?}", outcome.breaks);
    assert_eq!((outcome.entries, outcome.since), (5, Some(40)));

    // The key holder rewrites history: the same origin, other records.
    let forged = super::tests::log_at(&log, "forged");
    for i in 100..145 {
        append(&forged.store, pending(i), Some(&log.signer)).unwrap();
    }
    let outcome = verify(&forged.store, Some(&key(&log)), &[], Some(&pinned)).unwrap();
    let first = outcome.breaks.first().expect("a fork");
    assert_eq!(first.key, "checkpoint");
    assert!(
        first.message.contains("the log was rewritten"),
        "{}",
        first.message
    );
    // A full verify of the forged log passes: only the pin tells.
    assert!(
        verify(&forged.store, Some(&key(&log)), &[], None)
            .unwrap()
            .ok()
    );
}
