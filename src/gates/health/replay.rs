//! `audit replay` for the health gate: Prometheus and the nodes cannot be asked again, but
//! every check's stored request record and raw response, with the stored policy's
//! expectation, fully determine its outcome. Each check and endpoint is re-decided from the
//! ledger's bytes and compared with the finding the stored report carries.

use super::config::Config;
use super::judge::{Judgement, judge};
use super::record::{self, CheckRequest, EndpointRequest};
use crate::report::GateReport;
use std::collections::BTreeMap;

/// One re-decision: whether it agrees with the stored report, and what was compared.
pub struct Redecided {
    pub agrees: bool,
    pub what: String,
}

/// Re-decide every check and endpoint of `config` from the stored report's evidence.
pub fn redecide(
    config: &Config,
    stored: Option<&GateReport>,
    blobs: &BTreeMap<String, Vec<u8>>,
) -> Vec<Redecided> {
    let Some(stored) = stored else {
        return vec![Redecided {
            agrees: false,
            what: "the stored verdict has no health report to re-decide".to_owned(),
        }];
    };
    let file = |name: String| {
        stored
            .evidence
            .iter()
            .find(|e| e.path.rsplit('/').next() == Some(name.as_str()))
            .and_then(|e| blobs.get(&e.sha256))
    };
    let stored_code = |subject: &str| {
        stored
            .findings
            .iter()
            .find(|f| f.subject.as_deref() == Some(subject) && f.code.starts_with("health."))
            .map(|f| f.code.clone())
    };
    let mut out = Vec::new();
    for (index, check) in config.checks.iter().enumerate() {
        let stem = record::stem("check", index, &check.name);
        let Some(request) = file(format!("{stem}{}", record::REQUEST)) else {
            out.push(missing(&check.name, &stem));
            continue;
        };
        let Ok(request) = serde_json::from_slice::<CheckRequest>(request) else {
            out.push(unreadable(&check.name, &stem));
            continue;
        };
        let response = file(format!("{stem}{}", record::RESPONSE));
        let code = match (&request.error, request.http_status, response) {
            (Some(_), _, _) => Some("health.query-error".to_owned()),
            (None, Some(status), Some(body)) => {
                let judgement = judge(status, body, &check.expect, check.min_series);
                code_of(&judgement)
            }
            // No response and no recorded failure: the placeholder could not be resolved.
            _ if request.http_status.is_none() => Some("health.since-deploy-unknown".to_owned()),
            _ => {
                out.push(missing(&check.name, &format!("{stem}{}", record::RESPONSE)));
                continue;
            }
        };
        out.push(compare(
            "check",
            &check.name,
            code,
            stored_code(&check.name),
        ));
    }
    for (index, endpoint) in config.endpoints.iter().enumerate() {
        let stem = record::stem("endpoint", index, &endpoint.name);
        let Some(request) = file(format!("{stem}{}", record::REQUEST)) else {
            out.push(missing(&endpoint.name, &stem));
            continue;
        };
        let Ok(request) = serde_json::from_slice::<EndpointRequest>(request) else {
            out.push(unreadable(&endpoint.name, &stem));
            continue;
        };
        let Some(now) = crate::verdict::parse_rfc3339(&request.time) else {
            out.push(unreadable(&endpoint.name, &stem));
            continue;
        };
        let body = file(format!("{stem}{}", record::RESPONSE));
        let doc = body.and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
        let code = match (request.http_status, doc) {
            (Some(status), Some(doc)) if (200..300).contains(&status) => {
                let problems = super::endpoint::assess(&endpoint.assertions, &doc, now);
                (!problems.is_empty()).then(|| "health.endpoint-failed".to_owned())
            }
            _ => Some("health.endpoint-error".to_owned()),
        };
        out.push(compare(
            "endpoint",
            &endpoint.name,
            code,
            stored_code(&endpoint.name),
        ));
    }
    out
}

fn code_of(judgement: &Judgement) -> Option<String> {
    match judgement {
        Judgement::Pass { .. } => None,
        Judgement::Fail { .. } => Some("health.check-failed".to_owned()),
        Judgement::NoData { .. } => Some("health.no-data".to_owned()),
        Judgement::Error(_) => Some("health.query-error".to_owned()),
    }
}

fn compare(kind: &str, name: &str, again: Option<String>, stored: Option<String>) -> Redecided {
    let word = |code: &Option<String>| code.clone().unwrap_or_else(|| "pass".to_owned());
    let agrees = again == stored;
    Redecided {
        agrees,
        what: if agrees {
            format!(
                "{kind} {name:?} re-decided from its stored response: {} (as stored)",
                word(&again)
            )
        } else {
            format!(
                "{kind} {name:?} re-decided from its stored response: {}, but the stored report says {}",
                word(&again),
                word(&stored)
            )
        },
    }
}

fn missing(name: &str, file: &str) -> Redecided {
    Redecided {
        agrees: false,
        what: format!("{name:?}: {file} is not in the ledger, so it cannot be re-decided"),
    }
}

fn unreadable(name: &str, file: &str) -> Redecided {
    Redecided {
        agrees: false,
        what: format!(
            "{name:?}: the stored {file}{} cannot be read",
            record::REQUEST
        ),
    }
}
