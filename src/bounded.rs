//! Reading untrusted input files safely: only regular files are ever read (a FIFO would
//! block forever, `/dev/zero` never ends, a socket or directory is not content), the file is
//! opened without blocking and checked on the open descriptor (no window between a check and
//! the open), and whole-file reads stop at a stated cap with an error that names the file,
//! the cap and what to do.

use std::fs::{File, FileType, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// A whole-file read limit: how many bytes, of what, and what to do past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub bytes: u64,
    /// What the file is, e.g. "an SBOM".
    pub what: &'static str,
    /// What to do about a file past the cap.
    pub advice: &'static str,
}

impl Cap {
    /// The same limit with another size (tests use small ones).
    pub const fn with_bytes(self, bytes: u64) -> Cap {
        Cap { bytes, ..self }
    }
}

/// The cap on every kind of input tollgate reads whole (docs/policy.md, "Input limits").
pub mod caps {
    use super::Cap;

    pub const SUMS: Cap = Cap {
        bytes: 16 << 20,
        what: "a sums file",
        advice: "a sums file holds one short line per artifact: check that `sums` in [gates.signatures] names it",
    };
    pub const SIGNATURE: Cap = Cap {
        bytes: 64 << 10,
        what: "a minisign signature",
        advice: "a .minisig is a few hundred bytes: re-sign with `minisign -S` and keep the trusted comment short",
    };
    pub const PUBLIC_KEY: Cap = Cap {
        bytes: 64 << 10,
        what: "a minisign public key",
        advice: "a .pub file is two short lines: point the policy at the key made by `minisign -G` or `tollgate keygen`",
    };
    pub const SSH_PUBLIC_KEY: Cap = Cap {
        bytes: 64 << 10,
        what: "an SSH public key file",
        advice: "a key file holds one OpenSSH key line per key (`ssh-ed25519 AAAA... comment`): point `[trust] tag_keys` at the .pub file",
    };
    pub const RUST_SOURCE: Cap = Cap {
        bytes: 16 << 20,
        what: "a Rust source file",
        advice: "a hand-written source file is far smaller: a generated one belongs in OUT_DIR (not scanned), or exempt it with `allow` in [gates.unsafe_code] after review",
    };
    pub const SBOM: Cap = Cap {
        bytes: 64 << 20,
        what: "an SBOM",
        advice: "tollgate reads SBOMs up to this size: drop embedded license texts or hashes of files, or use `generate = true` in [gates.sbom]",
    };
    pub const AUDIT_REPORT: Cap = Cap {
        bytes: 64 << 20,
        what: "an audit report",
        advice: "publish the report as the audit tool wrote it (JSON, no embedded extras), or split the audit across reports",
    };
    pub const DRILL_LOG: Cap = Cap {
        bytes: 64 << 20,
        what: "a drill log",
        advice: "archive old entries to another file and keep the recent ones the gate needs",
    };
    pub const CHANGE_DOCUMENT: Cap = Cap {
        bytes: 4 << 20,
        what: "a rollback plan or change log",
        advice: "a rollback plan or change log is a document for people: link large material from it instead of attaching it",
    };
    pub const SNAPSHOT_LOG: Cap = Cap {
        bytes: 64 << 20,
        what: "a snapshot log",
        advice: "archive old entries to another file and keep those within the retention window",
    };
    pub const NODE_CONFIG: Cap = Cap {
        bytes: 1 << 20,
        what: "a node configuration file",
        advice: "a node config is a few kilobytes: check that `path` in [gates.config] names the config, not a data file",
    };
    pub const BUNDLE: Cap = Cap {
        bytes: 1 << 30,
        what: "a ledger bundle (all members together)",
        advice: "verify a ledger this large in place (`tollgate audit verify --store DIR`) instead of as a bundle",
    };
    pub const LEGACY_SIGNED: Cap = Cap {
        bytes: 256 << 20,
        what: "a file with a legacy (non-prehashed) signature, which is verified in memory",
        advice: "re-sign it with a current minisign (prehashed signatures are the default)",
    };
}

/// Why an input file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file: what it is instead (never opened for reading).
    NotRegular(&'static str),
    /// Larger than its cap.
    TooLarge {
        size: u64,
        cap: Cap,
    },
    Io(io::Error),
}

impl ReadError {
    /// The error as one sentence naming `path`.
    pub fn describe(&self, path: &Path) -> String {
        match self {
            ReadError::NotRegular(kind) => format!(
                "{} is {kind}, not a regular file; tollgate never reads from one",
                path.display()
            ),
            ReadError::TooLarge { size, cap } => format!(
                "{} is larger than the {} cap for {} ({}): {}",
                path.display(),
                human(cap.bytes),
                cap.what,
                if *size > cap.bytes {
                    format!("{size} bytes")
                } else {
                    "it kept growing".to_owned()
                },
                cap.advice
            ),
            ReadError::Io(e) => format!("cannot read {}: {e}", path.display()),
        }
    }
}

/// A size as people write it: `64 MiB`, `16 KiB`, `100 bytes`.
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a file type is, for messages: "a FIFO (named pipe)", "a directory", ...
pub fn kind(file_type: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symlink"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// Open `path` (following symlinks) for reading only if it is a regular file. The open
/// itself never blocks: on Unix it uses `O_NONBLOCK` (a FIFO without a writer would
/// otherwise hang the open), and the type is checked on the open descriptor.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(kind(&metadata.file_type())));
    }
    Ok((file, metadata))
}

/// Read a whole regular file of at most `cap.bytes`.
pub fn read_capped(path: &Path, cap: Cap) -> Result<Vec<u8>, ReadError> {
    let (file, metadata) = open_regular(path)?;
    read_open(file, &metadata, cap)
}

/// Read an already opened regular file of at most `cap.bytes` (a file that grows past the
/// cap while it is read is refused too).
pub fn read_open(file: File, metadata: &Metadata, cap: Cap) -> Result<Vec<u8>, ReadError> {
    if metadata.len() > cap.bytes {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
            cap,
        });
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(cap.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap.bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            cap,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: Cap = Cap {
        bytes: 8,
        what: "a test file",
        advice: "make it smaller",
    };

    #[test]
    fn reads_within_the_cap_and_refuses_past_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345678").unwrap();
        assert_eq!(read_capped(&path, CAP).unwrap(), b"12345678");
        std::fs::write(&path, b"123456789").unwrap();
        let error = read_capped(&path, CAP).unwrap_err();
        let message = error.describe(&path);
        assert!(
            message.contains("8 bytes cap for a test file (9 bytes): make it smaller"),
            "{message}"
        );
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human(16 << 10), "16 KiB");
    }

    /// docs/policy.md states every cap with its size.
    #[test]
    fn the_policy_doc_states_every_cap() {
        let page = include_str!("../docs/policy.md");
        let section = page
            .split("## Input limits")
            .nth(1)
            .expect("an Input limits section");
        for cap in [
            caps::SUMS,
            caps::SIGNATURE,
            caps::PUBLIC_KEY,
            caps::SSH_PUBLIC_KEY,
            caps::RUST_SOURCE,
            caps::SBOM,
            caps::AUDIT_REPORT,
            caps::DRILL_LOG,
            caps::SNAPSHOT_LOG,
            caps::NODE_CONFIG,
            caps::BUNDLE,
            caps::LEGACY_SIGNED,
        ] {
            let size = format!("| {} |", human(cap.bytes));
            assert!(
                section.lines().any(|l| l.ends_with(&size)),
                "docs/policy.md does not state the {size} cap for {}",
                cap.what
            );
        }
    }

    #[test]
    fn directories_are_refused_by_kind() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_capped(dir.path(), CAP).unwrap_err();
        assert!(
            matches!(error, ReadError::NotRegular("a directory")),
            "{error:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        // Without O_NONBLOCK this open would wait for a writer forever.
        let error = read_capped(&fifo, CAP).unwrap_err();
        assert!(
            matches!(error, ReadError::NotRegular("a FIFO (named pipe)")),
            "{error:?}"
        );
        let error = read_capped(Path::new("/dev/zero"), CAP).unwrap_err();
        assert!(
            matches!(error, ReadError::NotRegular("a character device")),
            "{error:?}"
        );
    }
}
