//! `tollgate __smoke-keeper`: the hidden supervisor the smoke gate starts each node under.

use super::{CommandResult, Exit};
use crate::cli::SmokeKeeperArgs;
use crate::smoke::KeeperArgs;
use std::time::Duration;

pub fn run(args: &SmokeKeeperArgs) -> CommandResult {
    let code = crate::smoke::keeper::run(&KeeperArgs {
        log: args.log.clone(),
        max_bytes: args.max_bytes,
        grace: Duration::from_millis(args.grace_ms),
        pass_env: args.pass_env.clone(),
        argv: args.argv.clone(),
    });
    Ok(if code == 0 {
        Exit::Success
    } else {
        Exit::Usage
    })
}
