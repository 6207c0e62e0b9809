//! The auditors' ledger: an append-only, tamper-evident record of every verdict, kept in a
//! [`store::Store`] (a local directory or S3-compatible object storage).

pub mod s3;
pub mod store;
