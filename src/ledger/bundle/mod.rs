//! Ledger bundles: a tar file an outside auditor checks with `tollgate audit verify --bundle`
//! and, for the signatures, stock minisign. It holds the chain from entry 1 to the end (the
//! chain is what proves an exported entry's place), the signed head, the blobs of the
//! exported entries, a manifest, and plain-file copies of each exported verdict, provenance
//! and head with their `.minisig`s, plus a README with the exact `minisign -V` commands.

mod export;
mod files;
mod memory;
mod read;
mod verify;
mod writer;

pub use export::{Export, export};
pub use memory::MemoryStore;
pub use read::read;
pub use verify::{BundleOutcome, verify};

use crate::ledger::entry::{BlobRef, Entry};
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "https://tollgate.dev/schemas/ledger-bundle/v1";
pub const MANIFEST: &str = "MANIFEST.json";
pub const README: &str = "README.txt";
/// The ledger's own keys (entries/, objects/, head.json) live under this prefix.
pub const LEDGER_PREFIX: &str = "ledger/";

/// What a bundle says it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    /// Where the ledger was exported from (for the auditor's information).
    pub source: String,
    /// Entries in the bundle's chain (1..=entries).
    pub entries: u64,
    /// The signed head's length, when the ledger had a head.
    pub head_length: Option<u64>,
    /// `true` for `--all` (every blob of every entry is present).
    pub all: bool,
    /// Entries whose blobs and plain copies are present.
    pub exported: Vec<u64>,
}

/// The directory of an exported entry's plain-file copies.
pub fn plain_dir(seq: u64) -> String {
    format!("entries/{seq}")
}

/// An entry's plain-file copies: file name under [`plain_dir`], and the blob it copies.
pub fn plain_files(entry: &Entry) -> [(&'static str, Option<&BlobRef>); 4] {
    [
        ("verdict.json", entry.verdict.as_ref()),
        ("verdict.json.minisig", entry.verdict_signature.as_ref()),
        ("provenance.json", entry.provenance.as_ref()),
        (
            "provenance.json.minisig",
            entry.provenance_signature.as_ref(),
        ),
    ]
}
