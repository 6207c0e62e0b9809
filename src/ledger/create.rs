//! Creating an empty ledger of a chosen format (`tollgate audit init`): format 1 gets an
//! unsigned head for the empty chain, format 2 an unsigned checkpoint of the empty tree with
//! its origin. Both are created only if absent, and a store that already holds a ledger is
//! refused, so init never re-roots an existing log.

use super::format::{Format, detect};
use super::head::{HEAD_KEY, Head, HeadBody};
use super::store::{Created, Store};

/// What `audit init` created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialised {
    pub format: Format,
    /// Format 2: the log's origin.
    pub origin: Option<String>,
}

/// Create an empty ledger of `format` in `store`; `origin` only for format 2 (default: a
/// fresh [`super::v2::origin::default_origin`]).
pub fn init(
    store: &dyn Store,
    format: Format,
    origin: Option<&str>,
) -> Result<Initialised, String> {
    if let Some(existing) = detect(store)? {
        return Err(format!(
            "{} already holds a format-{} ledger: `audit init` creates only new ledgers",
            store.location(),
            match existing {
                Format::V1 => 1,
                Format::V2 => 2,
            }
        ));
    }
    match format {
        Format::V1 => {
            if origin.is_some() {
                return Err(
                    "--origin names a format-2 log; a format-1 ledger has none (use --format v2)"
                        .to_owned(),
                );
            }
            let head = Head::sign(HeadBody::empty(None), None)?;
            created(store, HEAD_KEY, &head.bytes())?;
            Ok(Initialised {
                format,
                origin: None,
            })
        }
        Format::V2 => {
            let origin = match origin {
                Some(origin) => {
                    super::v2::origin::check(origin)?;
                    origin.to_owned()
                }
                None => super::v2::origin::default_origin()?,
            };
            if !super::v2::create::empty(store, &origin)? {
                return Err(format!(
                    "{}/{}: created by another process meanwhile; run `tollgate audit verify`",
                    store.location(),
                    super::v2::layout::CHECKPOINT
                ));
            }
            Ok(Initialised {
                format,
                origin: Some(origin),
            })
        }
    }
}

fn created(store: &dyn Store, key: &str, bytes: &[u8]) -> Result<(), String> {
    match store.create(key, bytes).map_err(|e| e.to_string())? {
        Created::New => Ok(()),
        Created::AlreadyExists => Err(format!(
            "{}/{key}: created by another process meanwhile; run `tollgate audit verify`",
            store.location()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::local::LocalStore;

    #[test]
    fn init_creates_each_format_once() {
        let dir = tempfile::tempdir().unwrap();
        let v1 = LocalStore::open(&dir.path().join("v1"), true).unwrap();
        assert_eq!(init(&v1, Format::V1, None).unwrap().format, Format::V1);
        assert_eq!(detect(&v1).unwrap(), Some(Format::V1));
        let again = init(&v1, Format::V2, None).unwrap_err();
        assert!(again.contains("already holds a format-1 ledger"), "{again}");
        let v2 = LocalStore::open(&dir.path().join("v2"), true).unwrap();
        let origin = init(&v2, Format::V2, Some("example.com/ledger/test")).unwrap();
        assert_eq!(origin.origin.as_deref(), Some("example.com/ledger/test"));
        assert_eq!(detect(&v2).unwrap(), Some(Format::V2));
        let checkpoint = v2.get("checkpoint").unwrap().unwrap();
        assert_eq!(
            String::from_utf8(checkpoint).unwrap(),
            "example.com/ledger/test\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"
        );
        let empty = LocalStore::open(&dir.path().join("v1o"), true).unwrap();
        let refused = init(&empty, Format::V1, Some("x.dev/l")).unwrap_err();
        assert!(
            refused.contains("--origin names a format-2 log"),
            "{refused}"
        );
        let bad = init(&empty, Format::V2, Some("a b")).unwrap_err();
        assert!(bad.contains("not allowed"), "{bad}");
    }
}
