//! Ops-signed statements: a ledger entry that changes state (freeze and unfreeze today;
//! deploy, rollback and approval records later) counts only when a key in the policy's
//! `[trust] ops_keys` signed its statement. One trait says what a statement signs and how its
//! trusted comment reads; one function says how far a stored signature is to be trusted.

use crate::keys::{KeyId, TrustedKey};
use crate::signing::{KeyError, Signer};
use serde::Serialize;

/// A statement an ops key signs: its canonical JSON, with a trusted comment that binds the
/// action, the environment and the time (so a signature cannot be moved to another entry).
pub trait OpsStatement: Serialize + Sized {
    /// `freeze`, `unfreeze`, … (the entry kind).
    fn action(&self) -> &str;
    fn environment(&self) -> &str;
    /// The entry's time (RFC 3339), which the statement carries.
    fn time(&self) -> &str;

    /// The bytes the signature covers.
    fn signed_bytes(&self) -> Vec<u8> {
        crate::verdict::canonical_json(self)
    }

    /// The trusted comment the signature must carry.
    fn trusted_comment(&self) -> String {
        format!(
            "tollgate-{} environment:{} time:{}",
            self.action(),
            self.environment(),
            self.time()
        )
    }
}

/// Sign `statement`: the text of a `.minisig` file.
pub fn sign<S: OpsStatement>(statement: &S, signer: &Signer) -> Result<String, KeyError> {
    signer.sign(&statement.signed_bytes(), &statement.trusted_comment())
}

/// How far a statement's signature goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Signed by this key of `ops_keys`; signature and trusted comment verified.
    Trusted(KeyId),
    /// The entry carries no signature.
    Unsigned,
    /// Signed, but not verifiably by a trusted ops key; the text says why.
    Untrusted(String),
}

/// The signature's key id, or why the text is not a minisign signature.
pub fn signer_of(signature: &str) -> Result<KeyId, String> {
    KeyId::of_signature(signature)
        .map(|(_, id)| id)
        .ok_or_else(|| "its signature is not a minisign signature".to_owned())
}

/// Check `signature` (the `.minisig` text, `None` when the entry has none) over `statement`
/// against the trusted ops keys.
pub fn standing<S: OpsStatement>(
    statement: &S,
    signature: Option<&str>,
    ops_keys: &[TrustedKey],
) -> Standing {
    let Some(signature) = signature else {
        return Standing::Unsigned;
    };
    let id = match signer_of(signature) {
        Ok(id) => id,
        Err(e) => return Standing::Untrusted(e),
    };
    if ops_keys.is_empty() {
        return Standing::Untrusted(format!(
            "it is signed by key {id}, but the policy names no `[trust] ops_keys`, so no signature is trusted"
        ));
    }
    let Some(key) = ops_keys.iter().find(|k| k.key_id == id) else {
        let trusted: Vec<String> = ops_keys.iter().map(|k| k.key_id.to_string()).collect();
        return Standing::Untrusted(format!(
            "it is signed by key {id}, which is not in `[trust] ops_keys` ({})",
            trusted.join(", ")
        ));
    };
    match verify_with(statement, signature, key) {
        Ok(()) => Standing::Trusted(id),
        Err(e) => Standing::Untrusted(e),
    }
}

/// Verify `signature` over `statement` with `key`: key id, Ed25519 signatures, and the
/// trusted comment.
pub fn verify_with<S: OpsStatement>(
    statement: &S,
    signature: &str,
    key: &TrustedKey,
) -> Result<(), String> {
    let id = signer_of(signature)?;
    if id != key.key_id {
        return Err(format!(
            "its signature is by key {id}, not by key {}",
            key.key_id
        ));
    }
    let decoded = minisign_verify::Signature::decode(signature)
        .map_err(|e| format!("its signature is malformed: {e}"))?;
    key.key
        .verify(&statement.signed_bytes(), &decoded, false)
        .map_err(|_| format!("its signature does not verify with key {id}"))?;
    if decoded.trusted_comment() != statement.trusted_comment() {
        return Err(format!(
            "its signature's trusted comment {:?} does not match the entry (expected {:?})",
            decoded.trusted_comment(),
            statement.trusted_comment()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Stop {
        environment: String,
        time: String,
    }

    impl OpsStatement for Stop {
        fn action(&self) -> &str {
            "stop"
        }
        fn environment(&self) -> &str {
            &self.environment
        }
        fn time(&self) -> &str {
            &self.time
        }
    }

    fn key(dir: &std::path::Path, name: &str) -> (Signer, TrustedKey) {
        let keys = crate::signing::keygen(&dir.join(name), None).unwrap();
        let signer = Signer::load(&keys.secret, None).unwrap();
        let public = TrustedKey::resolve(keys.public.to_str().unwrap(), dir).unwrap();
        (signer, public)
    }

    fn stop(environment: &str) -> Stop {
        Stop {
            environment: environment.to_owned(),
            time: "2026-01-01T00:00:00Z".to_owned(),
        }
    }

    #[test]
    fn only_a_verifying_signature_by_a_listed_key_is_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let (ops, ops_pub) = key(dir.path(), "ops");
        let (other, other_pub) = key(dir.path(), "other");
        let statement = stop("mainnet");
        let signed = sign(&statement, &ops).unwrap();
        assert_eq!(
            standing(&statement, Some(&signed), std::slice::from_ref(&ops_pub)),
            Standing::Trusted(ops_pub.key_id)
        );
        assert_eq!(
            standing(&statement, None, std::slice::from_ref(&ops_pub)),
            Standing::Unsigned
        );
        let by_other = sign(&statement, &other).unwrap();
        let Standing::Untrusted(why) =
            standing(&statement, Some(&by_other), std::slice::from_ref(&ops_pub))
        else {
            panic!("an untrusted key was trusted");
        };
        assert!(why.contains("not in `[trust] ops_keys`"), "{why}");
        let Standing::Untrusted(why) = standing(&statement, Some(&signed), &[]) else {
            panic!("trusted without ops keys");
        };
        assert!(why.contains("names no `[trust] ops_keys`"), "{why}");
        // Moved to another environment: the signed bytes and the comment differ.
        let moved = standing(
            &stop("testnet"),
            Some(&signed),
            &[ops_pub.clone(), other_pub],
        );
        assert!(matches!(moved, Standing::Untrusted(_)), "{moved:?}");
        // Same bytes, another trusted comment: refused.
        let recommented = ops
            .sign(&statement.signed_bytes(), "tollgate-stop anything")
            .unwrap();
        let Standing::Untrusted(why) = standing(&statement, Some(&recommented), &[ops_pub]) else {
            panic!("a foreign trusted comment was accepted");
        };
        assert!(why.contains("trusted comment"), "{why}");
    }
}
