//! CycloneDX JSON SBOMs; the corpus keeps only inputs that start like JSON.
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Corpus::Reject;
    }
    if let Some(format) = tollgate::fuzzing::cyclonedx(data) {
        assert_eq!(format, tollgate::cyclonedx::Format::Json);
    }
    Corpus::Keep
});
