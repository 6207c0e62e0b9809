//! Smoke specs (TOML) through the real validator.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::smoke_spec(data));
