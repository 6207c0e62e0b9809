//! Which packages the release build compiles: a breadth-first walk from the roots over normal
//! and build dependency edges (dev-dependencies never reach a release binary), keeping for
//! each package the shortest chain that pulled it in. `walk` finds the candidates over every
//! such edge `cargo metadata` resolved; `prune` walks again over the edges the feature
//! propagation found really compiled (optional dependencies that only dev-dependencies
//! activate drop out).

use super::BuildPackage;
use cargo_metadata::{DependencyKind, Metadata, NodeDep, PackageId};
use std::collections::{HashMap, VecDeque};

/// Whether an edge of the resolve graph is part of a release build.
pub fn builds_into_release(dep: &NodeDep) -> bool {
    dep.dep_kinds
        .iter()
        .any(|k| matches!(k.kind, DependencyKind::Normal | DependencyKind::Build))
}

/// Candidate members: roots first (sorted by name), then breadth-first.
pub fn walk(metadata: &Metadata) -> Result<Vec<BuildPackage>, String> {
    let resolve = metadata
        .resolve
        .as_ref()
        .ok_or("`cargo metadata` returned no dependency graph (resolve)")?;
    let index: HashMap<&PackageId, usize> = metadata
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| (&p.id, i))
        .collect();
    let nodes: HashMap<&PackageId, &cargo_metadata::Node> =
        resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let lookup = |id: &PackageId| {
        index
            .get(id)
            .copied()
            .ok_or_else(|| format!("`cargo metadata` lists {id} in the graph but not as a package"))
    };

    let mut roots: Vec<usize> = Vec::new();
    for id in &metadata.workspace_members {
        let package = lookup(id)?;
        if metadata.packages[package]
            .targets
            .iter()
            .any(|t| t.is_bin())
        {
            roots.push(package);
        }
    }
    if roots.is_empty() {
        for id in &metadata.workspace_members {
            roots.push(lookup(id)?);
        }
    }
    roots.sort_by(|a, b| metadata.packages[*a].name.cmp(&metadata.packages[*b].name));

    let mut members: Vec<BuildPackage> = Vec::new();
    let mut member_of: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    for package in roots {
        member_of.insert(package, members.len());
        queue.push_back(members.len());
        members.push(BuildPackage {
            package,
            parent: None,
            deps: Vec::new(),
        });
    }
    while let Some(at) = queue.pop_front() {
        let id = &metadata.packages[members[at].package].id;
        let node = nodes
            .get(id)
            .ok_or_else(|| format!("`cargo metadata` has no graph node for {id}"))?;
        let mut deps = Vec::new();
        for dep in node.deps.iter().filter(|d| builds_into_release(d)) {
            let package = lookup(&dep.pkg)?;
            let member = match member_of.get(&package) {
                Some(&member) => member,
                None => {
                    let member = members.len();
                    member_of.insert(package, member);
                    members.push(BuildPackage {
                        package,
                        parent: Some(at),
                        deps: Vec::new(),
                    });
                    queue.push_back(member);
                    member
                }
            };
            deps.push(member);
        }
        deps.sort_unstable();
        deps.dedup();
        members[at].deps = deps;
    }
    Ok(members)
}

/// Walk `candidates` again from their roots over `active_deps` only; returns the members
/// that remain (re-indexed, breadth-first) and, for each, its index among the candidates.
pub fn prune(
    candidates: &[BuildPackage],
    active_deps: &[Vec<usize>],
) -> (Vec<BuildPackage>, Vec<usize>) {
    let mut members: Vec<BuildPackage> = Vec::new();
    let mut origin: Vec<usize> = Vec::new();
    let mut member_of: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    for (i, candidate) in candidates.iter().enumerate() {
        if candidate.parent.is_none() {
            member_of.insert(i, members.len());
            queue.push_back(members.len());
            origin.push(i);
            members.push(BuildPackage {
                package: candidate.package,
                parent: None,
                deps: Vec::new(),
            });
        }
    }
    while let Some(at) = queue.pop_front() {
        let mut deps = Vec::new();
        for &child in &active_deps[origin[at]] {
            let member = match member_of.get(&child) {
                Some(&member) => member,
                None => {
                    let member = members.len();
                    member_of.insert(child, member);
                    origin.push(child);
                    members.push(BuildPackage {
                        package: candidates[child].package,
                        parent: Some(at),
                        deps: Vec::new(),
                    });
                    queue.push_back(member);
                    member
                }
            };
            deps.push(member);
        }
        deps.sort_unstable();
        deps.dedup();
        members[at].deps = deps;
    }
    (members, origin)
}
