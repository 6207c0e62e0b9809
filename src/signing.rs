//! Secret keys and signing: keygen, loading keys made by tollgate or stock minisign, and
//! producing minisign signatures that `minisign -V` accepts.

use base64::Engine as _;
use minisign::{KeyPair, SecretKey, SecretKeyBox};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Environment variable holding the password of an encrypted secret key.
pub const PASSWORD_VAR: &str = "TOLLGATE_KEY_PASSWORD";

/// The flag that reads the password from a file instead.
pub const PASSWORD_FILE_FLAG: &str = "--key-password-file";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read secret key {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("secret key {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`")]
    WorldReadable { path: PathBuf, mode: u32 },
    #[error("{path} is not a minisign secret key: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error(
        "secret key {path} is encrypted: give its password with {PASSWORD_FILE_FLAG} FILE or {PASSWORD_VAR}"
    )]
    PasswordMissing { path: PathBuf },
    #[error("cannot decrypt secret key {path}: {reason} (check the password)")]
    Decrypt { path: PathBuf, reason: String },
    #[error(
        "both {PASSWORD_FILE_FLAG} and {PASSWORD_VAR} give a key password: use one (unset {PASSWORD_VAR} or drop the flag)"
    )]
    PasswordTwice,
    #[error("cannot read the key password file {path}: {source}")]
    PasswordFileRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "key password file {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`"
    )]
    PasswordFileReadable { path: PathBuf, mode: u32 },
    #[error("key password file {path} holds no password on its first line")]
    PasswordFileEmpty { path: PathBuf },
    #[error(
        "refusing to load the signing key while {running} child process(es) still run: it is loaded only after every gate has finished and every child is reaped"
    )]
    ChildrenRunning { running: usize },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot generate a key pair: {0}")]
    Generate(String),
    #[error("{PASSWORD_VAR} is not set: set it to protect the new key, or pass --unencrypted")]
    NoPasswordForKeygen,
    #[error("signing failed: {0}")]
    Sign(String),
}

/// A secret key ready to sign, with its public half.
pub struct Signer {
    secret: SecretKey,
    public: minisign::PublicKey,
    /// The same Ed25519 key, for signatures that are not minisign's (DSSE envelopes). It
    /// zeroizes itself when dropped.
    ed25519: ed25519_dalek::SigningKey,
}

impl Signer {
    /// Load a secret key file written by `tollgate keygen` or `minisign -G` (with or without `-W`).
    pub fn load(path: &Path, password: Option<Zeroizing<String>>) -> Result<Signer, KeyError> {
        refuse_world_readable(path)?;
        Self::read(path, password)
    }

    /// `load` without the permission check: only for the demo's committed key.
    fn read(path: &Path, password: Option<Zeroizing<String>>) -> Result<Signer, KeyError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| KeyError::Read {
                    path: path.to_path_buf(),
                    source,
                })?,
            );
        let malformed = |reason: String| KeyError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = key_bytes(&text).ok_or_else(|| malformed("no base64 key line".into()))?;
        if bytes.len() != SECRET_KEY_LEN || bytes[0..2] != *b"Ed" {
            return Err(malformed(format!(
                "expected a {SECRET_KEY_LEN}-byte Ed25519 key, found {} bytes",
                bytes.len()
            )));
        }
        let secret = if bytes[2..4] != [0, 0] {
            let password = password.ok_or_else(|| KeyError::PasswordMissing {
                path: path.to_path_buf(),
            })?;
            let sk_box = SecretKeyBox::from_string(&text).map_err(|e| malformed(e.to_string()))?;
            sk_box
                .into_secret_key(Some(password.as_str().to_owned()))
                .map_err(|e| KeyError::Decrypt {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })?
        } else {
            // `minisign -G -W` leaves the checksum of an unencrypted key zeroed, which the
            // minisign crate's box parser rejects; read the bytes directly and let the
            // self-test below catch a damaged key instead.
            SecretKey::from_bytes(&bytes).map_err(|e| malformed(e.to_string()))?
        };
        let public =
            minisign::PublicKey::from_secret_key(&secret).map_err(|e| malformed(e.to_string()))?;
        let ed25519 = ed25519_key(&secret, &public).map_err(malformed)?;
        let signer = Signer {
            secret,
            public,
            ed25519,
        };
        signer.self_test().map_err(malformed)?;
        Ok(signer)
    }

    /// Sign and verify a fixed message, so a damaged key fails here rather than producing
    /// signatures nobody can verify.
    fn self_test(&self) -> Result<(), String> {
        const MESSAGE: &[u8] = b"tollgate signing key self-test";
        let text = self.sign(MESSAGE, "self-test").map_err(|e| e.to_string())?;
        let public = minisign_verify::PublicKey::from_base64(&self.public.to_base64())
            .map_err(|e| e.to_string())?;
        let signature = minisign_verify::Signature::decode(&text).map_err(|e| e.to_string())?;
        public
            .verify(MESSAGE, &signature, false)
            .map_err(|_| "the key fails to verify its own signature (damaged key?)".to_owned())
    }

    /// A plain Ed25519 signature over `message` (no prehash, no trusted comment), made with
    /// the minisign key's Ed25519 key: what a DSSE envelope carries (see `crate::dsse`).
    pub fn sign_ed25519(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.ed25519.sign(message).to_bytes()
    }

    /// The raw Ed25519 public key (32 bytes) inside the minisign public key.
    pub fn ed25519_public(&self) -> [u8; 32] {
        self.ed25519.verifying_key().to_bytes()
    }

    /// Sign `data`; the result is the text of a `.minisig` file (prehashed, "ED").
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<String, KeyError> {
        let untrusted = format!("signature from tollgate secret key {}", self.key_id());
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            data,
            Some(trusted_comment),
            Some(&untrusted),
        )
        .map_err(|e| KeyError::Sign(e.to_string()))?;
        Ok(signature.into_string())
    }

    /// The signer's key id, as minisign prints it.
    pub fn key_id(&self) -> String {
        let keynum: [u8; 8] = self.public.keynum().try_into().unwrap_or_default();
        format!("{:016X}", u64::from_le_bytes(keynum))
    }

    /// The public key as minisign's base64 line ("RW...").
    pub fn public_key_base64(&self) -> String {
        self.public.to_base64()
    }

    /// The public key in minisign's file format.
    pub fn public_key_file(&self) -> Result<String, KeyError> {
        self.public
            .to_box()
            .map(|b| b.into_string())
            .map_err(|e| KeyError::Generate(e.to_string()))
    }
}

/// The password for an encrypted key, from the environment.
pub fn password_from_env() -> Option<Zeroizing<String>> {
    std::env::var(PASSWORD_VAR).ok().map(Zeroizing::new)
}

/// The key password from `--key-password-file FILE` or `TOLLGATE_KEY_PASSWORD` (never
/// both), registered for redaction so it never appears in kept evidence. The file's first
/// line is the password (its line ending stripped); a file readable by group or others is
/// refused, as a key file is.
pub fn password(file: Option<&Path>) -> Result<Option<Zeroizing<String>>, KeyError> {
    let password = match (file, password_from_env()) {
        (Some(_), Some(_)) => return Err(KeyError::PasswordTwice),
        (None, env) => env,
        (Some(path), None) => Some(password_from_file(path)?),
    };
    if let Some(password) = &password {
        crate::redact::register(password);
    }
    Ok(password)
}

fn password_from_file(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    let read_error = |source| KeyError::PasswordFileRead {
        path: path.to_path_buf(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(read_error)?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o044 != 0 {
            return Err(KeyError::PasswordFileReadable {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(read_error)?);
    let first = text.split('\n').next().unwrap_or_default();
    let first = first.strip_suffix('\r').unwrap_or(first);
    if first.is_empty() {
        return Err(KeyError::PasswordFileEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(Zeroizing::new(first.to_owned()))
}

/// A signing key named on the command line, checked but not yet read: the file exists and
/// is not readable by others, and its password (if any) is at hand. Reading and decrypting
/// it (`load`) needs proof that no child process is running, so a command loads its key
/// only after every gate has finished and every child is reaped.
pub struct PendingKey {
    path: PathBuf,
    password: Option<Zeroizing<String>>,
    /// The demo's committed key: public by design, so its permissions are not checked.
    demo: bool,
}

impl PendingKey {
    /// The key `--key` names, with its password from `--key-password-file` or the
    /// environment; `None` without `--key`. Fails early on what can be checked without
    /// reading the key: a missing or world-readable file, an unreadable password file, two
    /// passwords.
    pub fn prepare(
        key: Option<&Path>,
        password_file: Option<&Path>,
    ) -> Result<Option<PendingKey>, KeyError> {
        let password = password(password_file)?;
        let Some(path) = key else {
            return Ok(None);
        };
        refuse_world_readable(path)?;
        Ok(Some(PendingKey {
            path: path.to_path_buf(),
            password,
            demo: false,
        }))
    }

    /// The demo policy's committed, unencrypted verdict key (`[demo] verdict_key`): its
    /// permissions are not checked, because it is public by design.
    pub fn demo(path: &Path) -> PendingKey {
        PendingKey {
            path: path.to_path_buf(),
            password: None,
            demo: true,
        }
    }

    /// Read and decrypt the key. `_quiet` proves no child process runs (see
    /// `process::quiescent`).
    pub fn load(self, _quiet: &crate::process::Quiescent) -> Result<Signer, KeyError> {
        if self.demo {
            Signer::read(&self.path, self.password)
        } else {
            Signer::load(&self.path, self.password)
        }
    }

    /// `load` if no child process runs now; an error naming how many do otherwise.
    pub fn load_when_quiet(self) -> Result<Signer, KeyError> {
        let quiet =
            crate::process::quiescent().map_err(|running| KeyError::ChildrenRunning { running })?;
        self.load(&quiet)
    }
}

/// The Ed25519 signing key inside a decrypted minisign secret key: the libsodium secret key
/// (seed then public key) sits at bytes 62..126 of its serialisation (after the algorithms,
/// KDF salt and limits, and key id). Its public half must be the minisign public key's.
fn ed25519_key(
    secret: &SecretKey,
    public: &minisign::PublicKey,
) -> Result<ed25519_dalek::SigningKey, String> {
    let bytes = Zeroizing::new(secret.to_bytes());
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
        bytes
            .get(SECRET_SEED)
            .and_then(|s| s.try_into().ok())
            .ok_or("the secret key is too short for an Ed25519 key")?,
    );
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public_bytes = public.to_bytes();
    // A minisign public key: algorithm (2), key id (8), Ed25519 key (32).
    if public_bytes.get(10..42) != Some(key.verifying_key().as_bytes().as_slice()) {
        return Err("the Ed25519 seed does not match the public key (damaged key?)".into());
    }
    Ok(key)
}

/// Where the Ed25519 seed sits in a serialised minisign secret key.
const SECRET_SEED: std::ops::Range<usize> = 62..94;

/// Size of a minisign secret key: algorithms, KDF parameters, key id, key and checksum.
const SECRET_KEY_LEN: usize = 158;

/// The decoded key line of a secret key file (the first line that is not a comment).
fn key_bytes(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))?;
    base64::engine::general_purpose::STANDARD
        .decode(line)
        .ok()
        .map(Zeroizing::new)
}

#[cfg(unix)]
fn refuse_world_readable(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| KeyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o004 != 0 {
        return Err(KeyError::WorldReadable {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_world_readable(_path: &Path) -> Result<(), KeyError> {
    Ok(())
}

/// Paths written by `keygen`.
pub struct GeneratedKeys {
    pub secret: PathBuf,
    pub public: PathBuf,
    pub key_id: String,
}

/// Generate a key pair into `dir`: `tollgate.key` (mode 0600, never overwriting) and `tollgate.pub`.
pub fn keygen(dir: &Path, password: Option<Zeroizing<String>>) -> Result<GeneratedKeys, KeyError> {
    let pair = match password {
        Some(p) => KeyPair::generate_encrypted_keypair(Some(p.as_str().to_owned())),
        None => KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(|e| KeyError::Generate(e.to_string()))?;
    let secret_text = Zeroizing::new(
        pair.sk
            .to_box(Some("tollgate secret key"))
            .map_err(|e| KeyError::Generate(e.to_string()))?
            .into_string(),
    );
    let public_text = pair
        .pk
        .to_box()
        .map_err(|e| KeyError::Generate(e.to_string()))?
        .into_string();
    std::fs::create_dir_all(dir).map_err(|source| KeyError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let secret = dir.join("tollgate.key");
    let public = dir.join("tollgate.pub");
    write_exclusive(&secret, secret_text.as_bytes(), 0o600)?;
    write_exclusive(&public, public_text.as_bytes(), 0o644)?;
    let keynum: [u8; 8] = pair.pk.keynum().try_into().unwrap_or_default();
    Ok(GeneratedKeys {
        secret,
        public,
        key_id: format!("{:016X}", u64::from_le_bytes(keynum)),
    })
}

fn write_exclusive(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let err = |source| KeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::TrustedKey;

    #[test]
    fn keygen_then_sign_then_verify() {
        let dir = tempfile::tempdir().unwrap();
        let keys = keygen(dir.path(), None).unwrap();
        let signer = Signer::load(&keys.secret, None).unwrap();
        assert_eq!(signer.key_id(), keys.key_id);
        let text = signer.sign(b"payload", "env:regtest").unwrap();
        let trusted = TrustedKey::from_file(&keys.public, "tollgate.pub").unwrap();
        let sig = minisign_verify::Signature::decode(&text).unwrap();
        trusted.key.verify(b"payload", &sig, false).unwrap();
        assert_eq!(sig.trusted_comment(), "env:regtest");
        assert!(trusted.key.verify(b"other", &sig, false).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn keygen_refuses_to_overwrite_and_sets_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let keys = keygen(dir.path(), None).unwrap();
        let mode = std::fs::metadata(&keys.secret)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(matches!(
            keygen(dir.path(), None),
            Err(KeyError::Write { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_secret_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let keys = keygen(dir.path(), None).unwrap();
        std::fs::set_permissions(&keys.secret, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Signer::load(&keys.secret, None),
            Err(KeyError::WorldReadable { .. })
        ));
    }

    #[test]
    fn damaged_unencrypted_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let keys = keygen(dir.path(), None).unwrap();
        let text = std::fs::read_to_string(&keys.secret).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(&lines[1])
            .unwrap();
        bytes[70] ^= 1; // inside the Ed25519 seed (the key starts at byte 62)
        lines[1] = base64::engine::general_purpose::STANDARD.encode(&bytes);
        std::fs::write(&keys.secret, lines.join("\n")).unwrap();
        assert!(matches!(
            Signer::load(&keys.secret, None),
            Err(KeyError::Malformed { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn password_files_are_read_and_guarded() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "hunter2-from-file\r\nsecond line\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            password_from_file(&file).unwrap().as_str(),
            "hunter2-from-file"
        );
        for mode in [0o644, 0o640, 0o604] {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
            assert!(matches!(
                password_from_file(&file),
                Err(KeyError::PasswordFileReadable { .. })
            ));
        }
        std::fs::write(&file, "\nrest").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            password_from_file(&file),
            Err(KeyError::PasswordFileEmpty { .. })
        ));
    }

    #[test]
    fn a_pending_key_loads_only_when_no_child_runs() {
        use crate::process::Spawn;
        use std::process::Stdio;
        let dir = tempfile::tempdir().unwrap();
        let keys = keygen(dir.path(), None).unwrap();
        let pending = || {
            PendingKey::prepare(Some(&keys.secret), None)
                .unwrap()
                .unwrap()
        };
        let mut sleep = Spawn::new("sleep");
        sleep.arg("300");
        let mut child = sleep
            .start(Stdio::null(), Stdio::null(), Stdio::null())
            .unwrap();
        assert!(matches!(
            pending().load_when_quiet(),
            Err(KeyError::ChildrenRunning { .. })
        ));
        child.kill().unwrap();
        drop(child);
        // Other tests start children concurrently: retry until none runs.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let signer = loop {
            match pending().load_when_quiet() {
                Ok(signer) => break signer,
                Err(KeyError::ChildrenRunning { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                Err(e) => panic!("{e}"),
            }
        };
        assert_eq!(signer.key_id(), keys.key_id);
    }

    #[test]
    fn encrypted_key_needs_the_right_password() {
        let dir = tempfile::tempdir().unwrap();
        let keys = keygen(dir.path(), Some(Zeroizing::new("hunter2".into()))).unwrap();
        assert!(matches!(
            Signer::load(&keys.secret, None),
            Err(KeyError::PasswordMissing { .. })
        ));
        assert!(matches!(
            Signer::load(&keys.secret, Some(Zeroizing::new("wrong".into()))),
            Err(KeyError::Decrypt { .. })
        ));
        Signer::load(&keys.secret, Some(Zeroizing::new("hunter2".into()))).unwrap();
    }
}
