//! Unsafe code per dependency: every package of the release build that is not a workspace
//! member, scanned from the sources cargo metadata points at (the registry's extracted
//! crates, git checkouts, path dependencies). A count for the evidence, not a review.

use super::scan::scan;
use super::walk::rust_files;
use crate::bounded::{caps, read_capped};
use crate::release_build::ReleaseBuild;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One dependency's unsafe code.
#[derive(Debug, Serialize)]
pub struct DependencyCount {
    pub name: String,
    pub version: String,
    /// `registry+https://...`, `git+...`, or `path` for a local package.
    pub source: String,
    pub files: u64,
    /// Sites per kind (`block`, `fn`, ...); kinds with none are left out.
    pub unsafe_sites: BTreeMap<&'static str, u64>,
    pub total: u64,
    /// Crate roots declaring `#![forbid(unsafe_code)]`.
    pub forbids_unsafe: bool,
    /// Files the parser could not read, with why (their unsafe code is not counted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unparsed: Vec<String>,
}

impl DependencyCount {
    pub fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// Count unsafe code in every non-member package of `build`, sorted by name and version.
pub fn count(build: &ReleaseBuild) -> Vec<DependencyCount> {
    let metadata = &build.metadata;
    let members: BTreeSet<_> = metadata.workspace_members.iter().collect();
    let target_dir = metadata.target_directory.as_std_path();
    let mut counts: Vec<DependencyCount> = build
        .members
        .par_iter()
        .map(|member| build.package(member))
        .filter(|package| !members.contains(&package.id))
        .map(|package| {
            let roots: BTreeSet<_> = package
                .targets
                .iter()
                .map(|t| t.src_path.as_std_path().to_path_buf())
                .collect();
            let mut count = DependencyCount {
                name: package.name.to_string(),
                version: package.version.to_string(),
                source: package
                    .source
                    .as_ref()
                    .map(|s| s.repr.clone())
                    .unwrap_or_else(|| "path".to_owned()),
                files: 0,
                unsafe_sites: BTreeMap::new(),
                total: 0,
                forbids_unsafe: false,
                unparsed: Vec::new(),
            };
            let Some(dir) = package.manifest_path.parent() else {
                return count;
            };
            let files = match rust_files(dir.as_std_path(), target_dir) {
                Ok(files) => files,
                Err(e) => {
                    count.unparsed.push(e);
                    return count;
                }
            };
            for file in files {
                count.files += 1;
                let shown = file
                    .strip_prefix(dir.as_std_path())
                    .unwrap_or(&file)
                    .display()
                    .to_string();
                let text = match read_capped(&file, caps::RUST_SOURCE) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(text) => text,
                        Err(_) => {
                            count.unparsed.push(format!("{shown}: not UTF-8"));
                            continue;
                        }
                    },
                    Err(e) => {
                        count.unparsed.push(e.describe(&file));
                        continue;
                    }
                };
                match scan(&text) {
                    Ok(found) => {
                        if found.forbids_unsafe && roots.contains(&file) {
                            count.forbids_unsafe = true;
                        }
                        for site in found.sites {
                            *count.unsafe_sites.entry(site.kind.key()).or_default() += 1;
                            count.total += 1;
                        }
                    }
                    Err(failure) => count
                        .unparsed
                        .push(format!("{shown}:{}: {}", failure.line, failure.message)),
                }
            }
            count
        })
        .collect();
    counts.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    counts
}
