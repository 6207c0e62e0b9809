//! `tollgate init`: write a starter policy, never over an existing file unless --force.

use super::{CommandError, CommandResult, Exit, print, print_stderr};
use crate::cli::InitArgs;
use crate::init::{Options, starter};
use anyhow::anyhow;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a release usually lands; the first that holds a sums file is used.
const RELEASE_DIRS: &[&str] = &["dist", "release"];

pub fn run(args: &InitArgs) -> CommandResult {
    let environment = args
        .environment
        .parse()
        .map_err(|e: String| CommandError::config(anyhow!(e)))?;
    if !args.repo.is_dir() {
        return Err(CommandError::config(anyhow!(
            "--repo {}: not a directory",
            args.repo.display()
        )));
    }
    let release = match &args.release {
        Some(dir) if dir.is_dir() => dir.clone(),
        Some(dir) => {
            return Err(CommandError::config(anyhow!(
                "--release {}: not a directory; point it at the folder holding the artifacts and SHA256SUMS",
                dir.display()
            )));
        }
        None => default_release(&args.repo),
    };
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.repo.join("gates").join(format!("{environment}.toml")));
    let policy_dir = if to_stdout {
        PathBuf::from(".")
    } else {
        output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let starter = starter(&Options {
        repo: &args.repo,
        release: &release,
        environment,
        policy_dir: &policy_dir,
        trust_keys: &args.trust_key,
    })
    .map_err(|e| CommandError::config(anyhow!(e)))?;
    let mut notes = starter.notes.join("\n");
    notes.push('\n');
    if to_stdout {
        print_stderr(&notes)?;
        print(&starter.text)?;
        return Ok(Exit::Success);
    }
    write_policy(&output, &starter.text, args.force)?;
    notes.push_str(&format!(
        "wrote {}; check it with: tollgate policy check {}\n",
        output.display(),
        output.display()
    ));
    print_stderr(&notes)?;
    Ok(Exit::Success)
}

fn default_release(repo: &Path) -> PathBuf {
    RELEASE_DIRS
        .iter()
        .map(|name| repo.join(name))
        .find(|dir| dir.join("SHA256SUMS").is_file())
        .unwrap_or_else(|| repo.to_path_buf())
}

fn write_policy(path: &Path, text: &str, force: bool) -> Result<(), CommandError> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            CommandError::config(anyhow!("cannot create directory {}: {e}", dir.display()))
        })?;
    }
    if force {
        return crate::output::write_atomic(path, text.as_bytes())
            .map_err(|e| CommandError::config(anyhow!("cannot write {}: {e}", path.display())));
    }
    // create_new: a policy someone already wrote is never replaced by a starter.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "it already exists (pass --force to overwrite, or -o another file)".to_owned()
            } else {
                e.to_string()
            };
            CommandError::config(anyhow!("cannot write {}: {why}", path.display()))
        })?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| CommandError::config(anyhow!("cannot write {}: {e}", path.display())))
}
