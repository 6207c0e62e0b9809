//! The rebuild gate: build the release again from the commit alone (exported with git2 into
//! a fresh directory, cleared environment, SOURCE_DATE_EPOCH from the commit, no network
//! where the kernel allows) and require every artifact to match its rebuild bit for bit.

pub mod compare;
pub mod config;
mod export;
pub mod init;
mod sandbox;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::process::{Finished, Keep, Limits, Spawn};
use crate::report::{Evidence, Finding};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const NAME: &str = "rebuild";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str =
    "the artifacts match, bit for bit, a clean rebuild from the commit (no network, no secrets)";

/// Lines of the build log quoted in a `rebuild.failed` finding.
const TAIL_LINES: usize = 20;

pub struct RebuildGate {
    config: Config,
}

impl Gate for RebuildGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    fn timeout(&self) -> Duration {
        self.config.timeout
    }

    fn evaluate(&self, ctx: &GateContext<'_>) -> Result<GateResult, String> {
        let artifacts = self.artifacts(ctx)?;
        let work = tempfile::Builder::new()
            .prefix("tollgate-rebuild-")
            .tempdir()
            .map_err(|e| format!("cannot create the rebuild directory: {e}"))?;
        let dirs = Dirs::new(work.path())?;
        let exported = export::export_head(ctx.repo, &dirs.src)?;
        let out = ctx.out.join(NAME);
        std::fs::create_dir_all(&out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let mut result = GateResult::default();
        let network = sandbox::probe();
        let mut log = format!(
            "commit {}\nSOURCE_DATE_EPOCH={}\nnetwork: {}\n",
            exported.sha, exported.time, network.description
        );
        result
            .counts
            .insert("rebuild_network_isolated".into(), network.isolated() as u64);
        result
            .counts
            .insert("rebuild_source_files".into(), exported.files);

        let toolchain = toolchain(&dirs);
        result.evidence.push(write_evidence(
            &out.join("toolchain.txt"),
            toolchain.as_bytes(),
        )?);

        let built = self.build(&dirs, &exported, &network, &mut log);
        result
            .evidence
            .push(write_evidence(&out.join("build.log"), log.as_bytes())?);
        if let Err(finding) = built {
            result.findings.push(*finding);
            return Ok(result);
        }

        let outputs = dirs.src.join(&self.config.outputs);
        let mut matched = 0;
        for name in &artifacts {
            if self.compare(ctx, name, &outputs, &out, &mut result)? {
                matched += 1;
            }
        }
        result
            .counts
            .insert("rebuild_artifacts_matched".into(), matched);
        Ok(result)
    }
}

/// Where the rebuild happens, all inside one temporary directory.
struct Dirs {
    /// The exported commit.
    src: PathBuf,
    cargo_home: PathBuf,
    target: PathBuf,
    tmp: PathBuf,
}

impl Dirs {
    fn new(root: &Path) -> Result<Dirs, String> {
        let dirs = Dirs {
            src: root.join("src"),
            cargo_home: root.join("cargo-home"),
            target: root.join("target"),
            tmp: root.join("tmp"),
        };
        for dir in [&dirs.src, &dirs.cargo_home, &dirs.target, &dirs.tmp] {
            std::fs::create_dir(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        Ok(dirs)
    }

    /// The cargo variables every step gets: everything cargo writes stays in the rebuild
    /// directory, and the user's cargo home (its config, credentials, caches) is never read.
    fn cargo_env(&self, spawn: &mut Spawn) {
        spawn
            .toolchain()
            .env("CARGO_HOME", &self.cargo_home)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("TMPDIR", &self.tmp)
            .current_dir(&self.src);
    }
}

impl RebuildGate {
    /// The names to compare: the table's `artifacts`, else every name in the sums file.
    fn artifacts(&self, ctx: &GateContext<'_>) -> Result<Vec<String>, String> {
        if let Some(names) = &self.config.artifacts {
            return Ok(names.clone());
        }
        let sums = ctx
            .policy
            .gates
            .signatures
            .as_ref()
            .map(|s| s.sums.clone())
            .unwrap_or_else(|| PathBuf::from("SHA256SUMS"));
        let path = ctx.release.join(&sums);
        let bytes =
            crate::bounded::read_capped(&path, crate::bounded::caps::SUMS).map_err(|e| {
                format!(
                    "{}; or list `artifacts` in [gates.rebuild]",
                    e.describe(&path)
                )
            })?;
        let parsed = super::signatures::parse_sums(&String::from_utf8_lossy(&bytes));
        let mut names = Vec::new();
        for entry in parsed.entries {
            if !config::is_inside(Path::new(&entry.name)) {
                return Err(format!(
                    "{} line {}: {:?} is not a path inside the release directory",
                    path.display(),
                    entry.line,
                    entry.name
                ));
            }
            names.push(entry.name);
        }
        if names.is_empty() {
            return Err(format!(
                "{} lists no artifact: nothing to rebuild; list `artifacts` in [gates.rebuild]",
                path.display()
            ));
        }
        Ok(names)
    }

    /// Fetch locked dependencies (with network), then run the command (without, where
    /// possible). `Err` is the finding that ends the gate.
    fn build(
        &self,
        dirs: &Dirs,
        exported: &export::Exported,
        network: &sandbox::Network,
        log: &mut String,
    ) -> Result<(), Box<Finding>> {
        let limits = Limits {
            timeout: self.config.timeout,
            grace: Duration::from_secs(5),
            stdout_cap: 1 << 20,
            stderr_cap: 1 << 20,
        };
        if dirs.src.join("Cargo.lock").is_file() {
            let mut fetch = Spawn::new("cargo");
            dirs.cargo_env(&mut fetch);
            fetch.args(["fetch", "--locked"]);
            log.push_str("\n$ cargo fetch --locked\n");
            let done =
                run(fetch, &limits, log).map_err(|e| failed("cargo fetch --locked", &e, log))?;
            check(&done, "cargo fetch --locked", log, self.config.timeout)?;
        }
        let mut command = self.config.command.clone();
        // A relative program path names a file of the commit.
        if command[0].contains('/') && Path::new(&command[0]).is_relative() {
            command[0] = dirs.src.join(&command[0]).to_string_lossy().into_owned();
        }
        let mut build = network.wrap(&command);
        dirs.cargo_env(&mut build);
        build
            .env("SOURCE_DATE_EPOCH", exported.time.to_string())
            .env("CARGO_NET_OFFLINE", "true");
        let shown = self.config.command.join(" ");
        log.push_str(&format!("\n$ {shown}\n"));
        let done = run(build, &limits, log).map_err(|e| failed(&shown, &e, log))?;
        check(&done, &shown, log, self.config.timeout)
    }

    /// Compare one artifact with its rebuild; `Ok(true)` when they match.
    fn compare(
        &self,
        ctx: &GateContext<'_>,
        name: &str,
        outputs: &Path,
        out: &Path,
        result: &mut GateResult,
    ) -> Result<bool, String> {
        let released = ctx.release.join(name);
        let rebuilt = outputs.join(name);
        let outputs_name = self.config.outputs.join(name);
        if !is_regular(&rebuilt) {
            result.findings.push(
                Finding::error(
                    "rebuild.missing-output",
                    format!(
                        "the rebuild left no file {} (the command ran, but `outputs` holds no {name})",
                        outputs_name.display()
                    ),
                )
                .subject(name)
                .hint("check `outputs` and `artifacts` in [gates.rebuild] and what the build command writes"),
            );
            return Ok(false);
        }
        if !is_regular(&released) {
            result.findings.push(
                Finding::error(
                    "rebuild.missing-artifact",
                    format!("{name} is not a regular file in the release directory; nothing to compare its rebuild with"),
                )
                .subject(name)
                .at(released.to_string_lossy(), None),
            );
            return Ok(false);
        }
        let a = ctx
            .digests
            .digest(&released)
            .map_err(|e| format!("cannot read {}: {e}", released.display()))?;
        let b = crate::digest::hash_file(&rebuilt, &mut [])
            .map_err(|e| format!("cannot read {}: {e}", rebuilt.display()))?;
        if a.sha256 == b.sha256 {
            return Ok(true);
        }
        let how = compare::describe(name, &released, &rebuilt);
        let mut message = format!(
            "{name} does not match its rebuild from the commit: release sha256 {}, rebuild sha256 {}; {how}",
            a.hex(),
            b.hex()
        );
        if let Some(evidence) = diffoscope(name, &released, &rebuilt, out)? {
            message.push_str(&format!(
                "; diffoscope's summary is kept in {}",
                evidence.path
            ));
            result.evidence.push(evidence);
        }
        result.findings.push(
            Finding::error("rebuild.mismatch", message)
                .subject(name)
                .at(released.to_string_lossy(), None)
                .hint("the release was not built from this commit as committed (an uncommitted change, another toolchain, or a non-deterministic build): rebuild it from the commit, or make the build reproducible"),
        );
        Ok(false)
    }
}

fn is_regular(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// Run one step, appending its (redacted) output to the log.
fn run(spawn: Spawn, limits: &Limits, log: &mut String) -> std::io::Result<Finished> {
    let done = spawn.run(Vec::new(), limits)?;
    log.push_str(&done.stdout.text_with_marker(Keep::Head));
    log.push_str(&done.stderr.text_with_marker(Keep::Tail));
    Ok(done)
}

fn failed(step: &str, error: &std::io::Error, log: &mut String) -> Box<Finding> {
    log.push_str(&format!("cannot run `{step}`: {error}\n"));
    Box::new(
        Finding::error("rebuild.failed", format!("cannot run `{step}`: {error}"))
            .hint("install the program on the machine that evaluates, or fix `command` in [gates.rebuild]"),
    )
}

/// `Err` with the finding for a step that timed out or failed.
fn check(
    done: &Finished,
    step: &str,
    log: &mut String,
    timeout: Duration,
) -> Result<(), Box<Finding>> {
    if done.timed_out {
        log.push_str(&format!("\n`{step}` stopped: timed out\n"));
        return Err(Box::new(
            Finding::error(
                "rebuild.timeout",
                format!(
                    "`{step}` did not finish within the gate's {} and was stopped",
                    humantime::format_duration(timeout)
                ),
            )
            .hint("raise `timeout` in [gates.rebuild] if the build is known to be this slow"),
        ));
    }
    if done.status.success() {
        return Ok(());
    }
    log.push_str(&format!("\n`{step}` exited with {}\n", done.status));
    let tail: Vec<&str> = log.lines().rev().take(TAIL_LINES).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(Box::new(
        Finding::error(
            "rebuild.failed",
            format!(
                "`{step}` exited with {} in the clean rebuild; the log ends:\n{}",
                done.status,
                tail.join("\n")
            ),
        )
        .hint("the commit does not build as committed in a clean copy without network: see the build log in the evidence"),
    ))
}

/// `rustc -vV` as the rebuild sees it (in the exported tree, so its toolchain file counts).
fn toolchain(dirs: &Dirs) -> String {
    let mut rustc = Spawn::new("rustc");
    dirs.cargo_env(&mut rustc);
    rustc.arg("-vV");
    let limits = Limits {
        timeout: Duration::from_secs(60),
        grace: Duration::from_secs(1),
        stdout_cap: 64 << 10,
        stderr_cap: 16 << 10,
    };
    match rustc.run(Vec::new(), &limits) {
        Ok(done) if done.status.success() => {
            String::from_utf8_lossy(&done.stdout.bytes).into_owned()
        }
        Ok(done) => format!(
            "unavailable: `rustc -vV` exited with {}: {}\n",
            done.status,
            done.stderr.text_with_marker(Keep::Tail).trim()
        ),
        Err(e) => format!("unavailable: cannot run `rustc -vV`: {e}\n"),
    }
}

fn write_evidence(path: &Path, bytes: &[u8]) -> Result<Evidence, String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Evidence {
        path: path.to_string_lossy().into_owned(),
        sha256: crate::digest::sha256_hex(bytes),
        size: bytes.len() as u64,
    })
}

/// diffoscope's text report on the two files, when diffoscope is on PATH.
fn diffoscope(
    name: &str,
    released: &Path,
    rebuilt: &Path,
    out: &Path,
) -> Result<Option<Evidence>, String> {
    let Some(program) = on_path("diffoscope") else {
        return Ok(None);
    };
    let mut spawn = Spawn::new(program);
    spawn.args(["--text", "-"]).arg(released).arg(rebuilt);
    let limits = Limits {
        timeout: Duration::from_secs(300),
        grace: Duration::from_secs(2),
        stdout_cap: 256 << 10,
        stderr_cap: 16 << 10,
    };
    let text = match spawn.run(Vec::new(), &limits) {
        Ok(done) => done.stdout.text_with_marker(Keep::Head),
        Err(e) => format!("cannot run diffoscope: {e}\n"),
    };
    let file = out.join(format!("{}.diffoscope.txt", name.replace('/', "_")));
    write_evidence(&file, text.as_bytes()).map(Some)
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn Gate> {
    Box::new(RebuildGate { config })
}

/// Whether `audit replay` can re-run this gate from the ledger alone.
pub fn replayable(
    _stored: Option<&crate::report::GateReport>,
    _facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    Err("it rebuilds the release from the commit, which no ledger can store".to_owned())
}

#[cfg(test)]
mod tests;
