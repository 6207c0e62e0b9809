//! `[[gates.health.endpoints]]`: GET a node's health JSON and check it with the smoke
//! gate's assertions (`/sync_progress >= 0.99`, `/warnings == []`,
//! `/last_block_time >= {now_minus_1h}`), with the evaluation clock as placeholders.

use super::client::{Answer, Client};
use super::config::Endpoint;
use super::judge::snippet;
use crate::smoke::template::Vars;
use serde_json::Value;
use time::OffsetDateTime;

/// The value of a clock placeholder at `now`: `{now}` is unix seconds, `{now_minus_D}` is
/// unix seconds D earlier (D a duration without spaces: `1h`, `30m`, `2d`). `None` for any
/// other name.
pub fn clock_var(name: &str, now: OffsetDateTime) -> Option<Value> {
    let now = now.unix_timestamp();
    if name == "now" {
        return Some(Value::from(now));
    }
    let ago = humantime::parse_duration(name.strip_prefix("now_minus_")?).ok()?;
    let ago = i64::try_from(ago.as_secs()).ok()?;
    Some(Value::from(now.checked_sub(ago)?))
}

/// What one endpoint came to: the problems (empty when every assertion held), whether the
/// endpoint could be read at all, and the body to keep as evidence.
pub struct Outcome {
    pub problems: Vec<String>,
    pub reachable: bool,
    pub status: Option<u16>,
    pub body: Option<Vec<u8>>,
}

pub fn check(client: &Client, endpoint: &Endpoint, now: OffsetDateTime) -> Outcome {
    let url = match super::config::base_url_with_path(&endpoint.url) {
        Ok(url) => url,
        Err(e) => return unreachable(e, None, None),
    };
    let (status, body) = match client.get(&url, &[], "application/json") {
        Answer::Failed(e) => return unreachable(e, None, None),
        Answer::Http { status, body } => (status, body),
    };
    if !(200..300).contains(&status) {
        let why = format!(
            "{} answered HTTP {status}: {}",
            endpoint.url,
            snippet(&body)
        );
        return unreachable(why, Some(status), Some(body));
    }
    let doc: Value = match serde_json::from_slice(&body) {
        Ok(doc) => doc,
        Err(e) => {
            let why = format!(
                "{} did not answer JSON ({e}): {}",
                endpoint.url,
                snippet(&body)
            );
            return unreachable(why, Some(status), Some(body));
        }
    };
    let problems = assess(&endpoint.assertions, &doc, now);
    Outcome {
        problems,
        reachable: true,
        status: Some(status),
        body: Some(body),
    }
}

/// Every assertion that does not hold, with what came back instead.
pub fn assess(
    assertions: &[crate::smoke::assertion::Assertion],
    doc: &Value,
    now: OffsetDateTime,
) -> Vec<String> {
    let mut problems = Vec::new();
    for assertion in assertions {
        let mut vars = Vars::new();
        for name in crate::smoke::template::placeholders(&assertion.operand) {
            if let Some(value) = clock_var(&name, now) {
                vars.insert(name, value);
            }
        }
        if let Err(got) = assertion.check(doc, &vars) {
            problems.push(format!("`{}`: {got}", assertion.text));
        }
    }
    problems
}

fn unreachable(why: String, status: Option<u16>, body: Option<Vec<u8>>) -> Outcome {
    Outcome {
        problems: vec![why],
        reachable: false,
        status,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smoke::assertion::Assertion;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn clock_placeholders_and_assertions() {
        let now = datetime!(2026-12-01 12:00 UTC);
        let t = now.unix_timestamp();
        assert_eq!(clock_var("now", now), Some(json!(t)));
        assert_eq!(clock_var("now_minus_1h", now), Some(json!(t - 3600)));
        assert_eq!(clock_var("now_minus_90m", now), Some(json!(t - 5400)));
        assert_eq!(clock_var("tip", now), None);
        assert_eq!(clock_var("now_minus_x", now), None);
        let assertions: Vec<Assertion> = [
            "/sync_progress >= 0.99",
            "/peer_count >= 3",
            "/warnings == []",
            "/last_block_time >= {now_minus_1h}",
        ]
        .iter()
        .map(|a| Assertion::parse(a).unwrap())
        .collect();
        let healthy = json!({"sync_progress": 1.0, "peer_count": 8, "warnings": [],
            "last_block_time": t - 120});
        assert!(assess(&assertions, &healthy, now).is_empty());
        let sick = json!({"sync_progress": 0.5, "peer_count": 2, "warnings": ["disk"],
            "last_block_time": t - 7200});
        let problems = assess(&assertions, &sick, now);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[3].contains("/last_block_time"), "{problems:?}");
    }
}
