//! The provenance record: an in-toto Statement v1 with a SLSA Provenance v1 predicate that
//! says which commit, policy, configuration, toolchain and host produced a verdict.

use crate::digest::sha256_hex;
use crate::policy::Policy;
use crate::repo::{Host, Toolchain};
use crate::report::Subject;
use crate::verdict::{Commit, Verdict, canonical_json};
use serde_json::{Map, Value, json};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
pub const BUILD_TYPE: &str = "https://tollgate.dev/buildtypes/evaluate/v1";
pub const BUILDER_ID: &str = "https://tollgate.dev/builders/tollgate";

/// A configuration input and its digest.
pub struct ConfigFile {
    pub name: String,
    pub sha256: String,
}

/// Everything the provenance record states beyond the verdict itself.
pub struct ProvenanceInputs<'a> {
    pub verdict: &'a Verdict,
    pub verdict_sha256: &'a str,
    pub policy: &'a Policy,
    pub config_files: &'a [ConfigFile],
    pub repo: &'a str,
    pub release: &'a str,
    pub toolchain: &'a Toolchain,
    pub host: &'a Host,
    /// `GITHUB_*` variables that identify a CI run, when present.
    pub ci: &'a [(String, String)],
    pub started_on: &'a str,
    pub finished_on: &'a str,
    /// The rebuild gate's toolchain (`rustc -vV` in the clean copy), when it ran.
    pub rebuild_toolchain: Option<&'a RebuildToolchain>,
}

/// The toolchain the rebuild gate built with: its `rustc -vV` evidence file, as the
/// verdict's rebuild report lists it (path and digest) and as it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildToolchain {
    pub sha256: String,
    pub text: String,
}

/// The rebuild gate's `toolchain.txt` evidence, read back and checked against the digest
/// the verdict records; `None` when the gate did not run or the file does not match.
pub fn rebuild_toolchain(verdict: &Verdict) -> Option<RebuildToolchain> {
    let report = verdict.gates.iter().find(|g| g.gate == "rebuild")?;
    let evidence = report
        .evidence
        .iter()
        .find(|e| e.path.ends_with("toolchain.txt"))?;
    let bytes = std::fs::read(&evidence.path).ok()?;
    (sha256_hex(&bytes) == evidence.sha256).then(|| RebuildToolchain {
        sha256: evidence.sha256.clone(),
        text: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// The provenance byproduct for the rebuild's toolchain: SLSA v1 `runDetails.byproducts`
/// holds what the run produced that is "needed during debugging or incident response" and
/// is not its output; `rustc -vV` is an observation of the run, not a parameter the caller
/// or the builder chose (`externalParameters` / `internalParameters`), and there is no
/// digest of the compiler itself to list in `resolvedDependencies`.
fn rebuild_toolchain_json(t: &RebuildToolchain) -> Value {
    let mut annotations = Map::new();
    annotations.insert("role".into(), Value::String("rebuild-toolchain".into()));
    if let Some(why) = t.text.trim().strip_prefix("unavailable:") {
        annotations.insert("unavailable".into(), Value::String(why.trim().to_owned()));
    } else {
        let mut lines = t.text.lines();
        if let Some(first) = lines.next() {
            annotations.insert("rustc".into(), Value::String(first.trim().to_owned()));
        }
        for line in lines {
            if let Some((key, value)) = line.split_once(':') {
                annotations.insert(
                    key.trim().to_owned(),
                    Value::String(value.trim().to_owned()),
                );
            }
        }
    }
    json!({
        "name": "rebuild/toolchain.txt",
        "digest": {"sha256": t.sha256},
        "mediaType": "text/plain",
        "annotations": Value::Object(annotations),
    })
}

/// The `GITHUB_*` variables that identify a workflow run.
pub const CI_VARIABLES: &[&str] = &[
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_WORKFLOW",
    "GITHUB_WORKFLOW_REF",
    "GITHUB_JOB",
    "GITHUB_SHA",
    "GITHUB_REF",
    "GITHUB_ACTOR",
    "GITHUB_EVENT_NAME",
];

pub fn ci_from_env() -> Vec<(String, String)> {
    CI_VARIABLES
        .iter()
        .filter_map(|name| std::env::var(name).ok().map(|v| (name.to_string(), v)))
        .collect()
}

fn subject_json(subjects: &[Subject]) -> Value {
    Value::Array(
        subjects
            .iter()
            .map(|s| json!({"name": s.name, "digest": {"sha256": s.sha256}}))
            .collect(),
    )
}

fn commit_json(commit: Option<&Commit>, repo: &str) -> Value {
    match commit {
        Some(c) => json!({
            "uri": format!("git+file://{repo}"),
            "digest": {"gitCommit": c.sha},
            "annotations": {"dirty": c.dirty},
        }),
        None => {
            json!({"uri": format!("file://{repo}"), "annotations": {"git": "not a git repository"}})
        }
    }
}

/// Build the statement; its canonical bytes are what gets signed.
pub fn statement(p: &ProvenanceInputs<'_>) -> Vec<u8> {
    let ci: Map<String, Value> =
        p.ci.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
    let invocation_id = match (
        p.ci.iter().find(|(k, _)| k == "GITHUB_SERVER_URL"),
        p.ci.iter().find(|(k, _)| k == "GITHUB_REPOSITORY"),
        p.ci.iter().find(|(k, _)| k == "GITHUB_RUN_ID"),
    ) {
        (Some((_, server)), Some((_, repo)), Some((_, run))) => {
            let attempt =
                p.ci.iter()
                    .find(|(k, _)| k == "GITHUB_RUN_ATTEMPT")
                    .map_or("1", |(_, v)| v.as_str());
            format!("{server}/{repo}/actions/runs/{run}/attempts/{attempt}")
        }
        _ => format!("local:{}:{}", p.host.hostname, p.started_on),
    };
    let mut dependencies = vec![commit_json(p.verdict.commit.as_ref(), p.repo)];
    dependencies.extend(
        p.config_files
            .iter()
            .map(|c| json!({"name": c.name, "digest": {"sha256": c.sha256}})),
    );
    if let Some(sbom) = &p.verdict.sbom {
        dependencies.push(json!({
            "name": sbom.path,
            "digest": {"sha256": sbom.sha256},
            "annotations": {"role": "sbom", "format": "CycloneDX"},
        }));
    }
    dependencies.extend(p.verdict.configs.iter().map(|c| {
        json!({
            "name": c.path,
            "digest": {"sha256": c.sha256},
            "annotations": {"role": "node-config"},
        })
    }));
    let mut byproducts = vec![
        json!({"name": "verdict.json", "digest": {"sha256": p.verdict_sha256}}),
        json!({"name": "host", "annotations": p.host}),
        json!({"name": "toolchain", "annotations": {"rustc": p.toolchain.rustc, "cargo": p.toolchain.cargo}}),
        json!({"name": "ci", "annotations": Value::Object(ci)}),
    ];
    if let Some(t) = p.rebuild_toolchain {
        byproducts.push(rebuild_toolchain_json(t));
    }
    let value = json!({
        "_type": STATEMENT_TYPE,
        "subject": subject_json(&p.verdict.subjects),
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "environment": p.verdict.environment,
                    "policy": {"path": p.verdict.policy.path, "sha256": p.policy.sha256},
                    "release": p.release,
                    "repository": p.repo,
                },
                "internalParameters": {
                    "decision": p.verdict.decision,
                    "verdictTtlSeconds": p.policy.verdict_ttl.as_secs(),
                    "configSha256": config_checksum(p.config_files),
                },
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {
                    "id": BUILDER_ID,
                    "version": {"tollgate": env!("CARGO_PKG_VERSION")},
                },
                "metadata": {
                    "invocationId": invocation_id,
                    "startedOn": p.started_on,
                    "finishedOn": p.finished_on,
                },
                "byproducts": byproducts,
            },
        },
    });
    canonical_json(&value)
}

/// One checksum over every configuration input, so two runs can be compared at a glance.
pub fn config_checksum(files: &[ConfigFile]) -> String {
    let mut lines: Vec<String> = files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.name))
        .collect();
    lines.sort();
    sha256_hex(lines.concat().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rebuild_toolchain_becomes_an_annotated_byproduct() {
        let text = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\ncommit-hash: 59807616e1fa\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\nLLVM version: 20.1.8\n";
        let t = RebuildToolchain {
            sha256: sha256_hex(text.as_bytes()),
            text: text.to_owned(),
        };
        let v = rebuild_toolchain_json(&t);
        assert_eq!(v["name"], "rebuild/toolchain.txt");
        assert_eq!(v["digest"]["sha256"], t.sha256);
        assert_eq!(
            v["annotations"]["rustc"],
            "rustc 1.95.0 (59807616e 2026-04-14)"
        );
        assert_eq!(v["annotations"]["release"], "1.95.0");
        assert_eq!(v["annotations"]["host"], "x86_64-unknown-linux-gnu");
        assert_eq!(v["annotations"]["LLVM version"], "20.1.8");
        assert_eq!(v["annotations"]["role"], "rebuild-toolchain");

        let missing = RebuildToolchain {
            sha256: sha256_hex(b"x"),
            text: "unavailable: cannot run `rustc -vV`: not found\n".to_owned(),
        };
        let v = rebuild_toolchain_json(&missing);
        assert_eq!(
            v["annotations"]["unavailable"],
            "cannot run `rustc -vV`: not found"
        );
        assert!(v["annotations"].get("rustc").is_none());
    }
}
