//! `[gates.approvals]` validation: roles, k of n, windows, separation of duties.

use crate::policy::{self, Policy, PolicyError};

fn keys(dir: &std::path::Path, names: &[&str]) {
    for name in names {
        crate::signing::keygen(&dir.join(name), None).unwrap();
    }
}

fn parse(dir: &std::path::Path, trust: &str, table: &str) -> Result<Policy, PolicyError> {
    let text = format!("environment = \"mainnet\"\n[trust]\n{trust}\n[gates.approvals]\n{table}\n");
    policy::parse(&dir.join("policy.toml"), &text)
}

const TABLE: &str = "review_window = \"24h\"\nmax_age = \"96h\"\nfrozen = [\"protocol\"]\n[gates.approvals.ops.security]\nkeys = [\"s/tollgate.pub\"]\nmin = 1\n[gates.approvals.ops.maintainers]\nkeys = [\"a/tollgate.pub\", \"b/tollgate.pub\", \"c/tollgate.pub\"]\nmin = 2\n";

#[test]
fn a_runbook_table_validates() {
    let dir = tempfile::tempdir().unwrap();
    keys(dir.path(), &["s", "a", "b", "c"]);
    let policy = parse(dir.path(), "", TABLE).unwrap();
    let config = policy.gates.approvals.unwrap();
    let ops = &config.roles[&crate::approvals::Category::Ops];
    let roles: Vec<(&str, usize, usize)> = ops
        .iter()
        .map(|r| (r.name.as_str(), r.keys.len(), r.min))
        .collect();
    assert_eq!(roles, [("maintainers", 3, 2), ("security", 1, 1)]);
    assert_eq!(
        config.review_window,
        std::time::Duration::from_secs(24 * 3600)
    );
    assert_eq!(config.frozen, [crate::approvals::Category::Protocol]);
}

#[test]
fn bad_tables_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    keys(dir.path(), &["s", "a", "b", "c"]);
    let refused =
        |trust: &str, table: &str| parse(dir.path(), trust, table).unwrap_err().to_string();
    assert!(
        refused("", &TABLE.replace("min = 2", "min = 4"))
            .contains("from 1 to the number of keys (3)")
    );
    assert!(refused("", &TABLE.replace("min = 2", "min = 0")).contains("from 1 to"));
    assert!(
        refused(
            "",
            &TABLE.replace("\"b/tollgate.pub\"", "\"a/tollgate.pub\"")
        )
        .contains("twice")
    );
    assert!(
        refused("", &TABLE.replace("\"96h\"", "\"12h\"")).contains("longer than `review_window`")
    );
    assert!(
        refused("", &TABLE.replace("[\"protocol\"]", "[\"proto\"]")).contains("unknown category")
    );
    assert!(refused("", &TABLE.replace("maintainers]", "Maintainers]")).contains("lower-case"));
    let verdict = refused("verdict_keys = [\"a/tollgate.pub\"]", TABLE);
    assert!(verdict.contains("separation of duties"), "{verdict}");
    let empty = refused("", "review_window = \"24h\"\nmax_age = \"96h\"\n");
    assert!(empty.contains("names no category"), "{empty}");
}
