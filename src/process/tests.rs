//! Real children (`sh`, `cat`, `sleep`): input, capped output, timeouts, and that nothing a
//! child started outlives it.

use super::*;

fn limits(timeout_ms: u64) -> Limits {
    Limits {
        timeout: Duration::from_millis(timeout_ms),
        grace: Duration::from_millis(500),
        stdout_cap: 1024,
        stderr_cap: 64,
    }
}

fn sh(script: &str) -> Spawn {
    let mut command = Spawn::new("sh");
    command.args(["-c", script]);
    command
}

fn run(spawn: Spawn, stdin: Vec<u8>, limits: &Limits) -> io::Result<Finished> {
    spawn.run(stdin, limits)
}

/// Whether `pid` is a live process (a zombie waiting for its reaper counts as gone).
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat
                .rsplit(") ")
                .next()
                .and_then(|rest| rest.chars().next());
            !matches!(state, Some('Z' | 'X'))
        }
    }
}

fn pid_in(path: &std::path::Path) -> i32 {
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn input_reaches_the_child_and_output_comes_back() {
    let done = run(Spawn::new("cat"), b"request".to_vec(), &limits(10_000)).unwrap();
    assert!(done.status.success());
    assert_eq!(done.stdout.bytes, b"request");
    assert!(!done.timed_out && !done.left_processes);
}

#[test]
fn a_child_that_never_reads_its_input_does_not_stall_us() {
    let done = run(sh("echo ok"), vec![b'x'; 4 << 20], &limits(10_000)).unwrap();
    assert!(done.status.success());
    assert_eq!(done.stdout.bytes, b"ok\n");
}

#[test]
fn output_is_capped_and_counted() {
    let script = "head -c 100000 /dev/zero | tr '\\0' o; head -c 5000 /dev/zero | tr '\\0' e >&2; echo END >&2";
    let done = run(sh(script), Vec::new(), &limits(10_000)).unwrap();
    assert_eq!(done.stdout.total, 100_000);
    assert_eq!(done.stdout.bytes.len(), 1024);
    assert!(done.stdout.truncated());
    assert_eq!(done.stderr.total, 5004);
    assert!(done.stderr.bytes.ends_with(b"END\n"));
    assert!(
        done.stderr
            .text_with_marker(Keep::Tail)
            .starts_with("[truncated: the first 4940 bytes dropped]")
    );
}

#[test]
fn a_timed_out_child_is_stopped_with_its_grandchildren() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let script = format!("sleep 300 & echo $! > '{}'; wait", pidfile.display());
    let done = run(sh(&script), Vec::new(), &limits(300)).unwrap();
    assert!(done.timed_out);
    assert!(!done.status.success());
    let grandchild = pid_in(&pidfile);
    assert!(!running(grandchild), "grandchild {grandchild} survived");
}

#[test]
fn a_child_ignoring_sigterm_is_killed_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    let script = format!("trap '' TERM; echo $$ > '{}'; sleep 300", pidfile.display());
    let done = run(sh(&script), Vec::new(), &limits(300)).unwrap();
    assert!(done.timed_out);
    assert!(!running(pid_in(&pidfile)));
}

#[test]
fn processes_left_behind_after_exit_are_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("left.pid");
    let script = format!("sleep 300 & echo $! > '{}'; echo done", pidfile.display());
    let done = run(sh(&script), Vec::new(), &limits(10_000)).unwrap();
    assert!(done.status.success());
    assert!(done.left_processes);
    assert_eq!(done.stdout.bytes, b"done\n");
    assert!(!running(pid_in(&pidfile)));
}

#[test]
fn a_missing_program_is_an_error() {
    let error = run(Spawn::new("/nonexistent/plugin"), Vec::new(), &limits(1000)).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
}

#[test]
fn known_secrets_never_reach_the_capture() {
    let secret = "process-test-secret-9c1e";
    crate::redact::register(secret);
    let script = format!("echo 'out {secret}'; echo 'err {secret}' >&2");
    let done = run(sh(&script), Vec::new(), &limits(10_000)).unwrap();
    assert_eq!(done.stdout.bytes, b"out [REDACTED]\n");
    assert_eq!(done.stderr.bytes, b"err [REDACTED]\n");
}
