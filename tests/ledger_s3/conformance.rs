//! The backend conformance suite (`tollgate::ledger::conformance`) against `S3Store` on a
//! real server: every check, except that on s3s-fs the racing-create check is skipped by
//! name, because s3s-fs checks `If-None-Match` and then writes (see `race_evidence.rs`, which
//! pins that); against a server given by TOLLGATE_TEST_S3_ENDPOINT it runs too.

use super::open;
use super::server::S3Server;
use tollgate::ledger::conformance::{Racing, run};

/// Why s3s-fs cannot pass the racing check; `race_evidence.rs` shows it happening.
const S3S_FS_RACES: &str = "s3s-fs 0.14 checks If-None-Match before it streams the body and \
                            renames the file, so racing creates can all succeed";

#[test]
fn s3_store_passes_the_conformance_suite() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "conformance");
    let racing = if server.is_local() {
        Racing::Skip { why: S3S_FS_RACES }
    } else {
        Racing::Check { threads: 8 }
    };
    let ran = run(&store, racing).unwrap_or_else(|e| panic!("{}: {e}", server.url("conformance")));
    let mut expected = vec!["create-if-absent", "replace-atomicity", "list-ordering"];
    if !server.is_local() {
        expected.push("racing-create");
    }
    assert_eq!(ran, expected);
}
