//! The one list of built-in gates. Every place that needs "each gate" (the policy's raw and
//! validated `[gates]` tables, building gates to run, `tollgate gates`, the plugin-name
//! reservation, replay's rules) is generated from the `built_in_gates!` line below, so a new
//! gate is one folder under src/gates/ plus one name here.
//!
//! A gate module provides: `NAME`, `SUMMARY`, `config::{Raw, validate}`, `Config`,
//! `init::section` (its table in `tollgate init`'s starter policy, when its inputs are found),
//! `build(Config) -> Box<dyn Gate>` and `replayable(stored, facts)` (can `audit replay`
//! re-run it from the ledger alone, and if not, why).

use super::{Gate, GateInfo};
use crate::keys::TrustedKey;
use crate::ledger::replay::rules::Facts;
use crate::policy::{ConfigContext, PolicyError, Trust};
use crate::report::GateReport;
use toml::Spanned;

macro_rules! built_in_gates {
    ($($gate:ident),* $(,)?) => {
        /// `[gates]` exactly as written: one optional table per built-in gate, plus the
        /// `[[gates.plugin]]` array. Unknown tables are refused by name.
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct RawGates {
            $(pub $gate: Option<Spanned<super::$gate::config::Raw>>,)*
            pub plugin: Option<Vec<Spanned<super::plugin::config::Raw>>>,
        }

        /// The configured gates; a gate whose table is absent does not run.
        #[derive(Debug, Clone, Default)]
        pub struct Gates {
            $(pub $gate: Option<super::$gate::Config>,)*
            /// `[[gates.plugin]]` tables, in policy order; each is a gate of its own name.
            pub plugins: Vec<super::plugin::Config>,
        }

        impl Gates {
            /// Validate every table of `raw`.
            pub fn validate(
                raw: RawGates,
                cx: &ConfigContext<'_>,
                trust: &Trust,
            ) -> Result<Gates, PolicyError> {
                Ok(Gates {
                    $($gate: raw
                        .$gate
                        .map(|table| super::$gate::config::validate(table, cx, trust))
                        .transpose()?,)*
                    plugins: super::plugin::config::validate_all(
                        raw.plugin.unwrap_or_default(),
                        cx,
                    )?,
                })
            }

            /// Names of the configured gates, in evaluation order.
            pub fn configured(&self) -> Vec<&'static str> {
                let mut names = Vec::new();
                $(if self.$gate.is_some() {
                    names.push(super::$gate::NAME);
                })*
                if !self.plugins.is_empty() {
                    names.push(super::plugin::NAME);
                }
                names
            }

            /// The configured gates, ready to run, in evaluation order.
            pub fn build(&self) -> Vec<Box<dyn Gate>> {
                let mut gates: Vec<Box<dyn Gate>> = Vec::new();
                $(if let Some(config) = &self.$gate {
                    gates.push(super::$gate::build(config.clone()));
                })*
                for config in &self.plugins {
                    gates.push(Box::new(super::plugin::PluginGate::new(config.clone())));
                }
                gates
            }
        }

        /// Every gate built into this version, in evaluation order, for `tollgate gates`.
        pub const BUILT_IN: &[GateInfo] = &[
            $(GateInfo { name: super::$gate::NAME, summary: super::$gate::SUMMARY },)*
            GateInfo { name: super::plugin::NAME, summary: super::plugin::SUMMARY },
        ];

        /// Names of the built-in gates (a plugin may not take one).
        pub const KNOWN_GATES: &[&str] = &[$(super::$gate::NAME,)* super::plugin::NAME];

        /// The starter-policy table of every built-in gate whose inputs `init` found, in
        /// evaluation order.
        pub fn init_sections(
            facts: &crate::init::Facts<'_>,
        ) -> Vec<(&'static str, crate::init::Section)> {
            let mut sections = Vec::new();
            $(if let Some(section) = super::$gate::init::section(facts) {
                sections.push((super::$gate::NAME, section));
            })*
            sections
        }

        /// `Ok` when `gate` can be re-run from the ledger alone, else why not.
        pub fn replayable(
            gate: &str,
            stored: Option<&GateReport>,
            facts: &Facts<'_>,
        ) -> Result<(), String> {
            $(if gate == super::$gate::NAME {
                return super::$gate::replayable(stored, facts);
            })*
            Err("it runs an external program or a live system, which no ledger can store"
                .to_owned())
        }
    };
}

built_in_gates! {
    signatures,
    real_deps,
    sbom,
    audit,
    drills,
    smoke,
    approvals,
    promotion,
    rebuild,
    health,
    git,
    unsafe_code,
    snapshots,
    config,
}

/// Keys a gate's table may name are resolved like `[trust]` keys; gates that take keys of
/// their own (approvals, snapshots, tags) use this so every key list reads the same way.
pub fn resolve_keys(
    cx: &ConfigContext<'_>,
    key: &str,
    entries: &[Spanned<String>],
) -> Result<Vec<TrustedKey>, PolicyError> {
    entries
        .iter()
        .map(|entry| {
            TrustedKey::resolve(entry.get_ref(), cx.dir()).map_err(|e| {
                cx.error(entry, format!("`{key}`: {e}")).with_hint(
                    "give a minisign public key file (relative to the policy) or an inline \"RW...\" key",
                )
            })
        })
        .collect()
}
