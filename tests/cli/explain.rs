//! `tollgate explain`: documented codes, misspellings, and that every code a gate can emit
//! is documented in docs/gates/ (explain reads those pages, so this keeps both honest).

use crate::util::*;
use std::path::Path;

#[test]
fn explains_a_code_from_the_gate_page() {
    let out = tollgate(&["explain", "sig.digest-mismatch"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "sig.digest-mismatch\n  The signatures gate (docs/gates/signatures.md)\n  blocks      yes\n  waivable    no: integrity\n  subject     the artifact name\n  meaning     an artifact's SHA-256 differs from its sums line\n  what to do  rebuild the sums from the published files, or re-download\n"
    );
}

/// Issue 10: explain says whether a policy waiver may name a code, and what its `id` is.
#[test]
fn explain_says_whether_a_code_is_waivable() {
    let out = tollgate(&["explain", "sig.signature-missing"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("\n  waivable    yes\n"), "{text}");
    assert!(
        text.contains("\n  subject     the artifact name\n"),
        "{text}"
    );
    let out = tollgate(&["explain", "deps.lockfile-stale"]);
    assert!(
        stdout(&out).contains("waivable    no: integrity"),
        "{}",
        stdout(&out)
    );
    let out = tollgate(&["explain", "plugin.some-gate.some-code"]);
    assert!(stdout(&out).contains("waivable  yes"), "{}", stdout(&out));
}

#[test]
fn a_misspelt_code_is_a_usage_error_with_suggestions() {
    let out = tollgate(&["explain", "sig.digest-missmatch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "unknown finding code `sig.digest-missmatch`; did you mean sig.digest-mismatch"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_a_code_every_code_is_listed() {
    let out = tollgate(&["explain"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.starts_with("sig.untrusted-key ")),
        "{text}"
    );
    assert!(text.lines().all(|l| l.contains('.')), "{text}");
}

/// Codes passed as literals to `Finding::error(` / `Finding::warning(` in src/gates/.
fn emitted_codes(dir: &Path, codes: &mut Vec<(String, String)>) {
    let pattern =
        regex::Regex::new(r#"Finding::(?:error|warning)\(\s*"([a-z0-9_]+\.[a-z0-9.-]+)""#).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            emitted_codes(&path, codes);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            let text = std::fs::read_to_string(&path).unwrap();
            for capture in pattern.captures_iter(&text) {
                codes.push((capture[1].to_owned(), path.display().to_string()));
            }
        }
    }
}

#[test]
fn every_code_a_gate_emits_is_documented() {
    let mut codes = Vec::new();
    emitted_codes(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gates"),
        &mut codes,
    );
    assert!(codes.len() >= 10, "the scan found too little: {codes:?}");
    let missing: Vec<_> = codes
        .iter()
        .filter(|(code, _)| tollgate::explain::lookup(code).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "finding codes emitted but not documented in a docs/gates/*.md code table: {missing:?}"
    );
}
