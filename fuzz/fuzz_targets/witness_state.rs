//! A witness's state file (`audit witness --state`): parse, re-serialise, parse again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::witness_state(data));
