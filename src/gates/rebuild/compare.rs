//! Saying how a released artifact differs from its rebuild: for a tar archive (plain or
//! gzip) or a zip archive the first member that differs and in what; for any other file the
//! first differing byte offset.

mod zip_archive;

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// How `released` differs from `rebuilt` (the caller knows they differ).
pub fn describe(name: &str, released: &Path, rebuilt: &Path) -> String {
    let lower = name.to_ascii_lowercase();
    let archive = if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        Some(tar_difference(gunzip(released), gunzip(rebuilt)))
    } else if lower.ends_with(".tar") {
        Some(tar_difference(plain(released), plain(rebuilt)))
    } else if lower.ends_with(".zip") {
        Some(zip_archive::difference(released, rebuilt))
    } else {
        None
    };
    let bytes = match first_differing_byte(released, rebuilt) {
        Ok(Some(offset)) => format!("the files first differ at byte offset {offset}"),
        Ok(None) => "the files are identical".to_owned(),
        Err(e) => format!("cannot compare the bytes: {e}"),
    };
    match archive {
        Some(Ok(Some(member))) => format!("{member}; {bytes}"),
        Some(Ok(None)) if lower.ends_with(".tar") => {
            format!(
                "every member is identical, the archive framing differs (padding or end blocks); {bytes}"
            )
        }
        Some(Ok(None)) if lower.ends_with(".zip") => format!(
            "every member is identical, the zip framing differs (the archive comment, the \
             central directory or data between members); {bytes}"
        ),
        Some(Ok(None)) => format!(
            "every tar member is identical, the gzip wrapper differs (its header time or name, \
             or the compression level: use `gzip -n` and one level); {bytes}"
        ),
        Some(Err(e)) => format!("cannot read it as an archive ({e}); {bytes}"),
        None => bytes,
    }
}

fn gunzip(path: &Path) -> io::Result<Box<dyn Read>> {
    Ok(Box::new(flate2::read::GzDecoder::new(BufReader::new(
        File::open(path)?,
    ))))
}

fn plain(path: &Path) -> io::Result<Box<dyn Read>> {
    Ok(Box::new(BufReader::new(File::open(path)?)))
}

/// One member's header facts and content digest.
#[derive(Debug, PartialEq, Eq)]
struct Member {
    path: String,
    kind: String,
    mode: u32,
    uid: u64,
    gid: u64,
    owner: String,
    group: String,
    mtime: u64,
    link: Option<String>,
    size: u64,
    sha256: String,
}

fn members(reader: io::Result<Box<dyn Read>>) -> io::Result<Vec<Member>> {
    let mut archive = tar::Archive::new(reader?);
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let header = entry.header().clone();
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let link = entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned());
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 << 10];
        loop {
            let n = entry.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        out.push(Member {
            path,
            kind: format!("{:?}", header.entry_type()),
            mode: header.mode().unwrap_or(0),
            uid: header.uid().unwrap_or(0),
            gid: header.gid().unwrap_or(0),
            owner: header
                .username()
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_owned(),
            group: header
                .groupname()
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_owned(),
            mtime: header.mtime().unwrap_or(0),
            link,
            size: header.size().unwrap_or(0),
            sha256: hex::encode(hasher.finalize()),
        });
    }
    Ok(out)
}

/// The first member that differs and how, `None` when every member matches.
fn tar_difference(
    released: io::Result<Box<dyn Read>>,
    rebuilt: io::Result<Box<dyn Read>>,
) -> io::Result<Option<String>> {
    let released = members(released)?;
    let rebuilt = members(rebuilt)?;
    for (index, pair) in released.iter().zip(rebuilt.iter()).enumerate() {
        let (a, b) = pair;
        if a.path != b.path {
            return Ok(Some(format!(
                "member #{} is {:?} in the release but {:?} in the rebuild (order or names differ)",
                index + 1,
                a.path,
                b.path
            )));
        }
        let mut how = Vec::new();
        let mut field = |what: &str, x: String, y: String| {
            if x != y {
                how.push(format!("{what} {x} vs {y}"));
            }
        };
        field("type", a.kind.clone(), b.kind.clone());
        field("mode", format!("{:o}", a.mode), format!("{:o}", b.mode));
        field("uid", a.uid.to_string(), b.uid.to_string());
        field("gid", a.gid.to_string(), b.gid.to_string());
        field("owner", format!("{:?}", a.owner), format!("{:?}", b.owner));
        field("group", format!("{:?}", a.group), format!("{:?}", b.group));
        field("mtime", a.mtime.to_string(), b.mtime.to_string());
        field("link", format!("{:?}", a.link), format!("{:?}", b.link));
        field("size", a.size.to_string(), b.size.to_string());
        if a.sha256 != b.sha256 {
            how.push(format!(
                "content sha256 {} vs {}",
                short(&a.sha256),
                short(&b.sha256)
            ));
        }
        if !how.is_empty() {
            return Ok(Some(format!(
                "member {:?} differs (release vs rebuild): {}",
                a.path,
                how.join(", ")
            )));
        }
    }
    Ok(match released.len().cmp(&rebuilt.len()) {
        std::cmp::Ordering::Greater => Some(format!(
            "member {:?} is only in the release",
            released[rebuilt.len()].path
        )),
        std::cmp::Ordering::Less => Some(format!(
            "member {:?} is only in the rebuild",
            rebuilt[released.len()].path
        )),
        std::cmp::Ordering::Equal => None,
    })
}

fn short(hex: &str) -> &str {
    &hex[..hex.len().min(16)]
}

/// The first offset at which the two files differ (the shorter one's end when one is a
/// prefix of the other), `None` when they are identical.
pub fn first_differing_byte(a: &Path, b: &Path) -> io::Result<Option<u64>> {
    let mut a = BufReader::new(File::open(a)?);
    let mut b = BufReader::new(File::open(b)?);
    let mut offset = 0u64;
    let mut x = vec![0u8; 64 << 10];
    let mut y = vec![0u8; 64 << 10];
    loop {
        let n = read_full(&mut a, &mut x)?;
        let m = read_full(&mut b, &mut y)?;
        let common = n.min(m);
        if let Some(i) = (0..common).find(|&i| x[i] != y[i]) {
            return Ok(Some(offset + i as u64));
        }
        if n != m {
            return Ok(Some(offset + common as u64));
        }
        if n == 0 {
            return Ok(None);
        }
        offset += n as u64;
    }
}

fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
