//! A release history read from a ledger: every verdict (with its subjects, stage and
//! signature), deploy, rollback, freeze and unfreeze, in chain order, with the chain's links
//! checked on the way. The promotion gate, `audit timeline` and `audit last-good` read it;
//! each judges trust itself (verdict keys for verdicts, ops keys for deploys and rollbacks).

use super::entry::{Entry, Kind};
use super::format::Format;
use super::query::{Links, scan};
use super::replay::read_blob;
use super::rollout::{DeployStatement, RollbackStatement, digest_set};
use super::store::Store;
use crate::keys::{KeyId, TrustedKey};
use crate::report::Subject;
use crate::verdict::{TrustedComment, Verdict};
use time::OffsetDateTime;

/// One event of the history.
#[derive(Debug, Clone)]
pub enum Event {
    Verdict(Box<VerdictEvent>),
    Deploy(Signed<DeployStatement>),
    Rollback(Signed<RollbackStatement>),
    Freeze { reason: String, by: String },
    Unfreeze { by: String },
}

/// A verdict entry's verdict and signature.
#[derive(Debug, Clone)]
pub struct VerdictEvent {
    pub sha256: String,
    pub verdict: Verdict,
    pub bytes: Vec<u8>,
    /// The `.minisig` text, when the verdict was signed.
    pub signature: Option<String>,
}

/// A signed record's statement and signature.
#[derive(Debug, Clone)]
pub struct Signed<S> {
    pub statement: S,
    pub minisig: String,
}

/// One entry of the history, where it is and when the ledger recorded it.
#[derive(Debug, Clone)]
pub struct Record {
    /// Which ledger (index into [`History::sources`]).
    pub source: usize,
    pub seq: u64,
    pub entry_sha256: String,
    /// The entry's size in bytes (its canonical form).
    pub size: u64,
    /// The entry's time (the ledger's clock), as recorded and parsed.
    pub time: String,
    pub at: Option<OffsetDateTime>,
    pub environment: String,
    pub event: Event,
}

impl Record {
    /// Whether this record came after `other`: by chain order in the same ledger, by the
    /// ledgers' clocks across ledgers.
    pub fn after(&self, other: &Record) -> bool {
        if self.source == other.source {
            self.seq > other.seq
        } else {
            match (self.at, other.at) {
                (Some(a), Some(b)) => a >= b,
                // An entry whose time cannot be read is taken as later (fail closed).
                _ => true,
            }
        }
    }

    /// Where the entry is stored, for evidence lists: `<location>/entries/<seq>.json` in
    /// format 1, `<location>/tile/entries/<bundle>#<seq>` in format 2.
    pub fn location(&self, history: &History) -> String {
        let source = &history.sources[self.source];
        match history.formats.get(self.source) {
            Some(Format::V2) => {
                format!("{source}/{}", super::v2::layout::record_location(self.seq))
            }
            _ => format!("{source}/{}", super::entry::entry_key(self.seq)),
        }
    }

    /// `SOURCE#SEQ` for messages (`SEQ` alone in the first ledger).
    pub fn id(&self, history: &History) -> String {
        if self.source == 0 {
            format!("entry {}", self.seq)
        } else {
            format!("entry {} of {}", self.seq, history.sources[self.source])
        }
    }
}

/// Every relevant entry of one or more ledgers.
#[derive(Debug, Default)]
pub struct History {
    /// Where each ledger is (`store.location()`).
    pub sources: Vec<String>,
    /// How many entries each ledger had when read.
    pub lengths: Vec<u64>,
    /// Each ledger's format (for naming where an entry is).
    pub formats: Vec<Format>,
    pub records: Vec<Record>,
    /// The public key each signed record's entry recorded, by (source, seq).
    pub public_keys: std::collections::BTreeMap<(usize, u64), String>,
}

impl History {
    /// Add a ledger's entries `1..=last` (all when `None`). `lenient` skips entries whose
    /// blobs are absent (an exported bundle holds only the exported entries' blobs).
    pub fn add(
        &mut self,
        store: &dyn Store,
        last: Option<u64>,
        lenient: bool,
    ) -> Result<(), String> {
        let source = self.sources.len();
        let scanned = scan(store, last, Links::Check, |id, entry| {
            let event = match event_of(store, &entry) {
                Ok(event) => event,
                Err(_) if lenient => None,
                Err(e) => return Err(e),
            };
            Ok(Some((id.seq, id.sha256, entry, event)))
        })?;
        for (seq, sha256, entry, event) in scanned.items {
            if let Some(record) = &entry.record {
                self.public_keys
                    .insert((source, seq), record.public_key.clone());
            }
            if let Some(event) = event {
                self.records.push(Record {
                    source,
                    seq,
                    entry_sha256: sha256,
                    size: entry.bytes().len() as u64,
                    at: crate::verdict::parse_rfc3339(&entry.time),
                    time: entry.time,
                    environment: entry.environment,
                    event,
                });
            }
        }
        self.sources.push(store.location());
        self.formats
            .push(super::format::detect(store)?.unwrap_or(Format::V1));
        self.lengths.push(scanned.length);
        Ok(())
    }
}

fn event_of(store: &dyn Store, entry: &Entry) -> Result<Option<Event>, String> {
    let signature = |blob: &super::entry::BlobRef| -> Result<String, String> {
        String::from_utf8(read_blob(store, blob)?)
            .map_err(|_| format!("entry {}: its signature is not text", entry.seq))
    };
    Ok(Some(match entry.kind {
        Kind::Verdict => {
            let Some(blob) = &entry.verdict else {
                return Err(format!(
                    "entry {}: a verdict entry without a verdict",
                    entry.seq
                ));
            };
            let bytes = read_blob(store, blob)?;
            let verdict: Verdict = serde_json::from_slice(&bytes)
                .map_err(|e| format!("entry {}: its verdict does not parse: {e}", entry.seq))?;
            let signature = entry
                .verdict_signature
                .as_ref()
                .map(signature)
                .transpose()?;
            Event::Verdict(Box::new(VerdictEvent {
                sha256: blob.sha256.clone(),
                verdict,
                bytes,
                signature,
            }))
        }
        Kind::Deploy | Kind::Rollback => {
            let record = entry.record.as_ref().ok_or_else(|| {
                format!(
                    "entry {}: a {} entry without a signed statement",
                    entry.seq,
                    entry.kind.as_str()
                )
            })?;
            let minisig = signature(&record.signature)?;
            if entry.kind == Kind::Deploy {
                Event::Deploy(Signed {
                    statement: super::signed::statement(entry)?,
                    minisig,
                })
            } else {
                Event::Rollback(Signed {
                    statement: super::signed::statement(entry)?,
                    minisig,
                })
            }
        }
        Kind::Freeze | Kind::Unfreeze => {
            let record = entry
                .freeze
                .as_ref()
                .ok_or_else(|| format!("entry {}: no freeze record", entry.seq))?;
            if entry.kind == Kind::Freeze {
                Event::Freeze {
                    reason: record.reason.clone(),
                    by: record.by.clone(),
                }
            } else {
                Event::Unfreeze {
                    by: record.by.clone(),
                }
            }
        }
        Kind::Proposal | Kind::Approval | Kind::Revocation => return Ok(None),
    }))
}

impl VerdictEvent {
    /// The release's identity: its sorted artifact digests.
    pub fn digests(&self) -> Vec<String> {
        digest_set(&self.verdict.subjects)
    }

    /// The key of `keys` that signed this verdict (signature, key and trusted comment
    /// verified), or why none did.
    pub fn signed_by(&self, keys: &[TrustedKey]) -> Result<KeyId, String> {
        let Some(text) = &self.signature else {
            return Err("it was recorded unsigned".to_owned());
        };
        let id = super::ops::signer_of(text)?;
        let Some(key) = keys.iter().find(|k| k.key_id == id) else {
            return Err(format!(
                "it is signed by key {id}, which is not among the policy's [trust] verdict_keys"
            ));
        };
        let decoded = minisign_verify::Signature::decode(text)
            .map_err(|e| format!("its signature is malformed: {e}"))?;
        key.key
            .verify(&self.bytes, &decoded, false)
            .map_err(|_| format!("its signature does not verify with key {id}"))?;
        let bound = TrustedComment::parse(decoded.trusted_comment()).is_some_and(|c| {
            c.sha256 == self.sha256
                && c.environment == self.verdict.environment.as_str()
                && c.decision == self.verdict.decision.as_str()
        });
        if !bound {
            return Err("its signature's trusted comment does not bind this verdict".to_owned());
        }
        Ok(id)
    }
}

/// Whether two subject lists are the same release (the same digest set).
pub fn same_release(a: &[Subject], b: &[String]) -> bool {
    digest_set(a) == b
}

/// Whether a subject list shares any artifact with a digest set.
pub fn overlaps(a: &[Subject], b: &[String]) -> bool {
    a.iter().any(|s| b.contains(&s.sha256.to_ascii_lowercase()))
}
