//! `tollgate explain [CODE]`: a finding code's documentation, or the list of every code.

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::ExplainArgs;
use crate::explain;
use anyhow::anyhow;

pub fn run(args: &ExplainArgs) -> CommandResult {
    let Some(code) = &args.code else {
        let mut text = String::new();
        for doc in explain::all() {
            let meaning = doc
                .fields
                .iter()
                .find(|(name, _)| name == "meaning")
                .or(doc.fields.last())
                .map_or("", |(_, value)| value.as_str());
            text.push_str(&format!("{:<28} {meaning}\n", doc.code));
        }
        print(&text)?;
        return Ok(Exit::Success);
    };
    match explain::lookup(code).or_else(|| explain::plugin_code(code)) {
        Some(doc) => {
            print(&explain::render(&doc))?;
            Ok(Exit::Success)
        }
        None => {
            let suggestions = explain::suggestions(code);
            let hint = if suggestions.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", suggestions.join(", "))
            };
            Err(CommandError::config(anyhow!(
                "unknown finding code `{code}`{hint} (`tollgate explain` lists every documented code)"
            )))
        }
    }
}
