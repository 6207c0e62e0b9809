//! The starter policy's text: one section per gate whose inputs were found, each explained
//! in comments; the sections come from the gates themselves (`gates::registry`).

use super::detect::Detection;
use crate::policy::Environment;
use std::fmt::Write as _;

/// What a section's body is built from.
pub struct Facts<'a> {
    pub found: &'a Detection,
    pub environment: Environment,
    /// `[trust] artifact_keys` entries, already relative to the policy's directory.
    pub keys: &'a [String],
    /// The directory the policy will live in (paths in it are relative to this).
    pub policy_dir: &'a std::path::Path,
}

impl Facts<'_> {
    /// `path` as the policy names it: relative to the policy's directory when possible.
    pub fn relative(&self, path: &std::path::Path) -> String {
        super::relative_to(path, self.policy_dir)
    }
}

/// One gate's table: comment lines above it, then `key = value` lines. Every built-in gate
/// writes its own (its module's `init`, listed by `gates::registry`).
pub struct Section {
    pub about: Vec<String>,
    pub lines: Vec<String>,
    /// Written commented out: the gate needs what init cannot find (reviewers' keys, ledger
    /// history), so the person running init fills it in and uncomments it.
    pub template: bool,
}

pub fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

pub fn list(items: &[String]) -> String {
    let quoted: Vec<_> = items.iter().map(|i| quote(i)).collect();
    format!("[{}]", quoted.join(", "))
}

fn ttl(environment: Environment) -> &'static str {
    match environment {
        Environment::Regtest => "7d",
        Environment::Testnet => "72h",
        Environment::Mainnet => "24h",
    }
}

/// The whole policy file.
pub fn render(facts: &Facts<'_>, detected_summary: &[String]) -> String {
    let mut out = String::new();
    let env = facts.environment;
    writeln!(
        out,
        "# tollgate promotion policy for {env}, started by `tollgate init`."
    )
    .ok();
    writeln!(
        out,
        "# Check it with `tollgate policy check FILE`; the format is in docs/policy.md,"
    )
    .ok();
    writeln!(
        out,
        "# each gate's keys and finding codes in docs/gates/<gate>.md (`tollgate explain CODE`)."
    )
    .ok();
    for line in detected_summary {
        writeln!(out, "# {}", comment_safe(line)).ok();
    }
    writeln!(
        out,
        "\n# The environment this policy promotes to; its verdicts never verify for another."
    )
    .ok();
    writeln!(out, "environment = \"{env}\"").ok();
    writeln!(
        out,
        "# How long a promote verdict stays valid after evaluation."
    )
    .ok();
    writeln!(out, "verdict_ttl = \"{}\"", ttl(env)).ok();
    writeln!(out, "\n[trust]").ok();
    writeln!(
        out,
        "# minisign public keys trusted to sign artifacts and sums, relative to this file."
    )
    .ok();
    writeln!(out, "artifact_keys = {}", list(facts.keys)).ok();
    for (gate, section) in crate::gates::registry::init_sections(facts) {
        writeln!(out).ok();
        for line in &section.about {
            writeln!(out, "# {}", comment_safe(line)).ok();
        }
        let prefix = if section.template { "# " } else { "" };
        writeln!(out, "{prefix}[gates.{gate}]").ok();
        for line in &section.lines {
            writeln!(out, "{prefix}{line}").ok();
        }
    }
    out.push_str(
        "\n# Waivers accept one waivable finding code for one subject, for at most max_waiver_days\n\
         # (default 90); every field is required (docs/policy.md lists the waivable codes):\n\
         # [[waivers]]\n\
         # gate = \"signatures\"\n\
         # code = \"sig.signature-missing\"\n\
         # id = \"CHANGELOG.txt\"\n\
         # reason = \"why this is acceptable, with a ticket\"\n\
         # owner = \"release-manager@example.org\"\n\
         # expires = \"2026-12-31\"\n",
    );
    out
}

/// `text` safe inside one `#` comment line: file names in it come from the repository and
/// the release, which are untrusted, and a line break would end the comment and let the
/// rest of the name be read as policy.
fn comment_safe(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                c.escape_unicode().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_name_cannot_end_a_comment() {
        let line = super::comment_safe("Found x\n[trust]\rartifact_keys = []");
        assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
        assert!(line.contains("\\u{a}[trust]"), "{line}");
    }
}
