//! Colour and progress appear only on a terminal: the binary runs under a pseudo-terminal
//! made by util-linux `script`, and through plain pipes, with and without NO_COLOR and -q.

use crate::util::*;
use std::path::Path;

/// A release with one 256 MiB (sparse) artifact: hashing it outlasts the progress poll.
fn big_release() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release");
    std::fs::create_dir(&release).unwrap();
    let file = std::fs::File::create(release.join("node.img")).unwrap();
    file.set_len(256 << 20).unwrap();
    let digest = tollgate::digest::hash_file(&release.join("node.img"), &mut []).unwrap();
    std::fs::write(
        release.join("SHA256SUMS"),
        format!("{}  node.img\n", digest.hex()),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        "environment = \"regtest\"\n[gates.signatures]\nrequire_sums_signature = false\nartifact_signatures = \"ignore\"\n",
    )
    .unwrap();
    dir
}

const ARGS: &[&str] = &[
    "evaluate",
    "--policy",
    "policy.toml",
    "--release",
    "release",
    "--out",
    "out",
];

fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `evaluate` with stdout and stderr on a pseudo-terminal; returns what the terminal got.
fn under_pty(dir: &Path, extra_env: &[(&str, &str)], flags: &[&str]) -> String {
    under_pty_args(dir, extra_env, &[flags, ARGS].concat())
}

/// Run tollgate with `args` on a pseudo-terminal (util-linux `script`).
fn under_pty_args(dir: &Path, extra_env: &[(&str, &str)], args: &[&str]) -> String {
    let mut words = vec![shell_quote(env!("CARGO_BIN_EXE_tollgate"))];
    words.extend(args.iter().map(|w| shell_quote(w)));
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &words.join(" "), "/dev/null"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color");
    for name in [
        "NO_COLOR",
        "GITHUB_ACTIONS",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "RUST_LOG",
    ] {
        cmd.env_remove(name);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("util-linux `script` runs the pty test (apt-get install bsdutils)");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn has_sgr(text: &str) -> bool {
    regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap().is_match(text)
}

#[test]
fn colour_and_progress_on_a_terminal() {
    let dir = big_release();
    let screen = under_pty(dir.path(), &[], &[]);
    assert!(screen.contains("DECISION: PROMOTE to regtest"), "{screen}");
    assert!(
        screen.contains("\x1b[32mDECISION: PROMOTE"),
        "the decision is green on a terminal:\n{screen:?}"
    );
    assert!(
        screen.contains("hashing 0/1 file(s)"),
        "no progress bar:\n{screen:?}"
    );
    assert!(
        screen.contains("256.00 MiB"),
        "the bar shows the total:\n{screen:?}"
    );
}

#[test]
fn no_color_on_a_terminal_keeps_progress_but_drops_colour() {
    let dir = big_release();
    let screen = under_pty(dir.path(), &[("NO_COLOR", "1")], &[]);
    assert!(screen.contains("DECISION: PROMOTE to regtest"), "{screen}");
    assert!(!has_sgr(&screen), "colour despite NO_COLOR:\n{screen:?}");
    assert!(
        screen.contains("hashing"),
        "progress is not colour:\n{screen:?}"
    );
}

#[test]
fn quiet_on_a_terminal_shows_no_progress() {
    let dir = big_release();
    let screen = under_pty(dir.path(), &[], &["-q"]);
    assert!(screen.contains("DECISION: PROMOTE"), "{screen}");
    assert!(!screen.contains("hashing"), "{screen:?}");
}

#[test]
fn pipes_get_neither_colour_nor_progress() {
    let dir = big_release();
    let out = command(ARGS).current_dir(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert!(stdout.contains("DECISION: PROMOTE"), "{stdout}");
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "{stdout:?}\n{stderr:?}"
    );
    assert!(!stderr.contains("hashing"), "{stderr}");
}

#[test]
fn verify_shows_progress_while_hashing_artifacts_on_a_terminal() {
    let dir = big_release();
    let keys = dir.path().join("keys");
    let out = command(&["keygen", "--unencrypted", "--out", keys.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = command(&[ARGS, &["--key", "keys/tollgate.key"]].concat())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verify = [
        "verify",
        "out/verdict.json",
        "--pubkey",
        "keys/tollgate.pub",
        "--environment",
        "regtest",
        "--artifact",
        "release/node.img",
    ];
    let screen = under_pty_args(dir.path(), &[], &verify);
    assert!(
        screen.contains("out/verdict.json promotes to regtest"),
        "{screen:?}"
    );
    assert!(
        screen.contains("hashing 0/1 file(s)"),
        "no progress bar:\n{screen:?}"
    );
    let piped = command(&verify).current_dir(dir.path()).output().unwrap();
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    assert!(!stderr(&piped).contains("hashing"));
    assert!(!stdout(&piped).contains('\x1b'));
}
