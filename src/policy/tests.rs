//! Policy parsing and validation: every rejection names the line and says what to do.

use super::*;
use std::path::Path;

const PK: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

fn parse_text(text: &str) -> Result<Policy, PolicyError> {
    parse(Path::new("gates/test.toml"), text)
}

fn err(text: &str) -> PolicyError {
    parse_text(text).expect_err("policy should be rejected")
}

fn signed_policy(extra: &str) -> String {
    format!(
        "environment = \"mainnet\"\nverdict_ttl = \"72h\"\n[trust]\nartifact_keys = [\"{PK}\"]\n[gates.signatures]\nartifact_signatures = \"required\"\n{extra}"
    )
}

#[test]
fn full_policy_validates() {
    let policy = parse_text(&signed_policy(
        "\n[[waivers]]\ngate = \"signatures\"\ncode = \"sig.signature-missing\"\nid = \"NOTES.txt\"\nreason = \"docs\"\nowner = \"rm@example.org\"\nexpires = 2026-12-31\n",
    ))
    .unwrap();
    assert_eq!(policy.environment, Environment::Mainnet);
    assert_eq!(policy.verdict_ttl, Duration::from_secs(72 * 3600));
    let sigs = policy.gates.signatures.unwrap();
    assert!(sigs.required);
    assert_eq!(
        sigs.artifact_signatures,
        crate::gates::signatures::config::ArtifactSignatures::Required
    );
    assert_eq!(sigs.sums, Path::new("SHA256SUMS"));
    assert_eq!(sigs.sums_signature, Path::new("SHA256SUMS.minisig"));
    assert_eq!(policy.waivers.len(), 1);
    assert_eq!(policy.waivers[0].line, 8);
    assert_eq!(policy.sha256.len(), 64);
    assert_eq!(policy.max_waiver_days, DEFAULT_MAX_WAIVER_DAYS);
}

#[test]
fn unknown_key_names_line_and_nearest_key() {
    let e = err(&signed_policy("sumz = \"SUMS\"\n"));
    assert_eq!(e.position.map(|p| p.0), Some(7), "{e}");
    assert!(e.message.contains("sumz"), "{e}");
    assert!(
        e.hint.as_deref().unwrap().contains("did you mean `sums`?"),
        "{e}"
    );
    let top = err("enviroment = \"mainnet\"\n");
    assert_eq!(top.position.map(|p| p.0), Some(1));
    assert!(top.hint.unwrap().contains("`environment`"));
}

#[test]
fn missing_environment_is_an_error() {
    let e = err("verdict_ttl = \"1h\"\n");
    assert!(e.message.contains("environment"), "{e}");
}

#[test]
fn bad_environment_and_wrong_types() {
    let e = err("environment = \"prod\"\n");
    assert!(
        e.message.contains("prod") && e.message.contains("mainnet"),
        "{e}"
    );
    let e = err("environment = 3\n");
    assert_eq!(e.position.map(|p| p.0), Some(1), "{e}");
    let e = err(&signed_policy("required = \"yes\"\n"));
    assert_eq!(e.position.map(|p| p.0), Some(7), "{e}");
}

#[test]
fn bad_duration_names_the_key_and_line() {
    let e = err("environment = \"regtest\"\nverdict_ttl = \"3 fortnights\"\n");
    assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
    assert!(e.message.contains("verdict_ttl"), "{e}");
    assert!(
        err("environment = \"regtest\"\nverdict_ttl = \"0s\"\n")
            .message
            .contains("longer than zero")
    );
}

#[test]
fn missing_policy_file_is_an_error_naming_it() {
    let e = load(Path::new("/nonexistent/policy.toml")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/policy.toml"), "{e}");
}

#[test]
fn waivers_need_every_field() {
    for missing in ["reason", "owner", "expires", "gate"] {
        let mut fields = vec![
            ("gate", "\"signatures\""),
            ("code", "\"sig.unlisted-file\""),
            ("reason", "\"why\""),
            ("owner", "\"me\""),
            ("expires", "2026-12-31"),
        ];
        fields.retain(|(k, _)| *k != missing);
        let body: String = fields.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        let e = err(&signed_policy(&format!("[[waivers]]\n{body}")));
        assert!(e.message.contains(missing), "{missing}: {e}");
    }
    let no_target = err(&signed_policy(
        "[[waivers]]\ngate = \"signatures\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n",
    ));
    assert!(no_target.message.contains("needs `code`"), "{no_target}");
    let empty_reason = err(&signed_policy(
        "[[waivers]]\ngate = \"signatures\"\ncode = \"sig.signature-missing\"\nid = \"a.tgz\"\nreason = \"  \"\nowner = \"o\"\nexpires = 2026-12-31\n",
    ));
    assert!(empty_reason.message.contains("reason"), "{empty_reason}");
}

#[test]
fn waiver_expiry_forms() {
    let ok = |expires: &str| {
        parse_text(&signed_policy(&format!(
            "[[waivers]]\ngate = \"signatures\"\ncode = \"sig.signature-missing\"\nid = \"a.tgz\"\nreason = \"r\"\nowner = \"o\"\nexpires = {expires}\n"
        )))
    };
    assert!(ok("2026-12-31").is_ok());
    assert!(ok("\"2026-12-31\"").is_ok());
    assert!(ok("\"2026-12-31T12:00:00Z\"").is_ok());
    let e = ok("\"next tuesday\"").unwrap_err();
    assert!(e.message.contains("next tuesday"), "{e}");
    assert!(ok("12").is_err());
}

#[test]
fn waiver_for_unknown_gate_suggests_one() {
    let e = err(&signed_policy(
        "[[waivers]]\ngate = \"signatres\"\ncode = \"sig.signature-missing\"\nid = \"a.tgz\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n",
    ));
    assert!(e.hint.unwrap().contains("`signatures`"));
}

#[test]
fn unknown_gates_and_keys_are_refused_by_name() {
    // The git gate, once reserved, is built in: its tables are checked key by key.
    let e = err("environment = \"regtest\"\n[gates.git]\nrequire_tag = true\n");
    assert_eq!(e.position.map(|p| p.0), Some(3), "{e}");
    assert!(e.message.contains("require_tag"), "{e}");
    let e = err("environment = \"regtest\"\n[gates.sbomb]\n");
    assert!(e.message.contains("sbomb"), "{e}");
}

#[test]
fn signature_checks_need_trusted_keys() {
    let e = err("environment = \"regtest\"\n[gates.signatures]\n");
    assert!(e.message.contains("artifact_keys"), "{e}");
    let ok = parse_text(
        "environment = \"regtest\"\n[gates.signatures]\nrequire_sums_signature = false\nartifact_signatures = \"ignore\"\n",
    );
    assert!(ok.is_ok());
}

#[test]
fn bad_trusted_key_names_the_line() {
    let e = err("environment = \"regtest\"\n[trust]\nartifact_keys = [\n  \"missing.pub\",\n]\n");
    assert_eq!(e.position.map(|p| p.0), Some(4), "{e}");
    assert!(e.message.contains("missing.pub"), "{e}");
}

#[test]
fn bad_artifact_signatures_value() {
    let e = err(&signed_policy("").replace("\"required\"", "\"always\""));
    assert!(
        e.message.contains("always") && e.message.contains("optional"),
        "{e}"
    );
}

#[test]
fn empty_policy_parses_but_configures_no_gates() {
    let policy = parse_text("environment = \"testnet\"\n").unwrap();
    assert!(policy.gates.configured().is_empty());
}

fn waiver_text(gate: &str, code: Option<&str>, id: Option<&str>) -> String {
    let mut text = format!("[[waivers]]\ngate = \"{gate}\"\n");
    if let Some(code) = code {
        text.push_str(&format!("code = \"{code}\"\n"));
    }
    if let Some(id) = id {
        text.push_str(&format!("id = \"{id}\"\n"));
    }
    text + "reason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n"
}

/// Issue 10: a waiver names exactly one code; integrity codes are refused by name and line.
#[test]
fn waivers_need_a_waivable_code_and_its_subject() {
    let e = err(&signed_policy(&waiver_text(
        "signatures",
        None,
        Some("app.tar.gz"),
    )));
    assert!(e.message.contains("needs `code`"), "{e}");
    assert_eq!(e.position.map(|p| p.0), Some(7), "{e}");
    let e = err(&signed_policy(&waiver_text(
        "signatures",
        Some("sig.digest-mismatch"),
        Some("app.tar.gz"),
    )));
    assert!(
        e.message
            .contains("`sig.digest-mismatch` can never be waived (integrity)"),
        "{e}"
    );
    assert_eq!(e.position.map(|p| p.0), Some(9), "{e}");
    assert!(e.hint.unwrap().contains("sig.signature-missing"));
    let e = err(&signed_policy(&waiver_text(
        "signatures",
        Some("sig.signature-missing"),
        None,
    )));
    assert!(e.message.contains("needs `id`"), "{e}");
    let e = err(&signed_policy(&waiver_text(
        "signatures",
        Some("sig.no-such-code"),
        Some("a"),
    )));
    assert!(e.message.contains("unknown finding code"), "{e}");
}

#[test]
fn max_waiver_days_is_checked_against_the_clock() {
    use time::macros::datetime;
    let text = |extra: &str| {
        format!(
            "{extra}{}",
            signed_policy(&waiver_text(
                "signatures",
                Some("sig.signature-missing"),
                Some("a.tgz")
            ))
        )
    };
    // Expires 2026-12-31 (void from 2027-01-01): 91 days after 2026-10-02.
    let policy = parse_text(&text("")).unwrap();
    assert!(check_waiver_horizon(&policy, datetime!(2026-10-03 0:00 UTC)).is_ok());
    let e = check_waiver_horizon(&policy, datetime!(2026-10-01 0:00 UTC)).unwrap_err();
    assert!(
        e.message.contains("more than max_waiver_days = 90 days"),
        "{e}"
    );
    assert_eq!(e.position.map(|p| p.0), Some(7), "{e}");
    assert!(e.hint.unwrap().contains("max_waiver_days"));
    let policy = parse_text(&text("max_waiver_days = 365\n")).unwrap();
    assert_eq!(policy.max_waiver_days, 365);
    assert!(check_waiver_horizon(&policy, datetime!(2026-10-01 0:00 UTC)).is_ok());
    let e = err(&text("max_waiver_days = 0\n"));
    assert!(e.message.contains("from 1 to 3650"), "{e}");
}

#[test]
fn demo_table_is_for_regtest_only_and_needs_its_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("demo.key"), "not checked here").unwrap();
    let policy = |env: &str, key: &str| {
        super::parse(
            &dir.path().join("p.toml"),
            &format!("environment = \"{env}\"\n[demo]\nverdict_key = \"{key}\"\n"),
        )
    };
    assert!(policy("regtest", "demo.key").unwrap().demo.is_some());
    let e = policy("mainnet", "demo.key").unwrap_err().to_string();
    assert!(e.contains("must not carry it"), "{e}");
    let e = policy("regtest", "missing.key").unwrap_err().to_string();
    assert!(e.contains("no key file"), "{e}");
}

fn witness_policy(trust: &str) -> String {
    format!("environment = \"mainnet\"\n[trust]\n{trust}\n")
}

#[test]
fn witnesses_and_their_minimum() {
    let none = parse_text(&witness_policy("")).unwrap();
    assert!(!none.trust.witnesses.demanded());
    let one = parse_text(&witness_policy(&format!(
        "witnesses = [{{ name = \"auditor-1\", key = \"{PK}\" }}]"
    )))
    .unwrap();
    assert_eq!(one.trust.witnesses.min, 1, "one witness listed: 1 demanded");
    assert_eq!(one.trust.witnesses.keys[0].name, "auditor-1");
    let two = parse_text(&witness_policy(&format!(
        "witnesses = [{{ name = \"a\", key = \"{PK}\" }}, {{ name = \"b\", key = \"{PK}\" }}]\nmin_witnesses = 2"
    )))
    .unwrap();
    assert_eq!(two.trust.witnesses.min, 2);
}

#[test]
fn bad_witnesses_name_the_line_and_the_problem() {
    let too_many = err(&witness_policy(&format!(
        "witnesses = [{{ name = \"a\", key = \"{PK}\" }}]\nmin_witnesses = 2"
    )));
    assert_eq!(too_many.position.map(|p| p.0), Some(4), "{too_many}");
    assert!(too_many.message.contains("only 1 witness"), "{too_many}");
    let none_named = err(&witness_policy("min_witnesses = 1"));
    assert!(
        none_named.message.contains("no witness is named"),
        "{none_named}"
    );
    let negative = err(&witness_policy(&format!(
        "witnesses = [{{ name = \"a\", key = \"{PK}\" }}]\nmin_witnesses = -1"
    )));
    assert!(negative.message.contains("whole number"), "{negative}");
    let bad_name = err(&witness_policy(&format!(
        "witnesses = [{{ name = \"a b\", key = \"{PK}\" }}]"
    )));
    assert_eq!(bad_name.position.map(|p| p.0), Some(3), "{bad_name}");
    assert!(
        bad_name.message.contains("not a note key name"),
        "{bad_name}"
    );
    let bad_key = err(&witness_policy(
        "witnesses = [{ name = \"a\", key = \"missing.pub\" }]",
    ));
    assert!(bad_key.message.contains("missing.pub"), "{bad_key}");
    let unknown = err(&witness_policy(&format!(
        "witnesses = [{{ name = \"a\", key = \"{PK}\", url = \"x\" }}]"
    )));
    assert!(unknown.message.contains("url"), "{unknown}");
}
