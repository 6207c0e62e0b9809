//! What the S3 store says when it cannot work: each message names the store, the key and
//! what to do, and nothing reads as "no such object" when the store itself is unusable.

use super::careless_server::CarelessServer;
use super::server::S3Server;
use std::net::{Ipv4Addr, TcpListener};
use tollgate::ledger::s3::S3Store;
use tollgate::ledger::store::Store;

fn env_with(server: &S3Server, name: &str, value: &str) -> Vec<(String, String)> {
    let mut env: Vec<_> = server
        .env()
        .into_iter()
        .filter(|(k, _)| k != name)
        .collect();
    env.push((name.to_string(), value.to_string()));
    env
}

#[test]
fn a_missing_bucket_is_an_error_not_an_empty_store() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = S3Store::open_with_env("s3://no-such-bucket/ledger", server.env()).unwrap();
    let get = store.get("head.json").unwrap_err().to_string();
    assert!(
        get.starts_with("s3://no-such-bucket/ledger/head.json: reading failed"),
        "{get}"
    );
    assert!(
        get.contains("bucket `no-such-bucket` does not exist"),
        "{get}"
    );
    let list = store.list("entries/").unwrap_err().to_string();
    assert!(
        list.contains("bucket `no-such-bucket` does not exist"),
        "{list}"
    );
    let create = store.create("entries/1", b"x").unwrap_err().to_string();
    assert!(create.contains("does not exist"), "{create}");
}

#[test]
fn wrong_credentials_name_the_variables() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let env = env_with(&server, "AWS_SECRET_ACCESS_KEY", "not-the-secret");
    let store = S3Store::open_with_env(&server.url("ledger"), env).unwrap();
    for err in [
        store.get("head.json").unwrap_err().to_string(),
        store.replace("head.json", b"x").unwrap_err().to_string(),
    ] {
        assert!(err.contains("refused the credentials"), "{err}");
        assert!(err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    }
}

#[test]
fn an_unreachable_endpoint_says_so() {
    let Some(server) = S3Server::start() else {
        return;
    };
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let env = env_with(&server, "AWS_ENDPOINT_URL", &endpoint);
    let store = S3Store::open_with_env(&server.url("ledger"), env).unwrap();
    let err = store.list("entries/").unwrap_err().to_string();
    assert!(
        err.contains(&format!("could not connect to {endpoint}")),
        "{err}"
    );
    assert!(err.contains("TOLLGATE_S3_ENDPOINT"), "{err}");
}

#[test]
fn setup_mistakes_fail_at_open() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let no_http = server
        .env()
        .into_iter()
        .filter(|(k, _)| k != "AWS_ALLOW_HTTP");
    let err = S3Store::open_with_env(&server.url("ledger"), no_http)
        .err()
        .expect("plain http without AWS_ALLOW_HTTP")
        .to_string();
    assert!(
        err.starts_with(&format!("{}: ", server.url("ledger"))),
        "{err}"
    );
    assert!(err.contains("AWS_ALLOW_HTTP=true"), "{err}");

    let no_keys = server
        .env()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("AWS_ACCESS"));
    let no_keys: Vec<_> = no_keys
        .filter(|(k, _)| !k.starts_with("AWS_SECRET"))
        .collect();
    let err = S3Store::open_with_env(&server.url("ledger"), no_keys)
        .err()
        .expect("no credentials")
        .to_string();
    assert!(err.contains("no S3 credentials"), "{err}");

    let err = S3Store::open_with_env("s3://Bad_Bucket/x", server.env())
        .err()
        .expect("bad bucket name")
        .to_string();
    assert!(err.starts_with("s3://Bad_Bucket/x: "), "{err}");
}

#[test]
fn a_server_that_ignores_if_none_match_is_refused() {
    let server = CarelessServer::start();
    let store = S3Store::open_with_env("s3://ledgers/ledger", server.env()).unwrap();
    let err = store
        .create("entries/000000000001.json", b"entry")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("s3://ledgers/ledger/_tollgate/create-if-absent-probe: "),
        "{err}"
    );
    assert!(
        err.contains("overwrote an existing object despite `If-None-Match: *`"),
        "{err}"
    );
    // Only the two probe writes reached the server: the entry itself was never sent.
    assert_eq!(server.puts.load(std::sync::atomic::Ordering::Relaxed), 2);
    // And it stays refused: no later create slips through.
    assert!(store.create("entries/000000000001.json", b"entry").is_err());
}
