//! Checking one minisign signature against a set of trusted keys, in memory or streaming.

use crate::digest::Sink;
use crate::keys::{KeyId, TrustedKey};
use minisign_verify::{Signature, StreamVerifier};

/// A parsed `.minisig` file and the key id it claims.
pub struct SignatureFile {
    pub signature: Signature,
    pub key_id: KeyId,
    prehashed: bool,
}

/// What checking a signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Valid,
    /// The signature names a key id that no trusted key has.
    UntrustedKey(KeyId),
    /// The trusted key does not verify it: content, signature or trusted comment changed.
    Invalid,
    /// A legacy (non-prehashed) signature where the policy refuses them.
    LegacyRefused,
    /// A legacy signature over a file too large to verify in memory.
    LegacyTooLarge,
}

impl SignatureFile {
    /// Parse the text of a `.minisig` file.
    pub fn parse(text: &str) -> Result<SignatureFile, String> {
        let signature = Signature::decode(text).map_err(|e| e.to_string())?;
        let (algorithm, key_id) =
            KeyId::of_signature(text).ok_or("no key id in the signature line")?;
        Ok(SignatureFile {
            signature,
            key_id,
            prehashed: algorithm == *b"ED",
        })
    }

    /// Prehashed ("ED", minisign's default) rather than legacy ("Ed").
    pub fn is_prehashed(&self) -> bool {
        self.prehashed
    }

    /// The trusted key this signature claims, if the policy has it.
    pub fn trusted_key<'k>(&self, keys: &'k [TrustedKey]) -> Option<&'k TrustedKey> {
        keys.iter().find(|k| k.key_id == self.key_id)
    }

    /// Verify against in-memory content.
    pub fn check_bytes(&self, keys: &[TrustedKey], data: &[u8], allow_legacy: bool) -> Check {
        let Some(key) = self.trusted_key(keys) else {
            return Check::UntrustedKey(self.key_id);
        };
        match key.key.verify(data, &self.signature, allow_legacy) {
            Ok(()) => Check::Valid,
            Err(minisign_verify::Error::UnexpectedAlgorithm) => Check::LegacyRefused,
            Err(_) => Check::Invalid,
        }
    }
}

/// Feeds a file's bytes to a minisign stream verifier during the single hashing read.
pub struct StreamCheck<'a> {
    verifier: StreamVerifier<'a>,
}

impl<'a> StreamCheck<'a> {
    /// A streaming check, or `None` when the signature is legacy (it must be checked in memory).
    pub fn start(key: &'a TrustedKey, file: &'a SignatureFile) -> Option<StreamCheck<'a>> {
        key.key
            .verify_stream(&file.signature)
            .ok()
            .map(|verifier| StreamCheck { verifier })
    }

    pub fn finish(mut self) -> Check {
        match self.verifier.finalize() {
            Ok(()) => Check::Valid,
            Err(_) => Check::Invalid,
        }
    }
}

impl Sink for StreamCheck<'_> {
    fn update(&mut self, bytes: &[u8]) {
        self.verifier.update(bytes);
    }
}
