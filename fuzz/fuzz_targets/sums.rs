//! SHA256SUMS files (GNU and BSD lines): never panics; entries round-trip through the GNU form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::sums(data));
