//! `tollgate policy check FILE`: validate a policy and summarise it.

use super::{CommandError, CommandResult, Exit, print};
use std::path::Path;
use time::OffsetDateTime;

pub fn run(file: &Path) -> CommandResult {
    let policy = crate::policy::load(file).map_err(CommandError::config)?;
    let now = OffsetDateTime::now_utc();
    crate::policy::check_waiver_horizon(&policy, now).map_err(CommandError::config)?;
    let mut text = format!(
        "ok: {} — environment {}, verdicts valid for {}\n",
        file.display(),
        policy.environment,
        humantime::format_duration(policy.verdict_ttl)
    );
    let gates = crate::gates::from_policy(&policy);
    if gates.is_empty() {
        text.push_str("warning: no gates configured: every evaluation with this policy blocks\n");
    }
    for gate in &gates {
        let role = if gate.required() {
            "required"
        } else {
            "advisory"
        };
        text.push_str(&format!("  gate {} ({role})\n", gate.name()));
    }
    if !gates.is_empty() && !gates.iter().any(|g| g.required()) {
        text.push_str("warning: only advisory gates: every evaluation with this policy blocks\n");
    }
    for key in policy
        .trust
        .artifact_keys
        .iter()
        .chain(&policy.trust.verdict_keys)
        .chain(&policy.trust.ops_keys)
    {
        text.push_str(&format!("  trusted key {} ({})\n", key.key_id, key.source));
    }
    for waiver in &policy.waivers {
        let state = if waiver.is_live(now) {
            "live"
        } else {
            "EXPIRED (void)"
        };
        let what = match &waiver.matches.id {
            Some(id) => format!("{} {id}", waiver.matches.code),
            None => waiver.matches.code.clone(),
        };
        text.push_str(&format!(
            "  waiver line {}: {} {what} — {state}, expires {}, owner {}\n",
            waiver.line, waiver.gate, waiver.expires, waiver.owner
        ));
    }
    print(&text)?;
    Ok(Exit::Success)
}
