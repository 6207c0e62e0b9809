//! DSSE envelopes (Dead Simple Signing Envelope, v1): the pre-authentication encoding, an
//! Ed25519 signature over it made with the verdict key, and the one-line JSON form that
//! `*.intoto.jsonl` files hold. The signature's `keyid` is the minisign key id of the key,
//! as minisign prints it (16 upper-case hex digits).

use crate::keys::TrustedKey;
use crate::signing::Signer;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The payload type of an in-toto Statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope as JSON: the payload is standard base64 of the signed bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    pub payload: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    #[serde(default)]
    pub keyid: String,
    pub sig: String,
}

/// `PAE(type, body)`: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII
/// decimal. The signature covers these bytes, so the payload type cannot be swapped.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl Envelope {
    /// Wrap `payload`; signed with `signer`, or with no signature when there is none (an
    /// unsigned run, like an unsigned verdict, cannot be verified).
    pub fn new(payload_type: &str, payload: &[u8], signer: Option<&Signer>) -> Envelope {
        let signatures = signer
            .map(|signer| EnvelopeSignature {
                keyid: signer.key_id(),
                sig: b64().encode(signer.sign_ed25519(&pae(payload_type, payload))),
            })
            .into_iter()
            .collect();
        Envelope {
            payload_type: payload_type.to_owned(),
            payload: b64().encode(payload),
            signatures,
        }
    }

    /// The `.intoto.jsonl` line: compact JSON and a newline.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }

    /// Parse a `.intoto.jsonl` file holding exactly one envelope (blank lines aside).
    pub fn parse_jsonl(text: &str) -> Result<Envelope, String> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let first = lines.next().ok_or("the file holds no DSSE envelope")?;
        if lines.next().is_some() {
            return Err("the file holds more than one line: expected one DSSE envelope".into());
        }
        serde_json::from_str(first).map_err(|e| format!("not a DSSE envelope: {e}"))
    }

    /// The payload, once a signature by `key` over its PAE verifies (strict Ed25519: no
    /// malleable or small-order signatures). Signatures naming another key id are skipped.
    pub fn verify(&self, key: &TrustedKey) -> Result<Vec<u8>, String> {
        let payload = b64()
            .decode(&self.payload)
            .map_err(|e| format!("the envelope's payload is not base64: {e}"))?;
        if self.signatures.is_empty() {
            return Err(
                "the envelope carries no signature (evaluate signs it when given --key)".into(),
            );
        }
        let verifying = ed25519_dalek::VerifyingKey::from_bytes(&key.ed25519)
            .map_err(|e| format!("the public key is not a valid Ed25519 key: {e}"))?;
        let message = pae(&self.payload_type, &payload);
        let wanted = key.key_id.to_string();
        let mut named = Vec::new();
        for signature in &self.signatures {
            if !signature.keyid.is_empty() && !signature.keyid.eq_ignore_ascii_case(&wanted) {
                named.push(signature.keyid.clone());
                continue;
            }
            let Ok(bytes) = b64().decode(&signature.sig) else {
                continue;
            };
            let Ok(sig) = ed25519_dalek::Signature::from_slice(&bytes) else {
                continue;
            };
            if verifying.verify_strict(&message, &sig).is_ok() {
                return Ok(payload);
            }
        }
        if named.len() == self.signatures.len() {
            return Err(format!(
                "the envelope was signed by key {}, not by the given public key {wanted}",
                named.join(", ")
            ));
        }
        Err(format!(
            "DSSE signature check failed: no signature by key {wanted} verifies; the envelope's payload or payload type was altered after signing"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // The worked example of the DSSE protocol specification.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn sign_then_verify_and_tampering_fails() {
        let dir = tempfile::tempdir().unwrap();
        let keys = crate::signing::keygen(dir.path(), None).unwrap();
        let signer = Signer::load(&keys.secret, None).unwrap();
        let trusted = TrustedKey::from_file(&keys.public, "tollgate.pub").unwrap();
        assert_eq!(signer.ed25519_public(), trusted.ed25519);
        let envelope = Envelope::new(IN_TOTO_PAYLOAD_TYPE, b"{\"a\":1}", Some(&signer));
        assert_eq!(envelope.signatures[0].keyid, keys.key_id);
        let line = envelope.to_line();
        let parsed = Envelope::parse_jsonl(std::str::from_utf8(&line).unwrap()).unwrap();
        assert_eq!(parsed.verify(&trusted).unwrap(), b"{\"a\":1}");

        let mut other_type = parsed.clone();
        other_type.payload_type = "application/json".into();
        assert!(other_type.verify(&trusted).is_err());
        let mut other_payload = parsed.clone();
        other_payload.payload = b64().encode(b"{\"a\":2}");
        assert!(other_payload.verify(&trusted).is_err());

        let other_dir = tempfile::tempdir().unwrap();
        let other = crate::signing::keygen(other_dir.path(), None).unwrap();
        let other_key = TrustedKey::from_file(&other.public, "other.pub").unwrap();
        let err = parsed.verify(&other_key).unwrap_err();
        assert!(err.contains("not by the given public key"), "{err}");

        let unsigned = Envelope::new(IN_TOTO_PAYLOAD_TYPE, b"{}", None);
        assert!(
            unsigned
                .verify(&trusted)
                .unwrap_err()
                .contains("no signature")
        );
    }
}
