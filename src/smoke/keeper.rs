//! The keeper: a small supervisor process (`tollgate __smoke-keeper`) between tollgate and
//! the node. It starts the node in its own process group, writes its output to the capped
//! log, reports on stdout (`started`, `exited`), and takes orders on stdin (`term`, `int`,
//! `kill`). When its stdin closes — tollgate finished, panicked or was killed, even by
//! SIGKILL, which no handler can catch — or it gets SIGINT/SIGTERM/SIGHUP, it stops the
//! node's group (SIGTERM, then SIGKILL after the grace period) and reaps it. That is how a
//! node never outlives the tollgate that started it, without `unsafe` (no pre_exec,
//! no PR_SET_PDEATHSIG). The node is started through the spawn builder: the keeper's own
//! environment is already the allowlist, and the node gets the allowlist plus exactly the
//! names tollgate passed with `--pass-env`.

use super::logcap::CappedLog;
use crate::process::{Group, Spawn};
use serde_json::json;
use std::io::{BufRead, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the keeper needs to start a node.
#[derive(Debug, Clone)]
pub struct KeeperArgs {
    pub log: PathBuf,
    pub max_bytes: u64,
    pub grace: Duration,
    /// Variables passed on to the node from the keeper's environment.
    pub pass_env: Vec<String>,
    pub argv: Vec<String>,
}

enum Event {
    Order(String),
    OrdersClosed,
    Signal(i32),
    Exited(ExitStatus),
}

/// After SIGKILL, how long to wait for the kernel to report the exit.
const AFTER_KILL: Duration = Duration::from_secs(10);

fn say(event: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    // Tollgate may be gone: nobody to tell, and nothing to do about it.
    let _ = writeln!(out, "{event}");
    let _ = out.flush();
}

/// Run the keeper to the node's end; returns the keeper's exit code.
pub fn run(args: &KeeperArgs) -> i32 {
    let (tx, rx) = mpsc::channel();
    // Signals first: a Ctrl-C between here and the spawn must still stop the node.
    let signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ]);
    match signals {
        Ok(mut signals) => {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for signal in signals.forever() {
                    let _ = tx.send(Event::Signal(signal));
                }
            });
        }
        Err(e) => {
            say(json!({"event": "spawn-failed", "error": format!("cannot watch signals: {e}")}));
            return 3;
        }
    }
    let Some((program, rest)) = args.argv.split_first() else {
        say(json!({"event": "spawn-failed", "error": "no node command"}));
        return 3;
    };
    let log = match CappedLog::create(&args.log, args.max_bytes) {
        Ok(log) => log,
        Err(e) => {
            say(
                json!({"event": "spawn-failed", "error": format!("cannot create {}: {e}", args.log.display())}),
            );
            return 3;
        }
    };
    let mut node = Spawn::new(program);
    node.args(rest).pass_env(&args.pass_env);
    let mut child = match node.start(Stdio::null(), Stdio::piped(), Stdio::piped()) {
        Ok(child) => child,
        Err(e) => {
            say(json!({"event": "spawn-failed", "error": format!("cannot start {program}: {e}")}));
            return 3;
        }
    };
    let pid = child.id();
    let pumps = [
        child.take_stdout().map(|p| log.pump(p)),
        child.take_stderr().map(|p| log.pump(p)),
    ];
    say(json!({"event": "started", "pid": pid}));
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                match line {
                    Ok(order) => {
                        let _ = tx.send(Event::Order(order.trim().to_owned()));
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send(Event::OrdersClosed);
        });
    }
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            if let Ok(status) = child.wait() {
                let _ = tx.send(Event::Exited(status));
            }
        });
    }
    let status = supervise(pid, args.grace, &rx);
    // Anything the node left in its group goes too.
    if let Some(group) = node_group(pid) {
        group.kill();
    }
    // Bounded: a grandchild holding the pipes open must not hold the keeper.
    let deadline = Instant::now() + Duration::from_secs(2);
    for pump in pumps.into_iter().flatten() {
        while !pump.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    match status {
        Some(status) => {
            say(json!({"event": "exited", "code": status.code(), "signal": status.signal()}))
        }
        None => say(json!({"event": "lost", "error": "the node did not exit even after SIGKILL"})),
    }
    0
}

/// The node's process group (it leads one).
fn node_group(pid: u32) -> Option<Group> {
    Group::from_id(i32::try_from(pid).ok()?)
}

/// Send `signal` to the node's group; a group that has gone is not an error.
fn signal_node(pid: u32, signal: i32) {
    if let Some(group) = node_group(pid) {
        let _ = group.signal(signal);
    }
}

/// Follow orders until the node exits; stop it on abandonment or a signal.
fn supervise(pid: u32, grace: Duration, rx: &mpsc::Receiver<Event>) -> Option<ExitStatus> {
    let mut kill_at: Option<Instant> = None;
    let mut give_up_at: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let wait = match (kill_at, give_up_at) {
            (_, Some(t)) | (Some(t), None) => t.saturating_duration_since(now),
            (None, None) => Duration::from_secs(3600),
        };
        match rx.recv_timeout(wait) {
            Ok(Event::Exited(status)) => return Some(status),
            Ok(Event::Order(order)) => {
                let signal = match order.as_str() {
                    "term" => signal_hook::consts::SIGTERM,
                    "int" => signal_hook::consts::SIGINT,
                    "kill" => signal_hook::consts::SIGKILL,
                    _ => continue,
                };
                signal_node(pid, signal);
            }
            Ok(event @ (Event::OrdersClosed | Event::Signal(_))) => {
                if let Event::Signal(signal) = event {
                    tracing::info!("keeper: signal {signal}, stopping the node");
                }
                if kill_at.is_none() && give_up_at.is_none() {
                    signal_node(pid, signal_hook::consts::SIGTERM);
                    kill_at = Some(Instant::now() + grace);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if give_up_at.is_some() {
                    return None;
                }
                if kill_at.is_some() {
                    signal_node(pid, signal_hook::consts::SIGKILL);
                    kill_at = None;
                    give_up_at = Some(Instant::now() + AFTER_KILL);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
}
