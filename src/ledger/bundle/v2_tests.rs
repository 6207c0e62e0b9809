//! Bundles of format-2 logs: what an export holds (the checkpoint, a proof per exported
//! record, every revocation record, blobs and plain copies) and what it refuses (records the
//! checkpoint does not cover yet).

use super::{BundleManifest, export};
use crate::ledger::append::{Pending, append};
use crate::ledger::entry::{BlobRef, Kind};
use crate::tlog::proof::InclusionProof;
use std::collections::BTreeMap;

pub(super) use crate::ledger::v2::tests::Log;

pub(super) fn log() -> Log {
    crate::ledger::v2::tests::log_with_origin("example.com/bundle")
}

/// An entry of `kind` with one blob (as its verdict) holding `i`.
pub(super) fn pending(i: usize, kind: Kind) -> Pending {
    let mut entry = crate::ledger::record::blank(
        kind,
        "regtest",
        format!("2026-12-01T00:{:02}:{:02}Z", i / 60 % 60, i % 60),
    );
    let blob = format!("{{\"verdict\":{i}}}").into_bytes();
    entry.verdict = Some(BlobRef {
        sha256: crate::digest::sha256_hex(&blob),
        size: blob.len() as u64,
    });
    Pending {
        entry,
        blobs: vec![blob],
        time_source: crate::ledger::clock::Source::Clock,
    }
}

/// Export `seq` (or all) from `log` into memory: the members by name.
pub(super) fn exported(log: &Log, seq: Option<u64>) -> BTreeMap<String, Vec<u8>> {
    let mut tar = Vec::new();
    let export = export(&log.store, seq, &mut tar).unwrap();
    assert!(matches!(export.manifest, BundleManifest::V2(_)));
    let path = log.dir.path().join("b.tar");
    std::fs::write(&path, &tar).unwrap();
    super::read(&path).unwrap()
}

#[test]
fn an_export_holds_the_checkpoint_and_a_proof_per_record_not_the_log() {
    let log = log();
    for i in 0..5 {
        append(&log.store, pending(i, Kind::Verdict), Some(&log.signer)).unwrap();
    }
    let members = exported(&log, Some(3));
    let names: Vec<&str> = members.keys().map(String::as_str).collect();
    assert!(names.contains(&"ledger/checkpoint"), "{names:?}");
    assert!(names.contains(&"entries/3/proof.json"), "{names:?}");
    assert!(names.contains(&"entries/3/verdict.json"), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("ledger/tile")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.starts_with("entries/2/")),
        "{names:?}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("ledger/objects/"))
            .count(),
        1
    );
    let proof = InclusionProof::from_json(&members["entries/3/proof.json"]).unwrap();
    let (checkpoint, record) = proof.check().unwrap();
    assert_eq!((proof.index, proof.tree_size, checkpoint.size), (2, 5, 5));
    assert_eq!(proof.checkpoint.as_bytes(), members["ledger/checkpoint"]);
    let (_, entry) = crate::ledger::query::read_entry(&log.store, 3).unwrap();
    assert_eq!(record, entry.bytes());
    let manifest: serde_json::Value = serde_json::from_slice(&members["MANIFEST.json"]).unwrap();
    assert_eq!(manifest["format"], super::FORMAT_V2);
    assert_eq!(manifest["origin"], "example.com/bundle");
    assert_eq!(manifest["tree_size"], 5);
    assert_eq!(manifest["exported"], serde_json::json!([3]));
    let readme = String::from_utf8(members["README.txt"].clone()).unwrap();
    assert!(
        readme.contains("tollgate audit verify --bundle THIS.tar")
            && readme.contains("the checkpoint of example.com/bundle covers 5 records")
            && readme.contains("--origin example.com/bundle"),
        "{readme}"
    );

    let all = exported(&log, None);
    for seq in 1..=5 {
        assert!(all.contains_key(&format!("entries/{seq}/proof.json")));
    }
}

#[test]
fn one_record_comes_with_every_revocation_record() {
    let log = log();
    append(&log.store, pending(0, Kind::Verdict), Some(&log.signer)).unwrap();
    append(&log.store, pending(1, Kind::Revocation), Some(&log.signer)).unwrap();
    append(&log.store, pending(2, Kind::Verdict), Some(&log.signer)).unwrap();
    let members = exported(&log, Some(3));
    let manifest = BundleManifest::parse(&members["MANIFEST.json"]).unwrap();
    assert_eq!(manifest.exported(), [2, 3]);
    assert!(members.contains_key("entries/2/proof.json"));
}

#[test]
fn records_the_checkpoint_does_not_cover_are_not_exported() {
    let log = log();
    append(&log.store, pending(0, Kind::Verdict), Some(&log.signer)).unwrap();
    append(&log.store, pending(1, Kind::Verdict), None).unwrap();
    let mut tar = Vec::new();
    let err = export(&log.store, Some(2), &mut tar).unwrap_err();
    assert!(
        err.contains("record(s) 2 to export are not covered by its checkpoint yet")
            && err.contains("covers records 1..1"),
        "{err}"
    );
    let err = export(&log.store, None, &mut tar).unwrap_err();
    assert!(err.contains("record(s) 2 to export"), "{err}");
    // Record 1 is covered: its bundle is fine.
    exported(&log, Some(1));
    // A revocation beyond the checkpoint is needed by every one-record bundle.
    append(&log.store, pending(2, Kind::Revocation), None).unwrap();
    let err = export(&log.store, Some(1), &mut tar).unwrap_err();
    assert!(err.contains("record(s) 3 to export"), "{err}");
}

/// Write `members` as a bundle and verify it with the log's key.
fn verified(log: &Log, members: &BTreeMap<String, Vec<u8>>) -> super::BundleOutcome {
    let path = log.dir.path().join("checked.tar");
    let mut tar = super::writer::TarWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in members {
        tar.add(name, bytes).unwrap();
    }
    tar.finish().unwrap();
    let key = crate::keys::TrustedKey::resolve(
        log.dir.path().join("keys/tollgate.pub").to_str().unwrap(),
        std::path::Path::new("."),
    )
    .unwrap();
    super::verify(&path, Some(&key), &[]).unwrap()
}

/// The first break or problem: (member, message).
fn first(outcome: &super::BundleOutcome) -> (String, String) {
    outcome
        .ledger
        .breaks
        .iter()
        .map(|b| (b.key.clone(), b.message.clone()))
        .chain(
            outcome
                .problems
                .iter()
                .map(|p| (p.member.clone(), p.message.clone())),
        )
        .next()
        .unwrap_or_default()
}

fn assert_fails(log: &Log, members: &BTreeMap<String, Vec<u8>>, member: &str, says: &str) {
    let outcome = verified(log, members);
    assert!(!outcome.ok());
    let (at, message) = first(&outcome);
    assert!(
        at == member && message.contains(says),
        "expected {member}: …{says}…, got {at}: {message}"
    );
}

fn edit_proof(
    members: &mut BTreeMap<String, Vec<u8>>,
    seq: u64,
    edit: impl FnOnce(&mut InclusionProof),
) {
    let member = super::proof_member(seq);
    let mut proof = InclusionProof::from_json(&members[&member]).unwrap();
    edit(&mut proof);
    members.insert(member, proof.to_json().into_bytes());
}

#[test]
fn a_bundle_verifies_and_each_tampered_part_fails_naming_its_member() {
    let log = log();
    for i in 0..6 {
        append(&log.store, pending(i, Kind::Verdict), Some(&log.signer)).unwrap();
    }
    let good = exported(&log, Some(4));
    let outcome = verified(&log, &good);
    assert!(
        outcome.ok(),
        "{:?} {:?}",
        outcome.ledger.breaks,
        outcome.problems
    );
    assert_eq!(outcome.proofs, Some(1));
    assert_eq!(outcome.ledger.entries, 1);
    assert_eq!(outcome.ledger.signatures_verified, 1, "the checkpoint");
    assert_eq!(
        outcome.ledger.checkpoint.as_ref().unwrap().signed_by.len(),
        1
    );
    assert!(verified(&log, &exported(&log, None)).ok());

    // The record in the proof.
    let mut members = good.clone();
    edit_proof(&mut members, 4, |p| {
        let mut record = crate::tlog::unb64(&p.entry).unwrap();
        let at = record.iter().position(|&b| b == b'r').unwrap();
        record[at] = b'R';
        p.entry = crate::tlog::b64(&record);
    });
    assert_fails(
        &log,
        &members,
        "entries/4/proof.json",
        "do not lead from entry 3",
    );

    // A hash of the audit path.
    let mut members = good.clone();
    edit_proof(&mut members, 4, |p| {
        p.hashes[0] = crate::tlog::b64(&[7; 32]);
    });
    assert_fails(
        &log,
        &members,
        "entries/4/proof.json",
        "do not lead from entry 3",
    );

    // A proof moved to another record's place.
    let mut members = good.clone();
    edit_proof(&mut members, 4, |p| p.index = 2);
    assert_fails(
        &log,
        &members,
        "entries/4/proof.json",
        "is the proof of index 2",
    );

    // The checkpoint: its root changed (the signature no longer verifies) or another one.
    let mut members = good.clone();
    let text = String::from_utf8(members["ledger/checkpoint"].clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let forged = text.replace(lines[2], &crate::tlog::b64(&[9; 32]));
    members.insert("ledger/checkpoint".into(), forged.into_bytes());
    assert_fails(&log, &members, "ledger/checkpoint", "does not verify");
    let outcome = verified(&log, &members);
    assert!(
        outcome
            .ledger
            .breaks
            .iter()
            .any(|b| b.key == "entries/4/proof.json" && b.message.contains("another checkpoint")),
        "{:?}",
        outcome.ledger.breaks
    );
    let mut members = good.clone();
    members.insert("ledger/checkpoint".into(), b"junk".to_vec());
    assert_fails(&log, &members, "ledger/checkpoint", "blank line");

    // A blob byte, a plain copy, a missing proof, an extra member.
    let mut members = good.clone();
    let blob = members
        .keys()
        .find(|k| k.starts_with("ledger/objects/"))
        .unwrap()
        .clone();
    members.get_mut(&blob).unwrap()[3] ^= 1;
    assert_fails(
        &log,
        &members,
        "entries/4/proof.json",
        "not the digest it is stored under",
    );
    let mut members = good.clone();
    members.get_mut("entries/4/verdict.json").unwrap()[3] ^= 1;
    assert_fails(&log, &members, "entries/4/verdict.json", "but record 4");
    let mut members = good.clone();
    members.remove("entries/4/proof.json");
    assert_fails(&log, &members, "entries/4/proof.json", "is missing");
    let mut members = good.clone();
    members.insert(
        "entries/5/proof.json".into(),
        good["entries/4/proof.json"].clone(),
    );
    assert_fails(&log, &members, "entries/5/proof.json", "unexpected member");
}

#[test]
fn an_unsigned_checkpoint_fails_with_a_key_and_passes_without() {
    let log = log();
    append(&log.store, pending(0, Kind::Verdict), None).unwrap();
    let members = exported(&log, Some(1));
    assert_fails(&log, &members, "ledger/checkpoint", "not signed");
    let path = log.dir.path().join("unsigned.tar");
    let mut tar = super::writer::TarWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in &members {
        tar.add(name, bytes).unwrap();
    }
    tar.finish().unwrap();
    let outcome = super::verify(&path, None, &[]).unwrap();
    assert!(outcome.ok(), "{:?}", outcome.ledger.breaks);
    assert!(!outcome.ledger.checkpoint.unwrap().signed);
}

#[test]
fn a_bundle_of_every_record_reads_as_the_log_it_proves() {
    let log = log();
    for i in 0..300 {
        append(&log.store, pending(i, Kind::Verdict), Some(&log.signer)).unwrap();
    }
    let write = |members: &BTreeMap<String, Vec<u8>>| {
        let path = log.dir.path().join("as-store.tar");
        let mut tar = super::writer::TarWriter::new(std::fs::File::create(&path).unwrap());
        for (name, bytes) in members {
            tar.add(name, bytes).unwrap();
        }
        tar.finish().unwrap();
        path
    };
    let read = |store: &dyn crate::ledger::store::Store| {
        crate::ledger::query::scan(store, None, crate::ledger::query::Links::Check, |id, e| {
            Ok(Some((id, e)))
        })
        .unwrap()
        .items
    };
    let store = super::as_store(&write(&exported(&log, None))).unwrap();
    assert_eq!(read(&store), read(&log.store));
    let rebuilt = crate::ledger::verify::verify(&store, None, &[]).unwrap();
    assert!(
        rebuilt.ok() && rebuilt.entries == 300,
        "{:?}",
        rebuilt.breaks
    );
    let err = match super::as_store(&write(&exported(&log, Some(7)))) {
        Err(e) => e,
        Ok(_) => panic!("a bundle of one record is not a log"),
    };
    assert!(
        err.contains("proofs of records 7") && err.contains("export --all"),
        "{err}"
    );
}
