//! The ledger as a transparency log, end to end with real keys and processes: `audit vkey`,
//! `audit prove` → `verify --proof` (and every tampering of the proof named), `audit
//! witness` (first use, growth, a rewritten log refused with its state untouched), witness
//! demands of `verify`, `audit verify` and the policy.

use crate::util::*;
use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;
use std::path::{Path, PathBuf};

const ORIGIN: &str = "tollgate.test/ledger/transparency";
const DURING: &str = "2026-11-22T10:00:00Z";

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn s(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

/// `tollgate` with arguments given as strings and paths alike.
macro_rules! run {
    ($($arg:expr),* $(,)?) => {
        tollgate(&[$(AsRef::<std::ffi::OsStr>::as_ref(&$arg).to_owned()),*])
    };
}

/// An argument list from strings and paths alike.
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        vec![$(AsRef::<std::ffi::OsStr>::as_ref(&$arg).to_owned()),*]
    };
}

/// A workspace whose ledger is an empty format-v2 log with a fixed origin.
fn v2_workspace() -> Workspace {
    let ws = Workspace::new();
    init_v2(&ws.store());
    ws
}

fn init_v2(store: &Path) {
    let out = run!(
        "audit",
        "init",
        "--format",
        "v2",
        "--origin",
        ORIGIN,
        "--store",
        s(store),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Evaluate at `2026-11-21T10:00:<i>Z` (so every verdict differs) and keep the verdict and
/// its signature as `verdict-<i>.json`; returns its path.
fn evaluate(ws: &Workspace, i: u32) -> PathBuf {
    let now = format!("2026-11-21T10:00:{i:02}Z");
    let out = ws.evaluate(&["--now", &now]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let kept = ws.path().join(format!("verdict-{i}.json"));
    std::fs::copy(ws.out().join("verdict.json"), &kept).unwrap();
    std::fs::copy(
        ws.out().join("verdict.json.minisig"),
        ws.path().join(format!("verdict-{i}.json.minisig")),
    )
    .unwrap();
    kept
}

fn prove(ws: &Workspace, verdict: &Path, extra: &[&str]) -> (std::process::Output, PathBuf) {
    let proof = ws.path().join(format!(
        "{}.proof.json",
        verdict.file_name().unwrap().to_str().unwrap()
    ));
    let mut args = args![
        "audit",
        "prove",
        s(verdict),
        "--store",
        s(&ws.store()),
        "--out",
        s(&proof),
    ];
    args.extend(extra.iter().map(std::ffi::OsString::from));
    (tollgate(&args), proof)
}

fn verify_proof(
    ws: &Workspace,
    verdict: &Path,
    proof: &Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = args![
        "verify",
        s(verdict),
        "--pubkey",
        s(&ws.verdict_pub()),
        "--environment",
        "mainnet",
        "--now",
        DURING,
        "--proof",
        s(proof),
    ];
    args.extend(extra.iter().map(std::ffi::OsString::from));
    tollgate(&args)
}

/// A witness key pair made by `tollgate keygen` (unencrypted) under `dir/<name>`.
fn witness_keys(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let out = run!("keygen", "--out", s(&dir.join(name)), "--unencrypted");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (
        dir.join(name).join("tollgate.key"),
        dir.join(name).join("tollgate.pub"),
    )
}

fn witness(
    ws: &Workspace,
    name: &str,
    key: &Path,
    state: &Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = args![
        "audit",
        "witness",
        "--store",
        s(&ws.store()),
        "--key",
        s(key),
        "--name",
        name,
        "--state",
        s(state),
        "--pubkey",
        s(&ws.verdict_pub()),
    ];
    args.extend(extra.iter().map(std::ffi::OsString::from));
    tollgate(&args)
}

/// A witness key pair made by stock minisign (`minisign -G -W`: unencrypted).
fn minisign_keys(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (key, public) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    );
    let out = std::process::Command::new("minisign")
        .args(["-G", "-W", "-p"])
        .arg(&public)
        .arg("-s")
        .arg(&key)
        .output()
        .expect("run stock minisign (apt-get install -y minisign)");
    assert!(out.status.success(), "minisign -G: {}", stderr(&out));
    (key, public)
}

#[test]
fn vkey_prints_the_note_key_go_and_c2sp_tools_read() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = witness_keys(dir.path(), "log");
    let text = std::fs::read_to_string(&public).unwrap();
    let blob = b64().decode(text.lines().nth(1).unwrap().trim()).unwrap();
    let ed25519 = &blob[10..42];
    // Independently: name+<first 4 bytes of SHA-256(name ‖ "\n" ‖ type ‖ key), hex>+<base64(type ‖ key)>.
    let expected = |name: &str, kind: u8| {
        let mut material = vec![kind];
        material.extend_from_slice(ed25519);
        let mut hashed = format!("{name}\n").into_bytes();
        hashed.extend_from_slice(&material);
        let id = hex::encode(&sha2::Sha256::digest(&hashed)[..4]);
        format!("{name}+{id}+{}\n", b64().encode(&material))
    };
    let out = run!("audit", "vkey", "--pubkey", s(&public), "--origin", ORIGIN);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected(ORIGIN, 0x01));
    let out = run!(
        "audit",
        "vkey",
        "--pubkey",
        s(&public),
        "--witness",
        "auditor-1",
    );
    assert_eq!(stdout(&out), expected("auditor-1", 0x04));
    // An inline key gives the same; a name with a space is refused (exit 2).
    let inline = text.lines().nth(1).unwrap().trim().to_owned();
    let out = run!("audit", "vkey", "--pubkey", &inline, "--origin", ORIGIN);
    assert_eq!(stdout(&out), expected(ORIGIN, 0x01));
    let out = run!("audit", "vkey", "--pubkey", &inline, "--origin", "a b");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a note key name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_proof_verifies_offline_and_each_tampering_exits_1_naming_it() {
    let ws = v2_workspace();
    let verdicts: Vec<PathBuf> = (0..3).map(|i| evaluate(&ws, i)).collect();
    let (out, proof) = prove(&ws, &verdicts[1], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("every record was read"),
        "{}",
        stderr(&out)
    );
    let json: Value = read_json(&proof);
    // Without the verdict index the record is found by reading the log, and it says so.
    let index = ws.store().join("index");
    std::fs::rename(&index, ws.path().join("index-aside")).unwrap();
    let (out, again) = prove(&ws, &verdicts[1], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("every record was read"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_json(&again), json);
    std::fs::rename(ws.path().join("index-aside"), &index).unwrap();
    assert_eq!(
        (json["index"].as_u64(), json["tree_size"].as_u64()),
        (Some(1), Some(3))
    );
    assert!(!json["hashes"].as_array().unwrap().is_empty());

    let out = verify_proof(&ws, &verdicts[1], &proof, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains(
            "recorded as entry 2:"
        ) && stdout(&out).contains(
            "(record 1 of 3 under a checkpoint of tollgate.test/ledger/transparency signed by key"
        ),
        "{}",
        stdout(&out)
    );
    // No store is read: the ledger can be gone.
    std::fs::rename(ws.store(), ws.path().join("elsewhere")).unwrap();
    let out = verify_proof(&ws, &verdicts[1], &proof, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["proof"]["index"], 1);
    assert!(
        value["ledger_entry"].as_str().unwrap().starts_with("2:"),
        "{value}"
    );

    // The proof of another verdict does not vouch for this one.
    let out = verify_proof(&ws, &verdicts[0], &proof, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("proof: the entry names verdict"),
        "{}",
        stdout(&out)
    );

    let tampered = |name: &str, change: &dyn Fn(&mut Value), says: &str| {
        let mut value = json.clone();
        change(&mut value);
        let path = ws.path().join(format!("tampered-{name}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
        let out = verify_proof(&ws, &verdicts[1], &path, &[]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        assert!(
            stdout(&out).contains(says),
            "{name}: {says}\n{}",
            stdout(&out)
        );
    };
    tampered(
        "entry",
        &|v| {
            let record = b64().decode(v["entry"].as_str().unwrap()).unwrap();
            let text = String::from_utf8(record)
                .unwrap()
                .replacen("mainnet", "testnet", 1);
            v["entry"] = b64().encode(text).into();
        },
        "proof: the proof's hashes do not lead from entry 1 to the checkpoint's root",
    );
    tampered(
        "hashes",
        &|v| v["hashes"][0] = b64().encode([7u8; 32]).into(),
        "proof: the proof's hashes do not lead from entry 1",
    );
    tampered(
        "checkpoint",
        &|v| {
            let text = v["checkpoint"]
                .as_str()
                .unwrap()
                .replacen("\n3\n", "\n2\n", 1);
            v["checkpoint"] = text.into();
            v["tree_size"] = 2.into();
        },
        "proof: the checkpoint is not signed by a trusted key",
    );
    tampered(
        "tree_size",
        &|v| v["tree_size"] = 4.into(),
        "proof: the proof's tree_size 4 is not its checkpoint's size 3",
    );
    tampered(
        "index",
        &|v| v["index"] = 0.into(),
        "proof: the entry says it is record seq 2, but the proof puts it at index 0",
    );
    // An --ops-key is trusted for the checkpoint too; an extra one changes nothing.
    let stranger = Workspace::new();
    let out = run!(
        "verify",
        s(&verdicts[1]),
        "--pubkey",
        s(&ws.verdict_pub()),
        "--environment",
        "mainnet",
        "--now",
        DURING,
        "--proof",
        s(&proof),
        "--ops-key",
        s(&stranger.verdict_pub()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "an extra trusted key changes nothing"
    );
}

#[test]
fn verify_store_on_a_v2_ledger_checks_a_proof_made_from_it() {
    let ws = v2_workspace();
    let verdict = evaluate(&ws, 0);
    evaluate(&ws, 1);
    let out = run!(
        "verify",
        s(&verdict),
        "--pubkey",
        s(&ws.verdict_pub()),
        "--environment",
        "mainnet",
        "--now",
        DURING,
        "--store",
        s(&ws.store()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("as entry 1:")
            && stdout(&out).contains("(record 0 of 2 under a checkpoint of"),
        "{}",
        stdout(&out)
    );
    // A verdict the ledger does not hold.
    let other = v2_workspace();
    let stray = evaluate(&other, 5);
    let out = run!(
        "verify",
        s(&stray),
        "--pubkey",
        s(&other.verdict_pub()),
        "--environment",
        "mainnet",
        "--now",
        DURING,
        "--store",
        s(&ws.store()),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("no record of the ledger"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_witness_cosigns_a_growing_log_and_refuses_a_rewritten_one() {
    let ws = v2_workspace();
    let keys = tempfile::tempdir().unwrap();
    let (w1, _) = witness_keys(keys.path(), "w1");
    let state = ws.path().join("w1-state.json");
    evaluate(&ws, 0);
    evaluate(&ws, 1);
    let out = witness(&ws, "w1", &w1, &state, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("first use"), "{}", stderr(&out));
    assert!(ws.store().join("checkpoints/2").is_file());
    evaluate(&ws, 2);
    let out = witness(&ws, "w1", &w1, &state, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("consistent with size 2 it cosigned before"),
        "{}",
        stdout(&out)
    );
    let remembered = std::fs::read(&state).unwrap();

    // Rebuilt: a different log in the same store path, signed with the same key.
    for (origin, records) in [(Some(ORIGIN), 4), (Some(ORIGIN), 3), (None, 4)] {
        std::fs::remove_dir_all(ws.store()).unwrap();
        let mut args = args!["audit", "init", "--format", "v2", "--store", s(&ws.store())];
        if let Some(origin) = origin {
            args.extend(args!["--origin", origin]);
        }
        assert_eq!(tollgate(&args).status.code(), Some(0));
        for i in 0..records {
            evaluate(&ws, 30 + i);
        }
        let out = witness(&ws, "w1", &w1, &state, &[]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{origin:?} {records}: {}",
            stdout(&out)
        );
        assert!(stderr(&out).contains("REFUSED"), "{}", stderr(&out));
        match origin {
            Some(_) => assert!(
                stderr(&out).contains("rewritten or forked"),
                "{}",
                stderr(&out)
            ),
            None => assert!(stderr(&out).contains("--new-log"), "{}", stderr(&out)),
        }
        assert_eq!(
            std::fs::read(&state).unwrap(),
            remembered,
            "state untouched"
        );
        assert!(!ws.store().join("checkpoints").exists(), "nothing cosigned");
    }
}

#[test]
fn readers_demand_witness_cosignatures() {
    let ws = v2_workspace();
    let keys = tempfile::tempdir().unwrap();
    let (w1, w1_pub) = witness_keys(keys.path(), "w1");
    let (_, w2_pub) = witness_keys(keys.path(), "w2");
    let verdict = evaluate(&ws, 0);
    let state = ws.path().join("state.json");
    assert_eq!(witness(&ws, "w1", &w1, &state, &[]).status.code(), Some(0));
    evaluate(&ws, 1);

    let (out, proof) = prove(&ws, &verdict, &["--witnessed"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read_json(&proof)["tree_size"],
        1,
        "the witnessed checkpoint, not the current"
    );
    let w1_arg = format!("w1={}", s(&w1_pub));
    let w2_arg = format!("w2={}", s(&w2_pub));
    let out = verify_proof(&ws, &verdict, &proof, &["--witness", &w1_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("cosigned by w1"), "{}", stdout(&out));
    let out = verify_proof(
        &ws,
        &verdict,
        &proof,
        &[
            "--witness",
            &w1_arg,
            "--witness",
            &w2_arg,
            "--min-witnesses",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out)
            .contains("1 valid cosignature(s) from the named witnesses (w1, w2), 2 demanded"),
        "{}",
        stdout(&out)
    );
    // A second witness, its key made by stock minisign: two of two.
    let (w2_key, w2_minisign_pub) = minisign_keys(keys.path(), "w2-minisign");
    let w2_state = ws.path().join("w2-state.json");
    let out = witness(&ws, "w2", &w2_key, &w2_state, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = witness(&ws, "w1", &w1, &state, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("carries 2 cosignature(s)"),
        "{}",
        stdout(&out)
    );
    let (out, both) = prove(&ws, &verdict, &["--witnessed"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let w2_minisign = format!("w2={}", s(&w2_minisign_pub));
    let out = verify_proof(
        &ws,
        &verdict,
        &both,
        &[
            "--witness",
            &w1_arg,
            "--witness",
            &w2_minisign,
            "--min-witnesses",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("cosigned by w1, w2"),
        "{}",
        stdout(&out)
    );
    // w2's cosignature verifies only with w2's key: the other w2 key gives one of two.
    let out = verify_proof(
        &ws,
        &verdict,
        &both,
        &[
            "--witness",
            &w1_arg,
            "--witness",
            &w2_arg,
            "--min-witnesses",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // The current checkpoint's proof carries no cosignature.
    let (_, current) = prove(&ws, &verdict, &[]);
    let out = verify_proof(&ws, &verdict, &current, &["--witness", &w1_arg]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // audit verify with the witnesses named.
    let audit = |extra: &[&str]| {
        let mut args = args!["audit", "verify", "--store", s(&ws.store())];
        args.extend(extra.iter().map(std::ffi::OsString::from));
        tollgate(&args)
    };
    let out = audit(&["--witness", &w1_arg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("witnessed: the checkpoint of size 2"),
        "{}",
        stdout(&out)
    );
    let out = audit(&[
        "--witness",
        &w1_arg,
        "--witness",
        &w2_arg,
        "--min-witnesses",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("WITNESSES: no checkpoint"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_policy_with_witnesses_blocks_until_a_witness_cosigned() {
    let ws = v2_workspace();
    let keys = tempfile::tempdir().unwrap();
    let (w1, w1_pub) = witness_keys(keys.path(), "w1");
    let policy = std::fs::read_to_string(ws.policy_path()).unwrap().replacen(
        "[trust]\n",
        &format!(
            "[trust]\nwitnesses = [{{ name = \"w1\", key = \"{}\" }}]\nmin_witnesses = 1\n",
            s(&w1_pub)
        ),
        1,
    );
    std::fs::write(ws.policy_path(), policy).unwrap();
    // An empty log has nothing to cosign: the first evaluation reads it as it is.
    evaluate(&ws, 0);
    // Now the log holds a record no witness has seen: the freeze state is unknown, blocks.
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:01Z"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert!(
        verdict.to_string().contains("no checkpoint of the ledger"),
        "{verdict:#}"
    );
    // A witness cosigns: evaluations promote again.
    let state = ws.path().join("state.json");
    assert_eq!(witness(&ws, "w1", &w1, &state, &[]).status.code(), Some(0));
    evaluate(&ws, 2);
    // audit verify --policy demands the same.
    let out = run!(
        "audit",
        "verify",
        "--store",
        s(&ws.store()),
        "--policy",
        s(&ws.policy_path()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("cosigned by w1"), "{}", stdout(&out));
}
