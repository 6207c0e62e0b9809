//! The command-line interface, as pure clap derive (no I/O here).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

mod migrate;
pub use migrate::AuditMigrateArgs;
mod transparency;
pub use transparency::{AuditProveArgs, AuditVkeyArgs, AuditWitnessArgs, WitnessArgs};

#[derive(Debug, Parser)]
#[command(
    name = "tollgate",
    version,
    about = "Release-promotion gate: evidence in, signed promote/block verdict out",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub logging: LoggingArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct LoggingArgs {
    /// More log output on stderr (repeat for more); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log line format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Formats of a verdict report (`evaluate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
    /// SARIF 2.1.0, for code-scanning tools (docs/sarif.md).
    Sarif,
}

/// Formats of commands whose output is a list or a check result, for people or machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the policy's gates on a release and write a signed verdict and provenance.
    Evaluate(EvaluateArgs),
    /// Check a signed verdict: signature, expiry, environment, artifacts.
    Verify(VerifyArgs),
    /// Generate a minisign key pair for signing verdicts.
    Keygen(KeygenArgs),
    /// Policy file commands.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// List the gates built into this version (and a policy's plugin gates).
    Gates(GatesArgs),
    /// Explain a finding code: what it means and what to do (no CODE: list every code).
    Explain(ExplainArgs),
    /// Write a starter policy for a repository, from what its repository and release hold.
    Init(InitArgs),
    /// Print a shell completion script, generated from this command line's definition.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a directory.
    Man(ManArgs),
    /// Record and list operational drills (restore, key rotation, ...).
    #[command(subcommand)]
    Drill(DrillCommand),
    /// Record chain snapshots (full and state) in the snapshot log.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Write a CycloneDX 1.5 JSON SBOM of the release build: the workspace's binaries and
    /// every package they compile for the target (dev-dependencies excluded).
    Sbom(SbomArgs),
    /// Internal: supervises one smoke-test node for the smoke gate (stops it when tollgate
    /// goes away). Not for direct use.
    #[command(name = "__smoke-keeper", hide = true)]
    SmokeKeeper(SmokeKeeperArgs),
    /// Read and check the auditors' ledger: every evaluate, freeze and unfreeze.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Freeze an environment: every evaluate for it blocks until it is unfrozen.
    Freeze(FreezeArgs),
    /// Lift an environment's freeze (exit 2 if it is not frozen).
    Unfreeze(FreezeArgs),
    /// Propose a change: a signed ledger entry binding the release's subjects, its category,
    /// a summary and a rollback plan; prints the proposal id (its entry id, SEQ:SHA256).
    Propose(ProposeArgs),
    /// Approve or reject a proposal (a signed ledger entry), or write the statement to sign
    /// with stock `minisign -S` and record the signature made elsewhere.
    Approve(ApproveArgs),
    /// Record a deployment of a promoted release to a stage (an ops-signed ledger entry).
    #[command(subcommand)]
    Deploy(DeployCommand),
    /// Record a revert to an earlier release (an ops-signed ledger entry).
    #[command(subcommand)]
    Rollback(RollbackCommand),
    /// Revoke keys, export the revocation list, list trusted keys and their status.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Append an ops-signed revocation of a key to the ledger.
    Revoke(KeyRevokeArgs),
    /// Export the ledger's revocations as a signed list for `verify --revocations`.
    Revocations(KeyRevocationsArgs),
    /// Each key the policy trusts, by role: id, status, last use in the ledger.
    List(KeyListArgs),
}

#[derive(Debug, Args)]
pub struct KeyRevokeArgs {
    /// The key to revoke (a public key file, or an inline "RW..." key).
    #[arg(long, value_name = "PUB")]
    pub pubkey: String,
    /// Why (`rotated`, `compromised`, ...): shown in every refusal.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// From when the key's signatures are suspect (RFC 3339): signatures the ledger does not
    /// date before it stop verifying.
    #[arg(long, value_name = "RFC3339")]
    pub compromised_since: Option<String>,
    /// The ops key that signs the revocation (only one in the policy's [trust] ops_keys counts).
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The revocation's ledger time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct KeyRevocationsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The ops key that signs the list (OUT.minisig).
    #[command(flatten)]
    pub signing: SigningArgs,
    /// Where to write the list (its signature goes to OUT.minisig).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The export time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct KeyListArgs {
    /// The policy whose trusted keys to list.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The ledger to read revocations and last uses from.
    #[arg(long, value_name = "DIR|URL")]
    pub store: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DeployCommand {
    /// Verify a promote verdict and append a signed `deploy` entry for it.
    Record(DeployRecordArgs),
}

#[derive(Debug, Subcommand)]
pub enum RollbackCommand {
    /// Append a signed `rollback` entry naming the release rolled back to.
    Record(RollbackRecordArgs),
}

#[derive(Debug, Args)]
pub struct DeployRecordArgs {
    /// The verdict.json deployed; its signature is read from VERDICT.minisig.
    #[arg(long, value_name = "FILE")]
    pub verdict: PathBuf,
    /// The verdict public key (a file, or an inline "RW..." key).
    #[arg(long, value_name = "PUB")]
    pub pubkey: String,
    /// The stage deployed to: lower-case kebab-case (`canary`, `wave-10`, `all`).
    #[arg(long, value_name = "NAME")]
    pub stage: String,
    /// Where it went (a host group, a cluster), recorded as given.
    #[arg(long, value_name = "TEXT")]
    pub target: Option<String>,
    /// The ops key that signs the entry (required: only a deploy signed by a key in the
    /// policy's [trust] ops_keys counts).
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Check the verdict's expiry as of this time (RFC 3339) instead of now. The entry's
    /// time is always the ledger's clock.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// An ops public key (repeatable; the policy's [trust] ops_keys): only revocations it
    /// signed count. Needed once the ledger holds key revocations.
    #[arg(long = "ops-key", value_name = "PUB")]
    pub ops_keys: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RollbackRecordArgs {
    #[arg(long, value_name = "ENV", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: String,
    /// The release rolled back to: its verdict's SHA-256 (or a unique prefix of 8+ hex
    /// digits), or the ledger entry (SEQ or SEQ:SHA256) of its verdict or deploy.
    #[arg(long, value_name = "VERDICT|ENTRY")]
    pub to: String,
    /// Why (kept in the ledger and shown by `audit timeline`).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// The ops key that signs the entry (required).
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Accepted for symmetry with other commands; the entry's time is the ledger's clock.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// An ops public key (repeatable; the policy's [trust] ops_keys): only revocations it
    /// signed count. Needed once the ledger holds key revocations.
    #[arg(long = "ops-key", value_name = "PUB")]
    pub ops_keys: Vec<String>,
}

/// The smoke gate's node keeper (see src/smoke/keeper.rs).
#[derive(Debug, Args)]
pub struct SmokeKeeperArgs {
    /// The node's log (stdout and stderr).
    #[arg(long)]
    pub log: PathBuf,
    /// Cut the log off after this many bytes.
    #[arg(long)]
    pub max_bytes: u64,
    /// Between SIGTERM and SIGKILL when stopping the node on its own.
    #[arg(long)]
    pub grace_ms: u64,
    /// A variable of the keeper's environment to pass on to the node (repeatable).
    #[arg(long, value_name = "NAME")]
    pub pass_env: Vec<String>,
    /// The node command and its arguments.
    #[arg(last = true, required = true)]
    pub argv: Vec<String>,
}

#[derive(Debug, Args)]
pub struct GatesArgs {
    /// Also list this policy's plugin gates (name, command, required).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code, e.g. sig.digest-mismatch (case-insensitive).
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository to look at (Cargo.toml, Cargo.lock, keys/*.pub).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// The release directory to look at (SHA256SUMS, *.minisig, SBOM, audit reports);
    /// default: REPO/dist or REPO/release when one holds a sums file, else REPO.
    #[arg(long, value_name = "DIR")]
    pub release: Option<PathBuf>,
    /// The environment the policy promotes to.
    #[arg(long, value_name = "ENV", default_value = "regtest", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: String,
    /// Where to write the policy (`-` for stdout); default REPO/gates/ENV.toml. An existing
    /// file is never overwritten without --force.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A minisign public key to trust for artifacts (repeatable); default: keys found in
    /// the repository and release that match the sums signature.
    #[arg(long, value_name = "PUB")]
    pub trust_key: Vec<PathBuf>,
    /// Overwrite an existing policy file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write tollgate.1 and one tollgate-COMMAND.1 per command into DIR instead of
    /// printing tollgate.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DrillCommand {
    /// Validate one drill and append it to the drill log atomically.
    Record(Box<DrillRecordArgs>),
    /// Print the drill log.
    List(DrillListArgs),
}

#[derive(Debug, Args)]
pub struct DrillRecordArgs {
    /// restore, key-rotation, incident-simulation, failover, or a custom kebab-case name.
    #[arg(long)]
    pub kind: String,
    #[arg(long, value_parser = ["pass", "fail"])]
    pub result: String,
    /// Measured recovery time ("1h 20m").
    #[arg(long, value_name = "DURATION")]
    pub rto: String,
    /// When the drill finished (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// When the drill started (RFC 3339; default: --at minus --rto).
    #[arg(long, value_name = "RFC3339")]
    pub started_at: Option<String>,
    /// The drill log.
    #[arg(long, value_name = "FILE", default_value = "ops/drills.jsonl")]
    pub log: PathBuf,
    /// Who ran the drill (default $USER, else the account name of the current user).
    #[arg(long)]
    pub operator: Option<String>,
    /// Chain height at the end of the drill, where relevant.
    #[arg(long)]
    pub height: Option<u64>,
    /// Chain tip hash at the end of the drill, where relevant.
    #[arg(long)]
    pub tip: Option<String>,
    /// For a restore drill: the height of the snapshot restored (checked by
    /// [gates.snapshots] against the newest full snapshot).
    #[arg(long, value_name = "N")]
    pub restored_height: Option<u64>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Operator secret key that signs the entry.
    #[command(flatten)]
    pub signing: SigningArgs,
}

/// The signing key of a command that signs, and where an encrypted key's password comes
/// from; one definition for every such command (see `signing::PendingKey`).
#[derive(Debug, Args)]
pub struct SigningArgs {
    /// Secret key that signs (from `tollgate keygen` or `minisign -G`); an encrypted key's
    /// password comes from --key-password-file or TOLLGATE_KEY_PASSWORD.
    #[arg(long, value_name = "SECKEY")]
    pub key: Option<PathBuf>,
    /// Read the key's password from the first line of FILE (mode 0600: a file readable by
    /// group or others is refused) instead of TOLLGATE_KEY_PASSWORD; not both.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub key_password_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Validate one snapshot's metadata and append it to the snapshot log atomically.
    Record(Box<SnapshotRecordArgs>),
}

#[derive(Debug, Args)]
pub struct SnapshotRecordArgs {
    #[arg(long, value_parser = ["full", "state"])]
    pub kind: String,
    /// Chain height the snapshot was taken at.
    #[arg(long, value_name = "N")]
    pub height: u64,
    /// Chain tip hash at that height (hex).
    #[arg(long, value_name = "HASH")]
    pub tip: String,
    /// When the snapshot was created (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub created_at: String,
    /// Where the snapshot is kept, off the node (s3://..., https://...).
    #[arg(long, value_name = "URL")]
    pub location: String,
    /// SHA-256 of the snapshot file (hex).
    #[arg(long, value_name = "HEX")]
    pub sha256: String,
    /// Size of the snapshot file in bytes.
    #[arg(long, value_name = "BYTES")]
    pub size: u64,
    /// The snapshot log.
    #[arg(long, value_name = "FILE", default_value = "ops/snapshots.jsonl")]
    pub log: PathBuf,
    /// Operator secret key that signs the entry.
    #[command(flatten)]
    pub signing: SigningArgs,
}

#[derive(Debug, Args)]
pub struct DrillListArgs {
    #[arg(long, value_name = "FILE", default_value = "ops/drills.jsonl")]
    pub log: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The policy file (gates/<environment>.toml).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The release directory: artifacts, SHA256SUMS, signatures.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub release: PathBuf,
    /// The source repository the release was built from.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Where to write verdict.json, its .minisig, verdict.intoto.jsonl (the SLSA VSA) and
    /// provenance.json.
    #[arg(long, value_name = "DIR", default_value = "tollgate-out")]
    pub out: PathBuf,
    /// The VSA's resourceUri: what a consumer names when it checks the VSA (e.g. a package
    /// URL or the release's download URL); default: the release directory as a file:// URI.
    #[arg(long = "resource-uri", value_name = "URI")]
    pub resource_uri: Option<String>,
    /// Also write the findings as SARIF 2.1.0 to this file (whatever --format says), for
    /// GitHub code scanning.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// The key that signs the verdict; it is read only after every gate has finished.
    #[command(flatten)]
    pub signing: SigningArgs,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Evaluate as of this time (RFC 3339) instead of now, for reproducible runs.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Refuse to run (exit 2) unless the policy is for this environment.
    #[arg(long, value_name = "ENV", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: Option<String>,
    /// The ledger to append to: a directory (default .tollgate/ledger under --repo) or
    /// s3://bucket/prefix.
    #[arg(long, value_name = "DIR|URL")]
    pub store: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The verdict.json to check; its signature is read from VERDICT.minisig.
    #[arg(value_name = "VERDICT")]
    pub verdict: PathBuf,
    /// The public key that must have signed it (a file, or an inline "RW..." key).
    #[arg(long, value_name = "PUB")]
    pub pubkey: String,
    /// The environment this job deploys to; the verdict must be for it. Required: a verdict
    /// for testnet must never deploy to mainnet.
    #[arg(long, value_name = "ENV", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: Option<String>,
    /// Require the verdict's policy to have this SHA-256 (the policy file this job pins).
    #[arg(long = "policy-sha256", value_name = "HEX")]
    pub policy_sha256: Option<String>,
    /// Require the verdict to be about this commit (the full SHA this job deploys).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Also require the verdict to be recorded in this ledger (a directory or
    /// s3://bucket/prefix), after checking that the ledger is intact.
    #[arg(long, value_name = "DIR|URL")]
    pub store: Option<String>,
    /// Require this file's SHA-256 to be among the verdict's subjects (repeatable).
    #[arg(long, value_name = "FILE")]
    pub artifact: Vec<PathBuf>,
    /// Check expiry as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// A signed revocation list (from `tollgate key revocations`) to check the verdict key
    /// against, offline; needs --ops-key.
    #[arg(long, value_name = "FILE")]
    pub revocations: Option<PathBuf>,
    /// An ops public key (repeatable): only revocations it signed count (with --store or
    /// --revocations); with --proof, a checkpoint it signed is trusted too.
    #[arg(long = "ops-key", value_name = "PUB")]
    pub ops_keys: Vec<String>,
    /// An inclusion proof (from `audit prove`): check offline that the ledger records the
    /// verdict, under a checkpoint signed by --pubkey or an --ops-key.
    #[arg(long, value_name = "FILE", conflicts_with = "store")]
    pub proof: Option<PathBuf>,
    #[command(flatten)]
    pub witnesses: WitnessArgs,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Directory for tollgate.key (mode 0600) and tollgate.pub; existing keys are never overwritten.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Do not encrypt the secret key (otherwise its password comes from
    /// --key-password-file or TOLLGATE_KEY_PASSWORD).
    #[arg(long)]
    pub unencrypted: bool,
    /// Read the new key's password from the first line of FILE (mode 0600) instead of
    /// TOLLGATE_KEY_PASSWORD.
    #[arg(long, value_name = "FILE", conflicts_with = "unencrypted")]
    pub key_password_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SbomArgs {
    /// The workspace manifest; its Cargo.lock must be present and current.
    #[arg(long, value_name = "PATH", default_value = "Cargo.toml")]
    pub manifest_path: PathBuf,
    /// Target triple of the release build (default: the host's).
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// Where to write the SBOM; `-` writes it to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Timestamp the SBOM with this time (RFC 3339) instead of now, for reproducible bytes.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file; exit 2 with the file, line and a hint when it is wrong.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Where the ledger is, for the commands that read it or append to it directly.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The ledger: a directory (relative to the working directory) or s3://bucket/prefix.
    #[arg(long, value_name = "DIR|URL", default_value = ".tollgate/ledger")]
    pub store: String,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Create an empty ledger: format v2 (a C2SP tlog-tiles log with its origin) or v1 (the
    /// hash chain). Appending to an empty store creates one of the default format.
    Init(AuditInitArgs),
    /// One line per ledger entry: seq, time, environment, kind, decision, verdict, commit.
    Log(AuditLogArgs),
    /// One entry: the verdict, provenance, gate results and evidence list.
    Show(AuditShowArgs),
    /// Recompute the chain, every stored digest and every signature; exit 1 on any break.
    Verify(AuditVerifyArgs),
    /// Re-decide an entry from its stored evidence and policy at its own clock; exit 0 when
    /// it reproduces the stored verdict, 1 with the differences by JSON pointer.
    Replay(AuditShowArgs),
    /// One release's path: evaluations, deployments, rollbacks and freezes across
    /// environments and stages.
    Timeline(AuditTimelineArgs),
    /// The last release promoted, deployed and not rolled back in an environment.
    LastGood(AuditLastGoodArgs),
    /// Write a self-contained bundle (chain, signed head, blobs, plain verdict copies) that
    /// `audit verify --bundle` and stock minisign check.
    Export(AuditExportArgs),
    /// Print the note verifier key of a public key: the key that verifies a log's
    /// checkpoints (`--origin`), or a witness's cosignature key (`--witness`).
    Vkey(AuditVkeyArgs),
    /// Write an inclusion proof for a verdict's record: the record, its audit path and the
    /// signed checkpoint it leads to, for `verify --proof` to check offline.
    Prove(AuditProveArgs),
    /// Witness the log: check its checkpoint's signature and consistency with what this
    /// witness cosigned last, then cosign it (`checkpoints/<size>`); exit 1 on a fork.
    Witness(AuditWitnessArgs),
    /// Probe whether the store's server applies conditional writes atomically (many writers
    /// racing for one key: exactly one may win) and record the result in the store; exit 1
    /// when it does not. Appends refuse a store without a lock that failed it.
    CheckStore(AuditCheckStoreArgs),
    /// Move a format-1 ledger into a new format-2 log: verify its chain, then log every entry
    /// in order (each record naming its v1 seq and entry hash), carry its blobs over, and sign
    /// one checkpoint. The format-1 ledger is left as it was.
    Migrate(AuditMigrateArgs),
}

#[derive(Debug, Args)]
pub struct AuditCheckStoreArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Racing writers per race (each race runs 3 rounds).
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(2..=256))]
    pub writers: u16,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["id", "all"])))]
pub struct AuditExportArgs {
    /// The entry to export (with the whole chain up to the head that proves its place).
    #[arg(value_name = "ID|DIGEST")]
    pub id: Option<String>,
    /// Export every entry and every blob.
    #[arg(long)]
    pub all: bool,
    /// The bundle to write (a tar file).
    #[arg(short = 'o', long = "out", value_name = "FILE.tar")]
    pub out: std::path::PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct AuditInitArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The ledger format (default: v2, the one new stores get; TOLLGATE_LEDGER_FORMAT can
    /// force another).
    #[arg(long, value_enum)]
    pub format: Option<LedgerFormat>,
    /// Format v2: the log's origin, the first line of every checkpoint and the name its
    /// signatures carry (a schema-less URL such as example.com/ledger/prod). Fixed for the
    /// log's life; default tollgate.dev/ledger/<16 random hex digits>.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
}

/// A ledger format, as `audit init --format` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LedgerFormat {
    V1,
    V2,
}

#[derive(Debug, Args)]
pub struct AuditTimelineArgs {
    /// An artifact's SHA-256 (64 hex digits), or a verdict.json whose subjects name the
    /// release.
    #[arg(value_name = "SUBJECT_DIGEST|VERDICT")]
    pub release: String,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct AuditLastGoodArgs {
    #[arg(long, value_name = "ENV", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: String,
    /// Only deploys to this stage count (default: any stage).
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
    /// Only deploys signed by one of these ops public keys count (repeatable; a file or an
    /// inline "RW..." key). Without it, any deploy whose signature verifies with the key it
    /// records counts, and the output names the signer.
    #[arg(long = "ops-key", value_name = "PUB")]
    pub ops_keys: Vec<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct AuditLogArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_name = "ENV", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: Option<String>,
    #[arg(long, value_parser = ["promote", "block"])]
    pub decision: Option<String>,
    /// Entries appended at or after this time: RFC 3339, or a duration ago ("7d", "2h").
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct AuditShowArgs {
    /// A sequence number, SEQ:SHA256 as evaluate prints it, or a unique prefix (8+ hex
    /// digits) of an entry's or a verdict's SHA-256.
    #[arg(value_name = "ID|DIGEST")]
    pub id: String,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The verdict public key (a file, or an inline "RW..." key); without it signatures are
    /// not checked, and the report says so.
    #[arg(long, value_name = "PUB")]
    pub pubkey: Option<String>,
    /// An ops public key (repeatable; a file, or an inline "RW..." key): every freeze and
    /// unfreeze must be signed by one of them. Without it, their signatures are checked with
    /// the public key each entry records, and signers are not checked.
    #[arg(long = "ops-key", value_name = "PUB")]
    pub ops_keys: Vec<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Verify an exported bundle (from `audit export`) instead of a store.
    #[arg(long, value_name = "FILE.tar", conflicts_with = "store")]
    pub bundle: Option<std::path::PathBuf>,
    /// Format v2: a checkpoint of this log kept from an earlier verify (a copy of its
    /// `checkpoint`). The current checkpoint must extend it (consistency proof; a log whose
    /// first records differ was rewritten: exit 1), and only the records after it are read.
    #[arg(long, value_name = "CHECKPOINT_FILE", conflicts_with = "bundle")]
    pub since: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub witnesses: WitnessArgs,
    /// Demand the witnesses of this policy's `[trust] witnesses` and `min_witnesses` (as
    /// `evaluate` does), besides any --witness.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct FreezeArgs {
    #[arg(long, value_name = "ENV", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: String,
    /// Why (shown in every blocked evaluate while frozen).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// The ops key that signs the entry (required: only an unfreeze signed by a key in the
    /// policy's [trust] ops_keys counts).
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct ProposeArgs {
    #[arg(long, value_name = "ENV", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: String,
    /// The change's category; the policy's [gates.approvals] says who must approve each.
    #[arg(long, value_parser = ["ops", "governance", "protocol"])]
    pub category: String,
    /// What the change is, in a line (kept in the ledger).
    #[arg(long, value_name = "TEXT")]
    pub summary: String,
    /// The rollback plan (a document for people; stored in the ledger).
    #[arg(long, value_name = "FILE")]
    pub rollback_plan: PathBuf,
    /// The change log (stored in the ledger).
    #[arg(long, value_name = "FILE")]
    pub change_log: Option<PathBuf>,
    /// The release directory; every artifact its sums file lists is a subject.
    #[arg(long, value_name = "DIR")]
    pub release: PathBuf,
    /// The sums file, relative to --release.
    #[arg(long, value_name = "NAME", default_value = "SHA256SUMS")]
    pub sums: String,
    /// The proposer's key (required).
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Record the proposal at this time (RFC 3339) instead of now (tests and drills).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("how").required(true).args(["key", "statement_out", "signature"])))]
pub struct ApproveArgs {
    /// The proposal: its id as `propose` printed it (SEQ:SHA256), its sequence number, or
    /// a digest prefix of 8+ hex digits.
    #[arg(value_name = "PROPOSAL")]
    pub proposal: String,
    /// The policy role the approver acts in (e.g. security, maintainers).
    #[arg(long, value_name = "NAME")]
    pub role: String,
    /// Reject the proposal (blocks it while the rejection stands); needs --reason.
    #[arg(long, requires = "reason")]
    pub reject: bool,
    /// Why (required with --reject; kept in the signed statement).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Write the exact bytes to sign (canonical JSON) to FILE and stop; sign them with
    /// `minisign -S -s KEY -m FILE` and record with --signature FILE.minisig --pubkey PUB.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "signature"])]
    pub statement_out: Option<PathBuf>,
    /// A minisign signature over the statement, made elsewhere (`minisign -S -m FILE`).
    #[arg(
        long,
        value_name = "FILE.minisig",
        requires = "pubkey",
        conflicts_with = "key"
    )]
    pub signature: Option<PathBuf>,
    /// The public key that made --signature (a file, or an inline "RW..." key).
    #[arg(long, value_name = "PUB", requires = "signature")]
    pub pubkey: Option<String>,
    /// The approver's key, to sign here.
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Record the approval at this time (RFC 3339) instead of now (tests and drills).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
