//! The ledger head (NUL, then entry 1): canonical parse, signature check, verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::ledger_head(data));
