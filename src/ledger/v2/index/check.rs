//! `audit verify`'s check of the verdict index against the log's records.

use super::PREFIX;
use super::chunks::{MAX_CHUNK_BYTES, chunk_named, parse_line};
use crate::ledger::store::Store;
use std::collections::HashMap;

/// Check the verdict index against the first `size` records of the log, the ones verified
/// (`verdicts`: the verdict each verdict record among them names, by index): every key under
/// [`PREFIX`] is a chunk (or an old-layout key) holding as many lines as its name says, each
/// `<sha256> <index>` with the digest in its bucket, naming a verdict record at that index.
/// A line for a record at or after `size` (an append made while the records were checked
/// writes such lines) is judged against the log as it is at the end: the record must exist
/// and name that verdict. A verdict missing from the index is not a break either:
/// a crash between a record and its index entry leaves that, and readers scan. `(key,
/// problem)` for each break.
pub fn check(
    store: &dyn Store,
    size: u64,
    verdicts: &HashMap<u64, String>,
) -> Result<Vec<(String, String)>, String> {
    let mut problems = Vec::new();
    let mut late: Vec<(String, String, String, u64)> = Vec::new();
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
            continue; // merged into a wider chunk meanwhile
        };
        let rest = &key[PREFIX.len()..];
        let text = std::str::from_utf8(&bytes).ok();
        if crate::ledger::entry::is_sha256(rest) {
            let index = text
                .and_then(|t| t.strip_suffix('\n'))
                .and_then(|t| t.parse::<u64>().ok())
                .filter(|i| text == Some(format!("{i}\n").as_str()));
            match index {
                Some(index) if index >= size => {
                    late.push((key.clone(), String::new(), rest.to_owned(), index))
                }
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
        if bytes.len() > MAX_CHUNK_BYTES {
            problems.push((
                key.clone(),
                format!("holds {} bytes, more than a chunk can", bytes.len()),
            ));
            continue;
        }
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
                .and_then(parse_line)
                .filter(|(sha, _)| sha.starts_with(hh));
            let problem = match parsed {
                Some((sha, index)) if index >= size => {
                    late.push((
                        key.clone(),
                        format!("line {}: ", at + 1),
                        sha.to_owned(),
                        index,
                    ));
                    None
                }
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
    if !late.is_empty() {
        let now = crate::ledger::v2::end::find(store)?.size;
        for (key, at, sha, index) in late {
            let names = if index < now {
                let record = super::read_record(store, index, now)?;
                super::verdict_of(&record).as_deref() == Some(sha.as_str())
            } else {
                false
            };
            if !names {
                problems.push((
                    key,
                    format!(
                        "{at}says verdict {sha} is record {index}, but the log's {now} records \
                         (with those appended during this verification) have no record {index} \
                         naming it"
                    ),
                ));
            }
        }
    }
    Ok(problems)
}
