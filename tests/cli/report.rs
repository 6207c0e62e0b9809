//! Reviewed snapshots of the text, Markdown and JSON reports of `evaluate`, on the committed
//! demo release (promote) and on a tampered copy with waivers (block). Runs are made
//! deterministic with a fixed `--now`, relative paths, and filters for durations, the
//! verdict's digest (it covers the durations) and the tool version.

use crate::util::*;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A copy of the demo release, its key and a policy, laid out so every path is relative.
pub struct Demo {
    pub dir: TempDir,
}

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Copy the committed demo release into `to` (created).
pub fn copy_demo_release(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(testdata().join("demo-release")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// `evaluate` on a `Demo`, run from inside it, with relative paths and a fixed clock.
pub const EVALUATE: &[&str] = &[
    "evaluate",
    "--policy",
    "policy.toml",
    "--release",
    "release",
    "--repo",
    ".",
    "--out",
    "out",
    "--now",
    "2026-11-21T12:00:00Z",
];

impl Demo {
    pub fn new(tail: &str) -> Demo {
        let dir = tempfile::tempdir().unwrap();
        copy_demo_release(&dir.path().join("release"));
        std::fs::create_dir(dir.path().join("keys")).unwrap();
        std::fs::copy(
            testdata().join("keys/demo-release.pub"),
            dir.path().join("keys/demo-release.pub"),
        )
        .unwrap();
        let policy = format!(
            "environment = \"regtest\"\nverdict_ttl = \"7d\"\n\n[trust]\nartifact_keys = [\"keys/demo-release.pub\"]\n\n[gates.signatures]\nartifact_signatures = \"required\"\nallow_legacy = false\n{tail}"
        );
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        Demo { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `tollgate evaluate` from inside the workspace, with relative paths and a fixed clock.
    pub fn evaluate(&self, extra: &[&str]) -> std::process::Output {
        command(&[EVALUATE, extra].concat())
            .current_dir(self.path())
            .output()
            .unwrap()
    }
}

/// The demo release with a changed artifact, an unlisted file and an artifact without its
/// signature; one live waiver covers the missing signature (integrity findings are never
/// waivable), one expired waiver covers nothing.
pub fn tampered() -> Demo {
    let demo = Demo::new(
        r#"
[[waivers]]
gate = "signatures"
code = "sig.signature-missing"
id = "chain-node_1.4.2_amd64.deb"
reason = "the .deb is signed by the package repository until OPS-7"
owner = "release-manager@example.org"
expires = "2027-01-31"

[[waivers]]
gate = "signatures"
code = "sig.signature-missing"
id = "RELEASE-NOTES.md"
reason = "old signer, retired"
owner = "release-manager@example.org"
expires = "2026-01-01"
"#,
    );
    let notes = demo.path().join("release/RELEASE-NOTES.md");
    let mut text = std::fs::read_to_string(&notes).unwrap();
    text.push_str("- and one more line nobody signed\n");
    std::fs::write(notes, text).unwrap();
    std::fs::write(demo.path().join("release/debug.log"), "linker output\n").unwrap();
    std::fs::remove_file(
        demo.path()
            .join("release/chain-node_1.4.2_amd64.deb.minisig"),
    )
    .unwrap();
    demo
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r" +\d+ ms\b", " [ms] ms");
    settings.add_filter(r#""duration_ms": \d+"#, r#""duration_ms": "[ms]""#);
    settings.add_filter(
        r"verdict\.json \(sha256 [0-9a-f]{64}",
        "verdict.json (sha256 [verdict digest]",
    );
    // The ledger entry covers its append time.
    settings.add_filter(
        r"ledger: entry (\d+) \(sha256 [0-9a-f]{64}\)",
        "ledger: entry $1 (sha256 [entry digest])",
    );
    // Signatures are re-made by testdata/regen.sh; their digests are not what is reviewed.
    settings.add_filter(
        r#"("path": "[^"]*\.minisig",\s*"sha256": )"[0-9a-f]{64}""#,
        r#"$1"[signature digest]""#,
    );
    settings.add_filter(
        &format!(r"\b{}\b", regex::escape(env!("CARGO_PKG_VERSION"))),
        "[version]",
    );
    settings
}

fn run(demo: &Demo, format: &str, expect: i32) -> String {
    let out = demo.evaluate(&["--format", format]);
    assert_eq!(out.status.code(), Some(expect), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn promote_reports() {
    let demo = Demo::new("");
    settings().bind(|| {
        insta::assert_snapshot!("promote_text", run(&demo, "text", 0));
        insta::assert_snapshot!("promote_markdown", run(&demo, "markdown", 0));
        insta::assert_snapshot!("promote_json", run(&demo, "json", 0));
    });
}

#[test]
fn block_reports() {
    let demo = tampered();
    settings().bind(|| {
        insta::assert_snapshot!("block_text", run(&demo, "text", 1));
        insta::assert_snapshot!("block_markdown", run(&demo, "markdown", 1));
        insta::assert_snapshot!("block_json", run(&demo, "json", 1));
    });
}

#[test]
fn the_json_report_is_the_verdict_file() {
    let demo = tampered();
    let printed = run(&demo, "json", 1);
    let written = std::fs::read_to_string(demo.path().join("out/verdict.json")).unwrap();
    assert_eq!(printed, written);
}

/// Issue 15: a file name carrying an ANSI sequence and control characters is shown escaped
/// in the text and Markdown reports, never passed to the terminal.
#[test]
fn control_characters_in_names_are_escaped_in_text_and_markdown() {
    let ws = crate::util::Workspace::new();
    ws.write("evil\x1b[2J\x1b]0;owned\x07.bin", b"unlisted");
    for format in ["text", "markdown"] {
        let output = ws.evaluate(&["--format", format]);
        assert_eq!(output.status.code(), Some(1));
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !shown.contains('\x1b') && !shown.contains('\x07'),
            "{format}: {shown:?}"
        );
        assert!(shown.contains("x1b"), "{format}: {shown}");
    }
}
