//! Compare-and-swap, delete and `tollgate audit check-store` on a real server. On s3s-fs
//! every conditional write is honoured one request after another (a second create, a stale
//! `If-Match`, a swap of a deleted key are all refused), but racing writers are not: s3s-fs
//! checks the condition, then streams the body and renames the file, so several racing
//! writers "win". check-store says so, records it, and `require_atomic` (what v2 appends
//! call) refuses the store, naming what the server did. Against a server given by
//! TOLLGATE_TEST_S3_ENDPOINT the probe must pass.

use super::open;
use super::server::S3Server;
use super::util::{command, stderr, stdout};
use serde_json::Value;
use tollgate::ledger::store::{Store, Swapped};
use tollgate::ledger::store_check::{self, CheckReport, PROBE_PREFIX, RESULT_KEY};

#[test]
fn versioned_replace_and_delete() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "cas");
    let key = "checkpoint";
    assert_eq!(store.get_versioned(key).unwrap(), None);
    assert_eq!(store.replace_if(key, b"one", None).unwrap(), Swapped::Done);
    assert_eq!(
        store.replace_if(key, b"again", None).unwrap(),
        Swapped::Conflict
    );
    let (bytes, v1) = store.get_versioned(key).unwrap().unwrap();
    assert_eq!(bytes, b"one");
    assert_eq!(
        store.replace_if(key, b"two", Some(&v1)).unwrap(),
        Swapped::Done
    );
    assert_eq!(
        store.replace_if(key, b"three", Some(&v1)).unwrap(),
        Swapped::Conflict
    );
    let (bytes, v2) = store.get_versioned(key).unwrap().unwrap();
    assert_eq!(bytes, b"two");
    assert_ne!(v1, v2);
    store.delete(key).unwrap();
    assert_eq!(store.get(key).unwrap(), None);
    // Deleting what is not there is fine; swapping what is not there conflicts.
    store.delete(key).unwrap();
    assert_eq!(
        store.replace_if(key, b"four", Some(&v2)).unwrap(),
        Swapped::Conflict
    );
    assert_eq!(store.get(key).unwrap(), None);
}

#[test]
fn check_store_reports_what_the_server_did() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let url = server.url("ledger");
    let out = command(&["audit", "check-store", "--format", "json", "--store", &url])
        .envs(server.env())
        .output()
        .expect("run tollgate");
    let report: CheckReport = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    // Shown with --nocapture: the record of what this server did.
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());
    assert_eq!(report.store, url);
    assert_eq!(report.writers, store_check::DEFAULT_WRITERS);
    let store = open(&server, "ledger");
    let recorded: Value =
        serde_json::from_slice(&store.get(RESULT_KEY).unwrap().expect("recorded")).unwrap();
    assert_eq!(recorded, serde_json::to_value(&report).unwrap());
    assert!(
        store.list(PROBE_PREFIX).unwrap().is_empty(),
        "probe keys left behind"
    );
    // One request after another, every condition holds, on s3s-fs too.
    let sequential = &report.details[report.details.len() - 3..];
    assert!(
        sequential.iter().all(|d| d.starts_with("ok ")),
        "{sequential:#?}"
    );

    if !server.is_local() {
        assert_eq!(out.status.code(), Some(0), "{report:#?}");
        assert!(report.passed);
        store_check::require_atomic(&store).unwrap();
        return;
    }
    // s3s-fs: several racing writers win.
    assert_eq!(
        out.status.code(),
        Some(1),
        "s3s-fs passed check-store: has it made conditional writes atomic? then update \
         docs/ledger-s3.md and this test\n{report:#?}"
    );
    assert!(!report.passed);
    let failures = report.failures();
    assert!(
        failures
            .iter()
            .any(|f| f.contains("racing compare-and-swaps from one version (If-Match)")),
        "{failures:#?}"
    );
    // What v2 appends call: refused, naming what the server did.
    let err = store_check::require_atomic(&store).unwrap_err();
    assert!(
        err.starts_with(&format!("{url}: refusing to append")),
        "{err}"
    );
    assert!(err.contains(failures[0]), "{err}");
    assert!(err.contains("or a local --store DIR"), "{err}");

    // The text report says the same to a person.
    let out = command(&["audit", "check-store", "--store", &url])
        .envs(server.env())
        .output()
        .expect("run tollgate");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("check-store {url}: FAIL (16 writers")),
        "{text}"
    );
    assert!(text.contains("refusing to append"), "{text}");
}

#[test]
fn require_atomic_probes_an_unchecked_store_once() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "fresh");
    let outcome = store_check::require_atomic(&store);
    let recorded = store_check::recorded(&store)
        .unwrap()
        .expect("require_atomic records the probe it ran");
    assert_eq!(outcome.is_ok(), recorded.passed, "{outcome:?}");
    if server.is_local() {
        assert!(!recorded.passed, "{recorded:#?}");
    }
}

#[test]
fn check_store_cannot_run_without_the_bucket() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let url = "s3://tollgate-no-such-bucket/ledger";
    let out = command(&["audit", "check-store", "--store", url])
        .envs(server.env())
        .output()
        .expect("run tollgate");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("check-store could not run"),
        "{}",
        stderr(&out)
    );
}
