//! Child-process hygiene for every child tollgate starts, all through `Spawn`: a cleared
//! environment plus an allowlist (no key password, no cloud credentials); the child leads its
//! own process group; stdin is written and stdout/stderr are read on threads with caps and
//! redacted of known secrets; the wait is bounded by the child's timeout and its gate's
//! deadline; on timeout, or when the child exits leaving processes behind, the whole group
//! gets SIGTERM, then SIGKILL after a grace period; the child is always reaped, and
//! `quiescent` tells when none is left.

mod budget;
pub mod capture;
mod group;
mod spawn;

pub use budget::{Budget, Quiescent, quiescent};
pub use capture::{Captured, Keep};
pub use group::{Group, reaped, signal_name, signal_process};
pub use spawn::{BASE_ENV, Running, Spawn, TOOLCHAIN_ENV, check_env_name, in_base};

use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use wait_timeout::ChildExt;

/// How long a child may run and how much of its output is kept.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock limit from spawn to exit.
    pub timeout: Duration,
    /// Between SIGTERM and SIGKILL; also how long the output pipes may stay open after the
    /// group has gone.
    pub grace: Duration,
    /// stdout bytes kept (the head); more is counted and dropped.
    pub stdout_cap: usize,
    /// stderr bytes kept (the tail); more is counted and dropped.
    pub stderr_cap: usize,
}

/// How a bounded run ended.
#[derive(Debug)]
pub struct Finished {
    /// The child's exit status (after a timeout: the status the signals left).
    pub status: ExitStatus,
    /// The child outlived `timeout` and its group was stopped.
    pub timed_out: bool,
    /// The child exited but left processes in its group, which were stopped.
    pub left_processes: bool,
    pub stdout: Captured,
    pub stderr: Captured,
    pub elapsed: Duration,
}

/// Run `command` (prepared by `Spawn`) with `stdin` as its input, within `limits`. `Err`
/// only when the child could not be started or waited for, or its output pipes stayed open
/// after its group had gone (a process it started outside the group holds them).
fn run_command(mut command: Command, stdin: Vec<u8>, limits: &Limits) -> io::Result<Finished> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let alive = budget::Alive::new();
    let mut child = command.spawn()?;
    let group = Group::of(&child);
    // Written on a thread: a child that never reads its input must not stall us on a full
    // pipe. A child that exits without reading makes the write fail; that is its business.
    if let Some(mut pipe) = child.stdin.take() {
        std::thread::spawn(move || {
            let _ = pipe.write_all(&stdin);
        });
    }
    let redactor = crate::redact::current();
    let stdout = child
        .stdout
        .take()
        .map(|pipe| capture::spawn_reader(pipe, limits.stdout_cap, Keep::Head, redactor.clone()));
    let stderr = child
        .stderr
        .take()
        .map(|pipe| capture::spawn_reader(pipe, limits.stderr_cap, Keep::Tail, redactor));

    let waited = child.wait_timeout(limits.timeout);
    let (status, timed_out, left_processes) = match waited {
        Ok(Some(status)) => {
            let left = group.alive();
            if left {
                stop(&mut child, group, limits.grace)?;
            }
            (status, false, left)
        }
        Ok(None) => (stop(&mut child, group, limits.grace)?, true, false),
        Err(e) => {
            stop(&mut child, group, limits.grace)?;
            return Err(e);
        }
    };
    drop(alive);
    let deadline = Instant::now() + limits.grace;
    let stdout = collect(stdout, deadline, "stdout")?;
    let stderr = collect(stderr, deadline, "stderr")?;
    Ok(Finished {
        status,
        timed_out,
        left_processes,
        stdout,
        stderr,
        elapsed: started.elapsed(),
    })
}

/// SIGTERM the group, give it `grace` to go, SIGKILL whatever is left, and reap the child.
fn stop(child: &mut Child, group: Group, grace: Duration) -> io::Result<ExitStatus> {
    group.terminate();
    let deadline = Instant::now() + grace;
    let mut status = None;
    while Instant::now() < deadline {
        if status.is_none() {
            status = child.try_wait()?;
        }
        // Members reparented to an init that does not reap stay zombies, which still count
        // as alive here; they only cost the grace period, after which SIGKILL is harmless.
        if status.is_some() && !group.alive() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if group.alive() {
        group.kill();
    }
    match status {
        Some(status) => Ok(status),
        None => child.wait(),
    }
}

/// A reader's capture, waiting at most until `deadline`.
fn collect(
    reader: Option<Receiver<Captured>>,
    deadline: Instant,
    name: &str,
) -> io::Result<Captured> {
    let Some(reader) = reader else {
        return Ok(Captured::default());
    };
    let wait = deadline.saturating_duration_since(Instant::now());
    reader.recv_timeout(wait).map_err(|_| {
        io::Error::other(format!(
            "its {name} stayed open after it and its process group had gone: a process it \
             started outside its process group still holds it"
        ))
    })
}

#[cfg(test)]
mod tests;
