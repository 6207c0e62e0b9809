//! The artifact-size example plugin through `tollgate evaluate`.

use super::*;
use tollgate::digest::sha256_hex;

fn table(extra: &str) -> String {
    format!(
        "[[gates.plugin]]\nname = \"artifact-size\"\ncommand = [\"{ARTIFACT_SIZE}\", \"--max-kb\", \"200\"]\ntimeout = \"30s\"\n{extra}"
    )
}

/// Add a `kb`-KiB artifact to the release and re-sign the sums over every artifact.
fn add_artifact(ws: &Workspace, name: &str, bytes: usize) {
    ws.write(name, &vec![b'z'; bytes]);
    ws.write_sums_and_sign(&[
        "chain-node-1.4.2-x86_64-linux.tar.gz",
        "RELEASE-NOTES.md",
        name,
    ]);
}

#[test]
fn a_release_within_the_limit_promotes() {
    let ws = Workspace::new();
    add_artifact(&ws, "chain-node.bin", 200 * 1024);
    plugin_policy(&ws, &table(""));
    let (code, verdict, text) = evaluate(&ws, &[]);
    assert_eq!(code, 0, "{text}");
    // A gate name longer than the built-in ones widens the text report's column.
    let columns: Vec<Option<usize>> = text
        .lines()
        .filter(|line| line.starts_with("PASS"))
        .map(|line| line.find("required"))
        .collect();
    assert_eq!(columns.len(), 2, "{text}");
    assert_eq!(columns[0], columns[1], "{text}");
    let gate = gate(&verdict, "artifact-size");
    assert_eq!(gate["outcome"], "pass");
    assert_eq!(gate["required"], true);
    let evidence: Vec<&str> = gate["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(evidence.contains(&ARTIFACT_SIZE), "{evidence:?}");
    assert!(evidence.contains(&"chain-node.bin"), "{evidence:?}");
    assert!(
        evidence
            .iter()
            .any(|p| p.ends_with("plugins/artifact-size.request.json"))
    );

    // The request tollgate really sent: its fields, and the schema.
    let plugins = ws.out().join("plugins");
    let request = read_json(&plugins.join("artifact-size.request.json"));
    assert_eq!(request["protocol"], 1);
    assert_eq!(request["gate"], "artifact-size");
    assert_eq!(request["environment"], "mainnet");
    assert_eq!(
        request["release"],
        ws.release().canonicalize().unwrap().to_str().unwrap()
    );
    let bin = request["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "chain-node.bin")
        .unwrap();
    assert_eq!(bin["size"], 200 * 1024);
    assert_eq!(bin["sha256"], sha256_hex(&vec![b'z'; 200 * 1024]));
    assert_schema_valid("request", &[plugins.join("artifact-size.request.json")]);
    assert_schema_valid("response", &[plugins.join("artifact-size.response.json")]);
}

#[test]
fn an_oversize_artifact_blocks_and_a_waiver_lets_it_through() {
    let ws = Workspace::new();
    add_artifact(&ws, "chain-node.bin", 250 * 1024);
    plugin_policy(&ws, &table(""));
    let (code, verdict, text) = evaluate(&ws, &[]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        gate_codes(&verdict, "artifact-size"),
        ["plugin.artifact-size.too-large"]
    );
    let finding = &gate(&verdict, "artifact-size")["findings"][0];
    assert_eq!(finding["subject"], "chain-node.bin");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("256000 bytes (250.0 KB), over the 200 KB limit"),
        "{finding}"
    );
    assert!(text.contains("plugin.artifact-size.too-large"), "{text}");
    assert_schema_valid(
        "response",
        &[ws.out().join("plugins/artifact-size.response.json")],
    );

    let waiver = format!(
        "[[waivers]]\ngate = \"artifact-size\"\ncode = \"plugin.artifact-size.too-large\"\nid = \"chain-node.bin\"\nreason = \"debug build for the testnet soak\"\nowner = \"release-manager@example.org\"\nexpires = {}\n",
        soon()
    );
    plugin_policy(&ws, &format!("{}{waiver}", table("")));
    let (code, verdict, text) = evaluate(&ws, &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(gate(&verdict, "artifact-size")["outcome"], "waived");
    assert_eq!(verdict["waivers_applied"][0]["gate"], "artifact-size");
}

#[test]
fn the_limit_comes_from_config_and_must_not_contradict_the_flag() {
    let ws = Workspace::new();
    add_artifact(&ws, "chain-node.bin", 150 * 1024);
    let config_only = format!(
        "[[gates.plugin]]\nname = \"artifact-size\"\ncommand = [\"{ARTIFACT_SIZE}\"]\nconfig = {{ max_kb = 100 }}\n"
    );
    plugin_policy(&ws, &config_only);
    let (code, verdict, _) = evaluate(&ws, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "artifact-size"),
        ["plugin.artifact-size.too-large"]
    );

    plugin_policy(&ws, &table("config = { max_kb = 100 }\n"));
    let (code, verdict, _) = evaluate(&ws, &[]);
    assert_eq!(code, 1);
    let gate = gate(&verdict, "artifact-size");
    assert_eq!(gate["outcome"], "error");
    let error = gate["error"].as_str().unwrap();
    assert!(
        error.contains("config `max_kb` = 100 and `--max-kb 200` disagree"),
        "{error}"
    );
    assert!(error.contains("policy.toml:"), "{error}");
}

/// gates/plugins/demo.toml promotes the demo release. Evaluated from a copy whose relative
/// paths are made absolute: the shipped command assumes the default target directory.
#[test]
fn the_shipped_plugin_demo_policy_promotes_the_demo_release() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = std::fs::read_to_string(root.join("gates/plugins/demo.toml")).unwrap();
    let (command, key) = (
        "\"../../target/debug/tollgate-plugin-artifact-size\"",
        "\"../../testdata/keys/demo-release.pub\"",
    );
    assert!(shipped.contains(command) && shipped.contains(key));
    let copy = shipped
        .replace(command, &format!("{ARTIFACT_SIZE:?}"))
        .replace(key, &format!("{:?}", testdata("keys/demo-release.pub")));
    let scratch = tempfile::tempdir().unwrap();
    let policy = scratch.path().join("demo.toml");
    std::fs::write(&policy, copy).unwrap();
    let out = scratch.path().join("out");
    let output = tollgate(&[
        "evaluate",
        "--policy",
        policy.to_str().unwrap(),
        "--release",
        testdata("demo-release").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let verdict = read_json(&out.join("verdict.json"));
    assert_eq!(gate(&verdict, "artifact-size")["outcome"], "pass");
}
