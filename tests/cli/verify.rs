//! `tollgate verify` end to end: every way a verdict can be wrong exits 1 and says why.

use crate::util::*;

fn promoted() -> Workspace {
    let ws = Workspace::new();
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    ws
}

const DURING: &str = "2026-11-22T10:00:00Z";

#[test]
fn valid_verdict_with_environment_and_artifacts() {
    let ws = promoted();
    let artifact = ws.release().join("chain-node-1.4.2-x86_64-linux.tar.gz");
    let out = ws.verify(&[
        "--now",
        DURING,
        "--environment",
        "mainnet",
        "--artifact",
        artifact.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("valid:"), "{}", stdout(&out));
    let json = ws.verify(&["--now", DURING, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["valid"], true);
}

#[test]
fn wrong_environment_is_invalid() {
    let ws = promoted();
    let out = ws.verify(&["--now", DURING, "--environment", "testnet"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("the verdict is for mainnet, not testnet"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn expired_verdict_is_invalid() {
    let ws = promoted();
    let out = ws.verify(&["--now", "2026-11-24T10:00:01Z"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("expired at 2026-11-24T10:00:00Z"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn artifact_not_among_subjects_is_invalid() {
    let ws = promoted();
    let stranger = ws.path().join("other.tar.gz");
    std::fs::write(&stranger, b"not released").unwrap();
    let out = ws.verify(&["--now", DURING, "--artifact", stranger.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("is not among the verdict's 2 subjects"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn edited_verdict_is_invalid() {
    let ws = promoted();
    let path = ws.out().join("verdict.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"mainnet\"", "\"testnet\"")).unwrap();
    let out = ws.verify(&["--now", DURING]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("signature check failed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn edited_trusted_comment_is_invalid() {
    let ws = promoted();
    let path = ws.out().join("verdict.json.minisig");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("decision:promote", "decision:block")).unwrap();
    assert_eq!(ws.verify(&["--now", DURING]).status.code(), Some(1));
}

#[test]
fn wrong_key_is_invalid_and_names_both_ids() {
    let ws = promoted();
    let other = tollgate::signing::keygen(&ws.path().join("other"), None).unwrap();
    let out = tollgate(&[
        "verify".as_ref(),
        ws.out().join("verdict.json").as_os_str(),
        "--pubkey".as_ref(),
        other.public.as_os_str(),
        "--environment".as_ref(),
        "mainnet".as_ref(),
        "--now".as_ref(),
        DURING.as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&other.key_id), "{}", stdout(&out));
}

#[test]
fn blocked_verdict_never_verifies() {
    let ws = Workspace::new();
    ws.write("stray.bin", b"x");
    assert_eq!(
        ws.evaluate(&["--now", "2026-11-21T10:00:00Z"])
            .status
            .code(),
        Some(1)
    );
    let out = ws.verify(&["--now", DURING]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("the verdict says block"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn missing_signature_and_bad_pubkey() {
    let ws = promoted();
    std::fs::remove_file(ws.out().join("verdict.json.minisig")).unwrap();
    let out = ws.verify(&["--now", DURING]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("verdict.json.minisig"));
    let out = tollgate(&["verify", "x.json", "--pubkey", "/nonexistent.pub"]);
    assert_eq!(out.status.code(), Some(2));
    let out = tollgate(&["verify", "x.json", "--pubkey", "k", "--now", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
}

// `verify --format markdown` used to be accepted and print text; it has no Markdown form.
#[test]
fn verify_offers_only_text_and_json() {
    let ws = Workspace::new();
    let out = ws.verify(&["--format", "markdown"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("possible values: text, json"),
        "{}",
        stderr(&out)
    );
}

// A deploy job must say where it deploys: a verdict for testnet must not deploy to mainnet.
#[test]
fn verify_refuses_to_run_without_an_environment() {
    let ws = promoted();
    let verdict = ws.out().join("verdict.json");
    let pubkey = ws.verdict_pub();
    let out = tollgate(&[
        "verify",
        verdict.to_str().unwrap(),
        "--pubkey",
        pubkey.to_str().unwrap(),
        "--now",
        DURING,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("--environment is required")
            && stderr(&out).contains("a verdict for testnet must never deploy to mainnet"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn pinned_policy_digest_and_commit_must_match_and_name_both_values() {
    let ws = Workspace::new();
    let repo = git2::Repository::init(ws.path()).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new("policy.toml")).unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("t", "t@example.org").unwrap();
    let commit = repo
        .commit(Some("HEAD"), &sig, &sig, "c", &tree, &[])
        .unwrap()
        .to_string();
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let policy_sha = tollgate::digest::sha256_hex(&std::fs::read(ws.policy_path()).unwrap());

    let out = ws.verify(&[
        "--now",
        DURING,
        "--policy-sha256",
        &policy_sha,
        "--commit",
        &commit,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let other_policy = "0".repeat(64);
    let out = ws.verify(&["--now", DURING, "--policy-sha256", &other_policy]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&policy_sha) && stdout(&out).contains(&other_policy),
        "{}",
        stdout(&out)
    );

    let other_commit = "1".repeat(40);
    let out = ws.verify(&["--now", DURING, "--commit", &other_commit]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&commit) && stdout(&out).contains(&other_commit),
        "{}",
        stdout(&out)
    );

    // A prefix is not a pin, and a malformed digest is a usage error.
    let out = ws.verify(&["--now", DURING, "--commit", &commit[..12]]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let out = ws.verify(&["--now", DURING, "--policy-sha256", "abc"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}

#[test]
fn with_store_the_verdict_must_be_recorded_in_an_intact_ledger() {
    let ws = promoted();
    let store = ws.store();
    // Format 1: the whole chain is verified, then the entry looked up; format 2: a proof of
    // the verdict's record is made from the store and checked (docs/transparency.md).
    let v2 = store.join("checkpoint").exists();
    let out = ws.verify(&["--now", DURING, "--store", store.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("as entry 1:"), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).contains("(record 0 of 1 under a checkpoint of"),
        v2,
        "{}",
        stdout(&out)
    );

    // Another ledger does not hold this verdict.
    let elsewhere = promoted();
    let other = elsewhere.store();
    let out = ws.verify(&["--now", DURING, "--store", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let absent = if v2 {
        "no record of the ledger at"
    } else {
        "is not recorded in the ledger at"
    };
    assert!(stdout(&out).contains(absent), "{}", stdout(&out));

    // A ledger that is not intact does not vouch for it either (format 1: its entry removed;
    // format 2: its record altered, so it no longer leads to the signed root).
    if v2 {
        let bundle = store.join("tile/entries/000.p/1");
        let mut bytes = std::fs::read(&bundle).unwrap();
        let at = bytes.windows(7).position(|w| w == b"mainnet").unwrap();
        bytes[at..at + 7].copy_from_slice(b"testnet");
        std::fs::write(&bundle, bytes).unwrap();
    } else {
        std::fs::remove_file(store.join("entries/000000000001.json")).unwrap();
    }
    let out = ws.verify(&["--now", DURING, "--store", store.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let broken = if v2 {
        "does not lead to the checkpoint's root"
    } else {
        "is not intact"
    };
    assert!(stdout(&out).contains(broken), "{}", stdout(&out));
}
