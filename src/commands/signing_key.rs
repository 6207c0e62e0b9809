//! The one way a command takes its signing key (`--key`, `--key-password-file` or
//! `TOLLGATE_KEY_PASSWORD`): checked before the command's work, so a bad flag fails fast;
//! read and decrypted only after it, once no child process runs.

use super::CommandError;
use crate::cli::SigningArgs;
use crate::signing::{PendingKey, Signer};

/// Check the key and read its password (exit 2 on any problem); `None` without `--key`.
pub fn prepare(args: &SigningArgs) -> Result<Option<PendingKey>, CommandError> {
    PendingKey::prepare(args.key.as_deref(), args.key_password_file.as_deref())
        .map_err(CommandError::config)
}

/// Load a prepared key; refuses while any child process tollgate started still runs.
pub fn load(pending: Option<PendingKey>) -> Result<Option<Signer>, CommandError> {
    pending
        .map(PendingKey::load_when_quiet)
        .transpose()
        .map_err(CommandError::config)
}

/// `prepare` then `load`, for commands that start no child process.
pub fn signer(args: &SigningArgs) -> Result<Option<Signer>, CommandError> {
    load(prepare(args)?)
}
