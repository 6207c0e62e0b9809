//! `tollgate audit export` and `audit verify --bundle` on a format-2 log: the bundle holds the
//! signed checkpoint and a proof per exported record (not the log), verifies with the verdict
//! key, and a tampered record, proof, checkpoint or blob fails naming the member.

use crate::ledger_bundle::{assert_broken, export, members, tampered, verify_bundle};
use crate::util::*;

/// Make the workspace's ledger a format-2 log; returns its origin, `example.com/ledger/` and
/// the workspace's directory name (origins are unique per log: readers remember what they
/// verified of a log by its origin).
pub(crate) fn pin_v2(ws: &Workspace) -> String {
    let store = ws.store();
    let name = ws.path().file_name().unwrap().to_str().unwrap();
    let origin = format!("example.com/ledger/{}", name.trim_start_matches('.'));
    let out = tollgate(&[
        "audit",
        "init",
        "--format",
        "v2",
        "--origin",
        &origin,
        "--store",
        store.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    origin
}

/// A format-2 log of three signed promote verdicts, and its origin.
fn log() -> (Workspace, String) {
    let ws = Workspace::new();
    let origin = pin_v2(&ws);
    for _ in 0..3 {
        let out = ws.evaluate(&[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    (ws, origin)
}

#[test]
fn a_bundle_of_one_record_holds_its_proof_not_the_log_and_verifies() {
    let (ws, origin) = log();
    let store = ws.store();
    let bundle = ws.path().join("one.tar");
    let out = tollgate(&[
        "audit",
        "export",
        "2",
        "-o",
        bundle.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "the checkpoint of {origin} covering 3 records, the files and inclusion proofs of records 2:"
        )),
        "{}",
        stdout(&out)
    );
    let names: Vec<String> = members(&bundle).into_iter().map(|(n, _)| n).collect();
    for name in [
        "ledger/checkpoint",
        "entries/2/proof.json",
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
        !names
            .iter()
            .any(|n| n.starts_with("ledger/tile/") || n.starts_with("entries/1/")),
        "{names:?}"
    );
    let out = verify_bundle(&ws, &bundle);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    for line in [
        "1 entries,",
        "3 signatures verified",
        &format!("checkpoint ({origin}) covers all 3 records"),
        "the checkpoint is signed by the verdict key",
        "bundle: records 2 exported with their files; 1 inclusion proofs lead to the checkpoint's root; 4 plain copies match the records",
        "OK: the bundle is intact",
    ] {
        assert!(text.contains(line), "{line:?} not in {text}");
    }

    // The proof is `audit prove`'s JSON; the README says how to check it and the signatures.
    let all = members(&bundle);
    let get = |name: &str| all.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let proof: serde_json::Value = serde_json::from_slice(&get("entries/2/proof.json")).unwrap();
    assert_eq!(
        (proof["index"].as_u64(), proof["tree_size"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(
        proof["checkpoint"].as_str().unwrap().as_bytes(),
        get("ledger/checkpoint")
    );
    let readme = String::from_utf8(get("README.txt")).unwrap();
    for command in [
        "tollgate verify entries/2/verdict.json --pubkey tollgate.pub --environment mainnet --proof entries/2/proof.json",
        "minisign -Vm entries/2/verdict.json -p tollgate.pub",
        "minisign -Vm entries/2/provenance.json -p tollgate.pub",
    ] {
        assert!(readme.contains(command), "{command:?} not in {readme}");
    }
    let manifest: serde_json::Value = serde_json::from_slice(&get("MANIFEST.json")).unwrap();
    assert_eq!(
        manifest["format"],
        "https://tollgate.dev/schemas/ledger-bundle/v2"
    );

    // JSON output carries the v2 manifest and the proof count.
    let out = tollgate(&[
        "audit",
        "verify",
        "--bundle",
        bundle.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["manifest"]["tree_size"], 3);
    assert_eq!(value["proofs"], 1);
    assert_eq!(value["ledger"]["checkpoint"]["signed"], true);

    // Everything: every record with its proof.
    let all = export(&ws, &["--all"]);
    let out = verify_bundle(&ws, &all);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("bundle: all records exported with their files; 3 inclusion proofs"),
        "{}",
        stdout(&out)
    );
}

/// Rewrite the JSON proof member `name` of `bundle` with `edit`.
fn with_proof(
    bundle: &std::path::Path,
    name: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> std::path::PathBuf {
    tampered(bundle, |all| {
        let (_, bytes) = all.iter_mut().find(|(n, _)| n == name).unwrap();
        let mut proof: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        edit(&mut proof);
        *bytes = serde_json::to_vec_pretty(&proof).unwrap();
    })
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[test]
fn a_tampered_record_proof_checkpoint_or_blob_fails_naming_it() {
    let (ws, _) = log();
    let bundle = export(&ws, &["2"]);

    // The record inside the proof: a verdict digest changed.
    let record = with_proof(&bundle, "entries/2/proof.json", |proof| {
        let mut record = unb64(proof["entry"].as_str().unwrap());
        let at = record.windows(7).position(|w| w == b"sha256\"").unwrap() + 10;
        record[at] = if record[at] == b'0' { b'1' } else { b'0' };
        proof["entry"] = b64(&record).into();
    });
    assert_broken(
        &ws,
        &record,
        "entries/2/proof.json",
        "do not lead from entry 1 to the checkpoint's root at size 3",
    );

    // A hash of the audit path.
    let path = with_proof(&bundle, "entries/2/proof.json", |proof| {
        proof["hashes"][0] = b64(&[7; 32]).into();
    });
    assert_broken(
        &ws,
        &path,
        "entries/2/proof.json",
        "do not lead from entry 1",
    );

    // The proof of another record in record 2's place.
    let moved = with_proof(&bundle, "entries/2/proof.json", |proof| {
        proof["index"] = 0.into();
    });
    assert_broken(
        &ws,
        &moved,
        "entries/2/proof.json",
        "is the proof of index 0 (record 1), not of record 2",
    );

    // The checkpoint: another size (its signature no longer verifies).
    let checkpoint = tampered(&bundle, |all| {
        let (_, bytes) = all
            .iter_mut()
            .find(|(n, _)| n == "ledger/checkpoint")
            .unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        *bytes = text.replacen("\n3\n", "\n4\n", 1).into_bytes();
    });
    assert_broken(&ws, &checkpoint, "ledger/checkpoint", "does not verify");

    // A checkpoint signed by a key the auditor does not trust.
    let out = tollgate(&[
        "audit",
        "verify",
        "--bundle",
        bundle.to_str().unwrap(),
        "--pubkey",
        ws.path()
            .join("release-keys/tollgate.pub")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let first = stdout(&out).lines().next().unwrap_or_default().to_owned();
    assert!(
        first.contains("ledger/checkpoint") && first.contains("no signature by a trusted log key"),
        "{}",
        stdout(&out)
    );

    // A blob of the record.
    let store = tollgate::ledger::local::LocalStore::open(&ws.store(), false).unwrap();
    let entry = tollgate::ledger::query::read_entry(&store, 2).unwrap().1;
    let provenance = tollgate::ledger::entry::blob_key(&entry.provenance.unwrap().sha256);
    let blob = format!("ledger/{provenance}");
    let flipped = tampered(&bundle, |all| {
        let (_, bytes) = all.iter_mut().find(|(n, _)| *n == blob).unwrap();
        bytes[10] ^= 1;
    });
    assert_broken(
        &ws,
        &flipped,
        "entries/2/proof.json",
        &format!("provenance {provenance} hashes to"),
    );

    // A plain copy, and a proof that is not there.
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
        "but record 2 (entries/2/proof.json) records",
    );
    let dropped = tampered(&bundle, |all| {
        all.retain(|(n, _)| n != "entries/2/proof.json")
    });
    assert_broken(&ws, &dropped, "entries/2/proof.json", "is missing");
}
