//! `[gates.unsafe_code]` validation.

use crate::policy;

fn parse(table: &str) -> Result<policy::Policy, policy::PolicyError> {
    let dir = tempfile::tempdir().unwrap();
    policy::parse(
        &dir.path().join("p.toml"),
        &format!("environment = \"mainnet\"\n[gates.unsafe_code]\n{table}\n"),
    )
}

#[test]
fn defaults_and_allow_entries() {
    let policy = parse("").unwrap();
    let config = policy.gates.unsafe_code.unwrap();
    assert_eq!(config.dependencies, super::config::Dependencies::Report);
    assert_eq!(config.manifest, std::path::PathBuf::from("Cargo.toml"));
    let policy = parse(
        "dependencies = \"deny\"\nallow = [{ path = \"src/ffi/**\", reason = \"reviewed, SEC-42\" }]",
    )
    .unwrap();
    let config = policy.gates.unsafe_code.unwrap();
    assert!(config.allow[0].matcher.is_match("src/ffi/sys/bindings.rs"));
    assert!(!config.allow[0].matcher.is_match("src/lib.rs"));
    assert_eq!(config.allow[0].line, 4);
}

#[test]
fn bad_tables_are_refused_with_the_key() {
    for (table, expected) in [
        ("allow = [{ path = \"src/**\", reason = \" \" }]", "reason"),
        (
            "allow = [{ path = \"../x/**\", reason = \"r\" }]",
            "inside the workspace",
        ),
        ("allow = [{ path = \"src/**\" }]", "reason"),
        ("dependencies = \"sometimes\"", "dependencies"),
        ("manifest = \"\"", "manifest"),
        ("forbid = true", "forbid"),
    ] {
        let e = parse(table).unwrap_err();
        assert!(e.to_string().contains(expected), "{table}: {e}");
    }
}
