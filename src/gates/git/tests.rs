//! The git gate against repositories made on the spot with git2 (signed tags are made with
//! stock ssh-keygen and git in tests/cli/git_gate.rs).

use super::*;
use crate::policy::{self, Policy};
use git2::Signature;
use std::path::Path;
use time::macros::datetime;

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAPoGCclW0zsTpysYMswIXFqNVljJQetQzgtTl9GCeHs test";

struct Fixture {
    dir: tempfile::TempDir,
    repo: Repository,
}

impl Fixture {
    /// A repository with one commit on `main`, HEAD on main.
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &options).unwrap();
        let f = Fixture { dir, repo };
        f.commit("README", "1");
        f
    }

    fn commit(&self, file: &str, content: &str) -> Oid {
        std::fs::write(self.dir.path().join(file), content).unwrap();
        let mut index = self.repo.index().unwrap();
        index.add_path(Path::new(file)).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::now("t", "t@example.org").unwrap();
        let parents: Vec<git2::Commit> = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, "c", &tree, &parents)
            .unwrap()
    }

    fn head(&self) -> Oid {
        self.repo.head().unwrap().peel_to_commit().unwrap().id()
    }

    fn policy(&self, environment: &str, table: &str) -> Result<Policy, crate::policy::PolicyError> {
        let text = format!(
            "environment = \"{environment}\"\n[trust]\ntag_keys = [\"{KEY}\"]\n[gates.git]\n{table}\n"
        );
        policy::parse(&self.dir.path().join("policy.toml"), &text)
    }

    fn run(&self, environment: &str, table: &str) -> Result<GateResult, String> {
        let policy = self.policy(environment, table).unwrap();
        let digests = crate::digest::DigestCache::new();
        let builds = crate::release_build::ReleaseBuilds::new();
        let ctx = GateContext {
            store: None,
            policy: &policy,
            release: self.dir.path(),
            repo: self.dir.path(),
            out: self.dir.path(),
            digests: &digests,
            builds: &builds,
            now: datetime!(2026-12-01 12:00 UTC),
        };
        build(policy.gates.git.clone().unwrap()).evaluate(&ctx)
    }

    fn codes(&self, table: &str) -> Vec<String> {
        let result = self.run("mainnet", table).expect("gate evaluates");
        result.findings.iter().map(|f| f.code.clone()).collect()
    }
}

#[test]
fn clean_commit_on_main_passes() {
    let f = Fixture::new();
    let result = f.run("mainnet", "").unwrap();
    assert!(result.findings.is_empty(), "{:?}", result.findings);
    assert_eq!(result.evidence[0].path, format!("git:commit/{}", f.head()));
}

#[test]
fn dirty_tree_blocks_except_where_regtest_allows_it() {
    let f = Fixture::new();
    std::fs::write(f.dir.path().join("README"), "changed").unwrap();
    std::fs::write(f.dir.path().join("new.txt"), "x").unwrap();
    let result = f.run("mainnet", "").unwrap();
    let dirty = &result.findings[0];
    assert_eq!(dirty.code, "git.dirty");
    assert!(dirty.blocks());
    assert!(
        dirty.message.contains("README") && dirty.message.contains("new.txt"),
        "{}",
        dirty.message
    );
    let regtest = f.run("regtest", "dirty = \"allow\"").unwrap();
    assert!(!regtest.findings[0].blocks(), "{:?}", regtest.findings);
    let e = f.policy("mainnet", "dirty = \"allow\"").unwrap_err();
    assert!(e.message.contains("only in a regtest policy"), "{e}");
    assert!(f.policy("testnet", "dirty = \"sometimes\"").is_err());
}

#[test]
fn commit_off_the_allowed_refs_is_unreachable() {
    let f = Fixture::new();
    let main = f.head();
    // Move HEAD to a side branch with one more commit.
    let commit = f.repo.find_commit(main).unwrap();
    f.repo.branch("feature", &commit, false).unwrap();
    f.repo.set_head("refs/heads/feature").unwrap();
    f.commit("feature.txt", "f");
    assert_eq!(f.codes(""), ["git.unreachable"]);
    // Allowed once the policy names the branch, or once main contains it.
    assert!(f.codes("allowed_refs = [\"refs/heads/*\"]").is_empty());
    let e = f
        .policy("mainnet", "allowed_refs = [\"main\"]")
        .unwrap_err();
    assert!(e.message.contains("full ref name"), "{e}");
    assert!(f.policy("mainnet", "allowed_refs = []").is_err());
}

#[test]
fn tag_must_point_at_the_commit() {
    let f = Fixture::new();
    let first = f.repo.find_object(f.head(), None).unwrap();
    f.repo.tag_lightweight("v0.9.0", &first, false).unwrap();
    f.commit("README", "2");
    assert_eq!(f.codes("tag = \"v*\""), ["git.no-tag"]);
    let head = f.repo.find_object(f.head(), None).unwrap();
    f.repo.tag_lightweight("other-1", &head, false).unwrap();
    assert_eq!(f.codes("tag = \"v*\""), ["git.no-tag"]);
    f.repo.tag_lightweight("v1.0.0", &head, false).unwrap();
    assert!(f.codes("tag = \"v*\"").is_empty());
}

#[test]
fn signed_tag_refuses_lightweight_and_unsigned_annotated_tags() {
    let f = Fixture::new();
    let head = f.repo.find_object(f.head(), None).unwrap();
    f.repo.tag_lightweight("v1.0.0", &head, false).unwrap();
    let table = "tag = \"v*\"\nsigned_tag = true";
    assert_eq!(f.codes(table), ["git.unsigned-tag"]);
    let sig = Signature::now("t", "t@example.org").unwrap();
    f.repo.tag("v1.0.0", &head, &sig, "release", true).unwrap();
    let result = f.run("mainnet", table).unwrap();
    assert_eq!(result.findings.len(), 1);
    assert_eq!(result.findings[0].code, "git.unsigned-tag");
    assert!(
        result.findings[0]
            .message
            .contains("annotated tag without a signature")
    );
    assert!(
        result
            .evidence
            .iter()
            .any(|e| e.path == "git:refs/tags/v1.0.0")
    );
}

#[test]
fn signed_tag_needs_a_tag_and_tag_keys() {
    let f = Fixture::new();
    let e = f.policy("mainnet", "signed_tag = true").unwrap_err();
    assert!(e.message.contains("needs `tag`"), "{e}");
    let text = "environment = \"mainnet\"\n[gates.git]\ntag = \"v*\"\nsigned_tag = true\n";
    let e = policy::parse(&f.dir.path().join("p.toml"), text).unwrap_err();
    assert!(e.message.contains("tag_keys"), "{e}");
}

#[test]
fn not_a_repository_cannot_evaluate() {
    let dir = tempfile::tempdir().unwrap();
    let policy = policy::parse(
        &dir.path().join("p.toml"),
        "environment = \"mainnet\"\n[gates.git]\n",
    )
    .unwrap();
    let digests = crate::digest::DigestCache::new();
    let builds = crate::release_build::ReleaseBuilds::new();
    let ctx = GateContext {
        store: None,
        policy: &policy,
        release: dir.path(),
        repo: dir.path(),
        out: dir.path(),
        digests: &digests,
        builds: &builds,
        now: datetime!(2026-12-01 12:00 UTC),
    };
    let e = build(policy.gates.git.clone().unwrap())
        .evaluate(&ctx)
        .unwrap_err();
    assert!(e.contains("not a git repository"), "{e}");
}
