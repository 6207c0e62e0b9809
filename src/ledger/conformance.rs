//! The backend conformance suite: the guarantees every [`Store`] must give, checked against
//! a live store. The local backend runs it in `tests/ledger_conformance.rs`; the S3 backend
//! runs the same functions against a real server. Each check uses keys under its own
//! `conformance/<check>/` prefix and returns what went wrong instead of panicking, so a
//! caller can run it against any store it can open.

use super::store::{Created, Store};
use std::sync::{Arc, Barrier};

/// Run every check; the first failure, named.
pub fn run_all(store: &dyn Store) -> Result<(), String> {
    run(store, Racing::Check { threads: 8 }).map(|_| ())
}

/// What [`run`] does with the racing-create check. Only that check depends on the server
/// being atomic rather than merely correct one request at a time, so it is the one a caller
/// may leave out: for a test server known to check-then-write (s3s-fs), where the check
/// would fail for the server's sake, not the store's. A skip must say why; [`run`] reports it.
#[derive(Debug, Clone, Copy)]
pub enum Racing<'a> {
    Check { threads: usize },
    Skip { why: &'a str },
}

/// Run every check, the racing one as `racing` says; the names of the checks that ran, or
/// the first failure, named. Skipping without a reason is itself a failure.
pub fn run(store: &dyn Store, racing: Racing<'_>) -> Result<Vec<&'static str>, String> {
    if let Racing::Skip { why } = racing
        && why.trim().is_empty()
    {
        return Err(
            "racing-create: skipped without a reason: say why the store cannot pass it".into(),
        );
    }
    create_if_absent(store)?;
    replace_is_atomic(store)?;
    list_is_sorted_and_prefixed(store)?;
    let mut ran = vec!["create-if-absent", "replace-atomicity", "list-ordering"];
    if let Racing::Check { threads } = racing {
        racing_creates_have_one_winner(store, threads)?;
        ran.push("racing-create");
    }
    Ok(ran)
}

/// Sets the flag when the writer ends, however it ends.
struct Finish<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

fn fail(check: &str, what: String) -> String {
    format!("{check}: {what}")
}

/// `create` writes a new key, then refuses to overwrite it; `get` of a missing key is `None`.
pub fn create_if_absent(store: &dyn Store) -> Result<(), String> {
    const CHECK: &str = "create-if-absent";
    let key = "conformance/create/object";
    let err = |e: super::store::StoreError| fail(CHECK, e.to_string());
    if store
        .get("conformance/create/missing")
        .map_err(err)?
        .is_some()
    {
        return Err(fail(CHECK, "get of a missing key returned bytes".into()));
    }
    if store.get(key).map_err(err)?.is_some() {
        return Err(fail(
            CHECK,
            format!("{key} exists before the check: use an empty store"),
        ));
    }
    if store.create(key, b"first").map_err(err)? != Created::New {
        return Err(fail(CHECK, "create of a new key did not report New".into()));
    }
    if store.create(key, b"second").map_err(err)? != Created::AlreadyExists {
        return Err(fail(
            CHECK,
            "create of an existing key did not report AlreadyExists".into(),
        ));
    }
    match store.get(key).map_err(err)? {
        Some(bytes) if bytes == b"first" => Ok(()),
        other => Err(fail(
            CHECK,
            format!("after a refused create the object holds {other:?}, not the first bytes"),
        )),
    }
}

/// Readers racing a writer that replaces one key see one whole version or another, never
/// a mixture or nothing.
pub fn replace_is_atomic(store: &dyn Store) -> Result<(), String> {
    const CHECK: &str = "replace-atomicity";
    let key = "conformance/replace/head";
    // Large enough that a non-atomic write would be observed half-done.
    let versions: Vec<Vec<u8>> = (0..8u8).map(|v| vec![b'a' + v; 256 * 1024]).collect();
    store
        .replace(key, &versions[0])
        .map_err(|e| fail(CHECK, e.to_string()))?;
    let done = std::sync::atomic::AtomicBool::new(false);
    let problem = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let _finish = Finish(&done);
            for round in 0..4 {
                for version in &versions {
                    store
                        .replace(key, version)
                        .map_err(|e| fail(CHECK, format!("round {round}: {e}")))?;
                }
            }
            Ok::<(), String>(())
        });
        let reader = scope.spawn(|| {
            for _ in 0..200 {
                match store.get(key) {
                    Ok(Some(bytes)) if versions.contains(&bytes) => {}
                    Ok(Some(bytes)) => {
                        return Err(fail(
                            CHECK,
                            format!(
                                "a reader saw {} bytes that are no written version",
                                bytes.len()
                            ),
                        ));
                    }
                    Ok(None) => {
                        return Err(fail(
                            CHECK,
                            "a reader found the key missing mid-replace".into(),
                        ));
                    }
                    Err(e) => return Err(fail(CHECK, e.to_string())),
                }
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
            }
            Ok(())
        });
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(fail(CHECK, "reader panicked".into())));
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(fail(CHECK, "writer panicked".into())));
        read.and(written)
    });
    problem?;
    match store.get(key).map_err(|e| fail(CHECK, e.to_string()))? {
        Some(bytes) if bytes == versions[versions.len() - 1] => Ok(()),
        _ => Err(fail(
            CHECK,
            "after the last replace the key does not hold the last version".into(),
        )),
    }
}

/// `list` returns exactly the keys under the prefix, sorted byte-wise, through nested
/// "directories", and nothing from a sibling prefix.
pub fn list_is_sorted_and_prefixed(store: &dyn Store) -> Result<(), String> {
    const CHECK: &str = "list-ordering";
    let err = |e: super::store::StoreError| fail(CHECK, e.to_string());
    let keys = [
        "conformance/list/b/000000000010.json",
        "conformance/list/a/ff",
        "conformance/list/b/000000000002.json",
        "conformance/list/a/0f/deep",
        "conformance/list/c",
        "conformance/listing-sibling/x",
    ];
    for key in keys {
        store.create(key, key.as_bytes()).map_err(err)?;
    }
    let mut expected: Vec<String> = keys
        .iter()
        .filter(|k| k.starts_with("conformance/list/"))
        .map(|k| k.to_string())
        .collect();
    expected.sort();
    let listed = store.list("conformance/list/").map_err(err)?;
    if listed != expected {
        return Err(fail(
            CHECK,
            format!("list(conformance/list/) gave {listed:?}, expected {expected:?}"),
        ));
    }
    let only_b = store.list("conformance/list/b/").map_err(err)?;
    if only_b != expected[2..4] {
        return Err(fail(
            CHECK,
            format!("list(conformance/list/b/) gave {only_b:?}"),
        ));
    }
    if !store
        .list("conformance/nothing-here/")
        .map_err(err)?
        .is_empty()
    {
        return Err(fail(CHECK, "list of an empty prefix returned keys".into()));
    }
    Ok(())
}

/// `threads` threads create one key at the same moment with different bytes: exactly one
/// sees `New`, and the object holds that thread's bytes.
pub fn racing_creates_have_one_winner(store: &dyn Store, threads: usize) -> Result<(), String> {
    const CHECK: &str = "racing-create";
    for round in 0..5 {
        let key = format!("conformance/race/{round}");
        let barrier = Arc::new(Barrier::new(threads));
        let results: Vec<Result<(usize, Created), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (barrier, key) = (Arc::clone(&barrier), &key);
                    scope.spawn(move || {
                        barrier.wait();
                        store
                            .create(key, format!("writer {t}").as_bytes())
                            .map(|c| (t, c))
                            .map_err(|e| e.to_string())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("a writer panicked".into())))
                .collect()
        });
        let mut winners = Vec::new();
        for result in results {
            let (t, created) = result.map_err(|e| fail(CHECK, e))?;
            if created == Created::New {
                winners.push(t);
            }
        }
        let [winner] = winners[..] else {
            return Err(fail(
                CHECK,
                format!(
                    "round {round}: {} writers saw New: {winners:?}",
                    winners.len()
                ),
            ));
        };
        let stored = store.get(&key).map_err(|e| fail(CHECK, e.to_string()))?;
        if stored.as_deref() != Some(format!("writer {winner}").as_bytes()) {
            return Err(fail(
                CHECK,
                format!("round {round}: the object does not hold the winner's bytes"),
            ));
        }
    }
    Ok(())
}
