//! Logging setup: tracing to stderr, level from -v/-q or RUST_LOG, text or JSON lines.
//! Every event goes through `crate::console`, which makes it inert under GitHub Actions
//! (log messages quote file names and tool output that an attacker may choose).

use crate::cli::{LogFormat, LoggingArgs};
use crate::github::inert::Mode;
use std::io::{self, Write};
use tracing_subscriber::EnvFilter;

pub fn init(args: &LoggingArgs) {
    let default = match (args.quiet, args.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let mode = match args.log_format {
        LogFormat::Json => Mode::Json,
        LogFormat::Text => Mode::Text,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || LogWriter(mode))
        .with_target(false);
    // A second init (in tests) is harmless: keep the first subscriber.
    let _ = match args.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.with_ansi(false).without_time().try_init(),
    };
}

/// Stderr through the console: tracing hands over one whole event per call.
struct LogWriter(Mode);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        crate::console::log(buf, self.0)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
