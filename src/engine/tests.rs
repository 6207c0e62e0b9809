//! The engine with scripted gates: every gate runs, errors and panics block, gates overlap.

use super::*;
use crate::gates::GateResult;
use crate::report::{Finding, Outcome};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

enum Behaviour {
    Pass,
    Fail(&'static str),
    Error,
    Panic,
}

struct Scripted {
    name: &'static str,
    required: bool,
    behaviour: Behaviour,
}

impl Gate for Scripted {
    fn name(&self) -> &'static str {
        self.name
    }
    fn required(&self) -> bool {
        self.required
    }
    fn evaluate(&self, _ctx: &GateContext<'_>) -> Result<GateResult, String> {
        match self.behaviour {
            Behaviour::Pass => Ok(GateResult::default()),
            Behaviour::Fail(code) => Ok(GateResult {
                findings: vec![Finding::error(code, "bad").subject("node.tar.gz")],
                ..GateResult::default()
            }),
            Behaviour::Error => Err("cannot read the evidence".into()),
            Behaviour::Panic => panic!("gate bug"),
        }
    }
}

fn gate(name: &'static str, required: bool, behaviour: Behaviour) -> Box<dyn Gate> {
    Box::new(Scripted {
        name,
        required,
        behaviour,
    })
}

fn release_with_file() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("node.tar.gz"), b"artifact").unwrap();
    std::fs::write(dir.path().join("node.tar.gz.minisig"), b"sig").unwrap();
    dir
}

fn run(policy_text: &str, gates: &[Box<dyn Gate>]) -> Evaluation {
    let release = release_with_file();
    let policy = crate::policy::parse(&release.path().join("p.toml"), policy_text).unwrap();
    let inputs = Inputs {
        policy: &policy,
        release: release.path(),
        repo: release.path(),
        out: release.path(),
        now: time::macros::datetime!(2026-11-21 12:00 UTC),
        store: None,
    };
    evaluate(&inputs, gates)
}

const POLICY: &str = "environment = \"regtest\"\n";

#[test]
fn every_gate_runs_even_after_a_failure() {
    let eval = run(
        POLICY,
        &[
            gate("a", true, Behaviour::Fail("a.bad")),
            gate("b", true, Behaviour::Pass),
        ],
    );
    assert_eq!(eval.reports.len(), 2);
    assert_eq!(eval.reports[0].outcome, Outcome::Fail);
    assert_eq!(eval.reports[1].outcome, Outcome::Pass);
    assert_eq!(eval.decision, Decision::Block);
}

#[test]
fn a_panicking_gate_blocks_with_its_message() {
    let eval = run(
        POLICY,
        &[
            gate("boom", true, Behaviour::Panic),
            gate("ok", true, Behaviour::Pass),
        ],
    );
    assert_eq!(eval.reports[0].outcome, Outcome::Error);
    assert!(
        eval.reports[0]
            .error
            .as_deref()
            .unwrap()
            .contains("gate bug")
    );
    assert_eq!(eval.decision, Decision::Block);
}

#[test]
fn an_erroring_gate_blocks() {
    let eval = run(POLICY, &[gate("e", true, Behaviour::Error)]);
    assert_eq!(eval.decision, Decision::Block);
    assert!(
        eval.reasons[0].contains("could not evaluate"),
        "{:?}",
        eval.reasons
    );
}

#[test]
fn advisory_gates_alone_block_and_never_block_otherwise() {
    assert_eq!(
        run(POLICY, &[gate("a", false, Behaviour::Pass)]).decision,
        Decision::Block
    );
    let eval = run(
        POLICY,
        &[
            gate("a", false, Behaviour::Error),
            gate("r", true, Behaviour::Pass),
        ],
    );
    assert_eq!(eval.decision, Decision::Promote);
    assert!(!eval.reports[0].required);
}

#[test]
fn no_gates_blocks() {
    let eval = run(POLICY, &[]);
    assert_eq!(eval.decision, Decision::Block);
    assert!(eval.reasons[0].contains("no gates"));
}

#[test]
fn subjects_fall_back_to_the_release_listing() {
    let eval = run(POLICY, &[gate("r", true, Behaviour::Pass)]);
    let names: Vec<_> = eval.subjects.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["node.tar.gz"]);
    assert_eq!(
        eval.subjects[0].sha256,
        crate::digest::sha256_hex(b"artifact")
    );
}

/// Issue 10: the listing fallback never reads a special file or a symlink leaving the
/// release (it used to hash `/dev/zero` forever); they block as subject errors.
#[cfg(unix)]
#[test]
fn subjects_from_the_listing_never_read_special_files() {
    let release = release_with_file();
    std::os::unix::fs::symlink("/dev/zero", release.path().join("zero")).unwrap();
    let policy = crate::policy::parse(&release.path().join("p.toml"), POLICY).unwrap();
    let inputs = Inputs {
        policy: &policy,
        release: release.path(),
        repo: release.path(),
        out: release.path(),
        now: time::macros::datetime!(2026-11-21 12:00 UTC),
        store: None,
    };
    let eval = evaluate(&inputs, &[gate("r", true, Behaviour::Pass)]);
    assert_eq!(eval.decision, Decision::Block);
    assert_eq!(eval.subject_errors.len(), 1, "{:?}", eval.subject_errors);
    assert!(
        eval.subject_errors[0].contains("zero cannot be used: a symlink on the way points outside"),
        "{:?}",
        eval.subject_errors
    );
}

#[test]
fn live_waiver_lets_a_failing_gate_promote() {
    let policy = "environment = \"regtest\"\n[[waivers]]\ngate = \"signatures\"\ncode = \"sig.signature-missing\"\nid = \"node.tar.gz\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n";
    let eval = run(
        policy,
        &[gate(
            "signatures",
            true,
            Behaviour::Fail("sig.signature-missing"),
        )],
    );
    assert_eq!(eval.reports[0].outcome, Outcome::Waived);
    assert_eq!(eval.decision, Decision::Promote);
    assert_eq!(eval.waivers.applied.len(), 1);
    let expired = policy.replace("2026-12-31", "2026-11-20");
    let eval = run(
        &expired,
        &[gate(
            "signatures",
            true,
            Behaviour::Fail("sig.signature-missing"),
        )],
    );
    assert_eq!(eval.decision, Decision::Block);
    assert_eq!(eval.waivers.expired.len(), 1);
}

/// Two gates that each wait for the other: they only finish if they run at the same time.
struct Rendezvous {
    name: &'static str,
    send: Mutex<Sender<()>>,
    recv: Mutex<Receiver<()>>,
}

impl Gate for Rendezvous {
    fn name(&self) -> &'static str {
        self.name
    }
    fn required(&self) -> bool {
        true
    }
    fn evaluate(&self, _ctx: &GateContext<'_>) -> Result<GateResult, String> {
        self.send
            .lock()
            .unwrap()
            .send(())
            .map_err(|e| e.to_string())?;
        self.recv
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "the other gate never ran alongside".to_owned())?;
        Ok(GateResult::default())
    }
}

#[test]
fn gates_run_concurrently() {
    let (to_b, from_a) = channel();
    let (to_a, from_b) = channel();
    let gates: Vec<Box<dyn Gate>> = vec![
        Box::new(Rendezvous {
            name: "a",
            send: Mutex::new(to_b),
            recv: Mutex::new(from_b),
        }),
        Box::new(Rendezvous {
            name: "b",
            send: Mutex::new(to_a),
            recv: Mutex::new(from_a),
        }),
    ];
    let eval = run(POLICY, &gates);
    assert_eq!(eval.decision, Decision::Promote, "{:?}", eval.reasons);
}

/// A gate that starts a child which would run for minutes (a process group: `sh` and its
/// `sleep`), with a deadline of `timeout`.
struct Slow {
    timeout: Duration,
    pidfile: std::path::PathBuf,
}

impl Gate for Slow {
    fn name(&self) -> &'static str {
        "slow"
    }
    fn required(&self) -> bool {
        true
    }
    fn timeout(&self) -> Duration {
        self.timeout
    }
    fn evaluate(&self, _ctx: &GateContext<'_>) -> Result<GateResult, String> {
        let mut sh = crate::process::Spawn::new("sh");
        sh.arg("-c").arg(format!(
            "sleep 300 & echo $! > '{}'; wait",
            self.pidfile.display()
        ));
        let limits = crate::process::Limits {
            timeout: Duration::from_secs(600),
            grace: Duration::from_millis(500),
            stdout_cap: 1024,
            stderr_cap: 1024,
        };
        let done = sh.run(Vec::new(), &limits).map_err(|e| e.to_string())?;
        Err(format!("the child ended: timed out = {}", done.timed_out))
    }
}

#[test]
fn a_gate_past_its_deadline_is_an_error_and_its_child_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("sleep.pid");
    let started = Instant::now();
    let evaluation = run(
        "environment = \"regtest\"\n",
        &[
            Box::new(Slow {
                timeout: Duration::from_secs(1),
                pidfile: pidfile.clone(),
            }),
            gate("quick", true, Behaviour::Pass),
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(evaluation.decision, Decision::Block);
    let slow = &evaluation.reports[0];
    assert_eq!(slow.outcome, Outcome::Error);
    let error = slow.error.as_deref().unwrap();
    assert!(
        error.starts_with(
            "gate `slow` did not finish within 1s; the processes it started were stopped"
        ),
        "{error}"
    );
    assert!(error.contains("timed out = true"), "{error}");
    assert_eq!(evaluation.reports[1].outcome, Outcome::Pass);
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let alive = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
        !matches!(state, Some('Z' | 'X'))
    });
    assert!(
        !alive,
        "the gate's `sleep 300` (pid {pid}) survived its deadline"
    );
}
