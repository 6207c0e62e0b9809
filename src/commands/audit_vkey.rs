//! `tollgate audit vkey`: the note verifier key (`<name>+<hash>+<base64>`, as Go's `note`
//! package and C2SP tools read it) of a minisign public key: the key that verifies a log's
//! checkpoints (named by its origin), or a witness's cosignature/v1 key (named by the
//! witness).

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::AuditVkeyArgs;
use crate::keys::TrustedKey;
use crate::tlog::note::{KeyKind, NoteKey};
use anyhow::anyhow;
use std::path::Path;

pub fn run(args: &AuditVkeyArgs) -> CommandResult {
    let key = TrustedKey::resolve(&args.pubkey, Path::new("."))
        .map_err(|e| CommandError::config(anyhow!("--pubkey {}: {e}", args.pubkey)))?;
    let (name, kind, flag) = match (&args.origin, &args.witness) {
        (Some(origin), _) => (origin, KeyKind::Log, "--origin"),
        (None, Some(witness)) => (witness, KeyKind::Cosigner, "--witness"),
        (None, None) => {
            return Err(CommandError::config(anyhow!(
                "name the key: --origin ORIGIN (a log's checkpoint key) or --witness NAME (a witness's cosignature key)"
            )));
        }
    };
    let note_key = NoteKey::new(name, key.ed25519, kind)
        .map_err(|e| CommandError::config(anyhow!("{flag} {name}: {e}")))?;
    print(&format!("{}\n", note_key.vkey()))?;
    Ok(Exit::Success)
}
