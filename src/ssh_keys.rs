//! SSH public keys trusted by the policy (`[trust] tag_keys`): OpenSSH one-line keys, inline
//! or in files relative to the policy, and verification of git's SSH signatures (SSHSIG,
//! namespace "git") against them.

use ssh_key::{HashAlg, PublicKey, SshSig};
use std::path::Path;

/// The namespace git signs commits and tags in (`ssh-keygen -Y sign -n git`).
pub const GIT_NAMESPACE: &str = "git";

/// One trusted SSH public key and where the policy named it.
#[derive(Debug, Clone)]
pub struct SshTrustedKey {
    /// The policy entry as written (a path or the inline key).
    pub source: String,
    pub key: PublicKey,
}

impl SshTrustedKey {
    /// `SHA256:...`, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }
}

/// Resolve a policy entry: an inline key (`ssh-ed25519 AAAA... comment`) or a file relative to
/// `dir` holding one or more such lines (`#` comments and blank lines are skipped).
pub fn resolve(entry: &str, dir: &Path) -> Result<Vec<SshTrustedKey>, String> {
    let entry = entry.trim();
    if looks_inline(entry) {
        let key = PublicKey::from_openssh(entry)
            .map_err(|e| format!("not an OpenSSH public key ({e})"))?;
        return Ok(vec![SshTrustedKey {
            source: entry.to_owned(),
            key,
        }]);
    }
    let path = dir.join(entry);
    let bytes = crate::bounded::read_capped(&path, crate::bounded::caps::SSH_PUBLIC_KEY)
        .map_err(|e| format!("SSH public key: {}", e.describe(&path)))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("SSH public key {} is not UTF-8 text", path.display()))?;
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = PublicKey::from_openssh(line).map_err(|e| {
            format!(
                "{} line {}: not an OpenSSH public key ({e})",
                path.display(),
                n + 1
            )
        })?;
        keys.push(SshTrustedKey {
            source: entry.to_owned(),
            key,
        });
    }
    if keys.is_empty() {
        return Err(format!("{} holds no SSH public key", path.display()));
    }
    Ok(keys)
}

/// An inline key starts with its algorithm name; a path never does in practice.
fn looks_inline(entry: &str) -> bool {
    ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
        .iter()
        .any(|prefix| entry.starts_with(prefix))
        && entry.contains(' ')
}

/// What checking an SSH signature against the trusted keys found.
#[derive(Debug, PartialEq, Eq)]
pub enum SshCheck {
    /// Valid, by this trusted key (its fingerprint).
    Valid(String),
    /// Made by a key the policy does not trust (its fingerprint); not checked further.
    Untrusted(String),
    /// By a trusted key (its fingerprint), but it does not match the signed bytes, or is made
    /// for another namespace: the object was changed after signing, or the signature replayed.
    Invalid(String, String),
}

/// Check an armored SSHSIG (`-----BEGIN SSH SIGNATURE-----`) over `message` in `namespace`.
/// `Err` when the armor cannot be read at all.
pub fn check(
    armored: &str,
    message: &[u8],
    namespace: &str,
    trusted: &[SshTrustedKey],
) -> Result<SshCheck, String> {
    let signature =
        SshSig::from_pem(armored.trim()).map_err(|e| format!("unreadable SSH signature: {e}"))?;
    let signer = PublicKey::from(signature.public_key().clone());
    let fingerprint = signer.fingerprint(HashAlg::Sha256).to_string();
    let Some(key) = trusted
        .iter()
        .find(|k| k.key.key_data() == signer.key_data())
    else {
        return Ok(SshCheck::Untrusted(fingerprint));
    };
    match key.key.verify(namespace, message, &signature) {
        Ok(()) => Ok(SshCheck::Valid(fingerprint)),
        Err(e) => Ok(SshCheck::Invalid(fingerprint, e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAPoGCclW0zsTpysYMswIXFqNVljJQetQzgtTl9GCeHs test";

    #[test]
    fn inline_and_file_keys() {
        let dir = tempfile::tempdir().unwrap();
        let inline = resolve(KEY, dir.path()).unwrap();
        assert_eq!(inline.len(), 1);
        assert!(inline[0].fingerprint().starts_with("SHA256:"));
        std::fs::write(dir.path().join("k.pub"), format!("# ops\n{KEY}\n\n")).unwrap();
        let from_file = resolve("k.pub", dir.path()).unwrap();
        assert_eq!(from_file[0].key.key_data(), inline[0].key.key_data());
        std::fs::write(dir.path().join("bad.pub"), "ssh-ed25519 nope\n").unwrap();
        let e = resolve("bad.pub", dir.path()).unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = resolve("missing.pub", dir.path()).unwrap_err();
        assert!(e.contains("missing.pub"), "{e}");
    }

    #[test]
    fn unreadable_armor_is_an_error() {
        assert!(check("-----BEGIN SSH SIGNATURE-----\nxx\n", b"m", "git", &[]).is_err());
    }
}
