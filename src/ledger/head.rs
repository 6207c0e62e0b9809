//! The signed head: the chain's length and last entry hash (plus each environment's latest
//! freeze/unfreeze entry), signed with the verdict key. Body and signature live in one
//! object (`head.json`) replaced atomically, so a crash leaves the old head or the new one.

use crate::keys::KeyId;
use crate::signing::Signer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const HEAD_KEY: &str = "head.json";
pub const HEAD_SCHEMA: &str = "https://tollgate.dev/schemas/ledger-head/v1";

/// What the head asserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadBody {
    pub schema: String,
    /// Entries in the chain when the head was written.
    pub length: u64,
    /// SHA-256 of entry `length`'s bytes.
    pub last: String,
    pub time: String,
    /// The key that signed it (minisign key id), or `null` when unsigned.
    pub key_id: Option<String>,
    /// Per environment, the seq of its latest freeze or unfreeze entry within `length`.
    pub freezes: BTreeMap<String, u64>,
}

/// The stored head: body plus the minisign signature over the body's canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    pub body: HeadBody,
    pub signature: Option<String>,
}

impl HeadBody {
    /// The body of an empty chain's head (what an append writes before the first entry,
    /// and `audit init --format v1`).
    pub fn empty(signer: Option<&Signer>) -> HeadBody {
        HeadBody {
            schema: HEAD_SCHEMA.to_owned(),
            length: 0,
            last: super::entry::GENESIS.to_owned(),
            time: crate::verdict::rfc3339(time::OffsetDateTime::now_utc()),
            key_id: signer.map(Signer::key_id),
            freezes: Default::default(),
        }
    }

    /// The bytes the signature covers (what `minisign -V` checks once exported).
    pub fn signed_bytes(&self) -> Vec<u8> {
        crate::verdict::canonical_json(self)
    }

    pub fn trusted_comment(&self) -> String {
        format!(
            "tollgate-ledger-head length:{} last:{}",
            self.length, self.last
        )
    }
}

impl Head {
    pub fn sign(body: HeadBody, signer: Option<&Signer>) -> Result<Head, String> {
        let signature = match signer {
            Some(signer) => Some(
                signer
                    .sign(&body.signed_bytes(), &body.trusted_comment())
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        Ok(Head { body, signature })
    }

    pub fn bytes(&self) -> Vec<u8> {
        crate::verdict::canonical_json(self)
    }

    /// Parse stored head bytes; they must be exactly canonical, so no byte of the stored
    /// object can change without the verifier noticing.
    pub fn parse(bytes: &[u8]) -> Result<Head, String> {
        let head: Head =
            serde_json::from_slice(bytes).map_err(|e| format!("not a ledger head: {e}"))?;
        if head.body.schema != HEAD_SCHEMA {
            return Err(format!("unknown head schema {:?}", head.body.schema));
        }
        if head.bytes() != bytes {
            return Err("not in canonical form (the stored bytes were edited)".to_owned());
        }
        Ok(head)
    }

    /// Check the signature with `key`: the signature's key id, its untrusted comment (which
    /// minisign does not sign, so tollgate pins it), the trusted comment and the body.
    pub fn verify(&self, key: &crate::keys::TrustedKey) -> Result<(), String> {
        let Some(text) = &self.signature else {
            return Err("the head is not signed".to_owned());
        };
        let (_, id) = KeyId::of_signature(text).ok_or("the head's signature is malformed")?;
        if id != key.key_id {
            return Err(format!(
                "the head is signed by key {id}, not by the given key {}",
                key.key_id
            ));
        }
        let expected_untrusted =
            format!("untrusted comment: signature from tollgate secret key {id}");
        if text.lines().next() != Some(expected_untrusted.as_str()) {
            return Err("the head signature's untrusted comment was altered".to_owned());
        }
        if self.body.key_id.as_deref() != Some(id.to_string().as_str()) {
            return Err("the head's key_id does not match its signature".to_owned());
        }
        let signature = minisign_verify::Signature::decode(text)
            .map_err(|e| format!("the head's signature is malformed: {e}"))?;
        if signature.trusted_comment() != self.body.trusted_comment() {
            return Err("the head signature's trusted comment does not match the head".to_owned());
        }
        key.key
            .verify(&self.body.signed_bytes(), &signature, false)
            .map_err(|_| "the head's signature does not verify".to_owned())
    }
}
