//! The unsafe_code gate: every `.rs` file of the workspace's own packages is parsed (syn) and
//! each unsafe block, fn, impl, trait, extern block and Rust-2024-unsafe attribute is a
//! finding at its file and line, unless a policy `allow` entry exempts the file with a reason.
//! A file that does not parse blocks. Dependencies' unsafe code is counted for the evidence.

pub mod config;
mod deps;
pub mod init;
mod scan;
mod walk;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::bounded::{caps, read_capped};
use crate::release_build::ReleaseBuild;
use crate::report::{Evidence, Finding, display_path};
use config::Dependencies;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const NAME: &str = "unsafe_code";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "no unsafe block, fn, impl, trait, extern block or unsafe attribute in the workspace's own Rust sources (parsed, not grepped), except reviewed paths";

/// The per-dependency counts, written to the output directory.
const DEPENDENCIES_FILE: &str = "unsafe-dependencies.json";

pub struct UnsafeCodeGate {
    config: Config,
}

impl Gate for UnsafeCodeGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    fn timeout(&self) -> std::time::Duration {
        self.config.timeout
    }

    fn evaluate(&self, ctx: &GateContext<'_>) -> Result<GateResult, String> {
        let (_, manifest) = ctx.manifest(&self.config.manifest, NAME)?;
        let build = ctx
            .builds
            .get(&manifest, None)
            .map_err(|e| format!("cannot list the workspace's packages (cargo metadata): {e}"))?;
        let mut out = GateResult::default();
        let (files, roots) = own_files(&build)?;
        // cargo metadata ran above, on the gate's thread (its budget stops the process on
        // timeout); only the parsing moves to threads with a deep stack.
        parser_threads()?.install(|| self.scan_all(&build, &files, &roots, ctx.out, &mut out))?;
        Ok(out)
    }
}

/// Stack for each parsing thread: syn parses recursively, and deeply nested expressions in a
/// dependency's sources overflow the default 2 MiB of a thread, above all in a debug build,
/// whose dependencies are unoptimised (`cargo run`, Cargo.toml [profile.dev]). Address space
/// only: the pages a parse does not touch are never allocated.
const PARSER_STACK: usize = 64 << 20;

/// The pool the gate parses on: the workspace's files (one thread) and the dependencies'
/// (`deps::count`, all of them).
fn parser_threads() -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .stack_size(PARSER_STACK)
        .thread_name(|i| format!("unsafe_code-{i}"))
        .build()
        .map_err(|e| format!("cannot start the threads that parse Rust sources: {e}"))
}

impl UnsafeCodeGate {
    /// Scan the workspace's own files, then (unless ignored) count the dependencies' unsafe
    /// code; runs on [`parser_threads`].
    fn scan_all(
        &self,
        build: &ReleaseBuild,
        files: &[PathBuf],
        roots: &BTreeSet<PathBuf>,
        out_dir: &Path,
        out: &mut GateResult,
    ) -> Result<(), String> {
        let root = build.workspace_root.as_path();
        let mut used = vec![false; self.config.allow.len()];
        for file in files {
            self.file(file, root, roots.contains(file), &mut used, out);
        }
        out.counts
            .insert("files_scanned".to_owned(), files.len() as u64);
        for (allow, used) in self.config.allow.iter().zip(used) {
            if !used {
                out.findings.push(
                    Finding::warning(
                        "unsafe.unused-allow",
                        format!(
                            "`allow` entry {:?} matches no Rust file of the workspace",
                            allow.path
                        ),
                    )
                    .at(
                        self.config.policy.display().to_string(),
                        Some(allow.line as u64),
                    )
                    .hint(
                        "remove the entry, or fix its path (a glob relative to the workspace root)",
                    ),
                );
            }
        }
        if self.config.dependencies != Dependencies::Ignore {
            self.dependencies(build, out_dir, out)?;
        }
        Ok(())
    }

    /// Scan one of the workspace's files into findings, counts and evidence.
    fn file(
        &self,
        file: &Path,
        root: &Path,
        crate_root: bool,
        used: &mut [bool],
        out: &mut GateResult,
    ) {
        let shown = display_path(file, root);
        let allowed = self
            .config
            .allow
            .iter()
            .position(|a| a.matcher.is_match(&shown));
        if let Some(index) = allowed {
            used[index] = true;
        }
        let found = match self.read_and_scan(file, &shown, out) {
            Ok(found) => found,
            Err((line, why)) => {
                let finding = if let Some(index) = allowed {
                    Finding::warning(
                        "unsafe.unparsable",
                        format!(
                            "{shown} cannot be parsed ({why}); exempt by `allow` {:?}",
                            self.config.allow[index].path
                        ),
                    )
                } else {
                    Finding::error(
                        "unsafe.unparsable",
                        format!(
                            "{shown} cannot be parsed, so its unsafe code cannot be checked: {why}"
                        ),
                    )
                    .hint("fix the syntax (does `cargo check` build it?), or, for a file that is not part of a crate (a fixture), exempt it with `allow` and a reason")
                };
                out.findings.push(
                    finding
                        .subject(shown.clone())
                        .at(shown, line.map(|l| l as u64)),
                );
                return;
            }
        };
        if crate_root && found.forbids_unsafe {
            *out.counts
                .entry("crate_roots_forbidding_unsafe".to_owned())
                .or_default() += 1;
            out.findings.push(
                Finding::warning(
                    "unsafe.forbidden",
                    format!(
                        "{shown} declares #![forbid(unsafe_code)]: the compiler refuses unsafe code in this crate (noted, never blocks)"
                    ),
                )
                .subject(shown.clone())
                .at(shown.clone(), None),
            );
        }
        for site in found.sites {
            let key = match allowed {
                Some(_) => "unsafe_sites_allowed".to_owned(),
                None => format!("unsafe_{}", site.kind.key()),
            };
            *out.counts.entry(key).or_default() += 1;
            if allowed.is_some() {
                continue;
            }
            out.findings.push(
                Finding::error(
                    site.kind.code(),
                    format!("{} at {shown}:{}", site.what, site.line),
                )
                .subject(shown.clone())
                .at(shown.clone(), Some(site.line as u64))
                .hint("remove the unsafe code, or have it reviewed and exempt its path with `allow = [{ path = \"...\", reason = \"...\" }]` in [gates.unsafe_code]"),
            );
        }
    }

    /// Read one file (bounded, recorded as evidence) and scan it; `Err` is the line (when
    /// the parser names one) and why it cannot be checked.
    fn read_and_scan(
        &self,
        file: &Path,
        shown: &str,
        out: &mut GateResult,
    ) -> Result<scan::FileScan, (Option<usize>, String)> {
        let bytes = read_capped(file, caps::RUST_SOURCE).map_err(|e| (None, e.describe(file)))?;
        out.evidence.push(Evidence {
            path: shown.to_owned(),
            sha256: crate::digest::sha256_hex(&bytes),
            size: bytes.len() as u64,
        });
        let text =
            String::from_utf8(bytes).map_err(|_| (None, "it is not UTF-8 text".to_owned()))?;
        scan::scan(&text).map_err(|f| (Some(f.line), format!("line {}: {}", f.line, f.message)))
    }

    fn dependencies(
        &self,
        build: &ReleaseBuild,
        out_dir: &Path,
        out: &mut GateResult,
    ) -> Result<(), String> {
        let counts = deps::count(build);
        let bytes = serde_json::to_vec_pretty(&counts)
            .map_err(|e| format!("cannot encode the dependency counts: {e}"))?;
        let path = out_dir.join(DEPENDENCIES_FILE);
        crate::output::write_atomic(&path, &bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        out.evidence.push(Evidence {
            path: path.to_string_lossy().into_owned(),
            sha256: crate::digest::sha256_hex(&bytes),
            size: bytes.len() as u64,
        });
        let with_unsafe: Vec<_> = counts.iter().filter(|c| c.total > 0).collect();
        out.counts
            .insert("dependencies_scanned".to_owned(), counts.len() as u64);
        out.counts.insert(
            "dependencies_with_unsafe".to_owned(),
            with_unsafe.len() as u64,
        );
        out.counts.insert(
            "unsafe_sites_in_dependencies".to_owned(),
            counts.iter().map(|c| c.total).sum(),
        );
        if self.config.dependencies != Dependencies::Deny {
            return Ok(());
        }
        for count in with_unsafe {
            let kinds: Vec<String> = count
                .unsafe_sites
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            out.findings.push(
                Finding::error(
                    "unsafe.dependency",
                    format!(
                        "dependency {} has {} unsafe site(s): {} (per-file counts in {DEPENDENCIES_FILE})",
                        count.id(),
                        count.total,
                        kinds.join(", ")
                    ),
                )
                .subject(count.name.clone())
                .aliases(vec![count.id()])
                .hint("review the dependency and waive `unsafe.dependency` for it, or set dependencies = \"report\""),
            );
        }
        for count in counts.iter().filter(|c| !c.unparsed.is_empty()) {
            out.findings.push(
                Finding::error(
                    "unsafe.dependency-unparsable",
                    format!(
                        "dependency {}: {} file(s) cannot be parsed, so its unsafe code is not fully counted: {}",
                        count.id(),
                        count.unparsed.len(),
                        count.unparsed.first().map(String::as_str).unwrap_or_default()
                    ),
                )
                .subject(count.name.clone())
                .aliases(vec![count.id()]),
            );
        }
        Ok(())
    }
}

/// The `.rs` files of every workspace member (sorted, each once) and the members' crate roots.
fn own_files(build: &ReleaseBuild) -> Result<(Vec<PathBuf>, BTreeSet<PathBuf>), String> {
    let metadata = &build.metadata;
    let members: BTreeSet<_> = metadata.workspace_members.iter().collect();
    let target_dir = metadata.target_directory.as_std_path();
    let mut files = BTreeSet::new();
    let mut roots = BTreeSet::new();
    for package in metadata.packages.iter().filter(|p| members.contains(&p.id)) {
        if let Some(dir) = package.manifest_path.parent() {
            files.extend(walk::rust_files(dir.as_std_path(), target_dir)?);
        }
        for target in &package.targets {
            let src = target.src_path.as_std_path().to_path_buf();
            // A target may live outside its package directory (`path = "../x.rs"`).
            if src.is_file() {
                files.insert(src.clone());
            }
            roots.insert(src);
        }
    }
    Ok((files.into_iter().collect(), roots))
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(UnsafeCodeGate { config })
}

/// The gate reads the workspace's sources, which the ledger does not hold.
pub fn replayable(
    _stored: Option<&crate::report::GateReport>,
    _facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    Err(crate::ledger::replay::rules::NEEDS_CARGO_METADATA.to_owned())
}

#[cfg(test)]
mod tests;
