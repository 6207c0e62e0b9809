//! Tests of the verdict index: chunks, readers, merging racing appenders' partials, and
//! `audit verify`'s check.

use super::*;
use crate::ledger::local::LocalStore;

/// A digest in bucket `b` (its first byte), distinct for each `i`.
fn digest(b: u8, i: u64) -> String {
    format!("{b:02x}{i:062x}")
}

#[test]
fn chunks_fill_to_256_lines_and_superseded_partials_go() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    // 300 verdicts in bucket 0a, one at a time, and 5 in bucket ff in one call.
    for i in 0..300 {
        note_verdicts(&store, &[(digest(0x0a, i), i * 2)]).unwrap();
    }
    let five: Vec<(String, u64)> = (0..5).map(|i| (digest(0xff, i), 1000 + i)).collect();
    note_verdicts(&store, &five).unwrap();
    assert_eq!(
        store.list(PREFIX).unwrap(),
        [
            "index/verdict/0a/0",
            "index/verdict/0a/1.p/44",
            "index/verdict/ff/0.p/5"
        ]
    );
    for i in [0, 255, 256, 299] {
        assert_eq!(candidates(&store, &digest(0x0a, i)).unwrap(), [i * 2]);
    }
    assert_eq!(candidates(&store, &digest(0xff, 4)).unwrap(), [1004]);
    assert!(candidates(&store, &digest(0x0a, 300)).unwrap().is_empty());
    // A batch that crosses a chunk boundary writes the full chunk and the next partial.
    let batch: Vec<(String, u64)> = (300..600).map(|i| (digest(0x0a, i), i)).collect();
    note_verdicts(&store, &batch).unwrap();
    let keys = store.list("index/verdict/0a/").unwrap();
    assert_eq!(
        keys,
        [
            "index/verdict/0a/0",
            "index/verdict/0a/1",
            "index/verdict/0a/2.p/88"
        ]
    );
    assert_eq!(candidates(&store, &digest(0x0a, 599)).unwrap(), [599]);
}

#[test]
fn a_reader_takes_every_chunk_key_and_the_old_layout_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    let sha = digest(0x42, 7);
    // A partial a racing appender left beside a wider one, naming another index; the
    // old one-key-per-verdict layout; and lines that are not the index's.
    store
        .create("index/verdict/42/0.p/1", format!("{sha} 9\n").as_bytes())
        .unwrap();
    store
        .create(
            "index/verdict/42/0.p/2",
            format!("{} 1\n{sha} 3\n", digest(0x42, 1)).as_bytes(),
        )
        .unwrap();
    store.create(&legacy_key(&sha), b"5\n").unwrap();
    store
        .create("index/verdict/42/notes", format!("{sha} 11\n").as_bytes())
        .unwrap();
    assert_eq!(candidates(&store, &sha).unwrap(), [3, 5, 9]);
    // An appender merges both partials into a wider one and removes them: the racing
    // appender's line (9) is kept.
    note_verdicts(&store, &[(digest(0x42, 8), 20)]).unwrap();
    assert_eq!(
        store.list("index/verdict/42/").unwrap(),
        ["index/verdict/42/0.p/4", "index/verdict/42/notes"]
    );
    assert_eq!(candidates(&store, &sha).unwrap(), [3, 5, 9]);
    assert_eq!(candidates(&store, &digest(0x42, 8)).unwrap(), [20]);
    // Not a digest: refused, not written.
    assert!(note_verdicts(&store, &[("../x".to_owned(), 1)]).is_err());
    assert!(find_verdict(&store, "../x", 1).is_err());
}

#[test]
fn verify_checks_every_line_against_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    let records: std::collections::HashMap<u64, String> =
        (0..3).map(|i| (i * 2, digest(0x0a, i))).collect();
    let claims: Vec<(String, u64)> = (0..3).map(|i| (digest(0x0a, i), i * 2)).collect();
    note_verdicts(&store, &claims).unwrap();
    assert_eq!(check(&store, 100, &records).unwrap(), []);
    // A line naming the wrong record, a line that is not one, a stray key.
    store
        .replace(
            "index/verdict/0a/0.p/3",
            format!(
                "{} 2\n{} 3\n{} x\n",
                digest(0x0a, 0),
                digest(0x0a, 1),
                digest(0x0a, 2)
            )
            .as_bytes(),
        )
        .unwrap();
    store.create("index/verdict/0a/junk", b"").unwrap();
    let problems = check(&store, 100, &records).unwrap();
    let text = format!("{problems:?}");
    assert_eq!(problems.len(), 4, "{text}");
    assert!(text.contains("line 1: says verdict 0a0000"), "{text}");
    assert!(
        text.contains("but that record names verdict 0a0000"),
        "{text}"
    );
    assert!(text.contains("line 2: says verdict"), "{text}");
    assert!(text.contains("no verdict record 3"), "{text}");
    assert!(
        text.contains("line 3: is not `<sha256 in bucket 0a>"),
        "{text}"
    );
    assert!(
        text.contains("index/verdict/0a/junk\", \"is not a verdict index chunk"),
        "{text}"
    );
}

#[test]
fn racing_appenders_lose_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    note_verdicts(&store, &[(digest(0x07, 0), 0)]).unwrap();
    // Two appenders read 0.p/1; one created 0.p/2, the other (with two lines) 0.p/3.
    let line = |i: u64| format!("{} {i}\n", digest(0x07, i));
    store
        .create("index/verdict/07/0.p/2", (line(0) + &line(1)).as_bytes())
        .unwrap();
    store
        .create(
            "index/verdict/07/0.p/3",
            (line(0) + &line(2) + &line(3)).as_bytes(),
        )
        .unwrap();
    note_verdicts(&store, &[(digest(0x07, 4), 4)]).unwrap();
    assert_eq!(
        store.list("index/verdict/07/").unwrap(),
        ["index/verdict/07/0.p/5"]
    );
    for i in 0..5 {
        assert_eq!(candidates(&store, &digest(0x07, i)).unwrap(), [i], "{i}");
    }
}

#[test]
fn a_partial_left_beside_a_full_chunk_is_carried_forward() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    let batch: Vec<(String, u64)> = (0..256).map(|i| (digest(0x09, i), i)).collect();
    note_verdicts(&store, &batch).unwrap();
    // An appender that listed before chunk 0 filled made 0.p/3 with a line of its own.
    let own = format!("{} 999\n", digest(0x09, 999));
    let text = format!("{} 0\n{} 1\n{own}", digest(0x09, 0), digest(0x09, 1));
    store
        .create("index/verdict/09/0.p/3", text.as_bytes())
        .unwrap();
    note_verdicts(&store, &[(digest(0x09, 256), 256)]).unwrap();
    assert_eq!(
        store.list("index/verdict/09/").unwrap(),
        ["index/verdict/09/0", "index/verdict/09/1.p/2"]
    );
    assert_eq!(candidates(&store, &digest(0x09, 999)).unwrap(), [999]);
    assert_eq!(candidates(&store, &digest(0x09, 1)).unwrap(), [1]);
}

#[test]
fn hostile_chunk_names_are_ignored_and_one_bad_bucket_spares_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    for name in [
        "18446744073709551615",
        "+1",
        "01",
        "0.p/0",
        "0.p/257",
        "0.p/+2",
    ] {
        store
            .create(&format!("index/verdict/0a/{name}"), b"x\n")
            .unwrap();
    }
    // A partial whose name says 2 lines but holds 1: every append wants that very key.
    store
        .create(
            "index/verdict/0b/0.p/2",
            format!("{} 1\n", digest(0x0b, 1)).as_bytes(),
        )
        .unwrap();
    let err = note_verdicts(&store, &[(digest(0x0a, 1), 1), (digest(0x0b, 2), 2)]).unwrap_err();
    assert!(err.contains("index/verdict/0b/"), "{err}");
    assert_eq!(candidates(&store, &digest(0x0a, 1)).unwrap(), [1]);
    assert!(store.get("index/verdict/0a/0.p/1").unwrap().is_some());
    // audit verify names every such key.
    let records: std::collections::HashMap<u64, String> =
        [(1, digest(0x0a, 1)), (2, digest(0x0b, 2))].into();
    let problems = check(&store, 3, &records).unwrap();
    let text = format!("{problems:?}");
    assert!(text.contains("0a/18446744073709551615"), "{text}");
    assert!(
        text.contains("index/verdict/0b/0.p/2\", \"holds 1 line(s), its name says 2"),
        "{text}"
    );
}
