//! The command-line interface, as pure clap derive (no I/O here).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
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
    /// List the gates built into this version.
    Gates,
    /// Write a CycloneDX 1.5 JSON SBOM of the release build: the workspace's binaries and
    /// every package they compile for the target (dev-dependencies excluded).
    Sbom(SbomArgs),
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
    /// Where to write verdict.json, its .minisig and provenance.json.
    #[arg(long, value_name = "DIR", default_value = "tollgate-out")]
    pub out: PathBuf,
    /// Secret key that signs the verdict (from `tollgate keygen` or `minisign -G`);
    /// an encrypted key's password comes from TOLLGATE_KEY_PASSWORD.
    #[arg(long, value_name = "SECKEY")]
    pub key: Option<PathBuf>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Evaluate as of this time (RFC 3339) instead of now, for reproducible runs.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The verdict.json to check; its signature is read from VERDICT.minisig.
    #[arg(value_name = "VERDICT")]
    pub verdict: PathBuf,
    /// The public key that must have signed it (a file, or an inline "RW..." key).
    #[arg(long, value_name = "PUB")]
    pub pubkey: String,
    /// Require the verdict to be for this environment.
    #[arg(long, value_name = "ENV", value_parser = ["regtest", "testnet", "mainnet"])]
    pub environment: Option<String>,
    /// Require this file's SHA-256 to be among the verdict's subjects (repeatable).
    #[arg(long, value_name = "FILE")]
    pub artifact: Vec<PathBuf>,
    /// Check expiry as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Directory for tollgate.key (mode 0600) and tollgate.pub; existing keys are never overwritten.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Do not encrypt the secret key (otherwise its password comes from TOLLGATE_KEY_PASSWORD).
    #[arg(long)]
    pub unencrypted: bool,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
