//! Test vectors (testdata/canonical/), the layout tollgate's files already have, and
//! independence from the order a map iterates in.

use super::*;
use serde_json::json;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn compact(value: &Value) -> Result<String, CanonicalError> {
    value_to_vec(value, Layout::Compact).map(|b| String::from_utf8(b).unwrap())
}

/// Every `NAME.json` under testdata/canonical/ has `NAME.jcs` (the exact RFC 8785 bytes) or
/// `NAME.error` (lines that each appear in the refusal's message).
#[test]
fn test_vectors() {
    let dir = root().join("testdata/canonical");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let input: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let name = path.display();
        match (
            std::fs::read_to_string(path.with_extension("jcs")),
            std::fs::read_to_string(path.with_extension("error")),
        ) {
            (Ok(expected), Err(_)) => {
                assert_eq!(compact(&input).unwrap(), expected, "{name}");
                // The indented layout is the same tokens with whitespace between them.
                let indented = value_to_vec(&input, Layout::Indented).unwrap();
                let reparsed: Value = serde_json::from_slice(&indented).unwrap();
                assert_eq!(compact(&reparsed).unwrap(), expected, "{name}");
            }
            (Err(_), Ok(expected)) => {
                let error = compact(&input).unwrap_err().to_string();
                for part in expected.lines().filter(|l| !l.trim().is_empty()) {
                    assert!(error.contains(part), "{name}: {error} lacks {part:?}");
                }
            }
            _ => panic!("{name}: needs exactly one of .jcs and .error beside it"),
        }
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} vectors in {}", dir.display());
}

/// The layout and escaping tollgate wrote before this module: `serde_json::to_vec_pretty`
/// of a `Value` whose map sorted keys by UTF-8 bytes, plus a newline.
fn format_v1(value: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap();
    bytes.push(b'\n');
    bytes
}

fn json_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
}

/// Existing data keeps its bytes: the reviewed verdict snapshots are byte-identical under
/// the canonicaliser, and so is every integer-only JSON document under testdata/.
#[test]
fn committed_verdicts_and_fixtures_keep_their_bytes() {
    let mut verdicts = 0;
    for entry in std::fs::read_dir(root().join("tests/cli/snapshots")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // insta: a front matter between `---` lines, then the body.
        let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            continue;
        };
        if value.get("schema") != Some(&json!(crate::verdict::SCHEMA)) {
            continue;
        }
        let bytes = value_to_vec(&value, Layout::Indented).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap().trim_end(),
            body.trim_end(),
            "{}",
            path.display()
        );
        verdicts += 1;
    }
    assert!(verdicts >= 2, "no verdict snapshots found");

    // The vectors at the top of testdata/canonical/ are left out: some are made to tell
    // UTF-16 order from UTF-8 order, which format v1 (a BTreeMap) got wrong for keys above
    // U+FFFF. The format-v1 ledger and verdict below it are in.
    let mut files = Vec::new();
    json_files(&root().join("testdata"), &mut files);
    let vectors = root().join("testdata/canonical");
    files.retain(|f| f.parent() != Some(vectors.as_path()));
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("format-v1/out/verdict.json"))
    );
    let mut same = 0;
    for path in &files {
        let Ok(value) = serde_json::from_slice::<Value>(&std::fs::read(path).unwrap()) else {
            continue;
        };
        // Documents with floats (CVSS scores) have no canonical form: refused, not compared.
        if let Ok(bytes) = value_to_vec(&value, Layout::Indented) {
            assert_eq!(bytes, format_v1(&value), "{}", path.display());
            same += 1;
        }
    }
    assert!(
        same >= 10,
        "only {same} of {} fixtures compared",
        files.len()
    );
}

#[test]
fn escaping_is_the_one_format_v1_used_for_every_ascii_and_sample_character() {
    let mut text: String = (0u8..0x80).map(char::from).collect();
    text.push_str("\u{80}\u{a0}\u{2028}\u{2029}\u{feff}\u{fffd}\u{10ffff}é😀");
    let mut ours = Vec::new();
    write_string(&mut ours, &text);
    assert_eq!(ours, serde_json::to_vec(&text).unwrap());
    assert!(
        String::from_utf8(ours).unwrap().contains("\\u001f !\\\"#"),
        "control characters as \\u00xx, lowercase"
    );
}

/// What `preserve_order` would change: the order members arrive in. The writer sorts them
/// itself, so members handed over in reverse order come out sorted.
#[test]
fn members_are_sorted_by_the_writer_not_by_the_map() {
    let (one, two, three) = (json!(1), json!(2), json!(3));
    let reversed = vec![("zeta", &one), ("mid", &two), ("alpha", &three)];
    let mut writer = Writer {
        out: Vec::new(),
        layout: Layout::Compact,
        pointer: String::new(),
    };
    writer.object(reversed, 0).unwrap();
    assert_eq!(writer.out, br#"{"alpha":3,"mid":2,"zeta":1}"#);

    // A struct's fields arrive in declaration order under `preserve_order`.
    #[derive(Serialize)]
    struct Reversed {
        zeta: u8,
        alpha: Vec<u8>,
    }
    let bytes = to_vec(
        &Reversed {
            zeta: 1,
            alpha: vec![2],
        },
        Layout::Indented,
    )
    .unwrap();
    assert_eq!(bytes, b"{\n  \"alpha\": [\n    2\n  ],\n  \"zeta\": 1\n}\n");
}

#[test]
fn utf16_order_differs_from_utf8_order_where_rfc_8785_says() {
    assert_eq!(key_order("\u{1f600}", "\u{e000}"), std::cmp::Ordering::Less);
    assert!("\u{1f600}" > "\u{e000}", "str order is UTF-8 order");
    assert_eq!(key_order("a", "ab"), std::cmp::Ordering::Less);
}

#[test]
fn a_float_anywhere_is_refused_with_where_it_is() {
    #[derive(Serialize)]
    struct Report {
        gates: Vec<Gate>,
    }
    #[derive(Serialize)]
    struct Gate {
        #[serde(rename = "a/b")]
        score: f64,
    }
    let error = to_vec(
        &Report {
            gates: vec![Gate { score: 7.5 }],
        },
        Layout::Indented,
    )
    .unwrap_err();
    assert_eq!(
        error,
        CanonicalError::Float {
            pointer: "/gates/0/a~1b".into(),
            value: "7.5".into()
        }
    );
    assert!(
        error
            .to_string()
            .contains("refuses floats: 7.5 at /gates/0/a~1b")
    );
    // Integral floats too: 2.0 is still a float.
    assert!(to_vec(&json!({"n": 2.0}), Layout::Compact).is_err());
    // Non-string map keys have no JSON form at all.
    let map: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
    assert!(matches!(
        to_vec(&map, Layout::Compact),
        Err(CanonicalError::Serialize(_))
    ));
}
