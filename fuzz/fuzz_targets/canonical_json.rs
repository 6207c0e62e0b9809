//! Canonical JSON: any JSON value's canonical bytes parse back to a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::canonical_json(data));
