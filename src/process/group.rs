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

    /// The group with this id (a leader's pid); `None` for an id that cannot be one.
    pub fn from_id(id: i32) -> Option<Group> {
        Pid::from_raw(id).map(Group)
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

    /// Send `signal` (a number, as in `kill -s`) to every member.
    pub fn signal(self, signal: i32) -> std::io::Result<()> {
        let signal = Signal::from_named_raw(signal)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a signal"))?;
        kill_process_group(self.0, signal).map_err(std::io::Error::from)
    }
}

/// Send `signal` (a number) to the single process `pid`.
pub fn signal_process(pid: u32, signal: i32) -> std::io::Result<()> {
    let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a pid or signal");
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(invalid)?;
    let signal = Signal::from_named_raw(signal).ok_or_else(invalid)?;
    rustix::process::kill_process(pid, signal).map_err(std::io::Error::from)
}

/// Whether the child `pid` of this process has ended (reaping it if so); an unknown pid
/// (already reaped elsewhere) counts as ended.
pub fn reaped(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return true;
    };
    match rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG) {
        Ok(Some((_, status))) => status.exited() || status.signaled(),
        Ok(None) => false,
        Err(_) => true,
    }
}

/// The conventional name of a signal number ("SIGTERM"), for messages.
pub fn signal_name(signal: i32) -> Option<&'static str> {
    const NAMES: &[(Signal, &str)] = &[
        (Signal::HUP, "SIGHUP"),
        (Signal::INT, "SIGINT"),
        (Signal::QUIT, "SIGQUIT"),
        (Signal::ILL, "SIGILL"),
        (Signal::TRAP, "SIGTRAP"),
        (Signal::ABORT, "SIGABRT"),
        (Signal::BUS, "SIGBUS"),
        (Signal::FPE, "SIGFPE"),
        (Signal::KILL, "SIGKILL"),
        (Signal::USR1, "SIGUSR1"),
        (Signal::SEGV, "SIGSEGV"),
        (Signal::USR2, "SIGUSR2"),
        (Signal::PIPE, "SIGPIPE"),
        (Signal::ALARM, "SIGALRM"),
        (Signal::TERM, "SIGTERM"),
    ];
    NAMES
        .iter()
        .find(|(s, _)| s.as_raw() == signal)
        .map(|(_, name)| *name)
}
