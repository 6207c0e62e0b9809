//! The transparency-log subcommands' arguments (`audit vkey`, `audit prove`, `audit
//! witness`), as pure clap derive; `verify --proof` and `--witness` live on `VerifyArgs`.

use super::{SigningArgs, StoreArgs};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("keyname").required(true).args(["origin", "witness"])))]
pub struct AuditVkeyArgs {
    /// The minisign public key (a file, or an inline "RW..." key).
    #[arg(long, value_name = "PUB")]
    pub pubkey: String,
    /// The log's origin: prints the key that verifies its checkpoints (an Ed25519 note key
    /// named by the origin, as Go's `note` package and C2SP clients take it).
    #[arg(long, value_name = "ORIGIN", conflicts_with = "witness")]
    pub origin: Option<String>,
    /// A witness's name: prints its cosignature/v1 verifier key instead.
    #[arg(long, value_name = "NAME")]
    pub witness: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).multiple(true).args(["verdict", "index"])))]
pub struct AuditProveArgs {
    /// The verdict.json to prove (or the VSA, verdict.intoto.jsonl): the proof is for the
    /// record that names its SHA-256.
    #[arg(value_name = "VERDICT_FILE")]
    pub verdict: Option<PathBuf>,
    /// Prove the record at this index (0-based) instead of looking the verdict up; with a
    /// VERDICT_FILE too, the record must name it.
    #[arg(long, value_name = "N")]
    pub index: Option<u64>,
    /// Prove against the newest checkpoint a witness cosigned (`checkpoints/<size>`) rather
    /// than the current one.
    #[arg(long)]
    pub witnessed: bool,
    /// Write the proof here (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct AuditWitnessArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The witness's secret key (from `tollgate keygen` or `minisign -G`).
    #[command(flatten)]
    pub signing: SigningArgs,
    /// The witness's name: the key name of its cosignature lines.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The witness's state: the size and root it last cosigned, per log origin. Created on
    /// first use (which trusts the checkpoint it sees, and says so).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// The verdict public key (a file, or an inline "RW..." key): a checkpoint signed by it
    /// is the log's.
    #[arg(long, value_name = "PUB")]
    pub pubkey: Option<String>,
    /// An ops public key (repeatable): a checkpoint signed by one of them is the log's.
    #[arg(long = "ops-key", value_name = "PUB")]
    pub ops_keys: Vec<String>,
    /// Witness a log whose origin the state file does not know although its key signs a log
    /// it does (a second ledger signed with the same key). Without it that is refused, as it
    /// is what rebuilding a log under a fresh origin looks like.
    #[arg(long)]
    pub new_log: bool,
}

/// The witnesses whose cosignatures a reader demands (`verify`, `audit verify`).
#[derive(Debug, Args)]
pub struct WitnessArgs {
    /// A witness whose cosignatures count (repeatable): NAME=PUB (a minisign public key file
    /// or an inline "RW..." key) or a cosignature/v1 verifier key `NAME+HASH+BASE64`.
    #[arg(long = "witness", value_name = "NAME=PUB")]
    pub witnesses: Vec<String>,
    /// How many of the named witnesses must have cosigned (default 1 when one is named).
    #[arg(long, value_name = "K")]
    pub min_witnesses: Option<usize>,
}
