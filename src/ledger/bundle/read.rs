//! Reading a bundle into memory, never onto the filesystem: member names must be relative,
//! `/`-separated, free of `..`, and unique; only regular files (and directories, which are
//! skipped) are accepted, so a crafted tar cannot plant a symlink or write anywhere.

use crate::bounded::{Cap, ReadError};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Bundles are ledgers of small files; this bounds what a hostile tar can make us hold.
const MAX_MEMBER: u64 = 64 << 20;

/// Every member of the bundle at `path`, by name.
pub fn read(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    read_capped(path, crate::bounded::caps::BUNDLE)
}

/// As `read`, refusing a bundle whose members hold more than `cap` bytes in all (tests
/// pass a small cap).
pub fn read_capped(path: &Path, cap: Cap) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let (file, _) = crate::bounded::open_regular(path)
        .map_err(|e| format!("cannot open bundle: {}", e.describe(path)))?;
    let at = |what: String| format!("bundle {}: {what}", path.display());
    let mut total: u64 = 0;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let mut members = BTreeMap::new();
    for member in archive
        .entries()
        .map_err(|e| at(format!("not a tar file: {e}")))?
    {
        let mut member = member.map_err(|e| at(format!("not a tar file: {e}")))?;
        let raw = member.path_bytes().into_owned();
        let name = String::from_utf8(raw).map_err(|_| at("a member name is not UTF-8".into()))?;
        let kind = member.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(at(format!(
                "member {name:?} is not a regular file ({kind:?}); bundles hold only files"
            )));
        }
        let clean = name.strip_prefix("./").unwrap_or(&name).to_owned();
        if clean.is_empty()
            || clean.starts_with('/')
            || clean
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(at(format!(
                "member name {name:?} is absolute or climbs with `..`; refused"
            )));
        }
        if member.size() > MAX_MEMBER {
            return Err(at(format!(
                "member {clean} is {} bytes, more than any ledger file",
                member.size()
            )));
        }
        total = total.saturating_add(member.size());
        if total > cap.bytes {
            return Err(ReadError::TooLarge { size: total, cap }.describe(path));
        }
        let mut bytes = Vec::with_capacity(member.size() as usize);
        member
            .read_to_end(&mut bytes)
            .map_err(|e| at(format!("cannot read member {clean}: {e}")))?;
        if members.insert(clean.clone(), bytes).is_some() {
            return Err(at(format!(
                "member {clean} appears twice; a bundle names each file once"
            )));
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(dir: &Path, members: &[(&str, usize)]) -> std::path::PathBuf {
        let path = dir.join("b.tar");
        let mut builder = tar::Builder::new(std::fs::File::create(&path).unwrap());
        for (name, size) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(*size as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, name, &vec![b'x'; *size][..])
                .unwrap();
        }
        builder.finish().unwrap();
        path
    }

    /// Issue 10 (point 7): the members together are capped, not only each one.
    #[test]
    fn a_bundle_past_its_total_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = bundle(dir.path(), &[("a", 600), ("b", 600)]);
        let cap = crate::bounded::caps::BUNDLE.with_bytes(1024);
        let error = read_capped(&path, cap).unwrap_err();
        assert!(
            error.contains("larger than the 1 KiB cap for a ledger bundle")
                && error.contains("audit verify --store"),
            "{error}"
        );
        assert_eq!(read_capped(&path, cap.with_bytes(1200)).unwrap().len(), 2);
    }
}
