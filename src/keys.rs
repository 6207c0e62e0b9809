//! Minisign public keys: loading trusted keys (file or inline) and naming them by key id.

use base64::Engine as _;
use minisign_verify::PublicKey;
use std::fmt;
use std::path::Path;

/// A minisign key id as minisign prints it (16 upper-case hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// The algorithm (bytes 0..2) and key id (bytes 2..10) of a base64 minisign blob: a
    /// public key or a signature line.
    pub fn from_blob_base64(line: &str) -> Option<([u8; 2], KeyId)> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(line.trim())
            .ok()?;
        let algorithm: [u8; 2] = bytes.get(0..2)?.try_into().ok()?;
        let id: [u8; 8] = bytes.get(2..10)?.try_into().ok()?;
        Some((algorithm, KeyId(id)))
    }

    /// The algorithm and key id of a `.minisig` file's text (its second line).
    pub fn of_signature(text: &str) -> Option<([u8; 2], KeyId)> {
        KeyId::from_blob_base64(text.lines().nth(1)?)
    }
}

impl KeyId {
    /// The key id's bytes as they appear in minisign blobs (little-endian).
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // minisign shows the little-endian u64 in hex.
        write!(f, "{:016X}", u64::from_le_bytes(self.0))
    }
}

/// A public key the policy trusts, with where it came from.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// The policy's words for it: a path or the inline key.
    pub source: String,
    /// The key file, when the key came from one.
    pub path: Option<std::path::PathBuf>,
    pub key_id: KeyId,
    pub key: PublicKey,
    /// The raw Ed25519 public key, for verifiers other than `minisign-verify` (the ledger's
    /// batch verifier), which cannot get it out of a [`PublicKey`].
    pub ed25519: [u8; 32],
}

impl TrustedKey {
    /// Resolve a policy entry: an inline base64 key ("RW...") or a key file relative to `dir`.
    pub fn resolve(entry: &str, dir: &Path) -> Result<TrustedKey, String> {
        let entry = entry.trim();
        if looks_inline(entry) {
            return Self::from_base64(entry, entry);
        }
        Self::from_file(&dir.join(entry), entry)
    }

    /// Read a minisign public key file (`untrusted comment:` line, then the key).
    pub fn from_file(path: &Path, source: &str) -> Result<TrustedKey, String> {
        let bytes = crate::bounded::read_capped(path, crate::bounded::caps::PUBLIC_KEY)
            .map_err(|e| format!("public key: {}", e.describe(path)))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("public key {} is not UTF-8 text", path.display()))?;
        let line = key_line(&text)
            .ok_or_else(|| format!("{} holds no minisign public key line", path.display()))?;
        let mut key =
            Self::from_base64(line, source).map_err(|e| format!("{}: {e}", path.display()))?;
        key.path = Some(path.to_path_buf());
        Ok(key)
    }

    /// A key from its base64 line ("RW..."); `source` names it in messages.
    pub fn from_base64(b64: &str, source: &str) -> Result<TrustedKey, String> {
        let key =
            PublicKey::from_base64(b64).map_err(|e| format!("not a minisign public key ({e})"))?;
        let (_, key_id) = KeyId::from_blob_base64(b64).ok_or("not a minisign public key")?;
        let ed25519 = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .ok()
            .and_then(|bytes| bytes.get(10..42)?.try_into().ok())
            .ok_or("not a minisign public key")?;
        Ok(TrustedKey {
            source: source.to_owned(),
            path: None,
            key_id,
            key,
            ed25519,
        })
    }
}

/// An inline minisign public key: "RW" and 54 more base64 characters (42 bytes encoded).
/// Base64 may contain `/`, so shape, not punctuation, tells a key from a path.
fn looks_inline(entry: &str) -> bool {
    entry.len() == 56
        && entry.starts_with("RW")
        && entry
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// The base64 line of a public key file: the first line that is not a comment.
fn key_line(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A public key from the minisign-verify documentation.
    const PK: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

    #[test]
    fn key_id_prints_like_minisign() {
        let key = TrustedKey::resolve(PK, Path::new(".")).unwrap();
        assert_eq!(key.key_id.to_string(), "E7620F1842B4E81F");
    }

    #[test]
    fn key_file_with_comment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pub");
        std::fs::write(
            &path,
            format!("untrusted comment: minisign public key\n{PK}\n"),
        )
        .unwrap();
        let key = TrustedKey::resolve("k.pub", dir.path()).unwrap();
        assert_eq!(key.source, "k.pub");
    }

    #[test]
    fn bad_keys_are_errors_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = TrustedKey::resolve("nope.pub", dir.path()).unwrap_err();
        assert!(missing.contains("nope.pub"), "{missing}");
        assert!(TrustedKey::resolve("RWnotbase64!!", dir.path()).is_err());
        // Base64 keys may contain `/`: still inline, never a path.
        assert!(looks_inline(
            "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GF/3"
        ));
        assert!(!looks_inline("keys/release.pub"));
    }
}
