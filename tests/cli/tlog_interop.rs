//! Go's checksum-database client code checks the format-2 ledger tollgate writes: the
//! checker in tests/interop/go/tlogcheck.go uses only golang.org/x/mod/sumdb/note and
//! golang.org/x/mod/sumdb/tlog, and verifies the checkpoint's note signature (with the key
//! `audit vkey` prints), every record of every entry bundle against the hash tiles and the
//! root, a consistency proof between two checkpoints, an `audit prove` inclusion proof and a
//! witness-cosigned checkpoint; and it refuses a log with a flipped byte, a forged
//! checkpoint, a fork and a bad proof.
//! Without Go (`apt-get install -y golang-go golang-golang-x-mod-dev`, as
//! .ci/setup.d/55-go-sumdb.sh does) these tests fail unless TOLLGATE_SKIP_GO=1 is set.

use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

/// This test's log origin: one per test (each runs on its own thread). tollgate keeps what
/// it verified of a log per origin (TOLLGATE_CACHE_DIR, shared by the suite), so two logs
/// under one origin look like one log rewritten; only the fork test wants that, and builds
/// its fork with a cache of its own.
fn origin() -> String {
    thread_local! {
        static ORIGIN: String = {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            format!("example.com/tollgate/interop/{}-{nanos}-{n}", std::process::id())
        };
    }
    ORIGIN.with(String::clone)
}

/// Where Debian's golang-golang-x-mod-dev puts golang.org/x/mod (GOPATH mode, no proxy).
const GOCODE: &str = "/usr/share/gocode";

const INSTALL_HINT: &str = "run `apt-get install -y golang-go golang-golang-x-mod-dev` (or bash \
     .ci/setup.d/55-go-sumdb.sh); set TOLLGATE_SKIP_GO=1 to skip";

/// The built checker, or `None` when TOLLGATE_SKIP_GO=1 and Go is missing; panics when Go
/// is missing otherwise, or when the checker does not build.
fn tlogcheck() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT.get_or_init(build_tlogcheck).as_deref()
}

fn build_tlogcheck() -> Option<PathBuf> {
    let go_runs = std::process::Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    let x_mod = Path::new(GOCODE).join("src/golang.org/x/mod/sumdb/tlog/tlog.go");
    if !go_runs || !x_mod.is_file() {
        if std::env::var("TOLLGATE_SKIP_GO").as_deref() == Ok("1") {
            eprintln!("TOLLGATE_SKIP_GO=1: skipping the Go tlog interop test");
            return None;
        }
        let missing = if go_runs {
            format!("{} is missing", x_mod.display())
        } else {
            "`go version` does not run".to_owned()
        };
        panic!("Go's sumdb packages are not installed ({missing}): {INSTALL_HINT}");
    }
    let work =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tlogcheck-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let binary = work.join("tlogcheck");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/go/tlogcheck.go");
    let out = std::process::Command::new("go")
        .arg("build")
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .env("GO111MODULE", "off")
        .env(
            "GOPATH",
            format!("{GOCODE}:{}", work.join("gopath").display()),
        )
        .env("GOFLAGS", "")
        .env("GOCACHE", work.join("cache"))
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go build");
    assert!(
        out.status.success(),
        "go build {}: {}{}",
        source.display(),
        stdout(&out),
        stderr(&out)
    );
    Some(binary)
}

/// Run the checker: `tlogcheck CMD -vkey K… -origin` [`origin`] `[ARGS…]`.
fn check(bin: &Path, cmd: &str, vkeys: &[&str], args: &[&Path]) -> Output {
    let mut command = std::process::Command::new(bin);
    command.arg(cmd);
    for vkey in vkeys {
        command.args(["-vkey", vkey]);
    }
    command.args(["-origin", &origin()]);
    for arg in args {
        command.arg(arg);
    }
    command.output().expect("run tlogcheck")
}

fn check_store(bin: &Path, cmd: &str, vkeys: &[&str], store: &Path, args: &[&Path]) -> Output {
    let mut all: Vec<&Path> = Vec::new();
    let flag = Path::new("-store");
    all.push(flag);
    all.push(store);
    all.extend_from_slice(args);
    check(bin, cmd, vkeys, &all)
}

fn passes(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "tlogcheck failed: {}{}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// The checker exits 1 with `reason` on stderr.
fn fails(out: &Output, reason: &str) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "tlogcheck should fail: {}{}",
        stdout(out),
        stderr(out)
    );
    assert!(stderr(out).contains(reason), "{}", stderr(out));
}

fn run_ok(args: &[&str]) -> String {
    run_ok_cached(args, None)
}

/// [`run_ok`] with the verified-log cache in `cache` instead of the suite's.
fn run_ok_cached(args: &[&str], cache: Option<&Path>) -> String {
    let mut command = command(args);
    if let Some(cache) = cache {
        command.env("TOLLGATE_CACHE_DIR", cache);
    }
    let out = command.output().expect("run tollgate");
    assert_eq!(
        out.status.code(),
        Some(0),
        "tollgate {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A workspace with an ops key the policy trusts.
fn ops_workspace() -> Workspace {
    let ws = Workspace::new();
    tollgate::signing::keygen(&ws.path().join("ops-keys"), None).unwrap();
    let policy = std::fs::read_to_string(ws.policy_path()).unwrap();
    let policy = policy.replace(
        "[trust]\n",
        "[trust]\nops_keys = [\"ops-keys/tollgate.pub\"]\n",
    );
    std::fs::write(ws.policy_path(), policy).unwrap();
    ws
}

/// An [`ops_workspace`] and an empty format-2 log with [`origin`] at `store`.
fn v2_workspace(store: &Path) -> Workspace {
    let ws = ops_workspace();
    init_v2(store);
    ws
}

fn init_v2(store: &Path) {
    run_ok(&[
        "audit",
        "init",
        "--format",
        "v2",
        "--origin",
        &origin(),
        "--store",
        s(store),
    ]);
}

fn ops_key(ws: &Workspace) -> PathBuf {
    ws.path().join("ops-keys/tollgate.key")
}

/// `freeze`/`unfreeze` of mainnet signed with the ops key.
fn ops_change(ws: &Workspace, verb: &str, store: &Path) {
    ops_change_cached(ws, verb, store, None);
}

fn ops_change_cached(ws: &Workspace, verb: &str, store: &Path, cache: Option<&Path>) {
    run_ok_cached(
        &[
            verb,
            "--environment",
            "mainnet",
            "--reason",
            "INC-7: interop drill",
            "--key",
            s(&ops_key(ws)),
            "--store",
            s(store),
        ],
        cache,
    );
}

/// `evaluate` with the workspace's policy, release and verdict key, logging to `store`.
fn evaluate(ws: &Workspace, store: &Path) {
    evaluate_cached(ws, store, None);
}

fn evaluate_cached(ws: &Workspace, store: &Path, cache: Option<&Path>) {
    run_ok_cached(
        &[
            "evaluate",
            "--policy",
            s(&ws.policy_path()),
            "--release",
            s(&ws.release()),
            "--repo",
            s(ws.path()),
            "--out",
            s(&ws.out()),
            "--key",
            s(&ws.verdict_key()),
            "--store",
            s(store),
        ],
        cache,
    );
}

/// `audit vkey` for a public key and [`origin`].
fn vkey(pubkey: &Path) -> String {
    run_ok(&[
        "audit",
        "vkey",
        "--pubkey",
        s(pubkey),
        "--origin",
        &origin(),
    ])
    .trim()
    .to_owned()
}

/// Every file under `dir` whose path (relative, `/`-separated) starts with `prefix`.
fn files_under(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .strip_prefix(dir)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(prefix)
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A copy of the store with one byte of `file` (relative to the store) changed.
fn flipped(store: &Path, file: &Path, at: usize, into: &Path) {
    copy_dir(store, into);
    let target = into.join(file);
    let mut bytes = std::fs::read(&target).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(&target, bytes).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    for file in files_under(from, "") {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}

#[test]
fn go_verifies_the_checkpoint_every_record_a_consistency_and_an_inclusion_proof() {
    let Some(bin) = tlogcheck() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ledger");
    let ws = v2_workspace(&store);
    let verdict_vkey = vkey(&ws.verdict_pub());
    let ops_vkey = vkey(&ws.path().join("ops-keys/tollgate.pub"));
    assert!(
        verdict_vkey.starts_with(&format!("{}+", origin())),
        "{verdict_vkey}"
    );

    evaluate(&ws, &store);
    let first_verdict = dir.path().join("first-verdict.json");
    std::fs::copy(ws.out().join("verdict.json"), &first_verdict).unwrap();
    evaluate(&ws, &store);
    let old = dir.path().join("checkpoint-2");
    std::fs::copy(store.join("checkpoint"), &old).unwrap();
    ops_change(&ws, "freeze", &store);
    // The ops key signed the newest checkpoint: only its vkey verifies it.
    let by_ops = check(
        bin,
        "checkpoint",
        &[&ops_vkey],
        &[&store.join("checkpoint")],
    );
    assert!(passes(&by_ops).contains("size 3"), "{}", stdout(&by_ops));
    fails(
        &check(
            bin,
            "checkpoint",
            &[&verdict_vkey],
            &[&store.join("checkpoint")],
        ),
        "note has no verifiable signatures",
    );
    ops_change(&ws, "unfreeze", &store);
    evaluate(&ws, &store);
    let new = store.join("checkpoint");

    let keys = [verdict_vkey.as_str(), ops_vkey.as_str()];
    let text = passes(&check(bin, "checkpoint", &[&verdict_vkey], &[&new]));
    assert!(
        text.contains(&format!("origin \"{}\", size 5", origin())),
        "{text}"
    );
    let text = passes(&check_store(bin, "log", &keys, &store, &[]));
    assert!(
        text.contains("5 records in 1 entry bundle(s) each proved in the tree"),
        "{text}"
    );
    assert!(text.contains("equal to the checkpoint root"), "{text}");
    let text = passes(&check_store(
        bin,
        "consistency",
        &keys,
        &store,
        &[&old, &new],
    ));
    assert!(text.contains("tree 5 extends tree 2"), "{text}");

    let proof = dir.path().join("proof.json");
    run_ok(&[
        "audit",
        "prove",
        s(&first_verdict),
        "--store",
        s(&store),
        "--out",
        s(&proof),
    ]);
    let text = passes(&check(bin, "inclusion", &keys, &[&proof]));
    assert!(text.contains("record 0 "), "{text}");
    assert!(text.contains("in the tree of size 5"), "{text}");

    // A checkpoint a witness cosigned (`checkpoints/<size>`) is still a note Go's client
    // opens with the log's key; the cosignature line is one it does not know.
    tollgate::signing::keygen(&dir.path().join("witness-keys"), None).unwrap();
    run_ok(&[
        "audit",
        "witness",
        "--store",
        s(&store),
        "--key",
        s(&dir.path().join("witness-keys/tollgate.key")),
        "--name",
        "witness.example/w1",
        "--state",
        s(&dir.path().join("witness-state.json")),
        "--pubkey",
        s(&ws.verdict_pub()),
        "--ops-key",
        s(&ws.path().join("ops-keys/tollgate.pub")),
    ]);
    let cosigned = store.join("checkpoints/5");
    let text = passes(&check(bin, "checkpoint", &keys, &[&cosigned]));
    assert!(
        text.contains("1 further signature(s) by other keys (cosignatures) not checked"),
        "{text}"
    );

    // Negative cases: each change to what tollgate wrote is caught by Go's code.
    // The bundle and hash tile of the 5-record tree (C2SP: tile/entries/000.p/5, tile/0/000.p/5).
    let bad = dir.path().join("flipped-bundle");
    flipped(&store, Path::new("tile/entries/000.p/5"), 40, &bad);
    fails(
        &check_store(bin, "log", &keys, &bad, &[]),
        "tlog.CheckRecord: invalid transparency proof",
    );
    let bad = dir.path().join("flipped-tile");
    flipped(&store, Path::new("tile/0/000.p/5"), 5, &bad);
    fails(
        &check_store(bin, "log", &keys, &bad, &[]),
        "the hash tiles give tree hash",
    );
    let bad = dir.path().join("forged-checkpoint");
    copy_dir(&store, &bad);
    let forged = std::fs::read_to_string(bad.join("checkpoint"))
        .unwrap()
        .replacen("\n5\n", "\n4\n", 1);
    std::fs::write(bad.join("checkpoint"), forged).unwrap();
    fails(
        &check_store(bin, "log", &keys, &bad, &[]),
        "invalid signature for key",
    );
    // Consistency the wrong way round, and a tampered proof.
    fails(
        &check_store(bin, "consistency", &keys, &store, &[&new, &old]),
        "larger than",
    );
    let mut tampered: serde_json::Value = read_json(&proof);
    tampered["index"] = serde_json::json!(1);
    let wrong_index = dir.path().join("wrong-index.json");
    std::fs::write(&wrong_index, tampered.to_string()).unwrap();
    fails(
        &check(bin, "inclusion", &keys, &[&wrong_index]),
        "tlog.CheckRecord",
    );
}

#[test]
fn go_refuses_a_fork_that_the_same_key_signed() {
    let Some(bin) = tlogcheck() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ledger");
    let ws = v2_workspace(&store);
    evaluate(&ws, &store);
    evaluate(&ws, &store);
    let seen = dir.path().join("checkpoint-seen");
    std::fs::copy(store.join("checkpoint"), &seen).unwrap();
    // The key holder rewrites history: a second log with the same origin and key whose
    // first records differ (a freeze first), then grows past what the reader saw. (Built
    // with a verified-log cache of its own: tollgate's, which saw the honest log under this
    // origin, would rightly refuse to append to the fork.)
    let fork = dir.path().join("fork");
    let fork_cache = dir.path().join("fork-cache");
    init_v2(&fork);
    ops_change_cached(&ws, "freeze", &fork, Some(&fork_cache));
    ops_change_cached(&ws, "unfreeze", &fork, Some(&fork_cache));
    evaluate_cached(&ws, &fork, Some(&fork_cache));
    // tollgate itself, having verified the honest log under this origin, refuses the fork.
    let honest_cache = dir.path().join("honest-cache");
    evaluate_cached(&ws, &store, Some(&honest_cache));
    let refused = command(&[
        "freeze",
        "--environment",
        "mainnet",
        "--reason",
        "INC-8",
        "--key",
        s(&ops_key(&ws)),
        "--store",
        s(&fork),
    ])
    .env("TOLLGATE_CACHE_DIR", &honest_cache)
    .output()
    .unwrap();
    assert_ne!(refused.status.code(), Some(0), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("the log was rewritten"),
        "{}",
        stderr(&refused)
    );
    let keys = [
        vkey(&ws.verdict_pub()),
        vkey(&ws.path().join("ops-keys/tollgate.pub")),
    ];
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    // The fork is a valid log on its own...
    passes(&check_store(bin, "log", &keys, &fork, &[]));
    // ...but not an extension of what the reader saw.
    fails(
        &check_store(
            bin,
            "consistency",
            &keys,
            &fork,
            &[&seen, &fork.join("checkpoint")],
        ),
        "tlog.CheckTree",
    );
    // The honest log still extends it.
    evaluate(&ws, &store);
    passes(&check_store(
        bin,
        "consistency",
        &keys,
        &store,
        &[&seen, &store.join("checkpoint")],
    ));
}

/// `n` signed freezes and unfreezes of mainnet appended to the format-1 ledger at `store`
/// through the library (as `tollgate freeze` writes them), dated 2026-01-01 from midnight,
/// one second apart.
fn v1_ops_entries(store: &Path, ops_key: &Path, n: u32) {
    use tollgate::ledger::entry::Kind;
    use tollgate::ledger::record::{self, OpsSignature};
    use tollgate::ledger::{Mode, append, open, ops};
    let signer = tollgate::signing::Signer::load(ops_key, None).unwrap();
    let store = open(s(store), Path::new("."), Mode::Existing).unwrap();
    for i in 0..n {
        let kind = if i % 2 == 0 {
            Kind::Freeze
        } else {
            Kind::Unfreeze
        };
        let time = format!(
            "2026-01-01T{:02}:{:02}:{:02}Z",
            i / 3600,
            i / 60 % 60,
            i % 60
        );
        let statement =
            record::freeze_statement(kind, "mainnet", &format!("drill {i}"), "ops", &time);
        let signature = OpsSignature {
            minisig: ops::sign(&statement, &signer).unwrap(),
            public_key: signer.public_key_base64(),
        };
        let pending = record::freeze_entry(&statement, Some(signature));
        append::append(store.as_ref(), pending, Some(&signer)).unwrap();
    }
}

#[test]
fn go_verifies_a_migrated_log_past_one_tile_and_its_growth() {
    let Some(bin) = tlogcheck() else { return };
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1");
    let v2 = dir.path().join("v2");
    let ws = ops_workspace();
    run_ok(&["audit", "init", "--format", "v1", "--store", s(&v1)]);
    v1_ops_entries(&v1, &ops_key(&ws), 300);
    evaluate(&ws, &v1);
    let verdict = dir.path().join("verdict.json");
    std::fs::copy(ws.out().join("verdict.json"), &verdict).unwrap();
    let ops_pub = ws.path().join("ops-keys/tollgate.pub");
    run_ok(&[
        "audit",
        "migrate",
        "--from",
        s(&v1),
        "--to",
        s(&v2),
        "--key",
        s(&ws.verdict_key()),
        "--pubkey",
        s(&ws.verdict_pub()),
        "--ops-key",
        s(&ops_pub),
        "--origin",
        &origin(),
    ]);
    let verdict_vkey = vkey(&ws.verdict_pub());
    let keys = [verdict_vkey.as_str()];
    // Two bundles (256 + 45 records), hash tiles at two levels, checked record by record.
    let text = passes(&check_store(bin, "log", &keys, &v2, &[]));
    assert!(
        text.contains("301 records in 2 entry bundle(s) each proved in the tree"),
        "{text}"
    );
    // The verdict (record 300) and an ops record (index 5) have proofs Go accepts.
    for (what, index) in [("verdict", None), ("record", Some("5"))] {
        let proof = dir.path().join(format!("{what}-proof.json"));
        let mut args = vec!["audit", "prove", "--store", s(&v2), "--out", s(&proof)];
        match index {
            Some(index) => args.extend(["--index", index]),
            None => args.push(s(&verdict)),
        }
        run_ok(&args);
        let text = passes(&check(bin, "inclusion", &keys, &[&proof]));
        assert!(text.contains("in the tree of size 301"), "{text}");
    }
    // The migrated log grows like any other, consistently with its first checkpoint.
    let migrated = dir.path().join("checkpoint-301");
    std::fs::copy(v2.join("checkpoint"), &migrated).unwrap();
    evaluate(&ws, &v2);
    let text = passes(&check_store(
        bin,
        "consistency",
        &keys,
        &v2,
        &[&migrated, &v2.join("checkpoint")],
    ));
    assert!(text.contains("tree 302 extends tree 301"), "{text}");
    passes(&check_store(bin, "log", &keys, &v2, &[]));
}
