//! Redaction: every secret value tollgate knows of is replaced by `[REDACTED]` in what it
//! captures from children (plugin output, smoke logs, command output) before that is kept as
//! evidence or quoted in a report.
//!
//! Secrets known: the values of tollgate's own environment variables whose names look secret
//! (`is_secret_name`), read on first use, and values registered at run time (the signing key's
//! password, from the environment or `--key-password-file`; the S3 ledger's credentials).
//! Values shorter than `MIN_LEN` bytes, and flag-like words such as `true`, are never
//! redacted: replacing every `1` or `yes` in a log would destroy the evidence while
//! protecting nothing (a secret that short is guessed, not leaked).

use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::{Arc, OnceLock, RwLock};

/// What a secret value is replaced with.
pub const MARKER: &[u8] = b"[REDACTED]";

/// Shorter values are not redacted (see the module documentation).
pub const MIN_LEN: usize = 4;

/// Whether an environment variable's name says its value is a secret. The name is split on
/// `_` (case-insensitively); it is secret when a word is TOKEN, SECRET, PASSWORD, PASSWD,
/// PASSPHRASE, CREDENTIAL(S), APIKEY or PRIVATE, or when its last word is KEY (`*_KEY`,
/// `AWS_SECRET_ACCESS_KEY`), unless its last word says the value only points at the secret
/// or names it (URL, PATH, FILE, DIR, ID, NAME): `TOLLGATE_KEY_PASSWORD_FILE` holds a path,
/// `AWS_ACCESS_KEY_ID` an identifier.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split('_').filter(|w| !w.is_empty()).collect();
    let Some(last) = words.last() else {
        return false;
    };
    if ["URL", "PATH", "FILE", "DIR", "ID", "NAME"].contains(last) {
        return false;
    }
    const SECRET_WORDS: &[&str] = &[
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "CREDENTIAL",
        "CREDENTIALS",
        "APIKEY",
        "PRIVATE",
    ];
    *last == "KEY" || words.iter().any(|w| SECRET_WORDS.contains(w))
}

/// Whether `value` is worth redacting (see `MIN_LEN`).
fn eligible(value: &str) -> bool {
    let value = value.trim();
    value.len() >= MIN_LEN
        && !["true", "false", "null", "none", "yes"]
            .iter()
            .any(|word| value.eq_ignore_ascii_case(word))
}

struct Registry {
    values: Vec<String>,
    current: Redactor,
}

fn registry() -> &'static RwLock<Registry> {
    static REGISTRY: OnceLock<RwLock<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut values: Vec<String> = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .filter(|(name, _)| is_secret_name(name))
            .map(|(_, value)| value)
            .filter(|value| eligible(value))
            .collect();
        values.sort();
        values.dedup();
        let current = Redactor::new(&values);
        RwLock::new(Registry { values, current })
    })
}

/// Add a secret value (a password read from a file, a credential from a config); later
/// captures redact it. Values too short to redact are ignored.
pub fn register(value: &str) {
    if !eligible(value) {
        return;
    }
    let Ok(mut registry) = registry().write() else {
        return;
    };
    if registry.values.iter().any(|v| v == value) {
        return;
    }
    registry.values.push(value.to_owned());
    registry.current = Redactor::new(&registry.values);
}

/// The redactor for every secret known now.
pub fn current() -> Redactor {
    match registry().read() {
        Ok(registry) => registry.current.clone(),
        // A writer panicked mid-update; the previous redactor is still whole.
        Err(poisoned) => poisoned.into_inner().current.clone(),
    }
}

/// `text` with every known secret replaced.
pub fn text(text: &str) -> String {
    String::from_utf8_lossy(&current().bytes(text.as_bytes())).into_owned()
}

/// Redact a file in place (a log written by another process); bounded by the caller, who
/// capped the file's size.
pub fn file(path: &std::path::Path) -> std::io::Result<()> {
    let redactor = current();
    if redactor.is_empty() {
        return Ok(());
    }
    let bytes = std::fs::read(path)?;
    let redacted = redactor.bytes(&bytes);
    if redacted != bytes {
        std::fs::write(path, redacted)?;
    }
    Ok(())
}

/// A fixed set of secrets to redact (cheap to clone).
#[derive(Clone)]
pub struct Redactor(Option<Arc<Matcher>>);

struct Matcher {
    /// `None` when the automaton could not be built (only one too large for memory
    /// fails): then everything is dropped rather than kept unredacted.
    automaton: Option<AhoCorasick>,
    /// The longest secret's length: a stream keeps this much minus one byte back.
    longest: usize,
}

impl Redactor {
    /// A redactor for `values` (each at least `MIN_LEN` bytes; shorter ones are skipped).
    pub fn new<S: AsRef<str>>(values: &[S]) -> Redactor {
        let values: Vec<&str> = values
            .iter()
            .map(AsRef::as_ref)
            .filter(|v| eligible(v))
            .collect();
        let longest = values.iter().map(|v| v.len()).max().unwrap_or(0);
        if values.is_empty() {
            return Redactor(None);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&values)
            .ok();
        Redactor(Some(Arc::new(Matcher { automaton, longest })))
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `bytes` with every secret replaced.
    pub fn bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut stream = self.stream();
        let mut out = stream.push(bytes);
        out.extend(stream.finish());
        out
    }

    /// A redactor for a stream that arrives in chunks: a secret split across two chunks is
    /// still found.
    pub fn stream(&self) -> Stream {
        Stream {
            redactor: self.clone(),
            pending: Vec::new(),
        }
    }
}

/// Redaction over a stream: holds back the last `longest - 1` bytes until more arrive, so
/// no secret is emitted in two halves.
pub struct Stream {
    redactor: Redactor,
    pending: Vec<u8>,
}

impl Stream {
    /// Feed a chunk; returns the redacted bytes that are final.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let Some(matcher) = self.redactor.0.clone() else {
            return chunk.to_vec();
        };
        if matcher.automaton.is_none() {
            return Vec::new();
        }
        self.pending.extend_from_slice(chunk);
        let cut = self.pending.len().saturating_sub(matcher.longest - 1);
        self.emit(&matcher, cut)
    }

    /// The rest of the stream, redacted.
    pub fn finish(&mut self) -> Vec<u8> {
        let Some(matcher) = self.redactor.0.clone() else {
            return std::mem::take(&mut self.pending);
        };
        let end = self.pending.len();
        self.emit(&matcher, end)
    }

    /// Emit everything before `cut` (and any secret that starts before it, whole: one that
    /// starts before `cut` is complete in the buffer); keep the rest pending.
    fn emit(&mut self, matcher: &Matcher, cut: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(cut + MARKER.len());
        let mut pos = 0;
        let Some(automaton) = &matcher.automaton else {
            self.pending.clear();
            return out;
        };
        for found in automaton.find_iter(&self.pending) {
            if found.start() >= cut {
                break;
            }
            out.extend_from_slice(&self.pending[pos..found.start()]);
            out.extend_from_slice(MARKER);
            pos = found.end();
        }
        let upto = pos.max(cut);
        out.extend_from_slice(&self.pending[pos..upto]);
        self.pending.drain(..upto);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "TOLLGATE_KEY_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "GITHUB_TOKEN",
            "ACTIONS_RUNTIME_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "FOO_TOKEN",
            "DB_PASSWORD_PROD",
            "MY_SECRET",
            "STRIPE_API_KEY",
            "github_token",
            "NPM_CREDENTIALS",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PATH",
            "HOME",
            "PWD",
            "AWS_ACCESS_KEY_ID",
            "TOLLGATE_KEY_PASSWORD_FILE",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "KEYBOARD",
            "SSH_AUTH_SOCK",
            "_",
            "",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn replaces_every_occurrence_and_skips_short_values() {
        let r = Redactor::new(&["hunter22", "abc", "true", "s3cr3t-longer"]);
        assert_eq!(
            r.bytes(b"pw=hunter22 again hunter22, abc true s3cr3t-longer."),
            b"pw=[REDACTED] again [REDACTED], abc true [REDACTED].".to_vec()
        );
        assert!(Redactor::new(&["abc"]).is_empty());
    }

    #[test]
    fn the_longest_overlapping_secret_wins() {
        let r = Redactor::new(&["token", "token-extended"]);
        assert_eq!(r.bytes(b"x token-extended y"), b"x [REDACTED] y".to_vec());
    }

    #[test]
    fn a_secret_split_across_chunks_is_found() {
        let secret = "correct-horse-battery";
        let text = format!("start {secret} middle {secret} end");
        let r = Redactor::new(&[secret]);
        for size in 1..text.len() {
            let mut stream = r.stream();
            let mut out = Vec::new();
            for chunk in text.as_bytes().chunks(size) {
                out.extend(stream.push(chunk));
            }
            out.extend(stream.finish());
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "start [REDACTED] middle [REDACTED] end",
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn nothing_known_leaves_bytes_alone() {
        let r = Redactor::new::<&str>(&[]);
        assert_eq!(r.bytes(b"anything"), b"anything".to_vec());
    }

    #[test]
    fn registered_values_are_redacted_from_then_on() {
        let value = "registered-at-run-time-7f3a";
        assert!(!text(value).contains("[REDACTED]"));
        register(value);
        assert_eq!(text(&format!("a {value} b")), "a [REDACTED] b");
    }
}
