//! Checkpoints (c2sp.org/tlog-checkpoint) as signed notes (c2sp.org/signed-note): the text,
//! Ed25519 note signatures made with the ledger's minisign key, verifier keys (`vkey`s).

use super::{Hash, b64, hash_from_b64, unb64};
use crate::signing::Signer;

/// Largest note tollgate parses (as signed_note's limit).
const MAX_NOTE: usize = 1_000_000;

/// Most signature lines in one note (as signed_note's limit; the spec asks for at least 16).
const MAX_SIGNATURES: usize = 100;

/// The note text of a checkpoint: origin, tree size, root hash and optional extension lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines; its origin must be usable as a note key name
    /// (non-empty, no spaces, no `+`), because the log's signature is named after it.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Checkpoint, String> {
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        };
        checkpoint.validate()?;
        Ok(checkpoint)
    }

    /// What [`SignedCheckpoint::sign`] needs: an origin that is a valid key name and extension
    /// lines that are non-empty single lines without control characters.
    pub fn validate(&self) -> Result<(), String> {
        if !signed_note::is_key_name_valid(&self.origin) || has_control(&self.origin) {
            return Err(format!(
                "checkpoint origin {:?} is not a note key name (non-empty, no spaces, no `+`, no control characters)",
                self.origin
            ));
        }
        for (i, line) in self.extensions.iter().enumerate() {
            if line.is_empty() || has_control(line) {
                return Err(format!(
                    "checkpoint extension line {} is empty or holds a control character or newline",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    /// The c2sp.org/tlog-checkpoint text: `<origin>\n<size>\n<base64 root>\n` then each
    /// extension line and a newline.
    pub fn body(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, b64(&self.root.0));
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Parse a checkpoint text (the note text, ending in a newline, without signatures).
    /// Strict: decimal size without leading zeros, canonical base64 of 32 bytes, non-empty
    /// extension lines, no control characters.
    pub fn parse_body(text: &str) -> Result<Checkpoint, String> {
        let lines = text
            .strip_suffix('\n')
            .ok_or("the checkpoint text does not end with a newline")?;
        if let Some(at) = text.find(|c: char| c < ' ' && c != '\n') {
            return Err(format!(
                "the checkpoint text holds a control character at byte offset {at}"
            ));
        }
        let mut lines = lines.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err("the checkpoint's origin line (line 1) is empty".into());
        }
        let size_text = lines
            .next()
            .ok_or("the checkpoint has no tree size line (line 2)")?;
        let canonical = !size_text.is_empty()
            && size_text.bytes().all(|b| b.is_ascii_digit())
            && (size_text == "0" || !size_text.starts_with('0'));
        let size = canonical
            .then(|| size_text.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| {
                format!(
                    "the checkpoint's tree size (line 2) {size_text:?} is not a decimal without leading zeros"
                )
            })?;
        let root_text = lines
            .next()
            .ok_or("the checkpoint has no root hash line (line 3)")?;
        let root = hash_from_b64(root_text, "the checkpoint's root hash (line 3)")?;
        let mut extensions = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                return Err(format!("the checkpoint's line {} is empty", i + 4));
            }
            extensions.push(line.to_owned());
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}

fn has_control(text: &str) -> bool {
    text.chars().any(|c| c < ' ')
}

/// One signature line of a note: `— <name> base64(key id ‖ signature)`. `signature` is what
/// follows the 4-byte key id (64 bytes for a log signature, timestamp ‖ 64 bytes for a
/// cosignature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: u32,
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, with its newline.
    pub fn line(&self) -> String {
        let mut bytes = self.id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("\u{2014} {} {}\n", self.name, b64(&bytes))
    }

    /// Parse one signature line (without its newline).
    pub fn parse_line(line: &str) -> Result<NoteSignature, String> {
        let rest = line.strip_prefix("\u{2014} ").ok_or_else(|| {
            format!("signature line {line:?} does not start with an em dash and a space")
        })?;
        let (name, encoded) = rest.split_once(' ').ok_or_else(|| {
            format!("signature line {line:?} has no space between the key name and the signature")
        })?;
        if !signed_note::is_key_name_valid(name) {
            return Err(format!(
                "signature line {line:?}: {name:?} is not a key name"
            ));
        }
        let bytes = unb64(encoded).ok_or_else(|| {
            format!("signature line {line:?}: the signature is not canonical base64")
        })?;
        if bytes.len() < 5 {
            return Err(format!(
                "signature line {line:?}: {} bytes is too short for a key id and a signature",
                bytes.len()
            ));
        }
        Ok(NoteSignature {
            name: name.to_owned(),
            id: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            signature: bytes[4..].to_vec(),
        })
    }
}

/// A checkpoint with its signatures: the `checkpoint` file of a v2 store.
///
/// An unsigned checkpoint (a log appended to without a key) is the checkpoint text, the blank
/// line and no signature lines: `<text>\n`. c2sp.org/signed-note requires at least one
/// signature, so such a note is tollgate's own and no C2SP client trusts it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    /// The whole note: text, blank line, signature lines (what [`Self::to_bytes`] returns).
    pub text: Vec<u8>,
    pub signatures: Vec<NoteSignature>,
}

impl SignedCheckpoint {
    /// A checkpoint and these signatures, as a note.
    pub fn new(checkpoint: Checkpoint, signatures: Vec<NoteSignature>) -> SignedCheckpoint {
        let mut signed = SignedCheckpoint {
            checkpoint,
            text: Vec::new(),
            signatures,
        };
        signed.text = signed.render();
        signed
    }

    fn render(&self) -> Vec<u8> {
        let mut text = self.checkpoint.body();
        text.push('\n');
        for signature in &self.signatures {
            text.push_str(&signature.line());
        }
        text.into_bytes()
    }

    /// Sign `checkpoint` with the appending key's Ed25519 key: a note signature whose key name
    /// is the checkpoint's origin (key id: SHA-256(origin ‖ "\n" ‖ 0x01 ‖ public key)[..4]).
    /// The checkpoint should pass [`Checkpoint::validate`] ([`Checkpoint::new`] and
    /// [`Checkpoint::parse_body`] with a key-name origin do).
    pub fn sign(checkpoint: Checkpoint, signer: &Signer) -> SignedCheckpoint {
        let signature = log_signature(&checkpoint, signer.ed25519_public(), |m| {
            signer.sign_ed25519(m)
        });
        SignedCheckpoint::new(checkpoint, vec![signature])
    }

    /// Add a signature (a cosignature, another log key); one with the same key name and id
    /// replaces the old one, as Go's note.Sign does.
    pub fn add_signature(&mut self, signature: NoteSignature) {
        self.signatures
            .retain(|s| !(s.name == signature.name && s.id == signature.id));
        self.signatures.push(signature);
        self.text = self.render();
    }

    /// The note's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.text.clone()
    }

    /// Parse a checkpoint note (signed, or unsigned: see the type). Checks the syntax only;
    /// [`Self::verified_by`] and [`Self::verify`] check signatures.
    pub fn parse(bytes: &[u8]) -> Result<SignedCheckpoint, String> {
        if bytes.len() > MAX_NOTE {
            return Err(format!(
                "the checkpoint note is {} bytes, more than the {MAX_NOTE} tollgate reads",
                bytes.len()
            ));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            format!(
                "the checkpoint note is not UTF-8 (byte offset {})",
                e.valid_up_to()
            )
        })?;
        if let Some(at) = text.find(|c: char| c < ' ' && c != '\n') {
            return Err(format!(
                "the checkpoint note holds a control character at byte offset {at}"
            ));
        }
        let (body, lines) = text.rsplit_once("\n\n").ok_or(
            "the checkpoint note has no blank line after its text (a signed note has one before its signatures)",
        )?;
        let checkpoint = Checkpoint::parse_body(&format!("{body}\n"))?;
        let mut signatures = Vec::new();
        if !lines.is_empty() {
            let lines = lines
                .strip_suffix('\n')
                .ok_or("the checkpoint note's last signature line does not end with a newline")?;
            for line in lines.split('\n') {
                if signatures.len() == MAX_SIGNATURES {
                    return Err(format!(
                        "the checkpoint note has more than {MAX_SIGNATURES} signatures"
                    ));
                }
                signatures.push(NoteSignature::parse_line(line)?);
            }
        }
        let signed = SignedCheckpoint::new(checkpoint, signatures);
        if signed.text != bytes {
            return Err("the checkpoint note is not in canonical form".into());
        }
        Ok(signed)
    }

    /// The keys that signed this checkpoint: a log key whose name is the origin and whose
    /// Ed25519 signature over the text verifies, a cosigner key whose cosignature/v1 verifies.
    pub fn verified_by<'k>(&self, keys: &'k [NoteKey]) -> Vec<&'k NoteKey> {
        keys.iter()
            .filter(|key| self.signed_by(key).unwrap_or(false))
            .collect()
    }

    /// Like [`Self::verified_by`], but failing closed as c2sp.org/signed-note asks: an error
    /// when a signature line from a known key (same name and id) does not verify, or when no
    /// log key verifies.
    pub fn verify<'k>(&self, keys: &'k [NoteKey]) -> Result<Vec<&'k NoteKey>, String> {
        let mut verified = Vec::new();
        for key in keys {
            match self.signed_by(key) {
                Ok(true) => verified.push(key),
                Ok(false) => {}
                Err(e) => return Err(e),
            }
        }
        if !verified.iter().any(|k| k.kind == KeyKind::Log) {
            let names: Vec<String> = keys
                .iter()
                .filter(|k| k.kind == KeyKind::Log)
                .map(|k| format!("{}+{:08x}", k.name, k.id))
                .collect();
            return Err(format!(
                "the checkpoint of {:?} (size {}) carries no signature by a trusted log key ({})",
                self.checkpoint.origin,
                self.checkpoint.size,
                if names.is_empty() {
                    "none given".to_owned()
                } else {
                    names.join(", ")
                }
            ));
        }
        Ok(verified)
    }

    /// Ok(true): `key` signed; Ok(false): no signature line of `key`; Err: one that fails.
    fn signed_by(&self, key: &NoteKey) -> Result<bool, String> {
        if key.kind == KeyKind::Log && key.name != self.checkpoint.origin {
            return Ok(false);
        }
        let mut found = false;
        for signature in self
            .signatures
            .iter()
            .filter(|s| s.name == key.name && s.id == key.id)
        {
            found = true;
            let ok = match key.kind {
                KeyKind::Log => ed25519_verifies(
                    &key.public,
                    self.checkpoint.body().as_bytes(),
                    &signature.signature,
                ),
                KeyKind::Cosigner => {
                    super::cosign::verify_cosignature(&self.checkpoint, signature, key).is_ok()
                }
            };
            if ok {
                return Ok(true);
            }
        }
        if found {
            return Err(format!(
                "the signature by {}+{:08x} on the checkpoint of {:?} (size {}) does not verify: the checkpoint was altered or the key is not the one that signed",
                key.name, key.id, self.checkpoint.origin, self.checkpoint.size
            ));
        }
        Ok(false)
    }
}

/// The log's note signature on `checkpoint`, made by `sign` (an Ed25519 key with `public`).
pub(crate) fn log_signature(
    checkpoint: &Checkpoint,
    public: [u8; 32],
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> NoteSignature {
    NoteSignature {
        name: checkpoint.origin.clone(),
        id: key_id(&checkpoint.origin, KeyKind::Log, &public),
        signature: sign(checkpoint.body().as_bytes()).to_vec(),
    }
}

/// Whether `signature` (64 bytes) is `public`'s Ed25519 signature of `message`.
pub(crate) fn ed25519_verifies(public: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature))
        .is_ok()
}

/// What a note key verifies: the log's checkpoint signatures or a witness's cosignatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Ed25519 note signatures (signature type 0x01).
    Log,
    /// cosignature/v1 timestamped Ed25519 cosignatures (signature type 0x04).
    Cosigner,
}

impl KeyKind {
    /// The c2sp.org/signed-note signature type byte.
    pub fn alg(self) -> u8 {
        match self {
            KeyKind::Log => 0x01,
            KeyKind::Cosigner => 0x04,
        }
    }
}

/// The c2sp.org/signed-note key id: SHA-256(name ‖ "\n" ‖ type ‖ public key)[..4], big-endian.
pub fn key_id(name: &str, kind: KeyKind, public: &[u8; 32]) -> u32 {
    let mut material = vec![kind.alg()];
    material.extend_from_slice(public);
    signed_note::key_id(name, &material)
}

/// A note verifier key: a name, its key id, an Ed25519 public key and what it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteKey {
    pub name: String,
    pub id: u32,
    pub public: [u8; 32],
    pub kind: KeyKind,
}

impl NoteKey {
    /// The key `name` signs with; the id is computed from name, kind and key.
    pub fn new(name: &str, public: [u8; 32], kind: KeyKind) -> Result<NoteKey, String> {
        if !signed_note::is_key_name_valid(name) || has_control(name) {
            return Err(format!(
                "{name:?} is not a note key name (non-empty, no spaces, no `+`, no control characters)"
            ));
        }
        Ok(NoteKey {
            name: name.to_owned(),
            id: key_id(name, kind, &public),
            public,
            kind,
        })
    }

    /// The note key of a minisign public key (a `.pub` file's text or its base64 line
    /// "RW..."): the same Ed25519 key, named `name` (the log's origin for a log key).
    pub fn from_minisign(text: &str, name: &str, kind: KeyKind) -> Result<NoteKey, String> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
            .ok_or("no minisign public key line (base64 \"RW...\") found")?;
        let key = crate::keys::TrustedKey::from_base64(line, line)?;
        NoteKey::new(name, key.ed25519, kind)
    }

    /// The verifier key string Go's note package and C2SP tools read:
    /// `<name>+<8 hex digits of the id>+<base64(type ‖ public key)>`.
    pub fn vkey(&self) -> String {
        let mut material = vec![self.kind.alg()];
        material.extend_from_slice(&self.public);
        format!("{}+{:08x}+{}", self.name, self.id, b64(&material))
    }

    /// Parse a verifier key (type 0x01: log key, 0x04: cosigner key). Strict: lower-case hex
    /// id that matches the key, canonical base64, 32-byte Ed25519 key.
    pub fn parse_vkey(text: &str) -> Result<NoteKey, String> {
        let bad = |why: &str| format!("verifier key {text:?}: {why}");
        let mut parts = text.split('+');
        let (Some(name), Some(id_hex), Some(encoded), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected <name>+<key id>+<base64 key>"));
        };
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad("the key id is not 8 lower-case hex digits"));
        }
        let id = u32::from_str_radix(id_hex, 16).map_err(|_| bad("bad key id"))?;
        let material = unb64(encoded).ok_or_else(|| bad("the key is not canonical base64"))?;
        let kind = match material.first() {
            Some(0x01) => KeyKind::Log,
            Some(0x04) => KeyKind::Cosigner,
            Some(t) => {
                return Err(bad(&format!(
                    "signature type 0x{t:02x} is not Ed25519 (0x01) or cosignature/v1 (0x04)"
                )));
            }
            None => return Err(bad("the key is empty")),
        };
        let public: [u8; 32] = material[1..]
            .try_into()
            .map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
        if ed25519_dalek::VerifyingKey::from_bytes(&public).is_err() {
            return Err(bad("not a valid Ed25519 public key"));
        }
        let key = NoteKey::new(name, public, kind).map_err(|e| bad(&e))?;
        if key.id != id {
            return Err(bad(&format!(
                "the key id {id_hex} does not match the name and key (expected {:08x})",
                key.id
            )));
        }
        Ok(key)
    }
}

#[cfg(test)]
#[path = "note_tests.rs"]
mod tests;
