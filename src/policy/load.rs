//! Reading a policy file and validating it into a `Policy`, with errors that name the place.

use super::error::{PolicyError, unknown_field_hint};
use super::raw::{RawGates, RawPolicy, RawTrust, RawWaiver};
use super::waiver::{Waiver, WaiverExpiry, WaiverMatch};
use super::{Environment, Gates, Policy, Trust};
use crate::digest::sha256_hex;
use crate::keys::TrustedKey;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::{Date, OffsetDateTime, Time, format_description::well_known::Rfc3339};
use toml::Spanned;

use crate::gates::KNOWN_GATES;

const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

/// How far ahead a waiver may expire unless the policy says otherwise (`max_waiver_days`).
pub const DEFAULT_MAX_WAIVER_DAYS: u32 = 90;

/// The largest `max_waiver_days` a policy may set: a waiver is temporary (ten years is not).
const MAX_WAIVER_DAYS_LIMIT: i64 = 3650;

/// Read and validate the policy at `path`.
pub fn load(path: &Path) -> Result<Policy, PolicyError> {
    let bytes = std::fs::read(path).map_err(|e| {
        PolicyError::whole_file(path, format!("cannot read the policy: {e}"))
            .with_hint("pass an existing file with --policy (examples live in gates/)")
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|e| PolicyError::whole_file(path, format!("the policy is not UTF-8 text: {e}")))?;
    parse(path, &text)
}

/// Validate policy `text` as if read from `path` (relative paths resolve beside it).
pub fn parse(path: &Path, text: &str) -> Result<Policy, PolicyError> {
    let raw: RawPolicy = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_owned();
        let hint = unknown_field_hint(&message).or_else(|| {
            // `[gates.plugin]` where an array of tables, one per plugin, is meant.
            text.get(span.clone())
                .is_some_and(|t| t.trim_start().starts_with("[gates.plugin]"))
                .then(|| {
                    "write [[gates.plugin]] (double brackets): one table per plugin".to_owned()
                })
        });
        let mut error = PolicyError::at(path, text, span, message);
        error.hint = hint;
        error
    })?;
    ConfigContext {
        path,
        dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        text,
        environment: None,
    }
    .policy(raw)
}

/// What a gate's config validation may use: the policy's text (to point at lines) and its
/// directory (to resolve relative paths).
pub struct ConfigContext<'a> {
    path: &'a Path,
    dir: PathBuf,
    text: &'a str,
    /// The policy's `environment`, once read (gates validate after it).
    environment: Option<Environment>,
}

impl ConfigContext<'_> {
    /// An error pointing at a spanned value of the policy.
    pub fn error<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> PolicyError {
        PolicyError::at(self.path, self.text, spanned.span(), message)
    }

    /// An error pointing at a byte span of the policy.
    pub fn error_at(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> PolicyError {
        PolicyError::at(self.path, self.text, span, message)
    }

    /// The 1-based line of a byte offset range's start.
    pub fn line(&self, span: std::ops::Range<usize>) -> usize {
        super::line_col(self.text, span.start).0
    }

    /// The policy's `environment` (known whenever a gate table is validated).
    pub fn environment(&self) -> Option<Environment> {
        self.environment
    }

    /// The policy file, as given.
    pub fn path(&self) -> &Path {
        self.path
    }

    /// The directory relative paths in the policy resolve against.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn policy(&self, raw: RawPolicy) -> Result<Policy, PolicyError> {
        let environment = raw
            .environment
            .get_ref()
            .parse::<Environment>()
            .map_err(|e| self.error(&raw.environment, format!("`environment`: {e}")))?;
        let stage = match &raw.stage {
            Some(stage) if !crate::ledger::rollout::is_valid_stage(stage.get_ref()) => {
                return Err(self
                    .error(
                        stage,
                        format!(
                            "`stage` {:?} is not a lower-case kebab-case name",
                            stage.get_ref()
                        ),
                    )
                    .with_hint("e.g. stage = \"canary\", \"wave-10\" or \"all\""));
            }
            Some(stage) => Some(stage.get_ref().clone()),
            None => None,
        };
        let verdict_ttl = match &raw.verdict_ttl {
            Some(ttl) => self.duration("verdict_ttl", ttl)?,
            None => DEFAULT_TTL,
        };
        let max_waiver_days = match &raw.max_waiver_days {
            None => DEFAULT_MAX_WAIVER_DAYS,
            Some(days) => match u32::try_from(*days.get_ref()) {
                Ok(n) if n >= 1 && i64::from(n) <= MAX_WAIVER_DAYS_LIMIT => n,
                _ => {
                    return Err(self
                        .error(
                            days,
                            format!(
                                "`max_waiver_days` must be a whole number of days from 1 to {MAX_WAIVER_DAYS_LIMIT}, found {}",
                                days.get_ref()
                            ),
                        )
                        .with_hint(format!(
                            "waivers are temporary: the default is {DEFAULT_MAX_WAIVER_DAYS}"
                        )));
                }
            },
        };
        let demo = raw
            .demo
            .as_ref()
            .map(|d| super::demo::validate(d, self, environment))
            .transpose()?;
        let trust = match raw.trust {
            Some(trust) => self.trust(trust)?,
            None => Trust::default(),
        };
        let cx = ConfigContext {
            path: self.path,
            dir: self.dir.clone(),
            text: self.text,
            environment: Some(environment),
        };
        let gates = match raw.gates {
            Some(gates) => cx.gates(gates, &trust)?,
            None => Gates::default(),
        };
        let waivers = raw
            .waivers
            .unwrap_or_default()
            .iter()
            .map(|w| self.waiver(w, &gates.plugins))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            path: self.path.to_path_buf(),
            dir: self.dir.clone(),
            sha256: sha256_hex(self.text.as_bytes()),
            environment,
            stage,
            verdict_ttl,
            max_waiver_days,
            trust,
            gates,
            waivers,
            demo,
        })
    }

    /// A gate table's `timeout`: how long the gate may run before it is an error that
    /// blocks (default `gates::DEFAULT_TIMEOUT`).
    pub fn gate_timeout(&self, value: Option<&Spanned<String>>) -> Result<Duration, PolicyError> {
        match value {
            Some(value) => self.duration("timeout", value),
            None => Ok(crate::gates::DEFAULT_TIMEOUT),
        }
    }

    /// A humantime duration ("90s", "2h", "92d"), longer than zero.
    pub fn duration(&self, key: &str, value: &Spanned<String>) -> Result<Duration, PolicyError> {
        let duration = humantime::parse_duration(value.get_ref()).map_err(|e| {
            self.error(
                value,
                format!("`{key}`: invalid duration {:?}: {e}", value.get_ref()),
            )
            .with_hint("write a duration such as \"90s\", \"2h\" or \"92d\"")
        })?;
        if duration.is_zero() {
            return Err(self.error(value, format!("`{key}` must be longer than zero")));
        }
        Ok(duration)
    }

    fn keys(
        &self,
        key: &str,
        entries: Option<Vec<Spanned<String>>>,
    ) -> Result<Vec<TrustedKey>, PolicyError> {
        entries
            .unwrap_or_default()
            .iter()
            .map(|entry| {
                TrustedKey::resolve(entry.get_ref(), &self.dir).map_err(|e| {
                    self.error(entry, format!("`trust.{key}`: {e}")).with_hint(
                        "give a minisign public key file (relative to the policy) or an inline \"RW...\" key",
                    )
                })
            })
            .collect()
    }

    fn trust(&self, raw: RawTrust) -> Result<Trust, PolicyError> {
        Ok(Trust {
            artifact_keys: self.keys("artifact_keys", raw.artifact_keys)?,
            verdict_keys: self.keys("verdict_keys", raw.verdict_keys)?,
            ops_keys: self.keys("ops_keys", raw.ops_keys)?,
            tag_keys: self.ssh_keys("tag_keys", raw.tag_keys)?,
            witnesses: self.witnesses(raw.witnesses, raw.min_witnesses)?,
        })
    }

    /// `[trust] witnesses` and `min_witnesses` (default 1 when any witness is listed).
    fn witnesses(
        &self,
        entries: Option<Vec<Spanned<super::raw::RawWitness>>>,
        min: Option<Spanned<i64>>,
    ) -> Result<crate::witness::Witnesses, PolicyError> {
        let mut keys = Vec::new();
        let entries = entries.unwrap_or_default();
        let first_span = entries.first().map(|e| e.span());
        for entry in entries {
            let raw = entry.get_ref();
            let key = crate::witness::WitnessKey::new(raw.name.get_ref(), raw.key.get_ref(), &self.dir)
                .map_err(|e| {
                    self.error(&entry, format!("`trust.witnesses`: {e}")).with_hint(
                        "write { name = \"NAME\", key = \"keys/witness.pub\" }: the witness's name (its cosignature lines' key name) and its minisign public key file (relative to the policy) or inline \"RW...\" key",
                    )
                })?;
            keys.push(key);
        }
        let span = min
            .as_ref()
            .map(|m| m.span())
            .or(first_span)
            .unwrap_or(0..0);
        let count = match min {
            None => None,
            Some(min) => Some(usize::try_from(*min.get_ref()).map_err(|_| {
                self.error(
                    &min,
                    format!(
                        "`trust.min_witnesses` must be a whole number, found {}",
                        min.get_ref()
                    ),
                )
            })?),
        };
        crate::witness::Witnesses::new(keys, count).map_err(|e| {
            self.error_at(span, format!("`trust`: {e}")).with_hint("list the witnesses as [trust] witnesses = [{ name = \"...\", key = \"...\" }] and set min_witnesses to at most their number")
        })
    }

    fn ssh_keys(
        &self,
        key: &str,
        entries: Option<Vec<Spanned<String>>>,
    ) -> Result<Vec<crate::ssh_keys::SshTrustedKey>, PolicyError> {
        let mut keys = Vec::new();
        for entry in entries.unwrap_or_default() {
            keys.extend(
                crate::ssh_keys::resolve(entry.get_ref(), &self.dir).map_err(|e| {
                    self.error(&entry, format!("`trust.{key}`: {e}")).with_hint(
                        "give an OpenSSH public key file (relative to the policy), e.g. the .pub beside `ssh-keygen`'s key, or an inline \"ssh-ed25519 AAAA...\" key",
                    )
                })?,
            );
        }
        Ok(keys)
    }

    fn gates(&self, raw: RawGates, trust: &Trust) -> Result<Gates, PolicyError> {
        Gates::validate(raw, self, trust)
    }

    fn waiver(
        &self,
        raw: &Spanned<RawWaiver>,
        plugins: &[crate::gates::plugin::Config],
    ) -> Result<Waiver, PolicyError> {
        let w = raw.get_ref();
        let (line, _) = super::line_col(self.text, raw.span().start);
        let non_empty = |field: &Spanned<String>, name: &str| {
            if field.get_ref().trim().is_empty() {
                Err(self.error(field, format!("waiver `{name}` must not be empty")))
            } else {
                Ok(field.get_ref().trim().to_owned())
            }
        };
        let gate = non_empty(&w.gate, "gate")?;
        // A plugin gate reports under its own name, never as `plugin`.
        if gate == crate::gates::plugin::NAME {
            let names: Vec<&str> = plugins.iter().map(|p| p.name.as_str()).collect();
            return Err(self
                .error(
                    &w.gate,
                    "a waiver names a plugin gate by its `name`, not `plugin`",
                )
                .with_hint(if names.is_empty() {
                    "this policy has no [[gates.plugin]]".to_owned()
                } else {
                    format!("plugin gates here: {}", names.join(", "))
                }));
        }
        let is_plugin = plugins.iter().any(|p| p.name == gate);
        if !is_plugin && !KNOWN_GATES.contains(&gate.as_str()) {
            let mut all: Vec<&str> = KNOWN_GATES.to_vec();
            all.extend(plugins.iter().map(|p| p.name.as_str()));
            let mut error = self.error(&w.gate, format!("waiver names unknown gate `{gate}`"));
            if let Some(best) = super::nearest(&gate, &all) {
                error = error.with_hint(format!("did you mean `{best}`?"));
            }
            return Err(error);
        }
        let Some(code_field) = &w.code else {
            return Err(PolicyError::at(
                self.path,
                self.text,
                raw.span(),
                "a waiver needs `code`: it names exactly one finding code",
            )
            .with_hint(format!(
                "without a code it would cover every finding about its subject, integrity ones such as sig.digest-mismatch included; add code = \"...\" ({}) and id = \"...\" where the finding names a subject",
                super::waiver_rules::waivable_of(&gate)
            )));
        };
        let code = non_empty(code_field, "code")?;
        let id = w.id.as_ref().map(|i| non_empty(i, "id")).transpose()?;
        super::waiver_rules::check(&gate, &code, id.as_deref(), is_plugin).map_err(|refusal| {
            let at = match (refusal.field, &w.id) {
                (super::waiver_rules::Field::Id, Some(id)) => id.span(),
                _ => code_field.span(),
            };
            self.error_at(at, refusal.message).with_hint(refusal.hint)
        })?;
        let (expires, expiry) = self.expiry(&w.expires)?;
        Ok(Waiver {
            gate,
            matches: WaiverMatch { code, id },
            reason: non_empty(&w.reason, "reason")?,
            owner: non_empty(&w.owner, "owner")?,
            expires,
            expiry,
            line,
        })
    }

    fn expiry(&self, value: &Spanned<toml::Value>) -> Result<(String, WaiverExpiry), PolicyError> {
        let text = match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                return Err(self.error(
                    value,
                    format!(
                        "waiver `expires` must be a date, found {}",
                        other.type_str()
                    ),
                ));
            }
        };
        let void_from = parse_expiry(&text).ok_or_else(|| {
            self.error(
                value,
                format!("waiver `expires`: cannot read {text:?} as a date"),
            )
            .with_hint("write a date (2026-12-31, valid through that day UTC) or an RFC 3339 time")
        })?;
        Ok((text, WaiverExpiry { void_from }))
    }
}

/// A date is valid through the end of that day (UTC); a full timestamp is exact.
fn parse_expiry(text: &str) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(text, &format).ok()?;
    Some(date.next_day()?.with_time(Time::MIDNIGHT).assume_utc())
}
