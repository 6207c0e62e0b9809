//! The release build against real `cargo metadata`: the committed fixture workspaces
//! (testdata/real-deps, from its regen.sh) and small workspaces written on the spot.

use super::*;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/real-deps")
        .join(name)
        .join("Cargo.toml")
}

fn names(build: &ReleaseBuild) -> Vec<String> {
    build
        .members
        .iter()
        .map(|m| build.package(m).name.to_string())
        .collect()
}

fn member(build: &ReleaseBuild, name: &str) -> usize {
    build
        .members
        .iter()
        .position(|m| build.package(m).name == name)
        .unwrap_or_else(|| panic!("{name} is not in the release build: {:?}", names(build)))
}

/// Write `files` under a new temp dir and lock it with `cargo generate-lockfile --offline`.
fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let status = Command::new("cargo")
        .args(["generate-lockfile", "--offline", "--quiet"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

fn package(name: &str, extra: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{extra}")
}

#[test]
fn dev_dependencies_unused_members_and_dev_features_do_not_count() {
    let build = ReleaseBuild::load(&fixture("clean"), None).unwrap();
    let mut all = names(&build);
    all.sort();
    assert_eq!(all, ["build-info", "chain-node", "net"]);
    assert_eq!(names(&build)[0], "chain-node", "the root comes first");
    assert_eq!(
        build.chain(member(&build, "build-info")),
        "chain-node -> build-info"
    );
    // cargo metadata unifies net's `mock` and `test-utils` from the dev-dependency; the
    // release build does not.
    let net = build.features(member(&build, "net"));
    assert_eq!(net.keys().collect::<Vec<_>>(), ["default"]);
    assert_eq!(build.target, HOST);
    assert!(host_triple(Path::new(".")).unwrap().contains('-'));
    assert_eq!(build.lockfile.packages.len(), 5);
    assert!(build.lockfile.contains("mock-tools", "0.1.0"));
}

#[test]
fn chains_are_shortest_paths_from_the_root() {
    let build = ReleaseBuild::load(&fixture("denied-crate"), None).unwrap();
    assert_eq!(
        build.chain(member(&build, "mock-rpc")),
        "chain-node -> net -> mock-rpc"
    );
    let root = &build.members[0];
    assert!(root.parent.is_none());
    assert_eq!(root.deps, [member(&build, "net")]);
}

#[test]
fn a_feature_names_the_dependent_that_turned_it_on() {
    let build = ReleaseBuild::load(&fixture("denied-feature"), None).unwrap();
    let net = build.features(member(&build, "net"));
    assert_eq!(
        net.get("insecure-rpc").unwrap(),
        &[Enabler::Declaration {
            dependent: "chain-node".into()
        }]
    );
}

#[test]
fn lockfile_missing_and_stale_are_told_apart() {
    match ReleaseBuild::load(&fixture("missing-lock"), None) {
        Err(BuildError::LockfileMissing { lockfile }) => {
            assert!(
                lockfile.ends_with("missing-lock/Cargo.lock"),
                "{lockfile:?}"
            )
        }
        other => panic!("expected a missing lockfile, got {other:?}"),
    }
    match ReleaseBuild::load(&fixture("stale-lock"), None) {
        Err(BuildError::LockfileStale { lockfile, detail }) => {
            assert!(lockfile.ends_with("stale-lock/Cargo.lock"));
            assert!(detail.contains("lock file"), "{detail}");
        }
        other => panic!("expected a stale lockfile, got {other:?}"),
    }
}

#[test]
fn a_broken_manifest_is_a_plain_failure() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(&manifest, "[package\nname = 1").unwrap();
    match ReleaseBuild::load(&manifest, None) {
        Err(BuildError::Failed(message)) => {
            assert!(message.contains("Cargo.toml"), "{message}")
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn without_binaries_every_member_is_a_root() {
    let ws = workspace(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
        ),
        (
            "a/Cargo.toml",
            &package("a", "[dependencies]\nb = { path = \"../b\" }\n"),
        ),
        ("a/src/lib.rs", ""),
        ("b/Cargo.toml", &package("b", "")),
        ("b/src/lib.rs", ""),
    ]);
    let build = ReleaseBuild::load(&ws.path().join("Cargo.toml"), None).unwrap();
    let roots: Vec<_> = build
        .roots()
        .map(|m| build.package(m).name.to_string())
        .collect();
    assert_eq!(roots, ["a", "b"]);
}

#[test]
fn the_target_platform_filters_dependencies() {
    let ws = workspace(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"node\", \"winonly\"]\nresolver = \"2\"\n",
        ),
        (
            "node/Cargo.toml",
            &package(
                "node",
                "[target.'cfg(windows)'.dependencies]\nwinonly = { path = \"../winonly\" }\n",
            ),
        ),
        ("node/src/main.rs", "fn main() {}"),
        ("winonly/Cargo.toml", &package("winonly", "")),
        ("winonly/src/lib.rs", ""),
    ]);
    let manifest = ws.path().join("Cargo.toml");
    let linux = ReleaseBuild::load(&manifest, Some("x86_64-unknown-linux-gnu")).unwrap();
    assert_eq!(names(&linux), ["node"]);
    let windows = ReleaseBuild::load(&manifest, Some("x86_64-pc-windows-msvc")).unwrap();
    assert_eq!(names(&windows), ["node", "winonly"]);
    assert_eq!(windows.target, "x86_64-pc-windows-msvc");
}

#[test]
fn features_propagate_through_feature_tables_and_optional_dependencies() {
    let ws = workspace(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"node\", \"net\", \"backend\"]\nresolver = \"2\"\n",
        ),
        (
            "node/Cargo.toml",
            &package(
                "node",
                "[dependencies]\nnet = { path = \"../net\" }\n[features]\ndefault = [\"fast\"]\nfast = [\"net/unsafe-speed\"]\n",
            ),
        ),
        ("node/src/main.rs", "fn main() {}"),
        (
            "net/Cargo.toml",
            &package(
                "net",
                "[dependencies]\nbackend = { path = \"../backend\", optional = true }\n[features]\nunsafe-speed = [\"dep:backend\", \"backend?/turbo\"]\n",
            ),
        ),
        ("net/src/lib.rs", ""),
        (
            "backend/Cargo.toml",
            &package("backend", "[features]\nturbo = []\n"),
        ),
        ("backend/src/lib.rs", ""),
    ]);
    let build = ReleaseBuild::load(&ws.path().join("Cargo.toml"), None).unwrap();
    assert_eq!(
        build.chain(member(&build, "backend")),
        "node -> net -> backend"
    );
    let net = build.features(member(&build, "net"));
    assert_eq!(
        net.get("unsafe-speed").unwrap(),
        &[Enabler::DependentFeature {
            dependent: "node".into(),
            feature: "fast".into()
        }]
    );
    let node = build.features(member(&build, "node"));
    assert_eq!(
        node.get("fast").unwrap(),
        &[Enabler::Feature {
            feature: "default".into()
        }]
    );
    let backend = build.features(member(&build, "backend"));
    assert!(backend.contains_key("turbo"), "{backend:?}");
}

#[test]
fn the_cache_runs_cargo_once_per_manifest_and_target() {
    let builds = ReleaseBuilds::new();
    let manifest = fixture("clean");
    let first = builds.get(&manifest, None).unwrap();
    let again = builds.get(&manifest, None).unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    let other = builds
        .get(&manifest, Some("x86_64-pc-windows-msvc"))
        .unwrap();
    assert!(!Arc::ptr_eq(&first, &other));
}

#[test]
fn resolver_1_builds_what_dev_dependencies_turn_on() {
    let files = |resolver: &str| {
        vec![
            (
                "Cargo.toml".to_owned(),
                format!(
                    "[workspace]\nmembers = [\"node\", \"net\", \"mock-rpc\"]\nresolver = \"{resolver}\"\n"
                ),
            ),
            (
                "node/Cargo.toml".to_owned(),
                package(
                    "node",
                    "[dependencies]\nnet = { path = \"../net\" }\n[dev-dependencies]\nnet = { path = \"../net\", features = [\"mock\"] }\n",
                ),
            ),
            ("node/src/main.rs".to_owned(), "fn main() {}".to_owned()),
            (
                "net/Cargo.toml".to_owned(),
                package(
                    "net",
                    "[dependencies]\nmock-rpc = { path = \"../mock-rpc\", optional = true }\n[features]\nmock = [\"dep:mock-rpc\"]\n",
                ),
            ),
            ("net/src/lib.rs".to_owned(), String::new()),
            ("mock-rpc/Cargo.toml".to_owned(), package("mock-rpc", "")),
            ("mock-rpc/src/lib.rs".to_owned(), String::new()),
        ]
    };
    let build = |resolver: &str| {
        let owned = files(resolver);
        let borrowed: Vec<(&str, &str)> = owned
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let ws = workspace(&borrowed);
        let build = ReleaseBuild::load(&ws.path().join("Cargo.toml"), None).unwrap();
        (ws, build)
    };
    let (_ws2, v2) = build("2");
    assert_eq!(names(&v2), ["node", "net"]);
    let (_ws1, v1) = build("1");
    assert_eq!(names(&v1), ["node", "net", "mock-rpc"]);
    let net = v1.features(member(&v1, "net"));
    assert_eq!(net.get("mock").unwrap(), &[Enabler::Unified]);
}
