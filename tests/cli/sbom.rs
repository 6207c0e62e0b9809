//! The sbom gate and `tollgate sbom` end to end: a published or generated SBOM promotes and
//! its digest reaches the verdict and the provenance record; bad SBOMs block with their code.

use crate::util::*;
use serde_json::Value;
use tollgate::digest::sha256_hex;

fn with_sbom(table: &str) -> Workspace {
    let ws = Workspace::new();
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &format!("[gates.sbom]\n{table}\n"),
    );
    ws
}

/// Publish `bytes` as `name` in the signed release (listed in SHA256SUMS, signed).
fn publish(ws: &Workspace, name: &str, bytes: &[u8]) {
    ws.write(name, bytes);
    ws.write_sums_and_sign(&[
        "chain-node-1.4.2-x86_64-linux.tar.gz",
        "RELEASE-NOTES.md",
        name,
    ]);
}

fn cargo_cyclonedx_sbom() -> Vec<u8> {
    std::fs::read(testdata("sbom/cargo-cyclonedx/chain-node.cdx.json")).unwrap()
}

#[test]
fn a_published_sbom_promotes_and_is_recorded_in_verdict_and_provenance() {
    let ws = with_sbom("file = \"chain-node.cdx.json\"");
    let sbom = cargo_cyclonedx_sbom();
    publish(&ws, "chain-node.cdx.json", &sbom);
    let (code, verdict) = ws.evaluate_repo(&testdata("real-deps/clean"), &[]);
    assert_eq!(code, 0, "{verdict:#}");
    assert_eq!(verdict["sbom"]["path"], "chain-node.cdx.json");
    assert_eq!(verdict["sbom"]["sha256"], sha256_hex(&sbom));
    let report = gate(&verdict, "sbom");
    assert_eq!(report["counts"]["release_build_packages"], 3);
    let provenance = read_json(&ws.out().join("provenance.json"));
    let deps = provenance["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    let entry = deps
        .iter()
        .find(|d| d["annotations"]["role"] == "sbom")
        .unwrap_or_else(|| panic!("no sbom in {deps:#?}"));
    assert_eq!(entry["digest"]["sha256"], sha256_hex(&sbom));
    // The verdict (with its sbom key) still verifies.
    assert_eq!(ws.verify(&[]).status.code(), Some(0));
    // Both human reports name it.
    let report = |format: &str| {
        stdout(&tollgate(&[
            "evaluate",
            "--policy",
            ws.policy_path().to_str().unwrap(),
            "--release",
            ws.release().to_str().unwrap(),
            "--repo",
            testdata("real-deps/clean").to_str().unwrap(),
            "--out",
            ws.out().to_str().unwrap(),
            "--store",
            ws.store().to_str().unwrap(),
            "--format",
            format,
        ]))
    };
    let text = report("text");
    assert!(
        text.contains(&format!("sbom: {}  chain-node.cdx.json", sha256_hex(&sbom))),
        "{text}"
    );
    let markdown = report("markdown");
    assert!(
        markdown.contains("SBOM `chain-node.cdx.json`"),
        "{markdown}"
    );
}

#[test]
fn a_generated_sbom_is_written_to_the_out_dir() {
    let ws = with_sbom("generate = true");
    let (code, verdict) = ws.evaluate_repo(&testdata("real-deps/clean"), &[]);
    assert_eq!(code, 0, "{verdict:#}");
    let written = std::fs::read(ws.out().join("sbom.cdx.json")).unwrap();
    assert_eq!(verdict["sbom"]["sha256"], sha256_hex(&written));
    assert!(
        verdict["sbom"]["path"]
            .as_str()
            .unwrap()
            .ends_with("sbom.cdx.json")
    );
}

#[test]
fn real_deps_and_sbom_together_on_tollgates_own_repository() {
    let ws = Workspace::new();
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        "[gates.real_deps]\n\n[gates.sbom]\ngenerate = true\n",
    );
    let (code, verdict) = ws.evaluate_repo(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &[]);
    assert_eq!(code, 0, "{verdict:#}");
    let real = gate(&verdict, "real_deps")["counts"]["release_build_packages"].clone();
    assert_eq!(
        gate(&verdict, "sbom")["counts"]["release_build_packages"],
        real
    );
}

/// The cargo-cyclonedx SBOM, edited by `edit`, published and evaluated: the sbom codes.
fn codes_after(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let ws = with_sbom("");
    let mut doc: Value = serde_json::from_slice(&cargo_cyclonedx_sbom()).unwrap();
    edit(&mut doc);
    publish(
        &ws,
        "sbom.cdx.json",
        &serde_json::to_vec_pretty(&doc).unwrap(),
    );
    let (code, verdict) = ws.evaluate_repo(&testdata("real-deps/clean"), &[]);
    assert_eq!(code, 1, "should block: {verdict:#}");
    gate_codes(&verdict, "sbom")
}

#[test]
fn each_bad_sbom_blocks_with_its_code() {
    let components = |doc: &mut Value| doc["components"].as_array_mut().unwrap().clone();
    assert_eq!(
        codes_after(|doc| {
            let kept: Vec<Value> = components(doc)
                .into_iter()
                .filter(|c| c["name"] != "net")
                .collect();
            doc["components"] = Value::from(kept);
            // Keep the dependency graph consistent.
            doc["dependencies"] = Value::from(Vec::<Value>::new());
        }),
        ["sbom.component-missing"]
    );
    assert_eq!(
        codes_after(|doc| {
            let mut list = components(doc);
            let mut extra = list[0].clone();
            extra["bom-ref"] = Value::from("extra");
            extra["name"] = Value::from("tokio");
            extra["version"] = Value::from("1.0.0");
            extra["purl"] = Value::from("pkg:cargo/tokio@1.0.0");
            list.push(extra);
            doc["components"] = Value::from(list);
        }),
        ["sbom.component-extra"]
    );
    assert_eq!(
        codes_after(|doc| {
            let mut list = components(doc);
            let mut copy = list[1].clone();
            copy["bom-ref"] = Value::from("copy");
            list.push(copy);
            doc["components"] = Value::from(list);
        }),
        ["sbom.component-duplicate"]
    );
    assert_eq!(
        codes_after(|doc| doc["components"][0]["type"] = Value::from("widget")),
        ["sbom.invalid"]
    );
    assert_eq!(
        codes_after(|doc| doc["specVersion"] = Value::from("1.8")),
        ["sbom.spec-version"]
    );
}

#[test]
fn a_missing_sbom_blocks() {
    let ws = with_sbom("");
    let (code, verdict) = ws.evaluate_repo(&testdata("real-deps/clean"), &[]);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "sbom"), ["sbom.missing"]);
    assert!(verdict.get("sbom").is_none(), "no SBOM, no digest");
}

#[test]
fn a_stale_lockfile_is_an_error_for_the_sbom_gate() {
    let ws = with_sbom("generate = true");
    let (code, verdict) = ws.evaluate_repo(&testdata("real-deps/stale-lock"), &[]);
    assert_eq!(code, 1);
    let report = gate(&verdict, "sbom");
    assert_eq!(report["outcome"], "error");
    assert!(
        report["error"].as_str().unwrap().contains("Cargo.lock"),
        "{report:#}"
    );
}

#[test]
fn sbom_command_writes_a_cyclonedx_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chain-node.cdx.json");
    let manifest = testdata("real-deps/clean/Cargo.toml");
    let output = tollgate(&[
        "sbom",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "-o",
        file.to_str().unwrap(),
        "--now",
        "2026-11-21T12:00:00Z",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("3 package(s)"),
        "{}",
        stdout(&output)
    );
    let doc = read_json(&file);
    assert_eq!(doc["bomFormat"], "CycloneDX");
    assert_eq!(doc["specVersion"], "1.5");
    assert_eq!(doc["metadata"]["timestamp"], "2026-11-21T12:00:00Z");
    // `-o -` prints the same document.
    let printed = tollgate(&[
        "sbom",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "-o",
        "-",
        "--now",
        "2026-11-21T12:00:00Z",
    ]);
    assert_eq!(printed.stdout, std::fs::read(&file).unwrap());
}

#[test]
fn sbom_command_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.cdx.json");
    let stale = testdata("real-deps/stale-lock/Cargo.toml");
    let output = tollgate(&[
        "sbom",
        "--manifest-path",
        stale.to_str().unwrap(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("Cargo.lock"),
        "{}",
        stderr(&output)
    );
    assert!(!file.exists());
    let output = tollgate(&[
        "sbom",
        "--manifest-path",
        "/nonexistent/Cargo.toml",
        "-o",
        "x",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn cargo_without_host_tuple_falls_back_to_the_rustc_host_triple() {
    // Cargo before 1.89 does not know `--filter-platform host-tuple`; imitate it.
    let dir = tempfile::tempdir().unwrap();
    let old_cargo = dir.path().join("old-cargo");
    std::fs::write(
        &old_cargo,
        "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = host-tuple ]; then\n    echo 'error: failed to run `rustc` to learn about target-specific information' >&2\n    echo '  error: Error loading target specification: Could not find specification for target \"host-tuple\"' >&2\n    exit 101\n  fi\ndone\nexec cargo \"$@\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&old_cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = dir.path().join("x.cdx.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["sbom", "--manifest-path"])
        .arg(testdata("real-deps/clean/Cargo.toml"))
        .arg("-o")
        .arg(&file)
        .env("CARGO", &old_cargo)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("3 package(s)"), "{text}");
    assert!(
        !text.contains("host platform"),
        "the triple is named: {text}"
    );
}

/// Issue 15: a relative --manifest-path is relative to where tollgate runs, not to the
/// manifest's directory (where cargo is started).
#[test]
fn a_relative_manifest_path_works() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.cdx.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args([
            "sbom",
            "--manifest-path",
            "real-deps/clean/Cargo.toml",
            "-o",
        ])
        .arg(&file)
        .current_dir(testdata(""))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("3 package(s)"),
        "{}",
        stdout(&output)
    );
}
