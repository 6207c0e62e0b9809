//! Unit tests of the promotion gate live in tests/cli/promotion.rs (through the binary).
