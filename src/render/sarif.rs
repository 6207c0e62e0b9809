//! SARIF 2.1.0 rendering of a verdict, for code-scanning tools (GitHub code scanning reads
//! it through `github/codeql-action/upload-sarif`). One rule per finding code present, its
//! help text from `tollgate explain`; one result per finding, located at the finding's file
//! and line, or at the policy file when the finding points at no file. Waived findings are
//! results with an external suppression that quotes the waiver.

use crate::explain;
use crate::report::{Finding, GateReport, Severity};
use crate::verdict::Verdict;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The rule of a gate that could not evaluate (it has no finding code of its own).
pub const GATE_ERROR_RULE: &str = "tollgate.gate-error";

/// Turns a path as a finding or the verdict gives it into the URI a result points at.
pub type Locate<'a> = &'a dyn Fn(&str) -> String;

/// The SARIF log, pretty-printed with a trailing newline.
pub fn sarif(verdict: &Verdict, locate: Locate<'_>) -> String {
    let policy_uri = locate(&verdict.policy.path);
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for report in &verdict.gates {
        if let Some(error) = &report.error {
            rules
                .entry(GATE_ERROR_RULE.to_owned())
                .or_insert_with(gate_error_rule);
            results.push(json!({
                "ruleId": GATE_ERROR_RULE,
                "level": if report.required { "error" } else { "warning" },
                "message": {"text": format!("gate {} could not evaluate: {error}", report.gate)},
                "locations": [location(&policy_uri, None)],
                "properties": {"gate": report.gate, "required": report.required},
            }));
        }
        for finding in &report.findings {
            rules
                .entry(finding.code.clone())
                .or_insert_with(|| rule(&finding.code, finding.severity));
            results.push(result(report, finding, verdict, locate, &policy_uri));
        }
    }
    // Rules in code order; results name their rule by index too, as the spec allows.
    let index: BTreeMap<&str, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, code)| (code.as_str(), i))
        .collect();
    for result in &mut results {
        let id = result["ruleId"].as_str().unwrap_or_default().to_owned();
        if let Some(i) = index.get(id.as_str()) {
            result["ruleIndex"] = json!(i);
        }
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": verdict.tool.name,
                "version": verdict.tool.version,
                "semanticVersion": verdict.tool.version,
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "automationDetails": {"id": format!("tollgate/{}/", verdict.environment)},
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": verdict.evaluated_at,
                "properties": {
                    "decision": verdict.decision,
                    "environment": verdict.environment,
                    "reasons": verdict.reasons,
                    "policy": {"path": verdict.policy.path, "sha256": verdict.policy.sha256},
                },
            }],
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(code: &str, severity: Severity) -> Value {
    let doc = explain::lookup(code).or_else(|| explain::plugin_code(code));
    let (short, help, gate) = match &doc {
        Some(doc) => {
            let meaning = doc
                .fields
                .iter()
                .find(|(name, _)| name == "meaning")
                .or(doc.fields.last())
                .map_or(String::new(), |(_, value)| value.clone());
            (meaning, explain::render(doc), doc.gate())
        }
        None => (
            format!("finding code {code}"),
            format!(
                "{code}\n  undocumented finding code (`tollgate explain` lists every documented one)\n"
            ),
            code.split('.').next().unwrap_or(code).to_owned(),
        ),
    };
    let short = if short.is_empty() {
        format!("finding code {code}")
    } else {
        short
    };
    json!({
        "id": code,
        "shortDescription": {"text": short},
        "fullDescription": {"text": short},
        "help": {"text": help, "markdown": format!("```text\n{help}```\n\nRun `tollgate explain {code}` for this text.")},
        "defaultConfiguration": {"level": level(severity)},
        "properties": {"tags": ["tollgate", gate]},
    })
}

fn gate_error_rule() -> Value {
    let help = "A gate could not evaluate (missing or unreadable input, a tool that failed). \
                It blocks exactly like a failed gate when it is required; the message says \
                what went wrong and what to do.";
    json!({
        "id": GATE_ERROR_RULE,
        "shortDescription": {"text": "a gate could not evaluate"},
        "fullDescription": {"text": help},
        "help": {"text": help},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["tollgate"]},
    })
}

fn location(uri: &str, line: Option<u64>) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": uri}});
    if let Some(line) = line.filter(|&l| l >= 1) {
        physical["region"] = json!({"startLine": line});
    }
    json!({"physicalLocation": physical})
}

fn result(
    report: &GateReport,
    finding: &Finding,
    verdict: &Verdict,
    locate: Locate<'_>,
    policy_uri: &str,
) -> Value {
    let here = match &finding.location {
        Some(loc) => location(&locate(&loc.path), loc.line),
        None => location(policy_uri, None),
    };
    let mut text = finding.message.clone();
    if let Some(hint) = &finding.hint {
        text.push_str(&format!(" ({hint})"));
    }
    let mut value = json!({
        "ruleId": finding.code,
        "level": level(finding.severity),
        "message": {"text": text},
        "locations": [here],
        "properties": {"gate": report.gate, "required": report.required},
    });
    if let Some(subject) = &finding.subject {
        value["properties"]["subject"] = json!(subject);
        // A stable identity across runs, so code scanning tracks one alert per subject.
        value["partialFingerprints"] =
            json!({"tollgateFinding/v1": format!("{}:{}:{subject}", report.gate, finding.code)});
    }
    if let Some(i) = finding.waived_by {
        // `waived_by` indexes the policy's waivers; the verdict records the applied ones.
        let justification = verdict
            .waivers_applied
            .iter()
            .find(|w| {
                w.gate == report.gate
                    && w.code.as_deref() == Some(finding.code.as_str())
                    && (w.id.is_none() || w.id == finding.subject)
            })
            .map(|w| {
                format!(
                    "policy waiver #{}: {} (owner {}, expires {})",
                    i + 1,
                    w.reason,
                    w.owner,
                    w.expires
                )
            })
            .unwrap_or_else(|| format!("policy waiver #{}", i + 1));
        value["suppressions"] = json!([{"kind": "external", "justification": justification}]);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict() -> Verdict {
        serde_json::from_value(json!({
            "schema": crate::verdict::SCHEMA, "decision": "block",
            "reasons": ["required gate `drills` could not evaluate"],
            "environment": "testnet", "subjects": [], "commit": null,
            "policy": {"path": "gates/testnet.toml", "sha256": "00"},
            "gates": [
                {"gate": "audit", "required": true, "outcome": "waived", "duration_ms": 1,
                 "evidence": [], "findings": [
                    {"code": "audit.vulnerability", "severity": "error", "message": "time: RUSTSEC-2020-0071",
                     "subject": "RUSTSEC-2020-0071", "location": {"path": "cargo-audit.json", "line": 7},
                     "waived_by": 0}]},
                {"gate": "drills", "required": true, "outcome": "error", "duration_ms": 1,
                 "error": "cannot read ops/drills.jsonl", "evidence": [], "findings": []},
            ],
            "waivers_applied": [{"gate": "audit", "code": "audit.vulnerability", "id": "RUSTSEC-2020-0071",
                                 "reason": "build script only", "owner": "rm@example.org",
                                 "expires": "2026-12-31", "findings": 1}],
            "waivers_expired": [], "waivers_unused": [],
            "evaluated_at": "2026-11-21T10:00:00Z", "expires_at": "2026-11-24T10:00:00Z",
            "tool": {"name": "tollgate", "version": "0.1.0"},
        }))
        .unwrap()
    }

    #[test]
    fn waived_findings_are_suppressed_and_gate_errors_have_a_rule() {
        let locate = |path: &str| format!("repo/{path}");
        let log: Value = serde_json::from_str(&sarif(&verdict(), &locate)).unwrap();
        let run = &log["runs"][0];
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["audit.vulnerability", GATE_ERROR_RULE]);
        let results = run["results"].as_array().unwrap();
        let waived = &results[0];
        assert_eq!(waived["ruleIndex"], 0);
        assert_eq!(
            waived["locations"][0]["physicalLocation"],
            json!({"artifactLocation": {"uri": "repo/cargo-audit.json"}, "region": {"startLine": 7}})
        );
        assert_eq!(waived["suppressions"][0]["kind"], "external");
        let justification = waived["suppressions"][0]["justification"].as_str().unwrap();
        assert!(
            justification.contains("build script only") && justification.contains("rm@example.org"),
            "{justification}"
        );
        let error = &results[1];
        assert_eq!(error["ruleId"], GATE_ERROR_RULE);
        assert_eq!(error["ruleIndex"], 1);
        assert_eq!(
            error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "repo/gates/testnet.toml"
        );
        assert!(error.get("suppressions").is_none());
    }
}
