//! The smoke gate against a real node: monerod (Debian's `monero` package) in regtest,
//! driven by the shipped gates/smoke/monero-regtest.toml through `tollgate evaluate`. It must
//! promote, the tip must survive the restart, and no monerod may be left running.
//! Without monerod this test fails (install it: `apt-get install -y monero`, as
//! .ci/setup.d/50-monero.sh does) unless TOLLGATE_SKIP_MONERO=1 is set.

use std::path::Path;
use std::process::Command;

fn monerod_available() -> bool {
    Command::new("monerod")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Pids of monerod processes started by a smoke run (their data dir is a tollgate-smoke-* temp dir).
fn smoke_monerods() -> Vec<u32> {
    let needle = "tollgate-smoke-";
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim() == "monerod" && String::from_utf8_lossy(&cmdline).contains(needle) {
            pids.push(pid);
        }
    }
    pids
}

#[test]
fn monerod_regtest_promotes_and_keeps_its_tip_across_a_restart() {
    if !monerod_available() {
        if std::env::var("TOLLGATE_SKIP_MONERO").as_deref() == Ok("1") {
            eprintln!("TOLLGATE_SKIP_MONERO=1: skipping the monerod interop test");
            return;
        }
        panic!(
            "monerod is not installed: run `apt-get install -y monero` (or bash .ci/setup.d/50-monero.sh); set TOLLGATE_SKIP_MONERO=1 to skip"
        );
    }
    let before = smoke_monerods();
    let dir = tempfile::tempdir().unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("gates/smoke/monero-regtest.toml");
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "environment = \"regtest\"\n\n[gates.smoke]\nspec = {:?}\nrequired = true\n",
            spec.display().to_string()
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("release")).unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["evaluate", "--format", "json", "--policy"])
        .arg(&policy)
        .arg("--release")
        .arg(dir.path().join("release"))
        .arg("--repo")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let verdict: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("verdict.json")).unwrap()).unwrap();
    let smoke = verdict["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "smoke")
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{smoke:#}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(verdict["decision"], "promote");
    assert_eq!(smoke["outcome"], "pass");
    assert_eq!(smoke["counts"]["smoke_node_starts"], 2);
    // Both starts logged, and the second one found the chain the first one mined.
    let second = std::fs::read_to_string(out.join("smoke/node-2.log")).unwrap();
    assert!(!second.is_empty());
    // No monerod from this run survives.
    let left: Vec<u32> = smoke_monerods()
        .into_iter()
        .filter(|pid| !before.contains(pid))
        .collect();
    assert!(left.is_empty(), "monerod still running: {left:?}");
}
