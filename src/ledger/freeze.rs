//! An environment's freeze state, derived from the ledger's entries (never from format 1's
//! cached `freezes` index in the head, which anyone who can write the store can rewrite):
//! every entry is read and checked to be in its place (format 1: linked to the one before;
//! format 2: naming its own index), and each freeze/unfreeze of the environment is judged
//! by its ops signature. Fail closed: any freeze blocks, signed or not (anyone may stop a
//! release); only an unfreeze signed by a key in `[trust] ops_keys` lifts it.

use super::entry::{Entry, Kind};
use super::freeze_read::{for_each_change, signature_text};
use super::ops::{self, Standing};
use super::store::Store;
use crate::keys::TrustedKey;
use crate::report::Finding;

/// The environment is frozen.
pub const FROZEN: &str = "freeze.frozen";
/// The latest unfreeze carries no signature, so it lifted nothing.
pub const UNSIGNED_UNFREEZE: &str = "freeze.unsigned-unfreeze";
/// The latest unfreeze is signed, but not verifiably by a key in `[trust] ops_keys`.
pub const UNTRUSTED_UNFREEZE: &str = "freeze.untrusted-unfreeze";

/// A freeze in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreezeState {
    /// The ledger entry that froze the environment.
    pub seq: u64,
    /// Who froze it (the entry's `by`).
    pub frozen_by: String,
    /// When (the entry's time).
    pub since: String,
    pub reason: String,
    /// How the freeze was signed, for the message (it blocks either way).
    pub signed: String,
    /// The latest unfreeze after it that did not count, and why.
    pub unlift_refused: Option<Refused>,
}

/// An unfreeze that lifted nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub seq: u64,
    /// [`UNSIGNED_UNFREEZE`] or [`UNTRUSTED_UNFREEZE`].
    pub code: &'static str,
    pub by: String,
    pub why: String,
}

impl FreezeState {
    fn frozen_message(&self, environment: &str) -> String {
        format!(
            "{environment} is frozen since {} by {}: {} (ledger entry {}, {})",
            self.since, self.frozen_by, self.reason, self.seq, self.signed
        )
    }

    /// Why it is frozen, after "frozen since … by …: ": the freezer's words, the entry, how it
    /// was signed, and the latest unfreeze that did not lift it.
    pub fn why(&self) -> String {
        let mut why = format!(
            "{} (ledger entry {}, {})",
            self.reason, self.seq, self.signed
        );
        if let Some(refused) = &self.unlift_refused {
            why.push_str(&format!(
                "; the unfreeze in ledger entry {} did not lift it: {}",
                refused.seq, refused.why
            ));
        }
        why
    }

    /// The one-line reason a frozen environment blocks.
    pub fn block_reason(&self, environment: &str) -> String {
        format!(
            "{environment} is frozen since {} by {}: {}",
            self.since,
            self.frozen_by,
            self.why()
        )
    }

    /// The `freeze` report's findings: the freeze, and the unfreeze that did not lift it.
    pub fn findings(&self, environment: &str) -> Vec<Finding> {
        let unfreeze =
            format!("tollgate unfreeze --environment {environment} --reason TEXT --key OPSKEY");
        let mut findings = vec![
            Finding::error(FROZEN, self.frozen_message(environment))
                .subject(environment)
                .hint(format!(
                    "promotion resumes after `{unfreeze}` with a key in the policy's [trust] ops_keys, once the cause is resolved"
                )),
        ];
        if let Some(refused) = &self.unlift_refused {
            findings.push(
                Finding::error(
                    refused.code,
                    format!(
                        "the unfreeze of {environment} in ledger entry {} (by {}) lifted nothing: {}",
                        refused.seq, refused.by, refused.why
                    ),
                )
                .subject(environment)
                .hint(format!(
                    "only an unfreeze signed by a key in [trust] ops_keys lifts a freeze: `{unfreeze}`; find out who wrote entry {} (`tollgate audit show {}`)",
                    refused.seq, refused.seq
                )),
            );
        }
        findings
    }
}

/// The freeze state of `environment` at the end of the ledger. Format 2 reads only the
/// records after the part of the log this user's tollgate verified before (see
/// `v2::verified`), and verifies those into the checkpoint's tree.
pub fn state(
    store: &dyn Store,
    environment: &str,
    ops_keys: &[TrustedKey],
) -> Result<Option<FreezeState>, String> {
    if super::format::detect(store)? == Some(super::format::Format::V2) {
        let mut state = None;
        for entry in super::v2::verified::freeze_changes(store)? {
            if entry.environment == environment {
                let signature = signature_text(store, &entry)?;
                apply(&mut state, &entry, signature.as_deref(), ops_keys)?;
            }
        }
        return Ok(state);
    }
    let length = super::tail::read(store)?.length;
    state_through(store, environment, ops_keys, length)
}

/// The freeze state of `environment` after entries `1..=last` (what an evaluation that
/// appended entry `last + 1` read).
pub fn state_through(
    store: &dyn Store,
    environment: &str,
    ops_keys: &[TrustedKey],
    last: u64,
) -> Result<Option<FreezeState>, String> {
    let mut state: Option<FreezeState> = None;
    for_each_change(store, environment, last, |entry, signature| {
        apply(&mut state, entry, signature.as_deref(), ops_keys)
    })?;
    Ok(state)
}

/// Judge one freeze or unfreeze `entry` (with its signature text) after `state`: any freeze
/// freezes, only an unfreeze signed by one of `ops_keys` lifts it.
fn apply(
    state: &mut Option<FreezeState>,
    entry: &Entry,
    signature: Option<&str>,
    ops_keys: &[TrustedKey],
) -> Result<(), String> {
    let record = entry
        .freeze
        .as_ref()
        .ok_or_else(|| format!("entry {} has no freeze record", entry.seq))?;
    let statement = entry
        .freeze_statement()
        .ok_or_else(|| format!("entry {} has no freeze record", entry.seq))?;
    let standing = ops::standing(&statement, signature, ops_keys);
    match entry.kind {
        // A later freeze restates the freeze (its reason may add to the first).
        Kind::Freeze => {
            *state = Some(FreezeState {
                seq: entry.seq,
                frozen_by: record.by.clone(),
                since: entry.time.clone(),
                reason: record.reason.clone(),
                signed: match standing {
                    Standing::Trusted(id) => format!("signed by ops key {id}"),
                    Standing::Unsigned => "unsigned; a freeze blocks even unsigned".to_owned(),
                    Standing::Untrusted(why) => {
                        format!("not ops-signed ({why}); a freeze blocks even so")
                    }
                },
                unlift_refused: None,
            });
        }
        Kind::Unfreeze => {
            if let Some(frozen) = state.as_mut() {
                let refused = |code, why| Refused {
                    seq: entry.seq,
                    code,
                    by: record.by.clone(),
                    why,
                };
                match standing {
                    Standing::Trusted(_) => *state = None,
                    Standing::Unsigned => {
                        frozen.unlift_refused = Some(refused(
                            UNSIGNED_UNFREEZE,
                            "it is unsigned, and an unsigned unfreeze counts for nothing"
                                .to_owned(),
                        ));
                    }
                    Standing::Untrusted(why) => {
                        frozen.unlift_refused = Some(refused(UNTRUSTED_UNFREEZE, why));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::append::append;
    use crate::ledger::local::LocalStore;
    use crate::ledger::record::{self, OpsSignature};
    use crate::signing::{Signer, keygen};

    struct Fixture {
        dir: tempfile::TempDir,
        store: LocalStore,
        ops: Signer,
        ops_pub: TrustedKey,
        other: Signer,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let ops_keys = keygen(&dir.path().join("ops"), None).unwrap();
        let other_keys = keygen(&dir.path().join("other"), None).unwrap();
        let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
        // The judging is the same in both formats; format 1 reads no cache (format 2's
        // freeze lookup and its cache: ledger::v2::verified_tests).
        crate::ledger::create::init(&store, crate::ledger::format::Format::V1, None).unwrap();
        Fixture {
            ops: Signer::load(&ops_keys.secret, None).unwrap(),
            ops_pub: TrustedKey::resolve(ops_keys.public.to_str().unwrap(), dir.path()).unwrap(),
            other: Signer::load(&other_keys.secret, None).unwrap(),
            store,
            dir,
        }
    }

    impl Fixture {
        fn add(&self, kind: Kind, environment: &str, signer: Option<&Signer>) -> u64 {
            let n = crate::ledger::tail::read(&self.store).unwrap().length + 1;
            let time = format!("2026-12-01T00:00:{n:02}Z");
            let statement = record::freeze_statement(kind, environment, "why", "who", &time);
            let signature = signer.map(|s| OpsSignature {
                minisig: ops::sign(&statement, s).unwrap(),
                public_key: s.public_key_base64(),
            });
            append(
                &self.store,
                record::freeze_entry(&statement, signature),
                None,
            )
            .unwrap()
            .seq
        }

        fn state(&self, environment: &str) -> Option<FreezeState> {
            state(
                &self.store,
                environment,
                std::slice::from_ref(&self.ops_pub),
            )
            .unwrap()
        }
    }

    #[test]
    fn only_an_ops_signed_unfreeze_lifts_any_freeze() {
        let f = fixture();
        assert_eq!(f.state("mainnet"), None);
        let frozen = f.add(Kind::Freeze, "mainnet", None);
        let first = f.state("mainnet").unwrap();
        assert_eq!((first.seq, first.unlift_refused), (frozen, None));
        // Another environment's unfreeze, an unsigned one, one by another key: none lifts.
        f.add(Kind::Unfreeze, "testnet", Some(&f.ops));
        let unsigned = f.add(Kind::Unfreeze, "mainnet", None);
        let refused = f.state("mainnet").unwrap().unlift_refused.unwrap();
        assert_eq!((refused.seq, refused.code), (unsigned, UNSIGNED_UNFREEZE));
        let untrusted = f.add(Kind::Unfreeze, "mainnet", Some(&f.other));
        let refused = f.state("mainnet").unwrap().unlift_refused.unwrap();
        assert_eq!((refused.seq, refused.code), (untrusted, UNTRUSTED_UNFREEZE));
        // Without ops keys nothing lifts it.
        f.add(Kind::Unfreeze, "mainnet", Some(&f.ops));
        assert!(state(&f.store, "mainnet", &[]).unwrap().is_some());
        assert_eq!(f.state("mainnet"), None);
        // What an evaluation appended after entry `frozen` read.
        let before = state_through(
            &f.store,
            "mainnet",
            std::slice::from_ref(&f.ops_pub),
            frozen,
        )
        .unwrap();
        assert_eq!(before.map(|s| s.seq), Some(frozen));
    }

    #[test]
    fn a_broken_link_is_an_error_not_a_lifted_freeze() {
        let f = fixture();
        f.add(Kind::Freeze, "mainnet", Some(&f.ops));
        f.add(Kind::Freeze, "testnet", Some(&f.ops));
        let path = f.dir.path().join("ledger/entries/000000000001.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"why\"", "\"wha\"")).unwrap();
        let e = state(&f.store, "mainnet", std::slice::from_ref(&f.ops_pub)).unwrap_err();
        assert!(e.contains("does not continue the chain"), "{e}");
    }
}
