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
                "byproducts": [
                    {"name": "verdict.json", "digest": {"sha256": p.verdict_sha256}},
                    {"name": "host", "annotations": p.host},
                    {"name": "toolchain", "annotations": {"rustc": p.toolchain.rustc, "cargo": p.toolchain.cargo}},
                    {"name": "ci", "annotations": Value::Object(ci)},
                ],
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
