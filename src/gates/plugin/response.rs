//! Reading a plugin's stdout into findings, strictly: anything but a well-formed protocol-1
//! report that agrees with itself is an error naming the field, because a plugin that
//! cannot say clearly why it passed has not passed.

use super::protocol::{self, Outcome, PROTOCOL, Response};
use crate::report::{Finding, Severity};
use serde_json::Value;

/// A validated report: findings already namespaced as `plugin.GATE.CODE`.
#[derive(Debug)]
pub struct Valid {
    pub findings: Vec<Finding>,
    pub evidence: Vec<protocol::Evidence>,
}

/// Validate the report plugin gate `gate` printed.
pub fn parse(stdout: &[u8], gate: &str) -> Result<Valid, String> {
    if stdout.iter().all(u8::is_ascii_whitespace) {
        return Err("it printed nothing on stdout (a plugin must print one JSON report)".into());
    }
    let value: Value = serde_json::from_slice(stdout)
        .map_err(|e| format!("its stdout is not one JSON document: {e}"))?;
    let Value::Object(object) = &value else {
        return Err("its report is not a JSON object".into());
    };
    // The version first: a report from another protocol is refused as such, not for
    // whatever fields it happens to have.
    match object.get("protocol") {
        None => {
            return Err(format!(
                "its report has no `protocol` (expected {PROTOCOL})"
            ));
        }
        Some(Value::Number(n)) if n.as_u64() == Some(PROTOCOL) => {}
        Some(other) => {
            return Err(format!(
                "its report speaks protocol {other}; this tollgate speaks protocol {PROTOCOL}"
            ));
        }
    }
    // Findings one by one, so an error can say which.
    for (key, what) in [("findings", "finding"), ("evidence", "evidence entry")] {
        if let Some(Value::Array(items)) = object.get(key) {
            for (index, item) in items.iter().enumerate() {
                let checked = if key == "findings" {
                    serde_json::from_value::<protocol::Finding>(item.clone()).map(|_| ())
                } else {
                    serde_json::from_value::<protocol::Evidence>(item.clone()).map(|_| ())
                };
                checked.map_err(|e| format!("`{key}[{index}]`: invalid {what}: {e}"))?;
            }
        }
    }
    let response: Response =
        serde_json::from_value(value).map_err(|e| format!("invalid report: {e}"))?;
    check(&response)?;
    let findings = response
        .findings
        .into_iter()
        .map(|f| namespaced(f, gate))
        .collect();
    Ok(Valid {
        findings,
        evidence: response.evidence,
    })
}

/// The rules serde cannot express.
fn check(response: &Response) -> Result<(), String> {
    for (index, finding) in response.findings.iter().enumerate() {
        if !protocol::is_valid_code(&finding.code) {
            return Err(format!(
                "`findings[{index}].code` {:?} is not a lower-case kebab-case code (e.g. \"too-large\")",
                finding.code
            ));
        }
        if finding.message.trim().is_empty() {
            return Err(format!("`findings[{index}].message` is empty"));
        }
    }
    for (index, evidence) in response.evidence.iter().enumerate() {
        if let Some(sha) = &evidence.sha256
            && !(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(format!(
                "`evidence[{index}].sha256` is not 64 hex digits: {sha:?}"
            ));
        }
    }
    let blocking = response
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    match (response.outcome, blocking) {
        (Outcome::Pass, n) if n > 0 => Err(format!(
            "`outcome` is \"pass\" but {n} finding(s) have severity \"error\"; a passing report may only hold warnings"
        )),
        (Outcome::Fail, 0) => Err(
            "`outcome` is \"fail\" but no finding has severity \"error\": a failing report must say why"
                .into(),
        ),
        _ => Ok(()),
    }
}

fn namespaced(finding: protocol::Finding, gate: &str) -> Finding {
    let code = format!("plugin.{gate}.{}", finding.code);
    let mut out = match finding.severity {
        Severity::Error => Finding::error(&code, finding.message),
        Severity::Warning => Finding::warning(&code, finding.message),
    };
    if let Some(subject) = finding.subject {
        out = out.subject(subject);
    }
    if let Some(location) = finding.location {
        out = out.at(location.path, location.line);
    }
    if let Some(hint) = finding.hint {
        out = out.hint(hint);
    }
    out
}
