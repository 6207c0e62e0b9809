//! Capped capture of a child's output pipe on its own thread: memory stays bounded however
//! much the child writes, and the pipe is always drained so the child never stalls on it.
//! Every known secret is redacted from the stream before anything is kept, so no caller can
//! keep a secret by forgetting to redact.

use crate::redact::Redactor;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read};
use std::sync::mpsc::{self, Receiver};

/// Which part of an over-long stream to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The first `cap` bytes (a document that must be complete: its size is what matters).
    Head,
    /// The last `cap` bytes (diagnostics: the end of a log says why something stopped).
    Tail,
}

/// What was kept of one stream, and how much the child wrote in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// What was kept, secrets redacted.
    pub bytes: Vec<u8>,
    /// Every byte the child wrote, kept or not.
    pub total: u64,
    /// Bytes (of the redacted stream) dropped to respect the cap.
    pub dropped: u64,
    /// Set when reading failed (other than by the pipe closing).
    pub read_error: Option<String>,
}

impl Captured {
    /// Whether bytes were dropped to respect the cap.
    pub fn truncated(&self) -> bool {
        self.dropped > 0
    }

    /// The kept bytes as text, with a `[truncated: ...]` marker where bytes were dropped.
    pub fn text_with_marker(&self, keep: Keep) -> String {
        let text = String::from_utf8_lossy(&self.bytes);
        if !self.truncated() {
            return text.into_owned();
        }
        let dropped = self.dropped;
        match keep {
            Keep::Head => format!("{text}\n[truncated: {dropped} more bytes dropped]\n"),
            Keep::Tail => format!("[truncated: the first {dropped} bytes dropped]\n{text}"),
        }
    }

    /// At most the last `max` bytes as trimmed text (cut on a character boundary), for an
    /// error message.
    pub fn tail(&self, max: usize) -> String {
        let text = String::from_utf8_lossy(&self.bytes);
        let text = text.trim();
        let mut start = text.len().saturating_sub(max);
        while !text.is_char_boundary(start) {
            start += 1;
        }
        text[start..].to_owned()
    }
}

/// Read `pipe` to its end on a new thread, redacting `redactor`'s secrets and keeping at
/// most `cap` bytes; the receiver gets the capture once the pipe closes (every process
/// holding its write end has gone).
pub fn spawn_reader<R: Read + Send + 'static>(
    mut pipe: R,
    cap: usize,
    keep: Keep,
    redactor: Redactor,
) -> Receiver<Captured> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept: VecDeque<u8> = VecDeque::new();
        let mut captured = Captured::default();
        let mut buffer = [0u8; 16 * 1024];
        let mut stream = redactor.stream();
        let mut keep_chunk = |chunk: &[u8], captured: &mut Captured| match keep {
            Keep::Head => {
                let room = cap.saturating_sub(kept.len());
                let take = room.min(chunk.len());
                kept.extend(&chunk[..take]);
                captured.dropped += (chunk.len() - take) as u64;
            }
            Keep::Tail => {
                kept.extend(chunk);
                let excess = kept.len().saturating_sub(cap);
                kept.drain(..excess);
                captured.dropped += excess as u64;
            }
        };
        loop {
            let n = match pipe.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    captured.read_error = Some(e.to_string());
                    break;
                }
            };
            captured.total += n as u64;
            let redacted = stream.push(&buffer[..n]);
            keep_chunk(&redacted, &mut captured);
        }
        let rest = stream.finish();
        keep_chunk(&rest, &mut captured);
        captured.bytes = kept.into();
        // The receiver may have given up waiting; then nobody wants the capture.
        let _ = send.send(captured);
    });
    receive
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn capture(input: &[u8], cap: usize, keep: Keep) -> Captured {
        capture_redacting(input, cap, keep, &[])
    }

    fn capture_redacting(input: &[u8], cap: usize, keep: Keep, secrets: &[&str]) -> Captured {
        let redactor = Redactor::new(secrets);
        spawn_reader(std::io::Cursor::new(input.to_vec()), cap, keep, redactor)
            .recv_timeout(Duration::from_secs(5))
            .unwrap()
    }

    #[test]
    fn secrets_are_redacted_before_the_cap() {
        let secret = "s3cret-value-1234";
        let mut input = format!("start {secret}\n").into_bytes();
        input.extend(vec![b'x'; 40_000]);
        input.extend(format!("\nend {secret}\n").into_bytes());
        let head = capture_redacting(&input, 64, Keep::Head, &[secret]);
        assert!(head.bytes.starts_with(b"start [REDACTED]\n"));
        let tail = capture_redacting(&input, 64, Keep::Tail, &[secret]);
        assert!(tail.bytes.ends_with(b"\nend [REDACTED]\n"));
        for c in [head, tail] {
            assert!(c.truncated());
            assert_eq!(c.total, input.len() as u64);
            let text = String::from_utf8_lossy(&c.bytes);
            assert!(!text.contains("s3cret"), "{text}");
        }
        let whole = capture_redacting(secret.as_bytes(), 64, Keep::Tail, &[secret]);
        assert!(!whole.truncated(), "redaction is not truncation");
        assert_eq!(whole.bytes, b"[REDACTED]");
    }

    #[test]
    fn head_keeps_the_start_and_counts_everything() {
        let c = capture(&[b'a'; 40_000], 10, Keep::Head);
        assert_eq!(c.bytes, b"aaaaaaaaaa");
        assert_eq!(c.total, 40_000);
        assert!(c.truncated());
        assert!(
            c.text_with_marker(Keep::Head)
                .ends_with("[truncated: 39990 more bytes dropped]\n")
        );
    }

    #[test]
    fn tail_keeps_the_end() {
        let mut input = vec![b'x'; 50_000];
        input.extend_from_slice(b"the reason");
        let c = capture(&input, 10, Keep::Tail);
        assert_eq!(c.bytes, b"the reason");
        assert!(
            c.text_with_marker(Keep::Tail)
                .starts_with("[truncated: the first 50000 bytes dropped]\n")
        );
    }

    #[test]
    fn short_streams_are_whole() {
        let c = capture(b"hello\n", 64, Keep::Tail);
        assert!(!c.truncated());
        assert_eq!(c.text_with_marker(Keep::Tail), "hello\n");
        assert_eq!(c.tail(3), "llo");
        assert_eq!(Captured::default().tail(10), "");
    }

    #[test]
    fn tail_cuts_on_a_character_boundary() {
        let c = Captured {
            bytes: "ééé".as_bytes().to_vec(),
            total: 6,
            dropped: 0,
            read_error: None,
        };
        assert_eq!(c.tail(3), "é");
    }
}
