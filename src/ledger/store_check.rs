//! `tollgate audit check-store`: whether a store's conditional writes hold under races. Many
//! threads race a conditional create of one key, then a create-if-absent swap, then a
//! compare-and-swap from one version: exactly one may win each race, and the object must
//! hold that winner's bytes. The result is kept in the store (`store-check.json`), and a
//! store without a kernel append lock that failed it is refused by [`require_atomic`].

use super::store::{Created, Store, StoreError, Swapped};
use serde::{Deserialize, Serialize};
use std::sync::Barrier;

/// Where the last result is kept, at the store's root.
pub const RESULT_KEY: &str = "store-check.json";

/// Every probe writes under `store-check/<random>/` and deletes what it wrote.
pub const PROBE_PREFIX: &str = "store-check/";

/// Racing writers when the caller does not say (`--writers`).
pub const DEFAULT_WRITERS: usize = 16;

/// Rounds of each race: one lucky round proves little.
pub const ROUNDS: usize = 3;

/// What the probe found; stored as canonical JSON in [`RESULT_KEY`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The store probed (`s3://bucket/prefix`, a directory).
    pub store: String,
    /// When the probe ran (RFC 3339, UTC).
    pub time: String,
    /// The tollgate that ran it.
    pub tollgate_version: String,
    /// Racing writers per race.
    pub writers: usize,
    /// Rounds of each race.
    pub rounds: usize,
    /// Every race had exactly one winner, holding the object.
    pub passed: bool,
    /// What the server did, one line per race and round, then the sequential checks.
    pub details: Vec<String>,
}

impl CheckReport {
    /// The lines that show a failure (none when the store passed).
    pub fn failures(&self) -> Vec<&str> {
        self.details
            .iter()
            .filter(|d| d.starts_with("FAIL"))
            .map(String::as_str)
            .collect()
    }
}

/// The three races, in the order they run.
#[derive(Debug, Clone, Copy)]
enum Race {
    /// `Store::create`: what entry bundles and tiles are written with.
    Create,
    /// `Store::replace_if(.., None)`: the first checkpoint.
    SwapAbsent,
    /// `Store::replace_if(.., Some(version))`: every later checkpoint.
    Swap,
}

impl Race {
    fn name(self) -> &'static str {
        match self {
            Race::Create => "racing conditional creates (If-None-Match: *)",
            Race::SwapAbsent => "racing create-if-absent swaps",
            Race::Swap => "racing compare-and-swaps from one version (If-Match)",
        }
    }

    fn key(self, prefix: &str, round: usize) -> String {
        let what = match self {
            Race::Create => "create",
            Race::SwapAbsent => "swap-absent",
            Race::Swap => "swap",
        };
        format!("{prefix}{what}-{round}")
    }
}

/// Probe `store` with `writers` racing threads per race ([`ROUNDS`] rounds of each), then
/// delete the probe's keys. `Err` when the probe could not run (a request failed), naming
/// the key; a server that lets several writers win is a report with `passed: false`.
pub fn probe(store: &dyn Store, writers: usize) -> Result<CheckReport, String> {
    if writers < 2 {
        return Err(format!(
            "check-store needs at least 2 racing writers, not {writers}"
        ));
    }
    let prefix = format!("{PROBE_PREFIX}{}/", random_hex()?);
    let outcome = run_races(store, writers, &prefix);
    // Clean up whatever happened; a failed cleanup is reported after the probe's own error.
    let cleanup = cleanup(store, &prefix);
    let details = outcome?;
    cleanup?;
    let passed = !details.iter().any(|d| d.starts_with("FAIL"));
    Ok(CheckReport {
        store: store.location(),
        time: crate::verdict::rfc3339(time::OffsetDateTime::now_utc()),
        tollgate_version: env!("CARGO_PKG_VERSION").to_owned(),
        writers,
        rounds: ROUNDS,
        passed,
        details,
    })
}

fn run_races(store: &dyn Store, writers: usize, prefix: &str) -> Result<Vec<String>, String> {
    let mut details = Vec::new();
    for race in [Race::Create, Race::SwapAbsent, Race::Swap] {
        for round in 1..=ROUNDS {
            details.push(run_race(
                store,
                race,
                writers,
                &race.key(prefix, round),
                round,
            )?);
        }
    }
    details.extend(sequential(store, prefix)?);
    Ok(details)
}

/// One race: `writers` threads released together; the line saying what the server did.
fn run_race(
    store: &dyn Store,
    race: Race,
    writers: usize,
    key: &str,
    round: usize,
) -> Result<String, String> {
    let failed = |e: StoreError| format!("check-store could not run: {e}");
    let expected = match race {
        Race::Swap => {
            store.create(key, b"initial").map_err(failed)?;
            let (_, version) = store.get_versioned(key).map_err(failed)?.ok_or_else(|| {
                format!("check-store could not run: {key} vanished after it was created")
            })?;
            Some(version)
        }
        Race::Create | Race::SwapAbsent => None,
    };
    let barrier = Barrier::new(writers);
    let results: Vec<Result<Option<usize>, StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|t| {
                let (barrier, expected) = (&barrier, &expected);
                scope.spawn(move || {
                    let bytes = writer_bytes(t);
                    barrier.wait();
                    let won = match race {
                        Race::Create => store.create(key, &bytes)? == Created::New,
                        Race::SwapAbsent | Race::Swap => {
                            store.replace_if(key, &bytes, expected.as_ref())? == Swapped::Done
                        }
                    };
                    Ok(won.then_some(t))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(StoreError {
                        location: store.location(),
                        key: key.to_owned(),
                        message: "a racing writer panicked".to_owned(),
                    })
                })
            })
            .collect()
    });
    let mut winners = Vec::new();
    for result in results {
        if let Some(t) = result.map_err(failed)? {
            winners.push(t);
        }
    }
    let stored = store.get(key).map_err(failed)?;
    let holder = stored
        .as_deref()
        .and_then(|bytes| (0..writers).find(|&t| writer_bytes(t) == bytes));
    let holds = match holder {
        Some(t) => format!("the object holds writer {t}'s bytes"),
        None if stored.is_none() => "the object is missing".to_owned(),
        None => "the object holds no writer's bytes".to_owned(),
    };
    let ok = matches!((&winners[..], holder), ([w], Some(h)) if *w == h);
    Ok(format!(
        "{} round {round}: {} of {writers} {} reported success; {holds}",
        if ok { "ok" } else { "FAIL" },
        winners.len(),
        race.name(),
    ))
}

/// A conditional write must be refused one request after another too: a create of an
/// existing key, a swap from a stale version, a swap of a deleted key.
fn sequential(store: &dyn Store, prefix: &str) -> Result<Vec<String>, String> {
    let failed = |e: StoreError| format!("check-store could not run: {e}");
    let key = format!("{prefix}sequential");
    store.create(&key, b"first").map_err(failed)?;
    let second = store.create(&key, b"second").map_err(failed)?;
    let (_, stale) = store
        .get_versioned(&key)
        .map_err(failed)?
        .ok_or_else(|| format!("check-store could not run: {key} vanished after it was created"))?;
    let first_swap = store
        .replace_if(&key, b"third", Some(&stale))
        .map_err(failed)?;
    let stale_swap = store
        .replace_if(&key, b"fourth", Some(&stale))
        .map_err(failed)?;
    store.delete(&key).map_err(failed)?;
    let gone_swap = store
        .replace_if(&key, b"fifth", Some(&stale))
        .map_err(failed)?;
    let line = |ok: bool, what: &str| format!("{} {what}", if ok { "ok" } else { "FAIL" });
    Ok(vec![
        line(
            second == Created::AlreadyExists,
            &format!(
                "a create of an existing key was {}",
                if second == Created::AlreadyExists {
                    "refused"
                } else {
                    "accepted"
                }
            ),
        ),
        line(
            first_swap == Swapped::Done && stale_swap == Swapped::Conflict,
            &format!(
                "a swap from the current version was {}, then one from the same (now stale) \
                 version was {}",
                done_word(first_swap),
                done_word(stale_swap)
            ),
        ),
        line(
            gone_swap == Swapped::Conflict,
            &format!("a swap of a deleted key was {}", done_word(gone_swap)),
        ),
    ])
}

fn done_word(swapped: Swapped) -> &'static str {
    match swapped {
        Swapped::Done => "accepted",
        Swapped::Conflict => "refused",
    }
}

fn writer_bytes(t: usize) -> Vec<u8> {
    format!("tollgate check-store writer {t}").into_bytes()
}

fn random_hex() -> Result<String, String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| format!("check-store could not run: no randomness for its key prefix: {e}"))?;
    Ok(hex::encode(bytes))
}

/// Delete every key under the probe's prefix.
fn cleanup(store: &dyn Store, prefix: &str) -> Result<(), String> {
    let keys = store
        .list(prefix)
        .map_err(|e| format!("check-store could not clean up after itself: {e}"))?;
    for key in keys {
        store.delete(&key).map_err(|e| {
            format!("check-store could not clean up after itself ({prefix} holds probe keys; delete them): {e}")
        })?;
    }
    Ok(())
}

/// Keep `report` in the store as [`RESULT_KEY`] (canonical JSON), replacing an older one.
pub fn record(store: &dyn Store, report: &CheckReport) -> Result<(), String> {
    store
        .replace(RESULT_KEY, &crate::verdict::canonical_json(report))
        .map_err(|e| format!("could not record the check-store result: {e}"))
}

/// The recorded result, if any; a result that does not parse is an error naming the key.
pub fn recorded(store: &dyn Store) -> Result<Option<CheckReport>, String> {
    let Some(bytes) = store.get(RESULT_KEY).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        format!(
            "{}/{RESULT_KEY} is not a check-store result ({e}): run `tollgate audit check-store \
             --store {}` to probe the store again",
            store.location(),
            store.location()
        )
    })
}

/// Whether appends may write to `store` without a lock: `Ok` for stores with a kernel append
/// lock; otherwise the recorded check-store result must be a pass (with none recorded, the
/// probe runs now, once, and its result is recorded). A failed result is refused, naming
/// what the server did.
pub fn require_atomic(store: &dyn Store) -> Result<(), String> {
    if store.has_append_lock() {
        return Ok(());
    }
    let report = match recorded(store)? {
        Some(report) => report,
        None => {
            let report = probe(store, DEFAULT_WRITERS)?;
            record(store, &report)?;
            report
        }
    };
    if report.passed {
        return Ok(());
    }
    Err(refusal(&report))
}

/// Why a store that failed the probe is refused, and what to do.
pub fn refusal(report: &CheckReport) -> String {
    format!(
        "{}: refusing to append: the server does not apply conditional writes atomically \
         (tollgate audit check-store, {}: {}), so concurrent appenders could tear the log: use \
         a backend that honours conditional writes (AWS S3, MinIO, Cloudflare R2, Ceph RGW; see \
         docs/ledger-s3.md) or a local --store DIR; after changing the server, run `tollgate \
         audit check-store --store {}` again",
        report.store,
        report.time,
        report.failures().join("; "),
        report.store
    )
}

#[cfg(test)]
#[path = "store_check_tests.rs"]
mod tests;
