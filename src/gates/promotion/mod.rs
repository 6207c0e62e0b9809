//! The promotion gate: stage order with soak time. The release's exact artifact set must
//! have been promoted (by a verdict a `[trust] verdict_keys` key signed) and deployed (by a
//! deploy an `ops_keys` key signed) in each stage the policy lists under `after`, at least
//! `soak` before now by the ledger's clock, with no block verdict, rollback or freeze there
//! since. The ledger (and any exported bundles) is the only source; fail closed: no ledger,
//! an unreadable one or a bundle that does not verify blocks.

mod check;
pub mod config;
pub mod init;
pub mod release;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::ledger::bundle::{self, MemoryStore};
use crate::ledger::history::History;
use crate::ledger::store::Store;
use crate::ledger::{Mode, open};
use crate::report::{Evidence, Finding};
use config::Ledger;

pub const NAME: &str = "promotion";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "the same artifacts were promoted and deployed in each prior stage at least `soak` ago, and not blocked, rolled back or frozen since";

/// No ledger to read, or one that cannot be read: nothing can be shown, so it blocks.
pub const NO_LEDGER: &str = "promotion.no-ledger";
/// A bundle that does not verify with any verdict key.
pub const BAD_BUNDLE: &str = "promotion.bad-bundle";
/// The release's artifacts cannot be identified.
pub const NO_SUBJECTS: &str = "promotion.no-subjects";

pub struct PromotionGate {
    config: Config,
    /// For `audit replay`: the stored verdict's artifact digests and the last ledger entry
    /// the evaluation could have read (the one before its own).
    replay: Option<(Vec<String>, u64)>,
}

impl Gate for PromotionGate {
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
        let mut out = GateResult::default();
        let digests = match &self.replay {
            Some((digests, _)) => Ok(digests.clone()),
            None => release::digests(ctx),
        };
        let digests =
            match digests {
                Ok(digests) => digests,
                Err(why) => {
                    out.findings.push(Finding::error(NO_SUBJECTS, why).hint(
                        "the release's SHA256SUMS names the artifacts whose history is checked",
                    ));
                    return Ok(out);
                }
            };
        let Some(history) = self.history(ctx, &mut out) else {
            return Ok(out);
        };
        let revocations = match ctx.store {
            Some(store) => {
                crate::ledger::revocation::Revocations::from_store(store, &self.config.ops_keys)
                    .map_err(|e| format!("cannot read the ledger's key revocations: {e}"))?
            }
            None => crate::ledger::revocation::Revocations::none(),
        };
        let keys = check::Keys {
            verdict: &self.config.verdict_keys,
            ops: &self.config.ops_keys,
            revocations: &revocations,
        };
        let mut consulted = Vec::new();
        for after in &self.config.after {
            let outcome = check::check(after, &history, &digests, &keys, ctx.now);
            out.findings.extend(outcome.findings);
            consulted.extend(outcome.consulted);
        }
        consulted.sort_unstable();
        consulted.dedup();
        for index in consulted {
            let record = &history.records[index];
            out.evidence.push(Evidence {
                path: record.location(&history),
                sha256: record.entry_sha256.clone(),
                size: record.size,
            });
        }
        for (source, length) in history.sources.iter().zip(&history.lengths) {
            tracing::debug!(%source, length, "promotion: ledger read");
        }
        out.counts.insert(
            "ledger_entries".to_owned(),
            history.lengths.first().copied().unwrap_or(0),
        );
        out.counts.insert(
            "bundle_entries".to_owned(),
            history.lengths.iter().skip(1).sum(),
        );
        Ok(out)
    }
}

impl PromotionGate {
    /// The ledger's and the bundles' history, or `None` after a blocking finding.
    fn history(&self, ctx: &GateContext<'_>, out: &mut GateResult) -> Option<History> {
        let mut history = History::default();
        let opened: Box<dyn Store>;
        let store: &dyn Store = match (&self.config.ledger, ctx.store) {
            (Ledger::Store(value), _) => {
                match open(value, std::path::Path::new("."), Mode::Existing) {
                    Ok(store) => {
                        opened = store;
                        opened.as_ref()
                    }
                    Err(e) => {
                        out.findings.push(no_ledger(format!(
                            "the ledger `store = {value:?}` cannot be opened: {e}"
                        )));
                        return None;
                    }
                }
            }
            (Ledger::Evaluate, Some(store)) => store,
            (Ledger::Evaluate, None) => {
                out.findings.push(no_ledger(
                    "no ledger to read: evaluate was given none".to_owned(),
                ));
                return None;
            }
        };
        let upto = self.replay.as_ref().map(|(_, upto)| *upto);
        if let Err(e) = history.add(store, upto, false) {
            out.findings.push(no_ledger(format!(
                "the ledger {} cannot be read: {e}",
                store.location()
            )));
            return None;
        }
        for path in &self.config.bundles {
            match self.bundle(path) {
                Ok(store) => {
                    if let Err(e) = history.add(&store, None, true) {
                        out.findings.push(bad_bundle(path, e));
                        return None;
                    }
                }
                Err(e) => {
                    out.findings.push(bad_bundle(path, e));
                    return None;
                }
            }
        }
        Some(history)
    }

    /// A bundle that verifies with one of the verdict keys, as a read-only store.
    fn bundle(&self, path: &std::path::Path) -> Result<MemoryStore, String> {
        let mut problems = Vec::new();
        let mut verified = false;
        for key in &self.config.verdict_keys {
            match bundle::verify(path, Some(key), &self.config.ops_keys) {
                Ok(outcome) if outcome.ok() => {
                    verified = true;
                    break;
                }
                Ok(outcome) => problems.push(format!(
                    "with key {}: {}",
                    key.key_id,
                    outcome
                        .ledger
                        .breaks
                        .first()
                        .map(|b| format!("{}: {}", b.key, b.message))
                        .or_else(|| outcome
                            .problems
                            .first()
                            .map(|p| format!("{}: {}", p.member, p.message)))
                        .unwrap_or_default()
                )),
                Err(e) => return Err(e),
            }
        }
        if !verified {
            return Err(format!(
                "it does not verify with any [trust] verdict_keys key ({})",
                problems.join("; ")
            ));
        }
        bundle::as_store(path)
    }
}

fn no_ledger(message: String) -> Finding {
    Finding::error(NO_LEDGER, message).hint(
        "point evaluate --store (or `store` in [gates.promotion]) at the ledger that holds the earlier stages",
    )
}

fn bad_bundle(path: &std::path::Path, why: String) -> Finding {
    Finding::error(BAD_BUNDLE, format!("bundle {}: {why}", path.display()))
        .subject(path.display().to_string())
        .hint("export the bundle again with `tollgate audit export --all` from the ledger that holds the stage")
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn Gate> {
    Box::new(PromotionGate {
        config,
        replay: None,
    })
}

/// The gate as `audit replay` re-runs it: on the stored verdict's subjects and the ledger's
/// entries `1..=upto` (those before the evaluation's own), read through `GateContext::ledger`.
pub fn for_replay(config: Config, subjects: &[crate::report::Subject], upto: u64) -> Box<dyn Gate> {
    Box::new(PromotionGate {
        config,
        replay: Some((crate::ledger::rollout::digest_set(subjects), upto)),
    })
}

/// Whether `audit replay` can re-run this gate from the ledger alone: when it read the
/// ledger being replayed (no `store` of its own, no bundles, which the ledger does not keep)
/// and the verdict names its subjects.
pub fn replayable(
    stored: Option<&crate::report::GateReport>,
    facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    let Some(config) = &facts.policy.gates.promotion else {
        return Err("the stored policy does not configure it".to_owned());
    };
    if stored.is_none() {
        return Err("the stored verdict has no report of it".to_owned());
    }
    if !config.bundles.is_empty() {
        return Err("it read ledger bundles, which the ledger does not keep".to_owned());
    }
    if config.ledger != Ledger::Evaluate {
        return Err("it read a ledger of its own (`store`), not the one being replayed".to_owned());
    }
    if facts.verdict.subjects.is_empty() {
        return Err("the stored verdict names no subjects".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
