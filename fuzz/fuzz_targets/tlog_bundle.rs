//! A v2 entry bundle: decode and encode round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::tlog_bundle(data));
