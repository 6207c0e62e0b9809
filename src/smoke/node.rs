//! A running node, seen from tollgate: started through the keeper (see `keeper`), which
//! reports its exit and stops it when told — or when this handle is dropped, so a failing
//! step, an early return or a panic still stops and reaps the node.

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use serde::Deserialize;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use wait_timeout::ChildExt;

/// Send `signal` to the process group led by `pid`.
pub fn kill_group(pid: u32, signal: Signal) -> nix::Result<()> {
    let pid = i32::try_from(pid).map_err(|_| nix::errno::Errno::EINVAL)?;
    nix::sys::signal::killpg(Pid::from_raw(pid), signal)
}

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
            NodeExit::Signal(s) => match Signal::try_from(*s) {
                Ok(sig) => write!(f, "signal {}", sig.as_str()),
                Err(_) => write!(f, "signal {s}"),
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
    pub env: &'a [(String, String)],
    pub log: &'a Path,
    pub max_bytes: u64,
    pub grace: Duration,
}

pub struct Node {
    keeper: Child,
    orders: Option<ChildStdin>,
    reports: mpsc::Receiver<Report>,
    pub pid: u32,
    pub log: PathBuf,
    grace: Duration,
    exit: Option<NodeExit>,
    /// Set once the run has reported this node's unrequested exit, so it is reported once.
    pub exit_reported: bool,
}

/// How long the keeper has to report the node started.
const START_REPORT: Duration = Duration::from_secs(15);

impl Node {
    pub fn start(launch: &Launch<'_>) -> Result<Node, String> {
        let mut keeper = Command::new(launch.keeper)
            .arg("__smoke-keeper")
            .arg("--log")
            .arg(launch.log)
            .arg("--max-bytes")
            .arg(launch.max_bytes.to_string())
            .arg("--grace-ms")
            .arg(launch.grace.as_millis().to_string())
            .arg("--")
            .args(launch.argv)
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start the node keeper {}: {e}",
                    launch.keeper.display()
                )
            })?;
        super::signals::watch(keeper.id());
        let orders = keeper.stdin.take();
        let (tx, reports) = mpsc::channel();
        if let Some(stdout) = keeper.stdout.take() {
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
        match self.keeper.wait_timeout(Duration::from_secs(5)) {
            Ok(Some(_)) => {}
            _ => {
                let _ = self.keeper.kill();
                let _ = self.keeper.wait();
            }
        }
        super::signals::forget(self.keeper.id());
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}
