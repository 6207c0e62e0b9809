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
}
