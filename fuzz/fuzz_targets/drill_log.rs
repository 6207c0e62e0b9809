//! Drill logs (JSON lines), read as the drills gate reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::drill_log(data));
