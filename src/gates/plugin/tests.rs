//! Plugin reports and plugin tables, checked without running a plugin (tests/cli/plugin.rs
//! runs real ones end to end).

use super::response::parse;
use crate::report::Severity;

fn err(stdout: &str) -> String {
    parse(stdout.as_bytes(), "size").unwrap_err()
}

#[test]
fn a_valid_report_is_namespaced() {
    let valid = parse(
        br#"{"protocol":1,"outcome":"fail","findings":[
            {"code":"too-large","message":"big.tar is 300 KB","severity":"error","subject":"big.tar","location":{"path":"big.tar"},"hint":"shrink it"},
            {"code":"close.to-limit","message":"near","severity":"warning"}],
          "evidence":[{"path":"big.tar","size":3}]}"#,
        "size",
    )
    .unwrap();
    assert_eq!(valid.findings[0].code, "plugin.size.too-large");
    assert_eq!(valid.findings[0].subject.as_deref(), Some("big.tar"));
    assert_eq!(valid.findings[1].code, "plugin.size.close.to-limit");
    assert_eq!(valid.findings[1].severity, Severity::Warning);
    assert_eq!(valid.evidence[0].size, Some(3));
}

#[test]
fn empty_and_non_json_output_is_refused() {
    assert!(err("  \n").contains("printed nothing on stdout"));
    assert!(err("ok").contains("not one JSON document"));
    assert!(err("[1]").contains("not a JSON object"));
    assert!(err(r#"{"protocol":1,"outcome":"pass"} trailing"#).contains("not one JSON document"));
}

#[test]
fn the_protocol_version_is_checked_first() {
    assert!(err(r#"{"outcome":"pass"}"#).contains("no `protocol`"));
    let e = err(r#"{"protocol":2,"verdict":"ok"}"#);
    assert!(
        e.contains("speaks protocol 2; this tollgate speaks protocol 1"),
        "{e}"
    );
    assert!(err(r#"{"protocol":"1","outcome":"pass"}"#).contains("speaks protocol \"1\""));
}

#[test]
fn wrong_fields_are_named() {
    let e = err(r#"{"protocol":1,"outcome":"maybe"}"#);
    assert!(e.contains("unknown variant `maybe`"), "{e}");
    let e = err(
        r#"{"protocol":1,"outcome":"fail","findings":[{"code":"a","message":"m","severity":"error"},{"code":"b","message":"m","severty":"error"}]}"#,
    );
    assert!(
        e.starts_with("`findings[1]`: invalid finding: unknown field `severty`"),
        "{e}"
    );
    let e = err(r#"{"protocol":1,"outcome":"pass","extra":true}"#);
    assert!(e.contains("unknown field `extra`"), "{e}");
    let e = err(r#"{"protocol":1,"outcome":"pass","evidence":[{"path":7}]}"#);
    assert!(
        e.starts_with("`evidence[0]`: invalid evidence entry: invalid type"),
        "{e}"
    );
}

#[test]
fn outcome_must_agree_with_the_findings() {
    let e = err(
        r#"{"protocol":1,"outcome":"pass","findings":[{"code":"x","message":"m","severity":"error"}]}"#,
    );
    assert!(e.contains("`outcome` is \"pass\" but 1 finding(s)"), "{e}");
    let e = err(
        r#"{"protocol":1,"outcome":"fail","findings":[{"code":"x","message":"m","severity":"warning"}]}"#,
    );
    assert!(e.contains("a failing report must say why"), "{e}");
    assert!(
        parse(
            br#"{"protocol":1,"outcome":"pass","findings":[{"code":"x","message":"m","severity":"warning"}]}"#,
            "g"
        )
        .is_ok()
    );
}

#[test]
fn codes_messages_and_digests_are_checked() {
    for code in ["Too-Large", "too_large", "", "a..b", "-x", "x-"] {
        let text = format!(
            r#"{{"protocol":1,"outcome":"fail","findings":[{{"code":"{code}","message":"m","severity":"error"}}]}}"#
        );
        assert!(err(&text).contains("`findings[0].code`"), "{code}");
    }
    let e = err(
        r#"{"protocol":1,"outcome":"fail","findings":[{"code":"x","message":" ","severity":"error"}]}"#,
    );
    assert!(e.contains("`findings[0].message` is empty"));
    let e = err(r#"{"protocol":1,"outcome":"pass","evidence":[{"path":"a","sha256":"abc"}]}"#);
    assert!(e.contains("`evidence[0].sha256` is not 64 hex digits"));
}

mod tables {
    use crate::policy::parse;
    use std::path::Path;

    fn policy(tail: &str) -> Result<crate::policy::Policy, String> {
        parse(
            Path::new("/p/policy.toml"),
            &format!("environment = \"regtest\"\n{tail}"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn a_table_is_validated_with_defaults() {
        let p = policy(
            "[[gates.plugin]]\nname = \"size\"\ncommand = [\"plugins/size\", \"--max-kb\", \"200\"]\nconfig = { max_kb = 100, on = 2026-01-02, list = [1.5, true] }\n\n[[gates.plugin]]\nname = \"ci\"\ncommand = [\"ci-check\"]\ntimeout = \"5s\"\nrequired = false\n",
        )
        .unwrap();
        let [size, ci] = &p.gates.plugins[..] else {
            panic!("two plugins")
        };
        assert_eq!(size.program, Path::new("/p/plugins/size"));
        assert_eq!(size.args, ["--max-kb", "200"]);
        assert_eq!(size.timeout, super::super::config::DEFAULT_TIMEOUT);
        assert_eq!(size.line, 2);
        assert_eq!(
            serde_json::Value::Object(size.config.clone()),
            serde_json::json!({"max_kb": 100, "on": "2026-01-02", "list": [1.5, true]})
        );
        assert_eq!(ci.program, Path::new("ci-check"));
        assert!(!ci.required);
        assert_eq!(ci.timeout.as_secs(), 5);
    }

    #[test]
    fn bad_tables_point_at_the_line() {
        let cases = [
            (
                "[[gates.plugin]]\ncommand = [\"x\"]\n",
                "2:1: [[gates.plugin]] needs a `name`",
            ),
            ("[[gates.plugin]]\nname = \"x\"\n", "needs a `command`"),
            (
                "[[gates.plugin]]\nname = \"x\"\ncommand = []\n",
                "4:11: plugin `x`: `command` is empty",
            ),
            (
                "[[gates.plugin]]\nname = \"Big Size\"\ncommand = [\"x\"]\n",
                "3:8: plugin gate name \"Big Size\"",
            ),
            (
                "[[gates.plugin]]\nname = \"real-deps\"\ncommand = [\"x\"]\n",
                "taken by a built-in gate",
            ),
            (
                "[[gates.plugin]]\nname = \"x\"\ncommand = [\"x\"]\ntimeout = \"soon\"\n",
                "5:11: `timeout`: invalid duration",
            ),
            (
                "[[gates.plugin]]\nname = \"x\"\ncommand = [\"x\"]\ncolour = 1\n",
                "unknown field `colour`",
            ),
            (
                "[[gates.plugin]]\nname = \"x\"\ncommand = [\"a\"]\n[[gates.plugin]]\nname = \"x\"\ncommand = [\"b\"]\n",
                "5:1: plugin gate `x` is defined twice (first on line 2)",
            ),
            (
                "[[gates.plugin]]\nname = \"x\"\ncommand = [\"a\"]\nconfig = { f = nan }\n",
                "plugin `x` config `f`: NaN cannot be written in JSON",
            ),
        ];
        for (tail, expected) in cases {
            let e = policy(tail).unwrap_err();
            assert!(e.contains(expected), "{tail}\n=> {e}");
        }
    }

    #[test]
    fn waivers_name_plugin_gates() {
        let plugin = "[[gates.plugin]]\nname = \"size\"\ncommand = [\"x\"]\n";
        let waiver = |gate: &str| {
            format!(
                "{plugin}[[waivers]]\ngate = \"{gate}\"\ncode = \"plugin.size.too-large\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n"
            )
        };
        assert_eq!(policy(&waiver("size")).unwrap().waivers[0].gate, "size");
        let e = policy(&waiver("plugin")).unwrap_err();
        assert!(
            e.contains("by its `name`, not `plugin`") && e.contains("plugin gates here: size"),
            "{e}"
        );
        let e = policy(&waiver("sise")).unwrap_err();
        assert!(
            e.contains("unknown gate `sise`") && e.contains("did you mean `size`?"),
            "{e}"
        );
    }
}
