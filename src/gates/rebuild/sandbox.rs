//! Running the rebuild without network where the kernel lets an unprivileged process make
//! a private network namespace (`unshare --user --net`, util-linux). tollgate forbids
//! unsafe code, so it cannot call unshare(2) between fork and exec itself; the `unshare`
//! program does it, and whether it could is probed (and recorded) on every run.

use crate::process::{Limits, Spawn};
use std::time::Duration;

/// How the build's network was set up.
#[derive(Debug, Clone)]
pub struct Network {
    /// `unshare` arguments that put the command in a private network namespace; empty when
    /// none could be made.
    pub prefix: Vec<String>,
    /// What happened, for the evidence.
    pub description: String,
}

impl Network {
    pub fn isolated(&self) -> bool {
        !self.prefix.is_empty()
    }

    /// The command to start: `unshare … -- command…` when isolated.
    pub fn wrap(&self, command: &[String]) -> Spawn {
        if self.prefix.is_empty() {
            let mut spawn = Spawn::new(&command[0]);
            spawn.args(&command[1..]);
            spawn
        } else {
            let mut spawn = Spawn::new("unshare");
            spawn.args(&self.prefix).arg("--").args(command);
            spawn
        }
    }
}

/// The ways tried, in order: keep the caller's uid inside the namespace, else map it to
/// root (older util-linux has no --map-current-user).
const ATTEMPTS: &[&[&str]] = &[
    &["--user", "--map-current-user", "--net"],
    &["--user", "--map-root-user", "--net"],
];

/// Find a way to run without network, or say why there is none.
pub fn probe() -> Network {
    let limits = Limits {
        timeout: Duration::from_secs(10),
        grace: Duration::from_secs(1),
        stdout_cap: 4 << 10,
        stderr_cap: 4 << 10,
    };
    let mut why = Vec::new();
    for attempt in ATTEMPTS {
        let mut spawn = Spawn::new("unshare");
        spawn.args(*attempt).args(["--", "true"]);
        match spawn.run(Vec::new(), &limits) {
            Ok(done) if done.status.success() && !done.timed_out => {
                return Network {
                    prefix: attempt.iter().map(|s| (*s).to_owned()).collect(),
                    description: format!(
                        "isolated: the build ran in a private network namespace (`unshare {}`): no network at all",
                        attempt.join(" ")
                    ),
                };
            }
            Ok(done) => why.push(format!(
                "`unshare {}` failed ({}): {}",
                attempt.join(" "),
                done.status,
                String::from_utf8_lossy(&done.stderr.bytes).trim()
            )),
            Err(e) => {
                why.push(format!("cannot run `unshare`: {e}"));
                break;
            }
        }
    }
    Network {
        prefix: Vec::new(),
        description: format!(
            "not isolated: the build had the host's network ({})",
            why.join("; ")
        ),
    }
}
