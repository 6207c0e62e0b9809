//! Evidence, not prose, for the known limitation of s3s-fs (docs/ledger-s3.md): its
//! `If-None-Match: *` refuses a second create made after the first, but the check is not
//! atomic with the write. It checks that the key is absent, then streams the body into a
//! temporary file (`.tmp.N.internal.part` in its data directory) and renames it over the key.
//! Holding one create's body back inside that window lets a second create win as well, and
//! the held one then overwrites it: two "successful" creates of one key, made to happen
//! deterministically. Raw HTTP on an s3s-fs without credentials, so the test can hold the
//! body back (object_store sends whole bodies); the window is in the PUT handler, the same
//! with signing.

use super::server::{BUCKET, S3Server};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

const BODY_LEN: usize = 16;

/// A PUT with `If-None-Match: *` whose headers and first `sent` body bytes are on the wire.
fn start_create(port: u16, key: &str, sent: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "PUT /{BUCKET}/{key} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nIf-None-Match: *\r\n\
         Content-Length: {BODY_LEN}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(sent).unwrap();
    stream.flush().unwrap();
    stream
}

/// Send the rest of the body and read the status code.
fn finish(mut stream: TcpStream, rest: &[u8]) -> u16 {
    stream.write_all(rest).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap_or_default();
    status
        .parse()
        .unwrap_or_else(|_| panic!("no status in {response:?}"))
}

fn create(port: u16, key: &str, body: &[u8]) -> u16 {
    let stream = start_create(port, key, &[]);
    finish(stream, body)
}

/// s3s-fs has passed the existence check of a PUT when its temporary file appears.
fn wait_for_temp_file(data: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending = std::fs::read_dir(data)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".internal.part"));
        if pending {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "s3s-fs never started writing the held-back create: has its PUT handler changed?"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn s3s_fs_create_if_absent_is_sequential_only() {
    let Some(server) = S3Server::start_s3s_fs_anonymous() else {
        return;
    };
    let port = server.port().unwrap();
    let data = server.data_dir().unwrap();
    let key = "race-evidence/entries/000000000001.json";
    let (first, second) = ([b'A'; BODY_LEN], [b'B'; BODY_LEN]);

    // Sequentially the condition holds: this is all the store's probe can see.
    let probe = "race-evidence/probe";
    assert_eq!(create(port, probe, &first), 200);
    assert_eq!(
        create(port, probe, &second),
        412,
        "a second create was not refused"
    );

    // Interleaved it does not: A passes the check, B creates the key, A overwrites it.
    let held = start_create(port, key, &first[..BODY_LEN / 2]);
    wait_for_temp_file(data);
    assert_eq!(create(port, key, &second), 200, "B created the key");
    assert_eq!(
        finish(held, &first[BODY_LEN / 2..]),
        200,
        "A's create was refused after all: s3s-fs made If-None-Match atomic; \
         un-ignore the racing tests and update docs/ledger-s3.md"
    );
    let stored = std::fs::read(data.join(BUCKET).join(key)).unwrap();
    assert_eq!(stored, first, "A overwrote B: both creates 'won'");
}
