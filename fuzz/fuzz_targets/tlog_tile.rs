//! A C2SP tile path: strict parse, round trip, Go's path for the same tile.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::tlog_tile(data));
