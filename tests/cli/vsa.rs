//! The verdict as a SLSA Verification Summary Attestation in a DSSE envelope
//! (`verdict.intoto.jsonl`) and the provenance's envelope (`provenance.intoto.jsonl`):
//! what evaluate writes, what `verify` accepts and refuses, and third-party checks —
//! python securesystemslib verifies the signatures with the key converted from minisign's,
//! and the in-toto project's `in-toto-attestation` package validates the statements.

use crate::util::*;
use base64::Engine as _;
use serde_json::Value;
use std::path::{Path, PathBuf};

const DURING: &str = "2026-11-22T10:00:00Z";

fn promoted() -> Workspace {
    let ws = Workspace::new();
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    ws
}

fn envelope(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.lines().count(), 1, "one JSON line: {text}");
    assert!(text.ends_with('\n'));
    serde_json::from_str(&text).unwrap()
}

fn payload(envelope: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap()
}

fn statement(path: &Path) -> Value {
    serde_json::from_slice(&payload(&envelope(path))).unwrap()
}

fn verify_vsa(ws: &Workspace, extra: &[&str]) -> std::process::Output {
    let vsa = ws.out().join("verdict.intoto.jsonl");
    let mut args = vec![
        "verify".to_owned(),
        vsa.to_str().unwrap().to_owned(),
        "--pubkey".to_owned(),
        ws.verdict_pub().to_str().unwrap().to_owned(),
    ];
    if !extra.contains(&"--environment") {
        args.extend(["--environment".to_owned(), "mainnet".to_owned()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    tollgate(&args)
}

/// The minisign key id of the workspace's verdict key, as `tollgate keygen` printed it.
fn verdict_key_id(ws: &Workspace) -> String {
    let text = std::fs::read_to_string(ws.verdict_pub()).unwrap();
    let line = text.lines().nth(1).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(line)
        .unwrap();
    format!(
        "{:016X}",
        u64::from_le_bytes(bytes[2..10].try_into().unwrap())
    )
}

#[test]
fn a_promoted_verdict_has_a_signed_vsa_with_every_field() {
    let ws = promoted();
    let env = envelope(&ws.out().join("verdict.intoto.jsonl"));
    assert_eq!(env["payloadType"], "application/vnd.in-toto+json");
    assert_eq!(env["signatures"].as_array().unwrap().len(), 1);
    assert_eq!(env["signatures"][0]["keyid"], verdict_key_id(&ws));

    let st = statement(&ws.out().join("verdict.intoto.jsonl"));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        st["predicateType"],
        "https://slsa.dev/verification_summary/v1"
    );
    let subjects: Vec<(String, String)> = st["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["digest"]["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = verdict["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(subjects, expected);

    let p = &st["predicate"];
    assert_eq!(
        p["verifier"]["id"],
        "https://tollgate.dev/verifiers/tollgate"
    );
    assert_eq!(
        p["verifier"]["version"]["tollgate"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(p["timeVerified"], "2026-11-21T10:00:00Z");
    assert_eq!(
        p["resourceUri"],
        format!("file://{}", ws.release().display())
    );
    assert_eq!(p["policy"]["digest"]["sha256"], verdict["policy"]["sha256"]);
    assert_eq!(p["verificationResult"], "PASSED");
    assert_eq!(
        p["verifiedLevels"],
        serde_json::json!(["TOLLGATE_SIGNATURES_PASSED"])
    );
    // Every evidence digest of every gate is an input attestation.
    let inputs: Vec<String> = p["inputAttestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["digest"]["sha256"].as_str().unwrap().to_owned())
        .collect();
    for evidence in verdict["gates"][0]["evidence"].as_array().unwrap() {
        assert!(
            inputs.contains(&evidence["sha256"].as_str().unwrap().to_owned()),
            "{evidence} missing from {inputs:?}"
        );
    }
    let ext = &p["https://tollgate.dev/vsa/verdict/v1"];
    assert_eq!(ext["environment"], "mainnet");
    assert_eq!(ext["expiresAt"], "2026-11-24T10:00:00Z");
    let verdict_bytes = std::fs::read(ws.out().join("verdict.json")).unwrap();
    assert_eq!(
        ext["verdictSha256"],
        tollgate::digest::sha256_hex(&verdict_bytes)
    );
}

#[test]
fn resource_uri_can_be_given() {
    let ws = Workspace::new();
    let uri = "pkg:generic/chain-node@1.4.2";
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z", "--resource-uri", uri]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let st = statement(&ws.out().join("verdict.intoto.jsonl"));
    assert_eq!(st["predicate"]["resourceUri"], uri);
}

#[test]
fn verify_accepts_the_vsa_and_checks_it_like_the_verdict() {
    let ws = promoted();
    let artifact = ws.release().join("chain-node-1.4.2-x86_64-linux.tar.gz");
    let out = verify_vsa(
        &ws,
        &[
            "--now",
            DURING,
            "--artifact",
            artifact.to_str().unwrap(),
            "--store",
            ws.store().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("SLSA VSA in a DSSE envelope") && stdout(&out).contains("entry 1"),
        "{}",
        stdout(&out)
    );
    let json = verify_vsa(&ws, &["--now", DURING, "--format", "json"]);
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["valid"], true);
    assert_eq!(value["form"], "vsa");

    for (args, problem) in [
        (
            vec!["--now", DURING, "--environment", "testnet"],
            "the verdict is for mainnet, not testnet",
        ),
        (
            vec!["--now", "2026-11-24T10:00:01Z"],
            "expired at 2026-11-24T10:00:00Z",
        ),
        (
            vec![
                "--now",
                DURING,
                "--commit",
                "0123456789012345678901234567890123456789",
            ],
            "records no commit",
        ),
    ] {
        let out = verify_vsa(&ws, &args);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(
            stdout(&out).contains(problem),
            "{problem}: {}",
            stdout(&out)
        );
    }
    let stranger = ws.path().join("other.tar.gz");
    std::fs::write(&stranger, b"not released").unwrap();
    let out = verify_vsa(
        &ws,
        &["--now", DURING, "--artifact", stranger.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("is not among the verdict's 2 subjects"));
}

#[test]
fn an_altered_or_foreign_envelope_is_refused() {
    let ws = promoted();
    let path = ws.out().join("verdict.intoto.jsonl");
    let original = envelope(&path);

    // The payload edited (mainnet -> testnet), signature kept.
    let text = String::from_utf8(payload(&original)).unwrap();
    let mut edited = original.clone();
    edited["payload"] = Value::String(
        base64::engine::general_purpose::STANDARD.encode(text.replace("mainnet", "testnet")),
    );
    std::fs::write(&path, format!("{edited}\n")).unwrap();
    let out = verify_vsa(&ws, &["--now", DURING, "--environment", "testnet"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("DSSE signature check failed"),
        "{}",
        stdout(&out)
    );

    // The payload type swapped: PAE binds it, so the signature fails too.
    let mut retyped = original.clone();
    retyped["payloadType"] = Value::String("application/json".into());
    std::fs::write(&path, format!("{retyped}\n")).unwrap();
    let out = verify_vsa(&ws, &["--now", DURING]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("DSSE signature check failed"));

    // Checked against another key.
    std::fs::write(&path, format!("{original}\n")).unwrap();
    let other = tempfile::tempdir().unwrap();
    tollgate::signing::keygen(other.path(), None).unwrap();
    let out = tollgate(&[
        "verify",
        path.to_str().unwrap(),
        "--pubkey",
        other.path().join("tollgate.pub").to_str().unwrap(),
        "--environment",
        "mainnet",
        "--now",
        DURING,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("not by the given public key"),
        "{}",
        stdout(&out)
    );

    // The provenance envelope is validly signed by the same key, but is not a VSA.
    let out = tollgate(&[
        "verify",
        ws.out().join("provenance.intoto.jsonl").to_str().unwrap(),
        "--pubkey",
        ws.verdict_pub().to_str().unwrap(),
        "--environment",
        "mainnet",
        "--now",
        DURING,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("predicateType"), "{}", stdout(&out));
}

#[test]
fn a_blocked_verdict_has_a_failed_vsa_that_verify_refuses() {
    let ws = Workspace::new();
    ws.write("RELEASE-NOTES.md", b"# 1.4.2\n- tampered\n");
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(1));
    let st = statement(&ws.out().join("verdict.intoto.jsonl"));
    assert_eq!(st["predicate"]["verificationResult"], "FAILED");
    assert_eq!(st["predicate"]["verifiedLevels"][0], "FAILED");
    let out = verify_vsa(&ws, &["--now", DURING]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("the verdict says block"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_provenance_envelope_wraps_provenance_json() {
    let ws = promoted();
    let env = envelope(&ws.out().join("provenance.intoto.jsonl"));
    assert_eq!(
        payload(&env),
        std::fs::read(ws.out().join("provenance.json")).unwrap()
    );
    assert_eq!(env["signatures"][0]["keyid"], verdict_key_id(&ws));
}

#[test]
fn an_unsigned_run_writes_envelopes_without_signatures() {
    let ws = Workspace::new();
    let out = tollgate(&[
        "evaluate",
        "--policy",
        ws.policy_path().to_str().unwrap(),
        "--release",
        ws.release().to_str().unwrap(),
        "--repo",
        ws.path().to_str().unwrap(),
        "--out",
        ws.out().to_str().unwrap(),
        "--store",
        ws.store().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let env = envelope(&ws.out().join("verdict.intoto.jsonl"));
    assert_eq!(env["signatures"], serde_json::json!([]));
    let out = verify_vsa(&ws, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("carries no signature"));
}

// Third-party checks.

/// The python with securesystemslib and in-toto-attestation: $TOLLGATE_DSSE_PYTHON, else the
/// `.venv-dsse` that .ci/setup.d/45-dsse.sh makes. Missing is a failure, never a skip.
fn dsse_python() -> PathBuf {
    if let Some(python) = std::env::var_os("TOLLGATE_DSSE_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-dsse/bin/python");
    assert!(
        venv.is_file(),
        "no DSSE checker: set TOLLGATE_DSSE_PYTHON to a python with securesystemslib and \
         in-toto-attestation, or run `bash .ci/setup.d/45-dsse.sh` (it makes .venv-dsse)"
    );
    venv
}

/// Run tests/support/dsse_interop.py; its JSON summary, or its error text.
fn third_party_check(envelope: &Path, pubkey: &Path) -> Result<Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/dsse_interop.py");
    let out = std::process::Command::new(dsse_python())
        .arg(script)
        .arg(envelope)
        .arg(pubkey)
        .output()
        .expect("run python");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("the checker prints JSON"))
    } else {
        Err(format!("{}{}", stdout(&out), stderr(&out)))
    }
}

#[test]
fn securesystemslib_and_in_toto_attestation_accept_the_vsa() {
    let ws = promoted();
    let vsa = ws.out().join("verdict.intoto.jsonl");
    let summary = third_party_check(&vsa, &ws.verdict_pub()).unwrap();
    let key_id = verdict_key_id(&ws);
    assert_eq!(summary["verified_keyids"], serde_json::json!([key_id]));
    assert_eq!(summary["minisign_keyid"], key_id);
    assert_eq!(
        summary["predicate_type"],
        "https://slsa.dev/verification_summary/v1"
    );
    assert_eq!(summary["result"], "PASSED");
    assert_eq!(
        summary["levels"],
        serde_json::json!(["TOLLGATE_SIGNATURES_PASSED"])
    );
    assert_eq!(summary["time_verified"], "2026-11-21T10:00:00Z");
    assert_eq!(summary["subjects"].as_array().unwrap().len(), 2);
    assert_eq!(
        summary["extensions"],
        serde_json::json!(["https://tollgate.dev/vsa/verdict/v1"])
    );

    // The checker is not vacuous: an edited payload fails its signature check, and another
    // key verifies nothing.
    let original = envelope(&vsa);
    let text = String::from_utf8(payload(&original)).unwrap();
    let mut edited = original.clone();
    edited["payload"] = Value::String(
        base64::engine::general_purpose::STANDARD.encode(text.replace("PASSED\"", "PASSED \"")),
    );
    let tampered = ws.path().join("tampered.intoto.jsonl");
    std::fs::write(&tampered, format!("{edited}\n")).unwrap();
    let err = third_party_check(&tampered, &ws.verdict_pub()).unwrap_err();
    assert!(err.contains("VerificationError"), "{err}");
    let other = tempfile::tempdir().unwrap();
    tollgate::signing::keygen(other.path(), None).unwrap();
    let err = third_party_check(&vsa, &other.path().join("tollgate.pub")).unwrap_err();
    assert!(err.contains("VerificationError"), "{err}");
}

#[test]
fn third_party_tools_accept_a_failed_vsa_and_the_provenance_envelope() {
    let ws = Workspace::new();
    ws.write("RELEASE-NOTES.md", b"# 1.4.2\n- tampered\n");
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(1));
    let summary =
        third_party_check(&ws.out().join("verdict.intoto.jsonl"), &ws.verdict_pub()).unwrap();
    assert_eq!(summary["result"], "FAILED");
    assert_eq!(summary["levels"], serde_json::json!(["FAILED"]));

    let summary =
        third_party_check(&ws.out().join("provenance.intoto.jsonl"), &ws.verdict_pub()).unwrap();
    assert_eq!(summary["predicate_type"], "https://slsa.dev/provenance/v1");
    assert_eq!(summary["builder"], "https://tollgate.dev/builders/tollgate");
}

#[test]
fn a_verdict_key_made_by_stock_minisign_signs_envelopes_others_verify() {
    let ws = Workspace::new();
    let keys = ws.path().join("stock");
    std::fs::create_dir(&keys).unwrap();
    let (secret, public) = (keys.join("verdict.key"), keys.join("verdict.pub"));
    let out = std::process::Command::new("minisign")
        .args(["-G", "-W", "-f", "-p"])
        .arg(&public)
        .arg("-s")
        .arg(&secret)
        .output()
        .expect("minisign is installed (.ci/setup.d/10-minisign.sh)");
    assert!(out.status.success(), "{}", stderr(&out));
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = tollgate(&[
        "evaluate",
        "--policy",
        ws.policy_path().to_str().unwrap(),
        "--release",
        ws.release().to_str().unwrap(),
        "--repo",
        ws.path().to_str().unwrap(),
        "--out",
        ws.out().to_str().unwrap(),
        "--store",
        ws.store().to_str().unwrap(),
        "--key",
        secret.to_str().unwrap(),
        "--now",
        "2026-11-21T10:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in ["verdict.intoto.jsonl", "provenance.intoto.jsonl"] {
        third_party_check(&ws.out().join(name), &public).unwrap();
    }
    let out = tollgate(&[
        "verify",
        ws.out().join("verdict.intoto.jsonl").to_str().unwrap(),
        "--pubkey",
        public.to_str().unwrap(),
        "--environment",
        "mainnet",
        "--now",
        DURING,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
