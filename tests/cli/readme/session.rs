//! Runs the console blocks of a page, in order, in a sandbox that looks like a fresh clone,
//! and checks that each command succeeds and prints the output the page shows.
//!
//! The sandbox is a temporary git repository holding a copy of `gates/` and `testdata/`
//! (committed, so `evaluate` sees a clean HEAD as in a fresh clone), with the built
//! `tollgate` first on PATH. Each command runs in `bash -c` with stderr merged into stdout,
//! as a terminal shows them; state (files, ledgers) carries over from one command and block
//! to the next. A command must exit 0: one the page shows failing is written
//! `CMD; echo "exit $?"` and shows `exit 1` as output.
//!
//! Output is compared loosely, so that a page can show real output without pinning what
//! differs on every run: each shown line must appear, in order, among the printed lines
//! (lines not shown may come between); runs of blanks count as one; `…` matches any text
//! and a line of only `…` is a reminder that lines were left out; minisign public keys,
//! hex strings of 7+ characters with a digit (digests, key ids) and numbers (times,
//! timings, counts) are masked on both sides, except in an `exit N` line.

use super::blocks::{Block, Step};
use regex::Regex;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// A fresh-clone-like sandbox.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new(root: &Path) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        for tree in ["gates", "testdata"] {
            copy_tree(&root.join(tree), &dir.path().join(tree));
        }
        std::fs::copy(root.join(".gitignore"), dir.path().join(".gitignore")).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        let sandbox = Sandbox { dir };
        for git in [
            "git init -q -b main",
            "git config user.name 'Rel Manager'",
            "git config user.email rm@example.org",
            "git add -A",
            "git commit -q -m demo",
        ] {
            let done = sandbox.bash(git);
            assert!(done.0 == Some(0), "{git}: {}", done.1);
        }
        sandbox
    }

    /// Runs `script` in the sandbox: (exit code, stdout and stderr as printed).
    fn bash(&self, script: &str) -> (Option<i32>, String) {
        let bin = Path::new(env!("CARGO_BIN_EXE_tollgate")).parent().unwrap();
        let path = std::env::join_paths(
            std::iter::once(bin.to_path_buf())
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        )
        .unwrap();
        let mut bash = Command::new("bash");
        bash.env_clear();
        // The user's toolchain (the supply-chain gates run `cargo metadata`), but not their
        // home: git and minisign must not read the developer's own configuration.
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        for (name, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
            match (std::env::var_os(name), &home) {
                (Some(value), _) => bash.env(name, value),
                (None, Some(home)) => bash.env(name, home.join(default)),
                (None, None) => &mut bash,
            };
        }
        if let Some(toolchain) = std::env::var_os("RUSTUP_TOOLCHAIN") {
            bash.env("RUSTUP_TOOLCHAIN", toolchain);
        }
        let output = bash
            .arg("-c")
            .arg(format!("{{\n{script}\n}} 2>&1"))
            .env("PATH", path)
            .env("HOME", self.dir.path().join("home"))
            .env("LANG", "C.UTF-8")
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    /// Runs every step of `block`; the first failure is returned, naming `page`'s line.
    pub fn run(&self, page: &str, block: &Block) -> Result<usize, String> {
        for step in &block.steps {
            let (code, printed) = self.bash(&step.command);
            let place = format!("{page}:{} `$ {}`", block.line, step.command);
            if code != Some(0) {
                return Err(format!("{place} exited {code:?}:\n{printed}"));
            }
            shown_in(step, &printed).map_err(|e| format!("{place}: {e}\nprinted:\n{printed}"))?;
        }
        Ok(block.steps.len())
    }
}

/// Checks that the output `step` shows appears in `printed` (see the module comment).
pub fn shown_in(step: &Step, printed: &str) -> Result<(), String> {
    let printed: Vec<String> = printed.lines().map(normalize).collect();
    let mut at = 0;
    for shown in &step.expected {
        let pattern = normalize(shown);
        if pattern == "…" {
            continue;
        }
        match printed[at..].iter().position(|line| glob(&pattern, line)) {
            Some(found) => at += found + 1,
            None => {
                return Err(format!(
                    "the shown line `{shown}` is not printed (in order; compared as `{pattern}`)"
                ));
            }
        }
    }
    Ok(())
}

fn normalize(line: &str) -> String {
    static MASKS: OnceLock<[Regex; 3]> = OnceLock::new();
    let [key, hex, number] = MASKS.get_or_init(|| {
        [
            Regex::new(r"RW[A-Za-z0-9+/]{40,}={0,2}").unwrap(),
            Regex::new(r"\b[0-9a-fA-F]{7,}\b").unwrap(),
            Regex::new(r"[0-9]+").unwrap(),
        ]
    });
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    // An exit status is the point of the line: compared as is.
    if line
        .strip_prefix("exit ")
        .is_some_and(|code| code.parse::<u8>().is_ok())
    {
        return line;
    }
    let line = key.replace_all(&line, "‹key›");
    let line = hex.replace_all(&line, |c: &regex::Captures| {
        if c[0].bytes().any(|b| b.is_ascii_digit()) {
            "‹hex›".to_owned()
        } else {
            c[0].to_owned()
        }
    });
    number.replace_all(&line, "‹n›").into_owned()
}

/// `pattern` with `…` matching any text, against the whole of `line`.
fn glob(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    let (first, rest) = parts.split_first().expect("split yields one part");
    let Some(mut tail) = line.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return tail.is_empty();
    };
    for part in middle {
        match tail.find(part) {
            Some(i) => tail = &tail[i + part.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(expected: &[&str]) -> Step {
        Step {
            command: String::new(),
            expected: expected.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn shown_lines_match_in_order_with_masks_and_ellipses() {
        let printed = "PASS    signatures   required     10 ms\nnoise\nvalid: v.json (signed by key 6ACE0DCEA6990922, sha256 ed968bdd00aa11, expires 2026-11-28T23:13:46Z)\n  minisign -P RWSwXWIEQNz8krHgoe5lzBHtooq/rdhdEEio/LCrFySs1n/9t4g5FRdw\nexit 1\n";
        let ok = step(&[
            "PASS signatures required 113 ms",
            "…",
            "valid: v.json (signed by key 92FCDC4004625DB0, sha256 e315eecc…, expires 2027-01-01T00:00:00Z)",
            "  minisign -P RWRe7iUSHuA3BOolQkCmJj/8S6dLeJpj++y2DItEoq3QYKGsc3q3T4Hl",
            "exit 1",
        ]);
        shown_in(&ok, printed).unwrap();
        assert!(shown_in(&step(&["exit 1", "PASS signatures required 1 ms"]), printed).is_err());
        assert!(shown_in(&step(&["exit 0"]), printed).is_err());
        assert!(shown_in(&step(&["valid: other.json …"]), printed).is_err());
        assert!(glob("a…c", "abc") && glob("a…", "a") && !glob("ab…b", "ab"));
    }
}
