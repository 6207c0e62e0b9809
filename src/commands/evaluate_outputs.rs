//! `evaluate`'s output files, written so that no signed verdict exists outside the ledger:
//! the previous run's outputs are removed, the new ones are written (and fsynced) under
//! temporary names in `--out`, the ledger entry is appended, and only then are they renamed
//! into place. When the append fails the temporary files are removed when [`Staged`] drops,
//! so `--out` holds no verdict at all.

use crate::digest::sha256_hex;
use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::output::sync_dir;
use crate::signing::Signer;
use crate::verdict::Verdict;
use anyhow::{Context, anyhow};
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::TempPath;

pub const VERDICT: &str = "verdict.json";
pub const VERDICT_SIGNATURE: &str = "verdict.json.minisig";
pub const PROVENANCE: &str = "provenance.json";
pub const PROVENANCE_SIGNATURE: &str = "provenance.json.minisig";
/// The verdict as a SLSA VSA in a DSSE envelope (one line of JSON).
pub const VSA: &str = "verdict.intoto.jsonl";
/// The provenance statement in a DSSE envelope.
pub const PROVENANCE_ENVELOPE: &str = "provenance.intoto.jsonl";

/// Every file a previous evaluation may have left in `--out` that this one replaces; removed
/// before the new ones are staged, so a failed run never leaves an older verdict in place.
const OUTPUTS: [&str; 7] = [
    VERDICT,
    VERDICT_SIGNATURE,
    VSA,
    PROVENANCE,
    PROVENANCE_SIGNATURE,
    PROVENANCE_ENVELOPE,
    super::evaluate_ledger::ENTRY_FILE,
];

/// The in-toto statements written beside the verdict, each wrapped in a DSSE envelope.
pub struct Statements<'a> {
    /// The provenance statement (also written bare, as `provenance.json`).
    pub provenance: &'a [u8],
    /// The verification summary statement (`crate::vsa::statement`).
    pub vsa: &'a [u8],
}

/// Outputs written under temporary names, waiting for the ledger append.
pub struct Staged {
    out: PathBuf,
    /// (temporary file, final name), in the order they are renamed: signatures before the
    /// documents they sign, the verdict last.
    files: Vec<(TempPath, &'static str)>,
    /// The verdict's and the provenance's `.minisig` texts, when signed.
    pub signatures: (Option<String>, Option<String>),
}

/// Remove the previous outputs, sign, and write everything under temporary names.
pub fn stage(
    out: &Path,
    verdict: &Verdict,
    verdict_bytes: &[u8],
    verdict_sha: &str,
    statements: &Statements<'_>,
    signer: Option<&Signer>,
) -> anyhow::Result<Staged> {
    let provenance_bytes = statements.provenance;
    for name in OUTPUTS {
        remove_if_present(&out.join(name))?;
    }
    remove_leftovers(out)?;
    let signatures = match signer {
        Some(signer) => {
            let verdict_sig = signer.sign(verdict_bytes, &verdict.trusted_comment(verdict_sha))?;
            let provenance_comment = format!(
                "tollgate-provenance environment:{} sha256:{} verdict:{verdict_sha}",
                verdict.environment,
                sha256_hex(provenance_bytes)
            );
            let provenance_sig = signer.sign(provenance_bytes, &provenance_comment)?;
            (Some(verdict_sig), Some(provenance_sig))
        }
        None => (None, None),
    };
    let mut staged = Staged {
        out: out.to_path_buf(),
        files: Vec::new(),
        signatures,
    };
    let (verdict_sig, provenance_sig) = staged.signatures.clone();
    let envelope = |payload| Envelope::new(IN_TOTO_PAYLOAD_TYPE, payload, signer).to_line();
    staged.add(PROVENANCE, provenance_bytes)?;
    staged.add(PROVENANCE_ENVELOPE, &envelope(provenance_bytes))?;
    if let Some(sig) = &provenance_sig {
        staged.add(PROVENANCE_SIGNATURE, sig.as_bytes())?;
    }
    staged.add(VSA, &envelope(statements.vsa))?;
    if let Some(sig) = &verdict_sig {
        staged.add(VERDICT_SIGNATURE, sig.as_bytes())?;
    }
    staged.add(VERDICT, verdict_bytes)?;
    Ok(staged)
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow!(
            "cannot remove the previous {}: {e}",
            path.display()
        )),
    }
}

/// Remove temporary outputs a killed run left (`.tollgate-verdict.json.XXXXXX.tmp`, …):
/// they may hold a signed verdict the ledger never recorded.
fn remove_leftovers(out: &Path) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(anyhow!("cannot list {}: {e}", out.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", out.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = OUTPUTS
            .iter()
            .any(|output| name.starts_with(&temp_prefix(output)) && name.ends_with(".tmp"));
        if ours {
            remove_if_present(&entry.path())?;
        }
    }
    Ok(())
}

fn temp_prefix(name: &str) -> String {
    format!(".tollgate-{name}.")
}

impl Staged {
    fn add(&mut self, name: &'static str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut temp = tempfile::Builder::new()
            .prefix(&temp_prefix(name))
            .suffix(".tmp")
            .tempfile_in(&self.out)
            .with_context(|| format!("cannot create a temporary file in {}", self.out.display()))?;
        temp.write_all(bytes)
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("cannot write {}", temp.path().display()))?;
        self.files.push((temp.into_temp_path(), name));
        Ok(())
    }

    /// Rename every staged file into place (call only once the ledger holds the entry).
    pub fn commit(self) -> anyhow::Result<()> {
        for (temp, name) in self.files {
            let path = self.out.join(name);
            temp.persist(&path)
                .map_err(|e| anyhow!("cannot rename into {}: {}", path.display(), e.error))?;
        }
        sync_dir(&self.out).with_context(|| format!("cannot sync {}", self.out.display()))?;
        tracing::info!(out = %self.out.display(), signed = self.signatures.0.is_some(), "outputs written");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn dropped_staging_leaves_nothing_and_commit_renames_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut staged = Staged {
            out: dir.path().to_path_buf(),
            files: Vec::new(),
            signatures: (None, None),
        };
        staged.add(VERDICT_SIGNATURE, b"sig").unwrap();
        staged.add(VERDICT, b"{}").unwrap();
        assert_eq!(names(dir.path()).len(), 2);
        assert!(names(dir.path()).iter().all(|n| n.ends_with(".tmp")));
        drop(staged);
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));

        let mut staged = Staged {
            out: dir.path().to_path_buf(),
            files: Vec::new(),
            signatures: (None, None),
        };
        staged.add(VERDICT_SIGNATURE, b"sig").unwrap();
        staged.add(VERDICT, b"{}").unwrap();
        staged.commit().unwrap();
        assert_eq!(names(dir.path()), [VERDICT, VERDICT_SIGNATURE]);
        assert_eq!(std::fs::read(dir.path().join(VERDICT)).unwrap(), b"{}");
    }

    #[test]
    fn a_killed_runs_temporary_outputs_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            ".tollgate-verdict.json.Ab12Cd.tmp",
            ".tollgate-verdict.json.minisig.x.tmp",
            ".tollgate-notes.txt.x.tmp",
            "report.md",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        remove_leftovers(dir.path()).unwrap();
        assert_eq!(
            names(dir.path()),
            [".tollgate-notes.txt.x.tmp", "report.md"]
        );
    }
}
