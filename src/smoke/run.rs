//! One smoke run: start, probe, steps, restart and checks, stop. Each problem is recorded
//! and the run stops at the first failing step (later steps build on earlier ones), but the
//! node is always stopped and reaped. `Err` means the run could not start at all.

use super::client::Client;
use super::node::{Launch, Node, NodeExit};
use super::problem::{At, Problem};
use super::spec::{Spec, StopMethod, StopSignal};
use super::template::{self, Vars};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where a run writes and what it may use.
pub struct RunContext<'a> {
    /// The directory for the node logs (created when missing).
    pub out: &'a Path,
    /// The release directory, for `{release}`.
    pub release: &'a Path,
    /// The tollgate binary, which carries the keeper.
    pub keeper: &'a Path,
}

/// What a run found, and the logs it kept.
#[derive(Debug, Default)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub logs: Vec<PathBuf>,
    /// How many steps and checks passed.
    pub steps_passed: u64,
    pub starts: u64,
}

/// How much of the log a finding quotes.
pub(super) const TAIL: usize = 1500;

pub fn run(spec: &Spec, cx: &RunContext<'_>) -> Result<Report, String> {
    std::fs::create_dir_all(cx.out)
        .map_err(|e| format!("cannot create {}: {e}", cx.out.display()))?;
    let datadir = tempfile::Builder::new()
        .prefix("tollgate-smoke-")
        .tempdir()
        .map_err(|e| format!("cannot create the node's data directory: {e}"))?;
    let (rpc_port, p2p_port) = free_ports()?;
    let mut vars = Vars::new();
    vars.insert("datadir".into(), Value::from(absolute(datadir.path())));
    vars.insert("rpc_port".into(), Value::from(rpc_port));
    vars.insert("p2p_port".into(), Value::from(p2p_port));
    vars.insert("release".into(), Value::from(absolute(cx.release)));
    let mut runner = Runner {
        spec,
        cx,
        client: Client::new()?,
        vars,
        report: Report::default(),
    };
    let outcome = runner.scenario();
    if super::signals::interrupted() {
        super::signals::park();
        return Err("interrupted by a signal while the node ran".into());
    }
    outcome?;
    Ok(runner.report)
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Two distinct free loopback ports: bind port 0, read the port, release it. Both
/// listeners are held at once, so the ports differ.
fn free_ports() -> Result<(u16, u16), String> {
    let listen = || {
        std::net::TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| format!("cannot find a free loopback port: {e}"))
    };
    let (a, b) = (listen()?, listen()?);
    let port =
        |l: &std::net::TcpListener| l.local_addr().map(|a| a.port()).map_err(|e| e.to_string());
    Ok((port(&a)?, port(&b)?))
}

pub(super) struct Runner<'a> {
    pub(super) spec: &'a Spec,
    pub(super) cx: &'a RunContext<'a>,
    pub(super) client: Client,
    pub(super) vars: Vars,
    pub(super) report: Report,
}

pub(super) fn at(step: &str, line: Option<usize>) -> At {
    At {
        step: step.to_owned(),
        line,
    }
}

impl Runner<'_> {
    fn scenario(&mut self) -> Result<(), String> {
        let mut node = self.start(&[])?;
        if !self.ready(&mut node, "ready") {
            return Ok(());
        }
        let steps = &self.spec.steps;
        for step in steps {
            let mut vars = std::mem::take(&mut self.vars);
            let ok = self.step(&mut node, step, &mut vars);
            self.vars = vars;
            if !ok {
                self.stop(&mut node, "stop");
                return Ok(());
            }
        }
        let Some(restart) = &self.spec.restart else {
            self.stop(&mut node, "stop");
            return Ok(());
        };
        if !self.stop(&mut node, "restart") {
            return Ok(());
        }
        drop(node);
        let extra: Vec<String> = restart
            .extra_args
            .iter()
            .map(|a| template::render(a, &self.vars))
            .collect::<Result<_, _>>()?;
        let mut node = self.start(&extra)?;
        if !self.ready(&mut node, "ready after restart") {
            return Ok(());
        }
        // Earlier values stay visible (a check may wait for `{height}`); validation made sure
        // the checks capture every `unchanged` name afresh, and a failed capture ends the run.
        let mut after = self.vars.clone();
        for check in &restart.checks {
            if !self.step(&mut node, check, &mut after) {
                self.stop(&mut node, "stop");
                return Ok(());
            }
        }
        for name in &restart.unchanged {
            let (before, now) = (self.vars.get(name), after.get(name));
            if let (Some(before), Some(now)) = (before, now)
                && before != now
            {
                self.report.problems.push(Problem::Changed {
                    name: name.clone(),
                    before: before.clone(),
                    after: now.clone(),
                });
            }
        }
        self.stop(&mut node, "stop");
        Ok(())
    }

    fn start(&mut self, extra: &[String]) -> Result<Node, String> {
        self.report.starts += 1;
        let log = self.cx.out.join(format!("node-{}.log", self.report.starts));
        let mut argv: Vec<String> = self
            .spec
            .node
            .command
            .iter()
            .map(|a| template::render(a, &self.vars))
            .collect::<Result<_, _>>()?;
        argv.extend_from_slice(extra);
        let env: Vec<(String, String)> = self
            .spec
            .node
            .env
            .iter()
            .map(|(k, v)| Ok((k.clone(), template::render(v, &self.vars)?)))
            .collect::<Result<_, String>>()?;
        self.report.logs.push(log.clone());
        tracing::info!("smoke: starting {}", argv.join(" "));
        Node::start(&Launch {
            keeper: self.cx.keeper,
            argv: &argv,
            env: &env,
            pass_env: &self.spec.env,
            log: &log,
            max_bytes: self.spec.node.log_max_bytes,
            grace: self.spec.stop.grace,
        })
    }

    /// If the node has ended, record it (it was not asked to) and return true.
    pub(super) fn ended(
        &mut self,
        node: &mut Node,
        step: &str,
        line: Option<usize>,
        within: Duration,
    ) -> bool {
        let Some(exit) = node.wait_exit(within) else {
            return false;
        };
        if std::mem::replace(&mut node.exit_reported, true) {
            return true;
        }
        self.report.problems.push(Problem::ExitedEarly {
            at: at(step, line),
            exit: exit.to_string(),
            log: node.log.clone(),
            tail: super::logcap::tail(&node.log, TAIL),
        });
        true
    }

    /// Stop the node the spec's way and wait for it; kill it past the deadline. True when it
    /// stopped cleanly in time.
    fn stop(&mut self, node: &mut Node, phase: &str) -> bool {
        if self.ended(node, phase, None, Duration::ZERO) {
            node.kill();
            return false;
        }
        let stop = &self.spec.stop;
        // One deadline for the stop request and the exit together.
        let deadline = Instant::now() + stop.deadline;
        let mut request_error = None;
        let signal = match &stop.method {
            StopMethod::Signal(StopSignal::Term) => Some(("term", 15)),
            StopMethod::Signal(StopSignal::Int) => Some(("int", 2)),
            StopMethod::Request(_) => None,
        };
        match (&stop.method, signal) {
            (_, Some((order, _))) => node.signal(order),
            (StopMethod::Request(request), None) => {
                // A node may drop the connection as it stops: what counts is that it exits.
                if let Err(e) = self.request(request, &self.vars, stop.deadline) {
                    tracing::debug!("smoke: stop request: {e}");
                    request_error = Some(e);
                }
            }
            (StopMethod::Signal(_), None) => {}
        }
        let ok = match node.wait_exit(deadline.saturating_duration_since(Instant::now())) {
            None => {
                self.report.problems.push(Problem::StopTimeout {
                    at: at(phase, None),
                    waited: stop.deadline,
                    request_error,
                });
                false
            }
            // Ended by the very signal it was sent: a node without a handler does that.
            Some(NodeExit::Signal(s)) if signal.is_some_and(|(_, sent)| sent == s) => true,
            Some(exit) if !exit.success() => {
                self.report.problems.push(Problem::UncleanStop {
                    at: at(phase, None),
                    exit: exit.to_string(),
                    tail: super::logcap::tail(&node.log, TAIL),
                });
                false
            }
            Some(_) => true,
        };
        node.kill();
        ok
    }
}
