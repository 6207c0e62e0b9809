//! `tollgate gates`: the gates built into this version.

use super::{CommandResult, Exit, print};
use crate::gates::BUILT_IN;

pub fn run() -> CommandResult {
    let mut text = String::new();
    for gate in BUILT_IN {
        text.push_str(&format!("{:<12} {}\n", gate.name, gate.summary));
    }
    print(&text)?;
    Ok(Exit::Success)
}
