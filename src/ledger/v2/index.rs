//! The verdict index of a v2 log, so that `audit prove` and `verify --store` find a verdict's
//! record without scanning the log. Untrusted: a reader checks the record an entry points
//! at, and falls back to a scan when no entry leads to a record naming the verdict (after
//! a crash between a record and its index entry, say).
//!
//! Laid out like the log's own tiles, so that it costs a file per 256 verdicts, not one per
//! verdict: 256 buckets by the verdict digest's first byte, `index/verdict/<2 hex>/`, each
//! a sequence of chunks of up to 256 lines `<sha256> <record index>\n` in append order.
//! Chunk `n` is `<n>` when full and `<n>.p/<w>` while it holds `w` lines; a chunk only
//! grows, by creating the next wider key (create-if-absent), after which the narrower
//! partial is deleted. A reader reads every chunk key of the verdict's bucket (at a million
//! verdicts, about 16), so a partial that a racing appender created beside another is
//! still read. Logs written before this layout have `index/verdict/<sha256>` (a record
//! index), which is still read.

use super::tiles::read_bundle;
use crate::ledger::store::{Created, Store};
use crate::tlog::TILE_WIDTH;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The key prefix of the verdict index.
pub const PREFIX: &str = "index/verdict/";

/// Lines per chunk.
const CHUNK: usize = 256;

/// How often a chunk create that lost to another appender is retried.
const MAX_ATTEMPTS: u32 = 20;

/// The key of a verdict in the index written before the bucketed layout.
pub fn legacy_key(sha256: &str) -> String {
    format!("{PREFIX}{sha256}")
}

/// The bucket (key prefix) of a verdict digest.
fn bucket(sha256: &str) -> String {
    format!("{PREFIX}{}/", &sha256[..2])
}

/// The verdict a record names: its `verdict.sha256` when it is a `verdict` record.
pub fn verdict_of(record: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(record).ok()?;
    if value.get("kind")?.as_str()? != "verdict" {
        return None;
    }
    let sha = value.get("verdict")?.get("sha256")?.as_str()?;
    crate::ledger::entry::is_sha256(sha).then(|| sha.to_owned())
}

/// Note that the records at the given indexes name the given verdicts (`(sha256, index)`,
/// in log order). The append paths call this after the records' bundles are created; a
/// failure here loses nothing (readers fall back to a scan), so the caller may log it and
/// go on.
pub fn note_verdicts(store: &dyn Store, verdicts: &[(String, u64)]) -> Result<(), String> {
    let mut by_bucket: BTreeMap<String, Vec<(&str, u64)>> = BTreeMap::new();
    for (sha, index) in verdicts {
        if !crate::ledger::entry::is_sha256(sha) {
            return Err(format!("not a SHA-256: {sha:?}"));
        }
        by_bucket
            .entry(bucket(sha))
            .or_default()
            .push((sha.as_str(), *index));
    }
    for (bucket, lines) in by_bucket {
        append_to_bucket(store, &bucket, &lines)
            .map_err(|e| format!("cannot write the verdict index ({bucket}): {e}"))?;
    }
    Ok(())
}

/// [`note_records`] for one record.
pub fn note_record(store: &dyn Store, index: u64, record: &[u8]) -> Result<(), String> {
    note_records(store, index, &[record])
}

/// [`note_verdicts`] for records' bytes (the record at `first + i` is `records[i]`): only
/// verdict records are noted.
pub fn note_records(store: &dyn Store, first: u64, records: &[&[u8]]) -> Result<(), String> {
    let verdicts: Vec<(String, u64)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| verdict_of(r).map(|sha| (sha, first + i as u64)))
        .collect();
    note_verdicts(store, &verdicts)
}

/// The chunk keys of a bucket: `(n, width, key)`, full chunks with width [`CHUNK`].
fn chunks(store: &dyn Store, bucket: &str) -> Result<Vec<(u64, usize, String)>, String> {
    let mut found = Vec::new();
    for key in store.list(bucket).map_err(|e| e.to_string())? {
        // Anything else under the bucket is not the index's: ignored.
        if let Some((n, width)) = chunk_named(&key[bucket.len()..]) {
            found.push((n, width, key));
        }
    }
    found.sort();
    Ok(found)
}

/// `(n, width)` of the chunk key `name` within a bucket (`<n>` full, `<n>.p/<w>`), if it
/// is one.
fn chunk_named(name: &str) -> Option<(u64, usize)> {
    let (n, width) = match name.split_once(".p/") {
        Some((n, w)) => (n.parse::<u64>().ok()?, w.parse::<usize>().ok()?),
        None => (name.parse::<u64>().ok()?, CHUNK),
    };
    (1..=CHUNK).contains(&width).then_some((n, width))
}

/// The key of chunk `n` holding `width` lines.
fn chunk_key(bucket: &str, n: u64, width: usize) -> String {
    if width == CHUNK {
        format!("{bucket}{n}")
    } else {
        format!("{bucket}{n}.p/{width}")
    }
}

/// Append `lines` to a bucket: extend its open chunk (the widest partial after the last
/// full chunk), filling chunks on the way, then delete the partials it superseded.
fn append_to_bucket(store: &dyn Store, bucket: &str, lines: &[(&str, u64)]) -> Result<(), String> {
    let new: String = lines
        .iter()
        .map(|(sha, i)| format!("{sha} {i}\n"))
        .collect();
    for attempt in 1..=MAX_ATTEMPTS {
        let chunks = chunks(store, bucket)?;
        let full = chunks
            .iter()
            .filter(|(_, w, _)| *w == CHUNK)
            .map(|(n, _, _)| n + 1)
            .max()
            .unwrap_or(0);
        let open = chunks
            .iter()
            .filter(|(n, w, _)| *n == full && *w < CHUNK)
            .max_by_key(|(_, w, _)| *w);
        let mut text = match open {
            Some((_, _, key)) => match store.get(key).map_err(|e| e.to_string())? {
                Some(bytes) => String::from_utf8(bytes).map_err(|_| format!("{key}: not UTF-8"))?,
                // Deleted meanwhile by an appender that extended it: look again.
                None => continue,
            },
            None => String::new(),
        };
        let had = text.lines().count();
        text.push_str(&new);
        let all: Vec<&str> = text.split_inclusive('\n').collect();
        let mut lost = false;
        for (n, part) in (full..).zip(all.chunks(CHUNK)) {
            // The first chunk written is the open one, with its old lines first. Losing
            // its create means another appender extended it first: start again. A later
            // chunk that exists already was written by such an appender meanwhile; our
            // lines in it are lost (readers then scan).
            let key = chunk_key(bucket, n, part.len());
            let created = store
                .create(&key, part.concat().as_bytes())
                .map_err(|e| e.to_string())?;
            if created == Created::AlreadyExists && n == full {
                lost = true;
                break;
            }
        }
        if lost {
            tracing::debug!(
                attempt,
                bucket,
                "another appender extended the verdict index chunk; retrying"
            );
            continue;
        }
        // The partials of the chunks written that are now superseded (narrower than what
        // was just created); a reader that listed one re-reads what it finds.
        for (cn, width, key) in chunks {
            let current = match cn.cmp(&full) {
                std::cmp::Ordering::Less => CHUNK,
                std::cmp::Ordering::Equal => (had + lines.len()).min(CHUNK),
                std::cmp::Ordering::Greater => continue,
            };
            if width < current {
                let _ = store.delete(&key);
            }
        }
        return Ok(());
    }
    Err(format!(
        "gave up after {MAX_ATTEMPTS} attempts (other appenders kept winning)"
    ))
}

/// The record indexes the index gives for `sha256`, ascending (any number: untrusted).
fn candidates(store: &dyn Store, sha256: &str) -> Result<Vec<u64>, String> {
    let mut found = Vec::new();
    if let Some(bytes) = store.get(&legacy_key(sha256)).map_err(|e| e.to_string())?
        && let Some(index) = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.trim_end_matches('\n').parse::<u64>().ok())
    {
        found.push(index);
    }
    let bucket = bucket(sha256);
    for (_, _, key) in chunks(store, &bucket)? {
        // A chunk deleted between the listing and the read was superseded by a wider one,
        // which the listing has too (or the next lookup will).
        let Some(bytes) = store.get(&key).map_err(|e| e.to_string())? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for line in text.lines() {
            if let Some((sha, index)) = line.split_once(' ')
                && sha == sha256
                && let Ok(index) = index.parse::<u64>()
            {
                found.push(index);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

/// `audit verify`'s check of the verdict index against the log's records (`verdicts`: the
/// verdict each verdict record names, by index, for every record the log holds): every key
/// under [`PREFIX`] is a chunk (or an old-layout key) holding as many lines as its name
/// says, each `<sha256> <index>` with the digest in its bucket, naming a verdict record at
/// that index. `(key, problem)` for each break. A verdict missing from the index is not
/// one: a crash between a record and its index entry leaves that, and readers scan.
pub fn check(
    store: &dyn Store,
    verdicts: &std::collections::HashMap<u64, String>,
) -> Result<Vec<(String, String)>, String> {
    let mut problems = Vec::new();
    let claim = |sha: &str, index: u64| -> Option<String> {
        match verdicts.get(&index) {
            Some(named) if named == sha => None,
            Some(named) => Some(format!(
                "says verdict {sha} is record {index}, but that record names verdict {named}"
            )),
            None => Some(format!(
                "says verdict {sha} is record {index}, but the log has no verdict record {index}"
            )),
        }
    };
    for key in store.list(PREFIX).map_err(|e| e.to_string())? {
        let Some(bytes) = store.get(&key).map_err(|e| e.to_string())? else {
            continue;
        };
        let rest = &key[PREFIX.len()..];
        let text = std::str::from_utf8(&bytes).ok();
        if crate::ledger::entry::is_sha256(rest) {
            let index = text
                .and_then(|t| t.strip_suffix('\n'))
                .and_then(|t| t.parse::<u64>().ok())
                .filter(|i| text == Some(format!("{i}\n").as_str()));
            match index {
                Some(index) => problems.extend(claim(rest, index).map(|p| (key.clone(), p))),
                None => problems.push((key.clone(), "is not `<record index>\\n`".to_owned())),
            }
            continue;
        }
        let parsed = rest.split_once('/').and_then(|(hh, name)| {
            let (_, width) = chunk_named(name)?;
            (hh.len() == 2 && hh.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
                .then_some((hh, width))
        });
        let Some((hh, width)) = parsed else {
            problems.push((key.clone(), "is not a verdict index chunk".to_owned()));
            continue;
        };
        let Some(text) = text else {
            problems.push((key.clone(), "is not UTF-8".to_owned()));
            continue;
        };
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        if lines.len() != width || !text.ends_with('\n') {
            problems.push((
                key.clone(),
                format!("holds {} line(s), its name says {width}", lines.len()),
            ));
        }
        for (at, line) in lines.iter().enumerate() {
            let parsed = line
                .strip_suffix('\n')
                .and_then(|l| l.split_once(' '))
                .filter(|(sha, _)| crate::ledger::entry::is_sha256(sha) && sha.starts_with(hh))
                .and_then(|(sha, i)| {
                    i.parse::<u64>()
                        .ok()
                        .filter(|n| n.to_string() == i)
                        .map(|n| (sha, n))
                });
            let problem = match parsed {
                Some((sha, index)) => claim(sha, index),
                None => Some(format!(
                    "is not `<sha256 in bucket {hh}> <record index>`: {:?}",
                    line.trim_end()
                )),
            };
            if let Some(problem) = problem {
                problems.push((key.clone(), format!("line {}: {problem}", at + 1)));
            }
        }
    }
    Ok(problems)
}

/// How a verdict's record was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Index,
    /// The index had no (or a wrong) entry: every record up to the tree size was read.
    Scan,
}

/// A record found for a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub index: u64,
    pub record: Vec<u8>,
    pub via: Via,
}

/// The record at `index` of a log of `size` records (its bytes are authenticated only by
/// a proof against a checkpoint's root).
pub fn read_record(store: &dyn Store, index: u64, size: u64) -> Result<Vec<u8>, String> {
    if index >= size {
        return Err(format!(
            "there is no record {index} in the ledger at {}: its checkpoint covers {size} record(s) (0 to {})",
            store.location(),
            size.saturating_sub(1)
        ));
    }
    let n = index / TILE_WIDTH;
    let width = (size - n * TILE_WIDTH).min(TILE_WIDTH) as u32;
    let records = read_bundle(store, n, width)?;
    let at = (index % TILE_WIDTH) as usize;
    records.into_iter().nth(at).ok_or_else(|| {
        format!(
            "{}: the entry bundle for record {index} is short",
            store.location()
        )
    })
}

/// The first record among the first `size` that names verdict `sha256`: through the index,
/// else by reading every bundle. `None` when no record names it.
pub fn find_verdict(store: &dyn Store, sha256: &str, size: u64) -> Result<Option<Found>, String> {
    if !crate::ledger::entry::is_sha256(sha256) {
        return Err(format!("not a SHA-256: {sha256:?}"));
    }
    let candidates = candidates(store, sha256)?;
    for &index in candidates.iter().filter(|i| **i < size) {
        let record = read_record(store, index, size)?;
        if verdict_of(&record).as_deref() == Some(sha256) {
            return Ok(Some(Found {
                index,
                record,
                via: Via::Index,
            }));
        }
    }
    if !candidates.is_empty() {
        tracing::warn!(
            bucket = %format!("{}/{}", store.location(), bucket(sha256)),
            "the verdict index does not point at a record naming this verdict (or only past the checkpoint); scanning the log"
        );
    }
    scan(store, sha256, size)
}

/// Read every bundle of the first `size` records (in parallel) for the first record naming
/// `sha256`.
fn scan(store: &dyn Store, sha256: &str, size: u64) -> Result<Option<Found>, String> {
    let bundles = size.div_ceil(TILE_WIDTH);
    let hits = (0..bundles)
        .into_par_iter()
        .map(|n| {
            let width = (size - n * TILE_WIDTH).min(TILE_WIDTH) as u32;
            let records = read_bundle(store, n, width)?;
            Ok(records
                .into_iter()
                .enumerate()
                .find(|(_, r)| verdict_of(r).as_deref() == Some(sha256))
                .map(|(i, record)| Found {
                    index: n * TILE_WIDTH + i as u64,
                    record,
                    via: Via::Scan,
                }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(hits.into_iter().flatten().next())
}

#[cfg(test)]
mod tests {
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
        // An appender extends the widest partial and removes both narrower ones.
        note_verdicts(&store, &[(digest(0x42, 8), 20)]).unwrap();
        assert_eq!(
            store.list("index/verdict/42/").unwrap(),
            ["index/verdict/42/0.p/3", "index/verdict/42/notes"]
        );
        assert_eq!(candidates(&store, &sha).unwrap(), [3, 5]);
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
        assert_eq!(check(&store, &records).unwrap(), []);
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
        let problems = check(&store, &records).unwrap();
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
}
