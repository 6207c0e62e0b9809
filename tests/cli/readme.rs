//! The README's commands, run as a new user types them, and every `tollgate` command and
//! flag the docs mention, checked against the CLI.

mod action;
mod blocks;
mod links;
mod session;
mod surface;

use std::path::Path;

// Regression: adding the example plugins' binaries made `cargo run` ambiguous ("could not
// determine which binary to run"), which broke the README's first command.
#[test]
fn the_readmes_first_command_runs_the_demo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let command = readme
        .lines()
        .find_map(|line| line.strip_prefix("$ cargo run "))
        .expect("the README shows a `$ cargo run` command");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // The command writes demo-out/ and .tollgate/ledger in the checkout; both are ignored
    // by git, as they are for a user.
    // A user's shell, not cargo test's environment: the variables cargo sets for tests
    // (CARGO_PKG_*, OUT_DIR, ...) would make the nested cargo rebuild everything.
    let mut run = std::process::Command::new(cargo);
    run.env_clear();
    for name in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
    ] {
        if let Some(value) = std::env::var_os(name) {
            run.env(name, value);
        }
    }
    let output = run
        .arg("run")
        .args(command.split_whitespace())
        .current_dir(root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "`cargo run {command}` failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("DECISION: PROMOTE to regtest"), "{stdout}");
    // The whole product: every offline gate passes, the verdict is signed and logged.
    for gate in ["signatures", "real_deps", "sbom", "audit", "drills"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("PASS") && l.split_whitespace().nth(1) == Some(gate)),
            "no PASS line for {gate}:\n{stdout}"
        );
    }
    assert!(stdout.contains(", signed)"), "{stdout}");
    assert!(stdout.contains("in demo-out/ledger"), "{stdout}");
    // It ends with the commands that check it; both work as printed.
    let printed = |prefix: &str| -> Vec<String> {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("  ")?.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{stdout}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(printed("tollgate "))
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let minisign = std::process::Command::new("minisign")
        .args(printed("minisign "))
        .current_dir(root)
        .output()
        .expect("stock minisign (installed by .ci/setup.d/10-minisign.sh)");
    assert_eq!(
        minisign.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&minisign.stderr)
    );
}

/// The README's second demo: the same release with one artifact changed blocks.
#[test]
fn the_demo_blocks_a_tampered_artifact() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("demo-tampered");
    std::fs::create_dir(&release).unwrap();
    for entry in std::fs::read_dir(root.join("testdata/demo-release")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), release.join(entry.file_name())).unwrap();
    }
    let deb = release.join("chain-node_1.4.2_amd64.deb");
    let mut bytes = std::fs::read(&deb).unwrap();
    bytes.extend_from_slice(b"x\n");
    std::fs::write(&deb, bytes).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["evaluate", "--policy", "gates/demo.toml", "--release"])
        .arg(&release)
        .arg("--out")
        .arg(dir.path().join("out"))
        .current_dir(root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("sig.digest-mismatch"), "{stdout}");
    assert!(stdout.contains("DECISION: BLOCK"), "{stdout}");
}

/// The demo signs with a key committed to the repository: no shipped policy but the demo's
/// may trust it or carry `[demo]`.
#[test]
fn no_shipped_policy_but_the_demo_trusts_the_demo_verdict_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut stack = vec![root.join("gates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "toml") || path.ends_with("gates/demo.toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains("DEMO-ONLY"),
                "{} names the demo verdict key",
                path.display()
            );
            assert!(
                !text.contains("[demo]"),
                "{} carries [demo]",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} shipped policies found");
}

/// Every ```console block of the README runs, in order, in a fresh-clone sandbox: each
/// command succeeds and prints what the README shows (see readme/session.rs).
#[test]
fn every_console_block_in_the_readme_runs_as_shown() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ran = run_pages(root, &["README.md"]);
    assert!(ran >= 20, "only {ran} README commands ran");
    // The test command is shown, not run (it runs this test); .ci/run names it as the
    // README's test command.
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = blocks::console_blocks(&readme).unwrap();
    assert!(
        blocks
            .iter()
            .any(|b| b.not_run.is_some() && b.steps.iter().any(|s| s.command == "bash .ci/run")),
        "the README shows `$ bash .ci/run` as its test command"
    );
    let ci_run = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(ci_run.contains("README's test command: `bash .ci/run`"));
}

/// The walkthroughs the README links to run as shown too: the release manager's, then the
/// auditor's on the ledger it leaves.
#[test]
fn the_readmes_walkthrough_pages_run_as_shown() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ran = run_pages(root, &["docs/release-manager.md", "docs/auditor.md"]);
    assert!(ran >= 25, "only {ran} walkthrough commands ran");
}

/// Runs every console block of `pages`, in order, in one sandbox; returns how many commands
/// ran. Blocks marked `<!-- not run: REASON -->` must give a reason, and stay few.
fn run_pages(root: &Path, pages: &[&str]) -> usize {
    let sandbox = session::Sandbox::new(root);
    let mut ran = 0;
    for page in pages {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        let blocks = blocks::console_blocks(&text).unwrap_or_else(|e| panic!("{page}: {e}"));
        let not_run: Vec<_> = blocks.iter().filter(|b| b.not_run.is_some()).collect();
        for block in &not_run {
            assert!(
                block.not_run.as_ref().is_some_and(|r| r.len() > 10),
                "{page}:{}: a block not run must say why",
                block.line
            );
        }
        assert!(
            not_run.len() <= 3,
            "{page}: {} blocks are not run; run them or trim them",
            not_run.len()
        );
        for block in blocks.iter().filter(|b| b.not_run.is_none()) {
            ran += sandbox.run(page, block).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    ran
}

/// Every `tollgate SUBCOMMAND --flag` in README.md and docs/ names a real subcommand and
/// real flags of it.
#[test]
fn every_tollgate_command_and_flag_in_the_readme_and_docs_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    let mut problems = Vec::new();
    let mut mentions = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        mentions += text.matches("tollgate ").count();
        for problem in surface::check(&text) {
            problems.push(format!(
                "{}:{}: {}\n    in `{}`",
                page.strip_prefix(root).unwrap_or(page).display(),
                problem.line,
                problem.what,
                problem.mention
            ));
        }
    }
    assert!(
        mentions > 100,
        "only {mentions} mentions found: is the scan broken?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// docs/cli.md, the command reference, names every subcommand the CLI has.
#[test]
fn the_readmes_command_reference_names_every_subcommand() {
    use clap::CommandFactory;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reference = std::fs::read_to_string(root.join("docs/cli.md")).unwrap();
    let mut missing = Vec::new();
    let mut stack: Vec<(String, clap::Command)> = tollgate::cli::Cli::command()
        .get_subcommands()
        .map(|c| (c.get_name().to_owned(), c.clone()))
        .collect();
    while let Some((path, command)) = stack.pop() {
        if command.is_hide_set() {
            continue;
        }
        if command.has_subcommands() {
            for sub in command.get_subcommands() {
                stack.push((format!("{path} {}", sub.get_name()), sub.clone()));
            }
            continue;
        }
        let named = reference.lines().any(|line| {
            line.contains(&format!("tollgate {path} "))
                || line.contains(&format!("tollgate {path}`"))
                || line.trim_end().ends_with(&format!("tollgate {path}"))
        });
        if !named {
            missing.push(path);
        }
    }
    assert!(missing.is_empty(), "docs/cli.md does not show: {missing:?}");
}

/// The action's snippets in README.md and docs/ use only inputs action.yml declares, and the
/// outputs the README names exist.
#[test]
fn the_readmes_action_snippets_use_real_inputs_and_outputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action_yml = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let inputs = action::declared(&action_yml, "inputs");
    let outputs = action::declared(&action_yml, "outputs");
    assert!(inputs.contains(&"policy".to_owned()) && outputs.contains(&"decision".to_owned()));
    let mut checked = 0;
    for page in ["README.md", "docs/github-action.md", "docs/sarif.md"] {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        for (line, key) in action::with_keys(&text) {
            assert!(
                inputs.contains(&key),
                "{page}:{line}: `{key}` is not an input of action.yml ({inputs:?})"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} `with:` keys found");
    let readme = std::fs::read_to_string(root.join("README.md"))
        .unwrap()
        .replace('\n', " ");
    let named = regex::Regex::new(r"the outputs ((?:`[a-z0-9-]+`(?:,? and |, )?)+)").unwrap();
    let list = named
        .captures(&readme)
        .expect("the README names the action's outputs");
    let mut names = 0;
    for name in list[1].split('`').skip(1).step_by(2) {
        assert!(
            outputs.contains(&name.to_owned()),
            "README names output `{name}`, which action.yml lacks"
        );
        names += 1;
    }
    assert!(names >= 4, "{}", &list[0]);
}

/// The README's and the docs' relative links lead to files and headings that exist.
#[test]
fn the_readmes_and_docs_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut problems = Vec::new();
    for page in &pages {
        for problem in links::broken(root, page) {
            problems.push(format!(
                "{}:{problem}",
                page.strip_prefix(root).unwrap().display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
