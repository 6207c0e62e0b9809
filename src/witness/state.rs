//! A witness's state file: for each log origin, the tree size and root hash it last
//! cosigned. Read before cosigning (the log must be consistent with it) and replaced
//! atomically after (temporary file, fsync, rename, fsync of the directory).

use crate::bounded::Cap;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SCHEMA: &str = "https://tollgate.dev/schemas/witness-state/v1";

/// The most a state file may hold (a few lines per log).
pub const CAP: Cap = Cap {
    bytes: 1 << 20,
    what: "a witness state file",
    advice: "a witness state file holds a few lines per log: check that --state names the file `audit witness` wrote",
};

/// What the witness cosigned last, per log origin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub schema: String,
    pub logs: BTreeMap<String, Seen>,
}

/// One log's last cosigned tree, and the log keys seen signing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seen {
    pub size: u64,
    /// The root hash, base64 (as the checkpoint writes it).
    pub root: String,
    /// The Ed25519 public keys (base64, sorted) whose signature made its checkpoints the
    /// log's: a new origin signed by one of them is refused unless declared a new log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_keys: Vec<String>,
}

impl Seen {
    pub fn new(size: u64, root: &[u8; 32]) -> Seen {
        Seen {
            size,
            root: base64::engine::general_purpose::STANDARD.encode(root),
            log_keys: Vec::new(),
        }
    }

    /// Add a log key (raw Ed25519), keeping the list sorted and without repeats.
    pub fn add_log_key(&mut self, key: &[u8; 32]) {
        let text = base64::engine::general_purpose::STANDARD.encode(key);
        if let Err(at) = self.log_keys.binary_search(&text) {
            self.log_keys.insert(at, text);
        }
    }

    /// Whether `key` (raw Ed25519) signed this log's checkpoints.
    pub fn signed_by(&self, key: &[u8; 32]) -> bool {
        let text = base64::engine::general_purpose::STANDARD.encode(key);
        self.log_keys.contains(&text)
    }

    /// The root hash's bytes (checked by [`State::parse`]).
    pub fn root_bytes(&self) -> Result<[u8; 32], String> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| {
                format!(
                    "root {:?} is not a base64 SHA-256 hash (32 bytes)",
                    self.root
                )
            })
    }
}

impl State {
    pub fn empty() -> State {
        State {
            schema: SCHEMA.to_owned(),
            logs: BTreeMap::new(),
        }
    }

    /// Parse and check a state file's bytes: the schema, each origin a single non-empty
    /// line, each root 32 bytes.
    pub fn parse(bytes: &[u8]) -> Result<State, String> {
        let state: State =
            serde_json::from_slice(bytes).map_err(|e| format!("not a witness state file: {e}"))?;
        if state.schema != SCHEMA {
            return Err(format!(
                "schema {:?} is not a witness state ({SCHEMA})",
                state.schema
            ));
        }
        for (origin, seen) in &state.logs {
            if origin.is_empty() || origin.contains('\n') {
                return Err(format!("log origin {origin:?} is not one non-empty line"));
            }
            seen.root_bytes()
                .map_err(|e| format!("log {origin}: {e}"))?;
            for key in &seen.log_keys {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(key)
                    .ok()
                    .filter(|b| b.len() == 32);
                if bytes.is_none() {
                    return Err(format!(
                        "log {origin}: log key {key:?} is not a base64 Ed25519 public key (32 bytes)"
                    ));
                }
            }
            if !seen.log_keys.windows(2).all(|w| w[0] < w[1]) {
                return Err(format!(
                    "log {origin}: log_keys are not sorted and distinct"
                ));
            }
        }
        Ok(state)
    }

    /// The state at `path`: `None` when there is no file yet (first use); an unreadable or
    /// malformed file is an error, never a fresh start.
    pub fn load(path: &Path) -> Result<Option<State>, String> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            _ => {}
        }
        let bytes = crate::bounded::read_capped(path, CAP)
            .map_err(|e| format!("witness state: {}", e.describe(path)))?;
        State::parse(&bytes).map(Some).map_err(|e| {
            format!(
                "witness state {}: {e}; restore it from a backup (a witness that forgets what it \
                 cosigned cannot catch a rewritten log)",
                path.display()
            )
        })
    }

    /// The bytes written: canonical JSON.
    pub fn bytes(&self) -> Vec<u8> {
        crate::verdict::canonical_json(self)
    }

    /// Replace the file at `path` atomically (temporary file, fsync, rename, directory fsync).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        crate::output::write_atomic(path, &self.bytes())
            .map_err(|e| format!("cannot write witness state {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_is_canonical() {
        let mut state = State::empty();
        let mut seen = Seen::new(7, &[3; 32]);
        seen.add_log_key(&[9; 32]);
        seen.add_log_key(&[1; 32]);
        seen.add_log_key(&[9; 32]);
        assert_eq!(seen.log_keys.len(), 2);
        assert!(seen.signed_by(&[1; 32]) && !seen.signed_by(&[2; 32]));
        state.logs.insert("tollgate.example/ledger".into(), seen);
        let bytes = state.bytes();
        assert_eq!(State::parse(&bytes).unwrap(), state);
        assert_eq!(State::parse(&bytes).unwrap().bytes(), bytes);
        assert_eq!(
            state.logs.values().next().unwrap().root_bytes().unwrap(),
            [3; 32]
        );
    }

    #[test]
    fn refuses_what_it_did_not_write() {
        assert!(State::parse(b"{}").is_err());
        assert!(State::parse(br#"{"schema":"x","logs":{}}"#).is_err());
        let bad_root =
            format!(r#"{{"schema":"{SCHEMA}","logs":{{"o":{{"size":1,"root":"AAAA"}}}}}}"#);
        assert!(State::parse(bad_root.as_bytes()).is_err());
        let extra = format!(r#"{{"schema":"{SCHEMA}","logs":{{}},"x":1}}"#);
        assert!(State::parse(extra.as_bytes()).is_err());
    }

    #[test]
    fn missing_file_is_first_use_and_save_is_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("witness.json");
        assert_eq!(State::load(&path).unwrap(), None);
        let mut state = State::empty();
        state.logs.insert("o".into(), Seen::new(0, &[0; 32]));
        state.save(&path).unwrap();
        assert_eq!(State::load(&path).unwrap(), Some(state));
        std::fs::write(&path, b"garbage").unwrap();
        assert!(State::load(&path).unwrap_err().contains("restore it"));
    }
}
