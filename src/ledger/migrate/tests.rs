//! [`super::migrate`] through the library: a format-1 chain logged into format 2 record by
//! record; entries appended after the verification are left out and counted; an entry
//! changed after it is refused; the target must be empty.

use super::{migrate, prepare};
use crate::ledger::append::{Pending, append};
use crate::ledger::clock::Source;
use crate::ledger::create::init;
use crate::ledger::entry::{Kind, entry_key};
use crate::ledger::format::Format;
use crate::ledger::local::LocalStore;
use crate::ledger::query::{self, Links};
use crate::ledger::store::Store;
use crate::signing::{Signer, keygen};

struct Stores {
    _dir: tempfile::TempDir,
    v1: LocalStore,
    v2: LocalStore,
    signer: Signer,
}

/// A format-1 ledger of `n` verdict entries and an empty directory for format 2.
fn stores(n: usize) -> Stores {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(&dir.path().join("keys"), None).unwrap();
    let signer = Signer::load(&keys.secret, None).unwrap();
    let v1 = LocalStore::open(&dir.path().join("v1"), true).unwrap();
    init(&v1, Format::V1, None).unwrap();
    for i in 0..n {
        append(&v1, verdict(i), Some(&signer)).unwrap();
    }
    let v2 = LocalStore::open(&dir.path().join("v2"), true).unwrap();
    Stores {
        _dir: dir,
        v1,
        v2,
        signer,
    }
}

fn verdict(i: usize) -> Pending {
    let mut entry = crate::ledger::record::blank(
        Kind::Verdict,
        "regtest",
        format!("2026-12-01T00:00:{:02}Z", i % 60),
    );
    entry.commit = Some(format!("{i:040x}"));
    Pending {
        entry,
        blobs: Vec::new(),
        time_source: Source::Given,
    }
}

#[test]
fn entries_become_records_in_order_naming_their_v1_place() {
    let s = stores(3);
    let origin = prepare(&s.v2, Some("example.com/migrated")).unwrap();
    assert_eq!(origin, "example.com/migrated");
    let done = migrate(&s.v1, &s.v2, &s.signer, 3).unwrap();
    assert_eq!((done.entries, done.appended), (3, 0));
    let checkpoint = done.checkpoint.unwrap();
    assert_eq!(checkpoint.checkpoint.size, 3);
    assert_eq!(checkpoint.checkpoint.origin, "example.com/migrated");
    let old = query::scan(&s.v1, None, Links::Check, |id, e| Ok(Some((id, e)))).unwrap();
    let new = query::scan(&s.v2, None, Links::Check, |id, e| Ok(Some((id, e)))).unwrap();
    for ((old_id, old), (new_id, new)) in old.items.iter().zip(&new.items) {
        assert_eq!(new_id.seq, old_id.seq);
        let v1 = new.v1.as_ref().unwrap();
        assert_eq!((v1.seq, &v1.entry_sha256), (old_id.seq, &old_id.sha256));
        assert_eq!((&new.time, &new.commit), (&old.time, &old.commit));
        assert_eq!(new.prev, None);
    }
    // The target now holds a log: a second migration into it is refused.
    let again = prepare(&s.v2, None).unwrap_err();
    assert!(
        again.contains("holds a format-2 log of 3 records"),
        "{again}"
    );
}

#[test]
fn entries_appended_after_the_verification_are_counted_not_migrated() {
    let s = stores(3);
    prepare(&s.v2, None).unwrap();
    let done = migrate(&s.v1, &s.v2, &s.signer, 2).unwrap();
    assert_eq!((done.entries, done.appended), (2, 1));
    assert_eq!(crate::ledger::v2::read::size(&s.v2).unwrap(), 2);
}

#[test]
fn an_entry_changed_after_the_verification_is_refused() {
    let s = stores(3);
    prepare(&s.v2, None).unwrap();
    let key = entry_key(2);
    let bytes = s.v1.get(&key).unwrap().unwrap();
    let changed = String::from_utf8(bytes)
        .unwrap()
        .replace("2026-12-01T00:00:01Z", "2026-12-01T00:00:02Z");
    s.v1.replace(&key, changed.as_bytes()).unwrap();
    let refused = migrate(&s.v1, &s.v2, &s.signer, 3).unwrap_err();
    assert!(
        refused.contains("entry 3 no longer links to entry 2")
            && refused.contains("changed after it was verified"),
        "{refused}"
    );
}
