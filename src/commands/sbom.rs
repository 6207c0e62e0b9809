//! `tollgate sbom`: a CycloneDX 1.5 JSON SBOM of the release build, written to a file.

use super::{CommandError, CommandResult, Exit, clock, print};
use crate::cli::SbomArgs;
use crate::digest::sha256_hex;
use crate::output::write_atomic;
use crate::release_build::{BuildError, ReleaseBuild};
use anyhow::anyhow;

pub fn run(args: &SbomArgs) -> CommandResult {
    let now = clock(args.now.as_deref())?;
    if !args.manifest_path.is_file() {
        return Err(CommandError::config(anyhow!(
            "--manifest-path {}: no such file; point it at the workspace's Cargo.toml",
            args.manifest_path.display()
        )));
    }
    let build = ReleaseBuild::load(&args.manifest_path, args.target.as_deref()).map_err(|e| {
        let exit = match e {
            // The project is not in a releasable state: the same answer evaluate gives.
            BuildError::LockfileMissing { .. } | BuildError::LockfileStale { .. } => Exit::Failure,
            BuildError::Failed(_) => Exit::Usage,
        };
        CommandError {
            exit,
            error: anyhow!("cannot determine the release build: {e}"),
        }
    })?;
    let bytes =
        crate::cyclonedx::sbom_json(&build, now).map_err(|e| CommandError::config(anyhow!(e)))?;
    if args.output.as_os_str() == "-" {
        print(&String::from_utf8_lossy(&bytes))?;
        return Ok(Exit::Success);
    }
    write_atomic(&args.output, &bytes).map_err(|e| {
        CommandError::config(anyhow!("cannot write {}: {e}", args.output.display()))
    })?;
    let platform = if build.target == crate::release_build::HOST {
        "the host platform".to_owned()
    } else {
        build.target.clone()
    };
    print(&format!(
        "wrote {}: CycloneDX 1.5 JSON, {} package(s) of the release build for {platform} (sha256 {})\n",
        args.output.display(),
        build.members.len(),
        sha256_hex(&bytes)
    ))?;
    Ok(Exit::Success)
}
