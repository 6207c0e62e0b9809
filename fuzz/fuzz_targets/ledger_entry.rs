//! One ledger entry: canonical round trip, then the ledger verifier over it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::ledger_entry(data));
