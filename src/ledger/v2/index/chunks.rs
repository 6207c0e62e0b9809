//! The chunks of one bucket of the verdict index: their names, reading their lines, and
//! appending lines to a bucket so that no appender's line is lost (see the module doc of
//! `super` for the layout).

use crate::ledger::store::{Created, Store};
use rayon::prelude::*;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashSet};

/// Lines per chunk.
pub const CHUNK: usize = 256;

/// A chunk is never larger than this (256 lines of a digest, a space, at most 20 digits
/// and a newline); a larger object is not read as one.
pub const MAX_CHUNK_BYTES: usize = CHUNK * 86;

/// Chunk numbers above this are not the index's (a bucket of 2^32 chunks holds 2^40
/// verdicts); it keeps `n + 1` from overflowing on a hostile name.
const MAX_N: u64 = 1 << 32;

/// How often a chunk create that lost to another appender is retried.
const MAX_ATTEMPTS: u32 = 20;

/// How often a reader lists a bucket again when a chunk it listed was removed meanwhile.
const MAX_RELISTS: u32 = 3;

/// A chunk key of a bucket.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Chunk {
    pub n: u64,
    /// Lines its name says it holds: [`CHUNK`] for a full chunk.
    pub width: usize,
    pub key: String,
}

/// `(n, width)` of the chunk name `name` within a bucket (`<n>` full, `<n>.p/<w>`), if it
/// is one: canonical decimal numbers only.
pub fn chunk_named(name: &str) -> Option<(u64, usize)> {
    let canonical = |t: &str| t.parse::<u64>().ok().filter(|v| v.to_string() == t);
    let (n, width) = match name.split_once(".p/") {
        Some((n, w)) => (canonical(n)?, usize::try_from(canonical(w)?).ok()?),
        None => (canonical(name)?, CHUNK),
    };
    (n < MAX_N && (1..=CHUNK).contains(&width)).then_some((n, width))
}

/// The key of chunk `n` of `bucket` holding `width` lines.
fn chunk_key(bucket: &str, n: u64, width: usize) -> String {
    if width == CHUNK {
        format!("{bucket}{n}")
    } else {
        format!("{bucket}{n}.p/{width}")
    }
}

/// The chunk keys of a bucket, in order; anything else under it is ignored.
pub fn chunks(store: &dyn Store, bucket: &str) -> Result<Vec<Chunk>, String> {
    let mut found: Vec<Chunk> = store
        .list(bucket)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter_map(|key| {
            let (n, width) = chunk_named(&key[bucket.len()..])?;
            Some(Chunk { n, width, key })
        })
        .collect();
    found.sort();
    Ok(found)
}

/// One line `<sha256> <index>` (without its newline), if it is one.
pub fn parse_line(line: &str) -> Option<(&str, u64)> {
    let (sha, index) = line.split_once(' ')?;
    let value = index
        .parse::<u64>()
        .ok()
        .filter(|v| v.to_string() == index)?;
    crate::ledger::entry::is_sha256(sha).then_some((sha, value))
}

/// The well-formed lines of a chunk's bytes (newline included); a chunk too large or not
/// UTF-8 has none (the index is advisory: `audit verify` reports such a chunk).
fn lines_of(bytes: &[u8]) -> Vec<String> {
    if bytes.len() > MAX_CHUNK_BYTES {
        return Vec::new();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    text.split_inclusive('\n')
        .filter(|l| l.strip_suffix('\n').and_then(parse_line).is_some())
        .map(str::to_owned)
        .collect()
}

/// The lines of every chunk of a bucket, read in parallel. A chunk removed between the
/// listing and its read was merged into a wider one the appender created first, so the
/// bucket is listed again (a few times at most, then what was read is returned).
pub fn read_bucket(store: &dyn Store, bucket: &str) -> Result<Vec<String>, String> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let listed = chunks(store, bucket)?;
        let read: Vec<Option<Vec<u8>>> = listed
            .par_iter()
            .map(|c| store.get(&c.key).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        if read.iter().any(Option::is_none) && attempt < MAX_RELISTS {
            continue;
        }
        return Ok(read.iter().flatten().flat_map(|b| lines_of(b)).collect());
    }
}

/// Append `new` lines (`<sha256> <index>\n`) to `bucket`. The open chunk (after the last
/// full one) is rewritten wider with the lines of **every** partial of it — a racing
/// appender may have created one beside the widest — and of any partial left beside an
/// earlier full chunk that the full chunk lacks, so deleting those partials afterwards
/// loses no line. Chunks filled on the way are created full.
pub fn append_to_bucket(store: &dyn Store, bucket: &str, new: &[String]) -> Result<(), String> {
    'attempt: for attempt in 1..=MAX_ATTEMPTS {
        let listed = chunks(store, bucket)?;
        let open = listed
            .iter()
            .filter(|c| c.width == CHUNK)
            .map(|c| c.n + 1)
            .max()
            .unwrap_or(0);
        let mut merged: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut keep = |lines: Vec<String>, merged: &mut Vec<String>| {
            for line in lines {
                if seen.insert(line.clone()) {
                    merged.push(line);
                }
            }
        };
        // The open chunk's partials, widest first, then partials beside full chunks.
        let mut partials: Vec<&Chunk> = listed.iter().filter(|c| c.width < CHUNK).collect();
        partials.sort_by_key(|c| (c.n != open, std::cmp::Reverse(c.width)));
        let mut full_lines: BTreeMap<u64, HashSet<String>> = BTreeMap::new();
        for chunk in &partials {
            let Some(bytes) = store.get(&chunk.key).map_err(|e| e.to_string())? else {
                // Merged into a wider chunk and removed meanwhile: look again.
                continue 'attempt;
            };
            let mut lines = lines_of(&bytes);
            if chunk.n < open {
                if let Entry::Vacant(vacant) = full_lines.entry(chunk.n) {
                    let key = chunk_key(bucket, chunk.n, CHUNK);
                    let bytes = store.get(&key).map_err(|e| e.to_string())?;
                    let full = lines_of(bytes.as_deref().unwrap_or_default());
                    vacant.insert(full.into_iter().collect());
                }
                let full = &full_lines[&chunk.n];
                lines.retain(|l| !full.contains(l));
            }
            keep(lines, &mut merged);
        }
        let carried = merged.len();
        keep(new.to_vec(), &mut merged);
        if merged.len() == carried {
            return Ok(()); // every line is there already
        }
        for (n, part) in (open..).zip(merged.chunks(CHUNK)) {
            // Losing the open chunk's create means another appender wrote that width
            // first: start again (its lines are merged next time). A later chunk that
            // exists already was written by such an appender meanwhile; our lines in it
            // are lost (readers then scan) unless they are in its bytes.
            let key = chunk_key(bucket, n, part.len());
            let created = store
                .create(&key, part.concat().as_bytes())
                .map_err(|e| e.to_string())?;
            if created == Created::AlreadyExists && n == open {
                tracing::debug!(
                    attempt,
                    bucket,
                    "another appender wrote this verdict index chunk first; retrying"
                );
                continue 'attempt;
            }
        }
        // Every partial read above is merged into what was just created; remove those
        // narrower than it (a reader that listed one lists again).
        let open_width = merged.len().min(CHUNK);
        for chunk in partials {
            if chunk.n < open || chunk.width < open_width {
                let _ = store.delete(&chunk.key);
            }
        }
        return Ok(());
    }
    Err(format!(
        "gave up after {MAX_ATTEMPTS} attempts (other appenders kept winning)"
    ))
}
