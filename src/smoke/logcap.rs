//! The node's stdout and stderr, interleaved into one log file that stops growing at a
//! cap. The pipes are drained to the end either way, so a chatty node never blocks on a full
//! pipe.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub struct CappedLog {
    state: Mutex<State>,
    max: u64,
}

struct State {
    file: File,
    written: u64,
    truncated: bool,
}

impl CappedLog {
    pub fn create(path: &Path, max: u64) -> std::io::Result<Arc<CappedLog>> {
        let file = File::create(path)?;
        Ok(Arc::new(CappedLog {
            state: Mutex::new(State {
                file,
                written: 0,
                truncated: false,
            }),
            max,
        }))
    }

    fn write(&self, bytes: &[u8]) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let room = self.max.saturating_sub(state.written);
        let take = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if take > 0 && state.file.write_all(&bytes[..take]).is_ok() {
            state.written += take as u64;
        }
        if take < bytes.len() && !state.truncated {
            state.truncated = true;
            let note = format!("\n[tollgate: log cut off at {} bytes]\n", self.max);
            let _ = state.file.write_all(note.as_bytes());
        }
    }

    /// Copy `pipe` into the log until it closes (on a thread of its own).
    pub fn pump(
        self: &Arc<Self>,
        mut pipe: impl Read + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        let log = Arc::clone(self);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => log.write(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
        })
    }
}

/// The last `max` bytes of a file, from a line start when a whole line fits (for findings),
/// redacted of known secrets: the node may still be writing the log, which is redacted
/// only once it has stopped.
pub fn tail(path: &Path, max: usize) -> String {
    let Ok(bytes) = std::fs::read(path) else {
        return String::new();
    };
    let bytes = crate::redact::current().bytes(&bytes);
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_end();
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let tail = &text[start..];
    match tail.find('\n') {
        Some(nl) if start > 0 => tail[nl + 1..].to_owned(),
        _ => tail.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_notes_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.log");
        let log = CappedLog::create(&path, 10).unwrap();
        log.pump(std::io::Cursor::new(b"0123456789abcdef".to_vec()))
            .join()
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("0123456789\n[tollgate: log cut off at 10 bytes]"),
            "{text}"
        );
        assert_eq!(tail(&path, 40), "[tollgate: log cut off at 10 bytes]");
        assert_eq!(tail(&path, 12), "at 10 bytes]");
    }
}
