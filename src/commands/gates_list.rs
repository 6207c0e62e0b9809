//! `tollgate gates [--policy FILE]`: the gates built into this version, and a policy's
//! plugin gates.

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::GatesArgs;
use crate::gates::BUILT_IN;

pub fn run(args: &GatesArgs) -> CommandResult {
    let mut text = String::new();
    for gate in BUILT_IN {
        text.push_str(&format!("{:<12} {}\n", gate.name, gate.summary));
    }
    if let Some(path) = &args.policy {
        let policy = crate::policy::load(path).map_err(CommandError::config)?;
        text.push_str(&format!("\nplugin gates in {}:\n", path.display()));
        if policy.gates.plugins.is_empty() {
            text.push_str("  (none)\n");
        }
        for plugin in &policy.gates.plugins {
            let role = if plugin.required {
                "required"
            } else {
                "advisory"
            };
            let mut command = vec![plugin.program.to_string_lossy().into_owned()];
            command.extend(plugin.args.iter().cloned());
            text.push_str(&format!(
                "  {:<18} {role:<8}  timeout {:<6} {}\n",
                plugin.name,
                humantime::format_duration(plugin.timeout).to_string(),
                command.join(" ")
            ));
        }
    }
    print(&text)?;
    Ok(Exit::Success)
}
