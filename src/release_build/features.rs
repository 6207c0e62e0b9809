//! Which features the release build turns on, who turns each one on, and so which optional
//! dependencies it really compiles.
//!
//! `cargo metadata` reports features unified over the whole workspace, dev-dependencies
//! included, so a `test-utils` feature, or an optional `mock` backend, that only a
//! dev-dependency asks for shows up there as enabled. Here features are propagated again from
//! the roots over release edges only, as cargo's resolver 2 does for `cargo build --release`:
//! roots get their default features, each active dependency declaration of a reached package
//! turns on what it lists, and each enabled feature turns on what its `[features]` entry
//! lists (`feat`, `dep:x`, `x/feat`, `x?/feat`). An optional dependency is compiled only when
//! something activates it. Features are kept only where `cargo metadata` agrees.

use super::BuildPackage;
use super::graph::builds_into_release;
use cargo_metadata::{Dependency, DependencyKind, Metadata, PackageId};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Why a feature is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enabler {
    /// A root of the release build is built with its default features.
    RootDefault,
    /// A dependent's dependency declaration lists the feature (or keeps default features).
    Declaration { dependent: String },
    /// Another feature of the same package lists it.
    Feature { feature: String },
    /// A dependent's feature lists `this-package/feature`.
    DependentFeature { dependent: String, feature: String },
    /// Cargo's feature unification under resolver 1, which applies features that
    /// dev-dependencies (or other members) ask for to release builds too.
    Unified,
}

/// An edge of the release build and the dependency declarations behind it.
struct Edge<'m> {
    child: usize,
    decls: Vec<&'m Dependency>,
}

/// What the propagation found, indexed like the candidate members it was given.
pub struct Resolved {
    pub features: Vec<BTreeMap<String, Vec<Enabler>>>,
    /// Each candidate's dependencies that the release build really compiles.
    pub active_deps: Vec<Vec<usize>>,
}

struct State<'m> {
    enabled: Vec<BTreeMap<String, Vec<Enabler>>>,
    reached: Vec<bool>,
    active: Vec<HashSet<String>>,
    /// `(dependency name, feature, why)` requested by a member's enabled features.
    requests: Vec<Vec<(String, String, Enabler)>>,
    metadata: &'m Metadata,
    members: &'m [BuildPackage],
    changed: bool,
}

impl State<'_> {
    fn enable(&mut self, member: usize, feature: &str, why: Enabler) {
        let package = &self.metadata.packages[self.members[member].package];
        if !package.features.contains_key(feature) {
            return;
        }
        let list = self.enabled[member].entry(feature.to_owned()).or_default();
        if !list.contains(&why) {
            list.push(why);
            self.changed = true;
        }
    }

    fn reach(&mut self, member: usize) {
        if !self.reached[member] {
            self.reached[member] = true;
            self.changed = true;
        }
    }

    fn activate(&mut self, member: usize, dep: &str) {
        if self.active[member].insert(dep.to_owned()) {
            self.changed = true;
        }
    }

    fn request(&mut self, member: usize, dep: &str, feature: &str, why: Enabler) {
        let entry = (dep.to_owned(), feature.to_owned(), why);
        if !self.requests[member].contains(&entry) {
            self.requests[member].push(entry);
            self.changed = true;
        }
    }
}

/// Features of each candidate member, with their enablers, and the edges really compiled.
/// With `separate_dev` false (resolver 1) every feature cargo resolved is kept, those the
/// propagation cannot explain marked `Unified`.
pub fn resolve(metadata: &Metadata, members: &[BuildPackage], separate_dev: bool) -> Resolved {
    let edges = edges(metadata, members);
    let mut state = State {
        enabled: vec![BTreeMap::new(); members.len()],
        reached: vec![false; members.len()],
        active: vec![HashSet::new(); members.len()],
        requests: vec![Vec::new(); members.len()],
        metadata,
        members,
        changed: true,
    };
    for (i, member) in members.iter().enumerate() {
        if member.parent.is_none() {
            state.reached[i] = true;
            state.enable(i, "default", Enabler::RootDefault);
        }
    }
    // A fixed point: every pass only adds, and there is finitely much to add.
    while state.changed {
        state.changed = false;
        for (i, member) in members.iter().enumerate() {
            if !state.reached[i] {
                continue;
            }
            let package = &metadata.packages[member.package];
            let on: Vec<String> = state.enabled[i].keys().cloned().collect();
            for feature in on {
                for entry in package.features.get(&feature).into_iter().flatten() {
                    apply_entry(&mut state, i, &package.name, &feature, entry);
                }
            }
            for edge in &edges[i] {
                if edge.decls.is_empty() {
                    // No declaration matched (an unusual manifest): keep the edge cargo
                    // resolved rather than drop a package from the build.
                    state.reach(edge.child);
                }
                for decl in &edge.decls {
                    let name = decl.rename.as_deref().unwrap_or(&decl.name);
                    if decl.optional && !state.active[i].contains(name) {
                        continue;
                    }
                    state.reach(edge.child);
                    let by = Enabler::Declaration {
                        dependent: package.name.to_string(),
                    };
                    for feature in &decl.features {
                        state.enable(edge.child, feature, by.clone());
                    }
                    if decl.uses_default_features {
                        state.enable(edge.child, "default", by.clone());
                    }
                    let asked: Vec<(String, Enabler)> = state.requests[i]
                        .iter()
                        .filter(|(dep, _, _)| dep == name)
                        .map(|(_, feature, why)| (feature.clone(), why.clone()))
                        .collect();
                    for (feature, why) in asked {
                        state.enable(edge.child, &feature, why);
                    }
                }
            }
        }
    }
    // Keep what cargo itself resolved: the propagation above only explains it.
    let nodes = resolved_nodes(metadata);
    for (i, member) in members.iter().enumerate() {
        let id = &metadata.packages[member.package].id;
        let resolved: HashSet<&str> = nodes
            .get(id)
            .map(|n| n.features.iter().map(|f| f.as_str()).collect())
            .unwrap_or_default();
        state.enabled[i].retain(|feature, _| resolved.contains(feature.as_str()));
        if !separate_dev {
            for feature in resolved {
                state.enabled[i]
                    .entry(feature.to_owned())
                    .or_insert_with(|| vec![Enabler::Unified]);
            }
        }
    }
    let active_deps = edges
        .iter()
        .enumerate()
        .map(|(i, edges)| {
            edges
                .iter()
                .filter(|edge| state.reached[i] && edge_active(&state, i, edge))
                .map(|edge| edge.child)
                .collect()
        })
        .collect();
    Resolved {
        features: state.enabled,
        active_deps,
    }
}

fn edge_active(state: &State<'_>, member: usize, edge: &Edge<'_>) -> bool {
    edge.decls.is_empty()
        || edge.decls.iter().any(|decl| {
            !decl.optional
                || state.active[member].contains(decl.rename.as_deref().unwrap_or(&decl.name))
        })
}

/// One `[features]` entry of an enabled feature.
fn apply_entry(state: &mut State<'_>, member: usize, package: &str, feature: &str, entry: &str) {
    if let Some(dep) = entry.strip_prefix("dep:") {
        state.activate(member, dep);
    } else if let Some((dep, dep_feature)) = entry.split_once('/') {
        let why = Enabler::DependentFeature {
            dependent: package.to_owned(),
            feature: feature.to_owned(),
        };
        match dep.strip_suffix('?') {
            // `x?/feat` turns `feat` on only if something else activates `x`.
            Some(weak) => state.request(member, weak, dep_feature, why),
            None => {
                state.activate(member, dep);
                // `x/feat` also turns on the implicit feature `x` of an optional dependency.
                state.enable(
                    member,
                    dep,
                    Enabler::Feature {
                        feature: feature.to_owned(),
                    },
                );
                state.request(member, dep, dep_feature, why);
            }
        }
    } else {
        state.enable(
            member,
            entry,
            Enabler::Feature {
                feature: feature.to_owned(),
            },
        );
    }
}

/// Each member's release edges with the declarations behind them: same package, same kind,
/// and a platform condition that survived `--filter-platform`.
fn edges<'m>(metadata: &'m Metadata, members: &[BuildPackage]) -> Vec<Vec<Edge<'m>>> {
    let member_of: HashMap<&PackageId, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (&metadata.packages[m.package].id, i))
        .collect();
    let nodes = resolved_nodes(metadata);
    members
        .iter()
        .map(|member| {
            let package = &metadata.packages[member.package];
            let Some(node) = nodes.get(&package.id) else {
                return Vec::new();
            };
            node.deps
                .iter()
                .filter(|dep| builds_into_release(dep))
                .filter_map(|dep| {
                    let child = *member_of.get(&dep.pkg)?;
                    let child_name = &metadata.packages[members[child].package].name;
                    let decls = package
                        .dependencies
                        .iter()
                        .filter(|d| d.name == child_name.as_str())
                        .filter(|d| {
                            d.rename
                                .as_ref()
                                .is_none_or(|r| r.replace('-', "_") == dep.name)
                        })
                        .filter(|d| {
                            matches!(d.kind, DependencyKind::Normal | DependencyKind::Build)
                                && dep
                                    .dep_kinds
                                    .iter()
                                    .any(|k| k.kind == d.kind && k.target == d.target)
                        })
                        .collect();
                    Some(Edge { child, decls })
                })
                .collect()
        })
        .collect()
}

/// Cargo's resolved dependency graph, by package id.
fn resolved_nodes(metadata: &Metadata) -> HashMap<&PackageId, &cargo_metadata::Node> {
    metadata
        .resolve
        .iter()
        .flat_map(|r| &r.nodes)
        .map(|n| (&n.id, n))
        .collect()
}
