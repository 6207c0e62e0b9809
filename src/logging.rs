//! Logging setup: tracing to stderr, level from -v/-q or RUST_LOG, text or JSON lines.

use crate::cli::{LogFormat, LoggingArgs};
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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second init (in tests) is harmless: keep the first subscriber.
    let _ = match args.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.with_ansi(false).without_time().try_init(),
    };
}
