//! Ledger bundles: a tar file an outside auditor checks with `tollgate audit verify --bundle`
//! and, for the signatures, stock minisign. A bundle of a format-1 ledger holds the chain
//! from entry 1 to the end (the chain is what proves an exported entry's place) and the
//! signed head; a bundle of a format-2 log holds its signed checkpoint and, for each exported
//! record, an inclusion proof against it (not the log). Both hold the blobs of the exported
//! entries, a manifest, plain-file copies of each exported verdict and provenance with their
//! `.minisig`s, and a README with the exact commands.

mod as_store;
mod export;
mod export_v2;
mod files;
mod memory;
mod read;
/// Record or entry numbers as a bundle names them in messages and READMEs: `1, 5, 9`.
pub(crate) fn seq_list(seqs: &[u64]) -> String {
    seqs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod v2_tests;
mod verify;
mod verify_v2;
mod writer;

pub use as_store::as_store;
pub use export::{Export, export};
pub use memory::MemoryStore;
pub use read::read;
pub use verify::{BundleOutcome, Problem, verify};

use crate::ledger::entry::{BlobRef, Entry};
use serde::{Deserialize, Serialize};

/// The manifest format of a bundle of a format-1 ledger (a chain and its head).
pub const FORMAT: &str = "https://tollgate.dev/schemas/ledger-bundle/v1";
/// The manifest format of a bundle of a format-2 log (a checkpoint and inclusion proofs).
pub const FORMAT_V2: &str = "https://tollgate.dev/schemas/ledger-bundle/v2";
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

/// What a bundle of a format-2 log says it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestV2 {
    /// [`FORMAT_V2`].
    pub format: String,
    /// Where the log was exported from (for the auditor's information).
    pub source: String,
    /// The checkpoint's origin and size: every proof leads to its root.
    pub origin: String,
    pub tree_size: u64,
    /// `true` for `--all` (every record of the checkpoint's tree is exported).
    pub all: bool,
    /// Records (by seq = index + 1) whose proofs, blobs and plain copies are present.
    pub exported: Vec<u64>,
}

/// A bundle's manifest, by its `format`; serialised as the manifest itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum BundleManifest {
    V1(Manifest),
    V2(ManifestV2),
}

impl BundleManifest {
    /// Parse a manifest: its `format` says which fields it has.
    pub fn parse(bytes: &[u8]) -> Result<BundleManifest, String> {
        #[derive(Deserialize)]
        struct Tagged {
            format: String,
        }
        let tagged: Tagged =
            serde_json::from_slice(bytes).map_err(|e| format!("{MANIFEST} does not parse: {e}"))?;
        let parsed = match tagged.format.as_str() {
            FORMAT => serde_json::from_slice(bytes).map(BundleManifest::V1),
            FORMAT_V2 => serde_json::from_slice(bytes).map(BundleManifest::V2),
            other => {
                return Err(format!(
                    "unknown format {other:?} (this tollgate reads {FORMAT} and {FORMAT_V2})"
                ));
            }
        };
        parsed.map_err(|e| format!("{MANIFEST} does not parse: {e}"))
    }

    /// Whether every entry (record) was exported.
    pub fn all(&self) -> bool {
        match self {
            BundleManifest::V1(m) => m.all,
            BundleManifest::V2(m) => m.all,
        }
    }

    /// The exported entries (records), by seq.
    pub fn exported(&self) -> &[u64] {
        match self {
            BundleManifest::V1(m) => &m.exported,
            BundleManifest::V2(m) => &m.exported,
        }
    }
}

/// The directory of an exported entry's plain-file copies.
pub fn plain_dir(seq: u64) -> String {
    format!("entries/{seq}")
}

/// The inclusion proof of exported record `seq` in a bundle of a format-2 log (the JSON
/// `tollgate audit prove` writes).
pub fn proof_member(seq: u64) -> String {
    format!("{}/proof.json", plain_dir(seq))
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
