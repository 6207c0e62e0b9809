//! A plugin's stdout through the protocol-1 report validator.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::fuzzing::plugin_reply(data));
