//! Stage order with soak time, end to end through the binary: a release promoted and
//! deployed to testnet at T may promote to mainnet only once it has soaked there (by the
//! ledger's clock), and not after a block verdict, a rollback or a freeze there; a changed
//! artifact has no history, and a deploy signed outside `ops_keys` does not count.

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use time::{Duration, OffsetDateTime};

const ARTIFACT: &str = "chain-node-1.4.2-x86_64-linux.tar.gz";

struct Path2 {
    ws: Workspace,
    /// The real time the testnet stage ran (the ledger's clock is the real clock).
    t: OffsetDateTime,
}

fn at(t: OffsetDateTime) -> String {
    tollgate::verdict::rfc3339(t)
}

const TRUST: &str = "[trust]\nartifact_keys = [\"release-keys/tollgate.pub\"]\nverdict_keys = [\"verdict-keys/tollgate.pub\"]\nops_keys = [\"ops-keys/tollgate.pub\"]\n\n[gates.signatures]\nartifact_signatures = \"required\"\n";

impl Path2 {
    fn new() -> Path2 {
        let ws = Workspace::new();
        tollgate::signing::keygen(&ws.path().join("ops-keys"), None).unwrap();
        tollgate::signing::keygen(&ws.path().join("other-keys"), None).unwrap();
        std::fs::write(
            ws.path().join("testnet.toml"),
            format!("environment = \"testnet\"\nverdict_ttl = \"72h\"\n\n{TRUST}"),
        )
        .unwrap();
        std::fs::write(
            ws.path().join("mainnet.toml"),
            format!(
                "environment = \"mainnet\"\nverdict_ttl = \"24h\"\n\n{TRUST}\n[gates.promotion]\nafter = [{{ environment = \"testnet\", stage = \"all\", soak = \"72h\" }}]\n"
            ),
        )
        .unwrap();
        let t = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        Path2 { ws, t }
    }

    fn key(&self, name: &str) -> PathBuf {
        self.ws.path().join(format!("{name}-keys/tollgate.key"))
    }

    fn store(&self) -> String {
        self.ws.store().to_str().unwrap().to_owned()
    }

    /// `evaluate` with `policy` (a file in the workspace) at `now`, into `out`.
    fn evaluate(&self, policy: &str, out: &str, now: OffsetDateTime) -> (i32, Value) {
        let out_dir = self.ws.path().join(out);
        let output = tollgate(&[
            "evaluate",
            "--policy",
            self.ws.path().join(policy).to_str().unwrap(),
            "--release",
            self.ws.release().to_str().unwrap(),
            "--repo",
            self.ws.path().to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--key",
            self.ws.verdict_key().to_str().unwrap(),
            "--store",
            &self.store(),
            "--now",
            &at(now),
        ]);
        let code = output.status.code().unwrap();
        assert!(
            code == 0 || code == 1,
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
        (code, read_json(&out_dir.join("verdict.json")))
    }

    fn deploy(&self, out: &str, stage: &str, key: &str) -> Output {
        tollgate(&[
            "deploy",
            "record",
            "--verdict",
            self.ws
                .path()
                .join(out)
                .join("verdict.json")
                .to_str()
                .unwrap(),
            "--pubkey",
            self.ws.verdict_pub().to_str().unwrap(),
            "--stage",
            stage,
            "--target",
            "testnet seeds",
            "--key",
            self.key(key).to_str().unwrap(),
            "--store",
            &self.store(),
            "--now",
            &at(self.t),
        ])
    }

    /// Testnet promote + deploy to `all` at T.
    fn testnet_deployed(&self) {
        let (code, verdict) = self.evaluate("testnet.toml", "out-testnet", self.t);
        assert_eq!(code, 0, "{verdict:#}");
        let out = self.deploy("out-testnet", "all", "ops");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    fn mainnet(&self, hours: i64) -> (i32, Value) {
        self.evaluate(
            "mainnet.toml",
            "out-mainnet",
            self.t + Duration::hours(hours),
        )
    }
}

fn promotion_messages(verdict: &Value) -> Vec<String> {
    gate(verdict, "promotion")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["code"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn mainnet_waits_for_the_testnet_soak_then_promotes() {
    let p = Path2::new();
    // Nothing in testnet yet: never promoted there.
    let (code, verdict) = p.mainnet(0);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.never-promoted"]
    );
    // Promoted but not deployed.
    let (code, _) = p.evaluate("testnet.toml", "out-testnet", p.t);
    assert_eq!(code, 0);
    let (code, verdict) = p.mainnet(1);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.never-deployed"]
    );
    let out = p.deploy("out-testnet", "all", "ops");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("testnet/all: deployed verdict"),
        "{}",
        stdout(&out)
    );

    let (code, verdict) = p.mainnet(24);
    assert_eq!(code, 1, "{verdict:#}");
    let messages = promotion_messages(&verdict);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.soaking"],
        "{messages:?}"
    );
    assert!(messages[0].contains("of 72h; ready at"), "{messages:?}");
    assert!(
        messages[0].contains("soaked 23h") || messages[0].contains("soaked 24h"),
        "{messages:?}"
    );

    let (code, verdict) = p.mainnet(80);
    assert_eq!(code, 0, "{:?}", promotion_messages(&verdict));
    let store = p.store();
    // audit replay re-decides the promotion gate from the ledger before that entry.
    let entry = read_json(&p.ws.path().join("out-mainnet/ledger-entry.json"));
    let replay = tollgate(&[
        "audit",
        "replay",
        entry["id"].as_str().unwrap(),
        "--store",
        &store,
    ]);
    assert_eq!(
        replay.status.code(),
        Some(0),
        "{}{}",
        stdout(&replay),
        stderr(&replay)
    );
    assert!(
        stdout(&replay).contains("promotion   re-ran on the stored evidence: reproduced"),
        "{}",
        stdout(&replay)
    );
    let out = tollgate(&[
        "audit",
        "last-good",
        "--environment",
        "testnet",
        "--stage",
        "all",
        "--store",
        &store,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("last good in testnet/all: verdict "),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains(ARTIFACT), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("signer NOT checked"),
        "{}",
        stdout(&out)
    );
    let promotion = gate(&verdict, "promotion");
    assert_eq!(promotion["outcome"], "pass");
    // The entries it rested on are its evidence: the verdict and the deploy.
    let evidence = promotion["evidence"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .filter(|e| e["path"].as_str().unwrap().contains("/entries/"))
            .count()
            >= 2,
        "{evidence:?}"
    );

    // audit verify checks the deploy's signature, and its signer with --ops-key.
    let ops_pub = p.ws.path().join("ops-keys/tollgate.pub");
    let other_pub = p.ws.path().join("other-keys/tollgate.pub");

    let ok = tollgate(&[
        "audit",
        "verify",
        "--store",
        &store,
        "--ops-key",
        ops_pub.to_str().unwrap(),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    let bad = tollgate(&[
        "audit",
        "verify",
        "--store",
        &store,
        "--ops-key",
        other_pub.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    assert!(
        stdout(&bad).contains("deploy signed by key"),
        "{}",
        stdout(&bad)
    );
}

#[test]
fn a_later_block_verdict_blocks_mainnet() {
    let p = Path2::new();
    p.testnet_deployed();
    // The same artifacts blocked in testnet afterwards (a drill log that is missing).
    std::fs::write(
        p.ws.path().join("testnet-strict.toml"),
        format!(
            "environment = \"testnet\"\n\n{TRUST}\n[gates.drills]\nlog = \"missing.jsonl\"\nrestore = {{ max_age = \"1d\" }}\n"
        ),
    )
    .unwrap();
    let (code, _) = p.evaluate(
        "testnet-strict.toml",
        "out-strict",
        p.t + Duration::hours(1),
    );
    assert_eq!(code, 1);
    let (code, verdict) = p.mainnet(80);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.blocked-since"]
    );
}

#[test]
fn a_rollback_blocks_mainnet() {
    let p = Path2::new();
    // An older build, promoted in testnet first.
    let original = std::fs::read(p.ws.release().join(ARTIFACT)).unwrap();
    p.ws.write(ARTIFACT, b"the previous build");
    p.ws.write_sums_and_sign(&[ARTIFACT, "RELEASE-NOTES.md"]);
    let (code, old) = p.evaluate("testnet.toml", "out-old", p.t - Duration::hours(200));
    assert_eq!(code, 0, "{old:#}");
    p.ws.write(ARTIFACT, &original);
    p.ws.write_sums_and_sign(&[ARTIFACT, "RELEASE-NOTES.md"]);
    p.testnet_deployed();
    let old_sha = tollgate::digest::sha256_hex(
        &std::fs::read(p.ws.path().join("out-old/verdict.json")).unwrap(),
    );
    let out = tollgate(&[
        "rollback",
        "record",
        "--environment",
        "testnet",
        "--to",
        &old_sha,
        "--reason",
        "sync stalls on testnet seeds",
        "--key",
        p.key("ops").to_str().unwrap(),
        "--store",
        &p.store(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, verdict) = p.mainnet(80);
    assert_eq!(code, 1);
    let messages = promotion_messages(&verdict);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.rolled-back"],
        "{messages:?}"
    );
    assert!(
        messages[0].contains("sync stalls on testnet seeds"),
        "{messages:?}"
    );

    // The release's path: its testnet promote, its deploy, the rollback away from it, and
    // the mainnet evaluation that blocked.
    let store = p.store();
    let verdict = p.ws.path().join("out-testnet/verdict.json");
    let out = tollgate(&[
        "audit",
        "timeline",
        verdict.to_str().unwrap(),
        "--store",
        &store,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let steps: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<(String, String, String)> = steps
        .iter()
        .map(|s| {
            (
                s["environment"].as_str().unwrap().to_owned(),
                s["kind"].as_str().unwrap().to_owned(),
                s["outcome"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let k = |e: &str, kind: &str, o: &str| (e.to_owned(), kind.to_owned(), o.to_owned());
    assert_eq!(
        kinds,
        [
            k("testnet", "verdict", "promote"),
            k("testnet", "deploy", ""),
            k("testnet", "rollback", "away-from-this-release"),
            k("mainnet", "verdict", "block"),
        ]
    );
    let digest = tollgate::digest::sha256_hex(&original);
    let text = tollgate(&["audit", "timeline", &digest, "--store", &store]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(stdout(&text).contains("deploy   all"), "{}", stdout(&text));
    assert!(
        stdout(&text).contains("sync stalls on testnet seeds"),
        "{}",
        stdout(&text)
    );

    // Last good in testnet: the release rolled back to, not the one rolled back.
    let ops_pub = p.ws.path().join("ops-keys/tollgate.pub");
    let out = tollgate(&[
        "audit",
        "last-good",
        "--environment",
        "testnet",
        "--store",
        &store,
        "--ops-key",
        ops_pub.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let good: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(good["verdict_sha256"], old_sha.as_str(), "{good:#}");
    assert_eq!(good["stage"], "rollback");
    // A rollback reverts every stage: for `all` too, the release rolled back to.
    let out = tollgate(&[
        "audit",
        "last-good",
        "--environment",
        "testnet",
        "--stage",
        "all",
        "--store",
        &store,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains(&old_sha), "{}", stdout(&out));
}

#[test]
fn a_freeze_since_the_deploy_blocks_mainnet() {
    let p = Path2::new();
    p.testnet_deployed();
    let out = tollgate(&[
        "freeze",
        "--environment",
        "testnet",
        "--reason",
        "INC-9: peers dropping",
        "--key",
        p.key("ops").to_str().unwrap(),
        "--store",
        &p.store(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, verdict) = p.mainnet(80);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.frozen-since"]
    );
}

#[test]
fn a_changed_artifact_has_no_history() {
    let p = Path2::new();
    p.testnet_deployed();
    p.ws.write(ARTIFACT, b"rebuilt after testnet");
    p.ws.write_sums_and_sign(&[ARTIFACT, "RELEASE-NOTES.md"]);
    let (code, verdict) = p.mainnet(80);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.never-promoted"]
    );
}

#[test]
fn a_deploy_signed_outside_ops_keys_does_not_count() {
    let p = Path2::new();
    let (code, _) = p.evaluate("testnet.toml", "out-testnet", p.t);
    assert_eq!(code, 0);
    let out = p.deploy("out-testnet", "all", "other");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, verdict) = p.mainnet(80);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.untrusted-deploy"]
    );
    // A deploy to another stage does not count for `all` either.
    let out = p.deploy("out-testnet", "canary", "ops");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (_, verdict) = p.mainnet(80);
    assert_eq!(
        gate_codes(&verdict, "promotion"),
        ["promotion.untrusted-deploy"]
    );
}

#[test]
fn deploy_record_refuses_what_it_cannot_vouch_for() {
    let p = Path2::new();
    let (code, _) = p.evaluate("testnet.toml", "out-testnet", p.t);
    assert_eq!(code, 0);
    let bad_stage = p.deploy("out-testnet", "Wave_10", "ops");
    assert_eq!(bad_stage.status.code(), Some(2), "{}", stderr(&bad_stage));
    assert!(
        stderr(&bad_stage).contains("kebab-case"),
        "{}",
        stderr(&bad_stage)
    );
    // A block verdict is never recorded as deployed.
    let (code, _) = p.mainnet(0);
    assert_eq!(code, 1);
    let blocked = p.deploy("out-mainnet", "all", "ops");
    assert_eq!(blocked.status.code(), Some(1), "{}", stderr(&blocked));
    assert!(stderr(&blocked).contains("block"), "{}", stderr(&blocked));
    let _ = Path::new("");
}

#[test]
fn a_split_ledger_counts_through_a_verified_bundle() {
    let p = Path2::new();
    p.ws.pin_v1();
    split_ledger_through_a_bundle(&p);
}

#[test]
fn a_split_format_2_log_counts_through_a_verified_bundle_of_every_record() {
    let p = Path2::new();
    crate::ledger_bundle_v2::pin_v2(&p.ws);
    split_ledger_through_a_bundle(&p);
}

/// Testnet's stage arrives at mainnet's evaluate as a bundle of testnet's ledger.
fn split_ledger_through_a_bundle(p: &Path2) {
    p.testnet_deployed();
    let bundle = p.ws.path().join("testnet-ledger.tar");
    let out = tollgate(&[
        "audit",
        "export",
        "--all",
        "--out",
        bundle.to_str().unwrap(),
        "--store",
        &p.store(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Mainnet keeps its own ledger; testnet's history arrives as the bundle.
    let policy = std::fs::read_to_string(p.ws.path().join("mainnet.toml")).unwrap();
    let mainnet_store = p.ws.path().join("mainnet-ledger");
    std::fs::write(
        p.ws.path().join("mainnet.toml"),
        format!("{policy}bundles = [\"testnet-ledger.tar\"]\nstore = \"mainnet-ledger\"\n"),
    )
    .unwrap();
    // The gate reads `store` (created by this evaluate's own append only afterwards).
    std::fs::create_dir_all(&mainnet_store).unwrap();
    let (code, verdict) = p.mainnet(80);
    assert_eq!(code, 0, "{:?}", promotion_messages(&verdict));
    let (code, verdict) = p.mainnet(24);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "promotion"), ["promotion.soaking"]);
    // A bundle that does not verify blocks.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    std::fs::write(&bundle, bytes).unwrap();
    let (code, verdict) = p.mainnet(80);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "promotion"), ["promotion.bad-bundle"]);
}
