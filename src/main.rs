//! The `tollgate` binary: parse flags, set up logging, run a command, map to an exit code.
#![forbid(unsafe_code)]

use clap::Parser;
use std::process::ExitCode;
use tollgate::cli::Cli;
use tollgate::commands::{self, Exit};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; bad flags are usage errors (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { Exit::Usage as u8 } else { 0 });
        }
    };
    tollgate::logging::init(&cli.logging);
    match commands::run(cli.command) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            eprintln!("error: {:#}", e.error);
            ExitCode::from(e.exit as u8)
        }
    }
}
