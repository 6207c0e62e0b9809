//! Stage order with soak time against the S3 ledger (s3s-fs on loopback): testnet promote and
//! deploy at T, mainnet blocks at T+24h naming the remaining soak and promotes at T+80h, with
//! every command reading and appending through `--store s3://…`.

use super::server::S3Server;
use super::util::{Workspace, command, gate_codes, read_json, stderr, stdout};
use serde_json::Value;
use std::process::Output;
use time::{Duration, OffsetDateTime};

const TRUST: &str = "[trust]\nartifact_keys = [\"release-keys/tollgate.pub\"]\nverdict_keys = [\"verdict-keys/tollgate.pub\"]\nops_keys = [\"ops-keys/tollgate.pub\"]\n\n[gates.signatures]\nartifact_signatures = \"required\"\n";

fn run(server: &S3Server, store: &str, args: &[&str]) -> Output {
    command(args)
        .args(["--store", store])
        .envs(server.env())
        .output()
        .expect("run tollgate")
}

fn evaluate(
    server: &S3Server,
    store: &str,
    ws: &Workspace,
    policy: &str,
    out: &str,
    now: OffsetDateTime,
) -> (i32, Value) {
    let out_dir = ws.path().join(out);
    let output = run(
        server,
        store,
        &[
            "evaluate",
            "--policy",
            ws.path().join(policy).to_str().unwrap(),
            "--release",
            ws.release().to_str().unwrap(),
            "--repo",
            ws.path().to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--key",
            ws.verdict_key().to_str().unwrap(),
            "--now",
            &tollgate::verdict::rfc3339(now),
        ],
    );
    let code = output.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    (code, read_json(&out_dir.join("verdict.json")))
}

#[test]
fn testnet_soak_gates_mainnet_on_s3() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = server.url("promotion");
    let ws = Workspace::new();
    tollgate::signing::keygen(&ws.path().join("ops-keys"), None).unwrap();
    std::fs::write(
        ws.path().join("testnet.toml"),
        format!("environment = \"testnet\"\n\n{TRUST}"),
    )
    .unwrap();
    std::fs::write(
        ws.path().join("mainnet.toml"),
        format!(
            "environment = \"mainnet\"\n\n{TRUST}\n[gates.promotion]\nafter = [{{ environment = \"testnet\", stage = \"all\", soak = \"72h\" }}]\n"
        ),
    )
    .unwrap();
    let t = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let (code, _) = evaluate(&server, &store, &ws, "testnet.toml", "out-testnet", t);
    assert_eq!(code, 0);
    let deployed = run(
        &server,
        &store,
        &[
            "deploy",
            "record",
            "--verdict",
            ws.path().join("out-testnet/verdict.json").to_str().unwrap(),
            "--pubkey",
            ws.verdict_pub().to_str().unwrap(),
            "--stage",
            "all",
            "--key",
            ws.path().join("ops-keys/tollgate.key").to_str().unwrap(),
        ],
    );
    assert_eq!(deployed.status.code(), Some(0), "{}", stderr(&deployed));
    let (code, verdict) = evaluate(
        &server,
        &store,
        &ws,
        "mainnet.toml",
        "out-mainnet",
        t + Duration::hours(24),
    );
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "promotion"), ["promotion.soaking"]);
    let (code, verdict) = evaluate(
        &server,
        &store,
        &ws,
        "mainnet.toml",
        "out-mainnet",
        t + Duration::hours(80),
    );
    assert_eq!(code, 0, "{verdict:#}");
    let ops_pub = ws.path().join("ops-keys/tollgate.pub");
    let verified = run(
        &server,
        &store,
        &["audit", "verify", "--ops-key", ops_pub.to_str().unwrap()],
    );
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));
}
