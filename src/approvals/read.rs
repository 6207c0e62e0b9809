//! Reading proposals and approvals back from the ledger: each entry's statement parsed, its
//! signature blob fetched and verified against the public key it records. A record that
//! fails any of this is returned as refused (with why), never as a record that could count.

use super::statement::{ApprovalStatement, ProposalStatement};
use crate::keys::KeyId;
use crate::ledger::entry::{BlobRef, Entry, EntryId, Kind, blob_key};
use crate::ledger::query::{Links, scan};
use crate::ledger::signed::{self, verify_signature};
use crate::ledger::store::Store;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// One verified signed record of the ledger.
#[derive(Debug, Clone)]
pub struct Record<S> {
    pub id: EntryId,
    /// The entry's time (the ledger's clock).
    pub time: OffsetDateTime,
    /// The signer's key (signature verified with the recorded public key).
    pub key_id: KeyId,
    pub statement: S,
    pub attachments: BTreeMap<String, BlobRef>,
    /// The size of the entry's bytes (for evidence).
    pub size: u64,
}

/// A proposal or approval entry that counts for nothing, and why.
#[derive(Debug, Clone)]
pub struct Refused {
    pub id: EntryId,
    pub kind: Kind,
    pub why: String,
}

/// The proposals and approvals of one environment, in chain order.
#[derive(Debug, Default)]
pub struct Changes {
    pub proposals: Vec<Record<ProposalStatement>>,
    pub approvals: Vec<Record<ApprovalStatement>>,
    pub refused: Vec<Refused>,
}

enum Read {
    Proposal(Record<ProposalStatement>),
    Approval(Record<ApprovalStatement>),
    Refused(Refused),
    Other,
}

/// Every proposal and approval entry for `environment`. An unreadable ledger is an error.
pub fn changes(store: &dyn Store, environment: &str) -> Result<Changes, String> {
    let read = scan(store, None, Links::Ignore, |id, entry| {
        if entry.environment != environment {
            return Ok(None);
        }
        Ok(Some(match entry.kind {
            Kind::Proposal => match verified(store, &id, &entry) {
                Ok(record) => Read::Proposal(record),
                Err(why) => Read::Refused(Refused {
                    id,
                    kind: entry.kind,
                    why,
                }),
            },
            Kind::Approval => match verified(store, &id, &entry) {
                Ok(record) => Read::Approval(record),
                Err(why) => Read::Refused(Refused {
                    id,
                    kind: entry.kind,
                    why,
                }),
            },
            _ => Read::Other,
        }))
    })?;
    let mut changes = Changes::default();
    for item in read.items {
        match item {
            Read::Proposal(r) => changes.proposals.push(r),
            Read::Approval(r) => changes.approvals.push(r),
            Read::Refused(r) => changes.refused.push(r),
            Read::Other => {}
        }
    }
    Ok(changes)
}

/// The proposal entry `id` names (`SEQ`, `SEQ:SHA256` or a digest prefix), verified.
pub fn proposal(store: &dyn Store, id: &str) -> Result<Record<ProposalStatement>, String> {
    let (found, entry) = crate::ledger::query::find(store, id)?;
    if entry.kind != Kind::Proposal {
        return Err(format!(
            "ledger entry {} is a {} entry, not a proposal",
            found.seq,
            entry.kind.as_str()
        ));
    }
    verified(store, &found, &entry)
        .map_err(|why| format!("proposal {found} does not verify: {why}"))
}

/// Something that names its environment, checked against the entry's.
trait Scoped {
    fn environment(&self) -> &str;
}

impl Scoped for ProposalStatement {
    fn environment(&self) -> &str {
        &self.environment
    }
}

impl Scoped for ApprovalStatement {
    fn environment(&self) -> &str {
        &self.environment
    }
}

fn verified<S: DeserializeOwned + Scoped>(
    store: &dyn Store,
    id: &EntryId,
    entry: &Entry,
) -> Result<Record<S>, String> {
    let record = entry
        .record
        .as_ref()
        .ok_or("it carries no signed statement")?;
    let statement: S = signed::statement(entry)?;
    if statement.environment() != entry.environment {
        return Err(format!(
            "its statement is for {}, but the entry is for {}",
            statement.environment(),
            entry.environment
        ));
    }
    let key = blob_key(&record.signature.sha256);
    let minisig = store
        .get(&key)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("its signature blob {key} is missing"))?;
    if crate::digest::sha256_hex(&minisig) != record.signature.sha256 {
        return Err(format!(
            "its signature blob {key} does not match its digest"
        ));
    }
    let minisig = String::from_utf8(minisig).map_err(|_| "its signature is not text".to_owned())?;
    let key_id = verify_signature(&record.statement, &minisig, &record.public_key)?;
    let time = crate::verdict::parse_rfc3339(&entry.time)
        .ok_or_else(|| format!("its time {:?} is not RFC 3339", entry.time))?;
    Ok(Record {
        id: id.clone(),
        time,
        key_id,
        statement,
        attachments: record.attachments.clone(),
        size: entry.bytes().len() as u64,
    })
}
