//! The config gate end to end: node configs in the release checked against pinned digests,
//! documented references and the network markers; their digests in verdict and provenance.

use crate::util::*;
use tollgate::digest::sha256_hex;

const NOW: &str = "2026-11-21T12:00:00Z";
const ARTIFACTS: [&str; 2] = ["chain-node-1.4.2-x86_64-linux.tar.gz", "RELEASE-NOTES.md"];

/// Put node configs in the release (listed in the signed sums like every release file).
fn ship(ws: &Workspace, configs: &[(&str, &str)]) {
    let mut names: Vec<&str> = ARTIFACTS.to_vec();
    for (name, text) in configs {
        ws.write(name, text.as_bytes());
        names.push(name);
    }
    ws.write_sums_and_sign(&names);
}

fn policy(ws: &Workspace, environment: &str, table: &str) {
    ws.policy_with(
        environment,
        "artifact_signatures = \"required\"",
        &format!("[gates.config]\nfamily = \"bitcoin\"\n{table}\n"),
    );
}

fn evaluate(ws: &Workspace) -> (i32, serde_json::Value) {
    let out = ws.evaluate(&["--now", NOW]);
    let verdict = read_json(&ws.out().join("verdict.json"));
    (out.status.code().unwrap(), verdict)
}

const MAINNET: &str = "server=1\nrpcbind=127.0.0.1\nrpcport=8332\ndbcache=450\n";

#[test]
fn a_documented_config_promotes_and_its_digest_reaches_verdict_and_provenance() {
    let ws = Workspace::new();
    ship(&ws, &[("config/bitcoin.conf", MAINNET)]);
    std::fs::write(ws.path().join("bitcoin.mainnet.conf"), MAINNET).unwrap();
    let sha = sha256_hex(MAINNET.as_bytes());
    policy(
        &ws,
        "mainnet",
        &format!(
            "files = [{{ path = \"config/bitcoin.conf\", reference = \"bitcoin.mainnet.conf\", sha256 = \"{sha}\" }}]"
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 0, "{verdict:#}");
    assert_eq!(
        verdict["configs"],
        serde_json::json!([{"path": "config/bitcoin.conf", "sha256": sha}])
    );
    let provenance = read_json(&ws.out().join("provenance.json")).to_string();
    assert!(
        provenance.contains("node-config") && provenance.contains(&sha),
        "{provenance}"
    );
}

#[test]
fn verdicts_without_the_config_gate_carry_no_configs_key() {
    let ws = Workspace::new();
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 0);
    assert!(verdict.get("configs").is_none(), "{verdict:#}");
}

#[test]
fn a_mainnet_config_with_testnet_1_blocks_at_its_line() {
    let ws = Workspace::new();
    let text = "server=1\ntestnet=1\n";
    ship(&ws, &[("bitcoin.conf", text)]);
    policy(
        &ws,
        "mainnet",
        &format!(
            "files = [{{ path = \"bitcoin.conf\", sha256 = \"{}\" }}]",
            sha256_hex(text.as_bytes())
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "config"), ["config.network-mismatch"]);
    let finding = &gate(&verdict, "config")["findings"][0];
    assert_eq!(finding["location"]["line"], 2);
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("`testnet=1` marks testnet"),
        "{finding}"
    );
}

#[test]
fn chain_main_in_a_testnet_config_blocks() {
    let ws = Workspace::new();
    let text = "chain=main\n";
    ship(&ws, &[("bitcoin.conf", text)]);
    policy(
        &ws,
        "testnet",
        &format!(
            "files = [{{ path = \"bitcoin.conf\", sha256 = \"{}\" }}]",
            sha256_hex(text.as_bytes())
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "config"), ["config.network-mismatch"]);
}

#[test]
fn an_undocumented_change_is_named_with_its_value() {
    let ws = Workspace::new();
    let changed = MAINNET.replace("dbcache=450", "dbcache=4000") + "txindex=1\n";
    ship(&ws, &[("config/bitcoin.conf", &changed)]);
    std::fs::write(ws.path().join("bitcoin.mainnet.conf"), MAINNET).unwrap();
    policy(
        &ws,
        "mainnet",
        "files = [{ path = \"config/bitcoin.conf\", reference = \"bitcoin.mainnet.conf\" }]",
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 1);
    let findings = gate(&verdict, "config")["findings"]
        .as_array()
        .unwrap()
        .clone();
    let named: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["subject"].as_str().unwrap()))
        .collect();
    assert_eq!(
        named,
        [
            ("config.undocumented-change", "config/bitcoin.conf:dbcache"),
            ("config.undocumented-change", "config/bitcoin.conf:txindex"),
        ]
    );
    let message = findings[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`dbcache` = `4000` where the reference has `450`"),
        "{message}"
    );
    assert_eq!(findings[0]["location"]["line"], 4);
}

#[test]
fn configs_for_two_networks_are_a_mixed_profile() {
    let ws = Workspace::new();
    let test = "testnet=1\nrpcport=18332\n";
    ship(
        &ws,
        &[("bitcoin.conf", MAINNET), ("bitcoin-testnet.conf", test)],
    );
    policy(
        &ws,
        "mainnet",
        &format!(
            "files = [{{ path = \"bitcoin.conf\", sha256 = \"{}\" }}, {{ path = \"bitcoin-testnet.conf\", sha256 = \"{}\" }}]",
            sha256_hex(MAINNET.as_bytes()),
            sha256_hex(test.as_bytes())
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "config"),
        [
            "config.network-mismatch",
            "config.network-mismatch",
            "config.mixed-profile"
        ]
    );
    let mixed = gate(&verdict, "config")["findings"][2]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        mixed.contains("bitcoin.conf: mainnet") && mixed.contains("bitcoin-testnet.conf: testnet"),
        "{mixed}"
    );
}

#[test]
fn a_pinned_digest_mismatch_blocks_and_cannot_be_waived() {
    let ws = Workspace::new();
    ship(&ws, &[("bitcoin.conf", MAINNET)]);
    policy(
        &ws,
        "mainnet",
        &format!(
            "files = [{{ path = \"bitcoin.conf\", sha256 = \"{}\" }}]",
            "0".repeat(64)
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "config"), ["config.digest-mismatch"]);
    let explain = tollgate(&["explain", "config.digest-mismatch"]);
    assert!(
        stdout(&explain).to_lowercase().contains("integrity"),
        "{}",
        stdout(&explain)
    );
}

#[test]
fn a_missing_config_blocks_and_a_config_from_the_repo_is_read() {
    let ws = Workspace::new();
    policy(
        &ws,
        "mainnet",
        &format!(
            "files = [{{ path = \"bitcoin.conf\", sha256 = \"{}\" }}]",
            "0".repeat(64)
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "config"), ["config.missing"]);
    std::fs::create_dir_all(ws.path().join("deploy")).unwrap();
    std::fs::write(
        ws.path().join("deploy/monerod.conf"),
        "rpc-bind-port=18081\n",
    )
    .unwrap();
    policy(
        &ws,
        "mainnet",
        &format!(
            "files = [{{ path = \"deploy/monerod.conf\", base = \"repo\", family = \"monero\", sha256 = \"{}\" }}]",
            sha256_hex(b"rpc-bind-port=18081\n")
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 0, "{verdict:#}");
}

/// Every file under `dir`, recursively, as bytes.
fn all_files(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            all_files(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
}

fn assert_no_password(files: &[(std::path::PathBuf, Vec<u8>)], password: &str) {
    for (path, bytes) in files {
        let text = String::from_utf8_lossy(bytes);
        for secret in [password, "another-Secret-Value-1"] {
            assert!(
                !text.contains(secret),
                "{} holds a password",
                path.display()
            );
        }
    }
}

#[test]
fn an_exposed_rpc_with_a_plaintext_password_blocks_without_printing_it() {
    const PASSWORD: &str = "Zx9-very-unique-rpc-password-7781";
    let ws = Workspace::new();
    let text = format!(
        "server=1\nrpcbind=0.0.0.0\nrpcallowip=0.0.0.0/0\nrpcuser=alice\nrpcpassword={PASSWORD}\n"
    );
    ship(&ws, &[("bitcoin.conf", &text)]);
    // The reference differs in the password too: the difference is named, never shown.
    std::fs::write(ws.path().join("reference.conf"), "server=1\nrpcbind=0.0.0.0\nrpcallowip=0.0.0.0/0\nrpcuser=alice\nrpcpassword=another-Secret-Value-1\n").unwrap();
    policy(
        &ws,
        "mainnet",
        "security = \"required\"\nfiles = [{ path = \"bitcoin.conf\", reference = \"reference.conf\" }]",
    );
    for format in ["text", "json", "markdown"] {
        let out = ws.evaluate(&["--now", NOW, "--format", format, "-v"]);
        assert_eq!(out.status.code(), Some(1));
        for stream in [stdout(&out), stderr(&out)] {
            assert!(
                !stream.contains(PASSWORD) && !stream.contains("another-Secret-Value-1"),
                "{format}: {stream}"
            );
        }
    }
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(
        gate_codes(&verdict, "config"),
        [
            "config.rpc-exposed",
            "config.rpc-exposed",
            "config.rpc-plaintext-password",
            "config.undocumented-change"
        ]
    );
    let plaintext = &gate(&verdict, "config")["findings"][2];
    assert_eq!(plaintext["location"]["line"], 5);
    assert_eq!(plaintext["subject"], "bitcoin.conf:rpcpassword");
    let mut files = Vec::new();
    all_files(&ws.out(), &mut files);
    all_files(&ws.store(), &mut files);
    assert!(files.len() > 3);
    assert_no_password(&files, PASSWORD);
    // A config from the repository is no release subject: bound by digest, it must not reach
    // the ledger's evidence store either (nor its reference).
    std::fs::write(ws.path().join("repo-bitcoin.conf"), &text).unwrap();
    policy(
        &ws,
        "mainnet",
        "security = \"required\"\nfiles = [{ path = \"repo-bitcoin.conf\", base = \"repo\", reference = \"reference.conf\" }]",
    );
    let out = ws.evaluate(&["--now", NOW]);
    assert_eq!(out.status.code(), Some(1));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(verdict["configs"][0]["path"], "repo-bitcoin.conf");
    let mut files = Vec::new();
    all_files(&ws.store(), &mut files);
    assert_no_password(&files, PASSWORD);
    let explain = tollgate(&["explain", "config.rpc-plaintext-password"]);
    assert_eq!(explain.status.code(), Some(0));
}

#[test]
fn a_hardened_config_passes_the_baseline_and_report_mode_only_warns() {
    let ws = Workspace::new();
    let hardened = "server=1\nrpcbind=127.0.0.1\nrpcallowip=10.0.0.0/8\nrpcauth=alice:f7efda5c189b999524f151318c0c86$d5b51b3beffbc02b724e5d095828e0bc8b2456e9ac8757ae3211a5d9b16a22ae\n";
    ship(&ws, &[("bitcoin.conf", hardened)]);
    let sha = sha256_hex(hardened.as_bytes());
    policy(
        &ws,
        "mainnet",
        &format!(
            "security = \"required\"\nfiles = [{{ path = \"bitcoin.conf\", sha256 = \"{sha}\" }}]"
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 0, "{verdict:#}");

    let exposed = "rpcbind=0.0.0.0\nrpcpassword=changeme\n";
    ship(&ws, &[("bitcoin.conf", exposed)]);
    let sha = sha256_hex(exposed.as_bytes());
    policy(
        &ws,
        "mainnet",
        &format!(
            "security = \"report\"\nfiles = [{{ path = \"bitcoin.conf\", sha256 = \"{sha}\" }}]"
        ),
    );
    let (code, verdict) = evaluate(&ws);
    assert_eq!(code, 0, "report mode never blocks: {verdict:#}");
    assert_eq!(
        gate_codes(&verdict, "config"),
        [
            "config.rpc-exposed",
            "config.rpc-plaintext-password",
            "config.rpc-weak-password"
        ]
    );
    assert!(!verdict.to_string().contains("changeme"));
}

/// The `[gates.config]` table of the shipped policy for `environment`, with its reference
/// made absolute (the workspace's policy lives elsewhere).
fn shipped_config_table(environment: &str) -> String {
    let shipped = testdata(&format!("../gates/{environment}.toml"));
    let text = std::fs::read_to_string(&shipped).unwrap();
    let policy: toml::Table = text.parse().unwrap();
    let mut config = policy["gates"]["config"].as_table().unwrap().clone();
    assert_eq!(
        config["security"].as_str(),
        Some("required"),
        "{environment}"
    );
    let files = config["files"].as_array_mut().unwrap();
    let file = files[0].as_table_mut().unwrap();
    assert_eq!(file["path"].as_str(), Some("config/chain-node.conf"));
    let reference = shipped
        .parent()
        .unwrap()
        .join(file["reference"].as_str().unwrap());
    file.insert(
        "reference".into(),
        reference.canonicalize().unwrap().to_str().unwrap().into(),
    );
    let mut gates = toml::Table::new();
    gates.insert("config".into(), config.into());
    let mut wrapper = toml::Table::new();
    wrapper.insert("gates".into(), gates.into());
    toml::to_string(&wrapper).unwrap()
}

// The shipped testnet and mainnet policies enforce the node security baseline: their
// documented reference config passes; the same config exposing RPC to the internet with a
// plaintext password blocks, naming the keys and never the password.
#[test]
fn shipped_policies_block_an_insecure_node_config_and_pass_a_hardened_one() {
    const PASSWORD: &str = "Qv7-shipped-policy-rpc-password-5523";
    for environment in ["testnet", "mainnet"] {
        let ws = Workspace::new();
        ws.policy_with(
            environment,
            "artifact_signatures = \"required\"",
            &shipped_config_table(environment),
        );
        let reference = std::fs::read_to_string(testdata(&format!(
            "../gates/config/chain-node.{environment}.conf"
        )))
        .unwrap();
        ship(&ws, &[("config/chain-node.conf", &reference)]);
        let (code, verdict) = evaluate(&ws);
        assert_eq!(code, 0, "{environment}: {:#}", gate(&verdict, "config"));
        assert!(gate_codes(&verdict, "config").is_empty());

        let insecure = format!(
            "{}rpcallowip=0.0.0.0/0\nrpcuser=alice\nrpcpassword={PASSWORD}\n",
            reference.replace("rpcallowip=127.0.0.1\n", "")
        );
        ship(&ws, &[("config/chain-node.conf", &insecure)]);
        let out = ws.evaluate(&["--now", NOW]);
        assert_eq!(out.status.code(), Some(1), "{environment}");
        for stream in [stdout(&out), stderr(&out)] {
            assert!(!stream.contains(PASSWORD), "{environment}: {stream}");
        }
        let verdict = read_json(&ws.out().join("verdict.json"));
        let codes = gate_codes(&verdict, "config");
        for code in ["config.rpc-exposed", "config.rpc-plaintext-password"] {
            assert!(codes.contains(&code.to_owned()), "{environment}: {codes:?}");
        }
        let mut files = Vec::new();
        all_files(&ws.out(), &mut files);
        all_files(&ws.store(), &mut files);
        assert_no_password(&files, PASSWORD);
    }
}
