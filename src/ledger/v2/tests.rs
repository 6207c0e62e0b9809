//! Format 2 appends and reads through the library's own paths: bundles, tiles and the
//! checkpoint agree with the records; partials are collected; a lagging checkpoint is
//! adopted; oversized evidence lists spill to a blob.

use crate::ledger::append::{Pending, append};
use crate::ledger::entry::{Base, EvidenceRecord, Kind};
use crate::ledger::format::Format;
use crate::ledger::local::LocalStore;
use crate::ledger::query::{self, Links};
use crate::ledger::store::Store;
use crate::signing::{Signer, keygen};
use crate::tlog::note::{KeyKind, NoteKey, SignedCheckpoint};
use crate::tlog::tree::MemoryHashes;

pub(crate) struct Log {
    pub dir: tempfile::TempDir,
    pub store: LocalStore,
    pub signer: Signer,
}

/// An empty log (origin example.com/test) and a signing key.
pub(super) fn log() -> Log {
    log_with_origin("example.com/test")
}

/// An empty log of `origin` and a signing key (also the bundle tests' fixture).
pub(crate) fn log_with_origin(origin: &str) -> Log {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(&dir.path().join("keys"), None).unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    crate::ledger::create::init(&store, Format::V2, Some(origin)).unwrap();
    Log {
        signer: Signer::load(&keys.secret, None).unwrap(),
        store,
        dir,
    }
}

/// Another empty log with the same origin and key, in `log`'s directory under `name`.
pub(super) fn log_at(log: &Log, name: &str) -> Log {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&log.dir.path().join(name), true).unwrap();
    crate::ledger::create::init(&store, Format::V2, Some("example.com/test")).unwrap();
    Log {
        signer: Signer::load(&log.dir.path().join("keys/tollgate.key"), None).unwrap(),
        store,
        dir,
    }
}

pub(super) fn pending(i: usize) -> Pending {
    let mut entry = crate::ledger::record::blank(
        Kind::Verdict,
        "regtest",
        format!("2026-12-01T00:{:02}:{:02}Z", i / 60 % 60, i % 60),
    );
    entry.commit = Some(format!("{i:040x}"));
    Pending {
        entry,
        blobs: Vec::new(),
        time_source: crate::ledger::clock::Source::Clock,
    }
}

fn checkpoint(store: &dyn Store) -> SignedCheckpoint {
    SignedCheckpoint::parse(&store.get("checkpoint").unwrap().unwrap()).unwrap()
}

fn records(store: &dyn Store) -> Vec<Vec<u8>> {
    query::scan(store, None, Links::Check, |id, entry| {
        assert_eq!(entry.seq, id.seq);
        Ok(Some(entry.bytes()))
    })
    .unwrap()
    .items
}

/// Every tile the tree of the log's records has is stored with exactly those bytes.
fn assert_tiles_agree(store: &dyn Store, size: u64) {
    let records = records(store);
    assert_eq!(records.len() as u64, size);
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    let tree = MemoryHashes::of(&refs).unwrap();
    for (id, data) in tree.tiles().unwrap() {
        assert_eq!(
            crate::ledger::v2::tiles::read_tile(store, &id).unwrap(),
            data,
            "{id}"
        );
    }
    let cp = checkpoint(store);
    assert_eq!(cp.checkpoint.size, size);
    assert_eq!(
        cp.checkpoint.root,
        crate::tlog::tree::root(size, &tree).unwrap()
    );
}

#[test]
fn appends_fill_bundles_and_collect_superseded_partials() {
    let log = log();
    for i in 0..260 {
        let id = append(&log.store, pending(i), Some(&log.signer)).unwrap();
        assert_eq!(id.seq, i as u64 + 1);
    }
    assert_tiles_agree(&log.store, 260);
    let keys = log.store.list("tile/").unwrap();
    assert!(keys.contains(&"tile/entries/000".to_owned()), "{keys:?}");
    assert!(keys.contains(&"tile/0/000".to_owned()), "{keys:?}");
    // The full tile's partials are gone; the open tile keeps its previous width; level 1
    // has its one hash so far.
    let partials: Vec<&String> = keys.iter().filter(|k| k.contains(".p/")).collect();
    assert_eq!(
        partials,
        [
            "tile/0/001.p/3",
            "tile/0/001.p/4",
            "tile/1/000.p/1",
            "tile/entries/001.p/3",
            "tile/entries/001.p/4"
        ]
    );
    // The checkpoint is signed by the appender under the log's origin.
    let public = crate::keys::TrustedKey::resolve(
        &log.signer.public_key_base64(),
        std::path::Path::new("."),
    )
    .unwrap();
    let key = NoteKey::new("example.com/test", public.ed25519, KeyKind::Log).unwrap();
    checkpoint(&log.store).verify(&[key]).unwrap();
    // Reads by seq and through a limit.
    let (id, entry) = query::read_entry(&log.store, 257).unwrap();
    assert_eq!((id.seq, entry.seq), (257, 257));
    assert!(query::read_entry(&log.store, 261).is_err());
    let through = query::scan(&log.store, Some(258), Links::Check, |id, _| {
        Ok(Some(id.seq))
    });
    assert_eq!(through.unwrap().items.last(), Some(&258));
}

#[test]
fn an_unsigned_append_leaves_a_signed_checkpoint_and_the_next_signed_one_adopts_it() {
    let log = log();
    append(&log.store, pending(0), Some(&log.signer)).unwrap();
    append(&log.store, pending(1), None).unwrap();
    append(&log.store, pending(2), None).unwrap();
    let lagging = checkpoint(&log.store);
    assert_eq!(lagging.checkpoint.size, 1, "a signed checkpoint stays");
    assert_eq!(crate::ledger::tail::read(&log.store).unwrap().length, 3);
    append(&log.store, pending(3), Some(&log.signer)).unwrap();
    assert_tiles_agree(&log.store, 4);
}

#[test]
fn a_bundle_left_by_a_crash_is_adopted_by_the_next_append() {
    let log = log();
    append(&log.store, pending(0), Some(&log.signer)).unwrap();
    // A crash after the bundle's create: record 2 exists, no tiles or checkpoint for it.
    let mut orphan = pending(1).entry;
    orphan.seq = 2;
    let first = crate::ledger::v2::tiles::read_bundle(&log.store, 0, 1).unwrap();
    let bundle = crate::tlog::bundle::encode(&[&first[0], &orphan.bytes()]).unwrap();
    log.store.create("tile/entries/000.p/2", &bundle).unwrap();
    assert_eq!(query::read_entry(&log.store, 2).unwrap().1, orphan);
    let id = append(&log.store, pending(2), Some(&log.signer)).unwrap();
    assert_eq!(id.seq, 3);
    assert_tiles_agree(&log.store, 3);
}

#[test]
fn an_evidence_list_too_large_for_a_record_moves_to_a_blob() {
    let log = log();
    let mut big = pending(0);
    big.entry.evidence = (0..400)
        .map(|i| EvidenceRecord {
            role: "gate:sbom".to_owned(),
            path: format!("deps/{i:0>150}.json"),
            base: Base::Release,
            sha256: "ab".repeat(32),
            size: 1,
            stored: false,
            note: None,
        })
        .collect();
    let evidence = big.entry.evidence.clone();
    append(&log.store, big, Some(&log.signer)).unwrap();
    let (_, entry) = query::read_entry(&log.store, 1).unwrap();
    assert!(entry.evidence.is_empty() && entry.evidence_list.is_some());
    assert_eq!(entry.evidence(&log.store).unwrap().into_owned(), evidence);
    assert_tiles_agree(&log.store, 1);
}

#[test]
fn a_batch_append_continues_an_open_bundle_and_crosses_into_the_next() {
    let log = log();
    for i in 0..3 {
        append(&log.store, pending(i), Some(&log.signer)).unwrap();
    }
    // 3 records, then 300 in one batch: bundle 0 is completed (its 3 + 253), bundle 1 gets
    // the other 47; then a single append continues after them.
    let ids = crate::ledger::v2::batch::append_batch(
        &log.store,
        (3..303).map(naming_a_verdict).collect(),
        Some(&log.signer),
    )
    .unwrap();
    assert_eq!(ids.len(), 300);
    assert_eq!((ids[0].seq, ids[299].seq), (4, 303));
    assert_tiles_agree(&log.store, 303);
    let keys = log.store.list("tile/entries/").unwrap();
    assert!(keys.contains(&"tile/entries/000".to_owned()), "{keys:?}");
    assert!(
        keys.contains(&"tile/entries/001.p/47".to_owned()),
        "{keys:?}"
    );
    // Every verdict is in the verdict index, as single appends leave it (with no index
    // entry a lookup would fall back to a scan and say so).
    for (seq, index) in [(4u64, 3u64), (200, 199), (303, 302)] {
        let (_, entry) = query::read_entry(&log.store, seq).unwrap();
        let sha = entry.verdict.expect("a verdict record").sha256;
        let found = crate::ledger::v2::index::find_verdict(&log.store, &sha, 303)
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.index, found.via),
            (index, crate::ledger::v2::index::Via::Index)
        );
    }
    append(&log.store, pending(303), Some(&log.signer)).unwrap();
    assert_tiles_agree(&log.store, 304);
}

#[test]
fn a_batch_refuses_a_bundle_another_process_wrote() {
    let log = log();
    // Another process created bundle 0 at the width the batch wants: refused, naming it.
    let other = pending(9).entry.bytes();
    let bundle = crate::tlog::bundle::encode(&[&other, &other]).unwrap();
    log.store.create("tile/entries/000.p/2", &bundle).unwrap();
    let err =
        crate::ledger::v2::batch::create_bundle(&log.store, 0, &[&other, &other]).unwrap_err();
    assert!(err.contains("tile/entries/000.p/2"), "{err}");
    assert!(err.contains("another process"), "{err}");
}

/// `pending(i)` naming a verdict of its own (the verdict index's key; no blob is written).
fn naming_a_verdict(i: usize) -> Pending {
    let mut pending = pending(i);
    pending.entry.verdict = Some(crate::ledger::entry::BlobRef {
        sha256: format!("{i:064x}"),
        size: 1,
    });
    pending
}

#[test]
fn verify_judges_index_lines_of_records_appended_during_the_run_against_the_log() {
    let log = log();
    crate::ledger::v2::batch::append_batch(
        &log.store,
        (0..2).map(naming_a_verdict).collect(),
        Some(&log.signer),
    )
    .unwrap();
    // As if `audit verify` had listed one record and record 1 was appended meanwhile: its
    // line is judged against the log as it is now, and holds.
    let seen: std::collections::HashMap<u64, String> = [(0, format!("{:064x}", 0))].into();
    assert_eq!(
        crate::ledger::v2::index::check(&log.store, 1, &seen).unwrap(),
        []
    );
    // A line for a record past the end of the log is a break.
    crate::ledger::v2::index::note_verdicts(&log.store, &[(format!("{:064x}", 7), 5)]).unwrap();
    let problems = crate::ledger::v2::index::check(&log.store, 1, &seen).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].1.contains("have no record 5 naming it"),
        "{problems:?}"
    );
}
