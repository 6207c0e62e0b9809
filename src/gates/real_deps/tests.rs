//! The real_deps gate on the committed fixture workspaces (testdata/real-deps, made by its
//! regen.sh), one finding each, with inline policy tables.

use super::*;
use crate::digest::DigestCache;
use crate::policy::parse;
use crate::release_build::ReleaseBuilds;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/real-deps")
}

/// Evaluate the gate on `repo` with `table` as the body of `[gates.real_deps]`.
fn run(repo: &Path, table: &str) -> Result<GateResult, String> {
    let text = format!("environment = \"mainnet\"\n[gates.real_deps]\n{table}\n");
    let policy = parse(Path::new("policy.toml"), &text).unwrap();
    let digests = DigestCache::new();
    let builds = ReleaseBuilds::new();
    let ctx = GateContext {
        policy: &policy,
        release: repo,
        repo,
        out: repo,
        digests: &digests,
        builds: &builds,
        now: time::OffsetDateTime::now_utc(),
        store: None,
    };
    RealDepsGate::new(policy.gates.real_deps.clone().unwrap()).evaluate(&ctx)
}

fn codes(result: &GateResult) -> Vec<&str> {
    result.findings.iter().map(|f| f.code.as_str()).collect()
}

fn only(result: &GateResult, code: &str) -> Finding {
    assert_eq!(codes(result), [code], "{:#?}", result.findings);
    result.findings[0].clone()
}

#[test]
fn clean_workspace_passes_with_evidence() {
    let result = run(&fixtures().join("clean"), "").unwrap();
    assert!(result.findings.is_empty(), "{:#?}", result.findings);
    let paths: Vec<_> = result.evidence.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["Cargo.lock", "Cargo.toml"]);
    let lock = std::fs::read(fixtures().join("clean/Cargo.lock")).unwrap();
    assert_eq!(result.evidence[0].sha256, crate::digest::sha256_hex(&lock));
    assert_eq!(result.counts["release_build_packages"], 3);
    assert_eq!(result.counts["lockfile_packages"], 5);
}

#[test]
fn denied_crate_names_its_chain() {
    let f = only(
        &run(&fixtures().join("denied-crate"), "").unwrap(),
        "deps.denied-crate",
    );
    assert!(
        f.message.contains("chain-node -> net -> mock-rpc"),
        "{}",
        f.message
    );
    assert!(f.message.contains("`*mock*`"));
    assert_eq!(f.subject.as_deref(), Some("mock-rpc"));
    assert_eq!(f.aliases, ["mock-rpc@0.1.0"]);
}

#[test]
fn deny_list_comes_from_the_policy() {
    let result = run(&fixtures().join("denied-crate"), "deny = [\"NET\"]").unwrap();
    let f = only(&result, "deps.denied-crate");
    assert_eq!(f.subject.as_deref(), Some("net"), "globs ignore case");
}

#[test]
fn path_dependency_outside_the_workspace() {
    let repo = fixtures().join("path-outside/workspace");
    let f = only(&run(&repo, "").unwrap(), "deps.path-outside-workspace");
    assert!(f.message.contains("vendored-net"), "{}", f.message);
    assert!(run(&repo, "allow_path = true").unwrap().findings.is_empty());
}

#[test]
fn patch_entry_points_at_its_line() {
    let repo = fixtures().join("patch");
    let f = only(&run(&repo, "").unwrap(), "deps.patch");
    assert_eq!(f.subject.as_deref(), Some("cfg-if"));
    let location = f.location.unwrap();
    assert_eq!(location.path, "Cargo.toml");
    let text = std::fs::read_to_string(repo.join("Cargo.toml")).unwrap();
    let line = text.lines().position(|l| l.starts_with("cfg-if")).unwrap() + 1;
    assert_eq!(location.line, Some(line as u64));
    assert!(run(&repo, "allow_path = true").unwrap().findings.is_empty());
}

#[test]
fn replace_entry() {
    let f = only(
        &run(&fixtures().join("replace"), "").unwrap(),
        "deps.replace",
    );
    assert_eq!(f.subject.as_deref(), Some("cfg-if:1.0.4"));
}

#[test]
fn denied_feature_names_who_enabled_it() {
    let f = only(
        &run(&fixtures().join("denied-feature"), "").unwrap(),
        "deps.denied-feature",
    );
    assert_eq!(f.subject.as_deref(), Some("net/insecure-rpc"));
    assert!(f.message.contains("by chain-node"), "{}", f.message);
    let allowed = run(
        &fixtures().join("denied-feature"),
        "deny_features = [\"mock\"]",
    )
    .unwrap();
    assert!(allowed.findings.is_empty());
}

#[test]
fn missing_and_stale_lockfiles() {
    let f = only(
        &run(&fixtures().join("missing-lock"), "").unwrap(),
        "deps.lockfile-missing",
    );
    assert_eq!(f.location.unwrap().path, "Cargo.lock");
    let stale = run(&fixtures().join("stale-lock"), "").unwrap();
    only(&stale, "deps.lockfile-stale");
    assert_eq!(
        stale.evidence.len(),
        1,
        "the stale lockfile is still evidence"
    );
}

#[test]
fn registry_package_without_checksum() {
    let f = only(
        &run(&fixtures().join("missing-checksum"), "").unwrap(),
        "deps.missing-checksum",
    );
    assert_eq!(f.aliases, ["cfg-if@1.0.4"]);
    assert!(f.message.contains("registry+"), "{}", f.message);
}

#[test]
fn a_missing_manifest_cannot_be_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let error = run(dir.path(), "").unwrap_err();
    assert!(error.contains("Cargo.toml"), "{error}");
    assert!(error.contains("manifest"), "{error}");
}

#[test]
fn bad_globs_and_targets_are_policy_errors_at_their_line() {
    let text = "environment = \"mainnet\"\n[gates.real_deps]\ndeny = [\"ok\", \"[unclosed\"]\n";
    let error = parse(Path::new("p.toml"), text).unwrap_err();
    assert_eq!(error.position.map(|p| p.0), Some(3));
    assert!(error.message.contains("[unclosed"), "{}", error.message);
    let text = "environment = \"mainnet\"\n[gates.real_deps]\ntarget = \"x86 64\"\n";
    let error = parse(Path::new("p.toml"), text).unwrap_err();
    assert!(error.message.contains("target"), "{}", error.message);
    let text = "environment = \"mainnet\"\n[gates.real_deps]\nallow_paths = true\n";
    let error = parse(Path::new("p.toml"), text).unwrap_err();
    assert!(
        error.hint.unwrap_or_default().contains("allow_path"),
        "unknown keys name the nearest"
    );
}

/// A git repository holding crate `gitnet`, committed with git2; returns its HEAD commit.
fn git_upstream(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"gitnet\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    let repo = git2::Repository::init(dir).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("t", "t@example.org").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "gitnet", &tree, &[])
        .unwrap()
        .to_string()
}

/// A workspace whose binary depends on `gitnet` with `spec` (e.g. `rev = "…"`), locked.
fn git_workspace(dir: &Path, upstream: &Path, spec: &str) {
    std::fs::create_dir_all(dir.join("node/src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"node\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("node/Cargo.toml"),
        format!(
            "[package]\nname = \"node\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\ngitnet = {{ git = \"file://{}\", {spec} }}\n",
            upstream.display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("node/src/main.rs"), "fn main() {}").unwrap();
    let _ = std::fs::remove_file(dir.join("Cargo.lock"));
    let status = std::process::Command::new("cargo")
        .args(["generate-lockfile", "--quiet"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn git_dependencies_must_be_allowed_and_pinned_to_a_full_commit() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = dir.path().join("upstream");
    let commit = git_upstream(&upstream);
    let ws = dir.path().join("ws");

    git_workspace(&ws, &upstream, &format!("rev = \"{commit}\""));
    let f = only(&run(&ws, "").unwrap(), "deps.git-dependency");
    assert!(f.message.contains("git+file://"), "{}", f.message);
    assert!(run(&ws, "allow_git = true").unwrap().findings.is_empty());

    git_workspace(&ws, &upstream, &format!("rev = \"{}\"", &commit[..10]));
    let f = only(&run(&ws, "allow_git = true").unwrap(), "deps.git-unpinned");
    assert!(f.message.contains("not a full commit"), "{}", f.message);

    let head = git2::Repository::open(&upstream).unwrap();
    let branch = head.head().unwrap().shorthand().unwrap().to_owned();
    git_workspace(&ws, &upstream, &format!("branch = \"{branch}\""));
    let f = only(&run(&ws, "allow_git = true").unwrap(), "deps.git-unpinned");
    assert!(
        f.message.contains(&format!("branch `{branch}`")),
        "{}",
        f.message
    );
}

/// Issue 15: registries other than crates.io are named, unless `allow_registries` lists them.
#[test]
fn alternative_registries_are_told_from_crates_io() {
    use checks::alternative_registry;
    assert_eq!(
        alternative_registry("registry+https://github.com/rust-lang/crates.io-index"),
        None
    );
    assert_eq!(
        alternative_registry("sparse+https://index.crates.io/"),
        None
    );
    assert_eq!(
        alternative_registry("git+https://example.org/x?rev=1#1"),
        None
    );
    assert_eq!(
        alternative_registry("sparse+https://cargo.example.org/index/").as_deref(),
        Some("https://cargo.example.org/index")
    );
    assert_eq!(
        alternative_registry("registry+https://git.example.org/index.git").as_deref(),
        Some("https://git.example.org/index")
    );

    let text = "environment = \"mainnet\"\n[gates.real_deps]\nallow_registries = [\"sparse+https://cargo.example.org/index/\"]\n";
    let policy = parse(std::path::Path::new("p.toml"), text).unwrap();
    assert_eq!(
        policy.gates.real_deps.unwrap().allow_registries,
        ["https://cargo.example.org/index"]
    );
    let text =
        "environment = \"mainnet\"\n[gates.real_deps]\nallow_registries = [\"my-registry\"]\n";
    let error = parse(std::path::Path::new("p.toml"), text).unwrap_err();
    assert_eq!(error.position.map(|p| p.0), Some(3));
}
