//! The starter policy's text: one section per gate, each explained in comments. A gate not
//! in `ENABLED` is written commented out, so the file passes `policy check` on this build.

use super::detect::Detection;
use crate::policy::Environment;
use std::fmt::Write as _;

/// Gates `init` writes enabled. The others are still under construction in this build and
/// are written commented out; enabling one when it lands is adding its name here.
pub const ENABLED: &[&str] = &["signatures"];

/// What a section's body is built from.
pub struct Facts<'a> {
    pub found: &'a Detection,
    pub environment: Environment,
    /// `[trust] artifact_keys` entries, already relative to the policy's directory.
    pub keys: &'a [String],
}

/// One gate's table: comment lines above it, then `key = value` lines.
struct Section {
    about: Vec<String>,
    lines: Vec<String>,
}

type SectionFn = fn(&Facts<'_>) -> Option<Section>;

/// Every gate `init` knows how to configure, in policy order; `None` = nothing detected.
const SECTIONS: &[(&str, SectionFn)] = &[
    ("signatures", signatures),
    ("real_deps", real_deps),
    ("sbom", sbom),
    ("audit", audit),
];

fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<_> = items.iter().map(|i| quote(i)).collect();
    format!("[{}]", quoted.join(", "))
}

fn signatures(f: &Facts<'_>) -> Option<Section> {
    let sums = f
        .found
        .sums
        .clone()
        .unwrap_or_else(|| "SHA256SUMS".to_owned());
    let mut about = vec![match &f.found.sums {
        Some(name) => format!("Found {name} listing the release's artifacts."),
        None => "No sums file found: publish one with `sha256sum FILE... > SHA256SUMS` (until then every evaluation blocks).".to_owned(),
    }];
    let mut lines = vec![
        "required = true".to_owned(),
        format!("sums = {}", quote(&sums)),
    ];
    if f.keys.is_empty() {
        about.push("WARNING: no minisign public key was found or given, so signatures are NOT checked: only digests are. Sign SHA256SUMS (minisign -S -m SHA256SUMS), add the public key to [trust] artifact_keys, and set require_sums_signature = true and artifact_signatures = \"required\".".to_owned());
        lines.push("require_sums_signature = false".to_owned());
        lines.push("artifact_signatures = \"ignore\"".to_owned());
        return Some(Section { about, lines });
    }
    let (artifacts, signed) = (f.found.artifacts.len(), f.found.signed_artifacts);
    let every_artifact_signed = artifacts > 0 && signed == artifacts;
    let mode = if every_artifact_signed || f.environment == Environment::Mainnet {
        "required"
    } else {
        "optional"
    };
    about.push(format!(
        "{signed} of {artifacts} artifact(s) carry NAME.minisig; artifact_signatures = \"{mode}\"{}.",
        if f.environment == Environment::Mainnet { " (always required on mainnet)" } else { "" }
    ));
    lines.push(format!(
        "sums_signature = {}",
        quote(&format!("{sums}.minisig"))
    ));
    lines.push("require_sums_signature = true".to_owned());
    lines.push(format!("artifact_signatures = \"{mode}\""));
    let legacy = f.environment != Environment::Mainnet;
    lines.push(format!("allow_legacy = {legacy}"));
    Some(Section { about, lines })
}

fn real_deps(f: &Facts<'_>) -> Option<Section> {
    if !f.found.cargo_toml {
        return None;
    }
    let lock = if f.found.cargo_lock {
        "Cargo.lock found"
    } else {
        "no Cargo.lock: commit one"
    };
    Some(Section {
        about: vec![format!(
            "Found Cargo.toml ({lock}): no mock, stub, fake or dummy crates in the release build."
        )],
        lines: vec![
            "required = true".to_owned(),
            "manifest = \"Cargo.toml\"".to_owned(),
            "deny = [\"*mock*\", \"*stub*\", \"*fake*\", \"*dummy*\"]".to_owned(),
            "allow_path = false".to_owned(),
            "allow_git = false".to_owned(),
        ],
    })
}

fn sbom(f: &Facts<'_>) -> Option<Section> {
    let found = f.found.sboms.first()?;
    let spec = found
        .spec_version
        .clone()
        .unwrap_or_else(|| "1.5".to_owned());
    Some(Section {
        about: vec![format!(
            "Found the CycloneDX SBOM {} (spec {spec}).",
            found.name
        )],
        lines: vec![
            "required = true".to_owned(),
            format!("file = {}", quote(&found.name)),
            format!("spec_version = {}", quote(&spec)),
        ],
    })
}

fn audit(f: &Facts<'_>) -> Option<Section> {
    if f.found.audit_reports.is_empty() {
        return None;
    }
    let names: Vec<String> = f
        .found
        .audit_reports
        .iter()
        .map(|r| r.name.clone())
        .collect();
    let described: Vec<String> = f
        .found
        .audit_reports
        .iter()
        .map(|r| format!("{} ({})", r.name, r.tool))
        .collect();
    let threshold = match f.environment {
        Environment::Mainnet => "low",
        _ => "medium",
    };
    Some(Section {
        about: vec![format!("Found audit reports: {}.", described.join(", "))],
        lines: vec![
            "required = true".to_owned(),
            format!("reports = {}", list(&names)),
            format!("threshold = \"{threshold}\""),
            "unknown_severity = \"high\"".to_owned(),
            "max_age = \"7d\"".to_owned(),
        ],
    })
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
        writeln!(out, "# {line}").ok();
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
    for (gate, build) in SECTIONS {
        let Some(section) = build(facts) else {
            continue;
        };
        let enabled = ENABLED.contains(gate);
        writeln!(out).ok();
        for line in &section.about {
            writeln!(out, "# {line}").ok();
        }
        let prefix = if enabled {
            ""
        } else {
            writeln!(
                out,
                "# The {gate} gate is not built into this version yet: uncomment this table when `tollgate gates` lists it."
            )
            .ok();
            "# "
        };
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
