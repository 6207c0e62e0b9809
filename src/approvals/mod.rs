//! Change control in the ledger: proposals (`tollgate propose`) bind a release's subjects to
//! a category, a summary and a rollback plan; approvals (`tollgate approve`) accept or reject
//! one proposal. Both are signed records (`ledger::signed`); whether one *counts* is decided
//! by the approvals gate against the policy's role keys, never here.

pub mod read;
pub mod statement;
pub mod subjects;

pub use statement::{ApprovalStatement, Category, Choice, FileRef, ProposalStatement};
