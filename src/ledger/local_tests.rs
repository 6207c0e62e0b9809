//! The local store's delete and compare-and-swap: versions, conflicts, and racing threads
//! of which exactly one wins.

use super::LocalStore;
use crate::ledger::store::{Store, Swapped};
use std::sync::Barrier;

fn store() -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    (dir, store)
}

#[test]
fn delete_removes_and_a_missing_key_is_fine() {
    let (_dir, store) = store();
    store.create("tile/0/000", b"x").unwrap();
    store.delete("tile/0/000").unwrap();
    assert_eq!(store.get("tile/0/000").unwrap(), None);
    store.delete("tile/0/000").unwrap();
    store.delete("never/was").unwrap();
    assert!(store.delete("../escape").is_err());
}

#[test]
fn versions_follow_the_bytes() {
    let (_dir, store) = store();
    assert_eq!(store.get_versioned("checkpoint").unwrap(), None);
    store.replace("checkpoint", b"one").unwrap();
    let (bytes, v1) = store.get_versioned("checkpoint").unwrap().unwrap();
    assert_eq!(bytes, b"one");
    assert_eq!(v1.as_str(), crate::digest::sha256_hex(b"one"));
    store.replace("checkpoint", b"two").unwrap();
    let (_, v2) = store.get_versioned("checkpoint").unwrap().unwrap();
    assert_ne!(v1, v2);
}

#[test]
fn replace_if_creates_swaps_and_refuses_stale_versions() {
    let (_dir, store) = store();
    let key = "checkpoint";
    assert_eq!(store.replace_if(key, b"one", None).unwrap(), Swapped::Done);
    assert_eq!(
        store.replace_if(key, b"again", None).unwrap(),
        Swapped::Conflict
    );
    let (_, v1) = store.get_versioned(key).unwrap().unwrap();
    assert_eq!(
        store.replace_if(key, b"two", Some(&v1)).unwrap(),
        Swapped::Done
    );
    // v1 is stale now: nothing is written.
    assert_eq!(
        store.replace_if(key, b"three", Some(&v1)).unwrap(),
        Swapped::Conflict
    );
    assert_eq!(store.get(key).unwrap().as_deref(), Some(&b"two"[..]));
    // A key that is gone conflicts with any version.
    store.delete(key).unwrap();
    assert_eq!(
        store.replace_if(key, b"four", Some(&v1)).unwrap(),
        Swapped::Conflict
    );
    assert_eq!(store.get(key).unwrap(), None);
    // The per-key lock files never show as keys.
    assert!(store.list("").unwrap().is_empty(), "{:?}", store.list(""));
}

#[test]
fn racing_swaps_and_creates_have_one_winner() {
    let (_dir, store) = store();
    let threads = 16;
    for round in 0..5 {
        let key = format!("race/{round}");
        // First a create-if-absent race, then a swap race from the version it left.
        for swap in [false, true] {
            let version = swap.then(|| store.get_versioned(&key).unwrap().unwrap().1);
            let barrier = Barrier::new(threads);
            let won: Vec<usize> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|t| {
                        let (store, key, barrier, version) = (&store, &key, &barrier, &version);
                        scope.spawn(move || {
                            barrier.wait();
                            // Bytes unlike the create round's: a version is the
                            // content's hash, so writing the same bytes keeps it.
                            let bytes = format!("swap={swap} writer {t}");
                            let swapped = store
                                .replace_if(key, bytes.as_bytes(), version.as_ref())
                                .unwrap();
                            (swapped == Swapped::Done).then_some(t)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|h| h.join().unwrap())
                    .collect()
            });
            let [winner] = won[..] else {
                panic!("round {round}, swap={swap}: winners {won:?}");
            };
            let stored = store.get(&key).unwrap().unwrap();
            assert_eq!(stored, format!("swap={swap} writer {winner}").as_bytes());
        }
    }
}
