//! Canonical JSON: the one writer of every byte tollgate signs or hashes as "canonical"
//! (verdicts, provenance, ledger entries and heads, freeze statements, drill entries).
//!
//! The rules are RFC 8785 (JCS) where it applies, applied explicitly rather than inherited
//! from serde_json's map type, so enabling serde_json's `preserve_order` feature anywhere in
//! the build cannot reorder a signed document:
//! - object members sorted by their keys' UTF-16 code units (RFC 8785 §3.2.3), by this
//!   module, never by the order a map happens to iterate in;
//! - strings escaped as RFC 8785 §3.2.2.2 says: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`,
//!   `\u00xx` (lowercase hex) for the other control characters, everything else (DEL,
//!   U+2028, `</script>`, non-ASCII) as itself in UTF-8;
//! - no floats: a number that is not an integer is refused with an error naming where it is
//!   (tollgate never needs one, and float formatting is where canonical forms drift);
//!   integers print exactly (RFC 8785 routes numbers through IEEE 754 doubles, which agrees
//!   up to 2^53; tollgate's integers are sizes, counts and sequence numbers);
//! - two layouts of the same token stream: [`Layout::Compact`] is RFC 8785 byte for byte;
//!   [`Layout::Indented`] (two spaces, `": "` after keys, one trailing newline) is the layout
//!   tollgate's files have had since format v1, kept so that every verdict, signature and
//!   ledger entry already written still verifies.

use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// How the canonical token stream is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// RFC 8785: no whitespace at all.
    Compact,
    /// tollgate's file layout: two-space indentation, a newline after the document.
    Indented,
}

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonicalError {
    /// A number that is not an integer, at this JSON pointer.
    Float { pointer: String, value: String },
    /// serde could not turn the value into JSON (e.g. a map with non-string keys).
    Serialize(String),
}

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CanonicalError::Float { pointer, value } => write!(
                f,
                "canonical JSON refuses floats: {value} at {pointer}; tollgate's signed documents hold integers only (a bug if tollgate wrote it, a format error if it came from a file)"
            ),
            CanonicalError::Serialize(e) => {
                write!(f, "cannot turn the value into canonical JSON: {e}")
            }
        }
    }
}

impl std::error::Error for CanonicalError {}

/// The canonical bytes of any serialisable value.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, layout: Layout) -> Result<Vec<u8>, CanonicalError> {
    let value =
        serde_json::to_value(value).map_err(|e| CanonicalError::Serialize(e.to_string()))?;
    value_to_vec(&value, layout)
}

/// The canonical bytes of a JSON value.
pub fn value_to_vec(value: &Value, layout: Layout) -> Result<Vec<u8>, CanonicalError> {
    let mut writer = Writer {
        out: Vec::new(),
        layout,
        pointer: String::new(),
    };
    writer.value(value, 0)?;
    if layout == Layout::Indented {
        writer.out.push(b'\n');
    }
    Ok(writer.out)
}

/// Compare two keys as RFC 8785 orders them: by UTF-16 code units. (UTF-8 byte order, which
/// `str`'s `Ord` and a `BTreeMap` use, differs for characters above U+FFFF against U+E000..U+FFFF.)
pub fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Write `text` as a JSON string with RFC 8785's escaping into `out`.
pub fn write_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&text.as_bytes()[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&text.as_bytes()[start..]);
    out.push(b'"');
}

struct Writer {
    out: Vec<u8>,
    layout: Layout,
    /// Where the writer is, for errors (RFC 6901).
    pointer: String,
}

impl Writer {
    fn value(&mut self, value: &Value, depth: usize) -> Result<(), CanonicalError> {
        match value {
            Value::Null => self.out.extend_from_slice(b"null"),
            Value::Bool(true) => self.out.extend_from_slice(b"true"),
            Value::Bool(false) => self.out.extend_from_slice(b"false"),
            Value::Number(n) => {
                // Integers only, whatever serde_json features the build enables
                // (`arbitrary_precision` keeps "1.0" as a number that is neither).
                let text = match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => u.to_string(),
                    (None, Some(i)) => i.to_string(),
                    (None, None) => {
                        return Err(CanonicalError::Float {
                            pointer: self.here(),
                            value: n.to_string(),
                        });
                    }
                };
                self.out.extend_from_slice(text.as_bytes());
            }
            Value::String(text) => write_string(&mut self.out, text),
            Value::Array(items) => {
                let members = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), None, v));
                self.container(b'[', b']', members, items.is_empty(), depth)?;
            }
            Value::Object(map) => {
                self.object(map.iter().map(|(k, v)| (k.as_str(), v)).collect(), depth)?;
            }
        }
        Ok(())
    }

    /// Members are sorted here, whatever order they arrive in.
    fn object(
        &mut self,
        mut members: Vec<(&str, &Value)>,
        depth: usize,
    ) -> Result<(), CanonicalError> {
        members.sort_by(|a, b| key_order(a.0, b.0));
        let empty = members.is_empty();
        let members = members
            .into_iter()
            .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), Some(k), v));
        self.container(b'{', b'}', members, empty, depth)
    }

    fn container<'v>(
        &mut self,
        open: u8,
        close: u8,
        members: impl Iterator<Item = (String, Option<&'v str>, &'v Value)>,
        empty: bool,
        depth: usize,
    ) -> Result<(), CanonicalError> {
        self.out.push(open);
        for (index, (step, key, value)) in members.enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            self.newline(depth + 1);
            if let Some(key) = key {
                write_string(&mut self.out, key);
                self.out.push(b':');
                if self.layout == Layout::Indented {
                    self.out.push(b' ');
                }
            }
            let len = self.pointer.len();
            self.pointer.push('/');
            self.pointer.push_str(&step);
            self.value(value, depth + 1)?;
            self.pointer.truncate(len);
        }
        if !empty {
            self.newline(depth);
        }
        self.out.push(close);
        Ok(())
    }

    fn newline(&mut self, depth: usize) {
        if self.layout == Layout::Indented {
            self.out.push(b'\n');
            self.out.resize(self.out.len() + 2 * depth, b' ');
        }
    }

    fn here(&self) -> String {
        if self.pointer.is_empty() {
            "/ (the document itself)".to_owned()
        } else {
            self.pointer.clone()
        }
    }
}

#[cfg(test)]
mod tests;
