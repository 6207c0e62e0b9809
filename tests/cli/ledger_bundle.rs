//! `tollgate audit export` and `audit verify --bundle`: an exported bundle verifies, stock
//! minisign accepts its plain copies, and a tampered bundle (a changed blob byte, a dropped
//! entry, a swapped head, an escaping member name, a symlink) fails naming the place.

use crate::util::*;
use std::path::{Path, PathBuf};

/// A ledger of three signed promote verdicts, in format 1 (bundles are format 1's).
fn ledger() -> Workspace {
    let ws = Workspace::new();
    ws.pin_v1();
    for _ in 0..3 {
        let out = ws.evaluate(&[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    ws
}

pub(crate) fn export(ws: &Workspace, what: &[&str]) -> PathBuf {
    let bundle = ws.path().join(format!("bundle-{}.tar", what.join("-")));
    let store = ws.store();
    let mut args = vec!["audit", "export"];
    args.extend_from_slice(what);
    args.extend_from_slice(&[
        "-o",
        bundle.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    let out = tollgate(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    bundle
}

pub(crate) fn verify_bundle(ws: &Workspace, bundle: &Path) -> std::process::Output {
    let pubkey = ws.verdict_pub();
    tollgate(&[
        "audit",
        "verify",
        "--bundle",
        bundle.to_str().unwrap(),
        "--pubkey",
        pubkey.to_str().unwrap(),
    ])
}

/// Every member of a tar, in order.
pub(crate) fn members(bundle: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(std::fs::File::open(bundle).unwrap());
    archive
        .entries()
        .unwrap()
        .map(|m| {
            let mut m = m.unwrap();
            let name = m.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut m, &mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

/// Write a tar with the names as given, byte for byte (the tar crate refuses to write a
/// `..` name, but a hostile bundle has no such scruples), then let `more` add members.
fn write_tar_with(
    path: &Path,
    members: &[(String, Vec<u8>)],
    more: impl FnOnce(&mut tar::Builder<std::fs::File>),
) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        let raw = &mut header.as_gnu_mut().unwrap().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        builder.append(&header, bytes.as_slice()).unwrap();
    }
    more(&mut builder);
    builder.finish().unwrap();
}

fn write_tar(path: &Path, members: &[(String, Vec<u8>)]) {
    write_tar_with(path, members, |_| {});
}

/// Rewrite `bundle` with `edit` applied to its members; returns the tampered copy.
pub(crate) fn tampered(bundle: &Path, edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> PathBuf {
    let mut all = members(bundle);
    edit(&mut all);
    let out = bundle.with_extension("tampered.tar");
    write_tar(&out, &all);
    out
}

#[test]
fn an_exported_entry_and_a_full_export_verify_and_list_what_they_hold() {
    let ws = ledger();
    let one = export(&ws, &["2"]);
    let names: Vec<String> = members(&one).into_iter().map(|(n, _)| n).collect();
    for name in [
        "ledger/entries/000000000001.json",
        "ledger/entries/000000000003.json",
        "ledger/head.json",
        "head.json",
        "head.json.minisig",
        "entries/2/verdict.json",
        "entries/2/verdict.json.minisig",
        "entries/2/provenance.json",
        "entries/2/provenance.json.minisig",
        "MANIFEST.json",
        "README.txt",
    ] {
        assert!(names.contains(&name.to_owned()), "{name} not in {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.starts_with("entries/1/")),
        "{names:?}"
    );
    let out = verify_bundle(&ws, &one);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("3 entries"), "{text}");
    assert!(text.contains("3 signatures verified"), "{text}");
    assert!(
        text.contains(
            "bundle: entries 2 exported with their files; 6 plain copies match the chain"
        ),
        "{text}"
    );
    assert!(text.contains("OK: the bundle is intact"), "{text}");

    let all = export(&ws, &["--all"]);
    let out = verify_bundle(&ws, &all);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("all entries exported with their files; 14 plain copies match the chain; 0 blob references"), "{}", stdout(&out));

    // JSON, typed.
    let out = tollgate(&[
        "audit",
        "verify",
        "--bundle",
        one.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["manifest"]["exported"], serde_json::json!([2]));
    assert_eq!(value["ledger"]["signatures_checked"], false);
    assert_eq!(value["problems"], serde_json::json!([]));
}

#[test]
fn stock_minisign_accepts_the_plain_copies_of_an_extracted_bundle() {
    let ws = ledger();
    let bundle = export(&ws, &["3"]);
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("-xf")
        .arg(&bundle)
        .arg("-C")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let readme = std::fs::read_to_string(dir.path().join("README.txt")).unwrap();
    for file in [
        "head.json",
        "entries/3/verdict.json",
        "entries/3/provenance.json",
    ] {
        assert!(
            readme.contains(&format!("minisign -Vm {file} -p tollgate.pub")),
            "{readme}"
        );
        let out = std::process::Command::new("minisign")
            .current_dir(dir.path())
            .args(["-Vm", file, "-p"])
            .arg(ws.verdict_pub())
            .output()
            .expect("minisign is installed by .ci/setup.d");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let verdict = read_json(&dir.path().join("entries/3/verdict.json"));
    let out = std::process::Command::new("minisign")
        .current_dir(dir.path())
        .args(["-Vm", "entries/3/verdict.json", "-p"])
        .arg(ws.verdict_pub())
        .output()
        .unwrap();
    let comment = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        comment.contains("tollgate-verdict environment:mainnet decision:promote sha256:"),
        "{comment}"
    );
    assert_eq!(verdict["decision"], "promote");
}

/// The bundle is refused as a whole (exit 1) with `why` on stderr.
fn assert_refused(ws: &Workspace, bundle: &Path, why: &str) {
    let out = verify_bundle(ws, bundle);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains(why), "{}", stderr(&out));
}

pub(crate) fn assert_broken(ws: &Workspace, bundle: &Path, place: &str, why: &str) {
    let out = verify_bundle(ws, bundle);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.contains(place) && first.contains(why),
        "expected {place} / {why} first:\n{text}"
    );
}

#[test]
fn tampered_bundles_fail_naming_the_place() {
    let ws = ledger();
    let bundle = export(&ws, &["2"]);
    let entry2 = tollgate::ledger::query::read_entry(
        &tollgate::ledger::local::LocalStore::open(&ws.store(), false).unwrap(),
        2,
    )
    .unwrap()
    .1;
    let provenance = tollgate::ledger::entry::blob_key(&entry2.provenance.unwrap().sha256);

    // One byte of an exported blob.
    let blob = format!("ledger/{provenance}");
    let flipped = tampered(&bundle, |all| {
        let (_, bytes) = all.iter_mut().find(|(n, _)| *n == blob).unwrap();
        bytes[10] ^= 1;
    });
    assert_broken(
        &ws,
        &flipped,
        &provenance,
        "not the digest it is stored under",
    );

    // One byte of a plain copy.
    let copy = tampered(&bundle, |all| {
        let (_, bytes) = all
            .iter_mut()
            .find(|(n, _)| n == "entries/2/verdict.json")
            .unwrap();
        bytes[5] ^= 1;
    });
    assert_broken(
        &ws,
        &copy,
        "entries/2/verdict.json",
        "but entries/000000000002.json records",
    );

    // A dropped entry.
    let dropped = tampered(&bundle, |all| {
        all.retain(|(n, _)| n != "ledger/entries/000000000001.json")
    });
    assert_broken(&ws, &dropped, "entries/000000000001.json", "missing");

    // A head from another ledger.
    let other = ledger();
    let foreign = members(&export(&other, &["1"]));
    let swapped = tampered(&bundle, |all| {
        for name in ["ledger/head.json", "head.json", "head.json.minisig"] {
            let theirs = foreign.iter().find(|(n, _)| n == name).unwrap().1.clone();
            all.iter_mut().find(|(n, _)| n == name).unwrap().1 = theirs;
        }
    });
    assert_broken(&ws, &swapped, "head.json", "hashes to");

    // A member that climbs out, or a duplicate, is refused before anything is read.
    let escaping = tampered(&bundle, |all| {
        all.push(("../evil".to_owned(), b"x".to_vec()))
    });
    assert_refused(
        &ws,
        &escaping,
        "\"../evil\" is absolute or climbs with `..`; refused",
    );
    let twice = tampered(&bundle, |all| {
        let first = all[0].clone();
        all.push(first);
    });
    assert_refused(&ws, &twice, "appears twice");

    // A symlink member.
    let linked = bundle.with_extension("symlink.tar");
    write_tar_with(&linked, &members(&bundle), |builder| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder
            .append_link(&mut header, "ledger/objects/sha256/aa/link", "/etc/passwd")
            .unwrap();
    });
    assert_refused(&ws, &linked, "is not a regular file");

    // An extra member is not silently carried along.
    let extra = tampered(&bundle, |all| {
        all.push(("entries/2/notes.txt".to_owned(), b"hi".to_vec()))
    });
    assert_broken(&ws, &extra, "entries/2/notes.txt", "unexpected member");
}

#[test]
fn export_needs_an_entry_or_all_and_names_unknown_entries() {
    let ws = ledger();
    let store = ws.store();
    let out = tollgate(&[
        "audit",
        "export",
        "-o",
        "x.tar",
        "--store",
        store.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let target = ws.path().join("x.tar");
    let out = tollgate(&[
        "audit",
        "export",
        "9",
        "-o",
        target.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no such entry"), "{}", stderr(&out));
    assert!(!target.exists(), "a failed export leaves no file");
}
