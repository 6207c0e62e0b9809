//! Tests of the proof and witness side of a v2 log (index, prove, cosigned checkpoints,
//! consistency, the witness demand, the offline proof check), on logs written into a local
//! store with the tlog primitives.

use super::consistent::{Inconsistent, extends};
use super::cosigned::{self, MergeError};
use super::index::{self, Via};
use super::prove::{Against, Which, inclusion};
use super::tiles::CHECKPOINT_KEY;
use super::witnessed::require;
use crate::keys::TrustedKey;
use crate::ledger::local::LocalStore;
use crate::ledger::store::Store;
use crate::signing::{Signer, keygen};
use crate::tlog::cosign::cosign;
use crate::tlog::note::{Checkpoint, SignedCheckpoint};
use crate::tlog::tree::{MemoryHashes, root};
use crate::tlog::{bundle, paths};
use crate::witness::{WitnessKey, Witnesses};
use std::path::Path;

const ORIGIN: &str = "tollgate.dev/ledger/test";

struct Keys {
    _dir: tempfile::TempDir,
    signer: Signer,
    public: TrustedKey,
}

fn keys() -> Keys {
    let dir = tempfile::tempdir().unwrap();
    let made = keygen(dir.path(), None).unwrap();
    let signer = Signer::load(&made.secret, None).unwrap();
    let public = TrustedKey::resolve(&signer.public_key_base64(), Path::new(".")).unwrap();
    Keys {
        _dir: dir,
        signer,
        public,
    }
}

fn sha(tag: &str, i: u64) -> String {
    crate::digest::sha256_hex(format!("{tag} verdict {i}").as_bytes())
}

/// Record `i` of a log: a verdict record (seq i + 1) naming verdict `sha(tag, i)`.
fn record(tag: &str, i: u64) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "kind": "verdict", "seq": i + 1, "time": format!("2026-11-22T00:00:{:02}Z", i % 60),
        "environment": "mainnet", "verdict": {"sha256": sha(tag, i), "size": 10}
    }))
    .unwrap()
}

/// Write a log of `n` records (tagged `tag`) into `store`, signed by `signer`, indexing
/// verdicts when `indexed`; returns the signed checkpoint.
fn write_log(
    store: &dyn Store,
    tag: &str,
    n: u64,
    signer: &Signer,
    indexed: bool,
) -> SignedCheckpoint {
    let records: Vec<Vec<u8>> = (0..n).map(|i| record(tag, i)).collect();
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    let tree = MemoryHashes::of(&refs).unwrap();
    for (id, data) in tree.tiles().unwrap() {
        store.replace(&id.path(), &data).unwrap();
    }
    for id in paths::bundles_for(0, n) {
        let first = id.n as usize * 256;
        store
            .replace(
                &id.path(),
                &bundle::encode(&refs[first..first + id.width as usize]).unwrap(),
            )
            .unwrap();
    }
    if indexed {
        for (i, r) in records.iter().enumerate() {
            index::note_record(store, i as u64, r).unwrap();
        }
    }
    let signed = SignedCheckpoint::sign(
        Checkpoint::new(ORIGIN, n, root(n, &tree).unwrap()).unwrap(),
        signer,
    );
    store.replace(CHECKPOINT_KEY, &signed.to_bytes()).unwrap();
    signed
}

fn local() -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    (dir, store)
}

/// Start the store afresh (every object removed), as someone rebuilding the log would.
fn wipe(dir: &tempfile::TempDir) -> LocalStore {
    let path = dir.path().join("ledger");
    std::fs::remove_dir_all(&path).unwrap();
    LocalStore::open(&path, true).unwrap()
}

fn witness(name: &str, keys: &Keys) -> WitnessKey {
    WitnessKey::new(name, &keys.signer.public_key_base64(), Path::new(".")).unwrap()
}

fn cosign_now(store: &dyn Store, name: &str, witness_keys: &Keys) -> SignedCheckpoint {
    let current = super::tiles::read_checkpoint(store).unwrap().unwrap();
    let line = cosign(
        &current.checkpoint,
        name,
        &witness_keys.signer,
        1_700_000_000,
    );
    cosigned::merge(store, &current, line).unwrap()
}

#[test]
fn the_index_finds_verdicts_and_a_scan_covers_what_it_misses() {
    let log = keys();
    let (_dir, store) = local();
    write_log(&store, "a", 300, &log.signer, true);
    let found = index::find_verdict(&store, &sha("a", 270), 300)
        .unwrap()
        .unwrap();
    assert_eq!((found.index, found.via), (270, Via::Index));
    assert_eq!(found.record, record("a", 270));
    // An index whose only entry for a verdict points at the wrong record: found by
    // scanning. (Written in the layout of logs from before the bucketed index, which is
    // still read.)
    for key in store
        .list(&format!("{}{}/", index::PREFIX, &sha("a", 5)[..2]))
        .unwrap()
    {
        store.delete(&key).unwrap();
    }
    store
        .replace(&index::legacy_key(&sha("a", 5)), b"6\n")
        .unwrap();
    let found = index::find_verdict(&store, &sha("a", 5), 300)
        .unwrap()
        .unwrap();
    assert_eq!((found.index, found.via), (5, Via::Scan));
    // Beyond the checkpoint's size: not found.
    assert_eq!(
        index::find_verdict(&store, &sha("a", 299), 299).unwrap(),
        None
    );
    assert_eq!(
        index::find_verdict(&store, &sha("b", 1), 300).unwrap(),
        None
    );
    assert!(
        index::read_record(&store, 300, 300)
            .unwrap_err()
            .contains("no record 300")
    );
}

#[test]
fn proofs_check_offline_and_every_tampering_is_named() {
    let log = keys();
    let (_dir, store) = local();
    write_log(&store, "a", 40, &log.signer, true);
    let proved = inclusion(&store, Which::Verdict(&sha("a", 17)), Against::Current).unwrap();
    assert_eq!(proved.proof.index, 17);
    let none = Witnesses::default();
    let trusted = [&log.public];
    let ok = crate::verify::proof::check(&proved.proof, &sha("a", 17), &trusted, &none).unwrap();
    assert_eq!((ok.index, ok.tree_size), (17, 40));
    assert_eq!(ok.signed_by, log.public.key_id.to_string());
    assert_eq!(ok.time.as_deref(), Some("2026-11-22T00:00:17Z"));

    let fails = |proof: crate::tlog::proof::InclusionProof, verdict: &str, says: &str| {
        let problems = crate::verify::proof::check(&proof, verdict, &trusted, &none).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains(says)),
            "{says}: {problems:?}"
        );
    };
    // Another verdict than the one proved.
    fails(
        proved.proof.clone(),
        &sha("a", 18),
        "the entry names verdict",
    );
    // The entry swapped for another record.
    let mut entry = proved.proof.clone();
    entry.entry = crate::tlog::b64(&record("a", 18));
    fails(entry, &sha("a", 17), "the entry names verdict");
    // A hash of the path altered.
    let mut hashes = proved.proof.clone();
    hashes.hashes[0] = crate::tlog::b64(&[0; 32]);
    fails(hashes, &sha("a", 17), "do not lead from entry 17");
    // The tree size altered.
    let mut size = proved.proof.clone();
    size.tree_size = 41;
    fails(
        size,
        &sha("a", 17),
        "tree_size 41 is not its checkpoint's size 40",
    );
    // The checkpoint altered (its root): the signature no longer verifies.
    let mut checkpoint = proved.proof.clone();
    let other = write_log(&local().1, "b", 40, &log.signer, false);
    let body_end = checkpoint.checkpoint.find("\n\n").unwrap();
    let sigs = checkpoint.checkpoint[body_end..].to_owned();
    checkpoint.checkpoint = format!("{}{sigs}", other.checkpoint.body().trim_end_matches('\n'));
    fails(checkpoint, &sha("a", 17), "not signed by a trusted key");
    // Signed by a key nobody trusts.
    let stranger = keys();
    let problems =
        crate::verify::proof::check(&proved.proof, &sha("a", 17), &[&stranger.public], &none)
            .unwrap_err();
    assert!(
        problems[0].contains("not signed by a trusted key"),
        "{problems:?}"
    );
}

#[test]
fn witnesses_cosign_merge_and_are_demanded() {
    let log = keys();
    let (w1, w2) = (keys(), keys());
    let (_dir, store) = local();
    write_log(&store, "a", 10, &log.signer, true);
    let both = Witnesses::new(vec![witness("w1", &w1), witness("w2", &w2)], Some(2)).unwrap();
    let one = Witnesses::new(vec![witness("w1", &w1)], None).unwrap();
    assert!(
        require(&store, &both)
            .unwrap_err()
            .contains("no checkpoint")
    );
    assert!(inclusion(&store, Which::Index(3), Against::AnyCosigned).is_err());

    cosign_now(&store, "w1", &w1);
    assert_eq!(require(&store, &one).unwrap().unwrap().cosigners, ["w1"]);
    assert!(
        require(&store, &both).is_err(),
        "one cosignature, two demanded"
    );
    // The second witness's line is merged in; the first one's is kept.
    let merged = cosign_now(&store, "w2", &w2);
    assert_eq!(cosigned::cosignature_lines(&merged).len(), 2);
    let witnessed = require(&store, &both).unwrap().unwrap();
    assert_eq!((witnessed.size, witnessed.current_size), (10, 10));

    // The log grows: the witnessed checkpoint stays the one of size 10, proofs against it
    // carry both cosignatures, and the current one is consistent with it.
    write_log(&store, "a", 20, &log.signer, true);
    assert_eq!(require(&store, &both).unwrap().unwrap().current_size, 20);
    let proved = inclusion(
        &store,
        Which::Verdict(&sha("a", 4)),
        Against::CosignedBy(&both),
    )
    .unwrap();
    assert_eq!(proved.proof.tree_size, 10);
    let ok =
        crate::verify::proof::check(&proved.proof, &sha("a", 4), &[&log.public], &both).unwrap();
    assert_eq!(ok.cosigners, ["w1", "w2"]);
    assert!(
        inclusion(
            &store,
            Which::Verdict(&sha("a", 15)),
            Against::CosignedBy(&both)
        )
        .unwrap_err()
        .contains("names verdict")
    );
    // A proof against the current checkpoint has no cosignature: two demanded fails.
    let current = inclusion(&store, Which::Index(4), Against::Current).unwrap();
    let problems = crate::verify::proof::check(&current.proof, &sha("a", 4), &[&log.public], &both)
        .unwrap_err();
    assert!(
        problems[0].contains("0 valid cosignature(s)"),
        "{problems:?}"
    );
}

#[test]
fn a_rewritten_log_is_inconsistent_and_cannot_be_cosigned_again() {
    let log = keys();
    let w1 = keys();
    let (dir, store) = local();
    let first = write_log(&store, "a", 30, &log.signer, true);
    cosign_now(&store, "w1", &w1);
    let one = Witnesses::new(vec![witness("w1", &w1)], None).unwrap();
    // Rebuilt with other records and the same key: longer, same size, shorter.
    for n in [50, 30, 12] {
        let store = wipe(&dir);
        let rebuilt = write_log(&store, "b", n, &log.signer, true);
        let err = extends(&store, &rebuilt.checkpoint, 30, first.checkpoint.root).unwrap_err();
        match (&err, n) {
            (Inconsistent::Rewritten(m), _) => {
                assert!(m.contains(&first.checkpoint.root.to_string()), "{m}");
                assert!(m.contains(&rebuilt.checkpoint.root.to_string()), "{m}");
            }
            (other, _) => panic!("{n}: {other:?}"),
        }
        // The rebuilt store also lost checkpoints/: nothing witnessed.
        assert!(require(&store, &one).is_err());
    }
    // Same store, same size, a different tree in checkpoints/30: the merge refuses.
    let store = wipe(&dir);
    write_log(&store, "a", 30, &log.signer, true);
    cosign_now(&store, "w1", &w1);
    let forged = write_log(&store, "c", 30, &log.signer, false);
    let line = cosign(&forged.checkpoint, "w1", &w1.signer, 1);
    assert!(matches!(
        cosigned::merge(&store, &forged, line),
        Err(MergeError::Fork(_))
    ));
    // The witnessed checkpoint of size 30 no longer matches the current log.
    let err = require(&store, &one).unwrap_err();
    assert!(err.contains("rewritten or forked"), "{err}");
}

#[test]
fn witnesses_cosigning_at_once_keep_every_line() {
    let log = keys();
    let (_dir, store) = local();
    let current = write_log(&store, "a", 5, &log.signer, false);
    let witnesses: Vec<Keys> = (0..6).map(|_| keys()).collect();
    std::thread::scope(|scope| {
        for (i, w) in witnesses.iter().enumerate() {
            let (store, current) = (&store, &current);
            scope.spawn(move || {
                let line = cosign(&current.checkpoint, &format!("w{i}"), &w.signer, 1);
                cosigned::merge(store, current, line).unwrap();
            });
        }
    });
    let merged = cosigned::read(&store, 5).unwrap().unwrap();
    assert_eq!(cosigned::cosignature_lines(&merged).len(), 6, "{merged:?}");
    let all = Witnesses::new(
        witnesses
            .iter()
            .enumerate()
            .map(|(i, w)| witness(&format!("w{i}"), w))
            .collect(),
        Some(6),
    )
    .unwrap();
    assert_eq!(cosigned::valid_cosigners(&merged, &all).len(), 6);
    // The log's own signature is kept too.
    assert!(merged.signatures.iter().any(|s| s.name == ORIGIN));
}
