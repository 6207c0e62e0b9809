//! An inclusion proof (JSON): strict parse and check.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::tlog_proof(data));
