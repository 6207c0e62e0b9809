//! Plugin tables in policies: errors exit 2 with file:line, `gates --policy` lists them,
//! and `explain` knows plugin codes.

use super::*;

#[test]
fn bad_plugin_tables_are_configuration_errors_with_their_line() {
    let cases = [
        (
            "[[gates.plugin]]\ncommand = [\"x\"]\n",
            ":9:1: [[gates.plugin]] needs a `name`",
        ),
        (
            "[[gates.plugin]]\nname = \"a\"\ncommand = [\"x\"]\n\n[[gates.plugin]]\nname = \"a\"\ncommand = [\"y\"]\n",
            ":13:1: plugin gate `a` is defined twice (first on line 9)",
        ),
        (
            "[[gates.plugin]]\nname = \"a\"\ncommand = [\"x\"]\ntimeout = \"forever\"\n",
            ":12:11: `timeout`: invalid duration \"forever\"",
        ),
        (
            "[gates.plugin]\nname = \"a\"\ncommand = [\"x\"]\n",
            ":9:1: invalid type: map, expected a sequence\n  hint: write [[gates.plugin]] (double brackets)",
        ),
        (
            "[[gates.plugin]]\nname = \"audit\"\ncommand = [\"x\"]\n",
            ":10:8: plugin gate name `audit` is taken by a built-in gate",
        ),
    ];
    for (tail, expected) in cases {
        let ws = Workspace::new();
        plugin_policy(&ws, tail);
        let policy = ws.policy_path();
        for output in [
            ws.evaluate(&[]),
            tollgate(&["policy", "check", policy.to_str().unwrap()]),
        ] {
            assert_eq!(output.status.code(), Some(2), "{tail}");
            let message = stderr(&output);
            assert!(
                message.contains(&format!("{}{expected}", policy.display())),
                "{tail}\n=> {message}"
            );
        }
    }
}

#[test]
fn gates_lists_the_policy_plugins() {
    let ws = Workspace::new();
    plugin_policy(
        &ws,
        "[[gates.plugin]]\nname = \"artifact-size\"\ncommand = [\"plugins/size\", \"--max-kb\", \"200\"]\ntimeout = \"30s\"\n\n[[gates.plugin]]\nname = \"ci-status\"\ncommand = [\"tollgate-plugin-ci-status\"]\nrequired = false\n",
    );
    let out = tollgate(&["gates", "--policy", ws.policy_path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("signatures "), "{text}");
    assert!(text.contains("\nplugin "), "{text}");
    let size = format!(
        "  artifact-size      required  timeout 30s    {} --max-kb 200\n",
        ws.path().join("plugins/size").display()
    );
    assert!(text.contains(&size), "{text}");
    assert!(
        text.contains("  ci-status          advisory  timeout 1m     tollgate-plugin-ci-status\n"),
        "{text}"
    );
    let check = tollgate(&["policy", "check", ws.policy_path().to_str().unwrap()]);
    assert!(stdout(&check).contains("  gate artifact-size (required)\n"));
    assert!(stdout(&check).contains("  gate ci-status (advisory)\n"));
}

#[test]
fn explain_knows_plugin_codes() {
    let out = tollgate(&["explain", "plugin.artifact-size.too-large"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("docs/gates/plugin.md"),
        "{}",
        stdout(&out)
    );
    let out = tollgate(&["explain", "plugin.license-scan.gpl-found"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("A finding of the plugin gate `license-scan`"),
        "{text}"
    );
    assert!(
        text.contains("gate = \"license-scan\", code = \"plugin.license-scan.gpl-found\""),
        "{text}"
    );
}

/// The example plugins' codes (and the gate's own) are documented where `explain` reads.
#[test]
fn example_plugin_codes_are_documented() {
    for code in [
        "plugin.left-processes",
        "plugin.artifact-size.too-large",
        "plugin.ci-status.check-failed",
        "plugin.ci-status.check-pending",
        "plugin.ci-status.no-check-runs",
    ] {
        assert!(tollgate::explain::lookup(code).is_some(), "{code}");
    }
    // And the plugins' sources emit exactly those codes.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("gates/plugins");
    let size = std::fs::read_to_string(root.join("artifact-size/main.rs")).unwrap();
    assert!(size.contains("code: \"too-large\".into()"));
    let ci = std::fs::read_to_string(root.join("ci-status/main.rs")).unwrap();
    for code in ["\"no-check-runs\"", "\"check-pending\"", "\"check-failed\""] {
        assert!(ci.contains(code), "{code}");
    }
}
