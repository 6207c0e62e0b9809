//! `evaluate --format sarif` and `--sarif FILE`: SARIF 2.1.0 that the official OASIS JSON
//! schema accepts, one rule per finding code with `tollgate explain`'s text as its help, one
//! result per finding located at its file and line.

use crate::util::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/sarif-schema/sarif-schema-2.1.0.json"
);

/// The python that has jsonschema: $TOLLGATE_SCHEMA_PYTHON, else the `.venv-schema` that
/// .ci/setup.d/30-cyclonedx.sh makes. Missing is a failure, never a skip.
fn schema_python() -> PathBuf {
    if let Some(python) = std::env::var_os("TOLLGATE_SCHEMA_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-schema/bin/python");
    assert!(
        venv.is_file(),
        "no JSON schema validator: set TOLLGATE_SCHEMA_PYTHON to a python with jsonschema, or run .ci/run (it makes .venv-schema)"
    );
    venv
}

fn assert_schema_valid(document: &Path) {
    assert!(
        Path::new(SCHEMA).is_file(),
        "the SARIF 2.1.0 schema is missing: {SCHEMA} (../shared beside the repository)"
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sarif_schema.py");
    let out = std::process::Command::new(schema_python())
        .arg(script)
        .arg(SCHEMA)
        .arg(document)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{} is not valid SARIF 2.1.0:\n{}{}",
        document.display(),
        stdout(&out),
        stderr(&out)
    );
}

/// A release whose artifact changed after the sums were made, with a stray file.
fn blocked() -> Workspace {
    let ws = Workspace::new();
    ws.write("RELEASE-NOTES.md", b"# 1.4.2\n- tampered\n");
    ws.write("stray.bin", b"not listed");
    ws
}

#[test]
fn a_blocked_release_in_sarif_is_schema_valid_with_rules_from_explain() {
    let ws = blocked();
    let file = ws.path().join("tollgate.sarif");
    let out = ws.evaluate(&[
        "--now",
        "2026-11-21T10:00:00Z",
        "--format",
        "sarif",
        "--sarif",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let printed = ws.path().join("stdout.sarif");
    std::fs::write(&printed, &out.stdout).unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), out.stdout);
    assert_schema_valid(&file);

    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "tollgate");
    assert_eq!(run["invocations"][0]["properties"]["decision"], "block");

    let verdict = read_json(&ws.out().join("verdict.json"));
    let found: Vec<String> = codes(&verdict);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule_ids: BTreeSet<String> = rules
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(rule_ids, found.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(rule_ids.len(), rules.len(), "one rule per code");
    for rule in rules {
        let code = rule["id"].as_str().unwrap();
        let explained = tollgate(&["explain", code]);
        assert_eq!(explained.status.code(), Some(0));
        assert_eq!(rule["help"]["text"], stdout(&explained), "{code}");
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), found.len(), "one result per finding");
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["level"], "error");
        assert!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
    }
    // The digest mismatch points at the sums line of the changed artifact.
    let mismatch = results
        .iter()
        .find(|r| r["ruleId"] == "sig.digest-mismatch")
        .expect("a digest-mismatch result");
    let location = &mismatch["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("release/SHA256SUMS"),
        "{location}"
    );
    assert_eq!(location["region"]["startLine"], 2);
    // A finding that names no file points at the policy that made it blocking.
    let stray = results
        .iter()
        .find(|r| r["ruleId"] == "sig.unlisted-file")
        .expect("an unlisted-file result");
    assert!(
        stray["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("policy.toml")
    );
    assert_eq!(stray["properties"]["subject"], "stray.bin");
}

#[test]
fn a_promoted_release_in_sarif_has_no_results() {
    let ws = Workspace::new();
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = ws.path().join("promote.sarif");
    std::fs::write(&file, &out.stdout).unwrap();
    assert_schema_valid(&file);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        log["runs"][0]["invocations"][0]["properties"]["decision"],
        "promote"
    );
}
