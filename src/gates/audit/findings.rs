//! Turning normalised advisories into findings: which block and which are warnings is
//! decided in `blocks`, one small function; everything else here is wording.

use super::advisory::{Advisory, Kind, Level, Rating};
use super::config::Config;
use crate::report::Finding;

/// An advisory with the reports that stated it (merged across reports).
#[derive(Debug, Clone)]
pub struct Reported {
    pub advisory: Advisory,
    pub sources: Vec<String>,
}

/// The level the policy ranks an advisory at: its own, or `unknown_severity` when it has none.
pub fn effective_level(rating: &Rating, config: &Config) -> Level {
    rating.level().unwrap_or(config.unknown_severity)
}

/// Whether an advisory blocks (before waivers): a vulnerability at or above the threshold,
/// or an informational kind the policy denies.
pub fn blocks(advisory: &Advisory, config: &Config) -> bool {
    match advisory.kind {
        Kind::Vulnerability => effective_level(&advisory.rating, config) >= config.threshold,
        kind => config.deny_kinds.contains(&kind),
    }
}

/// Merge advisories from several reports: the same advisory against the same package
/// version becomes one finding that names every report. The highest rating wins (a scored
/// statement over an unscored one, a higher level over a lower one, the first of equals);
/// aliases are united.
pub fn merge(items: Vec<(Advisory, String)>) -> Vec<Reported> {
    let mut merged: Vec<Reported> = Vec::new();
    for (advisory, source) in items {
        match merged.iter_mut().find(|r| r.advisory.same_as(&advisory)) {
            Some(existing) => {
                if !existing.sources.contains(&source) {
                    existing.sources.push(source);
                }
                let kept = &mut existing.advisory;
                if advisory.rating.level() > kept.rating.level() {
                    kept.rating = advisory.rating.clone();
                }
                if kept.title.is_none() {
                    kept.title = advisory.title.clone();
                }
                let mut aliases = kept.aliases.clone();
                aliases.extend(advisory.aliases.iter().cloned());
                aliases.push(advisory.id.clone());
                *kept = kept.clone().with_aliases(aliases);
            }
            None => merged.push(Reported {
                advisory,
                sources: vec![source],
            }),
        }
    }
    merged.sort_by(|a, b| {
        let key = |r: &Reported| {
            (
                r.advisory.kind,
                r.advisory.package.clone(),
                r.advisory.id.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    merged
}

/// The finding for one advisory.
pub fn finding(reported: &Reported, config: &Config) -> Finding {
    let advisory = &reported.advisory;
    let blocking = blocks(advisory, config);
    let title = advisory
        .title
        .as_deref()
        .map_or(String::new(), |t| format!(": {t}"));
    let what = match advisory.kind {
        Kind::Yanked => format!("{} {} is yanked", advisory.package, advisory.version),
        kind => format!(
            "{} ({}) in {} {}{title}",
            advisory.id,
            kind.as_str(),
            advisory.package,
            advisory.version
        ),
    };
    let verdict = match advisory.kind {
        Kind::Vulnerability => {
            let level = effective_level(&advisory.rating, config);
            let side = if blocking { "at or above" } else { "below" };
            format!(
                "severity {level} ({}), {side} the threshold `{}`",
                describe(&advisory.rating, config),
                config.threshold
            )
        }
        kind => {
            let rule = if blocking {
                format!("`{}` is listed in deny_kinds", kind.as_str())
            } else {
                format!(
                    "informational: blocks only if deny_kinds lists `{}`",
                    kind.as_str()
                )
            };
            match advisory.rating.level() {
                Some(level) => format!("severity {level}; {rule}"),
                None => rule,
            }
        }
    };
    let message = format!(
        "{what}; {verdict}; reported by {}",
        reported.sources.join(", ")
    );
    let base = if blocking {
        Finding::error(advisory.kind.code(), message)
    } else {
        Finding::warning(advisory.kind.code(), message)
    };
    base.subject(&advisory.id)
        .aliases(advisory.aliases.clone())
        .hint(hint(advisory))
}

fn describe(rating: &Rating, config: &Config) -> String {
    match rating {
        Rating::Cvss { vector, score, .. } => format!("CVSS base score {score:.1} from {vector}"),
        Rating::Reported { text, .. } => format!("the report's own severity {text:?}"),
        Rating::Unknown { why } => format!(
            "no score: {why}; the policy's unknown_severity `{}` applies",
            config.unknown_severity
        ),
    }
}

fn hint(advisory: &Advisory) -> String {
    let fix = match advisory.kind {
        Kind::Vulnerability | Kind::Unsound => {
            format!("upgrade {} to a patched version", advisory.package)
        }
        Kind::Unmaintained => format!("replace {} with a maintained crate", advisory.package),
        Kind::Yanked => format!(
            "update {} to a version that is not yanked",
            advisory.package
        ),
        Kind::Notice => format!("read the advisory and act on {}", advisory.package),
    };
    format!(
        "{fix}, or add a [[waivers]] entry for gate \"audit\" with code \"{}\" and id \"{}\", a reason, an owner and an expiry",
        advisory.kind.code(),
        advisory.id
    )
}
