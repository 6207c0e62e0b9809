//! Block headers of the demo chain.
#![forbid(unsafe_code)]

/// A block header: height and the hash of its parent.
pub struct Header {
    pub height: u64,
    pub parent: [u8; 32],
}

/// The genesis header.
pub fn genesis() -> Header {
    Header {
        height: 0,
        parent: [0; 32],
    }
}
