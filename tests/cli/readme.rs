//! The README's first command, run exactly as a new user types it.

use std::path::Path;

// Regression: adding the example plugins' binaries made `cargo run` ambiguous ("could not
// determine which binary to run"), which broke the README's first command.
#[test]
fn the_readmes_first_command_runs_the_demo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let command = readme
        .lines()
        .find_map(|line| line.strip_prefix("$ cargo run "))
        .expect("the README shows a `$ cargo run` command");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // The command writes demo-out/ and .tollgate/ledger in the checkout; both are ignored
    // by git, as they are for a user.
    // A user's shell, not cargo test's environment: the variables cargo sets for tests
    // (CARGO_PKG_*, OUT_DIR, ...) would make the nested cargo rebuild everything.
    let mut run = std::process::Command::new(cargo);
    run.env_clear();
    for name in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
    ] {
        if let Some(value) = std::env::var_os(name) {
            run.env(name, value);
        }
    }
    let output = run
        .arg("run")
        .args(command.split_whitespace())
        .current_dir(root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "`cargo run {command}` failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("DECISION: PROMOTE to regtest"), "{stdout}");
    // The whole product: every offline gate passes, the verdict is signed and logged.
    for gate in ["signatures", "real_deps", "sbom", "audit", "drills"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("PASS") && l.split_whitespace().nth(1) == Some(gate)),
            "no PASS line for {gate}:\n{stdout}"
        );
    }
    assert!(stdout.contains(", signed)"), "{stdout}");
    assert!(stdout.contains("in demo-out/ledger"), "{stdout}");
    // It ends with the commands that check it; both work as printed.
    let printed = |prefix: &str| -> Vec<String> {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("  ")?.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{stdout}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(printed("tollgate "))
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let minisign = std::process::Command::new("minisign")
        .args(printed("minisign "))
        .current_dir(root)
        .output()
        .expect("stock minisign (installed by .ci/setup.d/10-minisign.sh)");
    assert_eq!(
        minisign.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&minisign.stderr)
    );
}

/// The README's second demo: the same release with one artifact changed blocks.
#[test]
fn the_demo_blocks_a_tampered_artifact() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("demo-tampered");
    std::fs::create_dir(&release).unwrap();
    for entry in std::fs::read_dir(root.join("testdata/demo-release")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), release.join(entry.file_name())).unwrap();
    }
    let deb = release.join("chain-node_1.4.2_amd64.deb");
    let mut bytes = std::fs::read(&deb).unwrap();
    bytes.extend_from_slice(b"x\n");
    std::fs::write(&deb, bytes).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["evaluate", "--policy", "gates/demo.toml", "--release"])
        .arg(&release)
        .arg("--out")
        .arg(dir.path().join("out"))
        .current_dir(root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("sig.digest-mismatch"), "{stdout}");
    assert!(stdout.contains("DECISION: BLOCK"), "{stdout}");
}

/// The demo signs with a key committed to the repository: no shipped policy but the demo's
/// may trust it or carry `[demo]`.
#[test]
fn no_shipped_policy_but_the_demo_trusts_the_demo_verdict_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut stack = vec![root.join("gates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "toml") || path.ends_with("gates/demo.toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains("DEMO-ONLY"),
                "{} names the demo verdict key",
                path.display()
            );
            assert!(
                !text.contains("[demo]"),
                "{} carries [demo]",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} shipped policies found");
}
