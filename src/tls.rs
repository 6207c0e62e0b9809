//! The one TLS crypto provider: reqwest is built with `rustls-no-provider`, so every HTTP
//! client (health gate, smoke runs, the S3 ledger store) installs rustls' ring provider
//! first. Nothing in the build enables aws-lc-rs (a C and cmake build that dominated the
//! first `cargo run`); a client built without a provider would panic inside reqwest.

/// Install ring as the process-wide rustls provider (a no-op when one is already set).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
