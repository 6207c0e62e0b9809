//! The real_deps gate end to end through `tollgate evaluate`: the clean fixture and
//! tollgate's own repository promote; each bad fixture blocks with its code.

use crate::util::*;

fn with_real_deps(table: &str) -> Workspace {
    let ws = Workspace::new();
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &format!("[gates.real_deps]\n{table}\n"),
    );
    ws
}

#[test]
fn clean_workspace_promotes() {
    let ws = with_real_deps("");
    let (code, verdict) = ws.evaluate_repo(&testdata("real-deps/clean"), &[]);
    assert_eq!(code, 0, "{verdict:#}");
    let report = gate(&verdict, "real_deps");
    assert_eq!(report["outcome"], "pass");
    assert_eq!(report["counts"]["release_build_packages"], 3);
    assert_eq!(report["evidence"][0]["path"], "Cargo.lock");
}

#[test]
fn tollgates_own_repository_promotes() {
    let ws = with_real_deps("");
    let (code, verdict) = ws.evaluate_repo(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &[]);
    let report = gate(&verdict, "real_deps");
    assert_eq!(report["outcome"], "pass", "{report:#}");
    assert_eq!(code, 0);
    assert!(report["counts"]["release_build_packages"].as_u64().unwrap() > 50);
}

#[test]
fn each_bad_fixture_blocks_with_its_code() {
    for (fixture, code) in [
        ("denied-crate", "deps.denied-crate"),
        ("path-outside/workspace", "deps.path-outside-workspace"),
        ("patch", "deps.patch"),
        ("replace", "deps.replace"),
        ("denied-feature", "deps.denied-feature"),
        ("missing-lock", "deps.lockfile-missing"),
        ("stale-lock", "deps.lockfile-stale"),
        ("missing-checksum", "deps.missing-checksum"),
    ] {
        let ws = with_real_deps("");
        let (exit, verdict) = ws.evaluate_repo(&testdata(&format!("real-deps/{fixture}")), &[]);
        assert_eq!(exit, 1, "{fixture} should block");
        assert_eq!(verdict["decision"], "block");
        assert_eq!(gate(&verdict, "real_deps")["outcome"], "fail", "{fixture}");
        assert_eq!(gate_codes(&verdict, "real_deps"), [code], "{fixture}");
    }
}

#[test]
fn git_dependency_blocks_unless_allowed_and_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = dir.path().join("upstream");
    std::fs::create_dir_all(upstream.join("src")).unwrap();
    std::fs::write(
        upstream.join("Cargo.toml"),
        "[package]\nname = \"p2p\"\nversion = \"0.3.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(upstream.join("src/lib.rs"), "").unwrap();
    let git = git2::Repository::init(&upstream).unwrap();
    let mut index = git.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = git.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("t", "t@example.org").unwrap();
    git.commit(Some("HEAD"), &sig, &sig, "p2p", &tree, &[])
        .unwrap();
    let branch = git.head().unwrap().shorthand().unwrap().to_owned();

    let repo = dir.path().join("node");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(
        repo.join("Cargo.toml"),
        format!(
            "[package]\nname = \"node\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[dependencies]\np2p = {{ git = \"file://{}\", branch = \"{branch}\" }}\n",
            upstream.display()
        ),
    )
    .unwrap();
    std::fs::write(repo.join("src/main.rs"), "fn main() {}").unwrap();
    // A private CARGO_HOME: the git checkout stays in the temp dir.
    let home = dir.path().join("cargo-home");
    let status = std::process::Command::new("cargo")
        .args(["generate-lockfile", "--quiet"])
        .current_dir(&repo)
        .env("CARGO_HOME", &home)
        .status()
        .unwrap();
    assert!(status.success());

    let ws = with_real_deps("");
    let (exit, verdict) = ws.evaluate_repo(&repo, &[("CARGO_HOME", &home)]);
    assert_eq!(exit, 1);
    assert_eq!(gate_codes(&verdict, "real_deps"), ["deps.git-dependency"]);

    let ws = with_real_deps("allow_git = true");
    let (exit, verdict) = ws.evaluate_repo(&repo, &[("CARGO_HOME", &home)]);
    assert_eq!(exit, 1);
    assert_eq!(gate_codes(&verdict, "real_deps"), ["deps.git-unpinned"]);
}

#[test]
fn a_waiver_by_package_id_lets_the_release_through() {
    let ws = with_real_deps(&format!(
        "\n[[waivers]]\ngate = \"real_deps\"\ncode = \"deps.denied-crate\"\nid = \"mock-rpc@0.1.0\"\nreason = \"regtest only\"\nowner = \"rm@example.org\"\nexpires = {}\n",
        soon()
    ));
    let (code, verdict) = ws.evaluate_repo(&testdata("real-deps/denied-crate"), &[]);
    assert_eq!(code, 0, "{verdict:#}");
    assert_eq!(gate(&verdict, "real_deps")["outcome"], "waived");
    assert_eq!(verdict["waivers_applied"][0]["findings"], 1);
}

#[test]
fn a_bad_pattern_is_a_configuration_error_with_its_line() {
    let ws = with_real_deps("deny = [\"[mock\"]");
    let output = ws.evaluate(&[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("policy.toml:"), "{err}");
    assert!(err.contains("[mock"), "{err}");
}

#[test]
fn tollgate_gates_lists_the_new_gates() {
    let output = tollgate(&["gates"]);
    let text = stdout(&output);
    for name in ["signatures", "real_deps", "sbom"] {
        assert!(text.contains(name), "{text}");
    }
}
