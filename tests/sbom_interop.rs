//! Interop of the sbom gate with tools nobody here wrote: SBOMs made by cargo-cyclonedx
//! (committed by testdata/sbom/regen.sh, and made live) are accepted, and tollgate's own
//! SBOM validates against the official CycloneDX 1.5 JSON schema with python `jsonschema`
//! (schemas in ../shared/data/cyclonedx-schema). A missing tool is a failure, not a skip:
//! `.ci/run` installs both (.ci/setup.d/30-cyclonedx.sh).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCHEMAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/cyclonedx-schema"
);
const VALIDATOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/support/cyclonedx_schema.py"
);

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn clean_fixture() -> PathBuf {
    repo().join("testdata/real-deps/clean")
}

/// The python that has jsonschema and referencing: $TOLLGATE_SCHEMA_PYTHON, else the
/// `.venv-schema` that .ci/setup.d/30-cyclonedx.sh makes.
fn schema_python() -> PathBuf {
    if let Some(python) = std::env::var_os("TOLLGATE_SCHEMA_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = repo().join(".venv-schema/bin/python");
    assert!(
        venv.is_file(),
        "no JSON schema validator: set TOLLGATE_SCHEMA_PYTHON to a python with jsonschema and \
         referencing, or run .ci/run (it makes .venv-schema)"
    );
    venv
}

/// Validate `document` against the official schema of its specVersion.
fn schema_check(document: &Path) -> Output {
    assert!(
        Path::new(SCHEMAS).join("bom-1.5.schema.json").is_file(),
        "the CycloneDX schemas are missing from {SCHEMAS} (../shared beside the repository)"
    );
    Command::new(schema_python())
        .arg(VALIDATOR)
        .arg(SCHEMAS)
        .arg(document)
        .output()
        .expect("run the python schema validator")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `tollgate evaluate` with only the sbom gate: `release` holds the SBOM (and is the
/// verdict's subject), `repo` is the workspace it must describe.
fn evaluate(release: &Path, repo: &Path, table: &str) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!("environment = \"regtest\"\n[gates.sbom]\n{table}\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .arg("evaluate")
        .arg("--policy")
        .arg(&policy)
        .arg("--release")
        .arg(release)
        .arg("--repo")
        .arg(repo)
        .arg("--out")
        .arg(&out)
        .arg("--store")
        .arg(dir.path().join("ledger"))
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let verdict: Value =
        serde_json::from_slice(&std::fs::read(out.join("verdict.json")).unwrap()).unwrap();
    (output.status.code().unwrap(), verdict)
}

fn sbom_findings(verdict: &Value) -> Vec<(String, String)> {
    verdict["gates"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn committed_cargo_cyclonedx_sboms_are_accepted() {
    for name in ["chain-node.cdx.json", "chain-node.cdx.xml"] {
        let release = tempfile::tempdir().unwrap();
        std::fs::copy(
            repo().join("testdata/sbom/cargo-cyclonedx").join(name),
            release.path().join(name),
        )
        .unwrap();
        let (code, verdict) = evaluate(
            release.path(),
            &clean_fixture(),
            &format!("file = \"{name}\""),
        );
        assert_eq!(code, 0, "{name}: {:?}", sbom_findings(&verdict));
        assert_eq!(verdict["sbom"]["path"], name);
    }
}

#[test]
fn a_fresh_cargo_cyclonedx_sbom_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("clean");
    let status = Command::new("cp")
        .arg("-r")
        .arg(clean_fixture())
        .arg(&workspace)
        .status()
        .unwrap();
    assert!(status.success());
    let output = Command::new("cargo")
        .args(["cyclonedx", "-q", "-f", "json", "--spec-version", "1.5"])
        .current_dir(&workspace)
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo cyclonedx failed (install it: cargo install cargo-cyclonedx --locked, or run .ci/run): {}",
        text(&output)
    );
    let release = dir.path().join("release");
    std::fs::create_dir(&release).unwrap();
    std::fs::copy(
        workspace.join("chain-node/chain-node.cdx.json"),
        release.join("sbom.cdx.json"),
    )
    .unwrap();
    let (code, verdict) = evaluate(&release, &workspace, "");
    assert_eq!(code, 0, "{:?}", sbom_findings(&verdict));
}

#[test]
fn tollgates_own_sbom_validates_against_the_official_schema() {
    let dir = tempfile::tempdir().unwrap();
    let sbom = dir.path().join("tollgate.cdx.json");
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["sbom", "--manifest-path"])
        .arg(repo().join("Cargo.toml"))
        .arg("-o")
        .arg(&sbom)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let check = schema_check(&sbom);
    assert!(check.status.success(), "schema: {}", text(&check));
    // The committed cargo-cyclonedx SBOM passes the same check.
    let theirs = schema_check(&repo().join("testdata/sbom/cargo-cyclonedx/chain-node.cdx.json"));
    assert!(theirs.status.success(), "schema: {}", text(&theirs));
}

#[test]
fn the_sbom_evaluate_generates_validates_against_the_schema() {
    let release = tempfile::tempdir().unwrap();
    std::fs::write(release.path().join("notes.txt"), "release notes").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "environment = \"regtest\"\n[gates.sbom]\ngenerate = true\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .arg("evaluate")
        .arg("--policy")
        .arg(&policy)
        .arg("--release")
        .arg(release.path())
        .arg("--repo")
        .arg(clean_fixture())
        .arg("--out")
        .arg(&out)
        .arg("--store")
        .arg(dir.path().join("ledger"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let check = schema_check(&out.join("sbom.cdx.json"));
    assert!(check.status.success(), "schema: {}", text(&check));
}

#[test]
fn a_schema_invalid_sbom_is_rejected_by_the_schema_and_blocks_with_the_reason() {
    let release = tempfile::tempdir().unwrap();
    let sbom = release.path().join("sbom.cdx.json");
    let mut document: Value = serde_json::from_slice(
        &std::fs::read(repo().join("testdata/sbom/cargo-cyclonedx/chain-node.cdx.json")).unwrap(),
    )
    .unwrap();
    document["components"][0]["type"] = Value::from("widget");
    std::fs::write(&sbom, serde_json::to_vec_pretty(&document).unwrap()).unwrap();

    let check = schema_check(&sbom);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(text(&check).contains("widget"), "{}", text(&check));

    let (code, verdict) = evaluate(release.path(), &clean_fixture(), "");
    assert_eq!(code, 1);
    let findings = sbom_findings(&verdict);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "sbom.invalid");
    // The official 1.5 schema (bundled) rejects it, naming the path and the value.
    assert!(
        findings[0].1.contains("/components/0/type") && findings[0].1.contains("widget"),
        "{}",
        findings[0].1
    );
}

/// Issue 15: the generators' SBOMs that tollgate's bundled schemas accept (cdxgen 1.7,
/// Trivy 1.5) are valid for python `jsonschema` with the same official schemas too.
#[test]
fn generator_sboms_validate_with_python_jsonschema_as_well() {
    for sbom in [
        "testdata/sbom/cdxgen/node-app.cdx.json",
        "testdata/sbom/trivy/node-app.cdx.json",
    ] {
        let check = schema_check(&repo().join(sbom));
        assert!(check.status.success(), "{sbom}: {}", text(&check));
    }
}
