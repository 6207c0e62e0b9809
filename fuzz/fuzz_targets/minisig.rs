//! A `.minisig` file, NUL, the signed bytes: parse and verify; a changed byte never verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tollgate::fuzzing::minisig(data);
});
