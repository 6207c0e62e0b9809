//! A v2 checkpoint note (NUL, then a verifier key): strict parse, round trips, agreement with tlog_tiles and signed_note.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::tlog_checkpoint(data));
