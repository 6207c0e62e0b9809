//! The ledger's clock never goes backwards: an entry is never dated earlier than the entry
//! before it. Review windows, soak times and revocation cutoffs are measured in ledger
//! time, so a backdated entry (an approval dated inside the window it should wait out, a
//! proposal dated a day early) would lie about them.
//!
//! The rule, enforced by [`super::append::append`] under the append lock:
//! - a time given explicitly (`--now` of `propose`, `approve`, `key revoke`) that is earlier
//!   than the previous entry's is refused;
//! - the ledger's own clock (the wall clock of `evaluate`) is raised to the previous entry's
//!   time when it lags (clock skew between machines sharing a store), so entries stay in
//!   order without failing a deploy;
//! - a wall-clock time already bound into a signature (`freeze`, `deploy record`, `rollback
//!   record`, and `propose`/`approve`/`key revoke` without `--now`) cannot be raised: it is
//!   kept when it lags the previous entry by at most [`MAX_SIGNED_LAG`] (another writer
//!   appended between the signing and this append) and refused beyond that.

use super::store::Store;
use crate::verdict::{parse_rfc3339, rfc3339};
use time::OffsetDateTime;

/// The last entry of the chain: its sequence number and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Last {
    pub seq: u64,
    pub time: String,
}

/// How an entry's time was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Given by the caller (`--now`): refused when it would go backwards.
    Given,
    /// The ledger's own clock: raised to the previous entry's time when it lags.
    Clock,
    /// The wall clock, read before the append and covered by a signature: kept; a lag of
    /// at most [`MAX_SIGNED_LAG`] behind the previous entry is accepted (concurrent writers).
    Signed,
}

/// How far a signed wall-clock time may trail the previous entry: the time between signing
/// a statement and taking the append lock while other writers append. Far below any review
/// window, soak or cutoff the ledger's times measure.
pub const MAX_SIGNED_LAG: time::Duration = time::Duration::minutes(2);

impl Source {
    /// `Given` when a `--now` was passed.
    pub fn of(now: Option<&str>) -> Source {
        if now.is_some() {
            Source::Given
        } else {
            Source::Clock
        }
    }

    /// For a time that a signature will cover: `Given` when a `--now` was passed, else
    /// `Signed`.
    pub fn signed(now: Option<&str>) -> Source {
        if now.is_some() {
            Source::Given
        } else {
            Source::Signed
        }
    }
}

/// The time of the chain's last entry, if any.
pub fn last(store: &dyn Store) -> Result<Option<Last>, String> {
    Ok(super::tail::read(store)?.last_entry)
}

/// The time for a new entry at `now`, given the chain's last entry: `now` when it is not
/// earlier; the last entry's time for the clock; an error naming both for a given time.
pub fn order(now: &str, source: Source, last: Option<&Last>) -> Result<String, String> {
    let Some(last) = last else {
        return Ok(now.to_owned());
    };
    let (Some(new), Some(previous)) = (parse_rfc3339(now), parse_rfc3339(&last.time)) else {
        return Err(format!(
            "cannot order ledger times {now:?} and {:?} (entry {}): not RFC 3339",
            last.time, last.seq
        ));
    };
    if new >= previous {
        return Ok(now.to_owned());
    }
    match source {
        Source::Clock => Ok(last.time.clone()),
        Source::Signed if previous - new <= MAX_SIGNED_LAG => Ok(now.to_owned()),
        Source::Given | Source::Signed => Err(format!(
            "ledger time cannot go backwards: this entry would be dated {now}, but entry {} is \
             dated {}; a backdated entry would fake the review windows, soak times and \
             revocation cutoffs measured from it (use a time at or after {})",
            last.seq, last.time, last.time
        )),
    }
}

/// The time for a new entry of `store` at `now` (see [`order`]).
pub fn entry_time(
    store: &dyn Store,
    now: OffsetDateTime,
    source: Source,
) -> Result<String, String> {
    order(&rfc3339(now), source, last(store)?.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last(time: &str) -> Last {
        Last {
            seq: 7,
            time: time.to_owned(),
        }
    }

    #[test]
    fn a_given_time_earlier_than_the_last_entry_is_refused() {
        let err = order(
            "2026-11-20T10:00:00Z",
            Source::Given,
            Some(&last("2026-11-20T11:00:00Z")),
        )
        .unwrap_err();
        assert!(
            err.contains("cannot go backwards")
                && err.contains("entry 7 is dated 2026-11-20T11:00:00Z"),
            "{err}"
        );
    }

    #[test]
    fn a_signed_wall_clock_time_may_trail_a_concurrent_append_briefly_but_not_more() {
        let previous = last("2026-11-20T11:00:00Z");
        assert_eq!(
            order("2026-11-20T10:59:01Z", Source::Signed, Some(&previous)).unwrap(),
            "2026-11-20T10:59:01Z",
            "kept as signed, not moved"
        );
        let err = order("2026-11-20T10:57:59Z", Source::Signed, Some(&previous)).unwrap_err();
        assert!(err.contains("cannot go backwards"), "{err}");
        assert_eq!(Source::signed(None), Source::Signed);
        assert_eq!(Source::signed(Some("2026-11-20T10:00:00Z")), Source::Given);
    }

    #[test]
    fn the_clock_is_raised_to_the_last_entry_and_later_times_pass() {
        let previous = last("2026-11-20T11:00:00Z");
        assert_eq!(
            order("2026-11-20T10:59:58Z", Source::Clock, Some(&previous)).unwrap(),
            "2026-11-20T11:00:00Z"
        );
        for source in [Source::Given, Source::Clock] {
            assert_eq!(
                order("2026-11-20T11:00:00Z", source, Some(&previous)).unwrap(),
                "2026-11-20T11:00:00Z"
            );
            assert_eq!(
                order("2026-11-21T00:00:00Z", source, Some(&previous)).unwrap(),
                "2026-11-21T00:00:00Z"
            );
            assert_eq!(
                order("2026-01-01T00:00:00Z", source, None).unwrap(),
                "2026-01-01T00:00:00Z"
            );
        }
    }
}
