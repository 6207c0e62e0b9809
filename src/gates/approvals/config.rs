//! `[gates.approvals]`: per change category, the roles that must approve (each with its
//! trusted keys and `min`, k of n), the review window, when a proposal goes stale, which
//! categories are frozen, and where the ledger is.

use crate::approvals::Category;
use crate::approvals::statement::is_valid_role;
use crate::keys::TrustedKey;
use crate::policy::{ConfigContext, PolicyError, Trust};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    /// How long the gate may run (default 15m); past it the gate is an error that blocks.
    pub timeout: Option<Spanned<String>>,
    /// Time that must pass between a proposal's ledger time and the decision.
    pub review_window: Spanned<String>,
    /// A proposal older than this (from its ledger time) is stale.
    pub max_age: Spanned<String>,
    /// Categories that block outright (`["protocol"]` during the mainnet phase).
    pub frozen: Option<Vec<Spanned<String>>>,
    /// The sums file listing the release's subjects, relative to --release (default: the
    /// signatures gate's `sums`, else SHA256SUMS).
    pub sums: Option<Spanned<String>>,
    /// The ledger holding proposals and approvals (a directory relative to the policy file,
    /// or s3://bucket/prefix); default: the one `evaluate --store` appends to.
    pub store: Option<Spanned<String>>,
    pub ops: Option<BTreeMap<Spanned<String>, RawRole>>,
    pub governance: Option<BTreeMap<Spanned<String>, RawRole>>,
    pub protocol: Option<BTreeMap<Spanned<String>, RawRole>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    /// Minisign public keys trusted for this role (files relative to the policy, or inline).
    pub keys: Vec<Spanned<String>>,
    /// How many distinct keys of `keys` must approve (k of n).
    pub min: Spanned<i64>,
}

/// One role that must approve a category's changes.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub keys: Vec<TrustedKey>,
    pub min: usize,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    pub timeout: Duration,
    pub review_window: Duration,
    pub max_age: Duration,
    pub frozen: Vec<Category>,
    pub sums: Option<String>,
    /// The ledger location, resolved (absolute directory or URL).
    pub store: Option<String>,
    /// Required roles per category; a category absent here (and not frozen) cannot pass.
    pub roles: BTreeMap<Category, Vec<Role>>,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    trust: &Trust,
) -> Result<Config, PolicyError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let review_window = cx.duration("review_window", &raw.review_window)?;
    let max_age = cx.duration("max_age", &raw.max_age)?;
    if max_age <= review_window {
        return Err(cx
            .error(
                &raw.max_age,
                "`gates.approvals.max_age` must be longer than `review_window`: a proposal would be stale before it could pass",
            )
            .with_hint("e.g. review_window = \"24h\", max_age = \"96h\" (72h to promote after the window)"));
    }
    let mut frozen = Vec::new();
    for value in raw.frozen.unwrap_or_default() {
        let category: Category = value
            .get_ref()
            .parse()
            .map_err(|e| cx.error(&value, format!("`gates.approvals.frozen`: {e}")))?;
        frozen.push(category);
    }
    let mut roles = BTreeMap::new();
    for (category, table) in [
        (Category::Ops, raw.ops),
        (Category::Governance, raw.governance),
        (Category::Protocol, raw.protocol),
    ] {
        if let Some(table) = table {
            let found = category_roles(category, table, cx, trust)
                .map_err(|e| e.unwrap_or_else(|message| cx.error_at(span.clone(), message)))?;
            roles.insert(category, found);
        }
    }
    if roles.is_empty() && frozen.is_empty() {
        return Err(cx
            .error_at(
                span,
                "[gates.approvals] names no category's approvers and freezes none",
            )
            .with_hint(
                "add e.g. [gates.approvals.ops.maintainers] with keys = [...] and min = 2",
            ));
    }
    let store = raw.store.as_ref().map(|value| {
        let text = value.get_ref().trim();
        if text.contains("://") {
            text.to_owned()
        } else {
            cx.dir().join(text).to_string_lossy().into_owned()
        }
    });
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        review_window,
        max_age,
        frozen,
        sums: raw.sums.map(Spanned::into_inner),
        store,
        roles,
    })
}

fn category_roles(
    category: Category,
    table: BTreeMap<Spanned<String>, RawRole>,
    cx: &ConfigContext<'_>,
    trust: &Trust,
) -> Result<Vec<Role>, Result<PolicyError, String>> {
    if table.is_empty() {
        return Err(Err(format!(
            "[gates.approvals.{category}] names no role: add [gates.approvals.{category}.ROLE] with keys and min, or list it in `frozen`"
        )));
    }
    let mut roles = Vec::new();
    for (name, role) in table {
        if !is_valid_role(name.get_ref()) {
            return Err(Ok(cx.error(
                &name,
                format!(
                    "role {:?} is not a lower-case name (letters, digits, `-`, `_`)",
                    name.get_ref()
                ),
            )));
        }
        let key = format!("gates.approvals.{category}.{}.keys", name.get_ref());
        let keys = super::super::registry::resolve_keys(cx, &key, &role.keys).map_err(Ok)?;
        if keys.is_empty() {
            return Err(Ok(
                cx.error(&name, format!("`{key}` is empty: nobody could approve"))
            ));
        }
        for (index, (entry, trusted)) in role.keys.iter().zip(&keys).enumerate() {
            if keys[..index].iter().any(|k| k.key_id == trusted.key_id) {
                return Err(Ok(cx.error(
                    entry,
                    format!(
                        "`{key}` lists key {} twice: k of n counts distinct keys",
                        trusted.key_id
                    ),
                )));
            }
            if trust
                .verdict_keys
                .iter()
                .any(|v| v.key_id == trusted.key_id)
            {
                return Err(Ok(cx
                    .error(
                        entry,
                        format!(
                            "`{key}`: key {} is also a `[trust] verdict_keys` key; an approver may not sign verdicts (separation of duties)",
                            trusted.key_id
                        ),
                    )
                    .with_hint("give the approver a key of their own")));
            }
        }
        let min = *role.min.get_ref();
        if min < 1 || min as usize > keys.len() {
            return Err(Ok(cx.error(
                &role.min,
                format!(
                    "`gates.approvals.{category}.{}.min` must be from 1 to the number of keys ({}), found {min}",
                    name.get_ref(),
                    keys.len()
                ),
            )));
        }
        roles.push(Role {
            name: name.into_inner(),
            keys,
            min: min as usize,
        });
    }
    Ok(roles)
}
