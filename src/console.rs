//! The one place tollgate writes to stdout and stderr (reports, errors, logs, annotations).
//!
//! A GitHub Actions runner parses both streams for workflow commands, and much of what
//! tollgate prints quotes untrusted text (file names, plugin stderr, smoke logs). So:
//! - every byte written through here, except tollgate's own annotations, is made inert
//!   ([`crate::github::inert`]): no line of it can parse as a command, in any order the
//!   runner happens to read the two pipes. This is always on: tollgate cannot always know
//!   that a runner reads its output (`docker run` inside a step does not pass
//!   `GITHUB_ACTIONS` on), and it changes nothing but a `\` in such lines;
//! - under `GITHUB_ACTIONS=true`, the fence: at start, `::stop-commands::TOKEN` on stderr
//!   (TOKEN is 256 random bits) tells
//!   the runner to ignore every command until `::TOKEN::`. Annotations are written on
//!   stderr by lifting the fence (`::TOKEN::`), printing them, and raising it again; the
//!   fence is lifted for good when the process ends (the guard from [`init`], or the panic
//!   hook), so later commands of the same step work again.
//!
//! See docs/github-action.md ("Workflow-command safety") for the reasoning.

use crate::github::inert::{Inert, Mode};
use crate::github::{Annotation, random_bytes_hex};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};

struct Console {
    /// Under GitHub Actions: raise the fence and write annotations.
    github: bool,
    /// The fence's token, when this process raised one.
    token: Option<String>,
    /// The fence is up (annotation windows lower it briefly, under `streams`).
    raised: AtomicBool,
    streams: Mutex<Streams>,
}

#[derive(Default)]
struct Streams {
    stdout: Inert,
    stderr: Inert,
}

static CONSOLE: OnceLock<Console> = OnceLock::new();

/// Which part of the process is starting, for [`init`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The tollgate command: raises the fence under GitHub Actions.
    Main,
    /// A helper tollgate starts with its stderr inherited (the smoke keeper): the parent
    /// owns the fence.
    Helper,
}

/// Lifts the fence when dropped (hold it until the last line is written).
#[must_use = "the fence is lifted when the guard is dropped"]
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        lift();
    }
}

/// Set up the console for this process: detect GitHub Actions, raise the fence and install
/// the panic hook. Call once, first thing in `main`.
pub fn init(role: Role) -> Guard {
    let github = crate::github::Runner::detect().is_some();
    let console = match role {
        Role::Helper => Console::new(false, None),
        Role::Main if !github => Console::new(false, None),
        Role::Main => match random_bytes_hex(32) {
            Ok(token) => Console::new(true, Some(token)),
            Err(e) => {
                let console = Console::new(true, None);
                console.write_err(
                    format!("warning: no stop-commands fence (cannot draw a random token: {e}); output is still made inert\n").as_bytes(),
                );
                console
            }
        },
    };
    if CONSOLE.set(console).is_ok()
        && let Some(console) = CONSOLE.get()
    {
        if let Some(token) = &console.token {
            let mut streams = console.lock();
            let line = format!("::stop-commands::{token}\n");
            streams.stderr.passed_through(line.as_bytes());
            write_raw(&mut io::stderr().lock(), line.as_bytes());
            console.raised.store(true, Ordering::SeqCst);
        }
        std::panic::set_hook(Box::new(panic_hook));
    }
    Guard(())
}

/// True under GitHub Actions (the fence is up, annotations are written).
pub fn github() -> bool {
    console().github
}

/// Write `text` to stdout, inert (JSON stays the same JSON).
pub fn stdout(text: &str) -> io::Result<()> {
    let console = console();
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut streams = console.lock();
    streams
        .stdout
        .push(text.as_bytes(), mode_of(text), &mut out);
    write_all(&mut io::stdout().lock(), &out)
}

/// Write `text` to stderr, inert.
pub fn stderr(text: &str) -> io::Result<()> {
    console().write_err_mode(text.as_bytes(), mode_of(text))
}

/// Write one log event (tracing) to stderr, inert.
pub fn log(bytes: &[u8], mode: Mode) -> io::Result<()> {
    console().write_err_mode(bytes, mode)
}

/// Write tollgate's own annotations to stderr as live workflow commands: the fence is lifted
/// around them. Does nothing outside GitHub Actions.
pub fn annotate(annotations: &[Annotation]) -> io::Result<()> {
    let console = console();
    if !console.github || annotations.is_empty() {
        return Ok(());
    }
    let mut streams = console.lock();
    let mut bytes = Vec::new();
    if !streams.stderr.at_line_start() {
        bytes.push(b'\n');
    }
    let fenced = console
        .token
        .as_deref()
        .filter(|_| console.raised.load(Ordering::SeqCst));
    if let Some(token) = fenced {
        bytes.extend_from_slice(format!("::{token}::\n").as_bytes());
    }
    for annotation in annotations {
        bytes.extend_from_slice(annotation.render().as_bytes());
    }
    if let Some(token) = fenced {
        bytes.extend_from_slice(format!("::stop-commands::{token}\n").as_bytes());
    }
    streams.stderr.passed_through(&bytes);
    write_all(&mut io::stderr().lock(), &bytes)
}

/// Lift the fence for good (idempotent). The [`Guard`] and the panic hook call it; so must
/// any path that ends the process with `std::process::exit`.
pub fn lift() {
    let Some(console) = CONSOLE.get() else { return };
    let Some(token) = &console.token else { return };
    // Wait for an annotation window to close, but not forever: the panic hook may run on
    // the thread that holds the lock.
    let mut streams = None;
    for _ in 0..100 {
        match console.streams.try_lock() {
            Ok(guard) => streams = Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => streams = Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            }
        }
        break;
    }
    if !console.raised.swap(false, Ordering::SeqCst) {
        return;
    }
    let at_line_start = streams.as_ref().is_some_and(|s| s.stderr.at_line_start());
    let line = format!("{}::{token}::\n", if at_line_start { "" } else { "\n" });
    write_raw(&mut io::stderr().lock(), line.as_bytes());
    if let Some(streams) = streams.as_mut() {
        streams.stderr.passed_through(b"\n");
    }
}

impl Console {
    fn new(github: bool, token: Option<String>) -> Console {
        Console {
            github,
            token,
            raised: AtomicBool::new(false),
            streams: Mutex::new(Streams::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Streams> {
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_err_mode(&self, bytes: &[u8], mode: Mode) -> io::Result<()> {
        let mut out = Vec::with_capacity(bytes.len() + 16);
        let mut streams = self.lock();
        streams.stderr.push(bytes, mode, &mut out);
        write_all(&mut io::stderr().lock(), &out)
    }

    fn write_err(&self, bytes: &[u8]) {
        let _ = self.write_err_mode(bytes, Mode::Text);
    }
}

fn console() -> &'static Console {
    // Library users and unit tests that never call `init`: inert, annotations under GitHub
    // Actions, no fence (nobody would lift it).
    CONSOLE.get_or_init(|| Console::new(crate::github::Runner::detect().is_some(), None))
}

/// JSON (one document, or JSON lines) keeps its value when made inert with [`Mode::Json`].
fn mode_of(text: &str) -> Mode {
    use serde::de::IgnoredAny;
    let is_json = |s: &str| serde_json::from_str::<IgnoredAny>(s).is_ok();
    if !text.contains("##[") {
        return Mode::Text; // nothing for the mode to decide
    }
    if is_json(text) || text.lines().all(|l| l.trim().is_empty() || is_json(l)) {
        Mode::Json
    } else {
        Mode::Text
    }
}

fn write_all(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes).and_then(|_| out.flush())
}

/// For the fence's lines: nothing to do if stderr is gone.
fn write_raw(out: &mut impl Write, bytes: &[u8]) {
    let _ = write_all(out, bytes);
}

/// A panic's message quotes whatever the panicking code had (file names, tool output): it
/// is written inert, then the fence is lifted.
fn panic_hook(info: &std::panic::PanicHookInfo<'_>) {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_owned());
    let location = info
        .location()
        .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_default();
    let backtrace = std::backtrace::Backtrace::capture();
    let backtrace = match backtrace.status() {
        std::backtrace::BacktraceStatus::Captured => format!("stack backtrace:\n{backtrace}"),
        _ => "note: run with `RUST_BACKTRACE=1` to display a backtrace\n".to_owned(),
    };
    let text = format!("\nthread '{name}' panicked{location}:\n{payload}\n{backtrace}");
    let inert = crate::github::inert::inert(&text, Mode::Text);
    write_raw(&mut io::stderr().lock(), inert.as_bytes());
    lift();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_recognised_whole_or_as_lines() {
        assert_eq!(mode_of("{\"a\": \"##[x\"}\n"), Mode::Json);
        assert_eq!(mode_of("{\"a\":\"##[x\"}\n{\"b\":1}\n\n"), Mode::Json);
        assert_eq!(mode_of("name ##[x\n{\"b\":1}\n"), Mode::Text);
    }
}
