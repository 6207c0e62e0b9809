//! Parser tests against the committed fixtures made by real cargo-audit and cargo-deny
//! (testdata/audit/regen.sh), plus small inline documents for shapes the fixtures lack.

use super::*;
use crate::gates::audit::advisory::{Kind, Level, Rating};

const AUDIT_VULNERABLE: &[u8] =
    include_bytes!("../../../../testdata/audit/reports/vulnerable/cargo-audit.json");
const AUDIT_CLEAN: &[u8] =
    include_bytes!("../../../../testdata/audit/reports/clean/cargo-audit.json");
const AUDIT_FILTERED: &[u8] =
    include_bytes!("../../../../testdata/audit/reports/filtered/cargo-audit.json");
const DENY_VULNERABLE: &[u8] =
    include_bytes!("../../../../testdata/audit/reports/vulnerable/cargo-deny.json");
const DENY_INFO: &[u8] =
    include_bytes!("../../../../testdata/audit/reports/vulnerable/cargo-deny-info.json");
const DENY_CLEAN: &[u8] =
    include_bytes!("../../../../testdata/audit/reports/clean/cargo-deny.json");
const OSV_VULNERABLE: &[u8] =
    include_bytes!("../../../../testdata/audit/reports/vulnerable/osv-scanner.json");
const OSV_CLEAN: &[u8] =
    include_bytes!("../../../../testdata/audit/reports/clean/osv-scanner.json");

/// `(id, kind, package@version, level)` for every advisory, sorted.
fn summary(parsed: &Parsed) -> Vec<(String, Kind, String, Option<Level>)> {
    let mut rows: Vec<_> = parsed
        .advisories
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                a.kind,
                format!("{}@{}", a.package, a.version),
                a.rating.level(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn row(
    id: &str,
    kind: Kind,
    pkg: &str,
    level: Option<Level>,
) -> (String, Kind, String, Option<Level>) {
    (id.to_owned(), kind, pkg.to_owned(), level)
}

/// What every tool finds in the vulnerable project (yanked: the tools that check it).
fn expected(with_yanked: bool) -> Vec<(String, Kind, String, Option<Level>)> {
    let mut rows = vec![
        row(
            "RUSTSEC-2020-0071",
            Kind::Vulnerability,
            "time@0.1.43",
            Some(Level::Medium),
        ),
        row(
            "RUSTSEC-2021-0003",
            Kind::Vulnerability,
            "smallvec@1.6.0",
            Some(Level::Critical),
        ),
        row("RUSTSEC-2021-0145", Kind::Unsound, "atty@0.2.14", None),
        row("RUSTSEC-2024-0375", Kind::Unmaintained, "atty@0.2.14", None),
    ];
    if with_yanked {
        rows.push(row(
            "scopeguard@0.3.0",
            Kind::Yanked,
            "scopeguard@0.3.0",
            None,
        ));
    }
    rows.sort();
    rows
}

#[test]
fn cargo_audit_report_is_read() {
    let (format, parsed) = parse(AUDIT_VULNERABLE).unwrap();
    assert_eq!(format, Format::CargoAudit);
    assert_eq!(summary(&parsed), expected(true));
    assert_eq!(parsed.dependency_count, Some(10));
    assert_eq!(parsed.generated_at, None, "cargo-audit records no time");
    assert!(parsed.filters.is_empty() && parsed.tool_errors.is_empty());
    let smallvec = parsed
        .advisories
        .iter()
        .find(|a| a.package == "smallvec")
        .unwrap();
    assert_eq!(smallvec.aliases, ["CVE-2021-25900", "GHSA-43w2-9j62-hq99"]);
    assert!(
        matches!(&smallvec.rating, Rating::Cvss { score, vector, .. } if *score == 9.8 && vector.starts_with("CVSS:3.1/"))
    );
}

#[test]
fn cargo_audit_clean_and_filtered_reports() {
    let (_, clean) = parse(AUDIT_CLEAN).unwrap();
    assert!(clean.advisories.is_empty());
    assert_eq!(clean.dependency_count, Some(2));
    let (_, filtered) = parse(AUDIT_FILTERED).unwrap();
    assert_eq!(filtered.filters.len(), 1, "{:?}", filtered.filters);
    assert!(filtered.filters[0].contains("RUSTSEC-2020-0071"));
    assert!(
        !filtered
            .advisories
            .iter()
            .any(|a| a.id == "RUSTSEC-2020-0071")
    );
}

#[test]
fn cargo_deny_json_lines_are_read() {
    let (format, parsed) = parse(DENY_VULNERABLE).unwrap();
    assert_eq!(format, Format::CargoDeny);
    assert_eq!(summary(&parsed), expected(true));
    assert_eq!(parsed.dependency_count, None);
    assert_eq!(
        parsed.generated_at, None,
        "no log lines at the default level"
    );
    assert!(parsed.tool_errors.is_empty(), "{:?}", parsed.tool_errors);
}

#[test]
fn cargo_deny_log_lines_date_the_report() {
    let (_, parsed) = parse(DENY_INFO).unwrap();
    assert_eq!(summary(&parsed), expected(true));
    let last = String::from_utf8_lossy(DENY_INFO)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["fields"]["timestamp"].as_str().map(str::to_owned))
        .max()
        .unwrap();
    let expected =
        OffsetDateTime::parse(&last, &time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(parsed.generated_at, Some(expected));
}

#[test]
fn cargo_deny_clean_run_is_a_single_summary_line() {
    let (format, parsed) = parse(DENY_CLEAN).unwrap();
    assert_eq!(format, Format::CargoDeny);
    assert!(parsed.advisories.is_empty() && parsed.tool_errors.is_empty());
}

#[test]
fn cargo_deny_failures_are_tool_errors() {
    // What cargo-deny printed here when it could not fetch crates (no summary follows).
    let text = concat!(
        r#"{"fields":{"level":"ERROR","message":"failed to fetch crates: error: failed to download `time v0.1.43`","timestamp":"2026-11-22T00:10:07.414788923Z"},"type":"log"}"#,
        "\n"
    );
    let (_, parsed) = parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.tool_errors.len(), 2, "{:?}", parsed.tool_errors);
    assert!(parsed.tool_errors[0].contains("failed to fetch crates"));
    assert!(parsed.tool_errors[1].contains("no summary"));
}

#[test]
fn cargo_deny_ignored_advisories_are_still_counted() {
    // With `ignore = ["RUSTSEC-2020-0071"]` in deny.toml, cargo-deny reports the advisory as
    // a note; the policy, not deny.toml, decides about it.
    let lines: Vec<&str> = std::str::from_utf8(DENY_VULNERABLE)
        .unwrap()
        .lines()
        .collect();
    let time_line = lines
        .iter()
        .find(|l| l.contains("RUSTSEC-2020-0071"))
        .unwrap();
    let as_note = time_line.replace(r#""severity":"error""#, r#""severity":"note""#);
    let summary_line = lines.last().unwrap();
    let text = format!("{as_note}\n{summary_line}\n");
    let (_, parsed) = parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.advisories.len(), 1);
    assert_eq!(parsed.advisories[0].id, "RUSTSEC-2020-0071");
}

#[test]
fn osv_scanner_output_is_read() {
    let (format, parsed) = parse(OSV_VULNERABLE).unwrap();
    assert_eq!(format, Format::OsvScanner);
    assert_eq!(summary(&parsed), expected(false));
    let (_, clean) = parse(OSV_CLEAN).unwrap();
    assert!(clean.advisories.is_empty());
}

#[test]
fn osv_groups_merge_ids_and_fall_back_to_max_severity() {
    // The documented example: one issue under a GHSA and a RUSTSEC id, grouped.
    let doc = r#"{"results":[{"source":{"path":"/p/Cargo.lock","type":"lockfile"},"packages":[
      {"package":{"name":"regex","version":"1.5.1","ecosystem":"crates.io"},
       "vulnerabilities":[
         {"id":"GHSA-m5pq-gvj9-9vr8","aliases":["CVE-2022-24713"],"summary":"Regex denial of service",
          "database_specific":{"severity":"HIGH"}},
         {"id":"RUSTSEC-2022-0013","aliases":["CVE-2022-24713"],"summary":"Regexes with large repetitions on empty sub-expressions take a very long time to parse",
          "affected":[{"package":{"ecosystem":"crates.io","name":"regex"},"database_specific":{"informational":null}}]}],
       "groups":[{"ids":["GHSA-m5pq-gvj9-9vr8","RUSTSEC-2022-0013"],"aliases":["CVE-2022-24713","GHSA-m5pq-gvj9-9vr8","RUSTSEC-2022-0013"],"max_severity":"7.5"}]}]}]}"#;
    let (_, parsed) = parse(doc.as_bytes()).unwrap();
    assert_eq!(parsed.advisories.len(), 1);
    let advisory = &parsed.advisories[0];
    assert_eq!(
        advisory.id, "RUSTSEC-2022-0013",
        "a RustSec id names the group"
    );
    assert_eq!(advisory.aliases, ["CVE-2022-24713", "GHSA-m5pq-gvj9-9vr8"]);
    assert_eq!(advisory.kind, Kind::Vulnerability);
    assert!(
        matches!(&advisory.rating, Rating::Reported { text, level: Level::High } if text == "7.5")
    );
}

#[test]
fn osv_cvss_v4_vectors_are_scored_and_withdrawn_records_skipped() {
    // The vector is RUSTSEC-2026-0041's, from the advisory-db snapshot (FIRST: 8.2, high).
    let doc = r#"{"results":[{"source":{"path":"Cargo.lock","type":"lockfile"},"packages":[
      {"package":{"name":"lz4_flex","version":"0.11.0","ecosystem":"crates.io"},
       "vulnerabilities":[
         {"id":"RUSTSEC-2026-0041","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"}]},
         {"id":"RUSTSEC-2020-0001","withdrawn":"2020-02-02T12:00:00Z"}]}]}]}"#;
    let (_, parsed) = parse(doc.as_bytes()).unwrap();
    assert_eq!(
        summary(&parsed),
        [row(
            "RUSTSEC-2026-0041",
            Kind::Vulnerability,
            "lz4_flex@0.11.0",
            Some(Level::High)
        )]
    );
}

#[test]
fn empty_and_foreign_files_are_refused() {
    assert_eq!(parse(b"").unwrap_err(), Unreadable::Empty);
    assert_eq!(parse(b" \n\t\n").unwrap_err(), Unreadable::Empty);
    for (bytes, says) in [
        (
            &b"{\"bomFormat\": \"CycloneDX\"}"[..],
            "not a cargo-audit report",
        ),
        (
            b"Crate: smallvec\nVersion: 1.6.0\n",
            "neither a JSON document",
        ),
        (b"[1, 2, 3]", "not a cargo-audit report"),
        (b"\xff\xfe", "not UTF-8"),
        (
            b"{\"lockfile\": {}, \"vulnerabilities\": {}}",
            "does not parse",
        ),
    ] {
        match parse(bytes) {
            Err(Unreadable::Unrecognised(why)) => assert!(why.contains(says), "{why}"),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
        }
    }
}
