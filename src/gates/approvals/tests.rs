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

mod decide {
    use super::super::check::{Inputs, run};
    use super::super::config::{Config, Role};
    use crate::approvals::read::{Changes, Record};
    use crate::approvals::statement::{PROPOSAL_SCHEMA, ROLLBACK_PLAN};
    use crate::approvals::{ApprovalStatement, Category, Choice, FileRef, ProposalStatement};
    use crate::keys::TrustedKey;
    use crate::ledger::entry::{BlobRef, EntryId};
    use crate::report::Subject;
    use std::collections::BTreeMap;
    use std::time::Duration;
    use time::OffsetDateTime;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-20 09:00 UTC);
    const NOW: OffsetDateTime = datetime!(2026-11-21 10:00 UTC);

    fn key(dir: &std::path::Path, name: &str) -> TrustedKey {
        let pair = crate::signing::keygen(&dir.join(name), None).unwrap();
        TrustedKey::resolve(pair.public.to_str().unwrap(), dir).unwrap()
    }

    fn subjects() -> Vec<Subject> {
        vec![Subject {
            name: "node.tar.gz".into(),
            sha256: "ab".repeat(32),
        }]
    }

    fn id(seq: u64) -> EntryId {
        EntryId {
            seq,
            sha256: format!("{seq:064}"),
        }
    }

    fn proposal(by: &TrustedKey, category: Category) -> Record<ProposalStatement> {
        let plan = FileRef::of("rollback.md", b"revert");
        Record {
            id: id(1),
            time: T0,
            key_id: by.key_id,
            statement: ProposalStatement {
                schema: PROPOSAL_SCHEMA.into(),
                environment: "mainnet".into(),
                category,
                summary: "s".into(),
                subjects: subjects(),
                rollback_plan: plan.clone(),
                change_log: None,
            },
            attachments: BTreeMap::from([(
                ROLLBACK_PLAN.to_owned(),
                BlobRef {
                    sha256: plan.sha256,
                    size: plan.size,
                },
            )]),
            size: 100,
        }
    }

    fn approval(
        seq: u64,
        p: &Record<ProposalStatement>,
        by: &TrustedKey,
        role: &str,
        at: OffsetDateTime,
    ) -> Record<ApprovalStatement> {
        Record {
            id: id(seq),
            time: at,
            key_id: by.key_id,
            statement: ApprovalStatement::new(
                &p.id.to_string(),
                &p.statement,
                role,
                Choice::Approve,
                None,
            ),
            attachments: BTreeMap::new(),
            size: 100,
        }
    }

    fn config(maintainers: Vec<TrustedKey>) -> Config {
        Config {
            required: true,
            timeout: Duration::from_secs(60),
            review_window: Duration::from_secs(24 * 3600),
            max_age: Duration::from_secs(96 * 3600),
            frozen: vec![],
            sums: None,
            store: None,
            roles: BTreeMap::from([(
                Category::Ops,
                vec![Role {
                    name: "maintainers".into(),
                    keys: maintainers,
                    min: 2,
                }],
            )]),
        }
    }

    fn codes(
        config: &Config,
        changes: &Changes,
        verdict: &[TrustedKey],
        blobs: bool,
    ) -> Vec<String> {
        let has_blob = |_: &BlobRef| blobs;
        let result = run(&Inputs {
            config,
            environment: "mainnet",
            subjects: &subjects(),
            changes,
            now: NOW,
            verdict_keys: verdict,
            has_blob: &has_blob,
            revocations: &crate::ledger::revocation::Revocations::none(),
        });
        result.findings.iter().map(|f| f.code.clone()).collect()
    }

    #[test]
    fn only_trusted_distinct_timely_approvals_of_required_roles_count() {
        let dir = tempfile::tempdir().unwrap();
        let [p, a, b, c, stranger] = ["p", "a", "b", "c", "x"].map(|n| key(dir.path(), n));
        let config = config(vec![a.clone(), b.clone(), c.clone()]);
        let prop = proposal(&p, Category::Ops);
        let later = NOW + time::Duration::hours(1);
        let changes = Changes {
            approvals: vec![
                approval(2, &prop, &a, "maintainers", T0),
                approval(3, &prop, &stranger, "maintainers", T0),
                approval(4, &prop, &b, "security", T0),
                approval(5, &prop, &c, "maintainers", later),
            ],
            proposals: vec![prop.clone()],
            refused: vec![],
        };
        assert_eq!(
            codes(&config, &changes, &[], true),
            [
                "approval.not-counted",
                "approval.not-counted",
                "approval.not-counted",
                "approval.insufficient"
            ]
        );
        let mut passing = changes;
        passing.approvals = vec![
            approval(2, &prop, &a, "maintainers", T0),
            approval(3, &prop, &b, "maintainers", T0),
        ];
        assert!(codes(&config, &passing, &[], true).is_empty());
        // b is a verdict key: its approval does not count, and that blocks.
        assert_eq!(
            codes(&config, &passing, std::slice::from_ref(&b), true),
            ["approval.verdict-key", "approval.insufficient"]
        );
        // The rollback plan's blob is gone from the ledger.
        assert_eq!(
            codes(&config, &passing, &[], false),
            ["approval.rollback-plan-missing"]
        );
    }

    #[test]
    fn an_unconfigured_category_and_a_newer_proposal_decide() {
        let dir = tempfile::tempdir().unwrap();
        let [p, a, b] = ["p", "a", "b"].map(|n| key(dir.path(), n));
        let config = config(vec![a.clone(), b.clone()]);
        let governance = Changes {
            proposals: vec![proposal(&p, Category::Governance)],
            ..Changes::default()
        };
        assert_eq!(
            codes(&config, &governance, &[], true),
            ["approval.category-unconfigured"]
        );
        // Proposal 1 is approved, but proposal 9 (same subjects) supersedes it.
        let old = proposal(&p, Category::Ops);
        let mut newer = proposal(&p, Category::Ops);
        newer.id = id(9);
        let changes = Changes {
            approvals: vec![
                approval(2, &old, &a, "maintainers", T0),
                approval(3, &old, &b, "maintainers", T0),
            ],
            proposals: vec![old, newer],
            refused: vec![],
        };
        assert_eq!(
            codes(&config, &changes, &[], true),
            ["approval.insufficient"]
        );
    }
}
