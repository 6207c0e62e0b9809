//! A running node, seen from tollgate: started through the keeper (see `keeper`), which
//! reports its exit and stops it when told — or when this handle is dropped, so a failing
//! step, an early return or a panic still stops and reaps the node. Once the node and its
//! keeper are reaped, the node's log is redacted of every known secret.

use crate::process::{Running, Spawn};
use serde::Deserialize;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How a node ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeExit {
    Code(i32),
    Signal(i32),
    /// The keeper could not see it end (it survived SIGKILL, or the keeper died).
    Unknown(String),
}

impl NodeExit {
    pub fn success(&self) -> bool {
        *self == NodeExit::Code(0)
    }
}

impl std::fmt::Display for NodeExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NodeExit::Code(c) => write!(f, "exit code {c}"),
            NodeExit::Signal(s) => match crate::process::signal_name(*s) {
                Some(name) => write!(f, "signal {name}"),
                None => write!(f, "signal {s}"),
            },
            NodeExit::Unknown(why) => write!(f, "unknown ({why})"),
        }
    }
}

#[derive(Deserialize)]
struct Report {
    event: String,
    pid: Option<u32>,
    code: Option<i32>,
    signal: Option<i32>,
    error: Option<String>,
}

/// How to start one node.
pub struct Launch<'a> {
    /// The tollgate binary (it carries the keeper subcommand).
    pub keeper: &'a Path,
    pub argv: &'a [String],
    /// Set for the node (`node.env`).
    pub env: &'a [(String, String)],
    /// Passed from tollgate's environment (the spec's `env = [...]`).
    pub pass_env: &'a [String],
    pub log: &'a Path,
    pub max_bytes: u64,
    pub grace: Duration,
}

pub struct Node {
    keeper: Running,
    orders: Option<ChildStdin>,
    reports: mpsc::Receiver<Report>,
    pub pid: u32,
    pub log: PathBuf,
    grace: Duration,
    exit: Option<NodeExit>,
    /// Set once the run has reported this node's unrequested exit, so it is reported once.
    pub exit_reported: bool,
    /// Set once the keeper is reaped and the log redacted.
    finished: bool,
}

/// How long the keeper has to report the node started.
const START_REPORT: Duration = Duration::from_secs(15);

impl Node {
    pub fn start(launch: &Launch<'_>) -> Result<Node, String> {
        // The keeper gets the allowlist, the spec's `env` names and `node.env` values, and
        // is told which of them to pass on: nothing else reaches the node.
        let mut command = Spawn::new(launch.keeper);
        command
            .arg("__smoke-keeper")
            .arg("--log")
            .arg(launch.log)
            .arg("--max-bytes")
            .arg(launch.max_bytes.to_string())
            .arg("--grace-ms")
            .arg(launch.grace.as_millis().to_string())
            .pass_env(launch.pass_env);
        for name in launch.pass_env {
            command.arg("--pass-env").arg(name);
        }
        for (name, value) in launch.env {
            command.env(name, value).arg("--pass-env").arg(name);
        }
        command.arg("--").args(launch.argv);
        let mut keeper = command
            .start(Stdio::piped(), Stdio::piped(), Stdio::inherit())
            .map_err(|e| {
                format!(
                    "cannot start the node keeper {}: {e}",
                    launch.keeper.display()
                )
            })?;
        super::signals::watch(keeper.id());
        let orders = keeper.take_stdin();
        let (tx, reports) = mpsc::channel();
        if let Some(stdout) = keeper.take_stdout() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Ok(report) = serde_json::from_str::<Report>(&line)
                        && tx.send(report).is_err()
                    {
                        break;
                    }
                }
            });
        }
        let mut node = Node {
            keeper,
            orders,
            reports,
            pid: 0,
            log: launch.log.to_path_buf(),
            grace: launch.grace,
            exit: None,
            exit_reported: false,
            finished: false,
        };
        match node.reports.recv_timeout(START_REPORT) {
            Ok(r) if r.event == "started" && r.pid.is_some() => {
                node.pid = r.pid.unwrap_or(0);
                Ok(node)
            }
            Ok(r) => Err(r
                .error
                .unwrap_or_else(|| format!("the keeper reported {:?}", r.event))),
            Err(_) => Err(format!(
                "the node keeper ({} __smoke-keeper) did not report within {}s: is it the tollgate binary?",
                launch.keeper.display(),
                START_REPORT.as_secs()
            )),
        }
    }

    /// How the node ended, if it has.
    pub fn exited(&mut self) -> Option<NodeExit> {
        self.wait_exit(Duration::ZERO)
    }

    /// Wait up to `within` for the node to end.
    pub fn wait_exit(&mut self, within: Duration) -> Option<NodeExit> {
        if self.exit.is_none() {
            let report = if within.is_zero() {
                self.reports
                    .try_recv()
                    .map_err(|e| e == mpsc::TryRecvError::Disconnected)
            } else {
                self.reports
                    .recv_timeout(within)
                    .map_err(|e| e == mpsc::RecvTimeoutError::Disconnected)
            };
            self.exit = match report {
                Ok(r) if r.event == "exited" => Some(match (r.code, r.signal) {
                    (Some(code), _) => NodeExit::Code(code),
                    (None, Some(signal)) => NodeExit::Signal(signal),
                    (None, None) => NodeExit::Unknown("no status".into()),
                }),
                Ok(r) => Some(NodeExit::Unknown(r.error.unwrap_or(r.event))),
                Err(true) => Some(NodeExit::Unknown(
                    "the keeper exited without a report".into(),
                )),
                Err(false) => None,
            };
        }
        self.exit.clone()
    }

    /// Signal the node's process group (through the keeper, which alone knows whether the
    /// node has been reaped, so a recycled pid is never signalled).
    pub fn signal(&mut self, order: &str) {
        if let Some(orders) = &mut self.orders {
            let _ = writeln!(orders, "{order}").and_then(|_| orders.flush());
        }
    }

    /// Stop the node now: SIGTERM, the grace period, SIGKILL; reap it and the keeper.
    pub fn kill(&mut self) -> Option<NodeExit> {
        if self.exited().is_none() {
            // Closing the orders pipe is the keeper's cue to stop the node.
            self.orders = None;
            self.wait_exit(self.grace + Duration::from_secs(15));
        }
        self.reap_keeper();
        self.exit.clone()
    }

    fn reap_keeper(&mut self) {
        self.orders = None;
        if self.finished {
            return;
        }
        match self.keeper.wait_timeout(Duration::from_secs(5)) {
            Ok(Some(_)) => {}
            _ => {
                let _ = self.keeper.kill();
            }
        }
        super::signals::forget(self.keeper.id());
        self.finished = true;
        // Nothing writes the log any more: redact it before anyone keeps it as evidence.
        if let Err(e) = crate::redact::file(&self.log) {
            tracing::warn!("cannot redact {}: {e}; removing it", self.log.display());
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}
