//! Opening a ledger from a `--store` value: a directory path, or an object-store URL.

use super::local::LocalStore;
use super::store::{Store, StoreError};
use std::path::Path;

/// The default store, relative to the repository (`evaluate`) or the working directory
/// (`audit`, `freeze`).
pub const DEFAULT_STORE: &str = ".tollgate/ledger";

/// Whether opening may create an empty ledger (appending) or needs an existing one (reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Existing,
}

/// Open `--store VALUE`: `s3://bucket/prefix` is object storage; anything else is a local
/// directory, relative paths resolved against `base`.
pub fn open(value: &str, base: &Path, mode: Mode) -> Result<Box<dyn Store>, StoreError> {
    if super::s3::is_s3_url(value) {
        return Ok(Box::new(super::s3::S3Store::open(value)?));
    }
    if value.contains("://") {
        return Err(StoreError {
            location: value.to_owned(),
            key: String::new(),
            message: "unsupported store URL: --store takes a directory or s3://bucket/prefix"
                .to_owned(),
        });
    }
    let path = if base == Path::new(".") {
        Path::new(value).to_path_buf()
    } else {
        base.join(value)
    };
    Ok(Box::new(LocalStore::open(&path, mode == Mode::Create)?))
}
