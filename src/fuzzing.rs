//! Entry points for the cargo-fuzz targets in `fuzz/`: each feeds raw bytes to the real
//! parser of one untrusted input and asserts the properties that are cheap to check. Not
//! part of the supported API; a panic here (or in the parser) is a bug the fuzzer found.

use crate::keys::TrustedKey;
use crate::ledger::bundle::MemoryStore;
use crate::ledger::entry::{Entry, entry_key};
use crate::ledger::head::{HEAD_KEY, Head};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

mod tlog;
pub use tlog::{tlog_bundle, tlog_checkpoint, tlog_proof, tlog_tile};

/// testdata/interop/keys/signer.pub: the interop `.minisig` seeds verify with it.
const INTEROP_KEY: &str = interop_key();

/// The inline key of testdata/interop/keys/signer.pub, read at compile time so that
/// testdata/regen.sh (which makes new keys) never leaves this behind.
const fn interop_key() -> &'static str {
    const FILE: &str = include_str!("../testdata/interop/keys/signer.pub");
    // The second line: 56 characters of base64 after the comment line.
    let bytes = FILE.as_bytes();
    let mut start = 0;
    while bytes[start] != b'\n' {
        start += 1;
    }
    let (_, rest) = bytes.split_at(start + 1);
    let (key, _) = rest.split_at(56);
    match std::str::from_utf8(key) {
        Ok(key) => key,
        Err(_) => panic!("testdata/interop/keys/signer.pub is not a minisign public key"),
    }
}
/// fuzz/seeds/ledger-key.pub: the key that signed the ledger, bundle and drill seeds (made
/// with `tollgate keygen`; its secret key was not kept: new seeds need a new key here).
const LEDGER_KEY: &str = "RWQJEENzNoNI0AMRgjC9vijA92njmqjuMqwkO7bVHOM+8Ea9r71eoJZ5";

fn key(inline: &str) -> TrustedKey {
    TrustedKey::resolve(inline, Path::new(".")).expect("the fuzzing keys are valid")
}

/// Split `data` at its first NUL byte: two inputs from one (a file and what it signs, ...).
fn split_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// Parsers that read a file by path get the bytes through a private temporary file.
fn with_file<T>(data: &[u8], read: impl FnOnce(&Path) -> T) -> T {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(data).expect("writing the temporary file");
    read(file.path())
}

/// SHA256SUMS (GNU and BSD lines). Every entry is well formed, numbered in order, and
/// survives a round trip through the GNU form (escaped names included).
pub fn sums(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = crate::gates::signatures::sums::parse(text);
    let lines = text.split('\n').count() as u64;
    let mut numbers: Vec<u64> = parsed.entries.iter().map(|e| e.line).collect();
    numbers.extend(parsed.malformed.iter().map(|m| m.line));
    numbers.sort_unstable();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "a line counted twice"
    );
    assert!(numbers.iter().all(|&n| (1..=lines).contains(&n)));
    let mut written = String::new();
    for entry in &parsed.entries {
        assert_eq!(entry.sha256.len(), 64);
        assert!(
            entry
                .sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
        assert!(!entry.name.is_empty());
        written.push_str(&gnu_line(&entry.sha256, &entry.name));
    }
    let again = crate::gates::signatures::sums::parse(&written);
    assert!(again.malformed.is_empty(), "{again:?} from {written:?}");
    let pairs = |p: &crate::gates::signatures::sums::ParsedSums| -> Vec<(String, String)> {
        p.entries
            .iter()
            .map(|e| (e.name.clone(), e.sha256.clone()))
            .collect()
    };
    assert_eq!(pairs(&parsed), pairs(&again), "round trip of {written:?}");
}

/// A GNU coreutils line: names holding `\`, LF or CR are escaped and the line marked by `\`.
fn gnu_line(sha256: &str, name: &str) -> String {
    if name.contains(['\\', '\n', '\r']) {
        let escaped = name
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        format!("\\{sha256}  {escaped}\n")
    } else {
        format!("{sha256}  {name}\n")
    }
}

/// A `.minisig` file, then NUL, then the bytes it signs. A signature that verifies must stop
/// verifying when one byte of the content changes. Returns whether it verified.
pub fn minisig(data: &[u8]) -> bool {
    use crate::minisig::{Check, SignatureFile};
    let (signature, content) = split_nul(data);
    let Ok(text) = std::str::from_utf8(signature) else {
        return false;
    };
    let Ok(file) = SignatureFile::parse(text) else {
        return false;
    };
    let keys = [key(INTEROP_KEY)];
    if file.check_bytes(&keys, content, true) != Check::Valid {
        return false;
    }
    let mut changed = content.to_vec();
    match changed.first_mut() {
        Some(b) => *b ^= 1,
        None => changed.push(0),
    }
    assert_ne!(file.check_bytes(&keys, &changed, true), Check::Valid);
    true
}

/// A minisign public key file, and an inline key where the text has an inline key's shape.
pub fn public_key(data: &[u8]) {
    let _ = with_file(data, |path| TrustedKey::from_file(path, "fuzz.pub"));
    if let Ok(text) = std::str::from_utf8(data)
        && text.len() == 56
        && text.starts_with("RW")
    {
        // Inline-shaped: resolve never touches the filesystem for it.
        if let Ok(key) = TrustedKey::resolve(text, Path::new("/nonexistent")) {
            assert_eq!(key.key_id.to_string().len(), 16);
        }
    }
}

/// A policy file (TOML). Key files it names resolve under a directory that does not exist.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = crate::policy::parse(Path::new("/nonexistent/policy.toml"), text) {
        assert_eq!(policy.sha256, crate::digest::sha256_hex(data));
    }
}

/// A smoke spec (TOML).
pub fn smoke_spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = crate::smoke::spec::parse(Path::new("/nonexistent/smoke.toml"), text) {
        assert_eq!(spec.size, data.len() as u64);
    }
}

/// A CycloneDX document, JSON or XML. Returns the format it was read as, if any.
pub fn cyclonedx(data: &[u8]) -> Option<crate::cyclonedx::Format> {
    let document = crate::cyclonedx::parse(data).ok()?;
    Some(document.format)
}

/// An audit report (cargo-audit, cargo-deny or osv-scanner JSON). Returns the format it was
/// recognised as, if it parsed.
pub fn audit_report(data: &[u8]) -> Option<&'static str> {
    use crate::gates::audit::formats::{Format, parse};
    let (format, _parsed) = parse(data).ok()?;
    Some(match format {
        Format::CargoAudit => "cargo-audit",
        Format::CargoDeny => "cargo-deny",
        Format::OsvScanner => "osv-scanner",
    })
}

/// A plugin's stdout. Every finding it yields is namespaced under the plugin gate.
pub fn plugin_reply(data: &[u8]) {
    if let Ok(valid) = crate::gates::plugin::response::parse(data, "fuzz") {
        for finding in &valid.findings {
            assert!(finding.code.starts_with("plugin.fuzz."), "{}", finding.code);
        }
    }
}

/// A drill log (JSON lines). Entries come in line order and never finish before they start.
pub fn drill_log(data: &[u8]) {
    if let Ok((entries, bytes)) = with_file(data, crate::drills::read) {
        assert_eq!(bytes, data);
        assert!(entries.windows(2).all(|w| w[0].line < w[1].line));
        assert!(entries.iter().all(|e| e.finished_at >= e.started_at));
    }
}

/// One ledger entry. One that parses survives canonical JSON unchanged; then the whole
/// ledger verifier runs on a store holding it as entry 1 (its blobs absent).
pub fn ledger_entry(data: &[u8]) {
    if let Ok(entry) = serde_json::from_slice::<Entry>(data) {
        let canonical = entry.bytes();
        let again: Entry = serde_json::from_slice(&canonical).expect("canonical JSON parses");
        assert_eq!(again, entry);
        assert_eq!(again.bytes(), canonical, "canonical JSON is a fixed point");
    }
    let store = MemoryStore::new(
        "fuzz".to_owned(),
        BTreeMap::from([(entry_key(1), data.to_vec())]),
    );
    let outcome = crate::ledger::verify::verify(&store, Some(&key(LEDGER_KEY)), &[key(LEDGER_KEY)])
        .expect("an in-memory store cannot fail to list");
    assert_eq!(outcome.entries, 1);
}

/// The ledger head (`head.json`), then NUL, then entry 1. A head that parses is canonical
/// and byte-identical when written again; the verifier checks it against the entry.
pub fn ledger_head(data: &[u8]) {
    let (head, entry) = split_nul(data);
    if let Ok(parsed) = Head::parse(head) {
        assert_eq!(parsed.bytes(), head);
        let _ = parsed.verify(&key(LEDGER_KEY));
    }
    let mut objects = BTreeMap::from([(HEAD_KEY.to_owned(), head.to_vec())]);
    if !entry.is_empty() {
        objects.insert(entry_key(1), entry.to_vec());
    }
    let store = MemoryStore::new("fuzz".to_owned(), objects);
    let _ = crate::ledger::verify::verify(&store, Some(&key(LEDGER_KEY)), &[key(LEDGER_KEY)]);
}

/// A ledger bundle (tar), read and verified as `audit verify --bundle` does.
pub fn bundle_tar(data: &[u8]) {
    let _ = with_file(data, |path| {
        crate::ledger::bundle::verify(path, Some(&key(LEDGER_KEY)), &[key(LEDGER_KEY)])
    });
}

/// Any JSON value without floats: the canonical form parses back and is a fixed point.
/// Floats are left out: nothing tollgate signs holds one, and the first campaign found that
/// serde_json's float text does not survive a re-read (`8.888888888888889e85` came back as
/// another number), so canonical bytes with floats drift; the canonical writer refuses them.
pub fn canonical_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if has_float(&value) {
        return;
    }
    let canonical = crate::verdict::canonical_json(&value);
    let again: serde_json::Value =
        serde_json::from_slice(&canonical).expect("canonical JSON parses");
    assert_eq!(crate::verdict::canonical_json(&again), canonical);
}

/// A witness's state file (`audit witness --state`): what parses re-serialises to bytes that
/// parse to the same state, and every root it accepts is 32 bytes.
pub fn witness_state(data: &[u8]) {
    let Ok(state) = crate::witness::State::parse(data) else {
        return;
    };
    for seen in state.logs.values() {
        assert!(
            seen.root_bytes().is_ok(),
            "an accepted root is not 32 bytes"
        );
    }
    let bytes = state.bytes();
    assert_eq!(
        crate::witness::State::parse(&bytes).as_ref(),
        Ok(&state),
        "the written state does not parse back"
    );
}

fn has_float(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) => n.is_f64(),
        serde_json::Value::Array(items) => items.iter().any(has_float),
        serde_json::Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> Vec<u8> {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
    }

    const H: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn interop_signatures_verify_so_the_minisig_property_is_exercised() {
        for dir in ["prehashed", "legacy", "bsd", "binary-mode"] {
            let file = format!("testdata/interop/{dir}/hello.txt");
            let mut data = read(&format!("{file}.minisig"));
            data.push(0);
            data.extend(read(&file));
            assert!(minisig(&data), "{file}");
            data.push(b'!');
            assert!(!minisig(&data), "{file} with a byte more");
        }
    }

    #[test]
    fn sums_round_trip_escaped_and_bsd_names() {
        sums(
            format!("\\{H}  back\\\\slash\\nnewline\r\nSHA256 (a (1).txt) = {H}\n{H} *bin\n")
                .as_bytes(),
        );
        assert_eq!(gnu_line(H, "a\nb"), format!("\\{H}  a\\nb\n"));
    }

    #[test]
    fn floats_are_left_out_of_the_canonical_property() {
        // The first campaign's canonical_json crash (minimised): a float whose shortest
        // text reads back as another float, so its canonical bytes were not a fixed point.
        canonical_json(format!("{{\"n\": {}2}}", "8".repeat(85)).as_bytes());
        canonical_json(br#"{"b": [1, "x", null], "a": {"c": true}}"#);
    }

    #[test]
    fn ledger_seeds_verify_with_the_fuzzing_key() {
        let seed = read("fuzz/seeds/ledger_head/freeze-1.bin");
        let (head, _) = split_nul(&seed);
        Head::parse(head).unwrap().verify(&key(LEDGER_KEY)).unwrap();
        let bundle =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/bundle_tar/freeze-unfreeze.tar");
        let outcome =
            crate::ledger::bundle::verify(&bundle, Some(&key(LEDGER_KEY)), &[key(LEDGER_KEY)])
                .unwrap();
        assert!(outcome.ok());
        for entry in ["verdict", "freeze", "unfreeze"] {
            ledger_entry(&read(&format!("fuzz/seeds/ledger_entry/{entry}.json")));
        }
        ledger_head(&seed);
    }

    #[test]
    fn the_format_2_bundle_seed_reaches_the_record_checks() {
        // Signed by another ops key than the fuzzing key: its checkpoint is refused, but every
        // proof leads to it and every record is checked, so the fuzzer starts deep.
        let bundle = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds/bundle_tar/v2-freeze-unfreeze.tar");
        let outcome =
            crate::ledger::bundle::verify(&bundle, Some(&key(LEDGER_KEY)), &[key(LEDGER_KEY)])
                .unwrap();
        assert_eq!(outcome.proofs, Some(2));
        assert_eq!(outcome.ledger.entries, 2);
        assert!(
            outcome
                .ledger
                .breaks
                .iter()
                .any(|b| b.key == "ledger/checkpoint")
        );
    }

    #[test]
    fn format_seeds_are_read_as_their_format() {
        use crate::cyclonedx::Format;
        let sbom = "testdata/sbom/cargo-cyclonedx/chain-node.cdx";
        assert_eq!(
            cyclonedx(&read(&format!("{sbom}.json"))),
            Some(Format::Json)
        );
        assert_eq!(cyclonedx(&read(&format!("{sbom}.xml"))), Some(Format::Xml));
        for format in ["cargo-audit", "cargo-deny", "osv-scanner"] {
            let report = read(&format!("testdata/audit/reports/vulnerable/{format}.json"));
            assert_eq!(audit_report(&report), Some(format));
        }
        plugin_reply(&read("fuzz/seeds/plugin_reply/fail.json"));
        drill_log(&read("fuzz/seeds/drill_log/drills.jsonl"));
        canonical_json(&read("fuzz/seeds/canonical_json/verdict.json"));
        smoke_spec(&read("gates/smoke/demo.toml"));
        policy(&read("gates/demo.toml"));
        public_key(&read("testdata/interop/keys/signer.pub"));
        witness_state(&read("fuzz/seeds/witness_state/state.json"));
        assert!(crate::witness::State::parse(&read("fuzz/seeds/witness_state/state.json")).is_ok());
    }
}
