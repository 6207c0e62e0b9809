//! What a format-1 entry becomes in format 2: the same entry without `prev`, naming where
//! it was (`v1: {seq, entry_sha256}`), dated as it was. Its time must already obey the
//! ledger clock's rule ([`crate::ledger::clock`]), which format 2 enforces on every append.

use crate::ledger::clock::{self, Last, Source};
use crate::ledger::entry::{Entry, EntryId, Kind, V1Origin};

/// The format-2 record for format-1 entry `id` (its `seq` is kept: index + 1).
pub fn record_of(id: &EntryId, mut entry: Entry) -> Entry {
    entry.prev = None;
    entry.v1 = Some(V1Origin {
        seq: id.seq,
        entry_sha256: id.sha256.clone(),
    });
    entry
}

/// Check entry `id`'s time against the entry before it (`last`) as an append does: a
/// verdict's time (the ledger's own clock) is never earlier; a time bound into an ops
/// signature (every other kind) may trail by at most [`clock::MAX_SIGNED_LAG`].
pub fn check_time(id: &EntryId, entry: &Entry, last: Option<&Last>) -> Result<(), String> {
    let source = match entry.kind {
        Kind::Verdict => Source::Given,
        _ => Source::Signed,
    };
    clock::order(&entry.time, source, last)
        .map(|_| ())
        .map_err(|e| {
            format!(
                "entry {} ({}, {} of {}): {e}; format 2 keeps every entry's time, so this ledger \
                 cannot be migrated as it is",
                id.seq,
                id.sha256,
                entry.kind.as_str(),
                entry.environment
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::record::blank;

    fn entry(kind: Kind, time: &str) -> Entry {
        let mut entry = blank(kind, "mainnet", time.to_owned());
        entry.seq = 2;
        entry.prev = Some("ab".repeat(32));
        entry
    }

    fn id() -> EntryId {
        EntryId {
            seq: 2,
            sha256: "cd".repeat(32),
        }
    }

    fn last(time: &str) -> Last {
        Last {
            seq: 1,
            time: time.to_owned(),
        }
    }

    #[test]
    fn a_record_drops_prev_and_names_its_v1_place() {
        let record = record_of(&id(), entry(Kind::Verdict, "2026-01-01T00:00:00Z"));
        assert_eq!(record.prev, None);
        assert_eq!(record.seq, 2);
        let v1 = record.v1.unwrap();
        assert_eq!((v1.seq, v1.entry_sha256), (2, "cd".repeat(32)));
    }

    #[test]
    fn times_follow_the_ledger_clock() {
        let earlier = last("2026-01-01T00:00:00Z");
        let verdict = entry(Kind::Verdict, "2026-01-01T00:00:00Z");
        check_time(&id(), &verdict, Some(&earlier)).unwrap();
        check_time(&id(), &verdict, None).unwrap();
        // A verdict one second before the entry it follows: refused, naming the entry.
        let later = last("2026-01-01T00:00:01Z");
        let refused = check_time(&id(), &verdict, Some(&later)).unwrap_err();
        assert!(refused.contains("entry 2 ("), "{refused}");
        assert!(refused.contains("cannot go backwards"), "{refused}");
        // A signed freeze may trail by up to two minutes (a concurrent append), not more.
        let freeze = entry(Kind::Freeze, "2026-01-01T00:00:00Z");
        check_time(&id(), &freeze, Some(&last("2026-01-01T00:02:00Z"))).unwrap();
        let refused = check_time(&id(), &freeze, Some(&last("2026-01-01T00:02:01Z"))).unwrap_err();
        assert!(refused.contains("freeze of mainnet"), "{refused}");
    }
}
