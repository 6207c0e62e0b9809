//! Which format a ledger store holds, and the one place new stores get theirs. Format 1 is
//! the hash chain (`head.json`, `entries/<seq>.json`); format 2 is a C2SP tlog-tiles log
//! (`checkpoint`, `tile/…`). Every reader and writer asks [`detect`] and dispatches, so
//! neither format's keys are touched by code meant for the other.

use super::store::Store;

/// A ledger format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The hash chain: one object per entry, chained by `prev`, under a signed `head.json`.
    V1,
    /// A C2SP tlog-tiles log: entry bundles, hash tiles and a signed checkpoint.
    V2,
}

/// The format an empty store gets when it is appended to without `audit init`. Changed
/// only here.
pub const DEFAULT_FOR_NEW: Format = Format::V2;

/// Environment variable that forces the format of new stores (`v1` or `v2`), for tests and
/// for pinning a deployment to one format.
pub const FORMAT_ENV: &str = "TOLLGATE_LEDGER_FORMAT";

impl Format {
    /// `v1` or `v2`, as `audit init --format` and [`FORMAT_ENV`] spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::V1 => "v1",
            Format::V2 => "v2",
        }
    }

    /// Parse `v1` or `v2`.
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim() {
            "v1" => Some(Format::V1),
            "v2" => Some(Format::V2),
            _ => None,
        }
    }

    /// The format new stores get: [`FORMAT_ENV`] when set, else [`DEFAULT_FOR_NEW`].
    pub fn for_new() -> Result<Format, String> {
        match std::env::var(FORMAT_ENV) {
            Ok(value) if !value.is_empty() => Format::parse(&value).ok_or_else(|| {
                format!("{FORMAT_ENV}={value:?}: expected v1 or v2 (or unset it for the default)")
            }),
            _ => Ok(DEFAULT_FOR_NEW),
        }
    }
}

/// The store's format: v2 iff it has a `checkpoint`; v1 iff it has `head.json` or any
/// `entries/` key; `None` for an empty store. A store with both a checkpoint and a head is
/// an error (neither format's verification could vouch for the other's objects).
pub fn detect(store: &dyn Store) -> Result<Option<Format>, String> {
    let has = |key: &str| -> Result<bool, String> {
        Ok(store.get(key).map_err(|e| e.to_string())?.is_some())
    };
    let checkpoint = has(super::v2::layout::CHECKPOINT)?;
    let head = has(super::head::HEAD_KEY)?;
    match (checkpoint, head) {
        (true, true) => Err(format!(
            "{}: holds both a format-2 {} and a format-1 {}: it is not one ledger; keep the \
             store of one format (move the other's objects away) and run `tollgate audit verify`",
            store.location(),
            super::v2::layout::CHECKPOINT,
            super::head::HEAD_KEY
        )),
        (true, false) => Ok(Some(Format::V2)),
        (false, true) => Ok(Some(Format::V1)),
        (false, false) => {
            let entries = store.list("entries/").map_err(|e| e.to_string())?;
            Ok((!entries.is_empty()).then_some(Format::V1))
        }
    }
}

/// The format an append writes: the store's own, or [`Format::for_new`] for an empty store.
pub fn for_append(store: &dyn Store) -> Result<Format, String> {
    match detect(store)? {
        Some(format) => Ok(format),
        None => Format::for_new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::local::LocalStore;

    #[test]
    fn detect_names_the_format_by_its_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path(), true).unwrap();
        assert_eq!(detect(&store).unwrap(), None);
        store.create("entries/000000000001.json", b"{}").unwrap();
        assert_eq!(detect(&store).unwrap(), Some(Format::V1));
        store.create("head.json", b"{}").unwrap();
        assert_eq!(detect(&store).unwrap(), Some(Format::V1));
        store.create("checkpoint", b"x\n0\n").unwrap();
        let both = detect(&store).unwrap_err();
        assert!(both.contains("both a format-2 checkpoint"), "{both}");
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path(), true).unwrap();
        store.create("checkpoint", b"x\n0\n").unwrap();
        assert_eq!(detect(&store).unwrap(), Some(Format::V2));
    }

    #[test]
    fn formats_parse_as_spelled() {
        for format in [Format::V1, Format::V2] {
            assert_eq!(Format::parse(format.as_str()), Some(format));
        }
        assert_eq!(Format::parse("v3"), None);
    }
}
