//! The first member of a .zip artifact that differs from its rebuild, and how: read with
//! the `zip` crate (central directory, then each member's data, inflated through flate2's
//! pure-Rust backend); the facts compared are the ones a non-reproducible zip build varies.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// One member's recorded facts and content digest.
#[derive(Debug, PartialEq, Eq)]
struct Member {
    name: String,
    facts: Vec<(&'static str, String)>,
    /// SHA-256 of the inflated content, or why it could not be read.
    content: String,
}

fn members(path: &Path) -> io::Result<Vec<Member>> {
    let mut archive = zip::ZipArchive::new(BufReader::new(File::open(path)?))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let mut out = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        let kind = if file.is_dir() {
            "directory"
        } else if file.is_symlink() {
            "symlink"
        } else {
            "file"
        };
        let modified = file
            .last_modified()
            .map(|t| {
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            })
            .unwrap_or_else(|| "none".to_owned());
        let facts = vec![
            ("type", kind.to_owned()),
            ("compression", format!("{:?}", file.compression())),
            (
                "mode",
                file.unix_mode()
                    .map_or_else(|| "none".to_owned(), |m| format!("{m:o}")),
            ),
            ("modified", modified),
            ("size", file.size().to_string()),
            ("compressed size", file.compressed_size().to_string()),
            ("crc32", format!("{:08x}", file.crc32())),
            (
                "extra fields",
                file.extra_data().map_or(0, |d| d.len()).to_string(),
            ),
            ("comment", format!("{:?}", file.comment())),
        ];
        let name = match file.name() {
            Ok(name) => name.into_owned(),
            Err(_) => String::from_utf8_lossy(file.name_raw()).into_owned(),
        };
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 << 10];
        let content = loop {
            match file.read(&mut buffer) {
                Ok(0) => break hex::encode(hasher.finalize()),
                Ok(n) => hasher.update(&buffer[..n]),
                Err(e) => break format!("unreadable ({e})"),
            }
        };
        out.push(Member {
            name,
            facts,
            content,
        });
    }
    Ok(out)
}

/// The first member that differs and how, `None` when every member matches.
pub fn difference(released: &Path, rebuilt: &Path) -> io::Result<Option<String>> {
    let released = members(released)?;
    let rebuilt = members(rebuilt)?;
    for (index, (a, b)) in released.iter().zip(rebuilt.iter()).enumerate() {
        if a.name != b.name {
            return Ok(Some(format!(
                "member #{} is {:?} in the release but {:?} in the rebuild (order or names differ)",
                index + 1,
                a.name,
                b.name
            )));
        }
        let mut how: Vec<String> = a
            .facts
            .iter()
            .zip(&b.facts)
            .filter(|(x, y)| x.1 != y.1)
            .map(|(x, y)| format!("{} {} vs {}", x.0, x.1, y.1))
            .collect();
        if a.content != b.content {
            how.push(format!(
                "content sha256 {} vs {}",
                super::short(&a.content),
                super::short(&b.content)
            ));
        }
        if !how.is_empty() {
            return Ok(Some(format!(
                "member {:?} differs (release vs rebuild): {}",
                a.name,
                how.join(", ")
            )));
        }
    }
    Ok(match released.len().cmp(&rebuilt.len()) {
        std::cmp::Ordering::Greater => Some(format!(
            "member {:?} is only in the release",
            released[rebuilt.len()].name
        )),
        std::cmp::Ordering::Less => Some(format!(
            "member {:?} is only in the rebuild",
            rebuilt[released.len()].name
        )),
        std::cmp::Ordering::Equal => None,
    })
}
