//! The smoke gate against a real node: monerod (Debian's `monero` package) in regtest,
//! driven by the shipped gates/smoke/monero-regtest.toml through `tollgate evaluate`. It must
//! promote, the tip must survive the restart, and no monerod may be left running; without
//! `--keep-fakechain` monerod wipes its chain on restart, and the gate must see that.
//! Without monerod these tests fail (install it: `apt-get install -y monero`, as
//! .ci/setup.d/50-monero.sh does) unless TOLLGATE_SKIP_MONERO=1 is set.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// False only when skipping was asked for; panics when monerod is missing otherwise.
fn monerod_required() -> bool {
    if Command::new("monerod")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    if std::env::var("TOLLGATE_SKIP_MONERO").as_deref() == Ok("1") {
        eprintln!("TOLLGATE_SKIP_MONERO=1: skipping the monerod interop test");
        return false;
    }
    panic!(
        "monerod is not installed: run `apt-get install -y monero` (or bash .ci/setup.d/50-monero.sh); set TOLLGATE_SKIP_MONERO=1 to skip"
    );
}

/// Pids of monerod processes started by a smoke run (their data dir is a tollgate-smoke-* temp dir).
fn smoke_monerods() -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim() == "monerod" && String::from_utf8_lossy(&cmdline).contains("tollgate-smoke-")
        {
            pids.push(pid);
        }
    }
    pids
}

/// `tollgate evaluate` with a regtest policy running only the smoke gate on `spec`; returns
/// the exit code, the verdict, the smoke gate's report, and tollgate's stderr.
fn evaluate(dir: &Path, spec: &Path) -> (Option<i32>, Value, Value, String) {
    // One run at a time: the leftover check below must not see the other test's monerod.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = smoke_monerods();
    let policy = dir.join("policy.toml");
    let spec = spec.display().to_string();
    std::fs::write(
        &policy,
        format!("environment = \"regtest\"\n\n[gates.smoke]\nspec = {spec:?}\nrequired = true\n"),
    )
    .unwrap();
    // The verdict binds to the release's artifacts: give it one.
    std::fs::create_dir_all(dir.join("release")).unwrap();
    std::fs::write(
        dir.join("release/node-1.0.0.tar.gz"),
        b"the release under test",
    )
    .unwrap();
    let out = dir.join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["evaluate", "--policy"])
        .arg(&policy)
        .arg("--release")
        .arg(dir.join("release"))
        .arg("--repo")
        .arg(dir)
        .arg("--out")
        .arg(&out)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let verdict: Value =
        serde_json::from_slice(&std::fs::read(out.join("verdict.json")).unwrap()).unwrap();
    let smoke = verdict["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "smoke")
        .unwrap()
        .clone();
    let left: Vec<u32> = smoke_monerods()
        .into_iter()
        .filter(|pid| !before.contains(pid))
        .collect();
    assert!(
        left.is_empty(),
        "monerod still running after the run: {left:?}"
    );
    (
        output.status.code(),
        verdict,
        smoke,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn monerod_regtest_promotes_and_keeps_its_tip_across_a_restart() {
    if !monerod_required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("gates/smoke/monero-regtest.toml");
    let (code, verdict, smoke, stderr) = evaluate(dir.path(), &spec);
    assert_eq!(code, Some(0), "{smoke:#}\n{stderr}");
    assert_eq!(verdict["decision"], "promote");
    assert_eq!(smoke["outcome"], "pass");
    assert_eq!(smoke["counts"]["smoke_node_starts"], 2);
    // Every step and the restart check passed, so the tip and height were the same after.
    assert_eq!(smoke["counts"]["smoke_steps_passed"], 6);
    assert!(
        !std::fs::read_to_string(dir.path().join("out/smoke/node-2.log"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn monerod_without_keep_fakechain_loses_its_tip_and_blocks() {
    if !monerod_required() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("gates/smoke/monero-regtest.toml"),
    )
    .unwrap();
    assert!(shipped.contains("\"--keep-fakechain\", "));
    let spec = dir.path().join("forgetful.toml");
    std::fs::write(&spec, shipped.replace("\"--keep-fakechain\", ", "")).unwrap();
    let (code, _, smoke, stderr) = evaluate(dir.path(), &spec);
    assert_eq!(code, Some(1), "{smoke:#}\n{stderr}");
    let codes: Vec<&str> = smoke["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["smoke.tip-changed", "smoke.tip-changed"],
        "{smoke:#}"
    );
}
