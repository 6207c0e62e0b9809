//! `tollgate audit export ID|--all -o FILE.tar`: a self-contained bundle for an auditor.

use super::audit::open_existing;
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::AuditExportArgs;
use crate::ledger::bundle::{self, BundleManifest};
use anyhow::anyhow;

pub fn run(args: &AuditExportArgs) -> CommandResult {
    let store = open_existing(&args.store)?;
    let seq = match &args.id {
        Some(id) => Some(
            crate::ledger::query::find(store.as_ref(), id)
                .map_err(|e| CommandError::config(anyhow!(e)))?
                .0
                .seq,
        ),
        None => None,
    };
    let out = &args.out;
    // Written beside the target and renamed into place: a failed export leaves no half tar.
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| {
        CommandError::config(anyhow!("-o {}: cannot write there: {e}", out.display()))
    })?;
    let export = bundle::export(store.as_ref(), seq, std::io::BufWriter::new(temp.as_file()))
        .map_err(|e| CommandError {
            exit: Exit::Failure,
            error: anyhow!("cannot export from {}: {e}", store.location()),
        })?;
    temp.as_file()
        .sync_all()
        .map_err(|e| CommandError::config(anyhow!("cannot write {}: {e}", out.display())))?;
    temp.persist(out).map_err(|e| {
        CommandError::config(anyhow!("cannot write {}: {}", out.display(), e.error))
    })?;
    let check = format!(
        "check it with: tollgate audit verify --bundle {} --pubkey tollgate.pub",
        out.display()
    );
    let text = match &export.manifest {
        BundleManifest::V1(m) => format!(
            "wrote {}: the chain of {} entries, the head covering {}, the files of entries {}: {} blobs, {} members\n\
             {check} (or stock minisign: see README.txt inside)\n",
            out.display(),
            m.entries,
            m.head_length
                .map_or("nothing (the ledger has no head)".to_owned(), |n| format!(
                    "{n} entries"
                )),
            exported(m.all, &m.exported),
            export.blobs,
            export.members,
        ),
        BundleManifest::V2(m) => format!(
            "wrote {}: the checkpoint of {} covering {} records, the files and inclusion proofs of records {}: {} blobs, {} members\n\
             {check} (or `tollgate verify --proof` and stock minisign: see README.txt inside)\n",
            out.display(),
            m.origin,
            m.tree_size,
            exported(m.all, &m.exported),
            export.blobs,
            export.members,
        ),
    };
    print(&text)?;
    Ok(Exit::Success)
}

/// `all`, or the exported seqs.
fn exported(all: bool, seqs: &[u64]) -> String {
    if all {
        "all".to_owned()
    } else {
        seqs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
