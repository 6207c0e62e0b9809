//! Writing a bundle's tar: regular files only, deterministic headers (mode 0644, no owner or
//! time), counted, so the same store exports the same bytes.

use std::io::Write;

pub struct TarWriter<W: Write> {
    builder: tar::Builder<W>,
    pub members: usize,
}

impl<W: Write> TarWriter<W> {
    pub fn new(out: W) -> TarWriter<W> {
        let mut builder = tar::Builder::new(out);
        builder.mode(tar::HeaderMode::Deterministic);
        TarWriter {
            builder,
            members: 0,
        }
    }

    /// Add member `name` holding `bytes`.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        self.members += 1;
        self.builder
            .append_data(&mut header, name, bytes)
            .map_err(|e| format!("cannot write bundle member {name}: {e}"))
    }

    /// Write the tar's end and flush; returns the member count.
    pub fn finish(self) -> Result<usize, String> {
        self.builder
            .into_inner()
            .and_then(|mut w| w.flush())
            .map_err(|e| format!("cannot finish the bundle: {e}"))?;
        Ok(self.members)
    }
}
