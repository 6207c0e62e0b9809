//! The release's identity for stage order: the digests of the artifacts its sums file lists
//! (the file `[gates.signatures]` names, else `SHA256SUMS`), each hashed from the release
//! directory, so the set is what is actually there, not what the sums file claims.

use crate::bounded::caps;
use crate::gates::GateContext;
use crate::gates::signatures::sums;
use crate::release::{ReleaseDir, Resolved};

/// The sorted artifact digests, or why they cannot be known.
/// (The sums file is the signatures gate's evidence; this gate's evidence is the ledger's
/// entries, so `audit replay` can rebuild its report from the ledger and the verdict.)
pub fn digests(ctx: &GateContext<'_>) -> Result<Vec<String>, String> {
    let sums_name = ctx
        .policy
        .gates
        .signatures
        .as_ref()
        .map(|s| s.sums.to_string_lossy().into_owned())
        .unwrap_or_else(|| "SHA256SUMS".to_owned());
    let dir = ReleaseDir::open(ctx.release).map_err(|e| {
        format!(
            "cannot open the release directory {}: {e}",
            ctx.release.display()
        )
    })?;
    let path = match dir.resolve(&sums_name) {
        Resolved::File(path) => path,
        other => {
            return Err(format!(
                "the sums file {sums_name} {}",
                ReleaseDir::describe(&other)
            ));
        }
    };
    let bytes = crate::bounded::read_capped(&path, caps::SUMS).map_err(|e| e.describe(&path))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{sums_name} is not UTF-8 text"))?;
    let parsed = sums::parse(&text);
    if let Some(bad) = parsed.malformed.first() {
        return Err(format!("{sums_name} line {}: {}", bad.line, bad.reason));
    }
    if parsed.entries.is_empty() {
        return Err(format!("{sums_name} lists no artifact"));
    }
    let mut digests = Vec::new();
    for entry in &parsed.entries {
        let path = match dir.resolve(&entry.name) {
            Resolved::File(path) => path,
            other => {
                return Err(format!(
                    "{sums_name} line {}: {} {}",
                    entry.line,
                    entry.name,
                    ReleaseDir::describe(&other)
                ));
            }
        };
        let digest = ctx
            .digests
            .digest(&path)
            .map_err(|e| format!("cannot hash {}: {e}", entry.name))?;
        digests.push(digest.hex());
    }
    digests.sort();
    digests.dedup();
    Ok(digests)
}
