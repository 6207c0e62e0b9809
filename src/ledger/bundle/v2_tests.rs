//! Bundles of format-2 logs: what an export holds (the checkpoint, a proof per exported
//! record, every revocation record, blobs and plain copies) and what it refuses (records the
//! checkpoint does not cover yet).

use super::{BundleManifest, export};
use crate::ledger::append::{Pending, append};
use crate::ledger::entry::{BlobRef, Kind};
use crate::ledger::format::Format;
use crate::ledger::local::LocalStore;
use crate::signing::{Signer, keygen};
use crate::tlog::proof::InclusionProof;
use std::collections::BTreeMap;

pub(super) struct Log {
    pub dir: tempfile::TempDir,
    pub store: LocalStore,
    pub signer: Signer,
}

pub(super) fn log() -> Log {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(&dir.path().join("keys"), None).unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    crate::ledger::create::init(&store, Format::V2, Some("example.com/bundle")).unwrap();
    Log {
        signer: Signer::load(&keys.secret, None).unwrap(),
        store,
        dir,
    }
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
