//! Embeds every docs/gates/*.md into the binary, so `tollgate explain CODE` reads the same
//! tables the documentation shows: a gate added with its doc page is explained with no code
//! change, and the two cannot drift.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let docs = manifest.join("docs").join("gates");
    // A directory here makes cargo rerun this script when any file in it changes or appears.
    println!("cargo:rerun-if-changed={}", docs.display());
    let mut pages: Vec<PathBuf> = match std::fs::read_dir(&docs) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .collect(),
        Err(e) => panic!("cannot read {}: {e}", docs.display()),
    };
    pages.sort();
    let mut code = String::from(
        "/// Every `docs/gates/*.md` page: (file name, contents).\npub const GATE_DOCS: &[(&str, &str)] = &[\n",
    );
    for page in &pages {
        let name = page
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_else(|| panic!("{} is not a UTF-8 file name", page.display()));
        let path = page
            .to_str()
            .unwrap_or_else(|| panic!("{} is not a UTF-8 path", page.display()));
        writeln!(code, "    ({name:?}, include_str!({path:?})),").expect("writing to a String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("gate_docs.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
