use super::*;
use std::path::Path;

fn parse_text(text: &str) -> Result<Spec, crate::policy::PolicyError> {
    parse(Path::new("smoke.toml"), text)
}

const MINIMAL: &str = r#"
[node]
command = ["node", "--datadir", "{datadir}", "--port", "{rpc_port}"]
[rpc]
url = "http://127.0.0.1:{rpc_port}/"
[ready]
rpc = { method = "getblockcount" }
"#;

fn with(extra: &str) -> Result<Spec, crate::policy::PolicyError> {
    parse_text(&format!("{MINIMAL}{extra}"))
}

#[test]
fn shipped_specs_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("gates/smoke");
    let monero = load(&root.join("monero-regtest.toml")).unwrap();
    assert_eq!(monero.rpc.as_ref().unwrap().version, RpcVersion::V2);
    assert!(matches!(
        monero.stop.method,
        StopMethod::Request(Request::Http { .. })
    ));
    assert_eq!(
        monero.restart.as_ref().unwrap().unchanged,
        ["tip", "height"]
    );
    let bitcoind = load(&root.join("bitcoind-regtest.toml")).unwrap();
    let rpc = bitcoind.rpc.as_ref().unwrap();
    assert_eq!(rpc.version, RpcVersion::V1);
    assert!(rpc.auth.is_some());
    assert_eq!(
        bitcoind.restart.as_ref().unwrap().extra_args,
        ["-reindex-chainstate"]
    );
    assert!(matches!(
        bitcoind.stop.method,
        StopMethod::Request(Request::Rpc { .. })
    ));
}

#[test]
fn defaults_are_bounded() {
    let spec = with("[[steps]]\nrpc = { method = \"x\" }\nuntil = [\"/result > 1\"]\n").unwrap();
    assert_eq!(spec.ready.deadline, std::time::Duration::from_secs(60));
    assert_eq!(spec.stop.deadline, std::time::Duration::from_secs(30));
    assert!(matches!(
        spec.stop.method,
        StopMethod::Signal(StopSignal::Term)
    ));
    let until = spec.steps[0].until.as_ref().unwrap();
    assert_eq!(until.timeout, std::time::Duration::from_secs(60));
    assert_eq!(spec.steps[0].name, "step 1");
    assert_eq!(spec.steps[0].line, 8);
}

/// (spec tail, expected line, message fragment)
#[test]
fn errors_name_the_line_and_what_to_do() {
    for (extra, line, fragment) in [
        (
            "[[steps]]\nrcp = { method = \"x\" }\n",
            9,
            "unknown field `rcp`",
        ),
        (
            "[[steps]]\nhttp = { url = \"http://example.org/\" }\n",
            9,
            "not loopback",
        ),
        (
            "[[steps]]\nhttp = { url = \"http://{datadir}:1/\" }\n",
            9,
            "not loopback",
        ),
        (
            "[[steps]]\nhttp = { url = \"https://127.0.0.1/\" }\n",
            9,
            "scheme",
        ),
        (
            "[[steps]]\nrpc = { method = \"x\", params = [\"{tip}\"] }\n",
            9,
            "unknown placeholder `{tip}`",
        ),
        (
            "[[steps]]\nrpc = { method = \"x\" }\nexpect = [\"/result = 1\"]\n",
            10,
            "expected an operator",
        ),
        (
            "[[steps]]\nrpc = { method = \"x\" }\nhttp = { url = \"http://127.0.0.1/\" }\n",
            8,
            "exactly one of",
        ),
        (
            "[[steps]]\nrpc = { method = \"x\" }\ntimeout = \"soon\"\n",
            10,
            "invalid duration",
        ),
        ("[restart]\nunchanged = [\"tip\"]\n", 9, "must be captured"),
        ("[stop]\nsignal = \"SIGKILL\"\n", 9, "SIGTERM"),
    ] {
        let e = with(extra).unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(line), "{extra}: {e}");
        assert!(e.to_string().contains(fragment), "{extra}: {e}");
        assert!(e.to_string().starts_with("smoke.toml:"), "{e}");
    }
    let e = with("[[steps]]\nrpc = { method = \"x\" }\nexpekt = []\n").unwrap_err();
    assert_eq!(e.hint.as_deref(), Some("did you mean `expect`?"));
}

#[test]
fn captures_become_placeholders_for_later_steps_only() {
    let ok = with(concat!(
        "[[steps]]\nrpc = { method = \"getbestblockhash\" }\ncapture = { tip = \"/result\" }\n",
        "[[steps]]\nrpc = { method = \"getblock\", params = [\"{tip}\"] }\nexpect = [\"/result/hash == \\\"{tip}\\\"\"]\n",
    ));
    assert!(ok.is_ok(), "{ok:?}");
    let rpc_without_endpoint = parse_text(
        "[node]\ncommand = [\"n\"]\n[ready]\nhttp = { url = \"http://127.0.0.1:{rpc_port}/health\" }\n[[steps]]\nrpc = { method = \"x\" }\n",
    )
    .unwrap_err();
    assert!(
        rpc_without_endpoint.message.contains("[rpc]"),
        "{rpc_without_endpoint}"
    );
}
