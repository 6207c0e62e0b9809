//! `audit migrate`'s arguments, as pure clap derive.

use super::SigningArgs;
use clap::Args;

#[derive(Debug, Args)]
pub struct AuditMigrateArgs {
    /// The format-1 ledger to migrate: a directory or s3://bucket/prefix. Only read.
    #[arg(long, value_name = "V1_STORE")]
    pub from: String,
    /// The new format-2 log: an empty directory or s3://bucket/prefix, or the empty log of
    /// `tollgate audit init --format v2`.
    #[arg(long, value_name = "V2_STORE")]
    pub to: String,
    /// The key that signs the new log's checkpoint (required; use the verdict key, so that
    /// `audit verify --pubkey` and auditors' `audit vkey` keys check it).
    #[command(flatten)]
    pub signing: SigningArgs,
    /// The verdict public key (a file, or an inline "RW..." key): the format-1 chain's
    /// verdict, provenance and head signatures must verify with it before anything is
    /// migrated. Without it they are not checked, and the report says so.
    #[arg(long, value_name = "PUB")]
    pub pubkey: Option<String>,
    /// An ops public key (repeatable; a file, or an inline "RW..." key): every freeze,
    /// unfreeze and signed record must be signed by one of them, as `audit verify` checks.
    #[arg(long = "ops-key", value_name = "PUB")]
    pub ops_keys: Vec<String>,
    /// The new log's origin (default: tollgate.dev/ledger/<16 random hex digits>; kept from
    /// the empty log at --to when there is one).
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
}
