//! Command implementations: glue between the parsed CLI and the library. Each returns an
//! exit status or an error that carries its own exit code.

mod account;
mod approve;
mod audit;
mod audit_check_store;
mod audit_export;
mod audit_init;
mod audit_migrate;
mod audit_prove;
mod audit_replay;
mod audit_show;
mod audit_timeline;
mod audit_verify;
mod audit_verify_bundle;
mod audit_verify_witnessed;
mod audit_vkey;
mod audit_witness;
mod deploy;
mod deploy_trust;
mod drill;
mod evaluate;
mod evaluate_ledger;
mod evaluate_outputs;
mod explain;
mod freeze;
mod gates_list;
mod generate;
mod github_step;
mod init;
mod key;
mod keygen;
mod policy_check;
mod progress;
mod propose;
mod sbom;
mod signing_key;
mod smoke_keeper;
mod snapshot;
mod verify;
mod verify_ledger;

use crate::cli::Command;
use time::OffsetDateTime;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Promote / valid.
    Success = 0,
    /// Blocked / invalid.
    Failure = 1,
    /// Usage or configuration error.
    Usage = 2,
}

/// An error that ends a command, with the exit code it maps to.
#[derive(Debug)]
pub struct CommandError {
    pub exit: Exit,
    pub error: anyhow::Error,
}

impl CommandError {
    /// A usage or configuration problem (exit 2).
    pub fn config(error: impl Into<anyhow::Error>) -> Self {
        CommandError {
            exit: Exit::Usage,
            error: error.into(),
        }
    }
}

pub type CommandResult = Result<Exit, CommandError>;

pub use progress::disable as disable_progress;

pub fn run(command: Command) -> CommandResult {
    match command {
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Key(crate::cli::KeyCommand::Revoke(args)) => key::revoke(&args),
        Command::Key(crate::cli::KeyCommand::Revocations(args)) => key::revocations(&args),
        Command::Key(crate::cli::KeyCommand::List(args)) => key::list(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Keygen(args) => keygen::run(&args),
        Command::Policy(crate::cli::PolicyCommand::Check { file }) => policy_check::run(&file),
        Command::Gates(args) => gates_list::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Completions(args) => generate::completions(&args),
        Command::Man(args) => generate::man(&args),
        Command::Drill(crate::cli::DrillCommand::Record(args)) => drill::record(&args),
        Command::Drill(crate::cli::DrillCommand::List(args)) => drill::list(&args),
        Command::Snapshot(crate::cli::SnapshotCommand::Record(args)) => snapshot::record(&args),
        Command::Sbom(args) => sbom::run(&args),
        Command::SmokeKeeper(args) => smoke_keeper::run(&args),
        Command::Audit(crate::cli::AuditCommand::Init(args)) => audit_init::run(&args),
        Command::Audit(crate::cli::AuditCommand::Log(args)) => audit::log(&args),
        Command::Audit(crate::cli::AuditCommand::Show(args)) => audit_show::run(&args),
        Command::Audit(crate::cli::AuditCommand::Verify(args)) => audit_verify::run(&args),
        Command::Audit(crate::cli::AuditCommand::Replay(args)) => audit_replay::run(&args),
        Command::Audit(crate::cli::AuditCommand::Export(args)) => audit_export::run(&args),
        Command::Audit(crate::cli::AuditCommand::Timeline(args)) => audit_timeline::timeline(&args),
        Command::Audit(crate::cli::AuditCommand::CheckStore(args)) => audit_check_store::run(&args),
        Command::Audit(crate::cli::AuditCommand::Migrate(args)) => audit_migrate::run(&args),
        Command::Audit(crate::cli::AuditCommand::LastGood(args)) => {
            audit_timeline::last_good(&args)
        }
        Command::Audit(crate::cli::AuditCommand::Vkey(args)) => audit_vkey::run(&args),
        Command::Audit(crate::cli::AuditCommand::Prove(args)) => audit_prove::run(&args),
        Command::Audit(crate::cli::AuditCommand::Witness(args)) => audit_witness::run(&args),
        Command::Freeze(args) => freeze::run(&args, crate::ledger::entry::Kind::Freeze),
        Command::Unfreeze(args) => freeze::run(&args, crate::ledger::entry::Kind::Unfreeze),
        Command::Propose(args) => propose::run(&args),
        Command::Approve(args) => approve::run(&args),
        Command::Deploy(crate::cli::DeployCommand::Record(args)) => deploy::record(&args),
        Command::Rollback(crate::cli::RollbackCommand::Record(args)) => deploy::rollback(&args),
    }
}

/// Print to stdout through the console (inert under GitHub Actions); a closed pipe is not an
/// error (the reader has gone, the exit code stands).
pub fn print(text: &str) -> Result<(), CommandError> {
    written(crate::console::stdout(text), "stdout")
}

/// Print to stderr through the console; a closed pipe is not an error.
pub fn print_stderr(text: &str) -> Result<(), CommandError> {
    written(crate::console::stderr(text), "stderr")
}

/// Write tollgate's own annotations as live workflow commands (only under GitHub Actions).
pub fn annotate(annotations: &[crate::github::Annotation]) -> Result<(), CommandError> {
    written(crate::console::annotate(annotations), "stderr")
}

fn written(result: std::io::Result<()>, stream: &str) -> Result<(), CommandError> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CommandError {
            exit: Exit::Usage,
            error: anyhow::anyhow!("cannot write to {stream}: {e}"),
        }),
    }
}

/// `--now` if given (RFC 3339), else the system clock.
/// The time for a new ledger entry at `now`: never earlier than the ledger's last entry. A
/// time given with `--now` (`given`) that is earlier is refused (exit 2); the wall clock is
/// raised to it (see `crate::ledger::clock`).
pub fn ledger_time(
    store: &dyn crate::ledger::store::Store,
    now: time::OffsetDateTime,
    given: Option<&str>,
) -> Result<String, CommandError> {
    let source = crate::ledger::clock::Source::of(given);
    crate::ledger::clock::entry_time(store, now, source).map_err(|e| {
        CommandError::config(anyhow::anyhow!(
            "{}: {e}{}",
            store.location(),
            if given.is_some() { " (--now)" } else { "" }
        ))
    })
}

pub fn clock(now: Option<&str>) -> Result<OffsetDateTime, CommandError> {
    match now {
        None => Ok(OffsetDateTime::now_utc()),
        Some(text) => crate::verdict::parse_rfc3339(text).ok_or_else(|| {
            CommandError::config(anyhow::anyhow!(
                "--now {text:?} is not an RFC 3339 time (e.g. 2026-11-21T12:00:00Z)"
            ))
        }),
    }
}
