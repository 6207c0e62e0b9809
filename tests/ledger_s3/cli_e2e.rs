//! The ledger on S3 end to end through the real binary, as a CI job would use it: evaluate
//! (promote and block), freeze and unfreeze, every `audit` command, export and bundle
//! verification, then one object changed on the server and `audit verify` names it.

use super::server::S3Server;
use super::util::{Workspace, command, gate_codes, read_json, stderr, stdout};
use serde_json::Value;
use std::process::Output;
use tollgate::ledger::entry::{Kind, blob_key};
use tollgate::ledger::query::LogRecord;
use tollgate::ledger::s3::S3Store;
use tollgate::ledger::store::Store;

/// A workspace and the S3 store its commands use.
struct Run<'a> {
    ws: Workspace,
    server: &'a S3Server,
    store: String,
}

impl Run<'_> {
    fn tollgate(&self, args: &[&str]) -> Output {
        command(args)
            .args(["--store", &self.store])
            .envs(self.server.env())
            .output()
            .expect("run tollgate")
    }

    fn evaluate(&self) -> (i32, Value) {
        let ws = &self.ws;
        let out = self.tollgate(&[
            "evaluate",
            "--policy",
            ws.policy_path().to_str().unwrap(),
            "--release",
            ws.release().to_str().unwrap(),
            "--repo",
            ws.path().to_str().unwrap(),
            "--out",
            ws.out().to_str().unwrap(),
            "--key",
            ws.verdict_key().to_str().unwrap(),
        ]);
        let code = out.status.code().unwrap();
        assert!(code == 0 || code == 1, "exit {code}: {}", both(&out));
        assert!(
            stdout(&out).contains("ledger: entry "),
            "no ledger entry: {}",
            both(&out)
        );
        (code, read_json(&self.ws.out().join("verdict.json")))
    }

    fn freeze(&self, verb: &str, reason: &str) -> Output {
        let key = self.ws.verdict_key();
        let args = [verb, "--environment", "mainnet", "--reason", reason];
        let out = self.tollgate(&[&args[..], &["--key", key.to_str().unwrap()]].concat());
        assert_eq!(out.status.code(), Some(0), "{verb}: {}", both(&out));
        out
    }

    fn audit(&self, args: &[&str]) -> Output {
        self.tollgate(&[&["audit"], args].concat())
    }

    fn verify(&self) -> Output {
        let pubkey = self.ws.verdict_pub();
        self.audit(&["verify", "--pubkey", pubkey.to_str().unwrap()])
    }
}

fn both(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

const ARTIFACT: &str = "chain-node-1.4.2-x86_64-linux.tar.gz";

#[test]
fn evaluate_freeze_audit_export_and_tamper_on_s3() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let run = Run {
        ws: Workspace::new(),
        server: &server,
        store: server.url("e2e/ledger"),
    };
    // The freeze and unfreeze below are signed with the verdict key: trust it for ops too.
    let policy = std::fs::read_to_string(run.ws.policy_path()).unwrap();
    let policy = policy.replace(
        "[trust]\n",
        "[trust]\nops_keys = [\"verdict-keys/tollgate.pub\"]\n",
    );
    std::fs::write(run.ws.policy_path(), policy).unwrap();

    // 1 promote, 2 block (an artifact swapped after signing), 3 promote again.
    assert_eq!(run.evaluate().0, 0);
    let original = std::fs::read(run.ws.release().join(ARTIFACT)).unwrap();
    run.ws.write(ARTIFACT, b"swapped after signing");
    let (code, verdict) = run.evaluate();
    assert_eq!(code, 1, "{verdict:#}");
    run.ws.write(ARTIFACT, &original);
    assert_eq!(run.evaluate().0, 0);

    // 4 freeze, 5 an evaluate the freeze blocks, 6 unfreeze, 7 promote.
    run.freeze("freeze", "INC-9: chain halt");
    let (code, verdict) = run.evaluate();
    assert_eq!(code, 1, "{verdict:#}");
    assert_eq!(gate_codes(&verdict, "freeze"), ["freeze.frozen"]);
    assert!(
        verdict["reasons"].to_string().contains("INC-9: chain halt"),
        "{verdict:#}"
    );
    run.freeze("unfreeze", "INC-9 resolved");
    let (code, verdict) = run.evaluate();
    assert_eq!(code, 0, "{verdict:#}");
    let last_verdict =
        tollgate::digest::sha256_hex(&std::fs::read(run.ws.out().join("verdict.json")).unwrap());

    // audit log, typed as the library defines the records.
    let out = run.audit(&["log", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let log: Vec<LogRecord> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        log.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=7).collect::<Vec<_>>()
    );
    use Kind::{Freeze, Unfreeze, Verdict};
    assert_eq!(
        log.iter().map(|r| r.kind).collect::<Vec<_>>(),
        [
            Verdict, Verdict, Verdict, Freeze, Verdict, Unfreeze, Verdict
        ]
    );
    let decisions: Vec<Option<&str>> = log.iter().map(|r| r.decision.as_deref()).collect();
    let (p, b) = (Some("promote"), Some("block"));
    assert_eq!(decisions, [p, b, p, None, b, None, p]);
    assert_eq!(log[3].reason.as_deref(), Some("INC-9: chain halt"));
    assert_eq!(
        log[6].verdict_sha256.as_deref(),
        Some(last_verdict.as_str())
    );
    assert!(log.iter().all(|r| r.environment == "mainnet"));

    // audit show by the entry id evaluate printed.
    let id = format!("7:{}", log[6].entry_sha256);
    let out = run.audit(&["show", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(
        stdout(&out).contains("DECISION: PROMOTE to mainnet"),
        "{}",
        both(&out)
    );
    assert!(stdout(&out).contains("gate:signatures"), "{}", both(&out));

    // audit verify with the key: every signature, the whole chain.
    let out = run.verify();
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(
        stdout(&out).contains("OK: the chain is intact"),
        "{}",
        both(&out)
    );
    assert!(stdout(&out).contains("7 entries"), "{}", both(&out));

    // audit replay re-decides a promote and a block from what the bucket holds, consistently.
    for seq in ["2", "7"] {
        let out = run.audit(&["replay", seq, "--format", "json"]);
        let replay: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("replay {seq}: {e}: {}", both(&out)));
        assert_eq!(out.status.code(), Some(0), "replay {seq}: {replay:#}");
        assert_eq!(replay["consistent"], true, "replay {seq}: {replay:#}");
        // A signatures-only policy has no gate whose inputs are all stored: nothing is
        // re-run, so nothing may be called reproduced.
        assert_eq!(replay["rerun"], 0, "replay {seq}: {replay:#}");
        assert_eq!(replay["reproduced"], false, "replay {seq}: {replay:#}");
    }

    // export everything, verify the bundle offline.
    let bundle = run.ws.path().join("ledger.tar");
    let out = run.audit(&["export", "--all", "-o", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let pubkey = run.ws.verdict_pub();
    let out = command(&["audit", "verify", "--bundle", bundle.to_str().unwrap()])
        .args(["--pubkey", pubkey.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(
        stdout(&out).contains("OK: the bundle is intact"),
        "{}",
        both(&out)
    );

    // Change one byte of the block verdict (entry 2) on the server: verify names the object.
    let store = S3Store::open_with_env(&run.store, server.env()).unwrap();
    let verdict_key = blob_key(log[1].verdict_sha256.as_deref().unwrap());
    let mut bytes = store
        .get(&verdict_key)
        .unwrap()
        .expect("the stored verdict");
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    store.replace(&verdict_key, &bytes).unwrap();
    let out = run.verify();
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "tampering not caught: {}",
        both(&out)
    );
    assert!(text.starts_with("BROKEN: "), "{text}");
    assert!(
        text.contains(&format!("{}/entries/000000000002.json", run.store)),
        "{text}"
    );
    assert!(text.contains(&verdict_key), "{text}");
}
