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
    if cli.logging.quiet {
        commands::disable_progress();
    }
    match commands::run(cli.command) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            let message = format!("{:#}", e.error);
            eprintln!("error: {message}");
            // Under GitHub Actions the failure also shows as an annotation on the run.
            if tollgate::github::Runner::detect().is_some() {
                let annotation =
                    tollgate::github::Annotation::new(tollgate::github::Level::Error, message)
                        .title("tollgate: error");
                eprint!("{}", annotation.render());
            }
            ExitCode::from(e.exit as u8)
        }
    }
}
