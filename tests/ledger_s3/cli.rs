//! The issue-5 concurrency test against object storage, through the CLI contract: 8 runners
//! evaluate and append 50 times each to one `--store s3://…`; the ledger ends with 400
//! entries in one linear chain and `tollgate audit verify` accepts it.

use super::server::S3Server;
use super::util::{Workspace, command, stderr, stdout};
use tollgate::ledger::s3::S3Store;
use tollgate::ledger::store::Store;

const RUNNERS: usize = 8;
const APPENDS: usize = 50;

#[test]
#[ignore = "needs a server with atomic If-None-Match (TOLLGATE_TEST_S3_ENDPOINT); s3s-fs is not: see race_evidence.rs"]
fn eight_runners_append_one_linear_chain() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let ws = Workspace::new();
    let store_url = server.url("ci/ledger");
    let runners: Vec<_> = (0..RUNNERS)
        .map(|runner| {
            let (ws, server, store_url) = (&ws, &server, &store_url);
            move || {
                for append in 0..APPENDS {
                    let out = ws.path().join(format!("out-{runner}-{append}"));
                    let output = command(&["evaluate", "--policy"])
                        .arg(ws.policy_path())
                        .arg("--release")
                        .arg(ws.release())
                        .arg("--repo")
                        .arg(ws.path())
                        .arg("--out")
                        .arg(&out)
                        .arg("--key")
                        .arg(ws.verdict_key())
                        .args(["--store", store_url])
                        .envs(server.env())
                        .output()
                        .expect("run tollgate evaluate");
                    assert_eq!(
                        output.status.code(),
                        Some(0),
                        "runner {runner}, append {append}: {}{}",
                        stdout(&output),
                        stderr(&output)
                    );
                }
            }
        })
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = runners.into_iter().map(|r| scope.spawn(r)).collect();
        for handle in handles {
            handle.join().expect("a runner panicked");
        }
    });

    let store = S3Store::open_with_env(&store_url, server.env()).unwrap();
    let entries = store.list("entries/").unwrap();
    let expected: Vec<String> = (1..=RUNNERS * APPENDS)
        .map(|seq| format!("entries/{seq:012}.json"))
        .collect();
    assert_eq!(
        entries, expected,
        "one entry per append, numbered without gaps"
    );

    let output = command(&["audit", "verify", "--store", &store_url, "--pubkey"])
        .arg(ws.verdict_pub())
        .envs(server.env())
        .output()
        .expect("run tollgate audit verify");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
}
