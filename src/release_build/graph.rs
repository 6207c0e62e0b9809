//! Which packages the release build compiles: a breadth-first walk from the roots over normal
//! and build dependency edges (dev-dependencies never reach a release binary), keeping for
//! each package the shortest chain that pulled it in. `walk` finds the candidates over every
//! such edge `cargo metadata` resolved; `prune` walks again over the edges the feature
//! propagation found really compiled (optional dependencies that only dev-dependencies
//! activate drop out).

use super::BuildPackage;
use cargo_metadata::{DependencyKind, Metadata, NodeDep, PackageId};
use std::collections::HashMap;

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

    let (members, _) = breadth_first(roots, |package| {
        let id = &metadata.packages[package].id;
        let node = nodes
            .get(id)
            .ok_or_else(|| format!("`cargo metadata` has no graph node for {id}"))?;
        node.deps
            .iter()
            .filter(|d| builds_into_release(d))
            .map(|d| lookup(&d.pkg))
            .collect()
    })?;
    Ok(members)
}

/// Walk `candidates` again from their roots over `active_deps` only; returns the members
/// that remain (re-indexed, breadth-first) and, for each, its index among the candidates.
pub fn prune(
    candidates: &[BuildPackage],
    active_deps: &[Vec<usize>],
) -> (Vec<BuildPackage>, Vec<usize>) {
    let roots = (0..candidates.len()).filter(|&i| candidates[i].parent.is_none());
    let walked: Result<_, std::convert::Infallible> =
        breadth_first(roots, |i| Ok(active_deps[i].clone()));
    let Ok((mut members, origin)) = walked;
    for member in &mut members {
        member.package = candidates[member.package].package;
    }
    (members, origin)
}

/// A breadth-first walk from `roots` over `children`, visiting each key once. Returns the
/// members (with `package` set to the key, parents on a shortest path, deduplicated sorted
/// deps) and the key of each member.
fn breadth_first<E>(
    roots: impl IntoIterator<Item = usize>,
    mut children: impl FnMut(usize) -> Result<Vec<usize>, E>,
) -> Result<(Vec<BuildPackage>, Vec<usize>), E> {
    let mut members: Vec<BuildPackage> = Vec::new();
    let mut member_of: HashMap<usize, usize> = HashMap::new();
    let mut visit = |key: usize, parent: Option<usize>, members: &mut Vec<BuildPackage>| {
        if let Some(&member) = member_of.get(&key) {
            return member;
        }
        let member = members.len();
        member_of.insert(key, member);
        members.push(BuildPackage {
            package: key,
            parent,
            deps: Vec::new(),
        });
        member
    };
    for key in roots {
        visit(key, None, &mut members);
    }
    // Members are appended in visiting order, so walking them by index is the queue.
    let mut at = 0;
    while at < members.len() {
        let mut deps = Vec::new();
        for child in children(members[at].package)? {
            deps.push(visit(child, Some(at), &mut members));
        }
        deps.sort_unstable();
        deps.dedup();
        members[at].deps = deps;
        at += 1;
    }
    let keys = members.iter().map(|m| m.package).collect();
    Ok((members, keys))
}

/// For each member, whether it is reached from a root over normal dependency edges alone;
/// the others are compiled only for build scripts (and their own dependencies).
pub fn normal_reachable(metadata: &Metadata, members: &[BuildPackage]) -> Vec<bool> {
    let nodes: HashMap<&PackageId, &cargo_metadata::Node> = metadata
        .resolve
        .iter()
        .flat_map(|r| &r.nodes)
        .map(|n| (&n.id, n))
        .collect();
    let normal_edge = |from: usize, to: usize| {
        let to_id = &metadata.packages[members[to].package].id;
        nodes
            .get(&metadata.packages[members[from].package].id)
            .into_iter()
            .flat_map(|n| &n.deps)
            .filter(|d| &d.pkg == to_id)
            .any(|d| d.dep_kinds.iter().any(|k| k.kind == DependencyKind::Normal))
    };
    let mut reached = vec![false; members.len()];
    let mut queue: Vec<usize> = (0..members.len())
        .filter(|&i| members[i].parent.is_none())
        .collect();
    for &root in &queue {
        reached[root] = true;
    }
    while let Some(at) = queue.pop() {
        for &dep in &members[at].deps {
            if !reached[dep] && normal_edge(at, dep) {
                reached[dep] = true;
                queue.push(dep);
            }
        }
    }
    reached
}
