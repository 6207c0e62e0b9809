//! What a waiver may name: exactly one finding code of its gate that the code registry
//! (`docs/gates/*.md`, see `crate::explain`) marks waivable, with `id` exactly when that
//! code's findings name a subject; and how far ahead it may expire (`max_waiver_days`).

use super::{Policy, PolicyError};
use crate::explain::{self, CodeDoc, SubjectKind, Waivable};
use time::OffsetDateTime;

/// Which field of the waiver a refusal points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Code,
    Id,
}

/// Why a waiver's `code`/`id` pair is refused, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: Field,
    pub message: String,
    pub hint: String,
}

fn refuse(field: Field, message: String, hint: String) -> Refusal {
    Refusal {
        field,
        message,
        hint,
    }
}

/// The waivable codes of `gate`, for hints.
pub fn waivable_of(gate: &str) -> String {
    let codes: Vec<String> = explain::waivable()
        .into_iter()
        .filter(|doc| doc.gate() == gate)
        .map(|doc| doc.code)
        .collect();
    if codes.is_empty() {
        format!("no code of gate `{gate}` is waivable")
    } else {
        format!("waivable codes of `{gate}`: {}", codes.join(", "))
    }
}

/// The registry entry for `code` as a waiver of `gate` names it. A plugin gate's own codes
/// (`plugin.GATE.CODE`) are waivable unless its page documents them otherwise.
fn lookup(gate: &str, code: &str, is_plugin: bool) -> Result<CodeDoc, Refusal> {
    let documented = explain::lookup(code);
    let doc = match (documented, is_plugin) {
        (Some(doc), _) => doc,
        (None, true) => explain::plugin_code(code).ok_or_else(|| {
            refuse(
                Field::Code,
                format!("waiver code `{code}` is not a code of plugin gate `{gate}`"),
                format!("a plugin's codes read `plugin.{gate}.CODE`"),
            )
        })?,
        (None, false) => {
            let near = explain::suggestions(code);
            let hint = if near.is_empty() {
                format!("`tollgate explain` lists every code; {}", waivable_of(gate))
            } else {
                format!("did you mean {}?", near.join(", "))
            };
            return Err(refuse(
                Field::Code,
                format!("waiver names unknown finding code `{code}`"),
                hint,
            ));
        }
    };
    if doc.gate() != gate {
        return Err(refuse(
            Field::Code,
            format!(
                "waiver for gate `{gate}` names `{}`, a code of gate `{}`",
                doc.code,
                doc.gate()
            ),
            format!("set gate = \"{}\", or name a code of `{gate}`", doc.gate()),
        ));
    }
    Ok(doc)
}

/// Check a waiver's `code` and `id` against the registry.
pub fn check(gate: &str, code: &str, id: Option<&str>, is_plugin: bool) -> Result<(), Refusal> {
    let doc = lookup(gate, code, is_plugin)?;
    if let Waivable::No(reason) = doc.waivable() {
        return Err(refuse(
            Field::Code,
            format!("`{}` can never be waived ({reason})", doc.code),
            format!(
                "fix what the finding reports instead (`tollgate explain {}`); {}",
                doc.code,
                waivable_of(gate)
            ),
        ));
    }
    match (doc.subject(), id) {
        (SubjectKind::Always(what), None) => Err(refuse(
            Field::Code,
            format!(
                "waiver for `{}` needs `id`: each such finding names its subject ({what})",
                doc.code
            ),
            "add id = \"...\" with the subject the finding names, so the waiver covers that one finding and no other".to_owned(),
        )),
        (SubjectKind::Never, Some(id)) => Err(refuse(
            Field::Id,
            format!(
                "waiver id `{id}` can never match: `{}` findings name no subject",
                doc.code
            ),
            "remove `id`".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Refuse a policy with a waiver that expires more than `max_waiver_days` after `now`.
pub fn check_horizon(policy: &Policy, now: OffsetDateTime) -> Result<(), PolicyError> {
    let limit = time::Duration::days(i64::from(policy.max_waiver_days));
    for waiver in &policy.waivers {
        if waiver.expiry.void_from - now > limit {
            return Err(PolicyError {
                path: policy.path.clone(),
                position: Some((waiver.line, 1)),
                message: format!(
                    "waiver for `{}` expires {}, more than max_waiver_days = {} days after {}",
                    waiver.matches.code,
                    waiver.expires,
                    policy.max_waiver_days,
                    crate::verdict::rfc3339(now)
                ),
                hint: Some(format!(
                    "set `expires` within {} days (renew the waiver when it runs out), or raise `max_waiver_days` at the top of the policy",
                    policy.max_waiver_days
                )),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrity_codes_are_refused_naming_the_code() {
        for code in [
            "sig.digest-mismatch",
            "sig.signature-invalid",
            "sig.untrusted-key",
            "sig.path-escape",
            "sig.unlisted-file",
            "sig.listed-missing",
            "sig.special-file",
            "deps.lockfile-stale",
            "audit.lockfile-mismatch",
        ] {
            let gate = explain::lookup(code).unwrap().gate();
            let refusal = check(&gate, code, Some("x"), false).unwrap_err();
            assert_eq!(refusal.field, Field::Code);
            assert!(
                refusal.message.contains(code) && refusal.message.contains("never be waived"),
                "{refusal:?}"
            );
        }
    }

    #[test]
    fn id_is_required_exactly_when_findings_name_a_subject() {
        let missing = check("signatures", "sig.signature-missing", None, false).unwrap_err();
        assert!(missing.message.contains("needs `id`"), "{missing:?}");
        assert!(check("signatures", "sig.signature-missing", Some("a.tgz"), false).is_ok());
        assert!(
            check(
                "audit",
                "audit.vulnerability",
                Some("RUSTSEC-2020-0071"),
                false
            )
            .is_ok()
        );
        assert!(check("ci-status", "plugin.ci-status.no-check-runs", None, true).is_ok());
        let stray = check(
            "ci-status",
            "plugin.ci-status.no-check-runs",
            Some("x"),
            true,
        );
        assert_eq!(stray.unwrap_err().field, Field::Id);
        // A plugin's undocumented code: `id` optional.
        assert!(check("size", "plugin.size.too-large", None, true).is_ok());
        assert!(check("size", "plugin.size.too-large", Some("a"), true).is_ok());
    }

    #[test]
    fn unknown_and_foreign_codes_are_refused() {
        let typo = check("signatures", "sig.signature-mising", Some("a"), false).unwrap_err();
        assert!(typo.hint.contains("sig.signature-missing"), "{typo:?}");
        let foreign = check("signatures", "audit.vulnerability", Some("a"), false).unwrap_err();
        assert!(
            foreign.message.contains("a code of gate `audit`"),
            "{foreign:?}"
        );
        let other_plugin = check("size", "plugin.other.x", None, true).unwrap_err();
        assert!(
            other_plugin.message.contains("a code of gate `other`"),
            "{other_plugin:?}"
        );
    }

    /// docs/policy.md lists exactly the codes the registry marks waivable, with their gates.
    #[test]
    fn policy_doc_lists_exactly_the_waivable_codes() {
        let page = include_str!("../../docs/policy.md");
        let section = page
            .split("### Waivable codes")
            .nth(1)
            .expect("docs/policy.md has a `### Waivable codes` section");
        let mut listed: Vec<(String, String)> = section
            .lines()
            .take_while(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                let gate = cells.get(2)?.trim_matches('`');
                Some((code.to_owned(), gate.to_owned()))
            })
            .collect();
        let mut registry: Vec<(String, String)> = explain::waivable()
            .into_iter()
            .map(|doc| (doc.code.clone(), doc.gate()))
            .collect();
        listed.sort();
        registry.sort();
        assert_eq!(listed, registry, "docs/policy.md vs docs/gates/*.md");
    }

    /// Every code table row says whether the code is waivable and whether its findings name
    /// a subject (a row without them would silently be unwaivable).
    #[test]
    fn every_code_declares_waivable_and_subject() {
        for doc in explain::all() {
            let cell = |name: &str| {
                doc.fields
                    .iter()
                    .find(|(header, _)| header == name)
                    .map(|(_, cell)| cell.clone())
                    .unwrap_or_else(|| panic!("{} ({}) has no `{name}` column", doc.code, doc.page))
            };
            let waivable = cell("waivable");
            assert!(
                waivable == "yes" || waivable.starts_with("no: "),
                "{}: waivable = {waivable:?}",
                doc.code
            );
            assert!(!cell("subject").is_empty(), "{}", doc.code);
        }
    }
}
