//! Signalling a child's whole process group, so that what a child started (a shell's
//! `sleep &`, a test runner's workers) stops with it.

use rustix::process::{Pid, Signal, kill_process_group, test_kill_process_group};
use std::process::Child;

/// The process group a child leads (it was spawned with `process_group(0)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group(Pid);

impl Group {
    /// The group led by `child`.
    pub fn of(child: &Child) -> Group {
        Group(Pid::from_child(child))
    }

    /// The group id (the leader's pid).
    pub fn id(self) -> i32 {
        self.0.as_raw_nonzero().get()
    }

    /// Whether any process (a zombie included) is still in the group.
    pub fn alive(self) -> bool {
        test_kill_process_group(self.0).is_ok()
    }

    /// Ask every member to stop. A group that has already gone is not an error.
    pub fn terminate(self) {
        let _ = kill_process_group(self.0, Signal::TERM);
    }

    /// Stop every member now.
    pub fn kill(self) {
        let _ = kill_process_group(self.0, Signal::KILL);
    }
}
