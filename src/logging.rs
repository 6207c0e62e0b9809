//! Logging setup: tracing to stderr, level from -v/-q or RUST_LOG, text or JSON lines.

use crate::cli::{LogFormat, LoggingArgs};
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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| InertStderr(io::stderr()))
        .with_target(false);
    // A second init (in tests) is harmless: keep the first subscriber.
    let _ = match args.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.with_ansi(false).without_time().try_init(),
    };
}

/// Stderr that can never start a GitHub Actions workflow command. The runner reads commands
/// (`::error::`, `::add-mask::`, `::stop-commands::`) at the start of any line on stdout or
/// stderr, and log messages quote file names and tool output that an attacker may choose: a
/// message holding "\n::error::..." would otherwise forge an annotation or end our fence.
struct InertStderr<W>(W);

impl<W: Write> Write for InertStderr<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // tracing hands over one whole event per call; each line is made inert in place.
        self.0.write_all(&inert(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// `bytes` with a space before every `::` that begins a line.
fn inert(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 8);
    let mut line_start = true;
    for (i, &b) in bytes.iter().enumerate() {
        if line_start && bytes[i..].starts_with(b"::") {
            out.push(b' ');
        }
        out.push(b);
        line_start = b == b'\n' || b == b'\r';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_starting_with_a_workflow_command_are_indented() {
        let event = b" WARN cannot read x\n::error::forged\r\n::stop-commands::t\nok::fine\n";
        assert_eq!(
            inert(event),
            b" WARN cannot read x\n ::error::forged\r\n ::stop-commands::t\nok::fine\n"
        );
        assert_eq!(inert(b"::warning::at start"), b" ::warning::at start");
        assert_eq!(inert(b"nothing to do"), b"nothing to do");
    }

    #[test]
    fn the_writer_reports_the_callers_length() {
        let mut sink = InertStderr(Vec::new());
        assert_eq!(sink.write(b"::x\n::y").unwrap(), 7);
        assert_eq!(sink.0, b" ::x\n ::y");
    }
}
