//! `tollgate keygen`: a minisign key pair for signing verdicts.

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::KeygenArgs;
use crate::signing::{self, KeyError};

pub fn run(args: &KeygenArgs) -> CommandResult {
    let password = if args.unencrypted {
        None
    } else {
        Some(
            signing::password(args.key_password_file.as_deref())
                .map_err(CommandError::config)?
                .ok_or_else(|| CommandError::config(KeyError::NoPasswordForKeygen))?,
        )
    };
    let keys = signing::keygen(&args.out, password).map_err(CommandError::config)?;
    print(&format!(
        "key id {}\nsecret key: {} (mode 0600; keep it secret)\npublic key: {}\n",
        keys.key_id,
        keys.secret.display(),
        keys.public.display()
    ))?;
    Ok(Exit::Success)
}
