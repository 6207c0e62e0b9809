//! A smoke spec: how to start a node, when it is ready, what it must answer, how it must
//! survive a restart, and how to stop it. `load` reads a TOML file and validates it; the
//! runner only ever sees these validated types.

mod raw;
mod steps;
mod validate;

#[cfg(test)]
mod tests;

pub use validate::{BUILTIN_VARS, load, parse};

use super::assertion::Assertion;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// A validated smoke spec.
#[derive(Debug, Clone)]
pub struct Spec {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    /// Names passed from tollgate's environment to the node and to command steps (`env =
    /// [...]`); they get nothing else but PATH, HOME, LANG, LC_*, TZ and TMPDIR.
    pub env: Vec<String>,
    pub node: NodeSpec,
    pub rpc: Option<RpcEndpoint>,
    pub ready: Probe,
    pub steps: Vec<Step>,
    pub restart: Option<Restart>,
    pub stop: Stop,
}

/// The node process. Every string may hold placeholders.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub command: Vec<String>,
    /// Variables set to these values for the node (`node.env`).
    pub env: Vec<(String, String)>,
    /// Each start's stdout+stderr log is cut off after this many bytes.
    pub log_max_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcVersion {
    V1,
    V2,
}

/// Where `rpc` steps go.
#[derive(Debug, Clone)]
pub struct RpcEndpoint {
    pub url: String,
    pub version: RpcVersion,
    pub auth: Option<Auth>,
}

/// HTTP basic auth; the password is written in the spec or read from the environment.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: String,
    pub password: Password,
}

#[derive(Debug, Clone)]
pub enum Password {
    Literal(String),
    Env(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

/// What a step sends.
#[derive(Debug, Clone)]
pub enum Request {
    Http {
        method: HttpMethod,
        url: String,
        json: Option<Value>,
        /// The expected status; `None` accepts any 2xx.
        status: Option<u16>,
    },
    Rpc {
        method: String,
        /// A JSON array (positional) or object (named), or none.
        params: Option<Value>,
    },
    Command {
        argv: Vec<String>,
    },
}

/// The readiness probe, repeated until it answers and its assertions hold.
#[derive(Debug, Clone)]
pub struct Probe {
    pub request: Request,
    pub expect: Vec<Assertion>,
    pub deadline: Duration,
    pub interval: Duration,
    pub timeout: Duration,
}

/// Repeat a step until these hold.
#[derive(Debug, Clone)]
pub struct Until {
    pub assertions: Vec<Assertion>,
    pub timeout: Duration,
    pub interval: Duration,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    /// The step's line in the spec, for findings.
    pub line: usize,
    pub request: Request,
    pub expect: Vec<Assertion>,
    pub until: Option<Until>,
    /// Each request's own timeout.
    pub timeout: Duration,
    pub capture: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Restart {
    pub extra_args: Vec<String>,
    pub checks: Vec<Step>,
    /// Names captured both before the restart and by `checks` that must be equal.
    pub unchanged: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    Term,
    Int,
}

#[derive(Debug, Clone)]
pub enum StopMethod {
    Signal(StopSignal),
    Request(Request),
}

/// How the node is stopped (before a restart and at the end).
#[derive(Debug, Clone)]
pub struct Stop {
    pub method: StopMethod,
    /// How long the node has to exit after the stop method.
    pub deadline: Duration,
    /// After `deadline`, or on any abort: SIGTERM, this long, then SIGKILL.
    pub grace: Duration,
}
