//! Plugin gates end to end through `tollgate evaluate`: the example plugins, shell plugins
//! for every failure mode, policy errors, waivers, `gates --policy`, `explain`, and the
//! protocol's JSON Schemas checked against what was really sent and printed.

mod artifact_size;
mod ci_status;
mod failures;
mod http;
mod policy;

use crate::util::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub const ARTIFACT_SIZE: &str = env!("CARGO_BIN_EXE_tollgate-plugin-artifact-size");
pub const CI_STATUS: &str = env!("CARGO_BIN_EXE_tollgate-plugin-ci-status");

/// Write an executable shell plugin at `WS/plugins/NAME.sh`.
pub fn shell_plugin(ws: &Workspace, name: &str, body: &str) {
    let path = ws.path().join("plugins").join(format!("{name}.sh"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A mainnet policy with the signatures gate and these `[[gates.plugin]]` (and other) lines.
pub fn plugin_policy(ws: &Workspace, tail: &str) {
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", tail);
}

/// One plugin table for the shell plugin `NAME`.
pub fn shell_table(name: &str, timeout: &str) -> String {
    format!(
        "[[gates.plugin]]\nname = \"{name}\"\ncommand = [\"plugins/{name}.sh\"]\ntimeout = \"{timeout}\"\n"
    )
}

/// Evaluate; the exit code, the verdict, and stdout + stderr for messages.
pub fn evaluate(ws: &Workspace, extra: &[&str]) -> (i32, Value, String) {
    let output = ws.evaluate(extra);
    let code = output.status.code().unwrap();
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert!(code == 0 || code == 1, "exit {code}: {text}");
    (code, read_json(&ws.out().join("verdict.json")), text)
}

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

/// Validate documents against docs/plugin-{kind}.schema.json with python jsonschema.
pub fn assert_schema_valid(kind: &str, documents: &[PathBuf]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(schema_python())
        .arg(root.join("tests/support/json_schema.py"))
        .arg(root.join(format!("docs/plugin-{kind}.schema.json")))
        .args(documents)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{kind} schema: {}{}",
        stdout(&output),
        stderr(&output)
    );
}

#[test]
fn the_docs_show_the_schema_files_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/plugins.md")).unwrap();
    for kind in ["request", "response"] {
        let schema =
            std::fs::read_to_string(root.join(format!("docs/plugin-{kind}.schema.json"))).unwrap();
        assert!(
            page.contains(&format!("```json\n{schema}```")),
            "docs/plugins.md does not show docs/plugin-{kind}.schema.json verbatim"
        );
    }
}
