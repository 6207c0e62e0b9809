//! Change control end to end: `tollgate propose` and `tollgate approve` append signed
//! entries, and `[gates.approvals]` decides from them at `evaluate --now`: 2-of-3
//! maintainers plus a security sign-off after a 24h review window.

use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// `hours` after the proposal's ledger time (the window closes 24h after it). The proposal
/// is dated at the next whole hour of the wall clock: ledger time never goes backwards, and
/// `evaluate` appends its verdict entry at the wall clock, so a proposal or approval
/// recorded after an evaluation must not be dated in the past.
fn at(hours: i64) -> String {
    static BASE: std::sync::OnceLock<time::OffsetDateTime> = std::sync::OnceLock::new();
    let base = *BASE.get_or_init(|| {
        let now = time::OffsetDateTime::now_utc();
        now.replace_time(time::Time::from_hms(now.hour(), 0, 0).unwrap()) + time::Duration::hours(1)
    });
    tollgate::verdict::rfc3339(base + time::Duration::hours(hours))
}

const TABLE: &str = "[gates.approvals]
review_window = \"24h\"
max_age = \"96h\"
frozen = [\"protocol\"]

[gates.approvals.ops.security]
keys = [\"security/tollgate.pub\"]
min = 1

[gates.approvals.ops.maintainers]
keys = [\"m1/tollgate.pub\", \"m2/tollgate.pub\", \"m3/m3.pub\"]
min = 2
";

/// A workspace with the approvals table, a proposer key, a security key, maintainers m1
/// and m2 (tollgate keygen) and m3 (stock `minisign -G`), and a rollback plan.
fn workspace() -> Workspace {
    let ws = Workspace::new();
    for name in ["proposer", "security", "m1", "m2"] {
        tollgate::signing::keygen(&ws.path().join(name), None).unwrap();
    }
    let m3 = ws.path().join("m3");
    std::fs::create_dir(&m3).unwrap();
    minisign(
        &[
            "-G",
            "-W",
            "-f",
            "-p",
            m3.join("m3.pub").to_str().unwrap(),
            "-s",
            m3.join("m3.key").to_str().unwrap(),
        ],
        &m3,
    );
    std::fs::write(
        ws.path().join("rollback.md"),
        "redeploy 1.4.1 from the last verdict\n",
    )
    .unwrap();
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", TABLE);
    ws
}

fn minisign(args: &[&str], cwd: &Path) -> Output {
    let out = std::process::Command::new("minisign")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run stock minisign (apt-get install -y minisign)");
    assert!(out.status.success(), "minisign {args:?}: {}", stderr(&out));
    out
}

fn key(ws: &Workspace, name: &str) -> PathBuf {
    ws.path().join(name).join("tollgate.key")
}

fn store(ws: &Workspace) -> String {
    ws.store().to_str().unwrap().to_owned()
}

/// `tollgate propose` of `release` (the workspace's when `None`) at `at(0)`; returns the
/// printed id.
fn propose(ws: &Workspace, release: Option<&Path>, category: &str, proposer: &str) -> String {
    propose_at(ws, release, category, proposer, &at(0))
}

fn propose_at(
    ws: &Workspace,
    release: Option<&Path>,
    category: &str,
    proposer: &str,
    when: &str,
) -> String {
    let release = release.map_or_else(|| ws.release(), Path::to_path_buf);
    let out = tollgate(&[
        "propose",
        "--environment",
        "mainnet",
        "--category",
        category,
        "--summary",
        "raise the peer limit to 64",
        "--rollback-plan",
        ws.path().join("rollback.md").to_str().unwrap(),
        "--release",
        release.to_str().unwrap(),
        "--key",
        key(ws, proposer).to_str().unwrap(),
        "--store",
        &store(ws),
        "--now",
        when,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_owned();
    let (seq, sha) = id.split_once(':').expect("the id is SEQ:SHA256");
    assert!(seq.parse::<u64>().is_ok() && sha.len() == 64, "{id}");
    id
}

fn approve(ws: &Workspace, id: &str, role: &str, signer: &str, extra: &[&str]) -> Output {
    let key = key(ws, signer);
    let store = store(ws);
    let when = at(1);
    let mut args = vec![
        "approve",
        id,
        "--role",
        role,
        "--key",
        key.to_str().unwrap(),
        "--store",
        &store,
        "--now",
        &when,
    ];
    args.extend_from_slice(extra);
    tollgate(&args)
}

fn approved(ws: &Workspace, id: &str, role: &str, signer: &str) {
    let out = approve(ws, id, role, signer, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Evaluate at `now`: the exit code, the approvals gate's codes and its findings' messages.
fn evaluate_at(ws: &Workspace, now: &str) -> (i32, Vec<String>, String) {
    let out = ws.evaluate(&["--now", now]);
    let code = out.status.code().unwrap();
    assert!(code == 0 || code == 1, "{}", stderr(&out));
    let verdict = read_json(&ws.out().join("verdict.json"));
    let messages = gate(&verdict, "approvals")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    (code, gate_codes(&verdict, "approvals"), messages)
}

#[test]
fn two_of_three_after_the_window_promote_and_before_it_block_naming_the_time_left() {
    let ws = workspace();
    let id = propose(&ws, None, "ops", "proposer");
    approved(&ws, &id, "security", "security");
    approved(&ws, &id, "maintainers", "m1");
    approved(&ws, &id, "maintainers", "m2");

    let (code, codes, messages) = evaluate_at(&ws, &at(23));
    assert_eq!((code, codes), (1, vec!["approval.window-open".to_owned()]));
    assert!(
        messages.contains(&format!("its 24h review window ends at {}, in 1h", at(24))),
        "{messages}"
    );

    let (code, codes, _) = evaluate_at(&ws, &at(25));
    assert_eq!((code, codes), (0, Vec::<String>::new()));
    let verdict = read_json(&ws.out().join("verdict.json"));
    let report = gate(&verdict, "approvals");
    let evidence: Vec<&str> = report["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        evidence.contains(&format!("ledger entry {id} (proposal)").as_str()),
        "{evidence:?}"
    );
    assert_eq!(
        evidence.iter().filter(|p| p.ends_with("(approve)")).count(),
        3
    );
    assert!(
        evidence
            .iter()
            .any(|p| p.contains("rollback plan rollback.md"))
    );
}

#[test]
fn the_same_key_twice_counts_once() {
    let ws = workspace();
    let id = propose(&ws, None, "ops", "proposer");
    approved(&ws, &id, "security", "security");
    approved(&ws, &id, "maintainers", "m1");
    approved(&ws, &id, "maintainers", "m1");
    let (code, codes, messages) = evaluate_at(&ws, &at(25));
    assert_eq!((code, codes), (1, vec!["approval.insufficient".to_owned()]));
    assert!(
        messages.contains("role maintainers: 1 of the 2 required approvals"),
        "{messages}"
    );
}

#[test]
fn a_rejection_blocks() {
    let ws = workspace();
    let id = propose(&ws, None, "ops", "proposer");
    approved(&ws, &id, "security", "security");
    approved(&ws, &id, "maintainers", "m1");
    approved(&ws, &id, "maintainers", "m2");
    let out = approve(&ws, &id, "security", "security", &["--reject"]);
    assert_eq!(out.status.code(), Some(2), "--reject needs --reason");
    let out = approve(
        &ws,
        &id,
        "security",
        "security",
        &["--reject", "--reason", "needs a load test first"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, codes, messages) = evaluate_at(&ws, &at(25));
    assert_eq!((code, codes), (1, vec!["approval.rejected".to_owned()]));
    assert!(messages.contains("needs a load test first"), "{messages}");
}

#[test]
fn the_proposer_approving_their_own_change_does_not_count() {
    let ws = workspace();
    // m1 proposes, then approves as a maintainer: only m2's approval counts.
    let id = propose(&ws, None, "ops", "m1");
    approved(&ws, &id, "security", "security");
    approved(&ws, &id, "maintainers", "m1");
    approved(&ws, &id, "maintainers", "m2");
    let (code, codes, messages) = evaluate_at(&ws, &at(25));
    assert_eq!(code, 1);
    assert_eq!(codes, ["approval.self-approval", "approval.insufficient"]);
    assert!(messages.contains("1 of the 2 required"), "{messages}");
}

#[test]
fn a_protocol_change_blocks_while_frozen() {
    let ws = workspace();
    let id = propose(&ws, None, "protocol", "proposer");
    approved(&ws, &id, "security", "security");
    let (code, codes, _) = evaluate_at(&ws, &at(25));
    assert_eq!(
        (code, codes),
        (1, vec!["approval.frozen-category".to_owned()])
    );
}

#[test]
fn approvals_for_other_subjects_do_not_count() {
    let ws = workspace();
    // Another release (one artifact differs): fully approved, but not this release.
    let other = ws.path().join("other-release");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("node.tar.gz"), b"another build").unwrap();
    let sums = format!(
        "{}  node.tar.gz\n",
        tollgate::digest::sha256_hex(b"another build")
    );
    std::fs::write(other.join("SHA256SUMS"), sums).unwrap();
    let elsewhere = propose(&ws, Some(&other), "ops", "proposer");
    approved(&ws, &elsewhere, "security", "security");
    approved(&ws, &elsewhere, "maintainers", "m1");
    approved(&ws, &elsewhere, "maintainers", "m2");
    let (code, codes, messages) = evaluate_at(&ws, &at(25));
    assert_eq!((code, codes), (1, vec!["approval.no-proposal".to_owned()]));
    assert!(
        messages.contains("1 other proposal(s) bind other subjects"),
        "{messages}"
    );

    // A proposal for this release exists too (recorded after the other's approvals, so an
    // hour later): the other proposal's approvals stay there.
    let id = propose_at(&ws, None, "ops", "proposer", &at(1));
    let (code, codes, _) = evaluate_at(&ws, &at(25));
    assert_eq!(code, 1);
    assert_eq!(codes, ["approval.insufficient", "approval.insufficient"]);
    approved(&ws, &id, "security", "security");
    approved(&ws, &id, "maintainers", "m1");
    approved(&ws, &id, "maintainers", "m2");
    assert_eq!(evaluate_at(&ws, &at(25)).0, 0);
}

#[test]
fn a_statement_signed_by_stock_minisign_is_accepted() {
    let ws = workspace();
    let id = propose(&ws, None, "ops", "proposer");
    approved(&ws, &id, "security", "security");
    approved(&ws, &id, "maintainers", "m1");
    let statement = ws.path().join("approval.json");
    let out = tollgate(&[
        "approve",
        &id,
        "--role",
        "maintainers",
        "--statement-out",
        statement.to_str().unwrap(),
        "--store",
        &store(&ws),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m3 = ws.path().join("m3");
    minisign(
        &[
            "-S",
            "-s",
            m3.join("m3.key").to_str().unwrap(),
            "-m",
            statement.to_str().unwrap(),
        ],
        &m3,
    );
    let signature = format!("{}.minisig", statement.display());
    let record = |extra: &[&str]| {
        let store = store(&ws);
        let when = at(1);
        let mut args = vec![
            "approve",
            id.as_str(),
            "--role",
            "maintainers",
            "--signature",
            &signature,
            "--pubkey",
            "m3/m3.pub",
            "--store",
            &store,
            "--now",
            &when,
        ];
        args.extend_from_slice(extra);
        let mut command = command(&args);
        command.current_dir(ws.path());
        command.output().unwrap()
    };
    // The same signature over another statement (a rejection) does not verify.
    let out = record(&["--reject", "--reason", "changed my mind"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not verify"), "{}", stderr(&out));
    let out = record(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(evaluate_at(&ws, &at(25)), (0, vec![], String::new()));
}

/// The shipped mainnet policy's `[gates.approvals]`, with the demo keys swapped for this
/// workspace's (the demo keys' secret halves were discarded).
fn shipped_table() -> String {
    let text = std::fs::read_to_string(testdata("../gates/mainnet.toml")).unwrap();
    let policy: toml::Table = text.parse().unwrap();
    let mut approvals = policy["gates"]["approvals"].as_table().unwrap().clone();
    assert_eq!(approvals["review_window"].as_str(), Some("24h"));
    assert_eq!(
        approvals["frozen"].as_array().unwrap()[0].as_str(),
        Some("protocol")
    );
    let ops = approvals["ops"].as_table_mut().unwrap();
    let shape: Vec<(String, usize, i64)> = ops
        .iter()
        .map(|(role, t)| {
            let keys = t["keys"].as_array().unwrap().len();
            (role.clone(), keys, t["min"].as_integer().unwrap())
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("maintainers".to_owned(), 3, 2),
            ("security".to_owned(), 1, 1)
        ]
    );
    ops["security"]["keys"] = toml::Value::from(vec!["security/tollgate.pub"]);
    ops["maintainers"]["keys"] =
        toml::Value::from(vec!["m1/tollgate.pub", "m2/tollgate.pub", "m3/m3.pub"]);
    let mut gates = toml::Table::new();
    gates.insert("approvals".into(), approvals.into());
    let mut wrapper = toml::Table::new();
    wrapper.insert("gates".into(), gates.into());
    toml::to_string(&wrapper).unwrap()
}

// The runbook: a security sign-off plus 2 of 3 maintainers for ops changes, after 24h.
// Pinned through the shipped file, end to end.
#[test]
fn shipped_mainnet_policy_wants_a_security_sign_off_and_two_of_three_maintainers() {
    let ws = workspace();
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &shipped_table(),
    );
    let id = propose(&ws, None, "ops", "proposer");
    approved(&ws, &id, "maintainers", "m1");
    approved(&ws, &id, "maintainers", "m2");
    let (code, codes, messages) = evaluate_at(&ws, &at(25));
    assert_eq!((code, codes), (1, vec!["approval.insufficient".to_owned()]));
    assert!(messages.contains("role security: 0 of the 1"), "{messages}");
    approved(&ws, &id, "security", "security");
    assert_eq!(evaluate_at(&ws, &at(23)).1, ["approval.window-open"]);
    assert_eq!(evaluate_at(&ws, &at(25)).0, 0);
}

// Ledger time never goes backwards: an approval (or a re-proposal) dated before the entry
// it follows is refused, so nobody fakes a passed review window with `--now`.
#[test]
fn an_approval_backdated_to_fake_the_review_window_is_refused() {
    let ws = workspace();
    let id = propose(&ws, None, "ops", "proposer");
    approved(&ws, &id, "security", "security");
    let store = store(&ws);
    let key = key(&ws, "m1");
    let backdated = at(-25);
    let out = tollgate(&[
        "approve",
        &id,
        "--role",
        "maintainers",
        "--key",
        key.to_str().unwrap(),
        "--store",
        &store,
        "--now",
        &backdated,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ledger time cannot go backwards")
            && stderr(&out).contains(&format!("entry 2 is dated {}", at(1))),
        "{}",
        stderr(&out)
    );
    // Proposing the same change again, dated a day early, is refused the same way.
    let out = tollgate(&[
        "propose",
        "--environment",
        "mainnet",
        "--category",
        "ops",
        "--summary",
        "raise the peer limit to 64",
        "--rollback-plan",
        ws.path().join("rollback.md").to_str().unwrap(),
        "--release",
        ws.release().to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--store",
        &store,
        "--now",
        &backdated,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot go backwards"),
        "{}",
        stderr(&out)
    );
    // Nothing was recorded: the window still runs from the real proposal.
    approved(&ws, &id, "maintainers", "m1");
    approved(&ws, &id, "maintainers", "m2");
    let (code, codes, _) = evaluate_at(&ws, &at(23));
    assert_eq!((code, codes), (1, vec!["approval.window-open".to_owned()]));
    // A key revocation cannot be backdated either.
    let out = tollgate(&[
        "key",
        "revoke",
        "--pubkey",
        ws.path().join("m2/tollgate.pub").to_str().unwrap(),
        "--reason",
        "rotated",
        "--key",
        key.to_str().unwrap(),
        "--store",
        &store,
        "--now",
        &backdated,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot go backwards"),
        "{}",
        stderr(&out)
    );
}
