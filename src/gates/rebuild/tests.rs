//! Describing differences between an artifact and its rebuild.

use super::compare::{describe, first_differing_byte};
use std::path::Path;

fn tarball(
    dir: &Path,
    name: &str,
    members: &[(&str, &[u8], u64)],
    gzip_level: u32,
) -> std::path::PathBuf {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes, mtime) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(*mtime);
        header.set_cksum();
        builder.append_data(&mut header, path, *bytes).unwrap();
    }
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(gzip_level));
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    path
}

#[test]
fn a_tarball_names_its_first_differing_member_and_how() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    let a = tarball(
        &dir.path().join("a"),
        "x.tar.gz",
        &[("n/a.txt", b"same", 1), ("n/b.txt", b"one", 1)],
        6,
    );
    let b = tarball(
        &dir.path().join("b"),
        "x.tar.gz",
        &[("n/a.txt", b"same", 1), ("n/b.txt", b"two", 1)],
        6,
    );
    let text = describe("x.tar.gz", &a, &b);
    assert!(text.contains("member \"n/b.txt\" differs"), "{text}");
    assert!(text.contains("content sha256"), "{text}");

    let c = tarball(
        &dir.path().join("b"),
        "y.tar.gz",
        &[("n/a.txt", b"same", 2), ("n/b.txt", b"one", 1)],
        6,
    );
    let text = describe("x.tar.gz", &a, &c);
    assert!(
        text.contains("member \"n/a.txt\" differs") && text.contains("mtime 1 vs 2"),
        "{text}"
    );

    let d = tarball(
        &dir.path().join("b"),
        "z.tar.gz",
        &[("n/a.txt", b"same", 1)],
        6,
    );
    let text = describe("x.tar.gz", &a, &d);
    assert!(
        text.contains("\"n/b.txt\" is only in the release"),
        "{text}"
    );

    let e = tarball(
        &dir.path().join("b"),
        "e.tar.gz",
        &[("n/a.txt", b"same", 1), ("n/b.txt", b"one", 1)],
        1,
    );
    let text = describe("x.tar.gz", &a, &e);
    assert!(text.contains("gzip wrapper differs"), "{text}");
}

#[test]
fn other_files_name_the_first_differing_byte() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.bin");
    let b = dir.path().join("b.bin");
    std::fs::write(&a, b"abcdef").unwrap();
    std::fs::write(&b, b"abcXef").unwrap();
    assert_eq!(first_differing_byte(&a, &b).unwrap(), Some(3));
    std::fs::write(&b, b"abc").unwrap();
    assert_eq!(first_differing_byte(&a, &b).unwrap(), Some(3));
    std::fs::write(&b, b"abcdef").unwrap();
    assert_eq!(first_differing_byte(&a, &b).unwrap(), None);
    assert!(describe("a.bin", &a, &dir.path().join("missing")).contains("cannot compare"));
    std::fs::write(&b, vec![b'a'; 200_000]).unwrap();
    std::fs::write(&a, [vec![b'a'; 150_000], vec![b'b'; 10]].concat()).unwrap();
    assert_eq!(first_differing_byte(&a, &b).unwrap(), Some(150_000));
}
