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

/// A zip member to write: name, content, compression and date.
type ZipMember<'a> = (&'a str, &'a [u8], zip::CompressionMethod, (u16, u8, u8));

/// A zip written by the `zip` crate: each member's name, content, compression and time.
fn zipfile(path: &Path, members: &[ZipMember<'_>]) -> std::path::PathBuf {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes, method, (year, month, day)) in members {
        let time = zip::DateTime::from_date_and_time(*year, *month, *day, 12, 0, 0).unwrap();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(*method)
            .last_modified_time(time)
            .unix_permissions(0o644);
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
    path.to_path_buf()
}

#[test]
fn a_zip_names_its_first_differing_member_and_how() {
    use zip::CompressionMethod::{Deflated, Stored};
    let dir = tempfile::tempdir().unwrap();
    let day = (2026, 11, 20);
    let a = zipfile(
        &dir.path().join("a.zip"),
        &[
            ("bin/node", b"same", Deflated, day),
            ("README", b"one", Deflated, day),
        ],
    );
    let b = zipfile(
        &dir.path().join("b.zip"),
        &[
            ("bin/node", b"same", Deflated, day),
            ("README", b"two", Deflated, day),
        ],
    );
    let text = describe("node.zip", &a, &b);
    assert!(text.contains("member \"README\" differs"), "{text}");
    assert!(text.contains("content sha256"), "{text}");
    assert!(text.contains("first differ at byte offset"), "{text}");

    // Same content, another time stamp and compression: both named.
    let c = zipfile(
        &dir.path().join("c.zip"),
        &[
            ("bin/node", b"same", Stored, (2026, 11, 21)),
            ("README", b"one", Deflated, day),
        ],
    );
    let text = describe("node.zip", &a, &c);
    assert!(text.contains("member \"bin/node\" differs"), "{text}");
    assert!(
        text.contains("modified 2026-11-20T12:00:00 vs 2026-11-21T12:00:00"),
        "{text}"
    );
    assert!(text.contains("compression Deflated vs Stored"), "{text}");
    assert!(!text.contains("content sha256"), "{text}");

    // A member only one side has, and another order.
    let d = zipfile(
        &dir.path().join("d.zip"),
        &[("bin/node", b"same", Deflated, day)],
    );
    assert!(
        describe("node.zip", &a, &d).contains("member \"README\" is only in the release"),
        "{}",
        describe("node.zip", &a, &d)
    );
    let e = zipfile(
        &dir.path().join("e.zip"),
        &[
            ("README", b"one", Deflated, day),
            ("bin/node", b"same", Deflated, day),
        ],
    );
    assert!(
        describe("node.zip", &a, &e)
            .contains("member #1 is \"bin/node\" in the release but \"README\""),
        "{}",
        describe("node.zip", &a, &e)
    );

    // Identical members, another archive comment: the framing differs.
    let f = dir.path().join("f.zip");
    {
        let mut writer = zip::ZipWriter::new(std::fs::File::create(&f).unwrap());
        for (name, bytes) in [("bin/node", &b"same"[..]), ("README", b"one")] {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(Deflated)
                .last_modified_time(
                    zip::DateTime::from_date_and_time(2026, 11, 20, 12, 0, 0).unwrap(),
                )
                .unix_permissions(0o644);
            writer.start_file(name, options).unwrap();
            std::io::Write::write_all(&mut writer, bytes).unwrap();
        }
        writer.set_comment("built on laptop").unwrap();
        writer.finish().unwrap();
    }
    let text = describe("node.zip", &a, &f);
    assert!(
        text.contains("every member is identical, the zip framing differs"),
        "{text}"
    );

    // Not a zip at all: said, with the byte offset.
    let g = dir.path().join("g.zip");
    std::fs::write(&g, b"not a zip").unwrap();
    let text = describe("node.zip", &a, &g);
    assert!(text.contains("cannot read it as an archive"), "{text}");
}

#[test]
fn a_zip_made_by_python_zipfile_is_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let script = "import sys, zipfile\nfor path, body in ((sys.argv[1], b'one'), (sys.argv[2], b'two')):\n    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:\n        info = zipfile.ZipInfo('share/notes.txt', (2026, 11, 20, 12, 0, 0))\n        info.compress_type = zipfile.ZIP_DEFLATED\n        z.writestr(info, body)\n";
    let (a, b) = (dir.path().join("a.zip"), dir.path().join("b.zip"));
    let status = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&a)
        .arg(&b)
        .status();
    let Ok(status) = status else {
        eprintln!("python3 is not installed: skipped");
        return;
    };
    assert!(status.success());
    let text = describe("notes.zip", &a, &b);
    assert!(
        text.contains("member \"share/notes.txt\" differs") && text.contains("content sha256"),
        "{text}"
    );
}
