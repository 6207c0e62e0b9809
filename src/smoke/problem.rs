//! What a smoke run can find wrong. The smoke gate turns each into a finding with a
//! stable code.

use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// Where in the spec a problem arose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    /// The step's name, or `ready`, `stop`, `restart`.
    pub step: String,
    /// The line in the spec, when the problem belongs to a step.
    pub line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The readiness probe never held within its deadline.
    NotReady {
        at: At,
        waited: Duration,
        last: String,
    },
    /// A request failed: connection, HTTP status, JSON-RPC error, command exit, capture.
    StepFailed { at: At, error: String },
    /// A response did not satisfy an `expect` assertion.
    AssertionFailed {
        at: At,
        assertion: String,
        got: String,
    },
    /// `until` assertions did not all hold before the step's timeout.
    WaitTimeout {
        at: At,
        waited: Duration,
        assertion: String,
        got: String,
    },
    /// A value named in `unchanged` differs after the restart.
    Changed {
        name: String,
        before: Value,
        after: Value,
    },
    /// The node ended without being asked to.
    ExitedEarly {
        at: At,
        exit: String,
        log: PathBuf,
        tail: String,
    },
    /// The node did not exit within the stop deadline (it was then killed).
    StopTimeout {
        at: At,
        waited: Duration,
        /// Why the stop request failed, when the stop method is a request.
        request_error: Option<String>,
    },
    /// The node exited with a failure status after a graceful stop.
    UncleanStop { at: At, exit: String, tail: String },
}
