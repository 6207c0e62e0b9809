//! cargo-deny reports through the audit gate's format detection and parser; the corpus keeps
//! only inputs that fail or parse as cargo-deny, so this target explores that format.
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    match tollgate::fuzzing::audit_report(data) {
        Some(format) if format != "cargo-deny" => Corpus::Reject,
        _ => Corpus::Keep,
    }
});
