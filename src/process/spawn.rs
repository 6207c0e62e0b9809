//! `Spawn`: the one way tollgate starts a child process (plugins, the smoke keeper and node,
//! smoke command steps, cargo, cargo-audit, rustc). Every child starts with a cleared
//! environment plus an allowlist, leads its own process group, and is bounded by the
//! deadline of the gate it runs for (see `Budget`); its output is captured with caps and
//! redacted (`run`), or it is handed back as a `Running` child that is reaped and counted.

use super::budget::{Alive, Budget};
use super::group::Group;
use super::{Finished, Limits};
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

/// Variables every child gets from tollgate's environment when they are set, besides
/// every `LC_*`: what a program needs to find programs and files and to speak the locale.
pub const BASE_ENV: &[&str] = &["PATH", "HOME", "LANG", "TZ", "TMPDIR"];

/// What cargo and rustc need to find the toolchain that tollgate's caller selected (rustup's
/// proxies read them). They name directories and a toolchain, never a secret; only the
/// cargo and rustc children get them (`Spawn::toolchain`).
pub const TOOLCHAIN_ENV: &[&str] = &["CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"];

/// Whether `name` is passed to every child.
pub fn in_base(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    BASE_ENV.contains(&name) || name.starts_with("LC_")
}

/// Variables no `env = [...]` may pass: tollgate's own signing secret.
const NEVER_PASSED: &[&str] = &["TOLLGATE_KEY_PASSWORD"];

/// Check a name for `env = [...]`: a portable variable name (letters, digits, `_`, not
/// starting with a digit), so a typo cannot pass something unintended.
pub fn check_env_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid && NEVER_PASSED.contains(&name) {
        Err(format!(
            "{name} is tollgate's own signing-key password: it never reaches a child process, \
             whatever the policy says (a child that could read it could sign its own verdict)"
        ))
    } else if valid {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an environment variable name (letters, digits and `_`, not starting with a digit)"
        ))
    }
}

/// A child process being prepared.
#[derive(Debug)]
pub struct Spawn {
    command: Command,
}

impl Spawn {
    /// `program` (a path, or a name looked up on the allowlisted PATH) with the base
    /// environment only.
    pub fn new(program: impl AsRef<OsStr>) -> Spawn {
        let mut command = Command::new(program);
        command.env_clear();
        for (name, value) in std::env::vars_os() {
            if in_base(&name) {
                command.env(name, value);
            }
        }
        Spawn { command }
    }

    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Spawn {
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Spawn
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Spawn {
        self.command.current_dir(dir);
        self
    }

    /// Also pass these variables from tollgate's environment, when set: the names a plugin
    /// table or smoke spec lists in `env = [...]`, written by the policy's author.
    pub fn pass_env<I, S>(&mut self, names: I) -> &mut Spawn
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for name in names {
            if let Some(value) = std::env::var_os(name.as_ref()) {
                self.command.env(name.as_ref(), value);
            }
        }
        self
    }

    /// Pass the toolchain variables (`TOOLCHAIN_ENV`): for cargo and rustc only.
    pub fn toolchain(&mut self) -> &mut Spawn {
        self.pass_env(TOOLCHAIN_ENV)
    }

    /// Set a variable to a value written in the configuration (a smoke spec's `node.env`).
    pub fn env(&mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Spawn {
        self.command.env(name, value);
        self
    }

    /// The variables the child will get, for tests and messages.
    pub fn environment(&self) -> Vec<(OsString, OsString)> {
        self.command
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
            .collect()
    }

    /// The program, for messages.
    pub fn program(&self) -> &OsStr {
        self.command.get_program()
    }

    /// Run to the end with `stdin` as input, within `limits` and the entered gate budget:
    /// stdout and stderr are captured (capped, redacted), the whole process group is stopped
    /// on timeout, and the child is always reaped. See `process::run_command`.
    pub fn run(self, stdin: Vec<u8>, limits: &Limits) -> io::Result<Finished> {
        let mut limits = *limits;
        if let Some(budget) = Budget::current() {
            limits.timeout = limits.timeout.min(budget_left(&budget)?);
        }
        super::run_command(self.command, stdin, &limits)
    }

    /// Start a long-lived child in its own process group with these pipes. It counts as a
    /// child of the entered gate budget (told to stop when the budget expires) until it is
    /// reaped; dropping the handle kills its group and reaps it.
    pub fn start(mut self, stdin: Stdio, stdout: Stdio, stderr: Stdio) -> io::Result<Running> {
        let budget = Budget::current();
        if let Some(budget) = &budget {
            budget_left(budget)?;
        }
        let alive = Alive::new();
        let child = self
            .command
            .stdin(stdin)
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()?;
        let group = Group::of(&child);
        if let Some(budget) = &budget {
            budget.track(group);
        }
        Ok(Running {
            child,
            group,
            budget,
            alive: Some(alive),
        })
    }
}

/// The budget's remaining time; an error once it has run out (no child starts then).
fn budget_left(budget: &Budget) -> io::Result<Duration> {
    let left = budget.remaining();
    if left.is_zero() {
        return Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the gate's deadline ({}) has passed; no new process is started",
                humantime::format_duration(budget.timeout())
            ),
        ));
    }
    Ok(left)
}

/// A long-lived child started by `Spawn::start`.
#[derive(Debug)]
pub struct Running {
    child: Child,
    group: Group,
    budget: Option<Budget>,
    /// `Some` until the child is reaped.
    alive: Option<Alive>,
}

impl Running {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.child.stdin.take()
    }

    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    pub fn take_stderr(&mut self) -> Option<std::process::ChildStderr> {
        self.child.stderr.take()
    }

    /// Wait up to `within` for the child to exit; reaped when `Some`.
    pub fn wait_timeout(&mut self, within: Duration) -> io::Result<Option<ExitStatus>> {
        let status = self.child.wait_timeout(within)?;
        if status.is_some() {
            self.reaped();
        }
        Ok(status)
    }

    /// Wait for the child to exit, and reap it.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        let status = self.child.wait()?;
        self.reaped();
        Ok(status)
    }

    /// SIGKILL the child's whole process group and reap the child.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        if self.alive.is_some() {
            self.group.kill();
        }
        self.wait()
    }

    fn reaped(&mut self) {
        if let Some(budget) = self.budget.take() {
            budget.untrack(self.group);
        }
        self.alive = None;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.alive.is_some() {
            let _ = self.kill();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn limits(timeout: Duration) -> Limits {
        Limits {
            timeout,
            grace: Duration::from_millis(500),
            stdout_cap: 1 << 20,
            stderr_cap: 1 << 16,
        }
    }

    /// What `env` prints for a child of `spawn`: one NAME=value per line.
    fn dumped(spawn: Spawn) -> Vec<String> {
        let done = spawn
            .run(Vec::new(), &limits(Duration::from_secs(30)))
            .unwrap();
        assert!(done.status.success());
        String::from_utf8(done.stdout.bytes)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn names(lines: &[String]) -> Vec<&str> {
        lines
            .iter()
            .filter_map(|l| l.split_once('=').map(|(n, _)| n))
            .collect()
    }

    #[test]
    fn env_names_are_checked() {
        for ok in ["GITHUB_TOKEN", "_X", "lower_case1"] {
            check_env_name(ok).unwrap();
        }
        for bad in ["", "1X", "A-B", "A=B", "A B"] {
            assert!(check_env_name(bad).is_err(), "{bad:?}");
        }
        let refused = check_env_name("TOLLGATE_KEY_PASSWORD").unwrap_err();
        assert!(refused.contains("never reaches a child"), "{refused}");
    }

    #[test]
    fn only_the_allowlist_reaches_a_child() {
        // The test process has a PATH and a HOME; nothing else may pass (cargo's own
        // CARGO_* variables, which the test harness sets, are the canary).
        assert!(
            std::env::var_os("CARGO_PKG_NAME").is_some() || std::env::var_os("CARGO").is_some()
        );
        let mut spawn = Spawn::new("env");
        spawn.env("SET_BY_SPEC", "1");
        let lines = dumped(spawn);
        for name in names(&lines) {
            assert!(
                in_base(OsStr::new(name)) || name == "SET_BY_SPEC",
                "{name} reached the child: {lines:?}"
            );
        }
        assert!(names(&lines).contains(&"PATH"), "{lines:?}");
        assert!(lines.contains(&"SET_BY_SPEC=1".to_owned()));
    }

    #[test]
    fn named_variables_pass_only_when_asked_for() {
        // PATH is always set; ask for it under a name that is not in the base set by
        // checking `pass_env` of a variable the test harness sets.
        let name = if std::env::var_os("CARGO_PKG_NAME").is_some() {
            "CARGO_PKG_NAME"
        } else {
            "CARGO"
        };
        let without = dumped(Spawn::new("env"));
        assert!(!names(&without).contains(&name));
        let mut with = Spawn::new("env");
        with.pass_env([name, "TOLLGATE_NOT_SET_ANYWHERE"]);
        let with = dumped(with);
        assert!(names(&with).contains(&name), "{with:?}");
        assert!(!names(&with).contains(&"TOLLGATE_NOT_SET_ANYWHERE"));
    }

    #[test]
    fn a_child_never_outlives_the_entered_budget() {
        let budget = Budget::new(Duration::from_millis(300));
        let started = Instant::now();
        let done = budget
            .enter(|| {
                let mut sleep = Spawn::new("sleep");
                sleep.arg("30");
                sleep.run(Vec::new(), &limits(Duration::from_secs(60)))
            })
            .unwrap();
        assert!(done.timed_out);
        assert!(started.elapsed() < Duration::from_secs(20));
        // Past the deadline nothing starts.
        budget.expire();
        let error = budget
            .enter(|| Spawn::new("true").run(Vec::new(), &limits(Duration::from_secs(5))))
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(error.to_string().contains("deadline"), "{error}");
    }

    #[test]
    fn expiry_stops_a_long_lived_child_and_quiescence_waits_for_its_reaping() {
        let budget = Budget::new(Duration::from_secs(60));
        let mut child = budget
            .enter(|| {
                let mut sleep = Spawn::new("sleep");
                sleep.arg("300");
                sleep.start(Stdio::null(), Stdio::null(), Stdio::null())
            })
            .unwrap();
        assert!(super::super::quiescent().is_err());
        budget.expire();
        let status = child.wait_timeout(Duration::from_secs(20)).unwrap();
        assert!(
            status.is_some_and(|s| !s.success()),
            "SIGTERM did not stop it"
        );
        drop(child);
        // Other tests run children concurrently: wait for them rather than assume.
        let deadline = Instant::now() + Duration::from_secs(60);
        while super::super::quiescent().is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(super::super::quiescent().is_ok());
    }
}
