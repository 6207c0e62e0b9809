//! Ledger bundles (tar), read and verified as `audit verify --bundle` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::bundle_tar(data));
