//! Deciding one health check from what Prometheus answered: the HTTP status and the raw
//! response bytes, the check's expectation and `min_series`. Pure, so that evaluation and
//! `audit replay` (from the stored response) decide the same way.

use super::expect::Expect;
use serde_json::Value;

/// A check's outcome. Everything but `Pass` blocks.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    Pass {
        series: usize,
    },
    /// Each failing series: its labels (`name{k="v"}`) and value as Prometheus wrote it.
    Fail {
        failing: Vec<(String, String)>,
        series: usize,
    },
    NoData {
        series: usize,
    },
    Error(String),
}

impl Judgement {
    /// One word for records and replay: pass, fail, no-data, error.
    pub fn word(&self) -> &'static str {
        match self {
            Judgement::Pass { .. } => "pass",
            Judgement::Fail { .. } => "fail",
            Judgement::NoData { .. } => "no-data",
            Judgement::Error(_) => "error",
        }
    }
}

/// Decide from an HTTP status and the body Prometheus sent.
pub fn judge(status: u16, body: &[u8], expect: &Expect, min_series: usize) -> Judgement {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let doc = match parsed {
        Ok(doc @ Value::Object(_)) => doc,
        _ if !(200..300).contains(&status) => {
            return Judgement::Error(format!("HTTP {status}: {}", snippet(body)));
        }
        Ok(_) | Err(_) => {
            return Judgement::Error(format!(
                "malformed response (not a Prometheus API JSON object): {}",
                snippet(body)
            ));
        }
    };
    match doc.get("status").and_then(Value::as_str) {
        Some("success") if (200..300).contains(&status) => {}
        Some("error") => {
            let kind = doc.get("errorType").and_then(Value::as_str).unwrap_or("?");
            let error = doc.get("error").and_then(Value::as_str).unwrap_or("?");
            return Judgement::Error(format!(
                "Prometheus answered HTTP {status}, status \"error\" ({kind}): {error}"
            ));
        }
        Some("success") => {
            return Judgement::Error(format!("HTTP {status} with status \"success\""));
        }
        _ => {
            return Judgement::Error(format!(
                "malformed response: no \"status\" of \"success\" or \"error\": {}",
                snippet(body)
            ));
        }
    }
    let data = &doc["data"];
    let series = match (data["resultType"].as_str(), &data["result"]) {
        (Some("vector"), Value::Array(items)) => {
            let mut series = Vec::new();
            for item in items {
                let Some(value) = sample_value(&item["value"]) else {
                    return Judgement::Error(format!(
                        "malformed response: a series without a [time, \"value\"] sample: {}",
                        snippet(item.to_string().as_bytes())
                    ));
                };
                series.push((labels(&item["metric"]), value.to_owned()));
            }
            series
        }
        (Some("scalar"), sample) => match sample_value(sample) {
            Some(value) => vec![("scalar".to_owned(), value.to_owned())],
            None => {
                return Judgement::Error("malformed response: a scalar without a value".to_owned());
            }
        },
        (Some(other @ ("matrix" | "string")), _) => {
            return Judgement::Error(format!(
                "the query returned a {other}, not an instant vector: wrap a range in a function such as avg_over_time(...)"
            ));
        }
        _ => {
            return Judgement::Error(format!(
                "malformed response: no data.resultType and data.result: {}",
                snippet(body)
            ));
        }
    };
    let count = series.len();
    let mut failing = Vec::new();
    for (labels, text) in series {
        let value = match parse_value(&text) {
            Some(v) if v.is_nan() => {
                return Judgement::Error(format!(
                    "{labels} is NaN: the query divides by zero or lacks samples in its window"
                ));
            }
            Some(v) => v,
            None => {
                return Judgement::Error(format!(
                    "malformed response: {labels} has the value {text:?}, not a number"
                ));
            }
        };
        if !expect.holds(value) {
            failing.push((labels, text));
        }
    }
    if count < min_series {
        return Judgement::NoData { series: count };
    }
    if failing.is_empty() {
        Judgement::Pass { series: count }
    } else {
        Judgement::Fail {
            failing,
            series: count,
        }
    }
}

fn sample_value(sample: &Value) -> Option<&str> {
    match sample.as_array().map(Vec::as_slice) {
        Some([time, Value::String(value)]) if time.is_number() => Some(value),
        _ => None,
    }
}

/// Prometheus's float text: decimal, exponent, NaN, +Inf, -Inf.
fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

/// `name{k="v",...}` in label order (the metric name first when present).
pub fn labels(metric: &Value) -> String {
    let Some(map) = metric.as_object() else {
        return "{}".to_owned();
    };
    let name = map.get("__name__").and_then(Value::as_str).unwrap_or("");
    let mut pairs: Vec<(&String, String)> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    pairs.sort();
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// The start of a body, for messages.
pub fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut end = text.len().min(MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{:?}… ({} bytes)", &text[..end], body.len())
    } else {
        format!("{text:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(samples: &[(&str, &str)]) -> Vec<u8> {
        let result: Vec<Value> = samples
            .iter()
            .map(|(instance, v)| {
                serde_json::json!({"metric": {"__name__": "up", "instance": instance, "job": "node"},
                    "value": [1_700_000_000.0, v]})
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({"status": "success",
            "data": {"resultType": "vector", "result": result}}))
        .unwrap()
    }

    fn ge(t: f64) -> Expect {
        Expect::parse(&format!(">= {t}")).unwrap()
    }

    #[test]
    fn pass_fail_and_no_data() {
        let body = vector(&[("a", "1"), ("b", "0.999")]);
        assert_eq!(
            judge(200, &body, &ge(0.995), 1),
            Judgement::Pass { series: 2 }
        );
        assert_eq!(
            judge(200, &body, &ge(0.995), 3),
            Judgement::NoData { series: 2 }
        );
        match judge(200, &body, &ge(1.0), 1) {
            Judgement::Fail { failing, series: 2 } => {
                assert_eq!(
                    failing,
                    [(
                        "up{instance=\"b\",job=\"node\"}".to_owned(),
                        "0.999".to_owned()
                    )]
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            judge(200, &vector(&[]), &ge(0.0), 1),
            Judgement::NoData { series: 0 }
        );
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;
        assert_eq!(
            judge(200, scalar, &ge(2.0), 1),
            Judgement::Pass { series: 1 }
        );
    }

    #[test]
    fn everything_else_is_an_error() {
        let err = |status, body: &[u8]| match judge(status, body, &ge(0.0), 1) {
            Judgement::Error(e) => e,
            other => panic!("{other:?}"),
        };
        assert!(err(200, &vector(&[("a", "NaN")])).contains("NaN"));
        assert!(err(200, &vector(&[("a", "x")])).contains("not a number"));
        assert!(err(200, b"<html>").contains("malformed"));
        assert!(err(200, b"{\"status\":\"success\"}").contains("malformed"));
        assert!(err(502, b"bad gateway").contains("HTTP 502"));
        let bad = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#;
        assert!(err(400, bad).contains("parse error at char 3"));
        let matrix = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(err(200, matrix).contains("matrix"));
        assert!(err(200, b"").contains("malformed"));
    }
}
