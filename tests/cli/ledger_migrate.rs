//! `audit migrate`: a verified format-1 ledger becomes a format-2 log entry by entry (same
//! seq, time, kind and blobs; each record naming its v1 seq and entry hash), every verdict
//! it held is provable with `audit prove` and `verify --proof`, and the format-1 ledger is
//! left readable and unchanged. A broken chain, a non-empty target and a format-2 source are
//! refused.

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A log origin of this test's own: what tollgate verified of a log is kept per origin
/// (TOLLGATE_CACHE_DIR, shared by the suite).
fn origin(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "example.com/tollgate/migrated/{tag}-{}-{nanos}",
        std::process::id()
    )
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn run_ok(args: &[&str]) -> String {
    let out = tollgate(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "tollgate {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// A workspace whose policy trusts `ops-keys/tollgate.pub`, and a format-1 ledger at its
/// store holding a freeze, an unfreeze and three verdicts (copies of the verdict files
/// in the returned list, in order).
struct V1 {
    ws: Workspace,
    store: PathBuf,
    verdicts: Vec<PathBuf>,
}

impl V1 {
    fn new() -> V1 {
        let ws = Workspace::new();
        tollgate::signing::keygen(&ws.path().join("ops-keys"), None).unwrap();
        let policy = std::fs::read_to_string(ws.policy_path()).unwrap();
        let policy = policy.replace(
            "[trust]\n",
            "[trust]\nops_keys = [\"ops-keys/tollgate.pub\"]\n",
        );
        std::fs::write(ws.policy_path(), policy).unwrap();
        let store = ws.store();
        run_ok(&["audit", "init", "--format", "v1", "--store", s(&store)]);
        let v1 = V1 {
            ws,
            store,
            verdicts: Vec::new(),
        };
        for verb in ["freeze", "unfreeze"] {
            run_ok(&[
                verb,
                "--environment",
                "mainnet",
                "--reason",
                "INC-3: migration drill",
                "--key",
                s(&v1.ops_key()),
                "--store",
                s(&v1.store),
            ]);
        }
        let mut v1 = v1;
        for i in 0..3 {
            v1.evaluate(i);
        }
        v1
    }

    fn ops_key(&self) -> PathBuf {
        self.ws.path().join("ops-keys/tollgate.key")
    }

    fn ops_pub(&self) -> PathBuf {
        self.ws.path().join("ops-keys/tollgate.pub")
    }

    /// An evaluation logged to the format-1 ledger; the verdict kept as `verdict-<i>.json`.
    /// Each at its own wall-clock second, so no two verdicts are the same bytes.
    fn evaluate(&mut self, i: usize) {
        let out = self.ws.evaluate(&[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
        let kept = self.ws.path().join(format!("verdict-{i}.json"));
        std::fs::copy(self.ws.out().join("verdict.json"), &kept).unwrap();
        let signature = self.ws.out().join("verdict.json.minisig");
        std::fs::copy(signature, kept.with_extension("json.minisig")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        self.verdicts.push(kept);
    }

    /// `audit migrate` from this ledger into `to`, checking signatures with the verdict and
    /// ops keys, signing with the verdict key.
    fn migrate(&self, to: &Path, extra: &[&str]) -> std::process::Output {
        let mut args: Vec<String> = vec!["audit".into(), "migrate".into()];
        for (flag, path) in [
            ("--from", self.store.clone()),
            ("--to", to.to_path_buf()),
            ("--key", self.ws.verdict_key()),
            ("--pubkey", self.ws.verdict_pub()),
            ("--ops-key", self.ops_pub()),
        ] {
            args.push(flag.to_owned());
            args.push(s(&path).to_owned());
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        tollgate(&args)
    }
}

fn log(store: &Path) -> Vec<Value> {
    let out = run_ok(&["audit", "log", "--format", "json", "--store", s(store)]);
    serde_json::from_str::<Vec<Value>>(&out).unwrap()
}

/// Every file under `dir` (but the lock files) with its bytes, for "unchanged" checks.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                pending.push(path);
            } else if name != "lock" && !name.starts_with(".tmp-") {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

fn objects(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.starts_with("objects"))
        .collect()
}

#[test]
fn a_v1_ledger_migrates_entry_by_entry_and_every_verdict_is_provable() {
    let v1 = V1::new();
    let before = snapshot(&v1.store);
    let v1_log = log(&v1.store);
    assert_eq!(v1_log.len(), 5);
    let v2 = v1.ws.path().join("v2");
    let origin = origin("provable");
    let out = v1.migrate(&v2, &["--origin", &origin]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("verified the format-1 ledger") && text.contains("signatures verified"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "logged 5 entries into the format-2 log {} (origin {origin}): records 1..5",
            v2.display()
        )),
        "{text}"
    );
    assert!(text.contains("checkpoint: size 5, root "), "{text}");

    // The format-1 ledger is unchanged and still reads and verifies.
    assert_eq!(snapshot(&v1.store), before, "the format-1 store changed");
    let verified = tollgate(&[
        "audit",
        "verify",
        "--store",
        s(&v1.store),
        "--pubkey",
        s(&v1.ws.verdict_pub()),
        "--ops-key",
        s(&v1.ops_pub()),
    ]);
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));
    assert_eq!(log(&v1.store), v1_log);

    // Entry by entry: same place, time, kind, environment, decision, verdict; the record
    // names the entry it was.
    let v2_log = log(&v2);
    assert_eq!(v2_log.len(), v1_log.len());
    for (old, new) in v1_log.iter().zip(&v2_log) {
        for field in [
            "seq",
            "time",
            "kind",
            "environment",
            "decision",
            "verdict_sha256",
            "commit",
            "reason",
        ] {
            assert_eq!(old[field], new[field], "{field} of {old} and {new}");
        }
        let seq = old["seq"].as_u64().unwrap().to_string();
        let shown: Value = serde_json::from_str(&run_ok(&[
            "audit",
            "show",
            &seq,
            "--format",
            "json",
            "--store",
            s(&v2),
        ]))
        .unwrap();
        assert_eq!(shown["entry"]["v1"]["seq"], old["seq"], "{shown}");
        assert_eq!(
            shown["entry"]["v1"]["entry_sha256"], old["entry_sha256"],
            "{shown}"
        );
        assert!(shown["entry"].get("prev").is_none(), "{shown}");
    }
    // The new log verifies as a whole: tiles, checkpoint signature, every record's blobs and
    // signatures.
    let verified = tollgate(&[
        "audit",
        "verify",
        "--store",
        s(&v2),
        "--pubkey",
        s(&v1.ws.verdict_pub()),
        "--ops-key",
        s(&v1.ops_pub()),
    ]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}{}",
        stdout(&verified),
        stderr(&verified)
    );
    // Every blob came along.
    let v2_objects = objects(&v2);
    for object in objects(&v1.store) {
        assert!(
            v2_objects.contains(&object),
            "{} not copied",
            object.display()
        );
    }

    // Every v1 verdict is provable, and the proof checks offline against the verdict key.
    for (i, verdict) in v1.verdicts.iter().enumerate() {
        let proof = v1.ws.path().join(format!("proof-{i}.json"));
        let proved = tollgate(&[
            "audit",
            "prove",
            s(verdict),
            "--store",
            s(&v2),
            "--out",
            s(&proof),
        ]);
        assert_eq!(proved.status.code(), Some(0), "{}", stderr(&proved));
        // Found through the verdict index the migration wrote, not by a scan.
        assert!(
            !stderr(&proved).contains("every record was read"),
            "{}",
            stderr(&proved)
        );
        let json: Value = read_json(&proof);
        assert_eq!(json["index"], 2 + i as u64, "{json}");
        assert_eq!(json["tree_size"], 5, "{json}");
        let checked = tollgate(&[
            "verify",
            s(verdict),
            "--pubkey",
            s(&v1.ws.verdict_pub()),
            "--environment",
            "mainnet",
            "--proof",
            s(&proof),
        ]);
        assert_eq!(
            checked.status.code(),
            Some(0),
            "{}{}",
            stdout(&checked),
            stderr(&checked)
        );
    }
}

#[test]
fn migrate_refuses_a_broken_chain_naming_the_break() {
    let v1 = V1::new();
    let entry = v1.store.join("entries/000000000002.json");
    let text = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(
        &entry,
        text.replacen("migration drill", "migration dril!", 1),
    )
    .unwrap();
    let v2 = v1.ws.path().join("v2");
    let out = v1.migrate(&v2, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("refusing to migrate a broken chain")
            && err.contains("entries/000000000002.json"),
        "{err}"
    );
    assert!(!v2.exists(), "nothing is written for a broken chain");
}

#[test]
fn migrate_refuses_a_non_empty_target_a_v2_source_and_no_key() {
    let v1 = V1::new();
    let refused = |out: std::process::Output, reason: &str| {
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(stderr(&out).contains(reason), "{}", stderr(&out));
    };
    // Into another format-1 ledger, or a directory with anything in it.
    refused(v1.migrate(&v1.store.clone(), &[]), "same store as --from");
    let other = v1.ws.path().join("other-v1");
    run_ok(&["audit", "init", "--format", "v1", "--store", s(&other)]);
    refused(v1.migrate(&other, &[]), "holds a format-1 ledger");
    let littered = v1.ws.path().join("littered");
    std::fs::create_dir_all(littered.join("notes")).unwrap();
    std::fs::write(littered.join("notes/todo.txt"), "x").unwrap();
    refused(
        v1.migrate(&littered, &[]),
        "is not empty (1 object(s), e.g. notes/todo.txt)",
    );

    // The empty log of `audit init --format v2` is a target; its origin stays.
    let inited = v1.ws.path().join("inited");
    let origin = origin("inited");
    run_ok(&[
        "audit",
        "init",
        "--format",
        "v2",
        "--origin",
        &origin,
        "--store",
        s(&inited),
    ]);
    refused(
        v1.migrate(&inited, &["--origin", "example.com/other"]),
        "the origin is fixed when the log is created",
    );
    let out = v1.migrate(&inited, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("(origin {origin})")),
        "{}",
        stdout(&out)
    );
    // A migrated log is not migrated into again, nor migrated from.
    refused(
        v1.migrate(&inited, &[]),
        "holds a format-2 log of 5 records",
    );
    let out = tollgate(&[
        "audit",
        "migrate",
        "--from",
        s(&inited),
        "--to",
        s(&v1.ws.path().join("again")),
        "--key",
        s(&v1.ws.verdict_key()),
    ]);
    refused(out, "already a format-2 log");
    let out = tollgate(&[
        "audit",
        "migrate",
        "--from",
        s(&v1.store),
        "--to",
        s(&v1.ws.path().join("keyless")),
    ]);
    refused(out, "--key is required");
}
