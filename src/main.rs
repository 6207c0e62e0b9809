//! The `tollgate` binary: parse flags, set up logging, run a command, map to an exit code.
#![forbid(unsafe_code)]

use clap::Parser;
use std::process::ExitCode;
use tollgate::cli::Cli;
use tollgate::commands::{self, Exit};
use tollgate::console::{self, Role};

fn main() -> ExitCode {
    // First: everything printed from here on is inert; under GitHub Actions it is fenced too,
    // and `_fence` lifts the fence when main returns (the panic hook does on a panic).
    let role = if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "__smoke-keeper")
    {
        Role::Helper
    } else {
        Role::Main
    };
    let _fence = console::init(role);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; bad flags are usage errors (exit 2).
            // clap's message quotes the arguments: it goes through the console like the rest.
            let styled = e.render();
            let _ = if e.use_stderr() {
                let colour =
                    tollgate::term::stderr_is_terminal() && !tollgate::term::no_color_requested();
                console::stderr(&if colour {
                    styled.ansi().to_string()
                } else {
                    styled.to_string()
                })
            } else if tollgate::term::stdout_colour() {
                console::stdout(&styled.ansi().to_string())
            } else {
                console::stdout(&styled.to_string())
            };
            return ExitCode::from(if e.use_stderr() { Exit::Usage as u8 } else { 0 });
        }
    };
    tollgate::logging::init(&cli.logging);
    if cli.logging.quiet || console::github() {
        // The runner's log is no terminal; a progress bar would only bypass the console.
        commands::disable_progress();
    }
    match commands::run(cli.command) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            let message = format!("{:#}", e.error);
            let _ = console::stderr(&format!("error: {message}\n"));
            // Under GitHub Actions the failure also shows as an annotation on the run.
            let annotation =
                tollgate::github::Annotation::new(tollgate::github::Level::Error, message)
                    .title("tollgate: error");
            let _ = console::annotate(&[annotation]);
            ExitCode::from(e.exit as u8)
        }
    }
}
