//! The audit gate against release and repository directories built on the spot from the
//! committed fixtures (testdata/audit/): severity and threshold, kinds, merging across
//! reports, freshness, lockfile mismatch, and the files it refuses.

use super::*;
use crate::digest::DigestCache;
use crate::policy::{self, Policy};
use crate::report::{Finding, Severity};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tempfile::TempDir;
use time::OffsetDateTime;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/audit")
        .join(path)
}

struct Scene {
    dir: TempDir,
}

impl Scene {
    /// A release directory and a repository holding `project`'s Cargo.lock.
    fn new(project: &str) -> Scene {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["release", "repo", "out"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let scene = Scene { dir };
        let lock = fixture(&format!("projects/{project}/Cargo.lock"));
        std::fs::copy(lock, scene.repo().join("Cargo.lock")).unwrap();
        scene
    }

    fn release(&self) -> PathBuf {
        self.dir.path().join("release")
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// Copy a committed report into the release as `name`.
    fn report(&self, fixture_path: &str, name: &str) -> &Self {
        let bytes = std::fs::read(fixture(&format!("reports/{fixture_path}"))).unwrap();
        self.write(name, &bytes)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> &Self {
        std::fs::write(self.release().join(name), bytes).unwrap();
        self
    }

    fn age(&self, name: &str, by: Duration) {
        let file = std::fs::File::options()
            .write(true)
            .open(self.release().join(name))
            .unwrap();
        file.set_modified(SystemTime::now() - by).unwrap();
    }

    /// A testnet policy (where reports without a timestamp are aged by mtime by default).
    fn policy(&self, audit: &str) -> Policy {
        self.policy_in("testnet", audit)
    }

    fn policy_in(&self, environment: &str, audit: &str) -> Policy {
        let text = format!("environment = \"{environment}\"\n[gates.audit]\n{audit}\n");
        policy::parse(&self.dir.path().join("policy.toml"), &text).unwrap()
    }

    fn run_at(&self, audit: &str, now: OffsetDateTime) -> Result<GateResult, String> {
        self.run_with(&self.policy(audit), now)
    }

    fn run_in(&self, environment: &str, audit: &str) -> Result<GateResult, String> {
        self.run_with(
            &self.policy_in(environment, audit),
            OffsetDateTime::now_utc(),
        )
    }

    fn run_with(&self, policy: &Policy, now: OffsetDateTime) -> Result<GateResult, String> {
        let policy = policy.clone();
        let digests = DigestCache::new();
        let ctx = GateContext {
            policy: &policy,
            release: &self.release(),
            repo: &self.repo(),
            out: &self.dir.path().join("out"),
            digests: &digests,
            builds: &crate::release_build::ReleaseBuilds::new(),
            now,
            store: None,
        };
        let config = policy.gates.audit.clone().unwrap();
        AuditGate::new(config).evaluate(&ctx)
    }

    fn run(&self, audit: &str) -> Result<GateResult, String> {
        self.run_at(audit, OffsetDateTime::now_utc())
    }
}

/// `(code, subject, blocks)` for every finding.
fn outline(findings: &[Finding]) -> Vec<(String, String, bool)> {
    findings
        .iter()
        .map(|f| {
            (
                f.code.clone(),
                f.subject.clone().unwrap_or_default(),
                f.severity == Severity::Error,
            )
        })
        .collect()
}

fn entry(code: &str, subject: &str, blocks: bool) -> (String, String, bool) {
    (code.to_owned(), subject.to_owned(), blocks)
}

fn find<'a>(findings: &'a [Finding], subject: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.subject.as_deref() == Some(subject))
        .unwrap_or_else(|| panic!("no finding about {subject}: {findings:#?}"))
}

#[test]
fn clean_reports_of_every_format_pass_with_evidence() {
    let scene = Scene::new("clean");
    scene
        .report("clean/cargo-audit.json", "cargo-audit.json")
        .report("clean/cargo-deny.json", "cargo-deny.json")
        .report("clean/osv-scanner-all.json", "osv.json");
    let result = scene
        .run(r#"reports = ["cargo-audit.json", "cargo-deny.json", "osv.json"]"#)
        .unwrap();
    assert!(result.findings.is_empty(), "{:#?}", result.findings);
    let paths: Vec<&str> = result.evidence.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths.len(), 4, "{paths:?}");
    assert!(paths.contains(&"cargo-audit.json") && paths.contains(&"osv.json"));
    assert!(paths.iter().any(|p| p.ends_with("Cargo.lock")), "{paths:?}");
}

#[test]
fn threshold_decides_which_vulnerabilities_block() {
    let scene = Scene::new("vulnerable");
    scene.report("vulnerable/cargo-audit.json", "cargo-audit.json");
    let medium = scene.run(r#"reports = ["cargo-audit.json"]"#).unwrap();
    assert_eq!(
        outline(&medium.findings),
        [
            entry("audit.vulnerability", "RUSTSEC-2021-0003", true),
            entry("audit.vulnerability", "RUSTSEC-2020-0071", true),
            entry("audit.unmaintained", "RUSTSEC-2024-0375", false),
            entry("audit.unsound", "RUSTSEC-2021-0145", false),
            entry("audit.yanked", "scopeguard@0.3.0", false),
        ]
    );
    let smallvec = find(&medium.findings, "RUSTSEC-2021-0003");
    assert_eq!(smallvec.aliases, ["CVE-2021-25900", "GHSA-43w2-9j62-hq99"]);
    assert!(
        smallvec
            .message
            .contains("severity critical (CVSS base score 9.8"),
        "{}",
        smallvec.message
    );
    assert!(
        smallvec
            .message
            .contains("at or above the threshold `medium`")
    );

    let high = scene
        .run("reports = [\"cargo-audit.json\"]\nthreshold = \"high\"")
        .unwrap();
    let time = find(&high.findings, "RUSTSEC-2020-0071");
    assert_eq!(time.severity, Severity::Warning);
    assert!(
        time.message.contains("severity medium")
            && time.message.contains("below the threshold `high`")
    );
    assert_eq!(
        find(&high.findings, "RUSTSEC-2021-0003").severity,
        Severity::Error
    );

    let low = scene
        .run("reports = [\"cargo-audit.json\"]\nthreshold = \"low\"")
        .unwrap();
    assert_eq!(
        find(&low.findings, "RUSTSEC-2020-0071").severity,
        Severity::Error
    );
}

#[test]
fn unscored_advisories_take_unknown_severity_and_say_so() {
    let scene = Scene::new("vulnerable");
    let text = std::fs::read_to_string(fixture("reports/vulnerable/cargo-audit.json")).unwrap();
    let unscored = text.replace(
        r#""cvss":"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H""#,
        r#""cvss":null"#,
    );
    assert_ne!(text, unscored, "the fixture changed shape");
    scene.write("cargo-audit.json", unscored.as_bytes());
    let strict = scene
        .run("reports = [\"cargo-audit.json\"]\nunknown_severity = \"high\"\nthreshold = \"high\"")
        .unwrap();
    let time = find(&strict.findings, "RUSTSEC-2020-0071");
    assert_eq!(time.severity, Severity::Error);
    assert!(
        time.message.contains("unknown_severity `high` applies"),
        "{}",
        time.message
    );
    let lenient = scene
        .run("reports = [\"cargo-audit.json\"]\nunknown_severity = \"low\"")
        .unwrap();
    assert_eq!(
        find(&lenient.findings, "RUSTSEC-2020-0071").severity,
        Severity::Warning
    );
}

#[test]
fn informational_kinds_block_only_when_denied() {
    let scene = Scene::new("vulnerable");
    scene.report("vulnerable/cargo-deny.json", "deny.json");
    let result = scene
        .run("reports = [\"deny.json\"]\ndeny_kinds = [\"unmaintained\", \"yanked\"]")
        .unwrap();
    let unmaintained = find(&result.findings, "RUSTSEC-2024-0375");
    assert_eq!(unmaintained.severity, Severity::Error);
    assert!(unmaintained.message.contains("listed in deny_kinds"));
    assert_eq!(
        find(&result.findings, "scopeguard@0.3.0").severity,
        Severity::Error
    );
    let unsound = find(&result.findings, "RUSTSEC-2021-0145");
    assert_eq!(unsound.severity, Severity::Warning);
    assert!(
        unsound
            .message
            .contains("blocks only if deny_kinds lists `unsound`")
    );
}

#[test]
fn the_same_advisory_from_several_reports_is_one_finding() {
    let scene = Scene::new("vulnerable");
    scene
        .report("vulnerable/cargo-audit.json", "cargo-audit.json")
        .report("vulnerable/cargo-deny.json", "cargo-deny.json")
        .report("vulnerable/osv-scanner.json", "osv-scanner.json");
    let result = scene
        .run(r#"reports = ["cargo-audit.json", "cargo-deny.json", "osv-scanner.json"]"#)
        .unwrap();
    assert_eq!(result.findings.len(), 5, "{:#?}", result.findings);
    let smallvec = find(&result.findings, "RUSTSEC-2021-0003");
    assert!(
        smallvec
            .message
            .ends_with("reported by cargo-audit.json, cargo-deny.json, osv-scanner.json"),
        "{}",
        smallvec.message
    );
    let yanked = find(&result.findings, "scopeguard@0.3.0");
    assert!(
        yanked
            .message
            .ends_with("reported by cargo-audit.json, cargo-deny.json")
    );
}

#[test]
fn old_reports_are_stale_by_mtime_or_by_their_own_time() {
    let scene = Scene::new("vulnerable");
    scene.report("clean/cargo-deny.json", "deny.json");
    scene.age("deny.json", Duration::from_secs(8 * 24 * 3600));
    let result = scene.run(r#"reports = ["deny.json"]"#).unwrap();
    let stale = find(&result.findings, "deny.json");
    assert_eq!(stale.code, "audit.stale-report");
    assert!(
        stale
            .message
            .contains("by its file modification time (the cargo-deny format records no time; `undated = \"mtime\"`)"),
        "{}",
        stale.message
    );
    assert!(
        stale.message.contains("older than max_age 7days"),
        "{}",
        stale.message
    );
    let longer = scene
        .run("reports = [\"deny.json\"]\nmax_age = \"30d\"")
        .unwrap();
    assert!(longer.findings.is_empty(), "{:#?}", longer.findings);

    // cargo-deny with -L info dates its log lines: that time wins over the file's.
    scene.report("vulnerable/cargo-deny-info.json", "deny-info.json");
    let (_, parsed) =
        formats::parse(&std::fs::read(scene.release().join("deny-info.json")).unwrap()).unwrap();
    let made = parsed.generated_at.unwrap();
    let later = scene
        .run_at(
            r#"reports = ["deny-info.json"]"#,
            made + time::Duration::days(8),
        )
        .unwrap();
    let stale = find(&later.findings, "deny-info.json");
    assert!(
        stale.message.contains("by its own timestamp"),
        "{}",
        stale.message
    );
    let fresh = scene
        .run_at(
            r#"reports = ["deny-info.json"]"#,
            made + time::Duration::days(6),
        )
        .unwrap();
    assert!(
        !fresh
            .findings
            .iter()
            .any(|f| f.code == "audit.stale-report")
    );
    let before = scene
        .run_at(
            r#"reports = ["deny-info.json"]"#,
            made - time::Duration::hours(1),
        )
        .unwrap();
    let future = find(&before.findings, "deny-info.json");
    assert!(
        future.message.contains("after the evaluation time"),
        "{}",
        future.message
    );
}

#[test]
fn a_cargo_audit_report_for_another_lockfile_fails() {
    let scene = Scene::new("clean");
    scene.report("vulnerable/cargo-audit.json", "cargo-audit.json");
    let result = scene.run(r#"reports = ["cargo-audit.json"]"#).unwrap();
    let mismatch = find(&result.findings, "cargo-audit.json");
    assert_eq!(mismatch.code, "audit.lockfile-mismatch");
    assert_eq!(mismatch.severity, Severity::Error);
    assert!(
        mismatch
            .message
            .contains("10 packages, but the release's Cargo.lock has 2"),
        "{}",
        mismatch.message
    );

    std::fs::remove_file(scene.repo().join("Cargo.lock")).unwrap();
    let error = scene.run(r#"reports = ["cargo-audit.json"]"#).unwrap_err();
    assert!(
        error.contains("Cargo.lock") && error.contains("--repo"),
        "{error}"
    );
    // Other formats carry no count, so they do not need the lockfile.
    scene.report("clean/cargo-deny.json", "cargo-deny.json");
    assert!(scene.run(r#"reports = ["cargo-deny.json"]"#).is_ok());
}

#[test]
fn a_report_that_hides_advisories_fails() {
    let scene = Scene::new("vulnerable");
    scene.report("filtered/cargo-audit.json", "cargo-audit.json");
    let result = scene.run(r#"reports = ["cargo-audit.json"]"#).unwrap();
    let filtered = find(&result.findings, "cargo-audit.json");
    assert_eq!(filtered.code, "audit.report-filtered");
    assert!(
        filtered.message.contains("ignore RUSTSEC-2020-0071"),
        "{}",
        filtered.message
    );
}

#[test]
fn missing_empty_and_unknown_reports_are_errors_naming_the_file() {
    let scene = Scene::new("vulnerable");
    let missing = scene.run(r#"reports = ["cargo-audit.json"]"#).unwrap_err();
    assert!(
        missing.contains("`cargo-audit.json` is missing"),
        "{missing}"
    );
    scene.write("empty.json", b"\n");
    let empty = scene.run(r#"reports = ["empty.json"]"#).unwrap_err();
    assert!(empty.contains("`empty.json` is empty"), "{empty}");
    scene.write(
        "sbom.json",
        br#"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#,
    );
    let foreign = scene.run(r#"reports = ["sbom.json"]"#).unwrap_err();
    assert!(
        foreign.contains("`sbom.json` is not a report tollgate can read"),
        "{foreign}"
    );
    std::fs::create_dir(scene.release().join("dir.json")).unwrap();
    let dir = scene.run(r#"reports = ["dir.json"]"#).unwrap_err();
    assert!(dir.contains("not a regular file"), "{dir}");
}

#[test]
fn config_errors_point_at_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    let cases = [
        ("required = true", "no reports to read"),
        ("reports = [\"/etc/report.json\"]", "not a relative path"),
        ("reports = [\"../report.json\"]", "not a relative path"),
        ("reports = [\"a.json\", \"a.json\"]", "twice"),
        (
            "reports = [\"a.json\"]\nthreshold = \"severe\"",
            "unknown severity `severe`",
        ),
        (
            "reports = [\"a.json\"]\nunknown_severity = \"none\"",
            "unknown severity `none`",
        ),
        (
            "reports = [\"a.json\"]\ndeny_kinds = [\"vulnerability\"]",
            "informational kinds",
        ),
        (
            "reports = [\"a.json\"]\ndeny_kinds = [\"old\"]",
            "unknown advisory kind",
        ),
        (
            "reports = [\"a.json\"]\ndb = \"advisory-db\"",
            "only applies when `run = true`",
        ),
        (
            "reports = [\"a.json\"]\nmax_age = \"soon\"",
            "invalid duration",
        ),
        ("run = true\ntimeout = \"0s\"", "longer than zero"),
        (
            "reports = [\"a.json\"]\nthresold = \"high\"",
            "unknown field",
        ),
    ];
    for (table, says) in cases {
        let text = format!("environment = \"mainnet\"\n[gates.audit]\n{table}\n");
        let error = policy::parse(&path, &text).unwrap_err();
        assert!(error.to_string().contains(says), "{table}: {error}");
        assert!(
            error.position.is_some_and(|(line, _)| line >= 2),
            "{table}: {error}"
        );
    }
    let text =
        "environment = \"mainnet\"\n[gates.audit]\nrun = true\ndb = \"db\"\nno_fetch = true\n";
    let policy = policy::parse(&path, text).unwrap();
    let run = policy.gates.audit.unwrap().run.unwrap();
    assert_eq!(run.db, Some(dir.path().join("db")));
    assert!(run.no_fetch);
}

/// Issue 10 (point 7): an audit report past its cap is refused naming the report, the cap
/// and what to do; a FIFO in its place is refused by kind without blocking.
#[test]
fn an_audit_report_past_its_cap_is_refused_clearly() {
    let scene = Scene::new("clean");
    scene.write("big.json", &vec![b' '; 4096]);
    let release = crate::release::ReleaseDir::open(&scene.release()).unwrap();
    let cap = crate::bounded::caps::AUDIT_REPORT.with_bytes(1024);
    let error = super::sources::release_file(&release, "big.json", &scene.release(), cap)
        .err()
        .unwrap();
    assert!(
        error.contains("audit report `big.json`")
            && error.contains("larger than the 1 KiB cap for an audit report (4096 bytes)")
            && error.contains("split the audit"),
        "{error}"
    );
    let source =
        super::sources::release_file(&release, "big.json", &scene.release(), cap.with_bytes(4096))
            .unwrap();
    assert_eq!(source.bytes.len(), 4096);
    #[cfg(unix)]
    {
        let made = std::process::Command::new("mkfifo")
            .arg(scene.release().join("pipe.json"))
            .status()
            .unwrap();
        assert!(made.success());
        let error = super::sources::release_file(&release, "pipe.json", &scene.release(), cap)
            .err()
            .unwrap();
        assert!(error.contains("is a FIFO (named pipe)"), "{error}");
    }
}

/// Issue 15: a report that scanned nothing proves nothing.
#[test]
fn a_report_that_scanned_nothing_blocks() {
    let scene = Scene::new("clean");
    scene.report("clean/osv-scanner.json", "osv.json");
    let result = scene.run(r#"reports = ["osv.json"]"#).unwrap();
    assert_eq!(
        outline(&result.findings),
        [entry("audit.empty-report", "osv.json", true)]
    );
    assert!(
        result.findings[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("--all-packages")
    );

    let text = std::fs::read_to_string(fixture("reports/clean/cargo-audit.json")).unwrap();
    let empty = regex::Regex::new(r#""dependency-count":\s*\d+"#)
        .unwrap()
        .replace(&text, r#""dependency-count":0"#);
    assert_ne!(text, empty, "the fixture changed shape");
    scene.write("cargo-audit.json", empty.as_bytes());
    let result = scene.run(r#"reports = ["cargo-audit.json"]"#).unwrap();
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.code == "audit.empty-report"),
        "{:#?}",
        result.findings
    );
}

/// Issue 15: without a timestamp of its own, a report is aged by mtime only where the
/// policy allows it; mainnet blocks by default.
#[test]
fn undated_reports_block_on_mainnet_unless_mtime_is_allowed() {
    let scene = Scene::new("vulnerable");
    scene
        .report("vulnerable/cargo-audit.json", "cargo-audit.json")
        .report("vulnerable/cargo-deny-info.json", "deny-info.json");
    let both = r#"reports = ["cargo-audit.json", "deny-info.json"]"#;
    let mainnet = scene.run_in("mainnet", both).unwrap();
    let undated: Vec<_> = mainnet
        .findings
        .iter()
        .filter(|f| f.code == "audit.undated-report")
        .collect();
    assert_eq!(undated.len(), 1, "{:#?}", mainnet.findings);
    assert_eq!(undated[0].subject.as_deref(), Some("cargo-audit.json"));
    assert_eq!(undated[0].severity, Severity::Error);
    assert!(
        undated[0].message.contains("undated = \"block\""),
        "{}",
        undated[0].message
    );

    let allowed = scene
        .run_in("mainnet", &format!("{both}\nundated = \"mtime\""))
        .unwrap();
    assert!(
        !allowed
            .findings
            .iter()
            .any(|f| f.code == "audit.undated-report")
    );
    let testnet_blocking = scene
        .run_in("testnet", &format!("{both}\nundated = \"block\""))
        .unwrap();
    assert!(
        testnet_blocking
            .findings
            .iter()
            .any(|f| f.code == "audit.undated-report")
    );

    // Aged by mtime, a stale report says so.
    scene.age("cargo-audit.json", Duration::from_secs(30 * 24 * 3600));
    let stale = scene
        .run_in("mainnet", &format!("{both}\nundated = \"mtime\""))
        .unwrap();
    let finding = find(&stale.findings, "cargo-audit.json");
    assert_eq!(finding.code, "audit.stale-report");
    assert!(
        finding.message.contains("`undated = \"mtime\"`"),
        "{}",
        finding.message
    );
}

/// Issue 15: osv-scanner reports are bound to the release's Cargo.lock by the lockfile path
/// and the packages they list.
#[test]
fn an_osv_scanner_report_for_another_lockfile_fails() {
    let scene = Scene::new("vulnerable");
    scene.report("clean/osv-scanner-all.json", "osv.json");
    let result = scene.run(r#"reports = ["osv.json"]"#).unwrap();
    let mismatch = find(&result.findings, "osv.json");
    assert_eq!(mismatch.code, "audit.lockfile-mismatch");
    assert!(
        mismatch.message.contains("does not hold (smallvec 1.13.2)"),
        "{}",
        mismatch.message
    );

    let text = std::fs::read_to_string(fixture("reports/vulnerable/osv-scanner-all.json")).unwrap();
    let elsewhere = text.replace(
        "/src/vulnerable/Cargo.lock",
        "/src/vulnerable/package-lock.json",
    );
    assert_ne!(text, elsewhere);
    scene.write("osv.json", elsewhere.as_bytes());
    let result = scene.run(r#"reports = ["osv.json"]"#).unwrap();
    let mismatch = find(&result.findings, "osv.json");
    assert!(
        mismatch.message.contains("not the release's Cargo.lock"),
        "{}",
        mismatch.message
    );

    scene.report("vulnerable/osv-scanner-all.json", "osv.json");
    let result = scene.run(r#"reports = ["osv.json"]"#).unwrap();
    assert!(
        !result
            .findings
            .iter()
            .any(|f| f.code == "audit.lockfile-mismatch"),
        "{:#?}",
        result.findings
    );
}

/// Issue 15: when reports rate an advisory differently, the highest rating wins, whichever
/// report comes first.
#[test]
fn the_highest_rating_of_several_reports_wins() {
    let scene = Scene::new("vulnerable");
    let osv = std::fs::read_to_string(fixture("reports/vulnerable/osv-scanner.json")).unwrap();
    let critical = osv.replace(
        "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    );
    assert_ne!(osv, critical);
    scene
        .report("vulnerable/cargo-audit.json", "cargo-audit.json")
        .write("osv.json", critical.as_bytes());
    for reports in [
        r#"reports = ["cargo-audit.json", "osv.json"]"#,
        r#"reports = ["osv.json", "cargo-audit.json"]"#,
    ] {
        let result = scene
            .run(&format!("{reports}\nthreshold = \"critical\""))
            .unwrap();
        let time = find(&result.findings, "RUSTSEC-2020-0071");
        assert_eq!(
            time.severity,
            Severity::Error,
            "{reports}: {}",
            time.message
        );
        assert!(
            time.message.contains("severity critical"),
            "{}",
            time.message
        );
    }
}
