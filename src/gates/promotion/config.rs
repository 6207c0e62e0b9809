//! `[gates.promotion]`: the stages a release must have passed first (environment, stage,
//! soak), where the ledger is, and which exported ledger bundles add history.

use crate::keys::TrustedKey;
use crate::policy::{ConfigContext, Environment, PolicyError, Trust};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    /// How long the gate may run (default 15m).
    pub timeout: Option<Spanned<String>>,
    /// The stages passed first, in order.
    pub after: Spanned<Vec<Spanned<RawAfter>>>,
    /// The ledger to read: a directory (relative to the policy file) or s3://bucket/prefix;
    /// default: the ledger `evaluate` appends to (`--store`).
    pub store: Option<Spanned<String>>,
    /// Exported ledger bundles (`tollgate audit export`), relative to the policy file, for
    /// history kept in another ledger; verified with the verdict keys before use.
    pub bundles: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAfter {
    pub environment: Spanned<String>,
    pub stage: Option<Spanned<String>>,
    pub soak: Option<Spanned<String>>,
}

/// One stage the release must have passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub environment: Environment,
    /// `None`: a deploy to any stage of the environment counts.
    pub stage: Option<String>,
    /// How long it must have run there (zero when the policy sets no `soak`).
    pub soak: Duration,
}

impl After {
    /// `testnet/all`, or `testnet` without a stage.
    pub fn name(&self) -> String {
        match &self.stage {
            Some(stage) => format!("{}/{stage}", self.environment),
            None => self.environment.to_string(),
        }
    }
}

/// Where the ledger is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ledger {
    /// The ledger `evaluate` appends to.
    Evaluate,
    /// `store = "..."`: a directory (resolved against the policy file) or an s3:// URL.
    Store(String),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    pub timeout: Duration,
    pub after: Vec<After>,
    pub ledger: Ledger,
    pub bundles: Vec<PathBuf>,
    /// `[trust] verdict_keys`: only promote verdicts they signed count.
    pub verdict_keys: Vec<TrustedKey>,
    /// `[trust] ops_keys`: only deploys and rollbacks they signed count.
    pub ops_keys: Vec<TrustedKey>,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    trust: &Trust,
) -> Result<Config, PolicyError> {
    let span = raw.span();
    let raw = raw.into_inner();
    if raw.after.get_ref().is_empty() {
        return Err(cx
            .error(&raw.after, "[gates.promotion] `after` names no stage")
            .with_hint(
                "e.g. after = [{ environment = \"testnet\", stage = \"all\", soak = \"72h\" }]",
            ));
    }
    let mut after = Vec::new();
    for item in raw.after.get_ref() {
        let item = item.get_ref();
        let environment = item
            .environment
            .get_ref()
            .parse::<Environment>()
            .map_err(|e| cx.error(&item.environment, format!("`after.environment`: {e}")))?;
        let stage = match &item.stage {
            Some(stage) if !crate::ledger::rollout::is_valid_stage(stage.get_ref()) => {
                return Err(cx.error(
                    stage,
                    format!(
                        "`after.stage` {:?} is not a lower-case kebab-case name (e.g. canary, wave-10, all)",
                        stage.get_ref()
                    ),
                ));
            }
            Some(stage) => Some(stage.get_ref().clone()),
            None => None,
        };
        let soak = match &item.soak {
            Some(soak) => cx.duration("after.soak", soak)?,
            None => Duration::ZERO,
        };
        after.push(After {
            environment,
            stage,
            soak,
        });
    }
    if trust.verdict_keys.is_empty() {
        return Err(cx
            .error_at(span.clone(), "[gates.promotion] needs `[trust] verdict_keys`: only promote verdicts signed by one of them count")
            .with_hint("add verdict_keys = [\"keys/verdict.pub\"] under [trust]"));
    }
    if trust.ops_keys.is_empty() {
        return Err(cx
            .error_at(span, "[gates.promotion] needs `[trust] ops_keys`: only deploys signed by one of them count")
            .with_hint("add ops_keys = [\"keys/ops.pub\"] under [trust]"));
    }
    let ledger = match &raw.store {
        Some(store) if store.get_ref().trim().is_empty() => {
            return Err(cx.error(store, "`gates.promotion.store` is empty"));
        }
        Some(store) if crate::ledger::s3::is_s3_url(store.get_ref()) => {
            Ledger::Store(store.get_ref().clone())
        }
        Some(store) => Ledger::Store(
            cx.dir()
                .join(store.get_ref())
                .to_string_lossy()
                .into_owned(),
        ),
        None => Ledger::Evaluate,
    };
    let bundles = raw
        .bundles
        .unwrap_or_default()
        .iter()
        .map(|b| {
            if b.get_ref().trim().is_empty() {
                Err(cx.error(b, "`gates.promotion.bundles`: an empty path"))
            } else {
                Ok(cx.dir().join(b.get_ref()))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        after,
        ledger,
        bundles,
        verdict_keys: trust.verdict_keys.clone(),
        ops_keys: trust.ops_keys.clone(),
    })
}
