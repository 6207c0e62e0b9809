//! `tollgate completions SHELL` and `tollgate man`: generated from the clap definition, so
//! they always match the flags this binary accepts.

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use anyhow::{Context, anyhow};
use clap::CommandFactory;

pub fn completions(args: &CompletionsArgs) -> CommandResult {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "tollgate", &mut script);
    print(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Success)
}

pub fn man(args: &ManArgs) -> CommandResult {
    let command = Cli::command();
    match &args.out {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|e| CommandError::config(anyhow!("cannot render the man page: {e}")))?;
            print(&String::from_utf8_lossy(&page))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|_| clap_mangen::generate_to(command, dir))
                .with_context(|| format!("cannot write man pages into {}", dir.display()))
                .map_err(CommandError::config)?;
        }
    }
    Ok(Exit::Success)
}
