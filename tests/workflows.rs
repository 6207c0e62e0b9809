//! The GitHub Actions files: every workflow passes actionlint (which runs shellcheck on each
//! `run:` script and checks `uses: ./` against action.yml), the action's scripts pass
//! shellcheck, and action.yml hands every input to its scripts (tests/action.rs runs them).
//! The tools are installed by .ci/setup.d/40-actionlint.sh; without them these tests fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn actionlint() -> PathBuf {
    let venv = root().join(".venv-al/bin/actionlint");
    if venv.is_file() {
        return venv;
    }
    if Command::new("actionlint").arg("--version").output().is_ok() {
        return PathBuf::from("actionlint");
    }
    panic!(
        "actionlint is not installed: run `bash .ci/setup.d/40-actionlint.sh` from the repository root"
    );
}

fn require_shellcheck() {
    // Without shellcheck, actionlint silently skips the `run:` scripts: never let that pass.
    let found = Command::new("shellcheck").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "shellcheck is not installed: apt-get install -y shellcheck (or bash .ci/setup.d/40-actionlint.sh)"
    );
}

fn workflows() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn every_workflow_passes_actionlint_with_shellcheck() {
    require_shellcheck();
    let files = workflows();
    let names: Vec<_> = files.iter().filter_map(|p| p.file_name()).collect();
    assert!(
        names.iter().any(|n| *n == "ci.yml") && names.iter().any(|n| *n == "release.yml"),
        "{names:?}"
    );
    let out = Command::new(actionlint())
        .current_dir(root())
        .args(["-shellcheck", "shellcheck", "-format", "{{json .}}"])
        .args(&files)
        .output()
        .unwrap();
    let errors: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("actionlint did not print JSON ({e}):\n{}", text(&out)));
    let lines: Vec<String> = errors
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{}: {}",
                e["filepath"], e["line"], e["column"], e["message"]
            )
        })
        .collect();
    assert!(lines.is_empty(), "actionlint:\n{}", lines.join("\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn actionlint_would_catch_a_broken_script() {
    // The check above is only worth something if actionlint really runs shellcheck here.
    require_shellcheck();
    let dir = tempfile::tempdir().unwrap();
    let workflows = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::write(
        workflows.join("bad.yml"),
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: rm -rf $DIR/\n",
    )
    .unwrap();
    let out = Command::new(actionlint())
        .current_dir(dir.path())
        .args(["-shellcheck", "shellcheck"])
        .arg(workflows.join("bad.yml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("SC2086"), "{}", text(&out));
}

#[test]
fn action_scripts_pass_shellcheck() {
    require_shellcheck();
    let out = Command::new("shellcheck")
        .current_dir(root())
        .args([
            ".github/action/install.sh",
            ".github/action/evaluate.sh",
            "scripts/install-release.sh",
            ".ci/setup.d/40-actionlint.sh",
            ".ci/setup.d/45-dsse.sh",
            ".ci/setup.d/55-go-sumdb.sh",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn action_yml_hands_every_input_to_its_steps() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let inputs_section = action
        .split("\ninputs:\n")
        .nth(1)
        .and_then(|rest| rest.split("\noutputs:\n").next())
        .expect("an inputs: section before outputs:");
    let inputs: Vec<&str> = inputs_section
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|name| !name.starts_with(' '))
        .collect();
    assert!(inputs.len() >= 9, "{inputs:?}");
    let scripts = [
        std::fs::read_to_string(root().join(".github/action/install.sh")).unwrap(),
        std::fs::read_to_string(root().join(".github/action/evaluate.sh")).unwrap(),
    ]
    .join("\n");
    for input in inputs {
        let line = action
            .lines()
            .find(|l| {
                l.trim_end()
                    .ends_with(&format!("${{{{ inputs.{input} }}}}"))
            })
            .unwrap_or_else(|| panic!("input {input} is never passed to a step"));
        let variable = line.trim().split(':').next().unwrap();
        assert!(
            variable.starts_with("TOLLGATE_") && scripts.contains(variable),
            "input {input} goes to {variable}, which no action script reads"
        );
    }
}
