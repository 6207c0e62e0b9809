//! Witness keys a reader trusts: `--witness NAME=PUB` on the command line or
//! `{ name, key }` in the policy's `[trust] witnesses`, and how many must have cosigned.

use crate::keys::TrustedKey;
use crate::tlog::note::{KeyKind, NoteKey};
use std::path::Path;

/// A witness a reader trusts: its name (the key name of its cosignature lines) and its
/// Ed25519 public key (the one inside a minisign public key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    pub name: String,
    pub ed25519: [u8; 32],
    /// Where the key came from (a path or the inline key), for messages.
    pub source: String,
}

impl WitnessKey {
    /// A witness from its name and key: a minisign public key file (relative to `dir`), an
    /// inline "RW..." key, or the witness's cosignature/v1 verifier key
    /// (`NAME+HASH+BASE64`, as `tollgate audit vkey --witness` prints it), whose name must
    /// be `name`.
    pub fn new(name: &str, key: &str, dir: &Path) -> Result<WitnessKey, String> {
        check_name(name)?;
        if let Some(vkey) = cosigner_vkey(key)? {
            if vkey.name != name {
                return Err(format!(
                    "witness {name}: the verifier key {key} is named {}, not {name}",
                    vkey.name
                ));
            }
            return Ok(WitnessKey {
                name: name.to_owned(),
                ed25519: vkey.public,
                source: key.to_owned(),
            });
        }
        let trusted =
            TrustedKey::resolve(key, dir).map_err(|e| format!("witness {name}: key {key}: {e}"))?;
        Ok(WitnessKey {
            name: name.to_owned(),
            ed25519: trusted.ed25519,
            source: key.to_owned(),
        })
    }

    /// `NAME=PUB`, or a cosignature/v1 verifier key alone, as `--witness` takes it.
    pub fn parse(arg: &str, dir: &Path) -> Result<WitnessKey, String> {
        if let Some(vkey) = cosigner_vkey(arg)? {
            return WitnessKey::new(&vkey.name, arg, dir);
        }
        let (name, key) = arg.split_once('=').ok_or_else(|| {
            format!(
                "{arg:?} is not NAME=PUB: name the witness and give its public key, e.g. \
                 --witness auditor-1=keys/auditor-1.pub (or its verifier key NAME+HASH+BASE64)"
            )
        })?;
        WitnessKey::new(name, key, dir)
    }
}

/// `text` as a cosignature/v1 verifier key: `None` when it is not a verifier key at all,
/// an error when it is one of another kind (a log key).
fn cosigner_vkey(text: &str) -> Result<Option<NoteKey>, String> {
    match NoteKey::parse_vkey(text) {
        Ok(key) if key.kind == KeyKind::Cosigner => Ok(Some(key)),
        Ok(_) => Err(format!(
            "{text} is a log's checkpoint key (type 0x01), not a witness's cosignature key (type 0x04): print the witness's with `tollgate audit vkey --witness NAME`"
        )),
        Err(_) => Ok(None),
    }
}

/// A note key name: not empty, no white space, no `+` (c2sp.org/signed-note).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().any(char::is_whitespace) || name.contains('+') {
        return Err(format!(
            "witness name {name:?} is not a note key name: it must be non-empty, without spaces \
             or `+` (e.g. `auditor.example.org/witness`)"
        ));
    }
    Ok(())
}

/// The witnesses whose cosignatures a reader demands: at least `min` of `keys` (none
/// demanded when `min` is 0).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Witnesses {
    pub keys: Vec<WitnessKey>,
    pub min: usize,
}

impl Witnesses {
    /// `keys` with `min` (default: 1 when any witness is named). Refuses a `min` larger than
    /// the number of witnesses, a `min` without witnesses, 0 with witnesses, and a name
    /// given twice.
    pub fn new(keys: Vec<WitnessKey>, min: Option<usize>) -> Result<Witnesses, String> {
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.name == key.name) {
                return Err(format!(
                    "witness {} is named twice: give each witness once",
                    key.name
                ));
            }
        }
        let min = match (min, keys.len()) {
            (None, 0) => 0,
            (None, _) => 1,
            (Some(k), 0) => {
                return Err(format!(
                    "{k} witness cosignature(s) demanded, but no witness is named: name them \
                     (NAME=PUB) so their cosignatures can be checked"
                ));
            }
            (Some(0), _) => {
                return Err("0 witnesses demanded: give at least 1, or name no witness".to_owned());
            }
            (Some(k), n) if k > n => {
                return Err(format!(
                    "{k} witness cosignatures demanded, but only {n} witness(es) are named: \
                     no checkpoint could ever satisfy it"
                ));
            }
            (Some(k), _) => k,
        };
        Ok(Witnesses { keys, min })
    }

    /// From `--witness NAME=PUB`… and `--min-witnesses` (keys relative to `dir`).
    pub fn from_args(args: &[String], min: Option<usize>, dir: &Path) -> Result<Witnesses, String> {
        let keys = args
            .iter()
            .map(|arg| WitnessKey::parse(arg, dir).map_err(|e| format!("--witness {arg}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Witnesses::new(keys, min).map_err(|e| format!("--min-witnesses: {e}"))
    }

    /// Whether any cosignature is demanded.
    pub fn demanded(&self) -> bool {
        self.min > 0
    }

    /// Both sets' witnesses, demanding the larger of the two minimums (a name given in both
    /// must have the same key).
    pub fn union(mut self, other: Witnesses) -> Result<Witnesses, String> {
        for key in other.keys {
            match self.keys.iter().find(|k| k.name == key.name) {
                Some(known) if known.ed25519 != key.ed25519 => {
                    return Err(format!(
                        "witness {} is given two different keys ({} and {})",
                        key.name, known.source, key.source
                    ));
                }
                Some(_) => {}
                None => self.keys.push(key),
            }
        }
        self.min = self.min.max(other.min);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PK: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

    fn key(name: &str) -> WitnessKey {
        WitnessKey::new(name, PK, Path::new(".")).unwrap()
    }

    #[test]
    fn parses_name_equals_key() {
        let w = WitnessKey::parse(&format!("auditor-1={PK}"), Path::new(".")).unwrap();
        assert_eq!(w.name, "auditor-1");
        assert!(WitnessKey::parse(PK, Path::new(".")).is_err());
        assert!(WitnessKey::parse(&format!("a b={PK}"), Path::new(".")).is_err());
        assert!(WitnessKey::parse(&format!("a+b={PK}"), Path::new(".")).is_err());
        assert!(WitnessKey::parse("a=RWnotakey", Path::new(".")).is_err());
    }

    #[test]
    fn takes_cosignature_verifier_keys() {
        let key = WitnessKey::new("auditor-1", PK, Path::new(".")).unwrap();
        let vkey = NoteKey::new("auditor-1", key.ed25519, KeyKind::Cosigner)
            .unwrap()
            .vkey();
        let parsed = WitnessKey::parse(&vkey, Path::new(".")).unwrap();
        assert_eq!(
            (parsed.name.as_str(), parsed.ed25519),
            ("auditor-1", key.ed25519)
        );
        assert_eq!(
            WitnessKey::parse(&format!("auditor-1={vkey}"), Path::new("."))
                .unwrap()
                .ed25519,
            key.ed25519
        );
        let renamed = WitnessKey::parse(&format!("other={vkey}"), Path::new(".")).unwrap_err();
        assert!(renamed.contains("named auditor-1"), "{renamed}");
        let log = NoteKey::new("o.example", key.ed25519, KeyKind::Log)
            .unwrap()
            .vkey();
        let wrong = WitnessKey::parse(&log, Path::new(".")).unwrap_err();
        assert!(wrong.contains("type 0x01"), "{wrong}");
    }

    #[test]
    fn minimum_defaults_and_bounds() {
        assert_eq!(Witnesses::new(vec![], None).unwrap().min, 0);
        assert_eq!(Witnesses::new(vec![key("a")], None).unwrap().min, 1);
        assert_eq!(
            Witnesses::new(vec![key("a"), key("b")], Some(2))
                .unwrap()
                .min,
            2
        );
        assert!(Witnesses::new(vec![key("a")], Some(2)).is_err());
        assert!(Witnesses::new(vec![], Some(1)).is_err());
        assert!(Witnesses::new(vec![key("a")], Some(0)).is_err());
        assert!(Witnesses::new(vec![key("a"), key("a")], None).is_err());
    }

    #[test]
    fn union_keeps_the_stricter_minimum() {
        let a = Witnesses::new(vec![key("a"), key("b")], Some(2)).unwrap();
        let b = Witnesses::new(vec![key("b"), key("c")], Some(1)).unwrap();
        let u = a.union(b).unwrap();
        assert_eq!(u.keys.len(), 3);
        assert_eq!(u.min, 2);
    }
}
