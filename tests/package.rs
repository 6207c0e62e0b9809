//! The packaged crate (`cargo package`, what `cargo publish` uploads and `cargo install`
//! builds): it holds everything the build reads — every `src/` file, build.rs and the
//! docs/gates/*.md it embeds, every `[[bin]]` source, every file an `include_str!` or
//! `include_bytes!` names — and none of the tests, fixtures, fuzz targets, CI scripts or
//! build output. The listing is cargo's own (`cargo package --list`, which is what
//! `cargo package --no-verify` packs).

use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo package --list`: the files of the .crate, relative, with `/` separators.
fn packaged() -> BTreeSet<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Its own target dir: never wait on the lock of the build that runs this test.
    let target = tempfile::tempdir().unwrap();
    let out = Command::new(cargo)
        .current_dir(root())
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--offline",
            "--locked",
        ])
        .env("CARGO_TARGET_DIR", target.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo package --list failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Every file under `dir` (relative to the repository root), recursively.
fn files_under(dir: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![root().join(dir)];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(relative(&path));
            }
        }
    }
    found.sort();
    found
}

fn relative(path: &Path) -> String {
    let rel = path.strip_prefix(root()).unwrap();
    rel.components()
        .map(|c| c.as_os_str().to_str().unwrap())
        .collect::<Vec<_>>()
        .join("/")
}

/// `base/../x` without touching the file system (the file must exist in the repository).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => assert!(out.pop(), "{} leaves the root", path.display()),
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn the_package_holds_what_the_build_reads() {
    let listed = packaged();
    let missing = |what: &str, files: &[String]| {
        let absent: Vec<&String> = files.iter().filter(|f| !listed.contains(*f)).collect();
        assert!(
            absent.is_empty(),
            "{what} not in the package (Cargo.toml `include`): {absent:?}"
        );
    };
    let top: Vec<String> = [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "README.md",
        "LICENSE-APACHE",
        "LICENSE-MIT",
    ]
    .map(str::to_owned)
    .to_vec();
    missing("manifest, lockfile, build script, readme, licenses", &top);
    missing("library and binary sources", &files_under("src"));
    let gate_docs: Vec<String> = files_under("docs/gates")
        .into_iter()
        .filter(|f| f.ends_with(".md"))
        .collect();
    assert!(gate_docs.len() >= 10, "{gate_docs:?}");
    missing("the gate pages build.rs embeds", &gate_docs);

    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let bins: Vec<String> = manifest
        .get("bin")
        .and_then(|b| b.as_array())
        .map(|bins| {
            bins.iter()
                .filter_map(|b| b.get("path")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    missing("[[bin]] sources", &bins);
    for bin in &bins {
        let dir = Path::new(bin).parent().unwrap();
        let siblings: Vec<String> = files_under(dir.to_str().unwrap())
            .into_iter()
            .filter(|f| f.ends_with(".rs"))
            .collect();
        missing("modules beside a [[bin]]", &siblings);
    }

    // Every literal include_str!/include_bytes! in a packaged Rust file, resolved from it.
    let include = Regex::new(r#"include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)"#).unwrap();
    let mut included = Vec::new();
    for file in listed.iter().filter(|f| f.ends_with(".rs")) {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let dir = Path::new(file).parent().unwrap();
        for capture in include.captures_iter(&text) {
            let target = normalize(&dir.join(&capture[1]));
            assert!(
                root().join(&target).is_file(),
                "{file}: {} does not exist",
                &capture[1]
            );
            included.push(relative(&root().join(target)));
        }
    }
    assert!(
        included
            .iter()
            .any(|f| f == "testdata/interop/keys/signer.pub"),
        "the scan found src/fuzzing.rs's include_str!: {included:?}"
    );
    missing("files named by include_str!/include_bytes!", &included);
}

#[test]
fn the_package_leaves_out_tests_fixtures_and_build_output() {
    let listed = packaged();
    let allowed_testdata = |f: &str| {
        f == "testdata/interop/keys/signer.pub"
            || (f.starts_with("testdata/audit/reports/") && f.ends_with(".json"))
    };
    let junk: Vec<&String> = listed
        .iter()
        .filter(|f| {
            [
                "tests/",
                "fuzz/",
                "target/",
                ".ci/",
                ".github/",
                "bench/",
                "scripts/",
                ".venv",
                "demo-out/",
            ]
            .iter()
            .any(|prefix| f.starts_with(prefix))
                || (f.starts_with("testdata/") && !allowed_testdata(f))
        })
        .collect();
    assert!(junk.is_empty(), "packaged but not needed: {junk:?}");
    // The demo's secret key is committed on purpose, but never shipped in the crate.
    assert!(!listed.iter().any(|f| f.ends_with(".key")), "{listed:?}");
}

#[test]
fn the_manifest_carries_what_crates_io_shows() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let package = manifest["package"].as_table().unwrap();
    for field in ["description", "license", "repository", "readme", "keywords"] {
        assert!(package.contains_key(field), "[package] has no {field}");
    }
    let keywords = package["keywords"].as_array().unwrap();
    assert!(keywords.len() <= 5, "crates.io takes at most 5 keywords");
    let repository = package["repository"].as_str().unwrap();
    assert!(
        repository.starts_with("https://github.com/"),
        "{repository}"
    );
}
